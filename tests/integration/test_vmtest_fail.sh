#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make vmtest with a broken kernel fails with one clear line, quickly, never
# hangs; a kernel booted without a feature (lockdown=confidentiality) gets
# the reason from check, hook by hook. The full boots are `make vmtest`;
# these parts are cheap enough for make test.
source tests/lib.sh

# run_vmtest NAME ARGS...: runs scripts/vmtest.sh with a deadline (DEADLINE
# seconds, 120 by default); leaves its output in $TMP/NAME.out, exit code in
# $rc and seconds in $secs.
run_vmtest() {
  local n=$1 t0
  shift
  t0=$(date +%s)
  timeout -k 5 "${DEADLINE:-120}" ./scripts/vmtest.sh "$@" > "$TMP/$n.out" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
}
# expect_one_failure NAME WORDS: non-zero exit (not the deadline's 124),
# exactly one "not ok" line, and it contains WORDS.
expect_one_failure() {
  local n=$1 words=$2 lines
  lines=$(grep -c '^not ok ' "$TMP/$n.out")
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    nok "vmtest-fail-$n" "vmtest.sh still running after ${DEADLINE:-120} s"
  elif [ $rc -eq 0 ]; then
    nok "vmtest-fail-$n" "exited 0: $(head -1 "$TMP/$n.out")"
  elif [ "$lines" -ne 1 ]; then
    nok "vmtest-fail-$n" "$lines 'not ok' lines, expected 1: $(tr '\n' '|' < "$TMP/$n.out" | cut -c1-200)"
  elif ! grep '^not ok ' "$TMP/$n.out" | grep -q -- "$words"; then
    nok "vmtest-fail-$n" "failure line lacks '$words': $(grep '^not ok ' "$TMP/$n.out")"
  else
    ok "vmtest-fail-$n ($secs s)"
  fi
}

# Checked before anything slow: no deps, no build, no download, no qemu.
run_vmtest missing --kernel "$TMP/no-such-bzImage"
expect_one_failure missing "no such file"

printf 'not a kernel\n%.0s' $(seq 200) > "$TMP/garbage"
run_vmtest garbage --kernel "$TMP/garbage"
expect_one_failure garbage "not a bzImage"

# A bzImage header (HdrS) whose syssize promises far more than the file has.
python3 - "$TMP/truncated" <<'PY'
import struct, sys
b = bytearray(4096)
b[0x1f1] = 4                                   # setup_sects
b[0x1f4:0x1f8] = struct.pack('<I', 0x100000)   # syssize, 16-byte units
b[0x202:0x206] = b'HdrS'
open(sys.argv[1], 'wb').write(b)
PY
run_vmtest truncated --kernel "$TMP/truncated"
expect_one_failure truncated "truncated"

run_vmtest badaccel --accel warp
if [ $rc -eq 2 ] && grep -q "accepted: auto, kvm, tcg" "$TMP/badaccel.out"; then
  ok vmtest-fail-badaccel
else
  nok vmtest-fail-badaccel "exit $rc: $(head -1 "$TMP/badaccel.out")"
fi

# A real kernel with corrupt compressed data gets past the header checks and
# halts in the decompressor: vmtest must notice and stop qemu, not wait.
# Needs qemu and a kernel already fetched by make vmtest; else skipped.
# The newest cached kernel: 6.12 when make vmtest fetched the default three.
k=$(ls -v build/vmtest/kernels/*/boot/vmlinuz-* 2>/dev/null | tail -1)
if ! command -v qemu-system-x86_64 > /dev/null; then
  skip vmtest-fail-corrupt "qemu-system-x86_64 not installed (make vmtest installs it)"
  skip vmtest-fail-lockdown "qemu-system-x86_64 not installed (make vmtest installs it)"
  exit 0
elif [ -z "$k" ]; then
  skip vmtest-fail-corrupt "no cached kernel under build/vmtest/kernels (make vmtest fetches them)"
  skip vmtest-fail-lockdown "no cached kernel under build/vmtest/kernels (make vmtest fetches them)"
  exit 0
fi
cp "$k" "$TMP/corrupt"
size=$(stat -c %s "$TMP/corrupt")
dd if=/dev/zero of="$TMP/corrupt" bs=4096 seek=$((size / 8192)) count=4 conv=notrunc status=none
# The guest never gets as far as running it, so any executable will do.
printf '#!/bin/sh\nexit 0\n' > "$TMP/fake-bpfcost"
chmod +x "$TMP/fake-bpfcost"
run_vmtest corrupt --kernel "$TMP/corrupt" --accel tcg --boot-timeout 30 \
  --bpfcost "$TMP/fake-bpfcost" --out "$TMP/results"
expect_one_failure corrupt "-boot: kernel stopped during boot"

# A feature the kernel really lacks, switched off by its own command line:
# lockdown=confidentiality refuses kprobes (LOCKDOWN_KPROBES) and leaves
# tracefs empty (LOCKDOWN_TRACEFS). check must say so for exactly those
# hooks, naming the lockdown, and every other hook must still work; the
# guest's own kprobe_events test fails the same way. vmtest builds the
# static binary if make vmtest has not.
DEADLINE=300 run_vmtest lockdown --kernel "$k" --append lockdown=confidentiality \
  --steps check --accel tcg --out "$TMP/results"
got=$(sed -n 's/^not ok vmtest-[^ ]*-\(kprobe-events\|check-[a-z_]*\): .*/\1/p' "$TMP/lockdown.out" | sort | tr '\n' ' ')
want="check-kprobe check-kretprobe check-tp kprobe-events "
others=$(grep '^not ok ' "$TMP/lockdown.out" | grep -v -- '-kprobe-events: \|-check-\(tp\|kprobe\|kretprobe\): ')
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  nok vmtest-fail-lockdown "vmtest.sh still running after 300 s"
elif ! grep -q '^ok vmtest-[^ ]*-check-run' "$TMP/lockdown.out"; then
  nok vmtest-fail-lockdown "check did not run: $(grep -m1 '^not ok' "$TMP/lockdown.out")"
elif [ "$got" != "$want" ] || [ -n "$others" ]; then
  nok vmtest-fail-lockdown "failed checks '$got', expected '$want'${others:+; also: $(echo "$others" | head -1)}"
elif [ "$(grep '^not ok ' "$TMP/lockdown.out" | grep -c 'lockdown')" -ne 4 ]; then
  nok vmtest-fail-lockdown "a reason does not name the lockdown: $(grep '^not ok ' "$TMP/lockdown.out" | grep -v lockdown | head -1)"
elif [ "$(grep -c '^ok vmtest-[^ ]*-check-\(rawtp\|tp_btf\|fentry\|fexit\|uprobe\|uretprobe\)$' "$TMP/lockdown.out")" -ne 6 ]; then
  nok vmtest-fail-lockdown "the other six hooks did not all pass: $(grep -- '-check-' "$TMP/lockdown.out" | tr '\n' '|' | cut -c1-200)"
else
  ok "vmtest-fail-lockdown ($secs s: $(grep -m1 -- '-check-kprobe: ' "$TMP/lockdown.out" | sed 's/.*unsupported: //'))"
fi
