// SPDX-License-Identifier: GPL-2.0
/* --web-config: the Prometheus exporter-toolkit file, so the exporter is
 * secured the way node_exporter is:
 *
 *   tls_server_config:
 *     cert_file: tls.crt          # relative to this file's folder
 *     key_file: tls.key
 *     min_version: TLS12          # TLS10..TLS13 (default TLS12)
 *   basic_auth_users:
 *     prometheus: $2y$10$...      # bcrypt (htpasswd -nBC 10 "")
 *   http_server_config:
 *     headers: { Strict-Transport-Security: max-age=31536000 }
 *
 * What the toolkit has and bpfcost does not (client certificates, cipher
 * and curve lists) is refused by name rather than ignored: a security
 * setting silently dropped is worse than a clear error. */
#include "top/webcfg.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define MAX_FILE_BYTES (1 << 20)

struct parse {
	struct webcfg *cfg;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	char *cert_file, *key_file;
	int min_version, max_version; /* 10..13, 0 = default */
};

static int fail(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct parse *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(p->err, p->errlen, "%s: line %zu: %s", p->cfg->path,
			 n->start_mark.line + 1, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->cfg->path, msg);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* An empty value (`key:`), ~ or null: the toolkit treats it as absent. */
static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	return !n || (s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      (!*s || !strcmp(s, "~") || !strcasecmp(s, "null")));
}

/* Walks a mapping; calls fn for each pair, refusing duplicate keys. */
static int each_pair(struct parse *p, const yaml_node_t *map, const char *what,
		     int (*fn)(struct parse *, const char *key, yaml_node_t *k, yaml_node_t *v))
{
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, "%s must be a mapping of keys to values", what);
	for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top; a++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, a->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, a->value);
		const char *key = scalar(k);

		if (!key)
			return fail(p, k, "%s: keys must be plain strings", what);
		for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++)
			if (!strcmp(scalar(yaml_document_get_node(p->doc, b->key)) ?: "", key))
				return fail(p, k, "%s: '%s' appears twice", what, key);
		if (fn(p, key, k, v))
			return -1;
	}
	return 0;
}

static int need_string(struct parse *p, const char *key, yaml_node_t *v, const char **out)
{
	*out = scalar(v);
	if (!*out)
		return fail(p, v, "%s must be a string", key);
	return 0;
}

static int tls_version(struct parse *p, const char *key, yaml_node_t *v, int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	const char *s;

	if (need_string(p, key, v, &s))
		return -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = 10 + i;
			return 0;
		}
	return fail(p, v, "tls_server_config.%s '%s' (accepted: TLS10, TLS11, TLS12, TLS13)", key, s);
}

static int tls_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v)
{
	const char *s;

	if (!strcmp(key, "cert_file") || !strcmp(key, "key_file")) {
		if (is_null(v))
			return 0;
		if (need_string(p, key, v, &s))
			return -1;
		*(key[0] == 'c' ? &p->cert_file : &p->key_file) = strdup(s);
		return 0;
	}
	if (!strcmp(key, "min_version"))
		return is_null(v) ? 0 : tls_version(p, key, v, &p->min_version);
	if (!strcmp(key, "max_version"))
		return is_null(v) ? 0 : tls_version(p, key, v, &p->max_version);
	if (!strcmp(key, "client_auth_type")) {
		if (is_null(v) || !strcmp(scalar(v) ?: "", "NoClientCert"))
			return 0;
		return fail(p, v, "tls_server_config.client_auth_type '%s' is not supported by "
			    "bpfcost (accepted: NoClientCert)", scalar(v) ?: "?");
	}
	if (!strcmp(key, "client_ca_file") || !strcmp(key, "client_allowed_sans") ||
	    !strcmp(key, "cipher_suites") || !strcmp(key, "curve_preferences") ||
	    !strcmp(key, "prefer_server_cipher_suites") || !strcmp(key, "cert") ||
	    !strcmp(key, "key")) {
		if (is_null(v))
			return 0;
		return fail(p, k, "tls_server_config.%s is not supported by bpfcost (supported: "
			    "cert_file, key_file, min_version, max_version)", key);
	}
	return fail(p, k, "unknown key tls_server_config.%s (accepted: cert_file, key_file, "
		    "min_version, max_version)", key);
}

