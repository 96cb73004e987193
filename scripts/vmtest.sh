#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make vmtest: boot a stock kernel under qemu and run bpfcost check and bench
# inside it, so every hook (kprobe and fentry included) runs even where the
# host kernel lacks them, and results from several kernels can be compared.
#
# USAGE: scripts/vmtest.sh [OPTIONS]
#   --kernel PATH      boot this bzImage instead of Debian's stock kernel
#   --package LIST     Debian kernel metapackage(s) to fetch, comma list
#                      (default linux-image-amd64; also linux-image-rt-amd64,
#                      linux-image-cloud-amd64, or an image package itself);
#                      each kernel is booted in turn
#   --modules DIR      modules tree (lib/modules/RELEASE) to put in the guest
#   --modprobe LIST    comma list of modules the guest loads before the tests
#   --accel MODE       auto (KVM if the guest really boots, else TCG), kvm, tcg
#   --mem MB           guest memory (default 1024; more for big --modules)
#   --ops N --trials N bench size in the guest (default 2000, 2)
#   --bench-args ARGS  the whole bench command line instead of the default
#   --bpfcost PATH     static bpfcost to put in the guest (default: make static)
#   --boot-timeout S   seconds until the guest's /init must report (default 120)
#   --timeout S        seconds for the whole guest run (default 480)
#   --kvm-probe S      seconds KVM gets to print the kernel banner (default 10)
#   --out DIR          results root (default build/vmtest/results)
# Environment: KERNEL, MODULES, PACKAGE, VMTEST_ACCEL, VMTEST_MEM, VMTEST_OPS, VMTEST_TRIALS.
#
# Prints one line per check (ok NAME / not ok NAME: why / skip NAME: why) and
# "N passed, N failed, N skipped". Exit 0 when nothing failed. Results go to
# OUT/RELEASE/{check,bench}.json with the console log.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMDIR=$BUILD/vmtest

kernel=${KERNEL:-} modules=${MODULES:-} modprobe=""
package=${PACKAGE:-linux-image-amd64}
accel=${VMTEST_ACCEL:-auto}
mem_mb=${VMTEST_MEM:-1024}
ops=${VMTEST_OPS:-2000} trials=${VMTEST_TRIALS:-2}
bench_args="" bpfcost_bin=""
boot_timeout_s=120 total_timeout_s=480 kvm_probe_s=10
out=$VMDIR/results

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die_usage() { echo "vmtest: $*" >&2; exit 2; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die_usage "$1 needs a value"; }
is_uint() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }
orig_args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) need_arg "$@"; kernel=$2; shift ;;
    --package) need_arg "$@"; package=$2; shift ;;
    --modules) need_arg "$@"; modules=$2; shift ;;
    --modprobe) need_arg "$@"; modprobe=$2; shift ;;
    --accel) need_arg "$@"; accel=$2; shift ;;
    --mem) need_arg "$@"; mem_mb=$2; shift ;;
    --ops) need_arg "$@"; ops=$2; shift ;;
    --trials) need_arg "$@"; trials=$2; shift ;;
    --bench-args) need_arg "$@"; bench_args=$2; shift ;;
    --bpfcost) need_arg "$@"; bpfcost_bin=$2; shift ;;
    --boot-timeout) need_arg "$@"; boot_timeout_s=$2; shift ;;
    --timeout) need_arg "$@"; total_timeout_s=$2; shift ;;
    --kvm-probe) need_arg "$@"; kvm_probe_s=$2; shift ;;
    --out) need_arg "$@"; out=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown option '$1' (accepted: --kernel --package --modules --modprobe --accel --mem --ops --trials --bench-args --bpfcost --boot-timeout --timeout --kvm-probe --out)" ;;
  esac
  shift
done
case "$accel" in auto|kvm|tcg) ;; *) die_usage "--accel '$accel' (accepted: auto, kvm, tcg)" ;; esac
for pair in mem_mb:--mem ops:--ops trials:--trials boot_timeout_s:--boot-timeout \
            total_timeout_s:--timeout kvm_probe_s:--kvm-probe; do
  v=${pair%%:*}
  is_uint "${!v}" && [ "${!v}" -gt 0 ] || die_usage "${pair#*:} '${!v}' is not a positive integer"
