/* SPDX-License-Identifier: GPL-2.0 */
/* The environment recorded with every result: what moves numbers. */
#ifndef BPFCOST_ENV_H
#define BPFCOST_ENV_H

#include <json-c/json.h>
#include <stdio.h>

/* A new JSON object (caller owns it). Calls timer_init(). */
json_object *env_collect(void);
/* /proc/cpuinfo's first "model name", "unknown" without one. */
const char *env_cpu_model(char *buf, size_t len);
/* "2026-11-22T02:30:00Z" */
const char *iso_time_now(char *buf, size_t len);
/* A few lines for human output; width <= 80. */
void env_print(FILE *f, json_object *env);
/* The start of a measurement whose workload runs on cpu (-1: pinned
 * elsewhere): env_collect(), the calling thread pinned to cpu, and a
 * warning when that fails or when kernel.bpf_stats_enabled is 1 (someone
 * else's stats are on: every probe run pays their clock reads). */
json_object *env_begin(int cpu);

#endif
