#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The exporter's --web-config (Prometheus exporter-toolkit format): bad
# files get one line and exit 2; over https the right password gets
# metrics, a wrong one 401, plain http nothing; a scrape storm (parallel
# clients, new TLS connections, wrong passwords) leaves the exporter's CPU
# and memory bounded while it keeps answering.
source tests/lib.sh
STORM_S=6        # seconds of storm
STORM_CLIENTS=16 # parallel connections
BUDGET=0.25      # PROM_CPU_BUDGET in src/top/prom.c: a quarter of one CPU

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
for t in openssl curl python3; do
  command -v $t > /dev/null || { skip webconfig "$t not installed (scripts/packages.txt)"; exit 0; }
done

cd "$TMP" || exit 1
BPFCOST=$(cd "$OLDPWD" && realpath "$BPFCOST")
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 > /dev/null 2>&1
openssl ecparam -genkey -name prime256v1 -out other.key > /dev/null 2>&1
# bcrypt of "s3cret-pass", cost 10 (htpasswd -nbBC 10 "" s3cret-pass); the
# same hash as $2y$ (libxcrypt reads both)
HASH='$2b$10$SVj/OcGFnSVPzKXO6HKxm.jdmeakc6sXjRrpXAErEAcBwT0Ry3A1G'
cat > web.yml <<EOF
# exporter-toolkit web config; relative paths are relative to this file
tls_server_config:
  cert_file: tls.crt
  key_file: tls.key
basic_auth_users:
  alice: '$HASH'
  bob: '\$2y\$${HASH#\$2b\$}'
http_server_config:
  headers:
    Strict-Transport-Security: max-age=31536000
EOF

# --- bad files: one line naming the problem, exit 2 ------------------------
bad() { # NAME YAML [pattern the line must contain]
  printf '%s\n' "$2" > bad.yml
  $BPFCOST top --prometheus 127.0.0.1:0 --web-config bad.yml > out 2> err
  local rc=$? n; n=$(wc -l < err)
  if [ $rc -eq 2 ] && [ "$n" -eq 1 ] && grep -q -- "$3" err; then ok "bad web config: $1"
  else nok "bad web config: $1" "rc=$rc, $n lines: $(head -c 300 err)"; fi
}
bad "unknown key" 'tls_config: {}' "unknown key 'tls_config'"
bad "not YAML" 'tls_server_config: [1' 'not valid YAML'
bad "not a mapping" '- a' 'must be a mapping'
bad "cert without key" $'tls_server_config:\n  cert_file: tls.crt' 'needs both cert_file and key_file'
bad "missing cert file" $'tls_server_config:\n  cert_file: nope.crt\n  key_file: tls.key' 'nope.crt: No such file'
bad "key of another cert" $'tls_server_config:\n  cert_file: tls.crt\n  key_file: other.key' 'do not match'
bad "bad min_version" $'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS14' 'accepted: TLS10, TLS11, TLS12, TLS13'
bad "client certificates" $'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_ca_file: tls.crt' 'not supported by bpfcost'
bad "plain password" $'basic_auth_users:\n  alice: s3cret-pass' 'not a bcrypt hash'
bad "cut hash" $'basic_auth_users:\n  alice: $2y$10$abc' 'malformed bcrypt hash'
bad "user twice" $'basic_auth_users:\n  alice: '"'$HASH'"$'\n  alice: '"'$HASH'" 'appears twice'
bad "header not allowed" $'http_server_config:\n  headers:\n    Server: x' 'cannot be set'
$BPFCOST top --prometheus 127.0.0.1:0 --web-config nonexistent.yml > out 2> err
check "bad web config: missing file, exit 2 with one line" test $? -eq 2 -a "$(wc -l < err)" -eq 1
$BPFCOST top --once --web-config web.yml > out 2> err
check "--web-config without --prometheus: exit 2" test $? -eq 2 -a "$(wc -l < err)" -eq 1

# --- https, basic auth, plain http -----------------------------------------
before=$TMP/before
prog_ids > "$before"
P=$(free_port)
$BPFCOST top --prometheus 127.0.0.1:$P --web-config web.yml --no-calibrate 2> exp.err &
EXP=$!; PIDS+=($EXP)
if ! wait_for exp.err serving 10; then
  nok "exporter with TLS starts" "$(head -c 300 exp.err)"
  exit 0
fi
check "exporter says https and basic auth" grep -q "serving Prometheus metrics on https://127.0.0.1:$P/metrics (basic auth)" exp.err
URL=https://localhost:$P/metrics
code() { curl -s -o body -D headers -w '%{http_code}' --cacert tls.crt --resolve localhost:$P:127.0.0.1 "$@"; }
c=$(code -u alice:s3cret-pass "$URL")
if [ "$c" = 200 ] && grep -qx 'bpfcost_up 1' body; then ok "https, right password: metrics"
else nok "https, right password: metrics" "HTTP $c: $(head -c 200 body)"; fi
check "https: the configured header is sent" grep -qi '^Strict-Transport-Security: max-age=31536000' headers
c=$(code -u bob:s3cret-pass "$URL")
check "https, \$2y\$ hash: metrics" test "$c" = 200
c=$(code -u alice:wrong "$URL")
if [ "$c" = 401 ] && ! grep -q bpfcost_up body && grep -qi '^WWW-Authenticate: Basic realm="bpfcost"' headers; then
  ok "https, wrong password: 401, no metrics"
