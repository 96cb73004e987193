#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The host states users' machines are in (issue 17, METHOD.md "Hosts"),
# each set up here and torn down after, with fast checks run under it:
# exact counts, nothing of ours loaded right after exit, every knob back
# to its value before the test, the record under /run/bpfcost empty.
#   1 tracefs unmounted and mounted (a marker in the trace buffer survives
#     lab; the printk event is as it was)
#   2 kernel.bpf_stats_enabled=1 set by someone else, and another process
#     holding a BPF_ENABLE_STATS fd, during bench and top
#   3 libbpf-tools (syscount, opensnoop, execsnoop) running during bench,
#     sweep, top and measure; top names them and their holders
#   4 non-root with only the documented capabilities (docs/privileges.md)
#   5 /sys/kernel/rcu_expedited already 1
#   6 SIGKILL mid-bench (and mid-lab), then the next run restores
#   7 two bpfcost commands at once (bench+bench, bench+top, lab+bench)
#   8 inside fresh mount and PID namespaces (unshare -mpf --mount-proc)
# Some states run in a mount namespace of their own: this script calls
# itself there with "in STATE".
source tests/lib.sh
BPFCOST=$(readlink -f "$BPFCOST")
SELF=$(readlink -f "$0")
RCU=/sys/kernel/rcu_expedited
STATS=/proc/sys/kernel/bpf_stats_enabled
T=/sys/kernel/tracing
PK=events/bpf_trace/bpf_trace_printk/enable
RUN=${BPFCOST_RUN_DIR:-/run/bpfcost}
# the names of the programs bpfcost loads (probes, lab, top, the tgid probe)
OURS=' name ([a-z_]+__[a-z_]+|lab_[a-z_0-9]+|top_calib|bpfcost_tgid) '

if [ "$(id -u)" != 0 ]; then skip hosts "needs root to set up host states"; exit 0; fi

