#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Does `bpfcost top`'s full cost match what a traced process really pays?
# (docs/top.md, "Full cost: validation"). Run as root after `make
# tests-build`, on an otherwise quiet machine:
#
#   scripts/top-validate.sh [RATE] [RUNS]      (default 2000 calls/s, 1 run)
#
# build/tests/top_driver --call calls a function RATE times a second and
# times every call with its own clock. bpftrace puts a uprobe on that
# function for the middle of the run; `bpfcost top --json` watches it
# meanwhile. Per top interval: the driver's time per call with the uprobe,
# less its time per call without it (before and after), times the calls
# made, is the share of a CPU the uprobe took from it; top's
# full_cpu_core_pct for bpftrace's program should say the same.
set -u
cd "$(dirname "$0")/.."
RATE=${1:-2000}
RUNS=${2:-1}
BPFCOST=${BPFCOST:-./bpfcost}
DRIVER=${DRIVER:-build/tests/top_driver}
OUT=$(mktemp -d /tmp/bpfcost-top-validate.XXXXXX)
trap 'kill $BT $DRV 2>/dev/null; wait 2>/dev/null; rm -rf "$OUT"' EXIT
BT=; DRV=
mono() { python3 -c 'import time; print(time.monotonic_ns())'; }

command -v bpftrace > /dev/null || { echo "needs bpftrace" >&2; exit 1; }
[ -x "$DRIVER" ] || { echo "needs $DRIVER (make tests-build)" >&2; exit 1; }
# a fresh calibration first (it rewrites the cache), not beside the driver
"$BPFCOST" top --once --json --recalibrate 2> /dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
s = d["stats"]
print("# stats cost %s ns/run %s, <= %s in AVG" % (s["cost_ns_per_run"], s["cost_ci95"], s["cost_in_avg_max_ns"]))
for h in d["dispatch"]["hooks"]:
    print("# %-9s %-11s %9s ns %-24s %s pairs, %s s" % (h["hook"], h["status"], h["dispatch_ns"],
          h["dispatch_ci95"], h["pairs"], h["seconds"]))'

for run in $(seq "$RUNS"); do
  "$DRIVER" --call "$RATE" 26 "$OUT/drv.log" > "$OUT/drv" 2>&1 &
  DRV=$!
  sleep 6
  t_on=$(mono)
  # tracefs in a private mount namespace when the host has none mounted
  unshare -m --propagation private sh -c '[ -d /sys/kernel/tracing/events ] ||
    mount -t tracefs tracefs /sys/kernel/tracing; exec "$@"' sh \
    bpftrace -e "uprobe:$(realpath "$DRIVER"):top_driver_target { @calls = count(); }" \
    > "$OUT/bt" 2>&1 &
  BT=$!
  for i in $(seq 100); do grep -q Attaching "$OUT/bt" && break; sleep 0.1; done
  sleep 1
  "$BPFCOST" top -d 2 -n 4 --json -o "$OUT/top.jsonl" 2> "$OUT/top.err"
  for i in 1 2 3 4 5 6 7 8 9 10; do kill -INT $BT 2>/dev/null || break; sleep 1; done
  kill -KILL $BT 2>/dev/null; wait $BT 2>/dev/null
  t_off=$(mono)
  wait $DRV
  python3 - "$OUT/drv.log" "$OUT/top.jsonl" "$t_on" "$t_off" "$(realpath "$DRIVER")" "$run" <<'EOF'
import bisect, json, sys
log = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
docs = [json.loads(l) for l in open(sys.argv[2])]
t_on, t_off, path, run = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
ts = [x[0] for x in log]
def at(t):
    i = bisect.bisect_right(ts, t)
    return log[i - 1] if i else (t, 0, 0)
def span(a, b):  # calls and ns spent in calls between two instants
    x, y = at(a), at(b)
    return y[1] - x[1], y[2] - x[2]
s = 1_000_000_000
c1, n1 = span(log[0][0] + s, t_on - s // 2)
c2, n2 = span(t_off + s, log[-1][0])
base = (n1 + n2) / (c1 + c2)
print("# run %s: without the uprobe %.1f ns per call (%d calls before, %d after)" % (run, base, c1, c2))
print("# interval  calls/s  with ns/call  slowdown %CORE  top: AVG  dispatch  FULL ns  %FULL  top/driver")
for i, d in enumerate(docs):
    p = next((p for p in d["programs"] if any(path in a and a.startswith("uprobe:") for a in p["attach"])), None)
    c, n = span(d["start_mono_ns"], d["end_mono_ns"])
    if not p or not c:
        print("# %d: no uprobe program seen" % (i + 1)); continue
    dur = d["end_mono_ns"] - d["start_mono_ns"]
    drv = 100.0 * (n - base * c) / dur
    top = p["full_cpu_core_pct"]
    print("  %d  %8.1f  %12.1f  %14.3f  %8s  %8s  %7s  %6s  %s" % (
        i + 1, c / (dur / s), n / c, drv, round(p["avg_ns"] or 0), round(p["dispatch_ns"] or 0),
        round(p["full_ns"] or 0), top, "%.2f" % (top / drv) if top and drv > 0 else "-"))
EOF
done
