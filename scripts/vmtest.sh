#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make vmtest: boot stock kernels under qemu and run bpfcost inside each
# (check, bench over all nine hooks, a short sweep, top, lint), so every
# hook (kprobe and fentry included) runs even where the host kernel lacks
# them, and the kernels users run can be compared side by side.
#
# USAGE: scripts/vmtest.sh [OPTIONS]
#   --kernels LIST     kernel series from Debian's archive, space or comma
#                      list (default "5.10 6.1 6.12": bullseye's 5.10,
#                      bookworm's 6.1 and 6.12); each is booted in turn
#   --kernel PATH      boot this bzImage or ELF vmlinux instead
#   --package LIST     Debian kernel package(s) instead, comma list
#                      (linux-image-amd64, linux-image-rt-amd64, an image
#                      package itself, ...)
#   --modules DIR      modules tree (lib/modules/RELEASE) to put in the guest
#   --modprobe LIST    comma list of modules the guest loads before the tests
#   --append ARGS      more kernel command line (e.g. lockdown=confidentiality)
#   --steps LIST       guest steps, comma list (default check,bench,sweep,top,lint)
#   --accel MODE       auto (KVM if the guest really boots, else TCG), kvm, tcg
#   --mem MB           guest memory (default 1024; more for big --modules)
#   --trials N         bench pairs per row in the guest (default 6, the
#                      fewest that give a 95% interval)
#   --ops N            bench ops per trial (default: sized by time)
#   --bench-args ARGS  the whole bench command line instead of the default
#   --sweep-args ARGS  the whole sweep command line instead of the default
#   --bpfcost PATH     static bpfcost to put in the guest (default: make static)
#   --boot-timeout S   seconds until the guest's /init must report (default 120)
#   --timeout S        seconds for a guest's steps after /init (default 900)
#   --kvm-probe S      seconds KVM gets to print the kernel banner (default 10)
#   --tcg-thread MODE  single (default: both vCPUs on one host thread) or
#                      multi (a thread each: faster, but a guest can oops
#                      when the other vCPU patches kernel text)
#   --out DIR          results root (default build/vmtest/results)
# Environment: KERNELS, KERNEL, MODULES, PACKAGE, VMTEST_ACCEL, VMTEST_MEM,
# VMTEST_OPS, VMTEST_TRIALS, VMTEST_STEPS, VMTEST_APPEND, VMTEST_TCG_THREAD.
#
# Kernels are fetched with apt-get through a private configuration under
# build/vmtest/apt (Debian's archive, its keyring); the machine's own apt
# sources and lists are never changed.
#
# Prints one line per check (ok NAME / not ok NAME: why / skip NAME: why),
# NAME starting vmtest-KERNEL-, and "N passed, N failed, N skipped". Exit 0
# when nothing failed. Results go to OUT/RELEASE/ with the console log.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMDIR=$BUILD/vmtest