done
[ -n "$bench_args" ] || bench_args="--json --workload getpid --hook all --body empty,hash --ops $ops --trials $trials --cpu 0"

# Several packages: one run each (a later --package overrides), one summary.
if [ -z "$kernel" ] && [ "${package//,/}" != "$package" ]; then
  total_pass=0 total_fail=0 total_skip=0 worst=0 more=()
  mkdir -p "$VMDIR"
  for p in ${package//,/ }; do
    echo "# vmtest: package $p"
    "$0" "${orig_args[@]}" "${more[@]}" --package "$p" > >(while IFS= read -r line; do
      case "$line" in *" passed, "*" failed"*) echo "$line" > "$VMDIR/.summary.$p"; echo "# $p: $line" ;;
        "ok vmtest-boot ("*) echo "$line" > "$VMDIR/.accel.$p"; printf '%s\n' "$line" ;;
        *) printf '%s\n' "$line" ;; esac; done)
    rc=$?
    wait
    # The KVM probe's verdict holds for the next kernels too.
    if [ "$accel" = auto ] && [ -f "$VMDIR/.accel.$p" ]; then
      grep -q '(kvm' "$VMDIR/.accel.$p" && more=(--accel kvm)
      grep -q '(tcg' "$VMDIR/.accel.$p" && more=(--accel tcg)
    fi
    rm -f "$VMDIR/.accel.$p"
    [ $rc -gt $worst ] && worst=$rc
    read -r np _ nf _ ns _ < "$VMDIR/.summary.$p" 2>/dev/null || { np=0 nf=1 ns=0; echo "not ok vmtest-$p: no summary"; }
    rm -f "$VMDIR/.summary.$p"
    total_pass=$((total_pass + np)) total_fail=$((total_fail + nf)) total_skip=$((total_skip + ${ns:-0}))
  done
  echo "$total_pass passed, $total_fail failed, $total_skip skipped"
  exit $worst
fi

