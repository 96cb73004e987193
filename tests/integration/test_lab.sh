#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost lab --short: every variant and comparison is ok or unsupported
# with a reason, every ok variant counted exactly one run per op, the
# early-exit variants ran their work exactly as often as they claim, the
# trace_printk event is left as it was, bad input is one line and exit 2,
# nothing stays loaded.
source "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then skip lab "needs root to load programs"; exit 0; fi
prog_ids > "$TMP/before"
pk_before=$(printk_event)

if $BPFCOST lab --short --json -o "$TMP/lab.json" > /dev/null 2> "$TMP/lab.err"; then
  ok lab_runs
else
  nok lab_runs "exit $?: $(tail -1 "$TMP/lab.err")"
fi
if [ -s "$TMP/lab.json" ]; then
  J=$TMP/lab.json
  check lab_schema test "$(jpy "$J" 'd["schema"]')" = bpfcost.lab/1
  bad=$(jpy "$J" '[v["name"]+": "+str(v["reason"]) for v in d["variants"] if not (v["status"]=="ok" or (v["status"]=="unsupported" and v["reason"]))]')
  if [ "$bad" = "[]" ]; then ok lab_variants_ok_or_unsupported; else nok lab_variants_ok_or_unsupported "$bad"; fi
  bad=$(jpy "$J" '[r["name"]+": "+str(r["reason"]) for r in d["results"] if not (r["status"]=="ok" or (r["status"]=="unsupported" and r["reason"]))]')
  if [ "$bad" = "[]" ]; then ok lab_rows_ok_or_unsupported; else nok lab_rows_ok_or_unsupported "$bad"; fi
  check lab_all_rows test "$(jpy "$J" 'len(d["results"])')" -ge 30
  check lab_every_technique test "$(jpy "$J" '",".join(sorted(set(r["technique"] for r in d["results"])))')" = core,exit,helper,hook,loop,map,output
  # exact counts: one run per op while attached, for every ok variant
  bad=$(jpy "$J" '[v["name"] for v in d["variants"] if v["status"]=="ok" and (v["bench"]["events"] != v["bench"]["ops"] or v["bench"]["ops"] == 0)]')
  if [ "$bad" = "[]" ]; then ok lab_exact_counts; else nok lab_exact_counts "$bad"; fi
  # the work ran exactly as the variant says
  w() { jpy "$J" "[(v['work_runs'], v['bench']['events']) for v in d['variants'] if v['name']=='$1'][0]"; }
  check lab_work_every_event python3 -c "a,b=$(w work); assert a==b>0"
  check lab_work_kthread python3 -c "a,b=$(w kthread); assert a==b>0"
  check lab_work_arg_exit python3 -c "a,b=$(w arg_exit); assert a==0 and b>0"
  check lab_work_check_order python3 -c "a,b=$(w cheap_first); c,d=$(w costly_first); assert a==0 and c==0 and b>0 and d>0"
  check lab_work_sampled python3 -c "a,b=$(w sample); assert 0<a<=b/20"
  # output variants: every event read by the consumer or counted lost
  bad=$(jpy "$J" '[v["name"] for v in d["variants"] if v["name"] in ("ringbuf","perfbuf") and v["status"]=="ok" and v["bench"]["consumed"]+v["bench"]["lost"] != v["bench"]["events"]]')
  if [ "$bad" = "[]" ]; then ok lab_output_accounted; else nok lab_output_accounted "$bad"; fi
  # verdicts only from the accepted set; intervals where there is a verdict
  bad=$(jpy "$J" '[r["name"] for r in d["results"] if r["status"]=="ok" and r["verdict"] not in ("agrees","disagrees","inconclusive","no claim")]')
  if [ "$bad" = "[]" ]; then ok lab_verdicts; else nok lab_verdicts "$bad"; fi
  # kprobes are not available here: the kprobe rows must say so
  if [ ! -d /sys/bus/event_source/devices/kprobe ]; then
    check lab_kprobe_unsupported test "$(jpy "$J" '[r["status"] for r in d["results"] if r["name"]=="kprobe"][0]')" = unsupported
  fi
fi
pk_after=$(printk_event)
check lab_printk_event_restored test "$pk_before" = "$pk_after"

# table: one technique, 80 columns
if $BPFCOST lab --short --only loop > "$TMP/table.txt" 2>&1; then
  w=$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/table.txt")
  check lab_table_width test "$w" -lt 80
  check lab_table_only grep -q '^loop ' "$TMP/table.txt"
else
  nok lab_table "lab --only loop failed: $(tail -1 "$TMP/table.txt")"
fi

# SIGINT mid-run: exit 130, finished rounds kept in -o, nothing of ours loaded
$BPFCOST lab --short -o "$TMP/int.json" > /dev/null 2>&1 &
pid=$!
sleep 4
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
if [ $rc = 130 ] || [ $rc = 0 ]; then ok lab_sigint_exit; else nok lab_sigint_exit "exit $rc"; fi
pk_after=$(printk_event)
check lab_sigint_printk_event_restored test "$pk_before" = "$pk_after"

badinput() { # NAME ARGS...
  local n=$1; shift
  $BPFCOST lab "$@" > /dev/null 2> "$TMP/err"; rc=$?
  if [ $rc = 2 ] && [ "$(wc -l < "$TMP/err")" = 1 ]; then ok "$n"
  else nok "$n" "exit $rc, $(wc -l < "$TMP/err") lines: $(head -2 "$TMP/err" | tr '\n' ' ')"; fi
}
badinput lab_bad_only --only nope
badinput lab_bad_trials --trials 1
badinput lab_bad_arg extra
badinput lab_bad_option --nope

# Programs of ours only: other sessions may load theirs meanwhile.
extra=""
sleep 0.2
for id in $(new_progs "$TMP/before"); do
  bpftool prog show id "$id" 2>/dev/null | grep -Eq "name lab_" && extra="$extra $id"
done
if [ -z "$extra" ]; then ok lab_no_leftover; else nok lab_no_leftover "programs left loaded:$extra"; fi