kernels=${KERNELS:-"5.10 6.1 6.12"}
kernel=${KERNEL:-} modules=${MODULES:-} modprobe="" package=${PACKAGE:-}
append=${VMTEST_APPEND:-}
steps=${VMTEST_STEPS:-check,bench,sweep,top,lint}
accel=${VMTEST_ACCEL:-auto}
mem_mb=${VMTEST_MEM:-1024}
ops=${VMTEST_OPS:-} trials=${VMTEST_TRIALS:-6}
bench_args="" sweep_args="" bpfcost_bin=""
boot_timeout_s=120 total_timeout_s=900 kvm_probe_s=10
tcg_thread=${VMTEST_TCG_THREAD:-single}
out=$VMDIR/results

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die_usage() { echo "vmtest: $*" >&2; exit 2; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die_usage "$1 needs a value"; }
is_uint() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }
while [ $# -gt 0 ]; do
  case "$1" in
    --kernels) need_arg "$@"; kernels=$2; shift ;;
    --kernel) need_arg "$@"; kernel=$2; shift ;;
    --package) need_arg "$@"; package=$2; shift ;;
    --modules) need_arg "$@"; modules=$2; shift ;;
    --modprobe) need_arg "$@"; modprobe=$2; shift ;;
    --append) need_arg "$@"; append=$2; shift ;;
    --steps) need_arg "$@"; steps=$2; shift ;;
    --accel) need_arg "$@"; accel=$2; shift ;;
    --mem) need_arg "$@"; mem_mb=$2; shift ;;
    --ops) need_arg "$@"; ops=$2; shift ;;
    --trials) need_arg "$@"; trials=$2; shift ;;
    --bench-args) need_arg "$@"; bench_args=$2; shift ;;
    --sweep-args) need_arg "$@"; sweep_args=$2; shift ;;
    --bpfcost) need_arg "$@"; bpfcost_bin=$2; shift ;;
    --boot-timeout) need_arg "$@"; boot_timeout_s=$2; shift ;;
    --timeout) need_arg "$@"; total_timeout_s=$2; shift ;;
    --kvm-probe) need_arg "$@"; kvm_probe_s=$2; shift ;;
    --tcg-thread) need_arg "$@"; tcg_thread=$2; shift ;;
    --out) need_arg "$@"; out=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown option '$1' (accepted: --kernels --kernel --package --modules --modprobe --append --steps --accel --mem --ops --trials --bench-args --sweep-args --bpfcost --boot-timeout --timeout --kvm-probe --tcg-thread --out)" ;;
  esac
  shift
done
case "$accel" in auto|kvm|tcg) ;; *) die_usage "--accel '$accel' (accepted: auto, kvm, tcg)" ;; esac
case "$tcg_thread" in single|multi) ;; *) die_usage "--tcg-thread '$tcg_thread' (accepted: single, multi)" ;; esac
for pair in mem_mb:--mem trials:--trials boot_timeout_s:--boot-timeout \
            total_timeout_s:--timeout kvm_probe_s:--kvm-probe; do
  v=${pair%%:*}
  is_uint "${!v}" && [ "${!v}" -gt 0 ] || die_usage "${pair#*:} '${!v}' is not a positive integer"
done
[ -z "$ops" ] || { is_uint "$ops" && [ "$ops" -gt 0 ]; } || die_usage "--ops '$ops' is not a positive integer"
all_steps="check bench sweep top lint"
steps=${steps//,/ }
for s in $steps; do
  case " $all_steps " in *" $s "*) ;; *) die_usage "--steps: '$s' (accepted: ${all_steps// /, })" ;; esac
