# SPDX-License-Identifier: GPL-2.0
# Every command's JSON keeps its structure: the key paths of a short run
# of each must equal those stored in tests/data/shapes/ (captured from the
# release before the source tree was reorganised). A path that disappears
# breaks readers (bump the schema's version); a new one is stored on
# purpose: tests/json_shape.py FILE > tests/data/shapes/X.txt, or for
# every command at once UPDATE_SHAPES=1 tests/run.sh schemas (then read
# `git diff tests/data/shapes`: only additions belong there).
# env.mitigations is keyed by the kernel's vulnerability names: left out.
. tests/lib.sh
BUILD=${BUILD:-build}
S=tests/data/shapes
BT='tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }'

same_shape() { # NAME FILE
  local want=$S/$1.txt got
  if [ ! -s "$2" ]; then nok "schema_$1" "no JSON written"; return; fi
  got=$(python3 tests/json_shape.py "$2" 2>&1 | grep -v '^env\.mitigations\.')
  [ -n "${UPDATE_SHAPES:-}" ] && echo "$got" > "$want"
  if [ "$got" = "$(cat "$want")" ]; then ok "schema_$1"
  else nok "schema_$1" "$(diff <(echo "$got") "$want" | grep '^[<>]' | head -5 | tr '\n' ' ')"; fi
}

$BPFCOST check --json > "$TMP/check.json" 2>/dev/null
same_shape check "$TMP/check.json"
$BPFCOST bench --hook tp,rawtp,uprobe,fentry --body empty,ringbuf --trials 4 --json \
  -o "$TMP/bench.json" >/dev/null 2>&1
same_shape bench "$TMP/bench.json"
$BPFCOST bench --obj "$BUILD/tests/getpid_count.bpf.o" --trials 2 --ops 5000 --no-null --json \
  -o "$TMP/bench-obj.json" >/dev/null 2>&1
same_shape bench-obj "$TMP/bench-obj.json"
$BPFCOST sweep --workload getpid --hook rawtp --body ringbuf --rates 2k,max --duration 0.3 \
  --json -o "$TMP/sweep.json" >/dev/null 2>&1
same_shape sweep "$TMP/sweep.json"
for app in redis python-gc; do
  $BPFCOST app $app --duration 0.5 --repeat 1 --bench "$TMP/bench.json" --json \
    -o "$TMP/app-$app.json" >/dev/null 2>&1
  same_shape app-$app "$TMP/app-$app.json"
done
if command -v bpftrace >/dev/null; then
  $BPFCOST measure --repeat 3 --duration 0.2 -o "$TMP/measure.json" -- bpftrace -e "$BT" \
    >/dev/null 2>&1
  same_shape measure "$TMP/measure.json"
else
  skip schema_measure "bpftrace is not installed"
fi
$BPFCOST lab --short --json -o "$TMP/lab.json" >/dev/null 2>&1
same_shape lab "$TMP/lab.json"
$BPFCOST lint "$BUILD/tests/lint_bad.bpf.o" --json -o "$TMP/lint.json" >/dev/null 2>&1
same_shape lint "$TMP/lint.json"
$BPFCOST study --workloads getpid --only check,report --obj "$BUILD/tests/getpid_count.bpf.o" \
  --apps none --time 30s -o "$TMP/study" >/dev/null 2>&1
same_shape study "$TMP/study/study.json"
$BPFCOST budget --rate 50k --ns 500 --cpus 8 --json > "$TMP/budget.json" 2>/dev/null
same_shape budget "$TMP/budget.json"
$BPFCOST compare tests/data/compare-base.json tests/data/compare-more.json --json \
  -o "$TMP/compare.json" >/dev/null 2>&1
same_shape compare "$TMP/compare.json"
if command -v bpftrace >/dev/null; then
  with_tracefs bpftrace -e "$BT" >/dev/null 2>&1 &
  bt=$!
  for i in $(seq 50); do bpftool prog list 2>/dev/null | grep -q sys_enter_getp && break; sleep 0.2; done
  $BPFCOST top --once --json > "$TMP/top.json" 2>/dev/null
  stop_tool $bt
  same_shape top "$TMP/top.json"
else
  skip schema_top "bpftrace is not installed"
fi