static int user_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v)
{
	struct webcfg *cfg = p->cfg;
	const char *hash = scalar(v);
	struct webcfg_user *u;

	if (!hash || is_null(v))
		return fail(p, k, "basic_auth_users.%s needs a bcrypt hash", key);
	/* bcrypt only, as the toolkit: $2a$, $2b$ or $2y$, cost 04-31, 53
	 * characters of salt and hash. libxcrypt checks the setting. */
	if (strncmp(hash, "$2a$", 4) && strncmp(hash, "$2b$", 4) && strncmp(hash, "$2y$", 4))
		return fail(p, v, "basic_auth_users.%s is not a bcrypt hash (accepted: $2a$, $2b$, "
			    "$2y$ hashes, e.g. from htpasswd -nBC 10 \"\")", key);
	if (strlen(hash) != 60 || crypt_checksalt(hash) != CRYPT_SALT_OK)
		return fail(p, v, "basic_auth_users.%s: malformed bcrypt hash (60 characters "
			    "expected: $2y$COST$ then 53 of salt and hash)", key);
	if (cfg->nusers == WEBCFG_MAX_USERS)
		return fail(p, k, "more than %d basic_auth_users", WEBCFG_MAX_USERS);
	u = &cfg->users[cfg->nusers++];
	u->name = strdup(key);
	u->hash = strdup(hash);
	return 0;
}

/* The headers the toolkit allows to be set. */
static const char *const header_names[] = {
	"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
	"X-XSS-Protection", "Content-Security-Policy",
};

static int header_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v)
{
	struct webcfg *cfg = p->cfg;
	const char *val;
	size_t i;

	for (i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++)
		if (!strcasecmp(key, header_names[i]))
			break;
	if (i == sizeof(header_names) / sizeof(header_names[0]))
		return fail(p, k, "http_server_config.headers.%s cannot be set (accepted: "
			    "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
			    "X-XSS-Protection, Content-Security-Policy)", key);
	if (need_string(p, key, v, &val) || is_null(v))
		return fail(p, v, "http_server_config.headers.%s needs a value", key);
	if (strpbrk(val, "\r\n"))
		return fail(p, v, "http_server_config.headers.%s: no line breaks in a header", key);
	cfg->header_name[cfg->nheaders] = strdup(header_names[i]);
	cfg->header_value[cfg->nheaders++] = strdup(val);
	return 0;
}

static int http_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v)
{
	const char *s = scalar(v);

	if (!strcmp(key, "headers"))
		return each_pair(p, v, "http_server_config.headers", header_key);
	if (!strcmp(key, "http2")) {
		/* HTTP/1.1 only; clients fall back, as they do with http2: false. */
		if (is_null(v) || (s && (!strcmp(s, "true") || !strcmp(s, "false"))))
			return 0;
		return fail(p, v, "http_server_config.http2 '%s' (accepted: true, false)", s ?: "?");
	}
	return fail(p, k, "unknown key http_server_config.%s (accepted: headers, http2)", key);
}

static int root_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v)
{
	if (!strcmp(key, "tls_server_config"))
		return each_pair(p, v, "tls_server_config", tls_key);
	if (!strcmp(key, "basic_auth_users"))
		return each_pair(p, v, "basic_auth_users", user_key);
	if (!strcmp(key, "http_server_config"))
		return each_pair(p, v, "http_server_config", http_key);
	return fail(p, k, "unknown key '%s' (accepted: tls_server_config, basic_auth_users, "
		    "http_server_config)", key);
}

