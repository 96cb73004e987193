#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
SEC("tp/syscalls/sys_enter_getpid") int dummy(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
