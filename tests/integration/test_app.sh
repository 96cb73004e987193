# SPDX-License-Identifier: GPL-2.0
# bpfcost app: every scenario in a short mode (one continuous load per
# probe set, two B/P pairs of 0.2 s windows) gives throughput with and
# without probes, its windows counted, a non-zero event rate and the change
# bench predicts with its interval; --method runs still works; nothing
# stays behind (servers, temporary directories, cgroups, BPF programs), also
# after SIGINT; a missing program and bad input are one line.
source tests/lib.sh

if [ "$(id -u)" != 0 ]; then
  skip app "needs root"
  exit 0
fi

APPTMP=$TMP/apptmp
mkdir -p "$APPTMP"
chmod 755 "$TMP" "$APPTMP"   # postgres runs as user postgres: it must reach its directory
export TMPDIR=$APPTMP   # the scenarios' mkdtemp goes here: easy to check for leftovers
before=$TMP/progs.before
prog_ids > "$before"
pg_before=$(pgrep -u postgres 2>/dev/null | sort | tr '\n' ' ')

cgroups_left() { ls -d /sys/fs/cgroup/bpfcost-app.* /sys/fs/cgroup/unified/bpfcost-app.* 2>/dev/null; }
# nothing of ours left: no temp dir, no process using it, no cgroup, no postgres
leftovers() {
  local what=""
  [ -z "$(ls -A "$APPTMP" 2>/dev/null)" ] || what="$what tempdir:$(ls "$APPTMP" | tr '\n' ' ')"
  pgrep -f "$APPTMP" >/dev/null && what="$what processes:$(pgrep -f "$APPTMP" | tr '\n' ' ')"
  [ -z "$(cgroups_left)" ] || what="$what cgroups:$(cgroups_left | tr '\n' ' ')"
  local pg_now
  pg_now=$(pgrep -u postgres 2>/dev/null | sort | tr '\n' ' ')
  [ "$pg_now" = "$pg_before" ] || what="$what postgres:$pg_now"
  echo "$what"
}

# --- bad input: one line, exit 2 ---
$BPFCOST app > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; then ok app_no_name; else nok app_no_name "rc=$rc $(cat "$TMP/err")"; fi
$BPFCOST app mysql > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "redis" "$TMP/err" && [ "$(wc -l < "$TMP/err")" -eq 1 ]; then ok app_bad_name; else nok app_bad_name "rc=$rc $(cat "$TMP/err")"; fi
$BPFCOST app redis --hook tp --syscalls any > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; then ok app_any_needs_sys_enter; else nok app_any_needs_sys_enter "rc=$rc $(cat "$TMP/err")"; fi

$BPFCOST app redis --method sometimes > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "windows, runs" "$TMP/err" && [ "$(wc -l < "$TMP/err")" -eq 1 ]; then ok app_bad_method; else nok app_bad_method "rc=$rc $(cat "$TMP/err")"; fi

echo '{"schema":"bpfcost.app/1","results":[]}' > "$TMP/notbench.json"
for f in /nonexistent/bench.json "$TMP/notbench.json"; do
  $BPFCOST app redis --bench "$f" > "$TMP/out" 2> "$TMP/err"; rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; then ok "app_bad_bench_file $(basename "$f")"
  else nok "app_bad_bench_file $(basename "$f")" "rc=$rc $(cat "$TMP/err")"; fi
done

# --- a missing program: one line naming it and its package ---
BPFCOST_APP_PATH=/nonexistent $BPFCOST app redis > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "redis-server not found" "$TMP/err" &&
   grep -q "package redis-server" "$TMP/err"; then
  ok app_missing_binary
else
  nok app_missing_binary "rc=$rc $(cat "$TMP/err")"
fi
BPFCOST_APP_PATH=/nonexistent $BPFCOST app postgres --json > "$TMP/miss.json" 2> "$TMP/err"; rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "initdb not found" "$TMP/err" &&
   [ "$(jpy "$TMP/miss.json" 'd["results"][0]["status"]')" = unsupported ]; then
  ok app_missing_binary_json
else
  nok app_missing_binary_json "rc=$rc $(cat "$TMP/err")"
fi

# --- the prediction's input: a small bench file with the default sets' rows ---
$BPFCOST bench --hook tp,rawtp --body perfbuf,ringbuf,hash --trials 4 --max-time 0 --no-null \
  --json -o "$TMP/bench.json" > /dev/null 2> "$TMP/bench.err"
check app_bench_file [ "$(jpy "$TMP/bench.json" 'sum(r["status"] == "ok" for r in d["results"])')" = 6 ]

