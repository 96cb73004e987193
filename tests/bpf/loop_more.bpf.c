// SPDX-License-Identifier: GPL-2.0
/* compare's dearer object: loop_base.bpf.c plus a bounded loop of 32
 * iterations per event (loop_work.h). */
#define LOOPS 32
#include "loop_work.h"
