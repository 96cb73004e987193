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
# OUTDIR (default: a new /tmp/bpfcost-series.XXXXXX, kept; a run whose
# file is there already is kept, not benched again: the same series can be
# judged again by a newer compare). Then, with
# `bpfcost compare` at its defaults, one run a side:
#   - false alarms: loop_base run i against run i+1 (N-1 pairs of runs of
#     one object): a FAIL there failed a build that changed nothing;
#   - detections: loop_base run i against loop_more run i (N pairs);
#   - inconclusive (exit 3): compare could not judge (the machine changed
#     speed between the runs, or a run was disturbed).
# Each is counted twice: compare alone, and the gate of docs/ci.md, which
# on exit 3 benches both sides once more (fresh runs, interleaved, in
# OUTDIR/rerun-*) and takes that second answer (a second exit 3 stays
# inconclusive). With N >= 6, the same with three runs a side (disjoint
# triplets; a rerun benches three fresh runs a side). One line per run and
# per comparison, then the runs' baselines (speed switches) and disturbed
# runs, the summary and the time taken; exit 0 unless something could not
# run (1) or the arguments are wrong (2).
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
# a run is disturbed when its interval is wider than this % of its cost
# (compare's WIDE_PCT): said beside the run and in the summary
WIDE_PCT=8
export WIDE_PCT

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
BENCH_OPTS=("$@")

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

# bench OBJ (base or more) FILE LABEL: one run, one line
RUNS=0; KEPT=0
bench() {
  local obj=$1 f=$2 label=$3 rc=0
  if [ -s "$f" ]; then KEPT=$((KEPT + 1))   # kept from an earlier series
  else
    "${locked[@]}" "$BPFCOST" bench --obj "$OBJDIR/loop_$obj.bpf.o" "${BENCH_OPTS[@]}" --json \
      -o "$f" > /dev/null 2> "${f%.json}.err"
    rc=$?
  fi
  RUNS=$((RUNS + 1))
  if [ $rc -ne 0 ]; then
    echo "compare-series: bench loop_$obj $label: exit $rc: $(tail -1 "${f%.json}.err")" >&2
    exit 1
  fi
  python3 - "$f" "$obj" "$label" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["results"] if r["hook"] == "obj"][0]
ci = r.get("overhead_ci95") or [float("nan")] * 2
h = (ci[1] - ci[0]) / 2
wide = h / abs(r["overhead_ns"]) * 100 if r["overhead_ns"] else float("nan")
print("run %-4s %-8s +%.1f ns (+%.1f%%) +-%.1f (%.0f%%), base %.1f ns, %d pairs, %s%s" % (
    sys.argv[2], sys.argv[3], r["overhead_ns"], r["overhead_pct"], h, wide, r["base_ns"],
    r["trials"], r["status"], ", disturbed" if ci[0] > 0 and wide > float(os.environ["WIDE_PCT"]) else ""))
EOF
}

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $N runs of each, interleaved, into $OUT; bench options: ${*:-(defaults)}"
for i in $(seq "$N"); do
  for obj in base more; do bench "$obj" "$OUT/$obj-$i.json" "$i"; done
done
echo "# load $(cut -d' ' -f1-3 /proc/loadavg) at the end of the series"

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
v = r["verdict"] + ("(%s)" % r["inconclusive_reason"] if r.get("inconclusive_reason") else "")
print("%-18s %+6.1f%s [%+.1f, %+.1f] p %.3f base %s bar %+.0f%% %-12s exit %s" % (
    sys.argv[2], r["change"], u, r["change_ci"][0], r["change_ci"][1], r["p_value"],
    "%+5.1f%%" % b if b is not None else "  -   ", r["fail_above"], v, sys.argv[3]))
EOF
}

# gate NAME OLDOBJ NEWOBJ K OLD NEW [OLD2 NEW2 ...]: compare; on exit 3,
# K fresh runs of each side, interleaved, and compare those: the gate's
# answer. Compare's own exit code in $C, the gate's in $G.
gate() {
  local name=$1 a=$2 b=$3 k=$4 j files=(); shift 4
  compare "$name" "$@"
  C=$RC; G=$RC
  [ $C -eq 3 ] || return 0
  for j in $(seq "$k"); do
    bench "$a" "$OUT/rerun-$name-old-$j.json" "$name"
    bench "$b" "$OUT/rerun-$name-new-$j.json" "$name"
    files+=("$OUT/rerun-$name-old-$j.json" "$OUT/rerun-$name-new-$j.json")
  done
  compare "$name-rerun" "${files[@]}"
  G=$RC
}

