#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of make vmtest: pull the guest's results out of the console log
and check them.

usage: vmtest_results.py CONSOLE_LOG DEST_DIR ACCEL "HOOK HOOK ..."

The guest's /init (scripts/vmtest-init.sh) prints each file between
"@@VMTEST BEGIN name" and "@@VMTEST END name" lines. They are written to
DEST_DIR/name; check.json and bench.json are then checked: every hook
available, every bench row ok with events == ops, env.emulated matching the
accelerator. One line per check: ok NAME / not ok NAME: why / skip NAME: why.
"""
import json
import os
import re
import sys


def sections(lines):
    """name -> text of every BEGIN/END block, plus the single marker lines."""
    blocks, marks, cur, buf = {}, [], None, []
    for line in lines:
        m = re.match(r'^@@VMTEST (BEGIN|END) (\S+)\s*$', line)
        if m and m.group(1) == 'BEGIN':
            cur, buf = m.group(2), []
        elif m and cur == m.group(2):
            blocks[cur] = '\n'.join(buf).strip('\n') + '\n'
            cur = None
        elif cur is not None:
            buf.append(line)
        elif line.startswith('@@VMTEST '):
            marks.append(line[len('@@VMTEST '):])
    return blocks, marks


class Report:
    def __init__(self):
        self.failed = 0

    def ok(self, name):
        print(f'ok {name}')

    def nok(self, name, why):
        self.failed += 1
        print(f'not ok {name}: {one_line(why)}')

    def skip(self, name, why):
        print(f'skip {name}: {one_line(why)}')


def one_line(s):
    s = ' '.join(str(s).split())
    return s[:200] if s else '(no message)'


def first_line(text):
    for line in (text or '').splitlines():
        if line.strip():
            return line.strip()
    return ''


def ran(marks, cmd):
    """rc, seconds and time limit of a RAN marker, or Nones."""
    for m in marks:
        r = re.match(rf'^RAN {cmd} rc=(\d+) start_s=([\d.]+) end_s=([\d.]+)(?: limit_s=(\d+))?', m)
        if r:
            limit = int(r.group(4)) if r.group(4) else None
            return int(r.group(1)), float(r.group(3)) - float(r.group(2)), limit
    return None, None, None


def load(rep, blocks, marks, cmd, schema):
    """The parsed JSON of one command, or None after one not-ok line."""
    name = f'vmtest-{cmd}-run'
    rc, secs, limit = ran(marks, cmd)
    err = first_line(blocks.get(f'{cmd}.err'))
    if rc is None:
        rep.nok(name, f'guest never ran bpfcost {cmd}')
        return None
    if rc != 0:
        stopped = limit is not None and secs >= limit - 1
        rep.nok(name, f'bpfcost {cmd} exited {rc} in the guest'
                + (f', stopped at its {limit} s limit (--timeout)' if stopped else '')
                + (f': {err}' if err else ''))
        return None
    text = blocks.get(f'{cmd}.json', '')
    if not text.strip():
        rep.nok(name, f'bpfcost {cmd} exited 0 in the guest but wrote no JSON'
                + (f' (stderr: {err})' if err else ''))
        return None
    try:
        d = json.loads(text)
    except ValueError as e:
        rep.nok(name, f'{cmd}.json from the guest is not JSON ({e})')
        return None
    if d.get('schema') != schema:
        rep.nok(name, f'{cmd}.json schema is {d.get("schema")!r}, expected {schema}')
        return None
    rep.ok(f'{name} ({secs:.1f} s)')
    return d


def check_emulated(rep, d, cmd, accel):
    env = d.get('env') or {}
    want = accel == 'tcg'
    got = env.get('emulated')
    if got is None:
        rep.nok(f'vmtest-{cmd}-emulated', f'env.emulated missing (guest ran under {accel})')
    elif bool(got) != want:
        rep.nok(f'vmtest-{cmd}-emulated', f'env.emulated is {got} under {accel}')
    else:
        rep.ok(f'vmtest-{cmd}-emulated')


def main():
    log, dest, accel, hooks = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
    with open(log, errors='replace') as f:
        lines = f.read().replace('\r', '').split('\n')
    blocks, marks = sections(lines)
    for name, text in blocks.items():
        if '/' in name or not text.strip():
            continue
        if name.endswith('.json'):
            # Only valid JSON lands under its real name, so that `bpfcost
            # report` never reads a half-printed file.
            try:
                json.loads(text)
            except ValueError:
                name += '.invalid'
        with open(os.path.join(dest, name), 'w') as f:
            f.write(text)
    rep = Report()

    kp = [m for m in marks if m.startswith('KPROBE_EVENTS')]
    if not kp:
        rep.nok('vmtest-kprobe-events', 'guest printed no KPROBE_EVENTS line')
    elif kp[0] == 'KPROBE_EVENTS ok':
        rep.ok('vmtest-kprobe-events')
    else:
        rep.nok('vmtest-kprobe-events', kp[0][len('KPROBE_EVENTS '):])
    for m in marks:
        r = re.match(r'^MODPROBE (\S+) (.*)$', m)
        if r and r.group(2) == 'ok':
            rep.ok(f'vmtest-modprobe-{r.group(1)}')
        elif r:
            rep.nok(f'vmtest-modprobe-{r.group(1)}', r.group(2))

    check = load(rep, blocks, marks, 'check', 'bpfcost.check/1')
    if check is not None:
        by_name = {h.get('name'): h for h in check.get('hooks') or []}
        for hook in hooks:
            h = by_name.get(hook)
            if h is None:
                rep.nok(f'vmtest-check-{hook}', 'hook missing from check.json')
            elif h.get('available') is not True:
                rep.nok(f'vmtest-check-{hook}', f'not available: {h.get("reason")}')
            else:
                rep.ok(f'vmtest-check-{hook}')
        check_emulated(rep, check, 'check', accel)

    bench = load(rep, blocks, marks, 'bench', 'bpfcost.bench/1')
    if bench is not None:
        rows = bench.get('results') or []
        bodies = sorted({r.get('body') for r in rows if r.get('hook') in hooks})
        if not bodies:
            rep.nok('vmtest-bench-rows', 'no rows for any of the nine hooks')
        for hook in ['null'] + hooks:
            hrows = [r for r in rows if r.get('hook') == hook]
            if not hrows:
                rep.nok(f'vmtest-bench-{hook}', 'no row in bench.json')
                continue
            for r in hrows:
                name = f'vmtest-bench-{r.get("workload")}-{hook}'
                if hook != 'null':
                    name += f'-{r.get("body")}'
                ops, events = r.get('ops'), r.get('events')
                if r.get('status') != 'ok':
                    rep.nok(name, f'status {r.get("status")}: {r.get("reason")}')
                elif hook == 'null':
                    rep.ok(name)
                elif not isinstance(ops, int) or ops <= 0:
                    rep.nok(name, f'ops is {ops!r}')
                elif events != ops:
                    rep.nok(name, f'events {events} != ops {ops}')
                else:
                    rep.ok(name)
            seen = {r.get('body') for r in hrows}
            for b in bodies:
                if hook != 'null' and b not in seen:
                    rep.nok(f'vmtest-bench-{hook}-{b}', 'no row in bench.json')
        check_emulated(rep, bench, 'bench', accel)
    return 0


if __name__ == '__main__':
    sys.exit(main())
