#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost sweep: loss accounting, pacing, contention counts, output shape,
# bad input, and nothing left loaded after a run or SIGINT. Counts and
# structure only; the one rate check (1k/s, 10k/s within 10%) is retried
# once, as the machine is shared.
source tests/lib.sh

if [ "$(id -u)" -ne 0 ]; then
  skip sweep "needs root to load BPF programs"
  exit 0
fi

NCPU=$(nproc)
# Other agents load and unload programs on this machine at the same time,
# so "new since before" is not ours: take the programs a running sweep
# holds from its /proc fdinfo, and check that they are gone once it exits.
held_progs() { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un; }
gone_check() { # NAME IDS_FILE
  local still
  sleep 0.2
  still=$(prog_ids | comm -12 "$2" - | tr '\n' ' ')
  if [ ! -s "$2" ]; then nok "$1" "saw no programs held while it ran"
  elif [ -z "$still" ]; then ok "$1"; else nok "$1" "programs left loaded: $still"; fi
}

# ---- bad input: one line, exit 2 ----
bad() { # NAME ARGS...
  local name=$1; shift
  "$BPFCOST" sweep "$@" > "$TMP/bad.out" 2> "$TMP/bad.err"
  local rc=$? lines
  lines=$(wc -l < "$TMP/bad.err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ]; then ok "$name"; else nok "$name" "rc=$rc lines=$lines: $(head -c 200 "$TMP/bad.err")"; fi
}
bad sweep_bad_rate --rates 5x
bad sweep_bad_rate_zero --rates 0
bad sweep_bad_body --body nosuch
bad sweep_bad_hook --hook nosuch
bad sweep_bad_workload --workload nosuch
bad sweep_bad_arrival --arrival bursty
bad sweep_bad_consumer --consumer sometimes
bad sweep_bad_threads --threads 999
bad sweep_bad_flow --flow many
bad sweep_bad_bufsize --buf-size -4k
bad sweep_bad_duration --duration 0
bad sweep_bad_option --frobnicate
bad sweep_bad_arg extra

# ---- forced overflow: tiny buffer, nobody reading ----
for body in ringbuf perfbuf; do
  f=$TMP/ovf-$body.json
  "$BPFCOST" sweep --workload getpid --hook tp --body $body --consumer none --buf-size 4k \
    --rates 20k --duration 0.4 --no-stats --json -o "$f" > /dev/null 2> "$TMP/ovf.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    nok "sweep_overflow_$body" "exit $rc: $(head -c 300 "$TMP/ovf.err")"
    continue
  fi
  check "sweep_overflow_${body}_ok" [ "$(jpy "$f" "d['points'][0]['status']")" = ok ]
  check "sweep_overflow_${body}_accounting" [ "$(jpy "$f" "(p:=d['points'][0])['produced']==p['consumed']+p['lost']")" = True ]
  check "sweep_overflow_${body}_lost" [ "$(jpy "$f" "d['points'][0]['lost']>0 and d['points'][0]['loss_pct']>0")" = True ]
  check "sweep_overflow_${body}_exact" [ "$(jpy "$f" "(p:=d['points'][0])['produced']==p['ops']")" = True ]
done

# ---- a wake-per-event consumer with room keeps up: nothing lost ----
f=$TMP/wake.json
if "$BPFCOST" sweep --workload getpid --hook tp --body ringbuf --rates 2k --duration 0.4 \
     --json -o "$f" > /dev/null 2>&1; then
  check sweep_consumer_accounting [ "$(jpy "$f" "(p:=d['points'][0])['status']=='ok' and p['produced']==p['consumed']+p['lost'] and p['produced']>0")" = True ]
  check sweep_prog_stats [ "$(jpy "$f" "(d['points'][0]['prog_avg_ns'] or 0)>0")" = True ]
else
  nok sweep_consumer_accounting "sweep failed"
fi

# ---- every consumer mode accounts exactly ----
for mode in batch force; do
  f=$TMP/mode-$mode.json
  if "$BPFCOST" sweep --workload munmap --hook tp --body ringbuf,perfbuf --consumer $mode \
       --rates 5k --duration 0.3 --no-stats --json -o "$f" > /dev/null 2>&1; then
    check "sweep_consumer_${mode}" [ "$(jpy "$f" "all(p['status']=='ok' and p['produced']==p['consumed']+p['lost']==p['ops']>0 and p['consumer']=='$mode' for p in d['points'])")" = True ]
  else
    nok "sweep_consumer_${mode}" "sweep failed"
  fi
done

# ---- the null control: the whole procedure, nothing attached ----
f=$TMP/null.json
if "$BPFCOST" sweep --workload getpid --hook null --rates 2k --duration 0.3 --json -o "$f" > /dev/null 2>&1; then
  check sweep_null_control [ "$(jpy "$f" "(p:=d['points'][0])['status']=='ok' and p['hook']=='null' and p['produced']==0 and p['overhead_ns'] is not None")" = True ]
else
  nok sweep_null_control "sweep --hook null failed"
fi

# ---- pacing: 1k/s and 10k/s achieved within 10% (retried once) ----
paced_ok() {
  "$BPFCOST" sweep --workload getpid --hook tp --body empty --rates 1k,10k --duration 1 \
    --no-stats --json -o "$TMP/paced.json" > /dev/null 2>&1 &&
  [ "$(jpy "$TMP/paced.json" "all(abs(p['achieved_rate']-p['target_rate'])/p['target_rate']<0.10 for p in d['points'])")" = True ]
}
if paced_ok || paced_ok; then ok sweep_paced_rates; else
  nok sweep_paced_rates "$(jpy "$TMP/paced.json" "[(p['target_rate'],p['achieved_rate']) for p in d['points']]" 2>&1)"
fi

# ---- output shape: JSON fields, knee, table width, CSV, max ----
f=$TMP/shape.json
if "$BPFCOST" sweep --workload munmap --hook tp --body ringbuf --arrival poisson --rates 2k,max \
     --duration 0.4 --json -o "$f" > /dev/null 2>&1; then
  check sweep_schema [ "$(jpy "$f" "d['schema']")" = bpfcost.sweep/1 ]
  fields="workload hook body arrival target_rate achieved_rate base_p50_ns base_p99_ns base_p999_ns base_max_ns probe_p50_ns probe_p99_ns probe_p999_ns probe_max_ns cpu_workload_pct cpu_consumer_pct prog_avg_ns system_overhead_pct produced consumed lost loss_pct"
  missing=$(jpy "$f" "' '.join(k for k in '$fields'.split() if k not in d['points'][0])")
  if [ -z "$missing" ]; then ok sweep_point_fields; else nok sweep_point_fields "missing: $missing"; fi
  check sweep_env [ "$(jpy "$f" "'kernel' in d['env']")" = True ]
  check sweep_knee [ "$(jpy "$f" "'found' in (k:=d['knee'][0]) and 'rate_per_s' in k and 'ci95' in k")" = True ]
  check sweep_max_point [ "$(jpy "$f" "(p:=d['points'][-1])['target_rate'] is None and p['max'] and p['achieved_rate']>0")" = True ]
  check sweep_poisson_arrival [ "$(jpy "$f" "d['points'][0]['arrival']")" = poisson ]
  # judged points: ceiling, causes, backlog, the reader's wake-ups
  check sweep_judged_fields [ "$(jpy "$f" "all(isinstance(p['ceiling'], bool) and isinstance(p['base_backlog'], bool) and isinstance(p['probe_backlog'], bool) and p['reader_wakeups'] >= 0 and 'causes' in p and 'wakeups_per_event' in p for p in d['points'])")" = True ]
else
  nok sweep_schema "sweep --json failed"
fi
# A rate is the ceiling only if no point of the run did better (the
# issue's sweep: 100k/s called the ceiling at 84803/s, then 1m reached
# 97229/s); a point behind schedule says its latency is backlog. 1m is
# beyond any machine here: behind, with its causes named.
f=$TMP/ceil.json
"$BPFCOST" sweep --workload munmap --hook tp --body ringbuf --rates 20k,1m --duration 0.6 \
  --json -o "$f" > "$TMP/ceil.err" 2>&1
if [ -s "$f" ]; then
  check sweep_ceiling_never_beaten [ "$(jpy "$f" "all(not p['ceiling'] or all(q['achieved_rate'] <= p['achieved_rate'] for q in d['points']) for p in d['points'])")" = True ]
  check sweep_behind_is_backlog [ "$(jpy "$f" "(p:=d['points'][-1])['probe_backlog'] and 'backlog' in p['note'] and p['causes'] and (p['saturated'] or p['starved'])")" = True ]
else
  nok sweep_ceiling_never_beaten "no JSON: $(tail -c 300 "$TMP/ceil.err")"
fi

# the longest names, threads and notes: still under 80 columns
"$BPFCOST" sweep --workload madvise_free --hook tp --body count,ringbuf --threads "$NCPU" \
  --flow multi --arrival poisson --rates 1k,1m --duration 0.2 --no-stats > "$TMP/table.txt" 2>&1
wide=$(awk 'length($0) > 80' "$TMP/table.txt" | wc -l)
check sweep_table_80_columns [ "$wide" -eq 0 ]
check sweep_table_one_line_per_rate [ "$(grep -c '^ *1k ' "$TMP/table.txt")" -ge 2 ]
"$BPFCOST" sweep --workload getpid --body empty --rates 1k --duration 0.2 --no-stats --csv \
  > "$TMP/out.csv" 2>/dev/null
check sweep_csv [ "$(head -1 "$TMP/out.csv" | cut -d, -f1-3)" = workload,hook,body ]
check sweep_csv_rows [ "$(wc -l < "$TMP/out.csv")" -eq 2 ]

# ---- contention: 2 threads, exact counts per CPU ----
if [ "$NCPU" -lt 2 ]; then
  skip sweep_contention "needs 2 CPUs, $NCPU online"
else
  for flow in single multi; do
    f=$TMP/cont-$flow.json
    if "$BPFCOST" sweep --workload getpid --hook tp --body hash,percpu_array --threads 2 \
         --flow $flow --rates 20k,max --duration 0.4 --no-stats --json -o "$f" > /dev/null 2> "$TMP/cont.err"; then
      check "sweep_contention_${flow}_ok" [ "$(jpy "$f" "all(p['status']=='ok' for p in d['points'])")" = True ]
      check "sweep_contention_${flow}_exact" [ "$(jpy "$f" "all(len(p['per_thread'])==2 and all(t['ops']==t['events'] and t['ops']>0 for t in p['per_thread']) and sum(t['ops'] for t in p['per_thread'])==p['produced'] for p in d['points'])")" = True ]
      check "sweep_contention_${flow}_cpus" [ "$(jpy "$f" "sorted(t['cpu'] for t in d['points'][0]['per_thread'])==[0,1]")" = True ]
    else
      nok "sweep_contention_$flow" "exit $?: $(head -c 300 "$TMP/cont.err")"
    fi
  done
fi

# ---- a full run: its programs are gone after it exits ----
"$BPFCOST" sweep --workload getpid --hook tp --body ringbuf,hash --rates 1k --duration 1 \
  --no-stats > /dev/null 2>&1 &
pid=$!
sleep 1
held_progs $pid > "$TMP/held-run"
wait $pid
check sweep_run_exit_0 [ $? -eq 0 ]
gone_check sweep_nothing_left_after_run "$TMP/held-run"

# ---- SIGINT: finished points kept, everything unloaded ----
f=$TMP/int.json
"$BPFCOST" sweep --workload getpid --hook tp --body ringbuf --rates 1k,2k,3k,4k --duration 2 \
  --json -o "$f" > /dev/null 2>&1 &
pid=$!
# -o is written after each point: interrupt once the first is there
for _ in $(seq 1 100); do [ -s "$f" ] && break; sleep 0.2; done
sleep 0.5
held_progs $pid > "$TMP/held-int"
kill -INT $pid
wait $pid
rc=$?
check sweep_sigint_exit_130 [ $rc -eq 130 ]
check sweep_sigint_json [ "$(jpy "$f" "d['interrupted'] and len(d['points'])>=1 and all(p['status']=='ok' for p in d['points'])")" = True ]
gone_check sweep_nothing_left_after_sigint "$TMP/held-int"
