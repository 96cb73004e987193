#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The binary's surface: help for every command, bad commands, install.
source tests/lib.sh

cmds=$($BPFCOST --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ -n "$cmds" ] && ok cli_command_list || nok cli_command_list "no commands in --help"
for c in $cmds; do
  out=$($BPFCOST $c --help 2>&1); rc=$?
  w=$(printf '%s\n' "$out" | awk '{ if (length($0) > m) m = length($0) } END { print m+0 }')
  if [ $rc -eq 0 ] && [ "$w" -le 80 ] && printf '%s' "$out" | grep -q 'EXAMPLES\|Examples\|USAGE\|Usage'; then
    ok "cli_help_$c"
  else
    nok "cli_help_$c" "rc=$rc width=$w"
  fi
done

$BPFCOST > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok cli_no_command || nok cli_no_command "rc=$rc"
$BPFCOST frobnicate > /dev/null 2> "$TMP/err"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q 'accepted: check, bench' "$TMP/err" \
  && ok cli_unknown_command || nok cli_unknown_command "rc=$rc: $(cat "$TMP/err")"
$BPFCOST --version | grep -q "^bpfcost $(cat VERSION)$" && ok cli_version || nok cli_version "$($BPFCOST --version)"

# make install PREFIX=...: the binary and its man page
if make --no-print-directory install PREFIX="$TMP/prefix" > "$TMP/install.log" 2>&1; then
  [ -x "$TMP/prefix/bin/bpfcost" ] && "$TMP/prefix/bin/bpfcost" --version > /dev/null \
    && ok cli_install_binary || nok cli_install_binary "no working binary"
  [ -f "$TMP/prefix/share/man/man1/bpfcost.1" ] && man -l "$TMP/prefix/share/man/man1/bpfcost.1" > /dev/null 2>&1 \
    && ok cli_install_man || nok cli_install_man "no readable man page"
else
  nok cli_install "$(tail -3 "$TMP/install.log")"
fi
