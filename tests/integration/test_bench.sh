#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost bench, short: exact counts, positive overheads, structure,
# nothing left loaded, SIGINT keeps finished rows, bad input.
source tests/lib.sh
before=$TMP/before; prog_ids > "$before"
# bench expedites RCU grace periods for its run and must put the knob back
rcu_knob=/sys/kernel/rcu_expedited
rcu_before=$(cat $rcu_knob 2>/dev/null || echo none)

out=$TMP/bench.json
if ! $BPFCOST bench --workload getpid,munmap --hook tp,rawtp,tp_btf \
     --body empty,hash,ringbuf,perfbuf --trials 10 --ops 4000 --json -o "$out" \
     > "$TMP/stdout" 2> "$TMP/err"; then
  nok bench_runs "exit $?: $(tail -c 400 "$TMP/err")"
else
  ok bench_runs
fi
check bench_schema jpy "$out" 'd["schema"] == "bpfcost.bench/1" or exit(1)'
check bench_rows jpy "$out" 'len(d["results"]) == 2 * (1 + 3 * 4) or exit(1)'
bad=$(jpy "$out" '" ".join(r["workload"]+"/"+r["hook"]+"/"+r["body"]+":"+str(r["reason"]) for r in d["results"] if r["status"] != "ok")')
[ -z "$bad" ] && ok bench_all_ok || nok bench_all_ok "$bad"
# honest numbers: each probe fired exactly once per op issued while attached
bad=$(jpy "$out" '" ".join(r["hook"]+"/"+r["body"] for r in d["results"] if r["hook"] != "null" and (r["ops"] == 0 or r["events"] != r["ops"]))')
[ -z "$bad" ] && ok bench_exact_counts || nok bench_exact_counts "$bad"
bad=$(jpy "$out" '" ".join(r["hook"]+"/"+r["body"] for r in d["results"] if r["body"] in ("ringbuf","perfbuf") and r["events"] != r["consumed"] + r["lost"])')
[ -z "$bad" ] && ok bench_output_accounting || nok bench_output_accounting "$bad"
fields='workload hook body status reason ops events base_ns probe_ns overhead_ns overhead_ci95 overhead_pct base_p50_ns base_p99_ns base_p999_ns probe_p50_ns probe_p99_ns probe_p999_ns prog_avg_ns'
check bench_row_fields jpy "$out" "all(all(k in r for k in '$fields'.split()) for r in d['results']) or exit(1)"
check bench_numbers_present jpy "$out" 'all(r["base_ns"] and r["probe_ns"] and r["base_p999_ns"] and r["probe_p999_ns"] and r["overhead_ci95"][0] is not None for r in d["results"]) or exit(1)'
check bench_prog_time jpy "$out" 'all(r["prog_avg_ns"] and r["prog_avg_ns"] > 0 for r in d["results"] if r["hook"] != "null") or exit(1)'
check bench_samples_10k jpy "$out" 'all(r["samples"] >= 10000 for r in d["results"]) or exit(1)'
# Positive overheads. Timing is noisy here, so: no probe row may be
# significantly negative, and each workload's median probe overhead is > 0.
bad=$(jpy "$out" '" ".join("%s/%s/%s:%.1f[%.1f,%.1f]" % (r["workload"], r["hook"], r["body"], r["overhead_ns"], *r["overhead_ci95"]) for r in d["results"] if r["hook"] != "null" and r["overhead_ci95"][1] <= 0)')
[ -z "$bad" ] && ok bench_no_negative_overhead || nok bench_no_negative_overhead "$bad"
check bench_positive_overhead jpy "$out" 'all(sorted(r["overhead_ns"] for r in d["results"] if r["hook"] != "null" and r["workload"] == w)[6] > 0 for w in ("getpid","munmap")) or exit(1)'
check bench_baseline_spread jpy "$out" 'sorted(b["workload"] for b in d["baseline_spread"]) == ["getpid", "munmap"] and all(b["trials"] == sum(r["trials"] for r in d["results"] if r["workload"] == b["workload"]) and 0 < b["p10_ns"] <= b["p50_ns"] <= b["p90_ns"] for b in d["baseline_spread"]) or exit(1)'
check bench_env jpy "$out" 'd["env"]["kernel"] and d["env"]["timer"] and "emulated" in d["env"] or exit(1)'
check bench_stats_off jpy "$out" 'int(open("/proc/sys/kernel/bpf_stats_enabled").read()) == 0 or exit(1)'
if [ -w $rcu_knob ]; then
  check bench_rcu_expedited_reported jpy "$out" 'd["config"]["rcu_expedited"] is True or exit(1)'
  check bench_rcu_expedited_restored test "$(cat $rcu_knob)" = "$rcu_before"
  $BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --no-expedite --json \
    -o "$TMP/noexp.json" > /dev/null 2>&1
  check bench_no_expedite jpy "$TMP/noexp.json" 'd["config"]["rcu_expedited"] == (open("/sys/kernel/rcu_expedited").read().strip() != "0") or exit(1)'