# Every exit path (a failed step, run.sh's timeout, Ctrl-C) stops what this
# script started and puts back what it changed: a process left running
# would keep the machine lock's descriptor, which it inherited, and hold
# the lock for everyone. bg starts a background process that also gets
# SIGTERM when this script dies, even by SIGKILL (PR_SET_PDEATHSIG).
bg() { setpriv --pdeathsig TERM "$@" & BG=$!; }
RCU0=$(cat $RCU); STATS0=$(cat $STATS); PK0=""; MODE=${1:-}
# top's dispatch calibration is cached here, not in the host's /var/cache
[ "$MODE" = in ] || export XDG_CACHE_HOME=$TMP/cache
cleanup() {
  local left i
  left=$(jobs -p)
  if [ -n "$left" ]; then
    kill -TERM $left 2>/dev/null
    for i in $(seq 30); do kill -0 $left 2>/dev/null || break; sleep 0.1; done
    kill -KILL $left 2>/dev/null
    wait $left 2>/dev/null
  fi
  [ -n "$PK0" ] && echo "$PK0" > $T/$PK 2>/dev/null
  if [ "$MODE" != in ]; then
    echo "$RCU0" > $RCU 2>/dev/null
    echo "$STATS0" > $STATS 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

record_lines() { { grep -v '^#' "$RUN/state" 2>/dev/null || true; } | wc -l; }
pk_state() { cat "$T/$PK" 2>/dev/null || echo absent; }
knobs() { echo "rcu=$(cat $RCU) stats=$(cat $STATS) printk=$(pk_state) record=$(record_lines)"; }
# Our programs loaded now that were not in the list in file $1: checked
# at once, with no grace period (exit means gone).
ours_new() {
  bpftool prog list 2>/dev/null | grep -E "$OURS" | sed -n 's/^\([0-9][0-9]*\):.*/\1/p' |
    grep -vxF -f "$1" | tr '\n' ' '
}
nothing_left() { # NAME BEFORE_FILE
  local left; left=$(ours_new "$2")
  if [ -z "$left" ]; then ok "$1"; else nok "$1" "still loaded right after exit: $left"; fi
}
knobs_back() { # NAME BEFORE
  local now; now=$(knobs)
  if [ "$now" = "$2" ]; then ok "$1"; else nok "$1" "before: $2; after: $now"; fi
}
wait_for() { # SECONDS CONDITION...: poll every 0.1 s
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do "$@" 2>/dev/null && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
# a short bench: exact counts on every row
BENCH_ARGS="--hook tp,rawtp --body empty,ringbuf --trials 4 --ops 2000"
bench_ok() { # NAME JSON
  local bad
  bad=$(jpy "$2" '" ".join(r["hook"]+"/"+r["body"]+":"+str(r["reason"]) for r in d["results"] if r["status"] != "ok" or (r["hook"] != "null" and (r["ops"] == 0 or r["events"] != r["ops"])))' 2>&1)
  if [ -z "$bad" ]; then ok "$1"; else nok "$1" "$bad"; fi
}
# fast checks: check, a short bench, nothing of ours left, knobs back
fast_checks() { # TAG
  local tag=$1 k0 rc
  prog_ids > "$TMP/$tag.before"; k0=$(knobs)
  $BPFCOST check --json > "$TMP/$tag.check.json" 2> "$TMP/$tag.check.err"; rc=$?
  if [ $rc = 0 ]; then ok "${tag}_check"; else nok "${tag}_check" "exit $rc: $(tail -1 "$TMP/$tag.check.err")"; fi
  check "${tag}_check_tp" jpy "$TMP/$tag.check.json" '[h["available"] for h in d["hooks"] if h["name"] in ("tp", "rawtp")] == [True, True] or exit(1)'
  $BPFCOST bench $BENCH_ARGS --json -o "$TMP/$tag.bench.json" > /dev/null 2> "$TMP/$tag.bench.err"; rc=$?
  if [ $rc = 0 ]; then bench_ok "${tag}_bench_exact" "$TMP/$tag.bench.json"
  else nok "${tag}_bench_exact" "exit $rc: $(tail -1 "$TMP/$tag.bench.err")"; fi
  nothing_left "${tag}_nothing_left" "$TMP/$tag.before"
  knobs_back "${tag}_knobs_back" "$k0"
}

# state 2: a BPF_ENABLE_STATS fd held by another process (as bpftop holds one)
# holds a BPF_ENABLE_STATS fd until SIGTERM; prints "ready"
STATS_HOLDER='
import ctypes, os, signal, sys
os.closerange(3, 4096)  # the machine lock: not its to keep
libc = ctypes.CDLL(None, use_errno=True)
attr = (ctypes.c_uint32 * 4)()  # union bpf_attr, enable_stats.type = BPF_STATS_RUN_TIME
fd = libc.syscall(321, 32, ctypes.byref(attr), 4)  # bpf(BPF_ENABLE_STATS) on x86_64
if fd < 0: sys.exit("BPF_ENABLE_STATS: errno %d" % ctypes.get_errno())
print("ready", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])'
# state 3, in a namespace with tracefs mounted (the tools need it)
tools_state() {
  local tool pid pids="" k0
  for tool in syscount opensnoop execsnoop; do
    if [ ! -x /usr/sbin/$tool ]; then skip tools "no /usr/sbin/$tool (apt-get install libbpf-tools)"; return; fi
  done
  prog_ids > "$TMP/tools.before0"
  bg /usr/sbin/syscount > "$TMP/syscount.log" 2>&1; pids="$pids $BG"
  bg /usr/sbin/opensnoop > /dev/null 2>&1; pids="$pids $BG"
  bg /usr/sbin/execsnoop > /dev/null 2>&1; pids="$pids $BG"
  # loaded when three processes hold programs
  tools_loaded() { [ "$(new_progs "$TMP/tools.before0" | wc -l)" -ge 3 ]; }
  if ! wait_for 20 tools_loaded; then
    nok tools_loaded "syscount, opensnoop, execsnoop loaded no programs in 20 s"
  else
    ok tools_loaded
    fast_checks tools
    prog_ids > "$TMP/tools.before"; k0=$(knobs)
    $BPFCOST sweep --workload getpid --hook tp --body ringbuf --rates 2k --duration 0.4 \
      --json -o "$TMP/tools.sweep.json" > /dev/null 2>&1
    check tools_sweep_exact jpy "$TMP/tools.sweep.json" 'all(p["status"] == "ok" and p["produced"] == p["consumed"] + p["lost"] == p["ops"] > 0 for p in d["points"]) or exit(1)'
    $BPFCOST top --once --json > "$TMP/tools.top.json" 2> "$TMP/tools.top.err"
    for tool in syscount opensnoop execsnoop; do
      check "tools_top_names_$tool" jpy "$TMP/tools.top.json" "any(h['comm'] == '$tool' for p in d['programs'] for h in p['holders']) or exit(1)"
    done
    if command -v bpftrace > /dev/null; then
      $BPFCOST measure --repeat 2 --duration 0.2 -o "$TMP/tools.m.json" \
        -- bpftrace -e 'tracepoint:syscalls:sys_enter_getpid { @[comm] = count(); }' > /dev/null 2>&1
      check tools_measure_own_tool jpy "$TMP/tools.m.json" 'd["results"][0]["status"] == "ok" and d["programs"] and all(p["name"].startswith("sys_enter_getp") for p in d["programs"]) or exit(1)'
    else
      skip tools_measure_own_tool "bpftrace is not installed"
    fi
    nothing_left tools_commands_nothing_left "$TMP/tools.before"
    knobs_back tools_commands_knobs_back "$k0"
    # theirs are still there: we unloaded only ours
    check tools_theirs_kept tools_loaded
  fi
  for pid in $pids; do stop_tool "$pid"; done
}
# state 6: a killed lab leaves its trace instance; the next run removes it
kill_lab() {
  local pk0; pk0=$(pk_state)
  bg $BPFCOST lab --only helper --short > /dev/null 2>&1; L=$BG
  if wait_for 60 sh -c "ls $T/instances | grep -q bpfcost-$L"; then
    kill -KILL $L; wait $L 2>/dev/null
    $BPFCOST check --json > /dev/null 2> "$TMP/killlab.err"
    check kill_lab_instance_removed sh -c "! ls $T/instances | grep -q bpfcost-$L"
    check kill_lab_next_run_says grep -q "removed the trace instance" "$TMP/killlab.err"
    check kill_lab_printk_as_before test "$(pk_state)" = "$pk0"
  else
    nok kill_lab "lab made no trace instance in 60 s"; kill -KILL $L; wait $L 2>/dev/null
  fi
}
# ---- the states that run in a mount namespace of their own ----
if [ "${1:-}" = in ]; then
  case $2 in
  tracefs-unmounted)
    while mountpoint -q $T; do umount $T; done
    mountpoint -q /sys/kernel/debug && umount -l /sys/kernel/debug
    fast_checks tracefs_unmounted
    check tracefs_still_unmounted_after sh -c "! mountpoint -q $T"
    ;;
  tracefs-mounted)
    mountpoint -q $T || mount -t tracefs tracefs $T
    fast_checks tracefs_mounted
    # lab's trace_printk never touches the global buffer (with the event
    # off there, as after boot; a program that called bpf_trace_printk
    # before leaves it on)
    pk0=$(pk_state); PK0=$pk0; echo 0 > $T/$PK
    marker="bpfcost-marker-$$-$RANDOM"
    echo "$marker" > $T/trace_marker
    lines0=$(grep -c 'bpf_trace_printk: bpfcost' $T/trace)  # lab.bpf.c's line
    k0=$(knobs); prog_ids > "$TMP/lab.before"
    $BPFCOST lab --only helper --short --json -o "$TMP/lab.json" > /dev/null 2> "$TMP/lab.err"; rc=$?
    if [ $rc = 0 ]; then ok lab_printk_runs; else nok lab_printk_runs "exit $rc: $(tail -1 "$TMP/lab.err")"; fi
    check lab_printk_measured jpy "$TMP/lab.json" '[v["status"] for v in d["variants"] if v["name"] == "printk"] == ["ok"] or exit(1)'
    check lab_marker_kept grep -q "$marker" $T/trace
    check lab_global_buffer_clean test "$(grep -c 'bpf_trace_printk: bpfcost' $T/trace)" = "$lines0"
    check lab_no_instance_left sh -c "! ls $T/instances | grep -q bpfcost-"
    nothing_left lab_nothing_left "$TMP/lab.before"
    knobs_back lab_knobs_back "$k0"
    # the event on in the global buffer already: someone reads it there
    echo 1 > $T/$PK
    $BPFCOST lab --only helper --short --json -o "$TMP/lab2.json" > /dev/null 2>&1
    check lab_printk_global_refused jpy "$TMP/lab2.json" '[v["status"] for v in d["variants"] if v["name"] == "printk"] == ["unsupported"] or exit(1)'
    check lab_printk_global_left_on test "$(pk_state)" = 1
    echo "$pk0" > $T/$PK; PK0=""
    ;;
  tools)
    mountpoint -q $T || mount -t tracefs tracefs $T
    tools_state
    ;;
  kill-lab)
    mountpoint -q $T || mount -t tracefs tracefs $T
    # lab runs trace_printk only with the event off in the global buffer
    # (as after boot); put back afterwards whatever the host had
    pk1=$(pk_state); [ "$pk1" = absent ] || echo 0 > $T/$PK
    kill_lab
    [ "$pk1" = absent ] || echo "$pk1" > $T/$PK
    ;;
  pidns)
    mountpoint -q $T || mount -t tracefs tracefs $T
    check pidns_is_pid1 test "$$" = 1
    fast_checks pidns
    ;;
  esac
  exit 0
