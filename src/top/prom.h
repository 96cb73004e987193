/* SPDX-License-Identifier: GPL-2.0 */
/* top's Prometheus exporter (libmicrohttpd): /metrics from fresh samples. */
#ifndef BPFCOST_TOP_PROM_H
#define BPFCOST_TOP_PROM_H

#include <stddef.h>

#include "top/dispatch.h"
#include "top/stats_ctl.h"
#include "top/webcfg.h"

/* Serves until stopped; web (TLS, basic auth) may be NULL. */
int top_prom_run(struct top_stats *stats, struct top_dispatch *disp, const char *addr,
		 struct webcfg *web);
/* "ADDR:PORT", "[V6]:PORT", ":PORT", "PORT", "ADDR" -> host, port with the
 * defaults 127.0.0.1 and 9464. Returns 0 or -1. */
int top_prom_parse_addr(const char *arg, char *host, size_t hlen, char *port, size_t plen);

#endif
