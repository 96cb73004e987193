#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost compare, the regression gate: a known regression is found and a
# run against another run of the same object passes (stored bench --obj
# results of tests/bpf/loop_base and loop_more, tests/data/compare-*.json);
# every schema's rows are matched and tested (small synthetic files);
# baselines that differ switch to +%; runs at two machine speeds
# (synthetic, from the stored runs) are inconclusive (exit 3), not a
# failure, unless the change is beyond what the speed explains, and so is a
# disturbed run; other hosts are refused; bad input is one line and exit 2.
# Then one short live run: bench --obj's budget gate (--max-ns) and compare
# on what it wrote.
source "$(dirname "$0")/../lib.sh"
BUILD=${BUILD:-build}
D=tests/data
BASE=$D/compare-base.json
BASE2=$D/compare-base2.json
MORE=$D/compare-more.json
MORE2=$D/compare-more2.json

# rc NAME WANT CMD...: the command's exit code is WANT
rc_is() { local n=$1 want=$2; shift 2; "$@" > "$TMP/out" 2> "$TMP/err"; local rc=$?
  if [ $rc -eq "$want" ]; then ok "$n"; else nok "$n" "exit $rc, want $want: $(head -2 "$TMP/err")"; fi; }
# bad NAME CMD...: exit 2 with exactly one line on stderr, nothing on stdout
bad() { local n=$1; shift; "$@" > "$TMP/out" 2> "$TMP/err"; local rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then ok "$n"
  else nok "$n" "exit $rc, $(wc -l < "$TMP/err") lines: $(head -2 "$TMP/err")"; fi; }

# ---- the known regression, and runs of one object ----
rc_is compare_regression_fails 1 $BPFCOST compare $BASE $MORE
if tail -1 "$TMP/out" | grep -q '^compare: FAIL: 1 of 1 row above +5%: getpid/obj/loop_getpid +'; then
  ok compare_summary_names_row; else nok compare_summary_names_row "$(tail -1 "$TMP/out")"; fi
check compare_row_marked grep -q '^obj/loop_getpid .* FAIL$' "$TMP/out"
awk 'length > 80' "$TMP/out" | grep -v '^compare: ' > "$TMP/wide"
if [ ! -s "$TMP/wide" ]; then ok compare_80_columns; else nok compare_80_columns "$(head -1 "$TMP/wide")"; fi
rc_is compare_same_object_passes 0 $BPFCOST compare $BASE $BASE2
rc_is compare_same_object_passes_2 0 $BPFCOST compare $MORE $MORE2
rc_is compare_itself_passes 0 $BPFCOST compare $BASE $BASE
check compare_itself_unchanged grep -q '^obj/loop_getpid .* ~ .* [01]\.[0-9]* *$' "$TMP/out"
rc_is compare_improvement_passes 0 $BPFCOST compare $MORE $BASE
check compare_improvement_better grep -q ' better$' "$TMP/out"
rc_is compare_pooled_fails 1 $BPFCOST compare $BASE $MORE $BASE2 $MORE2
check compare_pooled_runs grep -q '^old: 2 runs, new: 2 runs' "$TMP/out"
# a threshold beyond the change passes it
rc_is compare_threshold 0 $BPFCOST compare $BASE $MORE --threshold 500

# ---- JSON and CSV ----
$BPFCOST compare $BASE $MORE --json > "$TMP/c.json" 2> "$TMP/c.err"
v=$(jpy "$TMP/c.json" '(d["schema"], d["rows"][0]["kind"], d["rows"][0]["id"], d["rows"][0]["verdict"], d["rows"][0]["change_ci"][0] > 5, d["rows"][0]["p_value"] < 0.05, d["summary"]["failed"])' 2>&1)
if [ "$v" = "('bpfcost.compare/2', 'bench', 'getpid/obj/loop_getpid', 'FAIL', True, True, ['getpid/obj/loop_getpid'])" ]; then
  ok compare_json; else nok compare_json "$v"; fi
