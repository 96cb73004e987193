/* SPDX-License-Identifier: GPL-2.0 */
/* Capture what a call writes to stderr (fd 2) into a string, for tests
 * that check a message is exactly one line. */
#ifndef BPFCOST_TEST_CAPTURE_H
#define BPFCOST_TEST_CAPTURE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct capture {
	FILE *f;
	int saved_fd;
};

static inline void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	c->saved_fd = dup(2);
	dup2(fileno(c->f), 2);
}

/* Restores stderr; buf holds what was written (cut to len - 1). */
static inline const char *capture_end(struct capture *c, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved_fd, 2);
	close(c->saved_fd);
	rewind(c->f);
	n = fread(buf, 1, len - 1, c->f);
	buf[n] = '\0';
	fclose(c->f);
	return buf;
}

/* Lines in s: the number of '\n', each line ending in one. */
static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#endif
