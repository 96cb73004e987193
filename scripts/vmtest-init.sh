#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the vmtest guest (scripts/vmtest.sh packs it into the initramfs).
# Mounts what bpfcost needs, runs check and bench, prints every result
# between "@@VMTEST BEGIN name" / "@@VMTEST END name" lines on the serial
# console, and powers off. The host parses those markers; nothing here may
# wait forever, since the host's timeout is the only other way out.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

hostname vmtest
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf
# Keep kernel messages off the console so they cannot split our JSON; they
# stay in dmesg, which is sent out at the end.
echo 1 > /proc/sys/kernel/printk

# Settings written by the host: OPS, TRIALS, CHECK_TIMEOUT_S, BENCH_TIMEOUT_S,
# BENCH_ARGS, MODPROBE. The accelerator comes on the kernel command line
# because it is chosen after the initramfs is built.
. /etc/vmtest.conf

uptime_s() { cut -d' ' -f1 /proc/uptime; }
emit() { # emit NAME FILE
	echo "@@VMTEST BEGIN $1"
	cat "$2" 2>/dev/null
	echo
	echo "@@VMTEST END $1"
}

# TCG (no KVM) means an emulated CPU: timings are not representative.
# The host says which accelerator it chose; the CPU model backs it up when
# a kernel is booted by hand.
emulated=0
case " $(cat /proc/cmdline) " in *" vmtest.accel=tcg "*) emulated=1 ;; esac
grep -q '^model name.*QEMU TCG' /proc/cpuinfo && emulated=1
if [ $emulated -eq 1 ]; then
	export BPFCOST_EMULATED=1
fi
echo "@@VMTEST BOOTED release=$(uname -r) emulated=$emulated uptime_s=$(uptime_s)"

if [ -n "$MODPROBE" ]; then
	# Kernel packages ship no modules.dep (depmod makes it at install).
	[ -e /lib/modules/$(uname -r)/modules.dep ] || depmod 2>/dev/null
	for m in $(echo "$MODPROBE" | tr ',' ' '); do
		if modprobe "$m" 2>/tmp/modprobe.err; then
			echo "@@VMTEST MODPROBE $m ok"
		else
			echo "@@VMTEST MODPROBE $m failed: $(head -1 /tmp/modprobe.err)"
		fi
	done
fi

# kprobe_events: the kernel side of every kprobe attach, tested without
# bpfcost so a failure can be told apart from a bpfcost bug.
ev=/sys/kernel/tracing/kprobe_events
if [ ! -e $ev ]; then
	echo "@@VMTEST KPROBE_EVENTS missing: no $ev (tracefs mounted: $(grep -c tracefs /proc/mounts))"
elif echo 'p:vmtest_probe __x64_sys_getpid' > $ev 2>/tmp/kp.err; then
	echo '-:vmtest_probe' >> $ev
	echo "@@VMTEST KPROBE_EVENTS ok"
else
	echo "@@VMTEST KPROBE_EVENTS failed: $(head -1 /tmp/kp.err)"
fi

t0=$(uptime_s)
# check writes its JSON to stdout (--json without -o).
timeout "$CHECK_TIMEOUT_S" bpfcost check --json > /tmp/check.json 2> /tmp/check.err
rc=$?
echo "@@VMTEST RAN check rc=$rc start_s=$t0 end_s=$(uptime_s) limit_s=$CHECK_TIMEOUT_S"
emit check.json /tmp/check.json
emit check.err /tmp/check.err

t0=$(uptime_s)
# BENCH_ARGS is word-split on purpose: it holds the bench options.
timeout "$BENCH_TIMEOUT_S" bpfcost bench $BENCH_ARGS -o /tmp/bench.json > /tmp/bench.out 2> /tmp/bench.err
rc=$?
echo "@@VMTEST RAN bench rc=$rc start_s=$t0 end_s=$(uptime_s) limit_s=$BENCH_TIMEOUT_S"
emit bench.json /tmp/bench.json
emit bench.err /tmp/bench.err
emit bench.out /tmp/bench.out

dmesg > /tmp/dmesg.txt 2>&1
emit dmesg.txt /tmp/dmesg.txt
echo "@@VMTEST DONE uptime_s=$(uptime_s)"
sync
poweroff -f
