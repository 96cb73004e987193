#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench --obj (a sample object built from tests/bpf) and measure -- CMD /
# --pid (bpftrace): counts, structure, one-line errors, nothing left behind.
source tests/lib.sh
OBJ=${BUILD:-build}/tests

if [ "$(id -u)" != 0 ]; then skip measure "needs root"; exit 0; fi
if [ ! -f "$OBJ/getpid_count.bpf.o" ]; then skip measure "no $OBJ/getpid_count.bpf.o (make tests-build)"; exit 0; fi
prog_ids > "$TMP/before"

# Programs of ours still loaded: leftover_check's idea, narrowed to the
# names these tests load (other agents load programs concurrently here).
our_leftovers() {
  local id name extra=""
  sleep 0.3
  for id in $(new_progs "$TMP/before"); do
    name=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\) .*/\1/p')
    case "$name" in count_getpid|fill_getpid|null_deref|on_sync|sys_enter_getpi|syscount*|sys_enter|sys_exit) extra="$extra $id($name)" ;; esac
  done
  if pgrep -x bpftrace >/dev/null && [ -z "${BT_PID:-}" ]; then extra="$extra bpftrace-process"; fi
  if [ -z "$extra" ]; then ok "$1"; else nok "$1" "left loaded:$extra"; fi
}
not_running() { ! pgrep "$@"; }
# one_line NAME FILE PATTERN: exactly one line, matching PATTERN
one_line() {
  local n; n=$(grep -c . "$2")
  if [ "$n" = 1 ] && grep -q "$3" "$2"; then ok "$1"; else nok "$1" "$n lines: $(head -c 300 "$2")"; fi
}

# --- bench --obj -----------------------------------------------------------
$BPFCOST bench --obj "$OBJ/getpid_count.bpf.o" --trials 2 --ops 5000 --no-null --json \
  -o "$TMP/obj.json" 2>"$TMP/obj.err"
if [ -s "$TMP/obj.json" ]; then
  check obj_row [ "$(jpy "$TMP/obj.json" "d['results'][0]['hook']+' '+d['results'][0]['body']+' '+d['results'][0]['status']")" = "obj count_getpid ok" ]
  # bpfcost_tgid + bpfcost_hits: the object's own count, exactly one per op
  check obj_exact_count [ "$(jpy "$TMP/obj.json" "(lambda r: r['events']==r['ops']>0)(d['results'][0])")" = True ]
  check obj_runs_per_op [ "$(jpy "$TMP/obj.json" "d['results'][0]['prog_runs_per_op']>=1")" = True ]
  check obj_ringbuf_consumed [ "$(jpy "$TMP/obj.json" "d['results'][0]['consumed']>0")" = True ]
else
  nok obj_row "no JSON: $(head -c 300 "$TMP/obj.err")"
fi
$BPFCOST bench --obj "$OBJ/getpid_count.bpf.o" --prog count_getpid --attach tp:syscalls:sys_enter_getpid \
  --trials 2 --ops 3000 --no-null --json -o "$TMP/obj2.json" 2>/dev/null
check obj_attach_spec [ "$(jpy "$TMP/obj2.json" "(lambda r: r['status']=='ok' and r['events']==r['ops']>0)(d['results'][0])")" = True ]
# a fresh instance of the object every 10 pairs (config.reload_every),
# loaded onto the first load's maps: its count (in .bss) stays exact
# across the three instances, its ring is still read
$BPFCOST bench --obj "$OBJ/getpid_count.bpf.o" --trials 21 --ops 1000 --no-null --json \
  -o "$TMP/reload.json" 2>"$TMP/reload.err"
check obj_reload_instances jpy "$TMP/reload.json" '(lambda r: r["status"] == "ok" and r["instances"] == 3 and r["events"] == r["ops"] > 0 and r["consumed"] > 0)(d["results"][0]) and d["config"]["reload_every"] == 10 or exit(1)'