done
kernels=${kernels//,/ }
for k in $kernels; do
  [[ "$k" =~ ^[0-9]+\.[0-9]+$ ]] || die_usage "--kernels: '$k' is not a kernel series like 6.1 (accepted: MAJOR.MINOR, e.g. \"5.10 6.1 6.12\")"
done

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
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
  fi
fi
if [ -n "$modules" ] && [ ! -d "$modules" ]; then
  echo "not ok vmtest-kernel: --modules $modules: not a directory"
  echo "0 passed, 1 failed, 0 skipped"
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
summary() {
  echo "# vmtest: total $(elapsed "$t_start") s"
  echo "$pass passed, $fail failed, $skipn skipped"
}
finish() { summary; [ $fail -eq 0 ]; exit; }

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

# The static bpfcost for the guest, and the object lint reads there.
lint_obj=$BUILD/tests/lint_bad.bpf.o
if [ -z "$bpfcost_bin" ]; then
  mkdir -p "$BUILD/static"
  if ! make --no-print-directory -s static "$lint_obj" > "$work/make.log" 2>&1; then
    nok vmtest-build "make static failed: $(grep -m1 -iE 'error|cannot' "$work/make.log" || tail -1 "$work/make.log")"
    finish
  fi
  bpfcost_bin=$BUILD/bpfcost-static
elif [ ! -f "$lint_obj" ]; then
  make --no-print-directory -s "$lint_obj" > "$work/make.log" 2>&1
fi
[ -x "$bpfcost_bin" ] || { nok vmtest-build "$bpfcost_bin is not an executable"; finish; }
for b in "$busybox_bin" "$bpfcost_bin"; do
  # A dynamic binary dies in the guest with a bare "not found".
  if [ "$(head -c 4 "$b" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && readelf -lW "$b" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    nok vmtest-build "$b is dynamically linked; the guest has no shared libraries"
    finish
  fi
done

# ---- Kernels from Debian's archive, through a private apt configuration ----
# Its own sources, lists and cache under build/vmtest/apt: the machine's
# apt sources and lists stay as they are. Bullseye carries 5.10, bookworm
# 6.1, and bookworm-security (and -backports) 6.12 as linux-6.12.
aptdir=$VMDIR/apt
apt_opts=(-o "Dir::Etc::sourcelist=$PWD/$aptdir/sources.list"
          -o "Dir::Etc::sourceparts=$PWD/$aptdir/sources.list.d"
          -o "Dir::Etc::preferencesparts=$PWD/$aptdir/preferences.d"
          -o "Dir::State::Lists=$PWD/$aptdir/lists"
          -o "Dir::Cache=$PWD/$aptdir/cache"
          -o "APT::Sandbox::User=root")
apt_setup() {
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg suite
  mkdir -p "$aptdir"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial}
  [ -r "$keyring" ] || { echo "no $keyring (package debian-archive-keyring)"; return 1; }
  {
    for suite in bullseye bookworm bookworm-updates bookworm-backports; do
      echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main"
    done
    for suite in bullseye-security bookworm-security; do
      echo "deb [signed-by=$keyring] http://deb.debian.org/debian-security $suite main"
    done
  } > "$aptdir/sources.list.new"
  # A changed source list invalidates the lists fetched for the old one.
  cmp -s "$aptdir/sources.list.new" "$aptdir/sources.list" || rm -f "$aptdir"/lists/*_Packages* "$aptdir/lists/.updated"
  mv "$aptdir/sources.list.new" "$aptdir/sources.list"
}
# apt_update [force]: fetch the lists when missing, a day old, or forced.
apt_update() {
  local stamp=$aptdir/lists/.updated
  if [ "${1:-}" != force ] && [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -1440)" ]; then
    return 0
  fi
  if apt-get "${apt_opts[@]}" -q update > "$work/apt-update.log" 2>&1 &&
     ! grep -q '^[WE]:' "$work/apt-update.log"; then
    touch "$stamp"
    return 0
  fi
  return 1
}
# resolve_series 6.1: the newest image package of that series, e.g.
# linux-image-6.1.0-57-amd64 or linux-image-6.12.117+deb12-amd64.
resolve_series() {
  local s=${1//./\\.} re best="" bestv="" p v
  re="^linux-image-$s(\\.0-[0-9]+|\\.[0-9]+\\+deb[0-9]+(\\.[0-9]+)?)-amd64\$"
  while read -r p v; do
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv"; then best=$p bestv=$v; fi
  done < <(apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null | grep -E "$re" |
           xargs -r apt-cache "${apt_opts[@]}" show --no-all-versions 2>/dev/null |
           awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }')
  echo "$best"
}
# resolve_package NAME: a metapackage's image package, or NAME itself.
resolve_package() {
  apt-cache "${apt_opts[@]}" show "$1" > /dev/null 2>&1 || return 0
  apt-cache "${apt_opts[@]}" depends "$1" 2>/dev/null |
    awk -v self="$1" '/Depends: linux-image-/ { print $2; f = 1; exit } END { if (!f) print self }'
}
# fetch PKG: boot/ of an image package under build/vmtest/kernels/PKG_VERSION,
# reused until Debian publishes a new version. Sets fetched (the vmlinuz),
# or fetch_err (one line) and returns 1.
fetch() {
  local pkg=$1 ver kdir t0 err
  fetched="" fetch_err=""
  ver=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
  kdir=$VMDIR/kernels/${pkg}_$ver
  fetched=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
  if [ -n "$fetched" ]; then
    echo "# vmtest: cached $pkg $ver"
    return 0
  fi
  t0=$(date +%s.%N)
  rm -rf "$kdir" "$work/deb" && mkdir -p "$work/deb"
  if ! (cd "$work/deb" && apt-get "${apt_opts[@]}" -q download "$pkg") > "$work/apt.log" 2>&1; then
    # A stale list names a version the mirror dropped: refresh once.
    if apt_update force && ver=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }') &&
       (cd "$work/deb" && apt-get "${apt_opts[@]}" -q download "$pkg") > "$work/apt.log" 2>&1; then
      kdir=$VMDIR/kernels/${pkg}_$ver
    else
      # Offline: an older cached version of the same package still boots.
      fetched=$(ls -t "$VMDIR"/kernels/"${pkg}"_*/boot/vmlinuz-* 2>/dev/null | head -1)
      err=$(grep -m1 '^E:' "$work/apt.log" || tail -1 "$work/apt.log")
      [ -n "$fetched" ] || { fetch_err="apt-get download $pkg failed: $err"; return 1; }
      echo "# vmtest: apt-get download $pkg failed; using cached $fetched"
      return 0
    fi
  fi
  # Only boot/ is needed: Debian builds BTF, kprobes, uprobes, tracefs and
  # the BPF JIT into the image, so the guest loads no modules.
  mkdir -p "$kdir"
  if ! dpkg-deb --fsys-tarfile "$work"/deb/*.deb | tar -x -C "$kdir" ./boot; then
    rm -rf "$kdir"
    fetch_err="could not extract boot/ from $(ls "$work"/deb)"
    return 1
  fi
  rm -rf "$work/deb"
  fetched=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
  [ -n "$fetched" ] || { fetch_err="$pkg has no boot/vmlinuz-*"; return 1; }
  echo "# vmtest: downloaded $pkg $ver in $(elapsed "$t0") s"
}

# The list of kernels to boot: "TAG IMAGE-OR-PACKAGE" lines.
targets=()
if [ -n "$kernel" ]; then
  r=$(kernel_release "$kernel")
  targets=("${r:-$(basename "$kernel" | sed 's/^vmlinuz-//')} file:$kernel")
else
  if ! why=$(apt_setup); then nok vmtest-kernel "$why"; finish; fi
  if ! apt_update && [ ! -f "$aptdir/lists/.updated" ]; then
    nok vmtest-kernel "apt-get update of the private list ($aptdir) failed: $(grep -m1 '^[WE]:' "$work/apt-update.log" || tail -1 "$work/apt-update.log")"
    finish
  fi
  if [ -n "$package" ]; then
    for p in ${package//,/ }; do
      img=$(resolve_package "$p")
      [ -n "$img" ] || { nok "vmtest-$p-kernel" "Debian's archive has no package $p"; continue; }
      targets+=("$p pkg:$img")
    done
  else
    for s in $kernels; do
      img=$(resolve_series "$s")
      [ -n "$img" ] || { nok "vmtest-$s-kernel" "no linux-image-$s*-amd64 in bullseye or bookworm (security, updates, backports)"; continue; }
      targets+=("$s pkg:$img")
    done
  fi
fi

# ---- One guest ----
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
chosen_accel=""  # the KVM probe's verdict holds for every later kernel
log=$work/console.log

boot_one() { # boot_one kvm|tcg KERNEL INITRD: start qemu in the background
  local a=$1 cpu=max accel_opt=kvm
  [ "$a" = kvm ] && cpu=host
  # One host thread for both vCPUs under TCG: with a thread each (MTTCG),
  # a vCPU can run stale translated code while the other patches kernel
  # text (the int3 of a static key being switched by attach and detach),
  # and the guest oopses in syscall_trace_enter ("Oops: int3").
  [ "$a" = tcg ] && accel_opt=tcg,thread=$tcg_thread
  : > "$log"
  qemu-system-x86_64 -machine pc -accel "$accel_opt" -cpu "$cpu" -m "$mem_mb" -smp 2 \
    -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -serial "file:$log" -kernel "$2" -initrd "$3" \
    -append "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 oops=panic vmtest.accel=$a${append:+ $append}" \
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

# The guest's steps: their command lines and time limits. The limits end
# inside the host's, so a hung command is stopped by the guest and the
# other steps' results still come out.
step_weight() { case $1 in bench) echo 5 ;; sweep) echo 2 ;; *) echo 1 ;; esac; }
write_conf() { # write_conf FILE
  local s w=0 limit
  for s in $steps; do w=$((w + $(step_weight "$s"))); done
  {
    echo "STEPS=$(sq "$steps")"
    for s in $steps; do
      limit=$(( (total_timeout_s - 30) * $(step_weight "$s") / w ))
      [ $limit -ge 10 ] || limit=10
      echo "LIMIT_$s=$limit"
    done
    # Trials sized by time (bench's default: ~5 ms of the slower phase
    # and at least 2,500 timed ops), few pairs: emulation is slow. Under
    # TCG a row's time is its attaches and detaches, not its ops, and the
    # six stats phases (each attaching the program and its floor, and
    # switching BPF stats on and off) doubled bench's time on 5.10:
    # --no-stats keeps three kernels within CI's budget (docs/vmtest.md).
    local b=$bench_args
    [ -n "$b" ] || b="--json --workload getpid --hook all --body empty,hash,ringbuf --trials $trials --cpu 0 --no-stats${ops:+ --ops $ops}"
    echo "STEP_bench=$(sq "bench $b -o /tmp/bench.json")"
    echo "STEP_check='check --json'"
    local sw=$sweep_args
    [ -n "$sw" ] || sw="--json --workload getpid --hook tp --body ringbuf --rates 1k,10k --duration 1"
    echo "STEP_sweep=$(sq "sweep $sw -o /tmp/sweep.json")"
    # top watches a sweep's raw tracepoint program for one 1 s interval:
    # with 200 ms slices (B P, P B, ...) it is detached at most 400 ms at a
    # stretch, so it runs in every interval.
    # --no-calibrate: top's dispatch calibration (bench's method on all
    # nine hooks, ~25 s a guest under TCG) is bench's step's work here.
    echo "STEP_top='top --once --no-calibrate --json -o /tmp/top.json'"
    echo "HOLDER='sweep --workload getpid --hook rawtp --body empty --rates 1k --duration 120 --slice-ms 200 --cpu 1 --json -o /tmp/holder.json'"
    echo "STEP_lint='lint /lint.bpf.o --json -o /tmp/lint.json'"
    echo "MODPROBE=$(sq "$modprobe")"
  } > "$1"
}

# run_kernel TAG IMAGE: one guest, its checks prefixed vmtest-TAG-.
run_kernel() {
  local tag=$1 image=$2 t_k root initrd release r boot_s guest_s finish_why grel dest rc
  t_k=$(date +%s.%N)
  if ! why=$(kernel_check "$image"); then nok "vmtest-$tag-kernel" "$image: $why"; return; fi
  release=$(kernel_release "$image")
  [ -n "$release" ] || release=$(basename "$image" | sed 's/^vmlinuz-//')

  # The initramfs: busybox, bpfcost, /init, its settings, lint's object,
  # optional modules.
  root=$work/root
  rm -rf "$root" && mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp}
  cp "$busybox_bin" "$root/bin/busybox"
  cp "$bpfcost_bin" "$root/bin/bpfcost"
  cp scripts/vmtest-init.sh "$root/init"
  [ -f "$lint_obj" ] && cp "$lint_obj" "$root/lint.bpf.o"
  chmod 0755 "$root/init" "$root/bin/busybox" "$root/bin/bpfcost"
  write_conf "$root/etc/vmtest.conf"
  # The kernel's config, when it sits next to the image (Debian's does), for
  # tools that look in /boot (Debian kernels have no /proc/config.gz).
  if [ -f "$(dirname "$image")/config-$release" ]; then
    mkdir -p "$root/boot"
    cp "$(dirname "$image")/config-$release" "$root/boot/"
  fi
  if [ -n "$modules" ]; then
    # Accept either the release directory itself or a tree holding lib/modules.
    local src=$modules
    [ -d "$modules/lib/modules" ] && src=$(ls -d "$modules"/lib/modules/* | head -1)
    mkdir -p "$root/lib/modules"
    cp -a "$src" "$root/lib/modules/$release"
  fi
  initrd=$work/initramfs.cpio.gz
  if ! (cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$initrd"; then
    nok "vmtest-$tag-initramfs" "cpio/gzip failed"
    return
  fi

  # Boot. Under auto, KVM gets kvm_probe_s to print the kernel banner; a
  # nested KVM guest that hangs (as on these machines) falls back to TCG.
  local chosen=${chosen_accel:-$accel}
  if [ "$chosen" = auto ] || [ "$chosen" = kvm ]; then
    if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
      [ "$accel" = kvm ] && { nok "vmtest-$tag-boot" "--accel kvm but /dev/kvm is not usable"; return; }
      chosen=tcg
      echo "# vmtest: no usable /dev/kvm, using TCG"
    elif [ -z "$chosen_accel" ]; then
      boot_one kvm "$image" "$initrd"
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
        [ "$accel" = kvm ] && { nok "vmtest-$tag-boot" "$why"; return; }
        echo "# vmtest: $why; using TCG"
        chosen=tcg
      fi
    else
      boot_one kvm "$image" "$initrd"
    fi
  fi
  [ "$chosen" = tcg ] && boot_one tcg "$image" "$initrd"
  chosen_accel=$chosen

  wait_for '@@VMTEST BOOTED' "$boot_timeout_s"; r=$?
  case $r in
    1) stop_qemu; nok "vmtest-$tag-boot" "no report from the guest's /init within $boot_timeout_s s ($chosen); console ends: '$(last_console_line)'"; return ;;
    3) stop_qemu; nok "vmtest-$tag-boot" "kernel stopped during boot ($chosen): '$(last_console_line)'"; return ;;
    2) qemu_pid=""; nok "vmtest-$tag-boot" "$(qemu_failed)"; return ;;
  esac
  boot_s=$(elapsed "$boot_t0")
  ok "vmtest-$tag-boot ($chosen, $boot_s s)"

  # The steps, dmesg, then poweroff.
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
  [ $r -ne 0 ] && nok "vmtest-$tag-finish" "$finish_why"

  # Host-side assertions and results files.
  grel=$(tr -d '\r' < "$log" | sed -n 's/^@@VMTEST BOOTED release=\([^ ]*\).*/\1/p' | head -1)
  [ -n "$grel" ] && release=$grel
  dest=$out/$release
  mkdir -p "$dest"
  # A failed run must not leave an older run's results looking current.
  rm -f "$dest"/*.json* "$dest"/*.err "$dest"/*.out "$dest"/dmesg.txt "$dest"/times.txt "$dest"/facts.txt
  tr -d '\r' < "$log" > "$dest/console.log"
  python3 scripts/vmtest_results.py "$dest/console.log" "$dest" "$chosen" "$hooks" "$tag" "$steps" > "$work/results.txt"
  rc=$?
  cat "$work/results.txt"
  pass=$((pass + $(grep -c '^ok ' "$work/results.txt")))
  fail=$((fail + $(grep -c '^not ok ' "$work/results.txt")))
  skipn=$((skipn + $(grep -c '^skip ' "$work/results.txt")))
  if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$work/results.txt"; then
    nok "vmtest-$tag-results" "scripts/vmtest_results.py exited $rc"
  fi
  {
    echo "kernel $tag $release $chosen"
    echo "boot_s $boot_s"
    echo "guest_s $guest_s"
    echo "total_s $(elapsed "$t_k")"
  } > "$dest/times.txt"
  [ -s "$dest/facts.txt" ] && echo "# vmtest: $tag kallsyms: $(paste -sd, "$dest/facts.txt" | sed 's/,/, /g')"
  echo "# vmtest: $tag ($release, $chosen): boot $boot_s s, guest $guest_s s, with fetch and initramfs $(elapsed "$t_k") s; results in $dest"
}

for t in "${targets[@]}"; do
  tag=${t%% *} what=${t#* }
  case $what in
    file:*) run_kernel "$tag" "${what#file:}" ;;
    pkg:*)
      if fetch "${what#pkg:}"; then run_kernel "$tag" "$fetched"; else nok "vmtest-$tag-kernel" "$fetch_err"; fi ;;
  esac
done
finish
