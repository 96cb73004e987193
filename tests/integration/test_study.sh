# SPDX-License-Identifier: GPL-2.0
# bpfcost study: the plan, a short live study (getpid, a probe of ours),
# the per-phase JSON and report.html with a verdict, an interrupted study
# resumed (finished phases not redone, the same report structure as an
# uninterrupted one), a DIR from elsewhere refused, bad input, nothing
# left loaded or running. And what study needed from the commands: bench
# --background, the output buffers' memory, the region-size workloads, the
# object's description, report on directories.
. tests/lib.sh
BUILD=${BUILD:-build}
OBJ=$BUILD/tests/getpid_count.bpf.o
TP=$BUILD/tests/entropy_tp.bpf.o
KP=$BUILD/tests/entropy_kprobe.bpf.o
prog_ids > "$TMP/before"

# ---- bad input: one line, exit 2 ----
bad() { # NAME ARGS...
  local n=$1 err rc; shift
  err=$($BPFCOST study --dry-run "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [ -n "$err" ]; then ok "study_bad_$n"
  else nok "study_bad_$n" "rc=$rc: $err"; fi
}
bad time --time 5s
bad time_unit --time 10x
bad workloads --workloads getpid,foo
bad apps --apps redis,mysql
bad only --only bench,foo
bad obj_missing --obj "$TMP/nothing.bpf.o"
echo "not ELF" > "$TMP/junk.bpf.o"
bad obj_junk --obj "$TMP/junk.bpf.o"
bad too_short --workloads munmap,madvise --time 30s
bad json --json

# ---- the plan: phases with estimates, in 80 columns ----
out=$($BPFCOST study --dry-run --time 10m --obj "$TP" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^PHASE  *ESTIMATE  WHAT' <<<"$out" &&
   for p in check bench obj1 sweep load-cpu load-mem regions report; do
     grep -q "^$p " <<<"$out" || exit 1; done; then ok study_plan
else nok study_plan "rc=$rc: $(head -5 <<<"$out")"; fi
wide=$(awk 'length > 80' <<<"$out" | head -2)
if [ -z "$wide" ]; then ok study_plan_80_columns; else nok study_plan_80_columns "$wide"; fi
# a 10-minute budget shortens the commands' defaults, and says against what
if grep -q '^shortened to fit the budget:' <<<"$out" && grep -q 'default' <<<"$out"; then
  ok study_plan_says_shortened; else nok study_plan_says_shortened "$(tail -5 <<<"$out")"; fi
# a kprobe object on a kernel without kprobes: said, and vmtest named
if grep -q '^kprobe *no' <(./bpfcost check 2>/dev/null); then
  out=$($BPFCOST study --dry-run --obj "$KP" 2>&1)
  if grep -q 'kprobes' <<<"$out" && grep -q 'make vmtest' <<<"$out" && ! grep -q '^obj1 ' <<<"$out"
  then ok study_kprobe_obj_here; else nok study_kprobe_obj_here "$(tail -4 <<<"$out")"; fi
else
  skip study_kprobe_obj_here "this kernel has kprobes"
fi

# ---- a live study: getpid, check + bench + a probe of ours + report ----
ARGS=(--workloads getpid --only check,bench,obj,report --obj "$OBJ" --apps none --time 1m)
$BPFCOST study "${ARGS[@]}" -o "$TMP/s1" > "$TMP/s1.out" 2> "$TMP/s1.err"; rc=$?
if [ $rc -eq 0 ]; then ok study_runs; else nok study_runs "rc=$rc: $(tail -3 "$TMP/s1.err")"; fi
missing=""
for f in study.json check.json bench.json obj1.json report.html logs/bench.log; do
  [ -s "$TMP/s1/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok study_files; else nok study_files "missing:$missing"; fi
v=$(jpy "$TMP/s1/study.json" '(d["schema"], [(p["name"], p["status"]) for p in d["phases"]])' 2>&1)
if [ "$v" = "('bpfcost.study/1', [('check', 'done'), ('bench', 'done'), ('obj1', 'done'), ('report', 'done')])" ]
then ok study_phases_done; else nok study_phases_done "$v"; fi
v=$(jpy "$TMP/s1/bench.json" 'd["schema"]' 2>&1)
if [ "$v" = "bpfcost.bench/1" ]; then ok study_phase_json; else nok study_phase_json "$v"; fi
# the verdict line names its numbers; the probe is in the decision matrix
if grep -Eq 'report.html: .*: (GREEN|YELLOW|RED) - getpid [a-z_]+/[a-z_]+: p99 added -?[0-9]+ ns' "$TMP/s1.out"
then ok study_verdict_line; else nok study_verdict_line "$(cat "$TMP/s1.out" | tail -3)"; fi
if grep -q 'your probe getpid obj/count_getpid' "$TMP/s1.out" &&
   grep -q 'Decision matrix' "$TMP/s1/report.html" && grep -q 'getpid obj/count_getpid' "$TMP/s1/report.html"
then ok study_probe_in_matrix; else nok study_probe_in_matrix "$(grep -c obj "$TMP/s1/report.html")"; fi
if grep -q '<h2>Your probe against the built-in alternatives</h2>' "$TMP/s1/report.html" &&
   grep -q 'cheapest equivalent' "$TMP/s1/report.html"; then ok study_probe_vs_cheapest
else nok study_probe_vs_cheapest "no comparison"; fi
# progress: plain lines when stderr is not a terminal
if grep -q '^\[2/4\] bench' "$TMP/s1.err" && ! grep -q $'\r' "$TMP/s1.err"; then ok study_plain_progress
else nok study_plain_progress "$(head -3 "$TMP/s1.err")"; fi

# ---- interrupted after two phases, resumed ----
$BPFCOST study "${ARGS[@]}" -o "$TMP/s2" > "$TMP/s2.out" 2> "$TMP/s2.err" &
pid=$!
for i in $(seq 600); do # up to 120 s: check and bench done
  n=$(jpy "$TMP/s2/study.json" 'sum(p["status"] == "done" for p in d["phases"])' 2>/dev/null)
  [ "${n:-0}" -ge 2 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
v=$(jpy "$TMP/s2/study.json" '[p["status"] for p in d["phases"]][:2], d["interrupted"]' 2>&1)
if [ $rc -eq 130 ] && [ "$v" = "(['done', 'done'], True)" ] && [ ! -e "$TMP/s2/report.html" ]; then
  ok study_interrupted_keeps
else nok study_interrupted_keeps "rc=$rc $v"; fi
if ! ls -a "$TMP/s2" | grep -q '\.part$'; then ok study_interrupted_no_part
else nok study_interrupted_no_part "$(ls -a "$TMP/s2")"; fi
bench_mtime=$(stat -c %Y.%s "$TMP/s2/bench.json" 2>/dev/null)
sleep 1
$BPFCOST study "${ARGS[@]}" -o "$TMP/s2" > "$TMP/s2b.out" 2> "$TMP/s2b.err"; rc=$?
if [ $rc -eq 0 ] && grep -q '^check  *done' "$TMP/s2b.out" && grep -q '^bench  *done' "$TMP/s2b.out" &&
   [ "$(stat -c %Y.%s "$TMP/s2/bench.json")" = "$bench_mtime" ] && ! grep -q '\] bench' "$TMP/s2b.err"
then ok study_resume_skips_done; else nok study_resume_skips_done "rc=$rc $(tail -3 "$TMP/s2b.err")"; fi
# the same structure as the uninterrupted study: phases, files, sections
shape() { # DIR: phases and statuses, files, report headings
  jpy "$1/study.json" '[(p["name"], p["status"], p["file"]) for p in d["phases"]]'
  (cd "$1" && ls *.json *.html)
  grep -o '<h[23]>[^<]*</h[23]>' "$1/report.html" | sed 's/([^)]*)//'
}
if diff <(shape "$TMP/s1") <(shape "$TMP/s2") > "$TMP/shape.diff"; then ok study_resume_same_structure
else nok study_resume_same_structure "$(head -4 "$TMP/shape.diff" | tr '\n' ' ')"; fi

# ---- a DIR that is not this study: one line, exit 2 ----
err=$($BPFCOST study --workloads getpid,munmap --only check,bench,obj,report --obj "$OBJ" --apps none \
      --time 1m -o "$TMP/s1" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q 'other options' <<<"$err"; then
  ok study_other_options_refused; else nok study_other_options_refused "rc=$rc: $err"; fi
cp -r "$TMP/s1" "$TMP/s3"
python3 - "$TMP/s3/study.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["env"]["hostname"] = "elsewhere"
json.dump(d, open(sys.argv[1], "w"))
EOF
err=$($BPFCOST study "${ARGS[@]}" -o "$TMP/s3" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q 'elsewhere' <<<"$err"; then
  ok study_other_host_refused; else nok study_other_host_refused "rc=$rc: $err"; fi
mkdir -p "$TMP/s4" && echo '{}' > "$TMP/s4/bench.json"
err=$($BPFCOST study "${ARGS[@]}" -o "$TMP/s4" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok study_foreign_dir_refused
else nok study_foreign_dir_refused "rc=$rc: $err"; fi
# --force-new starts over, removing what the old study wrote only
touch "$TMP/s3/mine.txt"
$BPFCOST study --workloads getpid --only check,report --apps none --time 30s --force-new \
  -o "$TMP/s3" > /dev/null 2>&1; rc=$?
if [ $rc -eq 0 ] && [ -e "$TMP/s3/mine.txt" ] && [ ! -e "$TMP/s3/bench.json" ] &&
   [ "$(jpy "$TMP/s3/study.json" 'd["env"]["hostname"]')" != elsewhere ]; then ok study_force_new
else nok study_force_new "rc=$rc $(ls "$TMP/s3")"; fi

# ---- report on studies' directories: hosts side by side ----
cp -r "$TMP/s1" "$TMP/s1b"
for f in "$TMP"/s1b/*.json; do
  python3 - "$f" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if "env" in d: d["env"]["hostname"] = "second-host"
json.dump(d, open(sys.argv[1], "w"))
EOF
done
$BPFCOST report "$TMP/s1" "$TMP/s1b" -o "$TMP/two.md" > "$TMP/two.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c ': your probe' "$TMP/two.out")" -eq 2 ] &&
   grep -q '^## Hosts side by side' "$TMP/two.md" && grep -q 'second-host' "$TMP/two.md"; then
  ok report_study_dirs; else nok report_study_dirs "rc=$rc: $(head -3 "$TMP/two.out")"; fi
err=$($BPFCOST report "$TMP/s4/.." 2>&1 >/dev/null); rc=$?
mkdir -p "$TMP/empty"
err=$($BPFCOST report "$TMP/empty" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok report_empty_dir
else nok report_empty_dir "rc=$rc: $err"; fi

# ---- bench --background: a load on the other CPU, gone afterwards ----
if [ "$(nproc)" -ge 2 ]; then
  $BPFCOST bench --workload getpid --hook tp --body empty,ringbuf --trials 6 --background cpu \
    -o "$TMP/bg.json" > "$TMP/bg.out" 2>&1; rc=$? # the table (its load line) and the JSON
  v=$(jpy "$TMP/bg.json" '(d["config"]["background"], d["config"]["background_cpus"] >= 1, d["config"]["background_rate_per_cpu_s"] > 0, [r["status"] for r in d["results"]])' 2>&1)
  if [ $rc -eq 0 ] && [ "$v" = "('cpu', True, True, ['ok', 'ok', 'ok'])" ] &&
     grep -q '^background load: cpu' "$TMP/bg.out"; then ok bench_background_cpu
  else nok bench_background_cpu "rc=$rc $v"; fi
  left=$(pgrep -f "$TMP/bg.json" | tr '\n' ' ')
  if [ -z "$left" ]; then ok bench_background_gone; else nok bench_background_gone "left: $left"; fi
  # interrupted: the load goes with it
  $BPFCOST bench --workload getpid --hook tp --body empty --trials 400 --background mem \
    --json -o "$TMP/bg2.json" > /dev/null 2>&1 &
  pid=$!
  for i in $(seq 50); do [ "$(pgrep -f "$TMP/bg2.json" | wc -l)" -ge 2 ] && break; sleep 0.1; done
  loads=$(pgrep -f "$TMP/bg2.json" | wc -l)
  sleep 1; kill -INT $pid; wait $pid; rc=$?
  sleep 0.2
  left=$(pgrep -f "$TMP/bg2.json" | tr '\n' ' ')
  if [ $rc -eq 130 ] && [ "$loads" -ge 2 ] && [ -z "$left" ]; then ok bench_background_interrupted
  else nok bench_background_interrupted "rc=$rc loads=$loads left=$left"; fi
  # under load, the report sets the row beside its quiet one
  $BPFCOST report "$TMP/s1/bench.json" "$TMP/bg.json" --no-charts > "$TMP/bg.md" 2>&1
  if grep -q '^## Under load' "$TMP/bg.md" && grep -q '| getpid tp/empty | cpu |' "$TMP/bg.md"; then
    ok report_under_load; else nok report_under_load "$(grep -A3 'Under load' "$TMP/bg.md" | head -4)"; fi
else
  skip bench_background_cpu "one CPU online: no other CPU to load"
fi
err=$($BPFCOST bench --background gpu 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok bench_background_bad
else nok bench_background_bad "rc=$rc: $err"; fi

# ---- the output buffers' kernel memory; the object described ----
v=$(jpy "$TMP/bg.json" '[(r["body"], (r["buf_kernel_bytes"] or 0) >= 4194304) for r in d["results"]]' 2>&1)
if [ "$v" = "[('-', False), ('empty', False), ('ringbuf', True)]" ]; then ok bench_buf_kernel_bytes
else nok bench_buf_kernel_bytes "$v"; fi
# read like the built-in rows (the study's --consumer batch)
v=$(jpy "$TMP/s1/obj1.json" '(d["obj"]["output"], [(p["name"], p["kind"], p["syscall"]) for p in d["obj"]["programs"]], [r["buf_kernel_bytes"] > 0 for r in d["results"] if r["hook"] == "obj"], d["config"]["consumer"])' 2>&1)
if [ "$v" = "('ringbuf', [('count_getpid', 'tp', 'getpid')], [True], 'batch')" ]; then ok bench_obj_described
else nok bench_obj_described "$v"; fi

# ---- region sizes: a 2 MiB madvise, counted exactly ----
$BPFCOST bench --workload madvise_2m,munmap_64k --hook tp --body empty --trials 6 --json \
  -o "$TMP/reg.json" > /dev/null 2>&1; rc=$?
v=$(jpy "$TMP/reg.json" '[(r["workload"], r["hook"], r["status"], r["events"] == r["ops"] or r["hook"] == "null") for r in d["results"]]' 2>&1)
if [ $rc -eq 0 ] && [ "$v" = "[('munmap_64k', 'null', 'ok', True), ('munmap_64k', 'tp', 'ok', True), ('madvise_2m', 'null', 'ok', True), ('madvise_2m', 'tp', 'ok', True)]" ]
then ok bench_region_sizes; else nok bench_region_sizes "rc=$rc $v"; fi
$BPFCOST report "$TMP/reg.json" --no-charts > "$TMP/reg.md" 2>&1
if grep -q '^## Region sizes' "$TMP/reg.md" && grep -q '| madvise DONTNEED | 2.0 MiB |' "$TMP/reg.md"
then ok report_region_sizes; else nok report_region_sizes "$(grep -A4 'Region sizes' "$TMP/reg.md" | head -5)"; fi

# ---- nothing left behind ----
left=$(pgrep -f "$TMP/s[12]" | tr '\n' ' ')
if [ -z "$left" ]; then ok study_no_process_left; else nok study_no_process_left "$left"; fi
leftover_check study_nothing_left_loaded "$TMP/before"