fi

# ---- 1: tracefs unmounted, then mounted ----
unshare -m --propagation private bash "$SELF" in tracefs-unmounted
unshare -m --propagation private bash "$SELF" in tracefs-mounted

# ---- 2: the stats sysctl on by someone else, and a BPF_ENABLE_STATS fd ----
if [ "$(uname -m)" != x86_64 ]; then
  skip stats_state "the stats holder calls bpf(2) by its x86_64 number"
else
  stats0=$(cat $STATS)
  echo 1 > $STATS
  bg python3 -c "$STATS_HOLDER" > "$TMP/holder.out" 2>&1; HOLDER=$BG
  wait_for 5 grep -q ready "$TMP/holder.out"
  fast_checks stats_on
  check stats_on_bench_warns grep -q "bpf_stats_enabled is 1" "$TMP/stats_on.bench.err"
  prog_ids > "$TMP/st.before"
  $BPFCOST top --once --json > "$TMP/st.top.json" 2> "$TMP/st.top.err"; rc=$?
  if [ $rc = 0 ]; then ok stats_on_top; else nok stats_on_top "exit $rc: $(tail -1 "$TMP/st.top.err")"; fi
  check stats_on_top_were_on jpy "$TMP/st.top.json" 'd["stats"]["were_enabled"] is True and "already on" in d["stats"]["cost_note"] or exit(1)'
  $BPFCOST top --once --stats sysctl --json > /dev/null 2>&1
  check stats_on_top_sysctl_left_on test "$(cat $STATS)" = 1
  nothing_left stats_on_top_nothing_left "$TMP/st.before"
  kill -TERM $HOLDER; wait $HOLDER 2>/dev/null
  echo "$stats0" > $STATS
