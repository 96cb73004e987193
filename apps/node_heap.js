#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
// bpfcost app node: a V8 heap that grows and is dropped.
//
// Usage: node node_heap.js SECONDS
//
// One iteration allocates a batch of objects and arrays (young generation)
// and a few 256 KiB ArrayBuffers (outside the V8 heap, malloc'd and
// mmap'd); a sliding window keeps the last batches alive so some survive
// into the old generation, and the window is dropped now and then. V8's
// scavenger and mark-compact then release pages (munmap, madvise). Prints
// one JSON line: {"ops", "seconds", "p50_ms", "p99_ms", "p999_ms"} with the
// per-iteration latency percentiles.
'use strict';

const BATCH = 5000;
const BUFFERS = 4;
const WINDOW = 16;   // batches kept alive
const DROP_EVERY = 64;

function oneIteration(i) {
  const batch = new Array(BATCH);
  for (let k = 0; k < BATCH; k++)
    batch[k] = { k, s: 'v' + k, a: [k, k + 1, k + 2] };
  for (let b = 0; b < BUFFERS; b++)
    batch.push(new ArrayBuffer(256 * 1024));
  return batch;
}

function main() {
  const seconds = Number(process.argv[2] || 5);
  const now = process.hrtime.bigint;
  const start = now();
  const end = start + BigInt(Math.round(seconds * 1e9));
  const lat = [];
  let keep = [];
  let ops = 0;
  for (;;) {
    const t0 = now();
    keep.push(oneIteration(ops));
    if (keep.length > WINDOW) keep.shift();
    ops++;
    if (ops % DROP_EVERY === 0) keep = [];
    const t1 = now();
    lat.push(Number(t1 - t0));
    if (t1 >= end) break;
  }
  const elapsed = Number(now() - start) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))] / 1e6;
  console.log(JSON.stringify({ ops, seconds: elapsed, p50_ms: q(0.5), p99_ms: q(0.99), p999_ms: q(0.999) }));
}

main();