else
  skip bench_rcu_expedited_restored "$rcu_knob is not writable here"
fi
leftover_check bench_nothing_left "$before"

# the split (README, Method 7): a stats phase after every pair here (10
# pairs, 6 phases asked: one every 10 // 6 = 1 pair), with the stats floor
# beside the program; body and dispatch only where resolved, never a
# negative dispatch or a body above the overhead's interval
check bench_stats_phases jpy "$out" 'd["config"]["stats_phases"] == 6 and all((r["stats_phases"] == 10 and len(r["prog_phases_ns"]) == 10 and len(r["stats_floor_phases_ns"]) == 10 and r["split"] in ("resolved", "unresolved")) if r["hook"] != "null" else (r["stats_phases"] == 0 and r["split"] is None and r["dispatch_ns"] is None) for r in d["results"]) or exit(1)'
check bench_floor_measured jpy "$out" 'all(r["stats_floor_ns"] > 0 and r["prog_avg_ci95"][0] <= r["prog_avg_ns"] <= r["prog_avg_ci95"][1] for r in d["results"] if r["hook"] != "null") or exit(1)'
bad=$(jpy "$out" '" ".join(r["workload"]+"/"+r["hook"]+"/"+r["body"] for r in d["results"] if r["split"] == "resolved" and not (r["body_ns"] >= 0 and r["dispatch_ci95"][0] >= 0 and r["body_ci95"][1] <= r["overhead_ci95"][0] and abs(r["dispatch_ns"] - (r["overhead_ns"] - r["body_ns"])) < 0.01 and r["split_reason"] is None))')
[ -z "$bad" ] && ok bench_split_resolved_adds_up || nok bench_split_resolved_adds_up "$bad"
bad=$(jpy "$out" '" ".join(r["workload"]+"/"+r["hook"]+"/"+r["body"] for r in d["results"] if r["split"] == "unresolved" and not (r["body_ns"] is None and r["dispatch_ns"] is None and r["dispatch_ci95"] is None and r["split_reason"]))')
[ -z "$bad" ] && ok bench_split_unresolved_null || nok bench_split_unresolved_null "$bad"
# forced: two phases give no interval, so the split is unresolved, said why
$BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --stats-phases 2 --json \
  -o "$TMP/two.json" > /dev/null 2>&1
check bench_split_forced_unresolved jpy "$TMP/two.json" '(lambda r: r["stats_phases"] == 2 and r["split"] == "unresolved" and "2 stats phases: too few" in r["split_reason"] and r["dispatch_ns"] is None and r["body_ns"] is None)(d["results"][1]) or exit(1)'
$BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --stats-phases 2 > "$TMP/two.txt" 2>&1
grep -q 'unresolved (below)' "$TMP/two.txt" && grep -q '^unresolved, getpid/rawtp/empty: 2 stats phases' "$TMP/two.txt" \
  && ok bench_split_forced_table || nok bench_split_forced_table "$(grep -i -A2 unresolved "$TMP/two.txt" | head -c 300)"
# --no-stats: no phases, no split
$BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --no-stats --json -o "$TMP/ns.json" \
  > /dev/null 2>&1
check bench_no_stats jpy "$TMP/ns.json" 'all(r["stats_phases"] == 0 and r["split"] is None and r["prog_avg_ns"] is None for r in d["results"]) and d["config"]["stats_phases"] is None or exit(1)'

# timing each op against untimed pairs: only with --check-timing, and then
# for every pair; without it the rows have no untimed part
check bench_no_untimed jpy "$out" 'd["config"]["check_timing"] is False and all(r["untimed"] is None for r in d["results"]) or exit(1)'
$BPFCOST bench --hook rawtp --body empty,hash --trials 6 --ops 3000 --check-timing --json \
  -o "$TMP/ct.json" > /dev/null 2>&1
check bench_check_timing jpy "$TMP/ct.json" 'd["config"]["check_timing"] and all(r["untimed"]["pairs"] == r["trials"] == 6 and r["untimed"]["timing_effect_ci95"][0] <= r["untimed"]["timing_effect_ns"] <= r["untimed"]["timing_effect_ci95"][1] and r["events"] == r["ops"] for r in d["results"] if r["hook"] != "null") or exit(1)'