hooks="tp rawtp tp_btf fentry fexit kprobe kretprobe uprobe uretprobe"
t_start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# A broken kernel must fail here, in one line, before anything slow.
# kernel_check PATH: a bzImage whose size matches its header, or an ELF
# vmlinux (qemu boots those through PVH).
kernel_check() {
  local k=$1 magic setup_sects syssize need size
  [ -e "$k" ] || { echo "no such file"; return 1; }
  [ -f "$k" ] || { echo "not a regular file"; return 1; }
  [ -r "$k" ] || { echo "not readable"; return 1; }
  size=$(stat -c %s "$k")
  [ "$(head -c 4 "$k" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
  [ "$size" -ge 1024 ] || { echo "only $size bytes, not a kernel image"; return 1; }
  magic=$(dd if="$k" bs=1 skip=$((0x202)) count=4 2>/dev/null)
  [ "$magic" = HdrS ] || { echo "not a bzImage (no HdrS boot header) nor an ELF vmlinux"; return 1; }
  setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$k" | tr -d ' ')
  [ "$setup_sects" -eq 0 ] && setup_sects=4
  syssize=$(od -An -tu4 -j $((0x1f4)) -N4 "$k" | tr -d ' ')
  need=$(( (setup_sects + 1) * 512 + syssize * 16 ))
  [ "$size" -ge "$need" ] || { echo "truncated: $size bytes, its header says $need"; return 1; }
  return 0
}
# The release string a bzImage carries in its header (kernel_version field).
kernel_release() {
  local k=$1 ptr
  [ "$(dd if="$k" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] || return 0
  ptr=$(od -An -tu2 -j $((0x20e)) -N2 "$k" | tr -d ' ')
  [ "${ptr:-0}" -gt 0 ] || return 0
  dd if="$k" bs=1 skip=$((ptr + 0x200)) count=128 2>/dev/null | tr '\0' '\n' | head -1 | cut -d' ' -f1
}

if [ -n "$kernel" ]; then
  if ! why=$(kernel_check "$kernel"); then
    echo "not ok vmtest-kernel: $kernel: $why"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
if [ -n "$modules" ] && [ ! -d "$modules" ]; then
  echo "not ok vmtest-kernel: --modules $modules: not a directory"
  echo "0 passed, 1 failed"
  exit 1
fi

# Tools. A skip is allowed only when qemu cannot run at all. Another apt
# run holding the dpkg lock is waited out (up to 3 minutes), not skipped.
deps_ok=0 deps_err=$(mktemp)
for _ in $(seq 1 18); do
  if ./scripts/deps.sh scripts/packages-vmtest.txt 2> "$deps_err"; then deps_ok=1; break; fi
  grep -q 'Could not get lock\|Unable to acquire the dpkg' "$deps_err" || break
  sleep 10
done
[ $deps_ok -eq 1 ] || cat "$deps_err" >&2
rm -f "$deps_err"
if [ $deps_ok -eq 0 ]; then
  echo "skip vmtest: could not install $(grep -v '^#' scripts/packages-vmtest.txt | awk 'NF{print $1}' | tr '\n' ' ')"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
if ! qemu_err=$(timeout 20 qemu-system-x86_64 -machine none -display none -nodefaults -S \
      -monitor none -serial none -no-user-config -version 2>&1 >/dev/null); then
  echo "skip vmtest: qemu-system-x86_64 cannot start: ${qemu_err:-no output}" | head -1
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
# busybox-static installs /bin/busybox; the initramfs has no libc for a
# dynamic one.
busybox_bin=/bin/busybox

pass=0 fail=0 skipn=0
ok()   { echo "ok $1"; pass=$((pass + 1)); }
nok()  { echo "not ok $1: $2"; fail=$((fail + 1)); }
finish() {
  echo "# vmtest: total $(elapsed "$t_start") s"
  echo "$pass passed, $fail failed, $skipn skipped"
  [ $fail -eq 0 ]
  exit
}

mkdir -p "$VMDIR"
work=$(mktemp -d "$VMDIR/run.XXXXXX")
qemu_pid=""
stop_qemu() {
  if [ -n "$qemu_pid" ]; then
    kill "$qemu_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_pid=""
  fi
}
trap 'stop_qemu; rm -rf "$work"' EXIT
trap 'echo "not ok vmtest: interrupted"; echo "$pass passed, $((fail + 1)) failed, $skipn skipped"; exit 130' INT TERM

# The static bpfcost for the guest.
if [ -z "$bpfcost_bin" ]; then
  mkdir -p "$BUILD/static"
  if ! make --no-print-directory -s static > "$work/make.log" 2>&1; then
    nok vmtest-build "make static failed: $(grep -m1 -iE 'error|cannot' "$work/make.log" || tail -1 "$work/make.log")"
    finish
  fi
  bpfcost_bin=$BUILD/bpfcost-static
fi
[ -x "$bpfcost_bin" ] || { nok vmtest-build "$bpfcost_bin is not an executable"; finish; }
for b in "$busybox_bin" "$bpfcost_bin"; do
  # A dynamic binary dies in the guest with a bare "not found".
  if [ "$(head -c 4 "$b" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && readelf -lW "$b" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    nok vmtest-build "$b is dynamically linked; the guest has no shared libraries"
    finish
  fi
done

# The stock kernel: the image package the metapackage (linux-image-amd64)
# depends on, cached by package version under build/vmtest/kernels. An image
# package named directly depends on no other linux-image-* and is used as is.
if [ -z "$kernel" ]; then
  t0=$(date +%s.%N)
  resolve() {
    apt-cache show "$package" > /dev/null 2>&1 || return 0
    apt-cache depends "$package" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; f = 1; exit } END { if (!f) print "'"$package"'" }'
  }
  pkg=$(resolve)
  if [ -z "$pkg" ]; then
    apt-get update -qq > "$work/apt.log" 2>&1
    pkg=$(resolve)
  fi
  [ -n "$pkg" ] || { nok vmtest-kernel "apt knows no package $package (apt-cache show $package)"; finish; }
  ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  kdir=$VMDIR/kernels/${pkg}_$ver
  kernel=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
  if [ -n "$kernel" ]; then
    echo "# vmtest: cached $pkg $ver"
  else
    rm -rf "$kdir" && mkdir -p "$work/deb"
    # _apt cannot write into a root-owned work dir; download as root.
    if (cd "$work/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg") > "$work/apt.log" 2>&1; then
      # Only boot/ is needed: the bench needs no modules (BTF is built in).
      mkdir -p "$kdir"
      if ! dpkg-deb --fsys-tarfile "$work"/deb/*.deb | tar -x -C "$kdir" ./boot; then
        rm -rf "$kdir"
        nok vmtest-kernel "could not extract boot/ from $(ls "$work"/deb)"
        finish
      fi
      kernel=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
      [ -n "$kernel" ] || { nok vmtest-kernel "$pkg has no boot/vmlinuz-*"; finish; }
      echo "# vmtest: downloaded $pkg $ver in $(elapsed "$t0") s"
    else
      # Offline: an older cached version of the same package still boots.
      kernel=$(ls -t "$VMDIR"/kernels/"${pkg}"_*/boot/vmlinuz-* 2>/dev/null | head -1)
      if [ -z "$kernel" ]; then
        nok vmtest-kernel "apt-get download $pkg failed: $(grep -m1 '^E:' "$work/apt.log" || tail -1 "$work/apt.log")"
        finish
      fi
      echo "# vmtest: apt-get download $pkg failed; using cached $kernel"
    fi
  fi
  if ! why=$(kernel_check "$kernel"); then nok vmtest-kernel "$kernel: $why"; finish; fi
fi
release=$(kernel_release "$kernel")
[ -n "$release" ] || release=$(basename "$kernel" | sed 's/^vmlinuz-//')

# The initramfs: busybox, bpfcost, /init, its settings, optional modules.
root=$work/root
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp}
cp "$busybox_bin" "$root/bin/busybox"
cp "$bpfcost_bin" "$root/bin/bpfcost"
cp scripts/vmtest-init.sh "$root/init"
chmod 0755 "$root/init" "$root/bin/busybox" "$root/bin/bpfcost"
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "OPS=$(sq "$ops")"
  echo "TRIALS=$(sq "$trials")"
  # The guest's own limits end inside the host's, so a hung command still
  # leaves the other's results and its stderr on the console.
  check_timeout_s=$(( total_timeout_s / 4 ))
  bench_timeout_s=$(( total_timeout_s - check_timeout_s - 30 ))
  [ $bench_timeout_s -ge 10 ] || bench_timeout_s=10
  echo "CHECK_TIMEOUT_S=$check_timeout_s"
  echo "BENCH_TIMEOUT_S=$bench_timeout_s"
  echo "BENCH_ARGS=$(sq "$bench_args")"
  echo "MODPROBE=$(sq "$modprobe")"
} > "$root/etc/vmtest.conf"
# The kernel's config, when it sits next to the image (Debian's does), for
# tools that look in /boot (Debian kernels have no /proc/config.gz).
if [ -f "$(dirname "$kernel")/config-$release" ]; then
  mkdir -p "$root/boot"
  cp "$(dirname "$kernel")/config-$release" "$root/boot/"