# maps: each one's entries at the start and end of the row and its
# capacity; a map that fills up during the row is warned about. --repeat N:
# N object rows, each from a fresh load (the map empty again), and the
# spread between them
if [ -f "$OBJ/map_fill.bpf.o" ]; then
  $BPFCOST bench --obj "$OBJ/map_fill.bpf.o" --trials 2 --ops 3000 --no-null --repeat 2 --json \
    -o "$TMP/fill.json" 2>/dev/null
  check obj_map_fill jpy "$TMP/fill.json" 'all(r["status"] == "ok" and r["maps"] == [{"name": "seen", "type": "hash", "max_entries": 1024, "entries_start": 0, "entries_end": 1024}] for r in d["results"]) or exit(1)'
  check obj_repeat_runs jpy "$TMP/fill.json" '[r["run"] for r in d["results"]] == [1, 2] and d["config"]["repeat"] == 2 and d["repeat"][0]["runs"] == 2 and len(d["repeat"][0]["overhead_ns"]) == 2 and d["repeat"][0]["min_ns"] <= d["repeat"][0]["median_ns"] <= d["repeat"][0]["max_ns"] or exit(1)'
  $BPFCOST bench --obj "$OBJ/map_fill.bpf.o" --trials 2 --ops 3000 --no-null --repeat 2 > "$TMP/fill.txt" 2>/dev/null
  grep -q 'warning: getpid/obj: map seen is full (1024 of 1024' "$TMP/fill.txt" && grep -q '2 runs, the object loaded afresh' "$TMP/fill.txt" \
    && ok obj_map_full_warning || nok obj_map_full_warning "$(tail -c 400 "$TMP/fill.txt")"
else
  skip obj_map_fill "no $OBJ/map_fill.bpf.o (make tests-build)"
fi
# a map whose fill means nothing (a ring buffer) is listed without counts;
# built-in rows have no maps field
check obj_map_ring jpy "$TMP/obj.json" 'd["results"][0]["maps"] == [{"name": "events", "type": "ringbuf", "max_entries": 65536, "entries_start": None, "entries_end": None}] and d["results"][0]["run"] is None and d["repeat"] is None or exit(1)'

head -c 4096 /dev/urandom > "$TMP/garbage.bpf.o"
$BPFCOST bench --obj "$TMP/garbage.bpf.o" >/dev/null 2>"$TMP/e1"; rc=$?
check obj_garbage_rc [ $rc = 1 ]
one_line obj_garbage_line "$TMP/e1" "not a BPF object"
$BPFCOST bench --obj "$OBJ/bad_verify.bpf.o" >/dev/null 2>"$TMP/e2"; rc=$?
check obj_verifier_rc [ $rc = 1 ]
one_line obj_verifier_line "$TMP/e2" "rejected by the verifier: .*invalid mem access"
$BPFCOST bench --obj "$OBJ/getpid_count.bpf.o" --prog nosuch >/dev/null 2>"$TMP/e3"
one_line obj_bad_prog "$TMP/e3" "no program 'nosuch'"
$BPFCOST bench --obj "$OBJ/getpid_count.bpf.o" --attach kprobe >/dev/null 2>"$TMP/e4"; rc=$?
check obj_bad_spec_rc [ $rc = 2 ]
one_line obj_bad_spec_line "$TMP/e4" "bad --attach"
$BPFCOST bench --obj "$OBJ/never_fires.bpf.o" --trials 2 --ops 2000 --no-null --json \
  -o "$TMP/nf.json" 2>/dev/null
check obj_never_fires [ "$(jpy "$TMP/nf.json" "(lambda r: r['status']=='failed' and 'never fired' in r['reason'])(d['results'][0])")" = True ]
our_leftovers obj_nothing_left

# --- measure -- CMD ----------------------------------------------------------
$BPFCOST measure --repeat 2 -- false >/dev/null 2>"$TMP/m1"; rc=$?
check measure_exits_rc [ $rc = 1 ]
one_line measure_exits_line "$TMP/m1" "false exited with status 1 .*without attaching"
$BPFCOST measure --repeat 2 --timeout 1 -- sleep 31.4159 >/dev/null 2>"$TMP/m2"; rc=$?
check measure_never_attaches_rc [ $rc = 1 ]
one_line measure_never_attaches_line "$TMP/m2" "loaded no BPF program within 1 s"
check measure_child_stopped not_running -fx "sleep 31.4159"
$BPFCOST measure -- /no/such/tool >/dev/null 2>"$TMP/m3"
one_line measure_no_cmd "$TMP/m3" "no such command"

if ! command -v bpftrace >/dev/null; then
  skip measure_bpftrace "bpftrace is not installed (apt-get install bpftrace)"