# the method's bookkeeping: fixed --trials, rounds, both estimates
check bench_fixed_trials jpy "$out" 'all(r["trials"] == 10 and r["stopped_by"] == "fixed" for r in d["results"]) and d["config"]["schedule"] == "rounds" or exit(1)'
check bench_diff_estimate jpy "$out" 'all(r["overhead_diff_ci95"][0] <= r["overhead_diff_ns"] <= r["overhead_diff_ci95"][1] and r["overhead_ci95"][0] <= r["overhead_ns"] <= r["overhead_ci95"][1] for r in d["results"]) or exit(1)'

# adaptive length (the default): at least 30 pairs, then until the interval
# is narrow enough or --max-time is spent; every row says which
if $BPFCOST bench --hook rawtp,tp --body empty --max-time 0.5 --json -o "$TMP/ad.json" \
     > /dev/null 2> "$TMP/err"; then
  check bench_adaptive jpy "$TMP/ad.json" 'all(r["trials"] >= 60 and r["stopped_by"] in ("interval", "time") and len(r["base_trials_ns"]) == r["trials"] for r in d["results"]) and d["config"]["max_time_s"] == 0.5 or exit(1)'
else
  nok bench_adaptive "exit $?: $(tail -c 300 "$TMP/err")"
fi

# default minimums: 60 pairs, 20 for uprobe rows (three kernel pairs a turn)
if $BPFCOST bench --hook rawtp,uprobe --body empty --max-time 0 --ops 500 \
     --json -o "$TMP/mins.json" > /dev/null 2> "$TMP/err"; then
  check bench_default_pairs jpy "$TMP/mins.json" '{r["hook"]: r["trials"] for r in d["results"]} == {"null": 60, "rawtp": 60, "uprobe": 20} and d["config"]["trials"] == 60 and d["config"]["trials_uprobe"] == 20 and all(r["stopped_by"] == "fixed" and r["events"] == r["ops"] for r in d["results"] if r["hook"] != "null") or exit(1)'
  # report's method says so
  check bench_default_pairs_report sh -c "$BPFCOST report '$TMP/mins.json' -o '$TMP/mins.md' && grep -q '60 trial pairs (20 for uprobe rows)' '$TMP/mins.md'"
else
  nok bench_default_pairs "exit $?: $(tail -c 300 "$TMP/err")"
fi

# uprobes: slow here (~24 us a hit), so few ops
if $BPFCOST bench --hook uprobe,uretprobe --body empty --trials 4 --ops 2500 --no-null \
     --json -o "$TMP/u.json" > /dev/null 2> "$TMP/err"; then
  check bench_uprobe_exact jpy "$TMP/u.json" 'all(r["status"] == "ok" and r["events"] == r["ops"] > 0 for r in d["results"]) or exit(1)'
else
  nok bench_uprobe_exact "exit $?: $(tail -c 300 "$TMP/err")"
fi

# unsupported hooks: a row with the reason, and the run does not fail
if [ ! -d /sys/bus/event_source/devices/kprobe ]; then
  $BPFCOST bench --hook kprobe,fentry --body empty --trials 2 --ops 1000 --no-null > "$TMP/t.txt" 2>&1
  rc=$?
  [ $rc -eq 0 ] && grep -q 'unsupported: CONFIG_KPROBES' "$TMP/t.txt" && ok bench_unsupported_row \
    || nok bench_unsupported_row "rc=$rc: $(head -c 300 "$TMP/t.txt")"
  # the whole reason, wrapped within 80 columns
  w=$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/t.txt")
  [ "$w" -le 80 ] && grep -q 'no kprobe PMU' "$TMP/t.txt" && ok bench_unsupported_reason_whole \
    || nok bench_unsupported_reason_whole "widest $w: $(grep -A1 kprobe "$TMP/t.txt" | head -c 300)"
else
  skip bench_unsupported_row "this kernel has kprobes"
fi

# output bodies: by default the reader polls without wake-ups (said in the
# JSON); --consumer wake is libbpf's wake per event, with the same accounting
check bench_consumer_default jpy "$out" 'd["config"]["consumer"] == "batch" and d["config"]["buf_size"] == 4194304 or exit(1)'
# 12 pairs: the probe is loaded afresh at the 10th, its counts carried over
$BPFCOST bench --hook rawtp --body ringbuf,perfbuf --consumer wake --buf-size 512k --trials 12 --ops 3000 \
  --json -o "$TMP/wake.json" > /dev/null 2>&1