fi
if [ -n "$modules" ]; then
  # Accept either the release directory itself or a tree holding lib/modules.
  src=$modules
  [ -d "$modules/lib/modules" ] && src=$(ls -d "$modules"/lib/modules/* | head -1)
  mkdir -p "$root/lib/modules"
  cp -a "$src" "$root/lib/modules/$release"
fi
initrd=$work/initramfs.cpio.gz
if ! (cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$initrd"; then
  nok vmtest-initramfs "cpio/gzip failed"
  finish
fi

# Boot. Under auto, KVM gets kvm_probe_s to print the kernel banner; a
# nested KVM guest that hangs (as on these machines) falls back to TCG.
log=$work/console.log
boot_one() { # boot_one kvm|tcg: start qemu in the background
  local a=$1 cpu=max
  [ "$a" = kvm ] && cpu=host
  : > "$log"
  qemu-system-x86_64 -machine "pc,accel=$a" -cpu "$cpu" -m "$mem_mb" -smp 2 \
    -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 oops=panic vmtest.accel=$a" \
    > "$work/qemu.err" 2>&1 &
  qemu_pid=$!
  boot_t0=$(date +%s.%N)
}
# wait_for PATTERN SECONDS: 0 when the console shows PATTERN, 1 on timeout,
# 2 when qemu exited first, 3 when the kernel halted (a broken image stops
# in the decompressor's endless hlt loop, so waiting longer is pointless).
wait_for() {
  local deadline=$(( $(date +%s) + $2 ))
  while :; do
    grep -qa -- "$1" "$log" 2>/dev/null && return 0
    kill -0 "$qemu_pid" 2>/dev/null || { grep -qa -- "$1" "$log" 2>/dev/null && return 0; return 2; }
    grep -qaE -- '-- System halted|Kernel panic - not syncing' "$log" 2>/dev/null && return 3
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}
# The console's last two lines, which name the cause of most boot failures.
last_console_line() {
  tr -d '\r' < "$log" | tr -cd '[:print:]\n' | grep -av '^[[:space:]]*$' | tail -2 \
    | sed 's/^[[:space:]]*//' | paste -sd'|' | sed 's/|/ | /' | cut -c1-200
}
qemu_failed() { # one line on why qemu stopped
  local e
  e=$(grep -v '^[[:space:]]*$' "$work/qemu.err" | head -1)
  echo "qemu exited before /init reported${e:+: $e}${e:-; console ends: '$(last_console_line)'}"
}

