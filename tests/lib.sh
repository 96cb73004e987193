# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/integration/test_*.sh. Each check reports one line:
#   ok NAME | not ok NAME: why | skip NAME: why
# tests/run.sh counts them. Run from the repository root.
set -u
BPFCOST=${BPFCOST:-./bpfcost}
TMP=$(mktemp -d /tmp/bpfcost-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok()   { echo "ok $1"; }
nok()  { echo "not ok $1: $2"; }
skip() { echo "skip $1: $2"; }
# check NAME CONDITION-COMMAND...: ok when the command succeeds.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else nok "$n" "$*"; fi; }

# IDs of loaded BPF programs, one per line, sorted.
prog_ids() { bpftool prog list 2>/dev/null | sed -n 's/^\([0-9][0-9]*\):.*/\1/p' | sort -n; }
# Programs present now that were not in the list saved in file $1.
new_progs() { prog_ids | comm -13 "$1" -; }
# leftover_check NAME BEFORE_FILE: ok when nothing new stays loaded.
# Waits a little: other users' short-lived programs (a developer's machine
# is shared) come and go; ours must simply not be there.
leftover_check() {
  local extra i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.3
    extra=$(new_progs "$2" | tr '\n' ' ')
    [ -z "$extra" ] && break
  done
  if [ -z "$extra" ]; then ok "$1"; else nok "$1" "programs left loaded: $extra"; fi
}
# JSON queries through python3 (present on these machines); jq-like helper:
#   jpy FILE 'expression over d'   prints the expression's value
jpy() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }
# stop_tool PID: stop a background tool we started and reap it. SIGINT,
# repeated each second, then SIGKILL after 10 s: bpftrace 0.17 (Debian 12)
# loses a SIGINT that lands outside its epoll_wait (another thread takes
# it, or it arrives between two waits) and then polls forever; one lost
# signal must not hang the suite.
stop_tool() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    kill -INT "$1" 2>/dev/null || break
    sleep 0.1
    kill -0 "$1" 2>/dev/null || break
    sleep 0.9
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}
# Start a command in the background with tracefs mounted, in a private
# mount namespace when the host has it unmounted (the host's mounts are not
# changed): `with_tracefs CMD ARGS... & pid=$!` gives the command's own PID
# (the subshell, unshare and sh all exec into it).
with_tracefs() {
  exec unshare -m --propagation private sh -c \
    '[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing; exec "$@"' sh "$@"
}
# The bpf_trace_printk event in the global trace buffer (the host's, read
# through a private tracefs mount when it has none): printk_event prints
# 0, 1 or absent; printk_event V sets it to V.
printk_event() {
  unshare -m --propagation private sh -c 'T=/sys/kernel/tracing
    [ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
    f=$T/events/bpf_trace/bpf_trace_printk/enable
    if [ ! -f $f ]; then echo absent; elif [ -n "$1" ]; then echo "$1" > $f; else cat $f; fi' sh "${1:-}"
}
# A free TCP port on loopback.
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
# wait_for FILE PATTERN SECS: until FILE has a line matching PATTERN.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# prom_start TARGET RULES [N]: a real Prometheus (storage under $TMP, a free
# loopback port) scraping job "bpfcost" at TARGET every second with RULES
# loaded, until it holds N scrapes (default 5; 30 s at most). Sets PP (its
# port) and PROM (its pid, added to the caller's PIDS). Then `q QUERY`
# prints the query API's answer and `q ... | val` the first value or none.
prom_start() {
  local i n
  PP=$(free_port)
  printf '%s\n' 'global:' '  scrape_interval: 1s' '  evaluation_interval: 1s' \
    "rule_files: [\"$2\"]" 'scrape_configs:' '  - job_name: bpfcost' '    static_configs:' \
    "      - targets: [\"$1\"]" > "$TMP/prom.yml"
  prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom-data" \
    --web.listen-address=127.0.0.1:"$PP" --log.level=warn > "$TMP/prom.log" 2>&1 &
  PROM=$!; PIDS+=("$PROM")
  for i in $(seq 50); do curl -sf "http://127.0.0.1:$PP/-/ready" > /dev/null && break; sleep 0.2; done
  # its first scrape may come late
  for i in $(seq 60); do
    n=$(q 'count_over_time(bpfcost_up{job="bpfcost"}[1m])' | val)
    [ "${n%.*}" != none ] && [ "${n%.*}" -ge "${3:-5}" ] 2>/dev/null && break
    sleep 0.5
  done
  echo "# prometheus: ${n:-0} scrapes stored after $((i / 2)) s"
}
q() { curl -s "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1"; }
val() { python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; print(r[0]['value'][1] if r else 'none')" 2>/dev/null || echo none; }
