// SPDX-License-Identifier: GPL-2.0
/* `bpfcost --version`: the version, the git commit it was built from, the
 * libbpf it runs with, whether the binary is static, and the libraries of
 * the TUI and the exporter (a static binary carries its own). The first
 * line stays "bpfcost VERSION" for scripts. */
#include "cmd/version.h"

#include "commit.h" /* build/commit.h: BPFCOST_COMMIT, written by make */

#include <bpf/libbpf.h>
#include <curses.h>
#include <gnutls/gnutls.h>
#include <json-c/json_c_version.h>
#include <microhttpd.h>
#include <yaml.h>

void print_version(FILE *f)
{
	const bool tls = MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;

	fprintf(f, "bpfcost %s\n", BPFCOST_VERSION);
	fprintf(f, "commit:   %s\n", BPFCOST_COMMIT);
	fprintf(f, "libbpf:   %s (built with %d.%d)\n", libbpf_version_string(),
		LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
#ifdef BPFCOST_STATIC
	fprintf(f, "build:    static (no shared libraries needed)\n");
#else
	fprintf(f, "build:    dynamic\n");
#endif
	fprintf(f, "exporter: libmicrohttpd %s, TLS %s", MHD_get_version(),
		tls ? "with GnuTLS " : "not available");
	if (tls)
		fprintf(f, "%s", gnutls_check_version(NULL));
	fprintf(f, ", libyaml %s\n", yaml_get_version_string());
#ifdef BPFCOST_STATIC
	fprintf(f, "          no PKCS#11 tokens: certificates and keys from files\n");
#endif
	fprintf(f, "tui:      %s\n", curses_version());
	fprintf(f, "json-c:   %s\n", json_c_version());
}
