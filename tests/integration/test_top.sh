#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost top: flags, counts against a program fired a known number of times,
# JSON/CSV structure, stats restored on SIGINT/SIGTERM, the TUI under tmux,
# the Prometheus exporter scraped by a real Prometheus, 200 loaded programs.
source tests/lib.sh
BUILD=${BUILD:-build}
DRIVER=$BUILD/tests/top_driver
OBJ=$BUILD/tests/top_test.bpf.o
RULES=$(pwd)/prometheus/bpfcost-rules.yml
RATE=2000 # hot program's runs per second; the cold one gets RATE/10

PIDS=()
TMUX_SESSION=bpfcost-top-test-$$
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

stats_now() { cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo "?"; }
# within A B PCT: |A-B| <= PCT% of B
within() { python3 -c "import sys; a,b,p=map(float,sys.argv[1:]); sys.exit(0 if abs(a-b) <= p/100*abs(b) else 1)" "$1" "$2" "$3"; }
kv() { sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" "$1" | tail -1; } # kv FILE KEY from driver lines

before=$TMP/before
prog_ids > "$before"

if [ ! -x "$DRIVER" ] || [ ! -f "$OBJ" ]; then
  skip top "test driver not built (make tests-build)"
  exit 0
fi

# --- bad flags: exit 2 with one line --------------------------------------
for args in "--bogus" "-d 0" "-d abc" "-n 0" "--sort nope" "--stats maybe" "extra" \
            "--once -n 3" "--prometheus 127.0.0.1:notaport" "--prometheus :1 --json"; do
  # shellcheck disable=SC2086
  $BPFCOST top $args > "$TMP/out" 2> "$TMP/err"
  rc=$?
  lines=$(wc -l < "$TMP/err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ]; then ok "bad flag '$args'"
  else nok "bad flag '$args'" "rc=$rc, $lines stderr lines: $(head -c 200 "$TMP/err")"; fi
done

# --- a known program: counts, rates, names, attach, holders ---------------
$DRIVER "$OBJ" $RATE 4 "$TMP/drv.log" > "$TMP/drv" 2> "$TMP/drv.err" &
DRV=$!; PIDS+=($DRV)
if ! wait_for "$TMP/drv" '^ready' 5; then
  nok "driver" "did not load: $(head -c 300 "$TMP/drv.err")"
  exit 0
fi
HOT=$(kv "$TMP/drv" hot); COLD=$(kv "$TMP/drv" cold)
$BPFCOST top -d 1 -n 6 --json -o "$TMP/top.jsonl" 2> "$TMP/top.err"
rc=$?
wait_for "$TMP/drv" '^fired' 5
kill -TERM $DRV; wait $DRV
check "top --json exits 0" test $rc -eq 0
check "driver reports its counts" grep -q '^done' "$TMP/drv"
python3 - "$TMP/top.jsonl" "$TMP/drv" "$HOT" "$COLD" "$RATE" "$TMP/drv.log" > "$TMP/known" 2>&1 <<'EOF'
import bisect, json, re, sys
path, drv, hot, cold, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
log = [tuple(map(int, l.split())) for l in open(sys.argv[6])]
log_t = [x[0] for x in log]
def calls(t, k):  # the driver's calls made by CLOCK_MONOTONIC time t (k: 1 hot, 2 cold)
    i = bisect.bisect_right(log_t, t)
    return log[i - 1][k] if i else 0
docs = [json.loads(l) for l in open(path)]
d = dict(re.findall(r'(\w+)=(\d+)', open(drv).read().split('done', 1)[1]))
d = {k: int(v) for k, v in d.items()}
def rec(doc, pid):
    return next((p for p in doc["programs"] if p["id"] == pid), None)
def res(name, cond, why=""):
    print(("ok %s" % name) if cond else ("not ok %s: %s" % (name, why)))
res("top json: one document per interval", len(docs) == 6, "got %d" % len(docs))
res("top json: schema", all(x["schema"] == "bpfcost.top/1" for x in docs))
st = docs[0]["stats"]
res("top json: stats fields", st["enabled"] is True and "were_enabled" in st and "cost_ns_per_run" in st, str(st))
h = [rec(x, hot) for x in docs]
c = [rec(x, cold) for x in docs]
res("top shows the test programs", all(h) and all(c), "missing in some interval")
if not (all(h) and all(c)):
    sys.exit(0)
res("top shows the full BTF name", h[0]["name"] == "top_test_hot_handler_long_name", h[0]["name"])
res("top shows the attach point", any("uprobe:" in a and "top_driver" in a for a in h[0]["attach"]), str(h[0]["attach"]))
res("top shows the holding process", any(x["comm"] == "top_driver" for x in h[-1]["holders"]), str(h[-1]["holders"]))
# Truth per interval: the calls the driver logged between top's two
# samples (same clock). Bar: events/s within 5%; 4 events of slack for
# the driver's 1 ms ticks and the time top takes to read the counters.
checked = 0
for i, x in enumerate(docs):
    for p, k, nm in ((h[i], 1, "hot"), (c[i], 2, "cold")):
        truth = calls(x["end_mono_ns"], k) - calls(x["start_mono_ns"], k)
        if truth < 100:
            continue
        checked += 1
        want = truth / x["interval_s"]
        dev = 100 * (p["events_per_s"] - want) / want
        res("events/s of %s, interval %d, within 5%% of the driver's calls" % (nm, i + 1),
            abs(p["runs"] - truth) <= 0.05 * truth + 4, "%s/s vs %.1f/s (%+.2f%%)" % (p["events_per_s"], want, dev))
        print("# interval %d %s: top %.1f/s, driver %.1f/s (%+.2f%%)" % (i + 1, nm, p["events_per_s"], want, dev))
res("at least 4 intervals compared with the driver's log", checked >= 4, str(checked))
mid = sorted(x["events_per_s"] for x in h[1:4])[1]
res("median events/s of hot within 10%% of the nominal %d/s" % rate, abs(mid - rate) <= 0.10 * rate, str(mid))
res("last interval: firing stopped, no runs", h[-1]["runs"] == 0, str(h[-1]["runs"]))
res("driver's map counter equals its calls (the truth)", d["hot_count"] == d["hot_calls"], str(d))
res("top's run_cnt total equals the kernel's", h[-1]["run_cnt_total"] == d["hot_run_cnt"],
    "%s vs %s" % (h[-1]["run_cnt_total"], d["hot_run_cnt"]))
res("top's run_time_ns total equals the kernel's", h[-1]["run_time_ns_total"] == d["hot_run_time_ns"],
    "%s vs %s" % (h[-1]["run_time_ns_total"], d["hot_run_time_ns"]))
runs = sum(x["runs"] for x in h[1:])
res("runs seen by top <= runs made", runs <= d["hot_calls"], "%d > %d" % (runs, d["hot_calls"]))
# avg ns: interval figures against the kernel's run_time_ns / run_cnt.
for i in (1, 2):
    a = h[i]["avg_ns"]; want = h[i]["run_time_ns"] / h[i]["runs"]
    res("avg ns interval %d = run_time_ns/runs" % (i + 1), abs(a - want) <= 0.10 * want, "%s vs %s" % (a, want))
since = h[-1]["avg_ns_since_start"]
# top's start: the first interval's totals less that interval's own deltas
t0 = h[0]["run_time_ns_total"] - h[0]["run_time_ns"]
c0 = h[0]["run_cnt_total"] - h[0]["runs"]
kern = (d["hot_run_time_ns"] - t0) / (d["hot_run_cnt"] - c0)
res("avg ns since start within 10% of the kernel's counters", abs(since - kern) <= 0.10 * kern, "%s vs %s" % (since, kern))
# JSON keeps 3 decimals: allow the rounding
res("CPU% of machine = CPU% of core / CPUs",
    abs(h[1]["cpu_host_pct"] * docs[1]["online_cpus"] - h[1]["cpu_core_pct"]) <= 0.001 * (1 + docs[1]["online_cpus"]),
    "%s x %s vs %s" % (h[1]["cpu_host_pct"], docs[1]["online_cpus"], h[1]["cpu_core_pct"]))
print("# collect_cpu_ns per interval: %s" % [x["collect_cpu_ns"] for x in docs])
print("# stats cost: %s ns/run (%s)" % (st["cost_ns_per_run"], st["cost_note"]))
EOF
rc=$?
cat "$TMP/known"
[ $rc -eq 0 ] || nok "known-program checks" "the checking script failed (rc=$rc)"

# --- CSV and the plain table ------------------------------------------------
$DRIVER "$OBJ" $RATE 30 > "$TMP/drv2" 2>&1 &
DRV=$!; PIDS+=($DRV)
wait_for "$TMP/drv2" '^ready' 5
HOT=$(kv "$TMP/drv2" hot); COLD=$(kv "$TMP/drv2" cold)
$BPFCOST top -d 0.5 -n 2 --csv --no-calibrate > "$TMP/top.csv" 2> "$TMP/csv.err"
check "csv: header then rows" bash -c "head -1 '$TMP/top.csv' | grep -q '^time,interval,interval_s,id,type,name'"
check "csv: the hot program, twice" test "$(grep -c ",$HOT,kprobe,top_test_hot_handler_long_name," "$TMP/top.csv")" -eq 2
$BPFCOST top --once -d 0.5 --no-calibrate --filter top_test > "$TMP/top.txt" 2>&1
check "table: fits 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/top.txt")" -le 80
check "table: filter keeps the test programs only" test "$(grep -cE '^ *[0-9]+ ' "$TMP/top.txt")" -eq 2
check "table: header says whether stats were on" grep -q 'were off\|were already on' "$TMP/top.txt"

# --- TUI under tmux -----------------------------------------------------------
if command -v tmux > /dev/null; then
  tmux new-session -d -s "$TMUX_SESSION" -x 160 -y 30 "$BPFCOST top -d 0.5 --no-calibrate --filter top_test"
  sleep 2
  tmux capture-pane -p -t "$TMUX_SESSION" > "$TMP/tui1"
  check "tui: header" grep -q '^bpfcost top ' "$TMP/tui1"
  check "tui: the test program's row" grep -q "^ *$HOT .*top_test_hot_handler" "$TMP/tui1"
  hot_line=$(grep -n "^ *$HOT " "$TMP/tui1" | cut -d: -f1); cold_line=$(grep -n "^ *$COLD " "$TMP/tui1" | cut -d: -f1)
  check "tui: sorted by CPU, hot first" test "${hot_line:-99}" -lt "${cold_line:-0}"
  tmux send-keys -t "$TMUX_SESSION" 3 # sort by NAME: top_test_cold < top_test_hot...
  sleep 1
  tmux capture-pane -p -t "$TMUX_SESSION" > "$TMP/tui2"
  hot_line=$(grep -n "^ *$HOT " "$TMP/tui2" | cut -d: -f1); cold_line=$(grep -n "^ *$COLD " "$TMP/tui2" | cut -d: -f1)
  check "tui: key 3 re-sorts by name, cold first" test "${cold_line:-99}" -lt "${hot_line:-0}"
  check "tui: header shows the sort" grep -q 'sort: name' "$TMP/tui2"
  tmux send-keys -t "$TMUX_SESSION" q
  sleep 0.5
  if tmux has-session -t "$TMUX_SESSION" 2> /dev/null; then nok "tui: q quits" "still running"
  else ok "tui: q quits"; fi
else
  skip "tui" "tmux not installed"
fi

# --- Prometheus: our exporter scraped by a real server -----------------------
if command -v prometheus > /dev/null && command -v curl > /dev/null; then
  EP=$(free_port)
  # calibrated: the dashboard's stats-cost panels need bpfcost_stats_cost_seconds
  $BPFCOST top --prometheus 127.0.0.1:$EP 2> "$TMP/exp.err" &
  EXP=$!; PIDS+=($EXP)
  wait_for "$TMP/exp.err" 'serving' 5
  curl -s "http://127.0.0.1:$EP/metrics" > "$TMP/metrics"
  check "exporter: bpfcost_up 1" grep -qx 'bpfcost_up 1' "$TMP/metrics"
  check "exporter: runs counter of the hot program" grep -q "^bpfcost_prog_runs_total{id=\"$HOT\",type=\"kprobe\",name=\"top_test_hot_handler_long_name\"} [0-9]" "$TMP/metrics"
  check "exporter: landing page" bash -c "curl -s http://127.0.0.1:$EP/ | grep -q /metrics"
  prom_start "127.0.0.1:$EP" "$RULES"
  up=$(q 'bpfcost_up{job="bpfcost"}' | val)
  check "prometheus: bpfcost_up = 1" test "$up" = 1
  id=$(q 'bpfcost_prog_info{name="top_test_hot_handler_long_name"}' |
       python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; print(r[0]['metric']['id'] if r else 'none')")
  check "prometheus: prog_info carries the program's id" test "$id" = "$HOT"
  # The stored samples themselves: (last - first) / (t_last - t_first).
  q "bpfcost_prog_runs_total{id=\"$HOT\"}[20s]" > "$TMP/range.json"
  r=$(python3 -c "import json,sys; v=json.load(open(sys.argv[1]))['data']['result'][0]['values']; print('%.1f %d' % ((float(v[-1][1])-float(v[0][1]))/(v[-1][0]-v[0][0]), len(v)))" "$TMP/range.json" 2>/dev/null)
  echo "# prometheus: hot program's runs/s from stored samples, samples: ${r:-none} (driver: $RATE/s)"
  check "prometheus: stored runs counter grows at the driver's rate (10%)" within "${r%% *}" $RATE 10
  n_prom=$(q "bpfcost_prog_runs_total{id=\"$HOT\"}" | val)
  n_now=$(curl -s "http://127.0.0.1:$EP/metrics" | sed -n "s/^bpfcost_prog_runs_total{id=\"$HOT\".*} //p")
  check "prometheus: runs counter stored = exporter's, up to 3 s behind" \
    python3 -c "import sys; p,n=float('$n_prom'),float('$n_now'); sys.exit(0 if 0 <= n-p <= 3*$RATE*1.1 else 1)"
  check "prometheus: our rules loaded" bash -c "curl -s http://127.0.0.1:$PP/api/v1/rules | grep -q BPFProgSlowRuns"
  # the fleet query from docs/top.md: top programs by CPU with their attach points
  q 'topk(10, bpfcost:prog_cpu_ratio:rate5m) * on (instance, id) group_left (attach, tag) bpfcost_prog_info' > "$TMP/topk.json"
  check "prometheus: docs' topk query joins the attach point" \
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['data']['result']; sys.exit(0 if any(x['metric'].get('id') == sys.argv[2] and 'uprobe:' in x['metric'].get('attach', '') for x in r) else 1)" "$TMP/topk.json" "$HOT"
  # every panel query of the Grafana dashboard returns data here
  python3 tests/dashboard_check.py dist/grafana/bpfcost-dashboard.json "http://127.0.0.1:$PP" bpfcost
  st=$(q 'max(scrape_duration_seconds{job="bpfcost"})' | val)
  echo "# prometheus scrape_duration_seconds of the exporter (max): $st"
  kill -TERM $PROM; wait $PROM 2>/dev/null
  kill -INT $EXP; wait $EXP; rc=$?
  check "exporter exits 0 on SIGINT" test $rc -eq 0
else
  skip "prometheus" "prometheus or curl not installed (Debian package prometheus)"
fi
if command -v promtool > /dev/null; then
  check "promtool check rules" promtool check rules "$RULES"
  check "promtool test rules" promtool test rules tests/prometheus/bpfcost-rules.test.yml
else
  skip "promtool" "not installed (Debian package prometheus)"
fi
kill -TERM $DRV; wait $DRV 2>/dev/null

# --- stats off again after SIGINT and SIGTERM --------------------------------
# kernel.bpf_stats_enabled shows only the sysctl's own state, not
# BPF_ENABLE_STATS fds, so watch a firing program's run_cnt instead.
$DRIVER "$OBJ" $RATE 60 > "$TMP/drv3" 2>&1 &
DRV=$!; PIDS+=($DRV)
wait_for "$TMP/drv3" '^ready' 5
HOT=$(kv "$TMP/drv3" hot)
run_cnt() { bpftool -j prog show id "$HOT" 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin).get('run_cnt', 0))"; }
counting() { local a b; a=$(run_cnt); sleep 0.3; b=$(run_cnt); [ "$a" != "$b" ]; }
# counting stops within 3 s (others may hold stats on for a moment)
stopped() { local i; for i in $(seq 10); do counting || return 0; done; return 1; }
for how in fd sysctl; do
  for sig in INT TERM; do
    name="stats off again after SIG$sig (--stats $how)"
    if ! stopped; then skip "$name" "stats already on (another process)"; continue; fi
    $BPFCOST top --stats $how --no-calibrate -d 0.2 > "$TMP/sig.out" 2>&1 &
    p=$!
    wait_for "$TMP/sig.out" 'ID TYPE' 5
    during=no; counting && during=yes
    kill -$sig $p; wait $p; rc=$?
    after=on; { stopped || stopped || stopped; } && after=off
    sysctl_after=$(stats_now)
    if [ "$during" != yes ] || [ "$sysctl_after" != 0 ] || [ $rc -ne 0 ]; then
      nok "$name" "counting during=$during, sysctl after=$sysctl_after, rc=$rc"
    elif [ "$after" = off ]; then ok "$name"
    else
      # Our fd died with us and the sysctl is 0 again: whoever keeps the
      # counters moving for 9 s more is another process.
      skip "$name" "counting went on after exit: another process holds stats on"
    fi
  done
done
kill -TERM $DRV; wait $DRV 2>/dev/null

# --- 200 programs: every one listed, refresh cost reported -------------------
$DRIVER --progs 200 > "$TMP/many" 2>&1 &
M=$!; PIDS+=($M)
if wait_for "$TMP/many" '^ready progs=200' 10; then
  $BPFCOST top --json -d 0.5 -n 3 --no-calibrate > "$TMP/many.jsonl" 2>&1
  n=$(python3 -c "import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for p in d[-1]['programs'] if p['name'].startswith('top_many_')))" "$TMP/many.jsonl")
  check "200 programs: all listed" test "$n" = 200
  python3 -c "import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; print('# 200+ programs: collect_cpu_ns per refresh %s (holders scan %s)' % ([x['collect_cpu_ns'] for x in d], [x['holders_cpu_ns'] for x in d]))" "$TMP/many.jsonl"
else
  skip "200 programs" "could not load them: $(tail -1 "$TMP/many")"
fi
kill -TERM $M; wait $M 2>/dev/null

# Only our own programs: other sessions load and unload theirs meanwhile.
sleep 0.2
left=$(bpftool prog list 2>/dev/null | grep -E '^[0-9]+:.* name (top_test|top_many|top_calib)' | cut -d: -f1 | tr '\n' ' ')
if [ -z "$left" ]; then ok "top: nothing left loaded"; else nok "top: nothing left loaded" "programs: $left"; fi
