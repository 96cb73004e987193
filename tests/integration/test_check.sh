#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost check on this kernel: real loads and attaches, specific reasons.
source tests/lib.sh
before=$TMP/before; prog_ids > "$before"

if ! $BPFCOST check --json > "$TMP/check.json" 2> "$TMP/err"; then
  nok check_runs "exit $?: $(head -c 300 "$TMP/err")"; exit 0
fi
ok check_runs
check check_schema jpy "$TMP/check.json" 'd["schema"] == "bpfcost.check/1" or exit(1)'

avail() { jpy "$TMP/check.json" "[h['available'] for h in d['hooks'] if h['name']=='$1'][0]"; }
reason() { jpy "$TMP/check.json" "[h['reason'] for h in d['hooks'] if h['name']=='$1'][0]"; }

for h in tp rawtp tp_btf uprobe uretprobe; do
  [ "$(avail $h)" = True ] && ok "check_hook_$h" || nok "check_hook_$h" "not available: $(reason $h)"
done
# kprobes: this machine's kernel is built without them; elsewhere they work.
for h in kprobe kretprobe; do
  if [ -d /sys/bus/event_source/devices/kprobe ]; then
    [ "$(avail $h)" = True ] && ok "check_hook_$h" || nok "check_hook_$h" "$(reason $h)"
  else
    r=$(reason $h)
    case "$r" in *CONFIG_KPROBES*) ok "check_hook_${h}_reason" ;;
      *) nok "check_hook_${h}_reason" "reason does not name CONFIG_KPROBES: $r" ;; esac
  fi
done
for h in fentry fexit; do
  if [ "$(avail $h)" = True ]; then ok "check_hook_$h"
  else
    r=$(reason $h)
    case "$r" in *EPERM*|*BTF*) ok "check_hook_${h}_reason" ;;
      *) nok "check_hook_${h}_reason" "unspecific reason: $r" ;; esac
  fi
done
for m in hash percpu_hash lru_hash array percpu_array ringbuf perf_event_array; do
  a=$(jpy "$TMP/check.json" "[x['available'] for x in d['maps'] if x['name']=='$m'][0]")
  [ "$a" = True ] && ok "check_map_$m" || nok "check_map_$m" "not available"
done
check check_env_fields jpy "$TMP/check.json" \
  'all(k in d["env"] for k in ("kernel","cpu_model","cpus_online","smt","virtualization","governor","turbo","mitigations","bpf_jit_enable","btf","bpf_enable_stats")) or exit(1)'
check check_stats_off jpy "$TMP/check.json" 'int(open("/proc/sys/kernel/bpf_stats_enabled").read()) == 0 or exit(1)'

# human output: 80 columns
$BPFCOST check > "$TMP/check.txt" 2>&1
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/check.txt")
[ "$w" -le 80 ] && ok check_80_columns || nok check_80_columns "widest line $w"
grep -q '^kprobe .*no' "$TMP/check.txt" || [ -d /sys/bus/event_source/devices/kprobe ] \
  && ok check_table_kprobe || nok check_table_kprobe "no kprobe row"

# bad input: one line, exit 2
$BPFCOST check --bogus > /dev/null 2> "$TMP/err"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && ok check_bad_flag || nok check_bad_flag "rc=$rc, $(wc -l < "$TMP/err") lines"

leftover_check check_nothing_left "$before"
