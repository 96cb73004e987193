/* SPDX-License-Identifier: GPL-2.0 */
/* The exporter's --web-config FILE, in the Prometheus exporter-toolkit
 * format: TLS (cert_file, key_file, min/max_version), basic auth users with
 * bcrypt hashes, extra response headers. Parsed with libyaml; hashes
 * checked with libxcrypt's crypt_r; cert and key checked with GnuTLS. */
#ifndef BPFCOST_TOP_WEBCFG_H
#define BPFCOST_TOP_WEBCFG_H

#include <stdbool.h>
#include <stddef.h>

#define WEBCFG_MAX_USERS 64
#define WEBCFG_MAX_HEADERS 8

struct webcfg_user {
	char *name;
	char *hash;             /* $2a$, $2b$ or $2y$ */
	/* The last password that matched, as SHA-256(salt || password): a
	 * scrape every 15 s must not cost a bcrypt run each time. */
	unsigned char ok_digest[32];
	bool ok_cached;
};

struct webcfg {
	char *path;
	bool tls;
	char *cert_pem, *key_pem;   /* file contents, for libmicrohttpd */
	char priorities[128];       /* GnuTLS priority string */
	int nusers;
	struct webcfg_user users[WEBCFG_MAX_USERS];
	int nheaders;
	char *header_name[WEBCFG_MAX_HEADERS], *header_value[WEBCFG_MAX_HEADERS];
	unsigned char salt[16];     /* for ok_digest, random per process */
	unsigned long bcrypt_runs;  /* verifications that ran bcrypt */
};

/* Parse and check FILE (relative cert/key paths are relative to FILE's
 * folder, as in the exporter toolkit). 0, or -1 with one line in err
 * naming the problem. */
int webcfg_load(const char *path, struct webcfg *cfg, char *err, size_t errlen);
void webcfg_free(struct webcfg *cfg);
enum webcfg_auth {
	WEBCFG_AUTH_OK,
	WEBCFG_AUTH_DENIED,
	WEBCFG_AUTH_BUSY,   /* needs a bcrypt run and may_bcrypt was false */
};
/* Basic auth against the configured users. A password that matched before
 * is recognised from its cached digest; anything else needs a bcrypt run
 * (tens of ms), done only when may_bcrypt. An unknown user costs a bcrypt
 * run too, so timing does not tell users apart. */
enum webcfg_auth webcfg_auth(struct webcfg *cfg, const char *user, const char *password,
			     bool may_bcrypt);

#endif
