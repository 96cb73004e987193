// SPDX-License-Identifier: GPL-2.0
/* Unit tests for --web-config (top/webcfg.c): what the exporter-toolkit
 * file may hold, the one-line errors, and basic auth with its cache.
 * TLS files are exercised by tests/integration/test_webconfig.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "top/webcfg.h"

/* bcrypt of "s3cret-pass", cost 10 */
#define HASH "$2b$10$SVj/OcGFnSVPzKXO6HKxm.jdmeakc6sXjRrpXAErEAcBwT0Ry3A1G"

static char path[64];
static char err[512];

static int load(const char *yaml, struct webcfg *cfg)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/bpfcost-webcfg-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);
	err[0] = '\0';
	int r = webcfg_load(path, cfg, err, sizeof(err));
	unlink(path);
	return r;
}

static void test_empty_file(void **state)
{
	struct webcfg cfg;

	assert_int_equal(load("", &cfg), 0);
	assert_false(cfg.tls);
	assert_int_equal(cfg.nusers, 0);
	webcfg_free(&cfg);
	assert_int_equal(load("# nothing\ntls_server_config:\nbasic_auth_users: ~\n", &cfg), 0);
	assert_false(cfg.tls);
	webcfg_free(&cfg);
}

static void test_users_and_headers(void **state)
{
	struct webcfg cfg;

	assert_int_equal(load("basic_auth_users:\n  alice: " HASH "\n  bob: '$2y$10$SVj/OcGFnSVPz"
			      "KXO6HKxm.jdmeakc6sXjRrpXAErEAcBwT0Ry3A1G'\n"
			      "http_server_config:\n  http2: false\n  headers:\n"
			      "    x-frame-options: deny\n", &cfg), 0);
	assert_int_equal(cfg.nusers, 2);
	assert_string_equal(cfg.users[1].name, "bob");
	assert_int_equal(cfg.nheaders, 1);
	assert_string_equal(cfg.header_name[0], "X-Frame-Options"); /* canonical case */
	assert_string_equal(cfg.header_value[0], "deny");
	webcfg_free(&cfg);
}

static void test_errors_name_the_problem(void **state)
{
	static const struct { const char *yaml, *want; } cases[] = {
		{ "foo: 1\n", "line 1: unknown key 'foo' (accepted: tls_server_config" },
		{ "[1, 2]\n", "the top level must be a mapping" },
		{ "basic_auth_users: [a]\n", "basic_auth_users must be a mapping" },
		{ "tls_server_config: {cert_file: a}\n", "needs both cert_file and key_file" },
		{ "tls_server_config: {cert_file: a, key_file: b, min_version: SSL3}\n",
		  "'SSL3' (accepted: TLS10, TLS11, TLS12, TLS13)" },
		{ "tls_server_config: {cipher_suites: [x]}\n", "cipher_suites is not supported" },
		{ "tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
		  "line 2: tls_server_config.client_auth_type 'RequireAnyClientCert'" },
		{ "basic_auth_users: {alice: secret}\n", "basic_auth_users.alice is not a bcrypt hash" },
		{ "basic_auth_users: {alice: $2b$10$tooshort}\n", "malformed bcrypt hash" },
		{ "basic_auth_users:\n  alice:\n", "line 2: basic_auth_users.alice needs a bcrypt hash" },
		{ "http_server_config: {headers: {Set-Cookie: a}}\n", "Set-Cookie cannot be set" },
		{ "http_server_config: {http2: maybe}\n", "'maybe' (accepted: true, false)" },
		{ "http_server_config: {h2: true}\n", "unknown key http_server_config.h2" },
		{ "basic_auth_users:\n  a: " HASH "\n  a: " HASH "\n", "line 3: basic_auth_users: 'a' appears twice" },
		{ "a: [\n", "not valid YAML" },
	};
	struct webcfg cfg;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(cases[i].yaml, &cfg), -1);
		if (!strstr(err, cases[i].want) || strchr(err, '\n') || strncmp(err, path, strlen(path)))
			fail_msg("case %zu: got '%s', want '%s' after the path", i, err, cases[i].want);
	}
}

static void test_missing_file(void **state)
{
	struct webcfg cfg;

	assert_int_equal(webcfg_load("/nonexistent/web.yml", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/web.yml: No such file or directory");
}

static void test_auth_and_its_cache(void **state)
{
	struct webcfg cfg;

	assert_int_equal(load("basic_auth_users:\n  alice: " HASH "\n", &cfg), 0);
	assert_int_equal(webcfg_auth(&cfg, "alice", "wrong", true), WEBCFG_AUTH_DENIED);
	assert_int_equal(webcfg_auth(&cfg, "mallory", "s3cret-pass", true), WEBCFG_AUTH_DENIED);
	assert_int_equal(cfg.bcrypt_runs, 2); /* an unknown user pays bcrypt too */
	assert_int_equal(webcfg_auth(&cfg, NULL, NULL, true), WEBCFG_AUTH_DENIED);
	/* a new password without the right to run bcrypt: busy, not denied */
	assert_int_equal(webcfg_auth(&cfg, "alice", "s3cret-pass", false), WEBCFG_AUTH_BUSY);
	assert_int_equal(webcfg_auth(&cfg, "alice", "s3cret-pass", true), WEBCFG_AUTH_OK);
	assert_int_equal(cfg.bcrypt_runs, 3);
	/* remembered: no bcrypt run, even when none is allowed */
	assert_int_equal(webcfg_auth(&cfg, "alice", "s3cret-pass", false), WEBCFG_AUTH_OK);
	assert_int_equal(cfg.bcrypt_runs, 3);
	/* a wrong password does not pass through the cache */
	assert_int_equal(webcfg_auth(&cfg, "alice", "s3cret-pas", false), WEBCFG_AUTH_BUSY);
	webcfg_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_users_and_headers),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_auth_and_its_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