else
  ONELINER='tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }'
  $BPFCOST measure --repeat 3 --duration 0.2 --log "$TMP/bt.log" -o "$TMP/m.json" \
    -- bpftrace -e "$ONELINER" >/dev/null 2>"$TMP/m4"
  if [ -s "$TMP/m.json" ]; then
    check measure_schema [ "$(jpy "$TMP/m.json" "d['schema']+' '+d['mode']")" = "bpfcost.measure/1 cmd" ]
    if [ "$(jpy "$TMP/m.json" "d['results'][0]['status']=='ok' and d['results'][0]['overhead_ns']>0")" = True ]; then
      ok measure_positive_overhead
    else
      nok measure_positive_overhead "$(jpy "$TMP/m.json" "(lambda r: '%s %s %s' % (r['status'], r['overhead_ns'], r['reason']))(d['results'][0])")"
    fi
    check measure_names_program [ "$(jpy "$TMP/m.json" "any(p['type']=='tracepoint' and 'sys_enter_getpid' in p['attach'] and p['name'].startswith('sys_enter_getp') for p in d['programs'])")" = True ]
    check measure_runs_per_op [ "$(jpy "$TMP/m.json" "d['programs'][0]['runs_per_op']>=1")" = True ]
    check measure_log_kept grep -q "Attaching 1 probe" "$TMP/bt.log"
    # --repeat N: exactly N pairs
    check measure_repeat_fixed jpy "$TMP/m.json" 'd["results"][0]["trials"] == 3 and d["results"][0]["stopped_by"] == "fixed" and d["config"]["adaptive"] is False or exit(1)'
  else
    nok measure_bpftrace "no JSON: $(head -c 300 "$TMP/m4")"
  fi
  check measure_bpftrace_stopped not_running -x bpftrace

  # Ctrl-C while the tool runs: exit 130, the tool stopped, nothing loaded
  $BPFCOST measure --repeat 50 --duration 0.5 --log "$TMP/bt3.log" -- bpftrace -e "$ONELINER" \
    >/dev/null 2>&1 & M_PID=$!
  for _ in $(seq 100); do pgrep -x bpftrace >/dev/null && grep -q Attaching "$TMP/bt3.log" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  kill -INT $M_PID; wait $M_PID; rc=$?
  check measure_sigint_rc [ $rc = 130 ]
  check measure_sigint_tool_stopped not_running -x bpftrace

  # --pid: a tool already running
  with_tracefs bpftrace -e "$ONELINER" >"$TMP/bt2.log" 2>&1 & BT_PID=$!
  for _ in $(seq 100); do grep -q Attaching "$TMP/bt2.log" && break; sleep 0.1; done
  sleep 0.3
  $BPFCOST measure --pid $BT_PID --duration 0.2 -o "$TMP/p.json" >/dev/null 2>"$TMP/m5"
  check measure_pid [ "$(jpy "$TMP/p.json" "d['mode']=='pid' and d['baseline_alternation']==False and len(d['programs'])>=1 and d['results'][0]['prog_ns_per_op']>0")" = True ]
  stop_tool $BT_PID; BT_PID=
  $BPFCOST measure --pid 999999 >/dev/null 2>"$TMP/m6"
  one_line measure_pid_missing "$TMP/m6" "no such process"
fi
# the adaptive rule (bench's): at least 10 pairs, then until the interval
# is within +-2 ns or +-3%, or --max-time; stopped_by says which. syscount
# (Debian's libbpf-tools) starts in well under a second.
if command -v syscount >/dev/null; then
  $BPFCOST measure --duration 0.1 --max-time 4 --log "$TMP/sc.log" -o "$TMP/sc.json" -- syscount \
    >/dev/null 2>"$TMP/m7"
  check measure_adaptive jpy "$TMP/sc.json" '(lambda r: r["status"] == "ok" and r["trials"] >= 10 and r["stopped_by"] in ("interval", "time"))(d["results"][0]) and d["config"]["adaptive"] and d["config"]["max_time_s"] == 4 and d["config"]["trials"] == 10 or exit(1)'
  check measure_syscount_stopped not_running -x syscount
else
  skip measure_adaptive "syscount is not installed (apt-get install libbpf-tools)"
fi
$BPFCOST measure --max-time 0 -- true >/dev/null 2>"$TMP/m8"; rc=$?
check measure_bad_max_time [ $rc = 2 ]

our_leftovers measure_nothing_left