chosen=$accel
if [ "$accel" != tcg ]; then
  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    [ "$accel" = kvm ] && { nok vmtest-boot "--accel kvm but /dev/kvm is not usable"; finish; }
    chosen=tcg
    echo "# vmtest: no usable /dev/kvm, using TCG"
  else
    boot_one kvm
    wait_for 'Linux version' "$kvm_probe_s"; r=$?
    if [ $r -eq 0 ]; then
      chosen=kvm
    else
      stop_qemu
      case $r in
        1) why="KVM guest printed no kernel banner within $kvm_probe_s s (nested KVM hangs on some hosts)" ;;
        2) why="KVM qemu exited: $(grep -v '^[[:space:]]*$' "$work/qemu.err" | head -1)" ;;
        *) why="KVM guest stopped: '$(last_console_line)'" ;;
      esac
      [ "$accel" = kvm ] && { nok vmtest-boot "$why"; finish; }
      echo "# vmtest: $why; using TCG"
      chosen=tcg
    fi
  fi
fi
[ "$chosen" = tcg ] && boot_one tcg

wait_for '@@VMTEST BOOTED' "$boot_timeout_s"; r=$?
case $r in
  1) stop_qemu; nok vmtest-boot "no report from the guest's /init within $boot_timeout_s s ($chosen); console ends: '$(last_console_line)'"; finish ;;
  3) stop_qemu; nok vmtest-boot "kernel stopped during boot ($chosen): '$(last_console_line)'"; finish ;;
  2) qemu_pid=""; nok vmtest-boot "$(qemu_failed)"; finish ;;
esac
boot_s=$(elapsed "$boot_t0")
ok "vmtest-boot ($chosen, $boot_s s)"

# The rest of the run: check, bench, dmesg, then poweroff.
wait_for '@@VMTEST DONE' "$total_timeout_s"; r=$?
guest_s=$(elapsed "$boot_t0")
if [ $r -eq 0 ]; then
  # /init powers off right after DONE; give qemu a moment, then make sure.
  for _ in $(seq 1 50); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.2; done
elif [ $r -eq 1 ]; then
  finish_why="guest did not finish within $total_timeout_s s; console ends: '$(last_console_line)'"
else
  finish_why="guest stopped before finishing; console ends: '$(last_console_line)'"
fi
stop_qemu
echo "# vmtest: guest ran $guest_s s under $chosen"
[ $r -ne 0 ] && nok vmtest-finish "$finish_why"

# Host-side assertions and results files.
grel=$(tr -d '\r' < "$log" | sed -n 's/^@@VMTEST BOOTED release=\([^ ]*\).*/\1/p' | head -1)
[ -n "$grel" ] && release=$grel
dest=$out/$release
mkdir -p "$dest"
# A failed run must not leave an older run's results looking current.
rm -f "$dest"/check.json* "$dest"/bench.json* "$dest"/*.err "$dest"/*.out "$dest"/dmesg.txt
tr -d '\r' < "$log" > "$dest/console.log"
python3 scripts/vmtest_results.py "$dest/console.log" "$dest" "$chosen" "$hooks" > "$work/results.txt"
rc=$?
cat "$work/results.txt"
pass=$((pass + $(grep -c '^ok ' "$work/results.txt")))
fail=$((fail + $(grep -c '^not ok ' "$work/results.txt")))
skipn=$((skipn + $(grep -c '^skip ' "$work/results.txt")))
if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$work/results.txt"; then
  nok vmtest-results "scripts/vmtest_results.py exited $rc"
fi
echo "# vmtest: results in $dest"
finish