fi

# ---- 3: libbpf-tools on the same hooks ----
unshare -m --propagation private bash "$SELF" in tools

# ---- 4: non-root, with only the capabilities docs/privileges.md names ----
if ! command -v setpriv > /dev/null || ! setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null \
   || ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$BPFCOST"; then
  skip caps "setpriv cannot run $BPFCOST as nobody here"
else
  as_nobody() { # CAPS CMD...
    local caps=$1; shift
    setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps="$caps" --ambient-caps="$caps" "$@"
  }
  prog_ids > "$TMP/caps.before"; k0=$(knobs)
  as_nobody +bpf,+perfmon $BPFCOST check --json > "$TMP/caps.check.json" 2> "$TMP/caps.check.err"; rc=$?
  if [ $rc = 0 ]; then ok caps_check_exit_0; else nok caps_check_exit_0 "exit $rc: $(tail -1 "$TMP/caps.check.err")"; fi
  check caps_check_rawtp jpy "$TMP/caps.check.json" '[h["available"] for h in d["hooks"] if h["name"] == "rawtp"] == [True] or exit(1)'
  check caps_check_reasons jpy "$TMP/caps.check.json" 'all(h["available"] or h["reason"] for h in d["hooks"]) and not d["env"]["bpf_enable_stats"] or exit(1)'
  as_nobody +bpf,+perfmon $BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --json \
    > "$TMP/caps.bench.json" 2> "$TMP/caps.bench.err"; rc=$?
  if [ $rc = 0 ]; then bench_ok caps_bench_exact "$TMP/caps.bench.json"
  else nok caps_bench_exact "exit $rc: $(tail -1 "$TMP/caps.bench.err")"; fi
  check caps_bench_names_stats_cap grep -q "CAP_SYS_ADMIN" "$TMP/caps.bench.err"
  as_nobody +bpf $BPFCOST check > /dev/null 2> "$TMP/caps.err"; rc=$?
  check caps_missing_named sh -c "[ $rc = 1 ] && grep -q 'needs CAP_PERFMON' '$TMP/caps.err'"
  # top, with a program held by a root process to name
  bg $BPFCOST bench --hook rawtp --body empty --trials 100 > /dev/null 2>&1; B=$BG
  wait_for 30 sh -c "bpftool prog list | grep -q 'name rawtp__empty '"
  # bench loads a fresh probe every 10 pairs: a program may live for less
  # than top's holder scan, so several intervals
  as_nobody +sys_admin,+sys_ptrace,+dac_read_search $BPFCOST top -n 4 -d 0.5 --no-calibrate --json \
    > "$TMP/caps.top.json" 2> "$TMP/caps.top.err"; rc=$?
  kill -INT $B; wait $B
  if [ $rc = 0 ]; then ok caps_top_exit_0; else nok caps_top_exit_0 "exit $rc: $(tail -1 "$TMP/caps.top.err")"; fi
  check caps_top_holders python3 -c 'import json,sys; sys.exit(0 if any(h["pid"] for l in open(sys.argv[1]) for p in json.loads(l)["programs"] for h in p["holders"]) else 1)' "$TMP/caps.top.json"
  nothing_left caps_nothing_left "$TMP/caps.before"
  knobs_back caps_knobs_back "$k0"