# --- each scenario, short mode: windows ---
for app in redis postgres python-gc node; do
  extra=""
  [ "$app" = postgres ] && extra="--scale 1"
  $BPFCOST app "$app" --duration 0.2 --repeat 2 $extra --bench "$TMP/bench.json" --json -o "$TMP/$app.json" > /dev/null 2> "$TMP/$app.err"
  rc=$?
  if [ $rc -ne 0 ] && grep -q "not found (install" "$TMP/$app.err"; then
    skip "app_$app" "$(cat "$TMP/$app.err")"; rm -f "$TMP/$app.json"; continue
  fi
  if [ $rc -ne 0 ]; then nok "app_$app" "exit $rc: $(tail -3 "$TMP/$app.err")"; rm -f "$TMP/$app.json"; continue; fi
  check "app_${app}_schema" [ "$(jpy "$TMP/$app.json" 'd["schema"]')" = bpfcost.app/1 ]
  check "app_${app}_four_sets" [ "$(jpy "$TMP/$app.json" '[r["hook"] for r in d["results"] if r["status"] == "ok"]')" = "['null', 'tp', 'tp', 'rawtp']" ]
  check "app_${app}_windows" [ "$(jpy "$TMP/$app.json" 'set((r["method"], r["pairs"], r["windows"], r["window_s"], len(r["base_runs"])) for r in d["results"])')" = "{('windows', 2, 4, 0.2, 2)}" ]
  check "app_${app}_stalled_counted" [ "$(jpy "$TMP/$app.json" 'all(0 <= r["stalled_windows"] <= r["windows"] for r in d["results"])')" = True ]
  check "app_${app}_host_cpu" [ "$(jpy "$TMP/$app.json" 'all(r["host_other_cpu"] >= 0 and 0 <= r["host_steal_pct"] <= 100 for r in d["results"])')" = True ]
  check "app_${app}_throughput" [ "$(jpy "$TMP/$app.json" 'all(r["base_throughput"] > 0 and r["probe_throughput"] > 0 for r in d["results"])')" = True ]
  check "app_${app}_events" [ "$(jpy "$TMP/$app.json" 'max(r["event_rate_per_s"] for r in d["results"] if r["hook"] != "null") > 0')" = True ]
  check "app_${app}_null_no_events" [ "$(jpy "$TMP/$app.json" '[(r["event_rate_per_s"], r["prediction"]) for r in d["results"] if r["hook"] == "null"]')" = "[(None, None)]" ]
  check "app_${app}_latency" [ "$(jpy "$TMP/$app.json" 'all(r["base_p50_ms"] > 0 and r["probe_p99_ms"] > 0 for r in d["results"])')" = True ]
  check "app_${app}_cgroup_filter" [ "$(jpy "$TMP/$app.json" 'all(r["filter"] == "cgroup" for r in d["results"])')" = True ]
  check "app_${app}_cpu_per_op" [ "$(jpy "$TMP/$app.json" 'all(r["base_app_cpu_us_per_op"] > 0 for r in d["results"])')" = True ]
  # the prediction: every probe set's, with its interval around it and the
  # bench rows it came from; agreement said
  check "app_${app}_prediction" [ "$(jpy "$TMP/$app.json" 'all(p["change_ci95"][0] <= p["change_pct"] <= p["change_ci95"][1] and p["agrees"] in (True, False) and p["source"].endswith("bench.json") and all(v.startswith("getpid ") for v in p["bench_rows"].values()) for p in (r["prediction"] for r in d["results"] if r["hook"] != "null"))')" = True ]
  w=$(leftovers)
  if [ -z "$w" ]; then ok "app_${app}_cleanup"; else nok "app_${app}_cleanup" "$w"; fi
done
# the op counters: redis' live counter (latency from separate runs), the
# others' own logs (latency of the windows' ops)
if [ -f "$TMP/redis.json" ]; then
  check app_redis_latency_runs [ "$(jpy "$TMP/redis.json" 'set((r["latency_from"], r["latency_pairs"]) for r in d["results"])')" = "{('runs', 2)}" ]
fi
if [ -f "$TMP/postgres.json" ]; then
  check app_postgres_op_log [ "$(jpy "$TMP/postgres.json" 'set((r["latency_from"], r["op_counter"][:7]) for r in d["results"])')" = "{('windows', 'pgbench')}" ]
