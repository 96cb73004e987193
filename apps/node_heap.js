#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
// bpfcost app node: a V8 heap that grows and is dropped.
//
// Usage: node node_heap.js SECONDS [--log FILE] [--release N]
//
// One iteration allocates a batch of objects and arrays (young generation)
// and a few 256 KiB ArrayBuffers (outside the V8 heap, malloc'd and
// mmap'd); a sliding window keeps the last batches alive so some survive
// into the old generation, and the window is dropped now and then. V8's
// scavenger and mark-compact then release pages (munmap, madvise). Prints
// one JSON line at the end: {"ops", "seconds", "p50_ms", "p99_ms",
// "p999_ms"} with the per-iteration latency percentiles.
//
// --log FILE: one line per iteration, "END_NS DURATION_NS" (CLOCK_MONOTONIC),
// written as the iteration ends: the iteration counter bpfcost reads
// windows from while the script runs (SECONDS 0: until killed).
// --release N: N more 1 MiB ArrayBuffers per iteration, not kept (the
// memory-release load shape: each is freed, and unmapped, when V8 collects
// it; bpfcost runs it with glibc's mmap threshold fixed at 128 KiB).
'use strict';
const fs = require('fs');

const BATCH = 1000;
const BUFFERS = 4;
const WINDOW = 4;    // batches kept alive
const DROP_EVERY = 64;
const RELEASE_BYTES = 1024 * 1024;

function oneIteration(release) {
  const batch = new Array(BATCH);
  for (let k = 0; k < BATCH; k++)
    batch[k] = { k, s: 'v' + k, a: [k, k + 1, k + 2] };
  for (let b = 0; b < BUFFERS; b++)
    batch.push(new ArrayBuffer(256 * 1024));
  for (let r = 0; r < release; r++)
    new Uint8Array(new ArrayBuffer(RELEASE_BYTES))[0] = 1;
  return batch;
}

function main() {
  const args = process.argv.slice(2);
  let seconds = 5, logFd = -1, release = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--log') logFd = fs.openSync(args[++i], 'w');
    else if (args[i] === '--release') release = Number(args[++i]);
    else seconds = Number(args[i]);
  }
  const now = process.hrtime.bigint;
  const start = now();
  const end = seconds > 0 ? start + BigInt(Math.round(seconds * 1e9)) : -1n;
  const lat = [];
  let keep = [];
  let ops = 0;
  for (;;) {
    const t0 = now();
    keep.push(oneIteration(release));
    if (keep.length > WINDOW) keep.shift();
    ops++;
    if (ops % DROP_EVERY === 0) keep = [];
    const t1 = now();
    lat.push(Number(t1 - t0));
    if (logFd >= 0) fs.writeSync(logFd, `${t1} ${t1 - t0}\n`);
    if (end >= 0n && t1 >= end) break;
  }
  const elapsed = Number(now() - start) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))] / 1e6;
  console.log(JSON.stringify({ ops, seconds: elapsed, p50_ms: q(0.5), p99_ms: q(0.99), p999_ms: q(0.999) }));
}

main();
