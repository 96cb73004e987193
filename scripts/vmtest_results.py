#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of make vmtest: pull the guest's results out of the console log
and check them.

usage: vmtest_results.py CONSOLE_LOG DEST_DIR ACCEL "HOOK ..." TAG "STEP ..."

The guest's /init (scripts/vmtest-init.sh) prints each file between
"@@VMTEST BEGIN name" and "@@VMTEST END name" lines. They are written to
DEST_DIR/name (JSON only when it parses) and checked, one line per check,
each named vmtest-TAG-...: ok NAME / not ok NAME: why / skip NAME: why.
  check: every hook available (else the reason check gave);
  bench: every hook x body row ok with events == ops;
  sweep: every point ok with produced == consumed + lost;
  top:   the holder's program listed, with its type, holder pid and runs;
  lint:  every program of the object loaded, the findings it was written to
         have;
and env.emulated matching the accelerator.
"""
import json
import os
import re
import sys

SCHEMAS = {
    'check': 'bpfcost.check/1', 'bench': 'bpfcost.bench/1', 'sweep': 'bpfcost.sweep/1',
    'top': 'bpfcost.top/1', 'lint': 'bpfcost.lint/1',
}
# tests/bpf/lint_bad.bpf.c breaks the checklist once per finding.
LINT_FINDINGS = {
    'kprobe-has-tracepoint@bad_kprobe', 'trace-printk@bad_kprobe',
    'output-unfiltered@bad_output', 'probe-read-str-hot@bad_strread',
    'repeated-lookup@bad_maps', 'lru-where-array-serves@lru_counts',
}


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


def one_line(s):
    s = ' '.join(str(s).split())
    return s[:240] if s else '(no message)'


class Report:
    def __init__(self, tag):
        self.prefix = f'vmtest-{tag}-'
        self.failed = 0

    def ok(self, name, note=''):
        print(f'ok {self.prefix}{name}{note}')

    def nok(self, name, why):
        self.failed += 1
        print(f'not ok {self.prefix}{name}: {one_line(why)}')

    def skip(self, name, why):
        print(f'skip {self.prefix}{name}: {one_line(why)}')


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


def load(rep, blocks, marks, cmd):
    """The parsed JSON of one command, or None after one not-ok line."""
    name = f'{cmd}-run'
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
    if d.get('schema') != SCHEMAS[cmd]:
        rep.nok(name, f'{cmd}.json schema is {d.get("schema")!r}, expected {SCHEMAS[cmd]}')
        return None
    rep.ok(name, f' ({secs:.1f} s)')
    return d


def check_emulated(rep, d, cmd, accel):
    env = d.get('env') or {}
    want = accel == 'tcg'
    got = env.get('emulated')
    if got is None:
        rep.nok(f'{cmd}-emulated', f'env.emulated missing (guest ran under {accel})')
    elif bool(got) != want:
        rep.nok(f'{cmd}-emulated', f'env.emulated is {got} under {accel}')
    else:
        rep.ok(f'{cmd}-emulated')


def check_check(rep, d, hooks):
    by_name = {h.get('name'): h for h in d.get('hooks') or []}
    for hook in hooks:
        h = by_name.get(hook)
        if h is None:
            rep.nok(f'check-{hook}', 'hook missing from check.json')
        elif h.get('available') is not True:
            rep.nok(f'check-{hook}', f'unsupported: {h.get("reason")}')
        else:
            rep.ok(f'check-{hook}')
    for m in d.get('maps') or []:
        if m.get('available') is not True:
            rep.nok(f'check-map-{m.get("name")}', f'unsupported: {m.get("reason")}')


def check_bench(rep, d, hooks):
    rows = d.get('results') or []
    bodies = sorted({r.get('body') for r in rows if r.get('hook') in hooks})
    if not bodies:
        rep.nok('bench-rows', 'no rows for any of the nine hooks')
    for hook in ['null'] + hooks:
        hrows = [r for r in rows if r.get('hook') == hook]
        if not hrows:
            rep.nok(f'bench-{hook}', 'no row in bench.json')
            continue
        for r in hrows:
            name = f'bench-{r.get("workload")}-{hook}'
            if hook != 'null':
                name += f'-{r.get("body")}'
            ops, events = r.get('ops'), r.get('events')
            if r.get('status') != 'ok':
                rep.nok(name, f'{r.get("status")}: {r.get("reason")}')
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
                rep.nok(f'bench-{hook}-{b}', 'no row in bench.json')


def check_sweep(rep, d):
    points = d.get('points') or []
    if not points:
        rep.nok('sweep-points', 'no points in sweep.json')
    for p in points:
        rate = p.get('target_rate')
        rate = 'max' if rate in (None, 0) else f'{rate / 1000:g}k'
        name = f'sweep-{p.get("hook")}-{p.get("body")}-{rate}'
        produced, consumed, lost = p.get('produced'), p.get('consumed'), p.get('lost')
        if p.get('status') != 'ok':
            rep.nok(name, f'{p.get("status")}: {p.get("reason")}')
        elif not isinstance(produced, int) or produced <= 0:
            rep.nok(name, f'produced is {produced!r}')
        elif produced != (consumed or 0) + (lost or 0):
            rep.nok(name, f'produced {produced} != consumed {consumed} + lost {lost}')
        else:
            rep.ok(name)


def check_top(rep, d, marks):
    hp = [m for m in marks if m.startswith('HOLDER pid=')]
    pid = int(hp[0].split('=', 1)[1]) if hp and hp[0].split('=', 1)[1].isdigit() else None
    progs = d.get('programs') or []
    mine = [p for p in progs if any(h.get('pid') == pid for h in p.get('holders') or [])]
    want = [p for p in mine if p.get('name') == 'rawtp__empty']
    if pid is None:
        rep.nok('top-holder', 'the holder (a sweep) did not start')
    elif not want:
        rep.nok('top-holder', f'no program rawtp__empty held by pid {pid} among '
                f'{len(progs)} listed ({", ".join(p.get("name", "?") for p in mine) or "none of its"})')
    else:
        p = want[0]
        attach = ', '.join(p.get('attach') or []) or 'none'
        if p.get('type') != 'raw_tracepoint':
            rep.nok('top-holder', f'rawtp__empty has type {p.get("type")!r}')
        elif not (p.get('events_per_s') or 0) > 0:
            # attached in every interval (the holder's slices are short)
            rep.nok('top-holder', f'rawtp__empty ran {p.get("events_per_s")!r} times a second')
        else:
            rep.ok('top-holder', f' (attach {attach}, {p.get("events_per_s"):.0f} events/s)')


def check_lint(rep, d):
    progs = d.get('programs') or []
    for p in progs:
        if p.get('loaded') is not True:
            rep.nok(f'lint-{p.get("name")}', f'not loaded: {p.get("reason")}')
    got = {f'{f.get("id")}@{f.get("where")}' for f in d.get('findings') or []}
    if got != LINT_FINDINGS:
        rep.nok('lint-findings', f'missing {sorted(LINT_FINDINGS - got)}, extra {sorted(got - LINT_FINDINGS)}')
    elif progs:
        rep.ok('lint-findings', f' ({len(progs)} programs, {len(got)} findings)')


def main():
    log, dest, accel = sys.argv[1], sys.argv[2], sys.argv[3]
    hooks, tag, steps = sys.argv[4].split(), sys.argv[5], sys.argv[6].split()
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
    rep = Report(tag)

    kp = [m for m in marks if m.startswith('KPROBE_EVENTS')]
    if not kp:
        rep.nok('kprobe-events', 'guest printed no KPROBE_EVENTS line')
    elif kp[0] == 'KPROBE_EVENTS ok':
        rep.ok('kprobe-events')
    else:
        rep.nok('kprobe-events', kp[0][len('KPROBE_EVENTS '):])
    for m in marks:
        r = re.match(r'^MODPROBE (\S+) (.*)$', m)
        if r and r.group(2) == 'ok':
            rep.ok(f'modprobe-{r.group(1)}')
        elif r:
            rep.nok(f'modprobe-{r.group(1)}', r.group(2))

    for step in steps:
        d = load(rep, blocks, marks, step)
        if d is None:
            continue
        if step == 'check':
            check_check(rep, d, hooks)
        elif step == 'bench':
            check_bench(rep, d, hooks)
        elif step == 'sweep':
            check_sweep(rep, d)
        elif step == 'top':
            check_top(rep, d, marks)
        elif step == 'lint':
            check_lint(rep, d)
        if step in ('check', 'bench', 'sweep'):
            check_emulated(rep, d, step, accel)
    return 0


if __name__ == '__main__':
    sys.exit(main())
