#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bpfcost app python-gc: CPython churning cyclic garbage.

Usage: python_gc.py SECONDS

One iteration builds a batch of objects in reference cycles (small dicts
from pymalloc arenas, 8 KiB lists from malloc), drops it, and every few
iterations forces gc.collect(): the collector frees the cycles, pymalloc
returns empty arenas (munmap) and glibc trims its heap (brk). Prints one
JSON line: {"ops", "seconds", "p50_ms", "p99_ms", "p999_ms"} with the
per-iteration latency percentiles.
"""
import gc
import json
import sys
import time

BATCH_SMALL = 4000    # small objects: ~0.5 MiB of pymalloc arenas per batch
BATCH_LARGE = 20      # 8 KiB lists: glibc heap growth and trim
COLLECT_EVERY = 4


class Node:
    __slots__ = ("peer", "data")


def one_iteration():
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
    del batch


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    lat_ns = []
    ops = 0
    clock = time.perf_counter_ns
    start = clock()
    end = start + int(seconds * 1e9)
    while True:
        t0 = clock()
        one_iteration()
        ops += 1
        if ops % COLLECT_EVERY == 0:
            gc.collect()
        t1 = clock()
        lat_ns.append(t1 - t0)
        if t1 >= end:
            break
    elapsed = (clock() - start) / 1e9
    lat_ns.sort()

    def q(p):
        return lat_ns[min(len(lat_ns) - 1, max(0, int(p * len(lat_ns) + 0.999999) - 1))] / 1e6

    print(json.dumps({"ops": ops, "seconds": elapsed, "p50_ms": q(0.5),
                      "p99_ms": q(0.99), "p999_ms": q(0.999)}), flush=True)


if __name__ == "__main__":
    main()