static char *read_all(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	buf = malloc(MAX_FILE_BYTES + 1);
	n = buf ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
	if (!buf || ferror(f) || n > MAX_FILE_BYTES) {
		*err = !buf ? ENOMEM : n > MAX_FILE_BYTES ? EFBIG : EIO;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* A path from the file, relative to the file's own folder. */
static char *resolve(const char *cfg_path, const char *file)
{
	char *copy, *out = NULL;

	if (file[0] == '/')
		return strdup(file);
	copy = strdup(cfg_path);
	if (copy && asprintf(&out, "%s/%s", dirname(copy), file) < 0)
		out = NULL;
	free(copy);
	return out;
}

static int load_tls(struct parse *p)
{
	struct webcfg *cfg = p->cfg;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	const char *errpos;
	char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	int lo = p->min_version ? p->min_version : 12, hi = p->max_version ? p->max_version : 13;
	int e, r, n;

	if (!p->cert_file || !p->key_file)
		return fail(p, NULL, "tls_server_config needs both cert_file and key_file");
	if (lo > hi)
		return fail(p, NULL, "tls_server_config: min_version TLS%d is above max_version TLS%d",
			    lo, hi);
	cert = resolve(cfg->path, p->cert_file);
	key = resolve(cfg->path, p->key_file);
	if (!cert || !key) {
		free(cert);
		free(key);
		return fail(p, NULL, "out of memory");
	}
	cfg->cert_pem = read_all(cert, &clen, &e);
	if (!cfg->cert_pem)
		r = fail(p, NULL, "cert_file %s: %s", cert, strerror(e));
	else if (!(cfg->key_pem = read_all(key, &klen, &e)))
		r = fail(p, NULL, "key_file %s: %s", key, strerror(e));
	else
		r = 0;
	if (r)
		goto out;
	/* libmicrohttpd only says "cannot start": check the pair here. */
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		r = fail(p, NULL, "GnuTLS cannot allocate credentials");
		goto out;
	}
	e = gnutls_certificate_set_x509_key_mem2(cred,
		&(gnutls_datum_t){ (unsigned char *)cfg->cert_pem, (unsigned)clen },
		&(gnutls_datum_t){ (unsigned char *)cfg->key_pem, (unsigned)klen },
		GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (e < 0) {
		r = fail(p, NULL, "cert_file %s and key_file %s: %s (accepted: a PEM certificate "
			 "and its unencrypted PEM key)", cert, key, gnutls_strerror(e));
		goto out;
	}
	n = snprintf(cfg->priorities, sizeof(cfg->priorities), "NORMAL:-VERS-ALL");
	for (int v = hi; v >= lo; v--)
		n += snprintf(cfg->priorities + n, sizeof(cfg->priorities) - n, ":+VERS-TLS1.%d", v - 10);
	if (gnutls_priority_init(&prio, cfg->priorities, &errpos) < 0) {
		r = fail(p, NULL, "GnuTLS refuses TLS1.%d..TLS1.%d here", lo - 10, hi - 10);
		goto out;
	}
	gnutls_priority_deinit(prio);
	cfg->tls = true;
out:
	free(cert);
	free(key);
	return r;
}

int webcfg_load(const char *path, struct webcfg *cfg, char *err, size_t errlen)
{
	struct parse p = { .cfg = cfg, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	char *text;
	size_t len;
	int e, r = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	text = read_all(path, &len, &e);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		webcfg_free(cfg);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s: line %zu: %s%s%s (not valid YAML)", path,
			 parser.problem_mark.line + 1, parser.problem ?: "parse error",
			 parser.context ? " " : "", parser.context ?: "");
		yaml_parser_delete(&parser);
		free(text);
		webcfg_free(cfg);
		return -1;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root) && root->type != YAML_MAPPING_NODE)
		r = fail(&p, root, "the top level must be a mapping (accepted: tls_server_config, "
			 "basic_auth_users, http_server_config)");
	else if (root)
		r = each_pair(&p, root, "the file", root_key);
	if (!r && (p.cert_file || p.key_file || p.min_version || p.max_version))
		r = load_tls(&p);
	if (!r && cfg->nusers && gnutls_rnd(GNUTLS_RND_NONCE, cfg->salt, sizeof(cfg->salt)) < 0)
		r = fail(&p, NULL, "no random bytes for the password cache");
	free(p.cert_file);
	free(p.key_file);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	if (r)
		webcfg_free(cfg);
	return r;
}

void webcfg_free(struct webcfg *cfg)
{
	free(cfg->path);
	free(cfg->cert_pem);
	if (cfg->key_pem) {
		explicit_bzero(cfg->key_pem, strlen(cfg->key_pem));
		free(cfg->key_pem);
	}
	for (int i = 0; i < cfg->nusers; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].hash);
	}
	for (int i = 0; i < cfg->nheaders; i++) {
		free(cfg->header_name[i]);
		free(cfg->header_value[i]);
	}
	memset(cfg, 0, sizeof(*cfg));
}

static void digest(const struct webcfg *cfg, const char *password, unsigned char out[32])
{
	size_t n = strlen(password);
	unsigned char *buf = malloc(sizeof(cfg->salt) + n);

	memset(out, 0, 32);
	if (!buf)
		return;
	memcpy(buf, cfg->salt, sizeof(cfg->salt));
	memcpy(buf + sizeof(cfg->salt), password, n);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, sizeof(cfg->salt) + n, out);
	explicit_bzero(buf, sizeof(cfg->salt) + n);
	free(buf);
}

static bool same(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return !d;
}

enum webcfg_auth webcfg_auth(struct webcfg *cfg, const char *user, const char *password,
			     bool may_bcrypt)
{
	static struct crypt_data cd; /* ~32 KiB; only the server thread calls this */
	struct webcfg_user *u = NULL;
	unsigned char d[32];
	const char *h;
	bool ok;

	if (!cfg->nusers || !user || !password)
		return WEBCFG_AUTH_DENIED;
	for (int i = 0; i < cfg->nusers; i++)
		if (!strcmp(cfg->users[i].name, user))
			u = &cfg->users[i];
	digest(cfg, password, d);
	if (u && u->ok_cached && same(d, u->ok_digest, sizeof(d)))
		return WEBCFG_AUTH_OK;
	if (!may_bcrypt)
		return WEBCFG_AUTH_BUSY;
	/* An unknown user pays for a bcrypt run as a known one does. */
	memset(&cd, 0, sizeof(cd));
	h = crypt_r(password, u ? u->hash : cfg->users[0].hash, &cd);
	cfg->bcrypt_runs++;
	ok = u && h && strlen(h) == strlen(u->hash) && same(h, u->hash, strlen(h));
	if (ok) {
		memcpy(u->ok_digest, d, sizeof(d));
		u->ok_cached = true;
	}
	return ok ? WEBCFG_AUTH_OK : WEBCFG_AUTH_DENIED;
}