check bench_consumer_wake jpy "$TMP/wake.json" 'd["config"]["consumer"] == "wake" and d["config"]["buf_size"] == 524288 and all(r["status"] == "ok" and r["events"] == r["ops"] == r["consumed"] + r["lost"] for r in d["results"] if r["hook"] != "null") or exit(1)'
check bench_reload_instances jpy "$TMP/wake.json" 'd["config"]["reload_every"] == 10 and all(r["instances"] == (1 if r["hook"] == "null" else 2) and not r["stats_on_in_trials"] for r in d["results"]) or exit(1)'
# drift: the later half of the pairs against the earlier, from 10 pairs on
check bench_drift_field jpy "$TMP/wake.json" 'all(isinstance(r["drift_pct"], (int, float)) == (r["hook"] != "null") for r in d["results"]) or exit(1)'

# table: 80 columns, units in headers, the null row's noise floor
$BPFCOST bench --hook tp --body empty,ringbuf --trials 6 --ops 3000 > "$TMP/table.txt" 2>/dev/null
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/table.txt")
[ "$w" -le 80 ] && ok bench_80_columns || nok bench_80_columns "widest line $w"
grep -q 'BASE ns' "$TMP/table.txt" && grep -q 'noise floor' "$TMP/table.txt" && grep -q '^getpid   null' "$TMP/table.txt" \
  && ok bench_table_layout || nok bench_table_layout "$(head -c 400 "$TMP/table.txt")"

# CSV
$BPFCOST bench --hook rawtp --body empty --trials 4 --ops 2000 --csv > "$TMP/b.csv" 2>/dev/null
check bench_csv python3 -c "import csv,sys; r=list(csv.DictReader(open('$TMP/b.csv'))); sys.exit(not (len(r)==2 and r[1]['events']==r[1]['ops']))"

# SIGINT mid-run: nothing left loaded, finished rows kept in -o, exit 130
prog_ids > "$before"
$BPFCOST bench --hook tp,rawtp,tp_btf --body all --trials 10 --ops 20000 --json -o "$TMP/int.json" \
  > /dev/null 2>&1 &
pid=$!
# interrupt once at least one row is finished (written to -o), however
# slow the machine is
for i in $(seq 1 120); do [ -s "$TMP/int.json" ] && break; sleep 0.5; done
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 130 ] && ok bench_sigint_exit || nok bench_sigint_exit "rc=$rc"
check bench_sigint_rows_kept jpy "$TMP/int.json" 'd["interrupted"] and len(d["results"]) >= 1 and all(r["status"] == "ok" for r in d["results"]) or exit(1)'
leftover_check bench_sigint_nothing_left "$before"
check bench_sigint_stats_off test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = 0
check bench_sigint_rcu_restored test "$(cat $rcu_knob 2>/dev/null || echo none)" = "$rcu_before"

# SIGTERM too
$BPFCOST bench --hook tp --body all --trials 10 --ops 20000 > /dev/null 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
leftover_check bench_sigterm_nothing_left "$before"
check bench_sigterm_rcu_restored test "$(cat $rcu_knob 2>/dev/null || echo none)" = "$rcu_before"

# bad input: one line naming what is accepted, exit 2
for args in "--hook nope" "--body nope" "--workload nope" "--ops abc" "--trials 1" "--cpu 99" "--max-time x" "--consumer nope" "--buf-size 3x" "--stats-phases 0" "--repeat 2" "--bogus" "extra"; do
  $BPFCOST bench $args > /dev/null 2> "$TMP/err"; rc=$?
  n=$(wc -l < "$TMP/err")
  name="bench_bad_input_$(echo "$args" | tr -c 'a-z0-9' _)"
  [ $rc -eq 2 ] && [ "$n" -eq 1 ] && ok "$name" || nok "$name" "rc=$rc lines=$n: $(head -c 200 "$TMP/err")"
done
grep -q 'accepted: tp, rawtp' <($BPFCOST bench --hook nope 2>&1) && ok bench_bad_names_accepted || nok bench_bad_names_accepted "message does not list accepted hooks"
# -o into a missing directory: a runtime error, one line
$BPFCOST bench --hook tp --body empty --trials 2 --ops 1000 --json -o /nonexistent/dir/x.json > /dev/null 2> "$TMP/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && ok bench_bad_output_path || nok bench_bad_output_path "rc=$rc $(cat "$TMP/err")"
leftover_check bench_end_nothing_left "$before"