fi

# ---- 5: rcu_expedited already 1 ----
rcu0=$(cat $RCU)
echo 1 > $RCU
fast_checks rcu_on
check rcu_on_reported jpy "$TMP/rcu_on.bench.json" 'd["config"]["rcu_expedited"] is True or exit(1)'
echo "$rcu0" > $RCU

# ---- 6: SIGKILL mid-bench, then the next run restores ----
echo 0 > $RCU
prog_ids > "$TMP/kill.before"
bg $BPFCOST bench --hook tp,rawtp --body empty --trials 400 > /dev/null 2>&1; B=$BG
if wait_for 10 grep -q '^rcu_expedited 0 ' "$RUN/state"; then
  sleep 0.5
  kill -KILL $B; wait $B 2>/dev/null
  check kill_left_changed test "$(cat $RCU)" = 1
  $BPFCOST check --json > /dev/null 2> "$TMP/kill.err"
  check kill_next_run_says grep -q "restored /sys/kernel/rcu_expedited to 0" "$TMP/kill.err"
  check kill_next_run_restored test "$(cat $RCU)" = 0
  check kill_record_empty test "$(record_lines)" = 0
else
  nok kill_bench "bench recorded no rcu_expedited change in 10 s"; kill -KILL $B; wait $B 2>/dev/null
