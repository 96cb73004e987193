#include "commands.h"
#include "util.h"
int cmd_check(int argc, char **argv) { return runtime_error("not yet"); }