# count PREFIX: add $C and $G to PREFIX's counters (fail, inconclusive)
declare -A n
count() {
  n[$1.c.$C]=$(( ${n[$1.c.$C]:-0} + 1 )); n[$1.g.$G]=$(( ${n[$1.g.$G]:-0} + 1 ))
}
# line PREFIX C|G PAIRS: "false alarms F of P (inconclusive I)" or the like
said() {
  local p=$1 w=$2 of=$3
  if [ "${p%%.*}" = same ]; then
    echo "false alarms ${n[$p.$w.1]:-0} of $of (inconclusive ${n[$p.$w.3]:-0})"
  else
    echo "detections ${n[$p.$w.1]:-0} of $of (inconclusive ${n[$p.$w.3]:-0}, passed ${n[$p.$w.0]:-0})"
  fi
}

echo "# same object, one run a side (base i against base i+1): a FAIL is a false alarm"
for i in $(seq $((N - 1))); do
  gate "base$i-base$((i + 1))" base base 1 "$OUT/base-$i.json" "$OUT/base-$((i + 1)).json"
  count same.1
done
echo "# dearer object, one run a side (base i against more i): a FAIL is a detection"
for i in $(seq "$N"); do
  gate "base$i-more$i" base more 1 "$OUT/base-$i.json" "$OUT/more-$i.json"
  count more.1
done

# three a side: disjoint triplets of runs, old and new files alternating
if [ "$N" -ge 6 ]; then
  k=$((N / 3))
  trip() { local a=$1 b=$2 s=$3; for j in 1 2 3; do
    echo "$OUT/$a-$((3 * s + j)).json" "$OUT/$b-$((3 * (s + ${4:-0}) + j)).json"; done; }
  echo "# three runs a side: base triplet against the next base triplet, then against more"
  for s in $(seq 0 $((k - 2))); do
    # shellcheck disable=SC2046
    gate "base3x$s-base3x$((s + 1))" base base 3 $(trip base base "$s" 1)
    count same.3
  done
  for s in $(seq 0 $((k - 1))); do
    # shellcheck disable=SC2046
    gate "base3x$s-more3x$s" base more 3 $(trip base more "$s")
    count more.3
  done
fi

# the machine's states: the runs' baselines, and the runs compare calls
# disturbed (their interval beyond +-WIDE_PCT% of the cost)
python3 - "$OUT" <<'EOF'
import glob, json, os, statistics, sys
runs = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(f)[:-5]
    if name.startswith("cmp-"):
        continue
    r = [r for r in json.load(open(f))["results"] if r["hook"] == "obj"][0]
    ci = r.get("overhead_ci95") or [0, 0]
    runs.append((name, r["base_ns"], ci[0] > 0 and (ci[1] - ci[0]) / 2 / abs(r["overhead_ns"]) * 100 > float(os.environ["WIDE_PCT"])))
bs = sorted(b for _, b, _ in runs)
mid = (bs[0] + bs[-1]) / 2
if bs[-1] / bs[0] > 1.1:
    fast = [n for n, b, _ in runs if b < mid]
    print("# the speed moved: baselines %.0f-%.0f ns, %d of %d runs below %.0f: %s" % (
        bs[0], bs[-1], len(fast), len(runs), mid, ", ".join(fast)))
else:
    print("# one speed: baselines %.0f-%.0f ns" % (bs[0], bs[-1]))
print("# disturbed runs: %s" % (", ".join(n for n, _, d in runs if d) or "none"))
EOF

echo "compare-series: one run a side, compare alone: $(said same.1 c $((N - 1))); $(said more.1 c "$N")"
echo "compare-series: one run a side, the gate (one rerun on exit 3): $(said same.1 g $((N - 1))); $(said more.1 g "$N")"
if [ "$N" -ge 6 ]; then
  echo "compare-series: three a side, compare alone: $(said same.3 c $((k - 1))); $(said more.3 c "$k")"
  echo "compare-series: three a side, the gate: $(said same.3 g $((k - 1))); $(said more.3 g "$k")"
fi
echo "compare-series: $RUNS bench runs ($((RUNS - 2 * N)) reruns, $KEPT kept), $((SECONDS / 60)) min $((SECONDS % 60)) s, load $(cut -d' ' -f1-3 /proc/loadavg) (files in $OUT)"