fi
wait_for 2 test -z "$(ours_new "$TMP/kill.before")"  # the kernel frees a dead run's programs
unshare -m --propagation private bash "$SELF" in kill-lab
check kill_record_empty_after_lab test "$(record_lines)" = 0
echo "$rcu0" > $RCU

# ---- 7: two commands at once ----
echo 0 > $RCU
k0=$(knobs); prog_ids > "$TMP/two.before"
bg $BPFCOST bench --hook tp,rawtp --body empty --trials 40 --json -o "$TMP/two.a.json" > /dev/null 2>&1; A=$BG
wait_for 10 grep -q '^rcu_expedited 0 ' "$RUN/state"
$BPFCOST bench $BENCH_ARGS --json -o "$TMP/two.b.json" > /dev/null 2>&1
if kill -0 $A 2>/dev/null; then
  check two_benches_first_still_expedited test "$(cat $RCU)" = 1
else
  skip two_benches_first_still_expedited "the first bench ended before the second"
fi
wait $A
bench_ok two_benches_a_exact "$TMP/two.a.json"
bench_ok two_benches_b_exact "$TMP/two.b.json"
knobs_back two_benches_knobs_back "$k0"
# bench and top (top holding the stats sysctl), lab and bench
bg $BPFCOST top -d 0.5 -n 6 --stats sysctl --json > "$TMP/two.top.json" 2>&1; P=$BG
$BPFCOST bench $BENCH_ARGS --json -o "$TMP/two.c.json" > /dev/null 2>&1
wait $P
bench_ok bench_top_exact "$TMP/two.c.json"
knobs_back bench_top_knobs_back "$k0"
with_tracefs setpriv --pdeathsig TERM $BPFCOST lab --only helper --short -o "$TMP/two.lab.json" > /dev/null 2>&1 & L=$!
$BPFCOST bench $BENCH_ARGS --json -o "$TMP/two.d.json" > /dev/null 2>&1
wait $L
bench_ok lab_bench_exact "$TMP/two.d.json"
check lab_bench_lab_ok jpy "$TMP/two.lab.json" 'all(v["status"] in ("ok", "unsupported") for v in d["variants"]) or exit(1)'
nothing_left two_nothing_left "$TMP/two.before"
knobs_back lab_bench_knobs_back "$k0"
echo "$rcu0" > $RCU

# ---- exit means gone: SIGINT at six moments, bpftool right after ----
left=""
for t in 0.2 0.6 1.1 1.8 2.7 4; do
  prog_ids > "$TMP/int.before"
  bg $BPFCOST bench --hook tp,rawtp,uprobe --body empty,ringbuf --trials 200 > /dev/null 2>&1; B=$BG
  sleep $t
  kill -INT $B; wait $B
  l=$(ours_new "$TMP/int.before"); [ -n "$l" ] && left="$left [after $t s: $l]"
done
if [ -z "$left" ]; then ok sigint_nothing_left_at_once; else nok sigint_nothing_left_at_once "$left"; fi

# ---- top's calibration child (a forked bpfcost) on every exit path ----
# SIGINT or SIGTERM to top mid-calibration, SIGINT to both (a Ctrl-C
# reaches the process group), SIGKILL to top (the child gets SIGTERM)
gone() { [ ! -e /proc/$1 ] || grep -q '^[0-9]* (.*) Z' /proc/$1/stat 2>/dev/null; }
for how in INT TERM both KILL; do
  prog_ids > "$TMP/cal.before"; k0=$(knobs)
  bg $BPFCOST top --recalibrate -d 0.5 -n 2 --json > /dev/null 2> "$TMP/cal.err"; P=$BG
  C=""
  wait_for 10 sh -c "pgrep -P $P > /dev/null" && C=$(pgrep -P $P | head -1)
  if [ -z "$C" ]; then
    nok "calib_${how}" "top started no calibration child in 10 s: $(tail -1 "$TMP/cal.err")"
    kill -KILL $P; wait $P 2>/dev/null; continue
  fi
  sleep 1  # mid-calibration: a few seconds in all
  case $how in
    INT|TERM) kill -$how $P ;;
    both) kill -INT $C $P ;;
    KILL) kill -KILL $P ;;
  esac
  wait $P; rc=$?
  [ $how = KILL ] && wait_for 5 gone "$C"  # not ours to wait for: it stops on SIGTERM
  if gone "$C"; then ok "calib_${how}_child_gone"; else nok "calib_${how}_child_gone" "pid $C"; fi
  case $how in KILL) ;; *)
    check "calib_${how}_exit" sh -c "[ $rc = 0 ] || [ $rc = 130 ]" ;;
  esac
  nothing_left "calib_${how}_nothing_left" "$TMP/cal.before"
  knobs_back "calib_${how}_knobs_back" "$k0"
