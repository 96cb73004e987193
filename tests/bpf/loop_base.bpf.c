// SPDX-License-Identifier: GPL-2.0
/* compare's baseline object: loop_work.h without the loop. */
#define LOOPS 0
#include "loop_work.h"
