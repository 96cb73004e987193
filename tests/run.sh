#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every unit and integration test and ends with "N passed, N failed".
#   tests/run.sh                 everything
#   tests/run.sh bench check     only integration tests whose name matches
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TIMEOUT=${TEST_TIMEOUT:-600}
pass=0 failn=0 skipn=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # reads TAP-ish lines on stdin, echoes them, counts them
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case "$line" in
      "ok "*" # SKIP"*|"ok "*"# skip"*|"skip "*) skipn=$((skipn+1)) ;;
      "ok "*) pass=$((pass+1)) ;;
      "not ok "*) failn=$((failn+1)) ;;
    esac
  done
}

if [ $# -eq 0 ]; then
  for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    echo "# unit: $(basename "$t")"
    CMOCKA_MESSAGE_OUTPUT=TAP timeout "$TIMEOUT" "$t" > "$log" 2>&1
    rc=$?
    count < <(grep -E '^(ok|not ok) ' "$log")
    if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log"; then
      echo "not ok $(basename "$t"): exited $rc"; failn=$((failn+1)); sed 's/^/#   /' "$log" | tail -20
    fi
  done
fi

for t in tests/integration/test_*.sh; do
  name=$(basename "$t" .sh); name=${name#test_}
  if [ $# -gt 0 ]; then
    m=0; for a in "$@"; do case "$name" in *"$a"*) m=1 ;; esac; done
    [ $m -eq 1 ] || continue
  fi
  echo "# integration: $name"
  start=$(date +%s)
  timeout -k 10 "$TIMEOUT" bash "$t" > "$log" 2>&1
  rc=$?
  count < <(grep -E '^(ok|not ok|skip) ' "$log")
  if [ $rc -ne 0 ]; then
    echo "not ok $name: script exited $rc"; failn=$((failn+1))
    grep -vE '^(ok|not ok|skip) ' "$log" | tail -20 | sed 's/^/#   /'
  elif grep -q '^not ok' "$log"; then
    grep -vE '^(ok|not ok|skip) ' "$log" | tail -20 | sed 's/^/#   /'
  fi
  echo "# $name: $(( $(date +%s) - start )) s"
done

echo "$pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
