#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# How often does `bpfcost compare` fail a build that changed nothing, and
# how often does it catch one that did? (issue 20; docs/ci.md, "Your
# runner's numbers"). Run as root after `make bpfcost tests-build`, on an
# otherwise quiet machine:
#
#   scripts/compare-series.sh [N] [OUTDIR] [-- BENCH-OPTIONS...]
#
# N interleaved `bench --obj` runs of each of build/tests/loop_base.bpf.o
# and loop_more.bpf.o (the same program but for a bounded loop of 32 steps
# per event; default N 12, ~9 s a run), each written with --json -o to
# OUTDIR (default: a new /tmp/bpfcost-series.XXXXXX, kept). Then, with
# `bpfcost compare` at its defaults, one run a side:
#   - false alarms: loop_base run i against run i+1 (N-1 pairs of runs of
#     one object): a FAIL there failed a build that changed nothing;
#   - detections: loop_base run i against loop_more run i (N pairs);
#   - inconclusive (exit 3, on either side): compare could not judge (the
#     machine changed speed between the runs, or a run was disturbed), and
#     a CI job would run again: counted apart, neither alarm nor detection.
# With N >= 6, the same with three runs a side (disjoint triplets) too.
# One line per comparison, then the summary; exit 0 unless something
# could not run (1) or the arguments are wrong (2).
#
# Each bench run takes the machine lock (LOCK, default
# /tmp/bpfcost-measure.lock) for itself, unless this script already
# holds it (started under `flock LOCK scripts/compare-series.sh ...`);
# LOCK= runs without it.
set -u
cd "$(dirname "$0")/.." || exit 1
BPFCOST=${BPFCOST:-./bpfcost}
OBJDIR=${OBJDIR:-build/tests}
LOCK=${LOCK-/tmp/bpfcost-measure.lock}

usage() { echo "usage: scripts/compare-series.sh [N >= 2] [OUTDIR] [-- BENCH-OPTIONS...]" >&2; exit 2; }
N=12; OUT=
if [ $# -gt 0 ] && [ "$1" != -- ]; then N=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != -- ]; then OUT=$1; shift; fi
if [ $# -gt 0 ]; then [ "$1" = -- ] || usage; shift; fi
case $N in ''|*[!0-9]*) usage ;; esac
[ "$N" -ge 2 ] || usage
for f in "$BPFCOST" "$OBJDIR/loop_base.bpf.o" "$OBJDIR/loop_more.bpf.o"; do
  [ -e "$f" ] || { echo "compare-series: needs $f (make bpfcost tests-build)" >&2; exit 1; }
done
if [ -z "$OUT" ]; then OUT=$(mktemp -d /tmp/bpfcost-series.XXXXXX) || exit 1
else mkdir -p "$OUT" || exit 1; fi

# the lock, per run, unless held already (flock LOCK this-script: its fd
# is inherited, and a second flock on the file would wait for ever)
locked=()
if [ -n "$LOCK" ]; then
  held=false
  for fd in "/proc/$$/fd"/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$LOCK" ] && held=true
  done
  $held || locked=(flock "$LOCK")
fi

# Ctrl-C stops the bench run (it keeps nothing running) and the series;
# runs are in the foreground, so no process of this script outlives it
trap 'exit 130' INT TERM

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $N runs of each, interleaved, into $OUT; bench options: ${*:-(defaults)}"
for i in $(seq "$N"); do
  for obj in base more; do
    f="$OUT/$obj-$i.json"
    "${locked[@]}" "$BPFCOST" bench --obj "$OBJDIR/loop_$obj.bpf.o" "$@" --json -o "$f" \
      > /dev/null 2> "$OUT/$obj-$i.err"
    rc=$?
    if [ $rc -ne 0 ]; then
      echo "compare-series: bench loop_$obj run $i: exit $rc: $(tail -1 "$OUT/$obj-$i.err")" >&2
      exit 1
    fi
    python3 - "$f" "$obj" "$i" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["results"] if r["hook"] == "obj"][0]
