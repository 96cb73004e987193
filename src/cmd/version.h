/* SPDX-License-Identifier: GPL-2.0 */
/* `bpfcost --version`: what this binary is and what it was built with. */
#ifndef BPFCOST_CMD_VERSION_H
#define BPFCOST_CMD_VERSION_H

#include <stdio.h>

void print_version(FILE *f);

#endif