done

# ---- the exporter as dist/systemd/bpfcost-exporter.service runs it ----
# a user of its own with the unit's capabilities alone (bounding set
# too), a cache it cannot write (DynamicUser, ProtectSystem=strict),
# --stats fd; systemd stops it with SIGTERM
UNIT=dist/systemd/bpfcost-exporter.service
caps=$(sed -n 's/^AmbientCapabilities=//p' $UNIT 2>/dev/null | tr ' ' '\n' | sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd, -)
if [ -z "$caps" ] || ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$BPFCOST"; then
  skip unit_exporter "no AmbientCapabilities= in $UNIT, or setpriv cannot run $BPFCOST as nobody"
else
  port=$(free_port); prog_ids > "$TMP/unit.before"; k0=$(knobs)
  # CacheDirectory=: systemd makes it, the user's own, and says where
  cachedir=""
  if grep -q '^CacheDirectory=' $UNIT; then
    chmod 711 "$TMP"; mkdir -p "$TMP/unit-cache"; chown nobody "$TMP/unit-cache"
    cachedir=$TMP/unit-cache
  fi
  bg $BPFCOST bench --hook rawtp --body empty --trials 100 > /dev/null 2>&1; B=$BG
  setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,$caps --ambient-caps=-all,$caps \
    --bounding-set=-all,$caps --pdeathsig TERM env -u XDG_CACHE_HOME HOME=/ CACHE_DIRECTORY=$cachedir \
    $BPFCOST top --prometheus 127.0.0.1:$port --stats fd > "$TMP/unit.out" 2> "$TMP/unit.err" & U=$!
  scrape() { curl -sf "http://127.0.0.1:$port/metrics" > "$TMP/unit.prom"; }
  if wait_for 10 scrape; then ok unit_exporter_serves
  else nok unit_exporter_serves "no /metrics in 10 s: $(tail -1 "$TMP/unit.err")"; fi
  check unit_exporter_up grep -q '^bpfcost_up 1' "$TMP/unit.prom"
  check unit_exporter_stats_on grep -q '^bpfcost_stats_enabled 1' "$TMP/unit.prom"
  check unit_exporter_sees_programs grep -q '^bpfcost_prog_runs_total{.*name="rawtp__empty"' "$TMP/unit.prom"
  # its calibration child, with the same capabilities, measures a hook
  calibrated() { scrape && grep -q '^bpfcost_hook_dispatch_seconds{.*hook="rawtp"' "$TMP/unit.prom"; }
  check unit_exporter_calibrated wait_for 30 calibrated
  if [ -n "$cachedir" ]; then
    check unit_exporter_cached sh -c "ls '$cachedir'/dispatch-*.json"
  fi
  kill -INT $B; wait $B
  kill -TERM $U; wait $U; rc=$?
  check unit_exporter_sigterm_exit_0 test $rc = 0
  nothing_left unit_exporter_nothing_left "$TMP/unit.before"
  knobs_back unit_exporter_knobs_back "$k0"
fi

# ---- 8: fresh mount and PID namespaces, as in a container ----
if unshare -mpf --mount-proc true 2>/dev/null; then
  unshare -mpf --mount-proc bash "$SELF" in pidns
else
  skip pidns "unshare -mpf --mount-proc is not allowed here"
fi
check record_empty_at_end test "$(record_lines)" = 0
