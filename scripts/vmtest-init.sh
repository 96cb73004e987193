#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the vmtest guest (scripts/vmtest.sh packs it into the initramfs).
# Mounts what bpfcost needs, runs the steps the host asked for (check,
# bench, sweep, top, lint), prints every result between
# "@@VMTEST BEGIN name" / "@@VMTEST END name" lines on the serial console,
# and powers off. The host parses those markers; nothing here may wait
# forever, since the host's timeout is the only other way out.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

hostname vmtest
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
# As on a systemd host: tracefs, debugfs, securityfs (the lockdown state),
# bpffs. Under lockdown=confidentiality tracefs mounts but stays empty.
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf
# Keep kernel messages off the console so they cannot split our JSON; they
# stay in dmesg, which is sent out at the end.
echo 1 > /proc/sys/kernel/printk

# Settings written by the host: STEPS, and per step STEP_<name> (the
# bpfcost command line) and LIMIT_<name> (seconds); HOLDER (the program
# top watches), MODPROBE. The accelerator comes on the kernel command line
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
lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
echo "@@VMTEST BOOTED release=$(uname -r) emulated=$emulated uptime_s=$(uptime_s) lockdown=${lockdown:-unknown}"

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
	echo "@@VMTEST KPROBE_EVENTS missing: no $ev (tracefs mounted: $(grep -c tracefs /proc/mounts), lockdown: ${lockdown:-unknown})"
elif echo 'p:vmtest_probe __x64_sys_getpid' > $ev 2>/tmp/kp.err; then
	echo '-:vmtest_probe' >> $ev
	echo "@@VMTEST KPROBE_EVENTS ok"
else
	echo "@@VMTEST KPROBE_EVENTS failed: $(head -1 /tmp/kp.err)"
fi

# Kernel changes known to move uprobe costs, as kallsyms shows them: the
# uretprobe syscall (x86, 6.11) that replaced the return trap, the lockless
# uprobes_tree lookup under a seqcount (6.12), the speculative lockless
# VMA-to-uprobe lookup (6.13).
for sym in __x64_sys_uretprobe uprobes_seqcount find_active_uprobe_speculative; do
	if grep -q " $sym\$" /proc/kallsyms; then echo "$sym yes"; else echo "$sym no"; fi
done > /tmp/facts.txt
emit facts.txt /tmp/facts.txt

# The holder for top: a bpfcost process with a program loaded and attached
# (a sweep, attached in its probe slices), so top has something to show.
holder_pid=
start_holder() {
	bpfcost $HOLDER > /tmp/holder.out 2> /tmp/holder.err &
	holder_pid=$!
	# until its program is loaded (an fd on anon_inode:bpf-prog), at most 30 s
	i=0
	while [ $i -lt 60 ]; do
		ls -l /proc/$holder_pid/fd 2>/dev/null | grep -q 'bpf-prog' && break
		kill -0 $holder_pid 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	# its first probe slice
	sleep 1
	echo "@@VMTEST HOLDER pid=$holder_pid"
}
stop_holder() {
	[ -n "$holder_pid" ] || return
	kill -INT $holder_pid 2>/dev/null
	i=0
	while kill -0 $holder_pid 2>/dev/null && [ $i -lt 40 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	kill -KILL $holder_pid 2>/dev/null
	wait $holder_pid 2>/dev/null
	holder_pid=
}

for step in $STEPS; do
	eval "args=\$STEP_$step limit=\$LIMIT_$step"
	[ "$step" = top ] && [ -n "$HOLDER" ] && start_holder
	t0=$(uptime_s)
	# args is word-split on purpose: it holds the command's options. A
	# command with -o writes its JSON there; one without prints it.
	case " $args " in
	*" -o "*)
		timeout "$limit" bpfcost $args > /tmp/$step.out 2> /tmp/$step.err ;;
	*)
		timeout "$limit" bpfcost $args > /tmp/$step.json 2> /tmp/$step.err ;;
	esac
	rc=$?
	echo "@@VMTEST RAN $step rc=$rc start_s=$t0 end_s=$(uptime_s) limit_s=$limit"
	[ "$step" = top ] && stop_holder
	emit $step.json /tmp/$step.json
	emit $step.err /tmp/$step.err
	emit $step.out /tmp/$step.out
done
dmesg > /tmp/dmesg.txt 2>&1
emit dmesg.txt /tmp/dmesg.txt
echo "@@VMTEST DONE uptime_s=$(uptime_s)"
sync
poweroff -f
