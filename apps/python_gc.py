#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bpfcost app python-gc: CPython churning cyclic garbage.

Usage: python_gc.py SECONDS [--log FILE] [--release N]

One iteration builds a batch of objects in reference cycles (small dicts
from pymalloc arenas, 8 KiB lists from malloc), drops it, and every few
iterations forces gc.collect(): the collector frees the cycles, pymalloc
returns empty arenas (munmap) and glibc trims its heap (brk). Prints one
JSON line at the end: {"ops", "seconds", "p50_ms", "p99_ms", "p999_ms"}
with the per-iteration latency percentiles.

--log FILE: one line per iteration, "END_NS DURATION_NS" (CLOCK_MONOTONIC),
written as the iteration ends: the iteration counter bpfcost reads
windows from while the script runs (SECONDS 0: until killed).
--release N: also allocate and free N 256 KiB buffers per iteration,
each its own mmap/munmap (the memory-release load shape).
"""
import gc
import json
import mmap
import os
import sys
import time

BATCH_SMALL = 4000    # small objects: ~0.5 MiB of pymalloc arenas per batch
BATCH_LARGE = 20      # 8 KiB lists: glibc heap growth and trim
COLLECT_EVERY = 4
RELEASE_BYTES = 256 * 1024


class Node:
    __slots__ = ("peer", "data")


def one_iteration(release):
    batch = []
    for i in range(BATCH_SMALL):
        a, b = Node(), Node()
        a.peer, b.peer = b, a          # a cycle: only the collector frees it
        a.data = {"i": i}
        b.data = (i, i + 1)
        batch.append(a)
    for _ in range(BATCH_LARGE):
        big = [0] * 1000
        big.append(big)                 # a self-cycle
        batch.append(big)
    for _ in range(release):
        # an anonymous mapping, touched, then unmapped: what a runtime
        # returning a large free block to the kernel does
        m = mmap.mmap(-1, RELEASE_BYTES)
        m[0:1] = b"x"
        m.close()
    del batch


def main():
    args = sys.argv[1:]
    log_fd = None
    release = 0
    seconds = 5.0
    i = 0
    while i < len(args):
        if args[i] == "--log":
            log_fd = os.open(args[i + 1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
            i += 2
        elif args[i] == "--release":
            release = int(args[i + 1])
            i += 2
        else:
            seconds = float(args[i])
            i += 1
    lat_ns = []
    ops = 0
    clock = time.monotonic_ns
    start = clock()
    end = start + int(seconds * 1e9) if seconds > 0 else None
    while True:
        t0 = clock()
        one_iteration(release)
        ops += 1
        if ops % COLLECT_EVERY == 0:
            gc.collect()
        t1 = clock()
        lat_ns.append(t1 - t0)
        if log_fd is not None:
            os.write(log_fd, b"%d %d\n" % (t1, t1 - t0))
        if end is not None and t1 >= end:
            break
    elapsed = (clock() - start) / 1e9
    lat_ns.sort()

    def q(p):
        return lat_ns[min(len(lat_ns) - 1, max(0, int(p * len(lat_ns) + 0.999999) - 1))] / 1e6

    print(json.dumps({"ops": ops, "seconds": elapsed, "p50_ms": q(0.5),
                      "p99_ms": q(0.99), "p999_ms": q(0.999)}), flush=True)


if __name__ == "__main__":
    main()