fi
# --method runs still works
if [ -f "$TMP/redis.json" ]; then
  $BPFCOST app redis --method runs --duration 0.5 --repeat 1 --no-null --no-stats --hook rawtp --body count --syscalls any --bench none --json -o "$TMP/redis-runs.json" > /dev/null 2> "$TMP/redis-runs.err"
  rc=$?
  if [ $rc -eq 0 ] && [ "$(jpy "$TMP/redis-runs.json" '[(r["method"], r["pairs"], r["base_throughput"] > 0, r["event_rate_per_s"] > 0, r["prediction"]["reason"] is not None) for r in d["results"]]')" = "[('runs', 1, True, True, True)]" ]; then
    ok app_redis_runs_method
  else
    nok app_redis_runs_method "rc=$rc $(tail -2 "$TMP/redis-runs.err")"
  fi
  w=$(leftovers)
  if [ -z "$w" ]; then ok app_redis_runs_cleanup; else nok app_redis_runs_cleanup "$w"; fi
fi
if [ -f "$TMP/python-gc.json" ]; then
  # no --bench: a short bench run first; --release: 8 buffers mapped and
  # unmapped per iteration, so about 8 munmaps an op (a window holds part
  # of an iteration by its share of time, its munmaps whole or not at all)
  $BPFCOST app python-gc --duration 0.2 --repeat 2 --no-null --no-stats --hook rawtp --body count --syscalls munmap --release --json -o "$TMP/py-release.json" > /dev/null 2> "$TMP/py-release.err"
  rc=$?
  # (and the short run's stats phase: the program's own run beside the app's)
  if [ $rc -eq 0 ] && [ "$(jpy "$TMP/py-release.json" '[(r["prediction"]["source"], r["prediction"]["events_per_op"]["munmap"] > 7, d["config"]["release"], r["prediction"]["bench_prog_ns"] > 0) for r in d["results"]]')" = "[('a short bench run', True, True, True)]" ]; then
    ok app_short_bench_release
  else
    nok app_short_bench_release "rc=$rc $(jpy "$TMP/py-release.json" '[(r["prediction"]["source"], r["prediction"]["events_per_op"], d["config"]["release"], r["prediction"]["bench_prog_ns"]) for r in d["results"]]' 2>&1) $(tail -2 "$TMP/py-release.err")"
  fi
fi
# memory-release probes fire for the script runtimes (thousands/s for node)
if [ -f "$TMP/node.json" ]; then
  check app_node_munmap_events [ "$(jpy "$TMP/node.json" '[r for r in d["results"] if r["body"] == "perfbuf"][0]["event_rate_by_syscall"]["munmap"] > 0')" = True ]
fi

# --- table output fits 80 columns ---
if [ -f "$TMP/node.json" ]; then
  $BPFCOST app node --duration 0.2 --repeat 2 --no-stats --hook tp --body perfbuf --bench "$TMP/bench.json" > "$TMP/table" 2>/dev/null
  w=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$TMP/table")
  if [ "$w" -le 80 ] && grep -q "PROBE /s" "$TMP/table" && grep -q "PREDICTED" "$TMP/table"; then ok app_table_width; else nok app_table_width "widest line $w"; fi
fi

# --- SIGINT mid-run and mid-setup: everything stopped and removed ---
sigint_check() { # NAME DELAY ARGS...
  local name=$1 delay=$2; shift 2
  $BPFCOST app "$@" --json -o "$TMP/$name.json" > /dev/null 2> "$TMP/$name.err" &
  local pid=$!
  sleep "$delay"
  kill -INT $pid
  wait $pid; local rc=$?
  local w
  w=$(leftovers)
  if [ $rc -eq 130 ] && [ -z "$w" ]; then ok "$name"; else nok "$name" "rc=$rc left:$w $(tail -2 "$TMP/$name.err")"; fi
}
command -v redis-server >/dev/null && sigint_check app_sigint_redis 4 redis --duration 1 --repeat 3 --bench none
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sigint_check app_sigint_postgres_setup 1.5 postgres --scale 5 --bench none
fi
command -v node >/dev/null && sigint_check app_sigint_node 4 node --duration 1 --repeat 2 --bench none
# during the short bench run that comes first without --bench
command -v python3 >/dev/null && sigint_check app_sigint_short_bench 1.5 python-gc --duration 1

# Programs can only outlive bpfcost through a process holding them, and the
# checks above found none of ours; on a shared machine other bpfcost runs
# load the same programs, so only a quiet machine gives a clean answer.
if pgrep -x bpfcost >/dev/null; then
  skip app_no_programs_left "other bpfcost processes are running: their programs cannot be told from ours"
else
  leftover_check app_no_programs_left "$before"
fi