ci = r.get("overhead_ci95") or [float("nan")] * 2
h = (ci[1] - ci[0]) / 2
print("run %-4s %-2s +%.1f ns (+%.1f%%) +-%.1f, base %.1f ns, %d pairs, %s instances, %s" % (
    sys.argv[2], sys.argv[3], r["overhead_ns"], r["overhead_pct"], h, r["base_ns"], r["trials"],
    r.get("instances"), r["status"]))
EOF
  done
done
echo "# load $(cut -d' ' -f1-3 /proc/loadavg) at the end"

# compare NAME OLD NEW [OLD2 NEW2 ...]: one line; its exit code in $RC
compare() {
  local name=$1; shift
  "$BPFCOST" compare "$@" --json -o "$OUT/cmp-$name.json" > /dev/null 2> "$OUT/cmp-$name.err"
  RC=$?
  if [ $RC -eq 2 ] || [ $RC -gt 3 ] || [ ! -s "$OUT/cmp-$name.json" ]; then
    echo "compare-series: compare $name: exit $RC: $(tail -1 "$OUT/cmp-$name.err")" >&2
    exit 1
  fi
  python3 - "$OUT/cmp-$name.json" "$name" "$RC" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["rows"] if r["id"].endswith("/obj/loop_getpid")][0]
u = "pt" if r["change_unit"] == "points" else "%"
b = r.get("baseline_change")
print("%-16s %+7.1f%s [%+.1f, %+.1f]  p %.3f  base %s  %-12s exit %s" % (
    sys.argv[2], r["change"], u, r["change_ci"][0], r["change_ci"][1], r["p_value"],
    "%+5.1f%%" % b if b is not None else "  -   ", r["verdict"], sys.argv[3]))
EOF
}

fa=0; det=0; ifa=0; idet=0
echo "# same object, one run a side (base i against base i+1): a FAIL is a false alarm"
for i in $(seq $((N - 1))); do
  compare "base$i-base$((i + 1))" "$OUT/base-$i.json" "$OUT/base-$((i + 1)).json"
  [ $RC -eq 1 ] && fa=$((fa + 1))
  [ $RC -eq 3 ] && ifa=$((ifa + 1))
done
echo "# dearer object, one run a side (base i against more i): a FAIL is a detection"
for i in $(seq "$N"); do
  compare "base$i-more$i" "$OUT/base-$i.json" "$OUT/more-$i.json"
  [ $RC -eq 1 ] && det=$((det + 1))
  [ $RC -eq 3 ] && idet=$((idet + 1))
done
summary="one run a side: false alarms $fa of $((N - 1)), detections $det of $N"
summary="$summary (inconclusive $ifa and $idet)"

# three a side: disjoint triplets of runs, old and new files alternating
if [ "$N" -ge 6 ]; then
  fa3=0; det3=0; ifa3=0; idet3=0; k=$((N / 3))
  trip() { local a=$1 b=$2 s=$3; for j in 1 2 3; do
    echo "$OUT/$a-$((3 * s + j)).json" "$OUT/$b-$((3 * (s + ${4:-0}) + j)).json"; done; }
  echo "# three runs a side: base triplet against the next base triplet, then against more"
  for s in $(seq 0 $((k - 2))); do
    # shellcheck disable=SC2046
    compare "base3x$s-base3x$((s + 1))" $(trip base base "$s" 1)
    [ $RC -eq 1 ] && fa3=$((fa3 + 1))
    [ $RC -eq 3 ] && ifa3=$((ifa3 + 1))
  done
  for s in $(seq 0 $((k - 1))); do
    # shellcheck disable=SC2046
    compare "base3x$s-more3x$s" $(trip base more "$s")
    [ $RC -eq 1 ] && det3=$((det3 + 1))
    [ $RC -eq 3 ] && idet3=$((idet3 + 1))
  done
  summary="$summary; three a side: false alarms $fa3 of $((k - 1)), detections $det3 of $k"
  summary="$summary (inconclusive $ifa3 and $idet3)"
fi
echo "compare-series: $summary (files in $OUT)"