else nok "https, wrong password: 401, no metrics" "HTTP $c"; fi
sleep 1.1 # the bcrypt budget: 2 new passwords a second (burst 4)
c=$(code "$URL")
check "https, no password: 401" test "$c" = 401
c=$(code -u mallory:s3cret-pass "$URL")
check "https, unknown user: 401" test "$c" = 401
c=$(code -u alice:s3cret-pass https://localhost:$P/)
check "https, landing page behind the password too" test "$c" = 200
c=$(code https://localhost:$P/)
check "https, landing page without password: 401" test "$c" = 401
curl -s -m 5 "http://127.0.0.1:$P/metrics" > plain 2>&1
if grep -q bpfcost_up plain; then nok "plain http: no metrics" "got metrics over http"
else ok "plain http: no metrics"; fi
curl -s -m 5 -u alice:s3cret-pass "http://127.0.0.1:$P/metrics" > plain 2>&1
check "plain http with the password: no metrics" bash -c "! grep -q bpfcost_up plain"
code -u alice:s3cret-pass "$URL" > /dev/null
check "the exporter counts 401s" grep -q '^bpfcost_exporter_auth_failures_total{code="401"} [1-9]' body

# --- a scrape storm ------------------------------------------------------------
# From 127.0.0.1: STORM_CLIENTS parallel connections for STORM_S seconds,
# each request on a new TLS connection with a wrong password (the dearest
# request there is: a handshake and a bcrypt run), and as many with the
# right password, which fill that address's share of connections (32).
# Meanwhile a scraper from another address (127.0.0.2) asks every half
# second with the right password and must get its metrics each time.
cpu_ticks() { awk '{ print $14 + $15 }' /proc/$EXP/stat; }
rss_kb() { awk '/^VmRSS/ { print $2 }' /proc/$EXP/status; }
hz=$(getconf CLK_TCK)
rss0=$(rss_kb); t0=$(date +%s.%N); c0=$(cpu_ticks)
timeout $STORM_S curl -s -k --parallel --parallel-max $STORM_CLIENTS -H 'Connection: close' \
  -u alice:wrong "https://127.0.0.1:$P/metrics?[1-1000000]" > /dev/null 2>&1 &
STORM=$!; PIDS+=($STORM)
timeout $STORM_S curl -s -k --parallel --parallel-max $STORM_CLIENTS \
  -u alice:s3cret-pass "https://127.0.0.1:$P/metrics?[1-1000000]" > /dev/null 2>&1 &
STORM2=$!; PIDS+=($STORM2)
asked=0 answered=0 rss_max=$rss0 slowest=0 codes=""
end=$(( $(date +%s) + STORM_S ))
while [ "$(date +%s)" -lt $end ]; do
  asked=$((asked + 1))
  s=$(date +%s%N)
  c=$(code -m 10 --interface 127.0.0.2 -u alice:s3cret-pass "$URL")
  [ "$c" = 200 ] && grep -qx 'bpfcost_up 1' body && answered=$((answered + 1))
  codes="$codes $c"
  ms=$(( ($(date +%s%N) - s) / 1000000 )); [ $ms -gt $slowest ] && slowest=$ms
  r=$(rss_kb); [ "$r" -gt "$rss_max" ] && rss_max=$r
  sleep 0.5
done
wait $STORM $STORM2 2>/dev/null
c1=$(cpu_ticks); t1=$(date +%s.%N)
cpu=$(python3 -c "print('%.3f' % (($c1 - $c0) / $hz / ($t1 - $t0)))")
echo "# storm: exporter CPU $cpu of one CPU over $(python3 -c "print('%.1f' % ($t1 - $t0))") s, RSS ${rss0} -> max ${rss_max} kB, scraper answered $answered/$asked (HTTP$codes), slowest ${slowest} ms"
code -u alice:s3cret-pass "$URL" > /dev/null
grep -E '^bpfcost_exporter_(throttled|auth_failures)' body | sed 's/^/# /'
check "storm: the scraper with the password got metrics every time" test "$answered" -eq "$asked" -a "$asked" -ge 3
# the budget, plus the bucket's burst (0.2 s of CPU) spread over the storm, plus slack
check "storm: exporter CPU within its budget ($BUDGET of a CPU)" \
  python3 -c "import sys; sys.exit(0 if $cpu <= $BUDGET + 0.2 / $STORM_S + 0.1 else 1)"
check "storm: exporter memory grew less than 32 MiB" test $((rss_max - rss0)) -lt 32768
check "storm: new passwords beyond the bcrypt budget got 429" grep -q '^bpfcost_exporter_auth_failures_total{code="429"} [1-9]' body
check "storm: the exporter still answers" grep -qx 'bpfcost_up 1' body
kill -INT $EXP; wait $EXP; rc=$?
check "exporter exits 0 on SIGINT after the storm" test $rc -eq 0

# --- min_version TLS13 is enforced by the server -----------------------------
cat > tls13.yml <<EOF
tls_server_config:
  cert_file: tls.crt
  key_file: tls.key
  min_version: TLS13
EOF
P=$(free_port)
$BPFCOST top --prometheus 127.0.0.1:$P --web-config tls13.yml --no-calibrate 2> exp2.err &
EXP=$!; PIDS+=($EXP)
wait_for exp2.err serving 10
c=$(code "https://localhost:$P/metrics")
check "min_version TLS13: a TLS 1.3 client gets metrics (no users: no password)" test "$c" = 200
c=$(code --tls-max 1.2 "https://localhost:$P/metrics")
check "min_version TLS13: a TLS 1.2 client is refused" test "$c" = 000
kill -INT $EXP; wait $EXP
leftover_check "webconfig: nothing left loaded" "$before"