check compare_json_summary_on_stderr grep -q '^compare: FAIL' "$TMP/c.err"
rc_is compare_output_file 1 $BPFCOST compare $BASE $MORE -o "$TMP/o.json"
check compare_output_file_json test "$(jpy "$TMP/o.json" 'd["schema"]')" = bpfcost.compare/2
check compare_output_file_table grep -q '^compare: FAIL' "$TMP/out"
$BPFCOST compare $BASE $MORE --csv > "$TMP/c.csv" 2>/dev/null
if head -1 "$TMP/c.csv" | grep -q '^kind,group,row,metric,old,' && grep -q '^bench,bench getpid,obj/loop_getpid,.*,FAIL,[^,]*,[^,]*,$' "$TMP/c.csv"; then
  ok compare_csv; else nok compare_csv "$(head -2 "$TMP/c.csv")"; fi

# ---- baselines that differ: compared by +% ----
# the same run, every trial 10% slower (the machine's speed, not the probe's)
python3 - "$BASE" "$TMP/slow.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    for k in ("base_trials_ns", "probe_trials_ns"):
        r[k] = [x * 1.1 for x in r[k]]
    for k in ("base_ns", "probe_ns", "overhead_ns"):
        if r.get(k) is not None: r[k] *= 1.1
json.dump(d, open(sys.argv[2], "w"))
EOF
rc_is compare_slower_machine_passes 0 $BPFCOST compare $BASE "$TMP/slow.json"
check compare_slower_machine_by_pct grep -q 'compared by +%$' "$TMP/out"
$BPFCOST compare $BASE "$TMP/slow.json" --json > "$TMP/slow-c.json" 2>/dev/null
check compare_slower_machine_json test "$(jpy "$TMP/slow-c.json" '(d["rows"][0]["metric"], d["baselines"][0]["differ"], d["rows"][0]["verdict"])')" = "('pct', True, '~')"

# ---- the machine changed speed between the runs: inconclusive, exit 3 ----
# The stored base run at another speed: every baseline trial x SPEED and
# every probe's overhead x SPEED x COST (its +% x COST). At a slower speed a
# probe's +% rises by about as much as the baseline (NOTES, issue 20): +15%
# at a 20% slower machine is what the speed does; +50% is not.
speed() { python3 - "$BASE" "$TMP/$1.json" "$2" "$3" "${4:-0}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
k, c, disturb = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
for r in d["results"]:
    b, p = r["base_trials_ns"], r["probe_trials_ns"]
    r["base_trials_ns"] = [x * k for x in b]
    # disturbed: one block of 5 pairs in 3 six times dearer (another process)
    f = [c * (6 if disturb and r["hook"] == "obj" and (i // 5) % 3 == 0 else 1) for i in range(len(b))]
    r["probe_trials_ns"] = [x * k + (y - x) * k * fi for x, y, fi in zip(b, p, f)]
    r["base_ns"] *= k
    # the file's own summary: scaled, or, disturbed, about as wide as
    # bench's would be (the middle half of the pairs' differences)
    o = sorted(y - x for x, y in zip(r["base_trials_ns"], r["probe_trials_ns"]))
    if disturb and r["hook"] == "obj":
        r["overhead_ns"], r["overhead_ci95"] = o[len(o) // 2], [o[len(o) // 4], o[3 * len(o) // 4]]
    elif r["overhead_ns"] is not None:
        r["overhead_ns"] *= k * c
        r["overhead_ci95"] = [x * k * c for x in r["overhead_ci95"]]
json.dump(d, open(sys.argv[2], "w"))
EOF
}
speed slow-same 1.2 1.15; speed slow-dear 1.2 1.5; speed fast-dear 0.8 1.5; speed disturbed 1 1.3 1
rc_is compare_speed_inconclusive 3 $BPFCOST compare $BASE "$TMP/slow-same.json"
check compare_speed_row_marked grep -q '^obj/loop_getpid .* ?$' "$TMP/out"
check compare_speed_says_why grep -q '^?: getpid/obj/loop_getpid inconclusive: rose +' "$TMP/out"
if tail -1 "$TMP/out" | grep -q '^compare: inconclusive: the runs cannot judge 1 of 1 row against +5%; .* getpid/obj/loop_getpid +[0-9.]*% (the machine changed speed: baseline +20.0%)$'; then
  ok compare_speed_summary; else nok compare_speed_summary "$(tail -1 "$TMP/out")"; fi
awk 'length > 80' "$TMP/out" | grep -v '^compare: ' > "$TMP/wide"
if [ ! -s "$TMP/wide" ]; then ok compare_speed_80_columns; else nok compare_speed_80_columns "$(head -1 "$TMP/wide")"; fi
$BPFCOST compare $BASE "$TMP/slow-same.json" --json > "$TMP/sp.json" 2> "$TMP/sp.err"; rc=$?
v=$(jpy "$TMP/sp.json" '(d["rows"][0]["verdict"], d["rows"][0]["inconclusive_reason"], d["rows"][0]["speed_changed"], d["rows"][0]["regressed"], round(d["rows"][0]["baseline_change"]), round(d["rows"][0]["fail_above"]), d["summary"]["outcome"], d["summary"]["inconclusive"], d["summary"]["inconclusive_rows"], d["summary"]["failed"])' 2>&1)
if [ $rc -eq 3 ] && [ "$v" = "('inconclusive', 'speed', True, False, 20, 26, 'inconclusive', 1, ['getpid/obj/loop_getpid'], [])" ] &&
   grep -q '^compare: inconclusive' "$TMP/sp.err"; then ok compare_speed_json; else nok compare_speed_json "exit $rc: $v"; fi
# a change beyond the speed's is still found, slower or faster
rc_is compare_speed_dearer_slower_fails 1 $BPFCOST compare $BASE "$TMP/slow-dear.json"
check compare_speed_dearer_says_bar grep -q '^getpid/obj/loop_getpid: baseline moved +20.0% ' "$TMP/out"
rc_is compare_speed_dearer_faster_fails 1 $BPFCOST compare $BASE "$TMP/fast-dear.json"
# the speed alone, +% unchanged: passes (a move is no verdict by itself)
rc_is compare_speed_alone_passes 0 $BPFCOST compare $BASE "$TMP/slow.json"
# three runs a side, the new ones at the slower speed: the bar moves with
# the runs' baselines there too
cp "$TMP/slow-same.json" "$TMP/slow-same2.json"
rc_is compare_speed_runs_inconclusive 3 $BPFCOST compare $BASE "$TMP/slow-same.json" \
  $BASE2 "$TMP/slow-same2.json" $BASE "$TMP/slow-same.json" --json
check compare_speed_runs_json test "$(jpy "$TMP/out" '(d["rows"][0]["test"], d["rows"][0]["verdict"])')" = "('t on the runs', 'inconclusive')"
# runs of one side at two speeds (baselines 107 and 100 ns), the sides'
# pooled baselines equal: by +%, which carries less of the speed than ns
rc_is compare_runs_speeds_by_pct 0 $BPFCOST compare $BASE $BASE2 $BASE2 $BASE --json
check compare_runs_speeds_by_pct_json test "$(jpy "$TMP/out" '(d["rows"][0]["metric"], d["baselines"][0]["differ"])')" = "('pct', True)"
# a run that was disturbed (its interval beyond +-8% of its cost) is no
# verdict either
rc_is compare_disturbed_inconclusive 3 $BPFCOST compare $BASE "$TMP/disturbed.json" --json
check compare_disturbed_reason test "$(jpy "$TMP/out" '(d["rows"][0]["inconclusive_reason"], d["summary"]["outcome"])')" = "('disturbed', 'inconclusive')"
# nor is a run whose own interval is moderate (+-10%) but whose level is
# not the object's (+158% where its other runs read +76-89%: a same-object
# pair failed by +78%, and the +50% object passed as better; NOTES, issue 20)
python3 - "$BASE" "$TMP/off-level.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["hook"] == "obj":
        r["probe_trials_ns"] = [x + (y - x) * 1.8 for x, y in zip(r["base_trials_ns"], r["probe_trials_ns"])]
        r["overhead_ns"] *= 1.8
        r["overhead_ci95"] = [r["overhead_ns"] * 0.896, r["overhead_ns"] * 1.104]
json.dump(d, open(sys.argv[2], "w"))
EOF
rc_is compare_off_level_same_inconclusive 3 $BPFCOST compare $BASE "$TMP/off-level.json"
rc_is compare_off_level_dearer_inconclusive 3 $BPFCOST compare "$TMP/off-level.json" $MORE
# whatever the change: a disturbed old run against a dearer new one could
# pass a regression as well as fail a build
rc_is compare_disturbed_any_change 3 $BPFCOST compare "$TMP/disturbed.json" $MORE
# and among several runs a side, named
rc_is compare_disturbed_in_runs 3 $BPFCOST compare $BASE $MORE "$TMP/disturbed.json" $MORE2 $BASE2 $MORE
check compare_disturbed_in_runs_named grep -q "^?: getpid/obj/loop_getpid inconclusive: .* a run was" "$TMP/out"
check compare_disturbed_in_runs_file grep -q "warning: getpid/obj/loop_getpid: $TMP/disturbed.json's interval" "$TMP/err"
# a failure outranks an inconclusive row: exit 1, and the line says both
python3 - "$BASE" "$TMP/slow-same.json" "$TMP/slow-dear.json" "$TMP/both" <<'EOF'
import json, sys, copy
def two(rows_a, rows_b):
    o = copy.deepcopy([r for r in rows_b if r["hook"] == "obj"][0])
    o["body"] = "loop_other"
    return rows_a + [o]
base, same, dear = (json.load(open(f)) for f in sys.argv[1:4])
old = copy.deepcopy(base); old["results"] = two(base["results"], base["results"])
new = copy.deepcopy(same); new["results"] = two(same["results"], dear["results"])
json.dump(old, open(sys.argv[4] + "-old.json", "w"))
json.dump(new, open(sys.argv[4] + "-new.json", "w"))
EOF
rc_is compare_fail_outranks_inconclusive 1 $BPFCOST compare "$TMP/both-old.json" "$TMP/both-new.json"
check compare_fail_and_inconclusive_line grep -q '^compare: FAIL: 1 of 2 rows above +5%: getpid/obj/loop_other .*; 1 more inconclusive$' "$TMP/out"

# ---- every schema: same against same passes, a dearer new run fails ----
python3 - "$TMP" <<'EOF'
import json, random, sys
out = sys.argv[1]
env = {"hostname": "ci", "kernel": "6.1.0-test", "cpu_model": "Test CPU"}
def trials(rng, n, base, cost, sd=0.02):
    b = [base * (1 + rng.gauss(0, 0.01)) for _ in range(n)]
    return b, [x * (1 + cost + rng.gauss(0, sd)) for x in b]
def write(name, d):
    d["env"] = env
    json.dump(d, open(f"{out}/{name}.json", "w"))
for tag, cost, seed in (("old", 0.5, 1), ("same", 0.5, 2), ("dear", 0.6, 3)):
    rng = random.Random(seed)
    b, p = trials(rng, 30, 100, cost)
    write(f"measure-{tag}", {"schema": "bpfcost.measure/1", "cmd": ["bpftrace", "-e", "x"],
        "mode": "alternate", "results": [{"workload": "getpid", "status": "ok", "base_ns": 100,
        "overhead_ns": 100 * cost, "overhead_ci95": [100 * cost - 1, 100 * cost + 1],
        "base_trials_ns": b, "probe_trials_ns": p}]})
    b, p = trials(rng, 20, 1000, cost)
    write(f"lab-{tag}", {"schema": "bpfcost.lab/1", "results": [], "variants": [{"name": "loop",
        "hook": "tp", "status": "ok", "bench": {"base_ns": 1000, "overhead_ns": 1000 * cost,
        "overhead_ci95": [1000 * cost - 5, 1000 * cost + 5], "base_trials_ns": b,
        "probe_trials_ns": p}}]})
    # app: throughput per run; the probes take `cost / 10` of it
    b = [100000 * (1 + rng.gauss(0, 0.005)) for _ in range(12)]
    p = [x * (1 - cost / 10 + rng.gauss(0, 0.005)) for x in b]
    write(f"app-{tag}", {"schema": "bpfcost.app/1", "app": "redis", "results": [{"app": "redis",
        "hook": "tp", "body": "ringbuf", "status": "ok", "syscalls": ["munmap"],
        "change_pct": -cost * 10, "change_ci95": [-cost * 10 - 1, -cost * 10 + 1],
        "base_runs": b, "probe_runs": p}]})
    write(f"sweep-{tag}", {"schema": "bpfcost.sweep/1", "points": [{"workload": "getpid",
        "hook": "tp", "body": "ringbuf", "arrival": "uniform", "consumer": "batch", "threads": 1,
        "flow": "single", "status": "ok", "target_rate": 10000, "max": False, "base_ns": 100,
        "overhead_ns": 100 * cost, "overhead_ci95": [100 * cost - 1.5, 100 * cost + 1.5]}]})
EOF
for k in measure lab app sweep; do
  rc_is compare_${k}_same_passes 0 $BPFCOST compare "$TMP/$k-old.json" "$TMP/$k-same.json"
  rc_is compare_${k}_dearer_fails 1 $BPFCOST compare "$TMP/$k-old.json" "$TMP/$k-dear.json" --json
  check compare_${k}_kind test "$(jpy "$TMP/out" 'd["rows"][0]["kind"]')" = "$k"
done
check compare_sweep_summaries test "$(jpy "$TMP/out" 'd["rows"][0]["test"]')" = "z (summaries)"
$BPFCOST compare "$TMP/app-old.json" "$TMP/app-dear.json" --json > "$TMP/app-c.json" 2>/dev/null
check compare_app_throughput_lost test "$(jpy "$TMP/app-c.json" '(d["rows"][0]["metric"], d["rows"][0]["id"])')" = "('tput_pct', 'redis tp/ringbuf')"
# several kinds on each side, pooled runs of each
rc_is compare_mixed_kinds 1 $BPFCOST compare "$TMP/measure-old.json" "$TMP/measure-dear.json" \
  "$TMP/lab-old.json" "$TMP/lab-same.json" "$TMP/measure-same.json" "$TMP/measure-dear.json"
check compare_mixed_kinds_rows test "$(grep -c -e '^bpftrace -e x ' -e '^loop ' "$TMP/out")" = 2

# ---- bad input: one line, exit 2 ----
head -c 400 $BASE > "$TMP/truncated.json"
bad compare_truncated $BPFCOST compare $BASE "$TMP/truncated.json"
check compare_truncated_says grep -q 'not valid JSON' "$TMP/err"
echo '{"schema": "bpfcost.check/1", "hooks": []}' > "$TMP/check.json"
bad compare_other_schema $BPFCOST compare "$TMP/check.json" $BASE
check compare_other_schema_says grep -q "unknown schema 'bpfcost.check/1'" "$TMP/err"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [r.update(body='other') for r in d['results'] if r['hook']=='obj']; json.dump(d, open(sys.argv[2],'w'))" $BASE "$TMP/other.json"
bad compare_no_common_row $BPFCOST compare $BASE "$TMP/other.json"
check compare_no_common_row_says grep -q 'no row in common' "$TMP/err"
bad compare_kinds_differ $BPFCOST compare $BASE "$TMP/measure-old.json"
bad compare_odd_files $BPFCOST compare $BASE $MORE $BASE2
bad compare_missing_file $BPFCOST compare $BASE "$TMP/nope.json"
bad compare_bad_threshold $BPFCOST compare $BASE $MORE --threshold lots
bad compare_bad_alpha $BPFCOST compare $BASE $MORE --alpha 2

# ---- other hosts: refused, or +% only with --cross-host ----
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['env']['kernel']='5.10.0-other'; json.dump(d, open(sys.argv[2],'w'))" $MORE "$TMP/other-kernel.json"
bad compare_cross_host_refused $BPFCOST compare $BASE "$TMP/other-kernel.json"
check compare_cross_host_says grep -q 'kernels differ: .*--cross-host' "$TMP/err"
$BPFCOST compare $BASE "$TMP/other-kernel.json" --cross-host --json > "$TMP/x.json" 2> "$TMP/x.err"; rc=$?
if [ $rc -eq 1 ] && [ "$(jpy "$TMP/x.json" 'd["rows"][0]["metric"]')" = pct ] &&
   grep -q 'warning: --cross-host' "$TMP/x.err"; then ok compare_cross_host_pct
else nok compare_cross_host_pct "exit $rc: $(head -2 "$TMP/x.err")"; fi
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['env']['cpu_model']='Other CPU'; json.dump(d, open(sys.argv[2],'w'))" $BASE2 "$TMP/other-cpu.json"
bad compare_other_cpu_refused $BPFCOST compare $BASE "$TMP/other-cpu.json"

# ---- live: bench --obj's budget gate, then compare what it wrote ----
if [ "$(id -u)" != 0 ]; then skip compare_live "needs root to load programs"; exit 0; fi
if [ ! -f "$BUILD/tests/loop_base.bpf.o" ]; then skip compare_live "make tests-build first"; exit 0; fi
prog_ids > "$TMP/before"
# a budget far above the cost passes; one below it fails (exit 1), and
# says so on the row's line
rc_is bench_budget_ok 0 $BPFCOST bench --obj "$BUILD/tests/loop_base.bpf.o" --trials 20 \
  --max-ns 100000 -o "$TMP/live-base.json"
check bench_budget_ok_line grep -q '^budget: getpid/obj/loop_getpid +.* ns \[.*\]: ok, below --max-ns 100000$' "$TMP/out"
rc_is bench_budget_fails 1 $BPFCOST bench --obj "$BUILD/tests/loop_more.bpf.o" --trials 20 \
  --max-ns 1 --max-pct 1 -o "$TMP/live-more.json"
check bench_budget_fails_line grep -q '^budget: getpid/obj/loop_getpid +.* ns \[.*\]: FAIL, above --max-ns 1$' "$TMP/out"
check bench_budget_fails_pct grep -q 'FAIL, above --max-pct 1$' "$TMP/out"
bad bench_budget_bad_value $BPFCOST bench --obj "$BUILD/tests/loop_base.bpf.o" --max-ns -3
# compare reads what bench just wrote (whether it flags the dearer object
# is the stored runs' test above: a live run on a busy machine may not, or
# may be inconclusive)
$BPFCOST compare "$TMP/live-base.json" "$TMP/live-more.json" --json > "$TMP/live-c.json" 2>/dev/null; rc=$?
v=$(jpy "$TMP/live-c.json" '(len(d["rows"]), d["rows"][0]["id"], d["rows"][0]["old"]["pairs"])' 2>&1)
if { [ $rc -le 1 ] || [ $rc -eq 3 ]; } && [ "$v" = "(1, 'getpid/obj/loop_getpid', 20)" ]; then ok compare_live_files
else nok compare_live_files "exit $rc: $v"; fi
leftover_check compare_live_nothing_left "$TMP/before"
