# bpfcost: one binary, BPF objects embedded through skeletons.
#   make          build ./bpfcost
#   make run      install missing packages, build, run the default bench
#   make test     install missing packages, build, run the whole suite
#   make static   build/bpfcost-static: one file, TUI and exporter included
#   make deb      build/deb/bpfcost_VERSION_ARCH.deb (scripts/deb.sh, lintian)
#   make install PREFIX=/usr/local

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
LLVM_STRIP ?= llvm-strip
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# The commit `bpfcost --version` names: COMMIT in a source copy (make deb
# writes it there), else git's, with -dirty for uncommitted changes.
COMMIT   := $(shell cat COMMIT 2>/dev/null || { git rev-parse --short=12 HEAD 2>/dev/null && \
              { git diff --quiet HEAD 2>/dev/null || echo -dirty; }; } | tr -d '\n' | grep . || echo unknown)

BTF_SRC  ?= /sys/kernel/btf/vmlinux
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
            -I$(BUILD) -Isrc -DBPFCOST_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDLIBS   := -lbpf -lelf -lz -ljson-c -lncursesw -lmicrohttpd -lgnutls -lyaml -lcrypt -lm -lpthread
# Everything, statically: libmicrohttpd's TLS is GnuTLS, whose static
# library needs nettle, gmp, tasn1, idn2 and unistring, and p11-kit, which
# Debian ships shared only (src/top/p11kit_static.c stands in for it).
STATIC_LDLIBS := -lbpf -lelf -lz -ljson-c -lncursesw -ltinfo -lmicrohttpd -lgnutls -lhogweed \
                 -lnettle -lgmp -ltasn1 -lidn2 -lunistring -latomic -lyaml -lcrypt -lm -lpthread
P11KIT_CFLAGS := $(shell pkg-config --cflags p11-kit-1 2>/dev/null)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Isrc -Wall -Wno-unused-function

# Layers, lowest first (README "Layout"): a file may include its own
# folder and the folders before it, never one after it.
LAYERS   := base core report top cmd
SRCS     := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)) src/main.c
OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
BPF_SRCS := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS := $(patsubst src/bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst src/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
HDRS     := $(foreach l,$(LAYERS) bpf,$(wildcard src/$(l)/*.h))

# The static build has the same sources; BPFCOST_STATIC only adds the
# p11-kit stand-ins and what --version says.
STATIC_OBJS := $(patsubst src/%.c,$(BUILD)/static/%.o,$(SRCS))

.SECONDARY:
.DELETE_ON_ERROR:

.PHONY: all run test deps static install clean unit integration vmtest deb print-commit FORCE
all: bpfcost

deps:
	@./scripts/deps.sh

$(BUILD):
	@mkdir -p $(BUILD) $(BUILD)/static

$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file $(BTF_SRC) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard src/bpf/*.h) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Rewritten only when the commit changes, so nothing else rebuilds.
$(BUILD)/commit.h: FORCE | $(BUILD)
	@echo '#define BPFCOST_COMMIT "$(COMMIT)"' > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/cmd/version.o $(BUILD)/static/cmd/version.o $(BUILD)/asan/cmd/version.o: $(BUILD)/commit.h

$(BUILD)/static:
	@mkdir -p $@

$(BUILD)/static/%.o: src/%.c $(HDRS) $(SKELS) | $(BUILD)/static
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(P11KIT_CFLAGS) -DBPFCOST_STATIC -c $< -o $@

bpfcost: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# glibc warns that getaddrinfo and getpwuid in a static binary load NSS
# modules at run time: numeric addresses (--prometheus) need none.
static: $(BUILD)/bpfcost-static
$(BUILD)/bpfcost-static: $(STATIC_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -static $^ -o $@ $(STATIC_LDLIBS) 2> $@.log || { cat $@.log; exit 1; }
	@grep -v 'statically linked applications requires at runtime\|in function' $@.log >&2 || true
	@rm -f $@.log

# The Debian package (debian/), built by dpkg-buildpackage from a copy of
# the tree and checked by lintian. Build tools: scripts/packages-deb.txt.
deb: deps
	@./scripts/deps.sh scripts/packages-deb.txt
	@BUILD=$(BUILD) ./scripts/deb.sh
print-commit:
	@echo '$(COMMIT)'

run: deps
	@$(MAKE) --no-print-directory bpfcost
	./bpfcost bench

test: deps
	@$(MAKE) --no-print-directory bpfcost tests-build
	@./tests/run.sh

# Unit tests: every tests/unit/test_*.c links against the tool's objects
# (all but main.o).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(TEST_BPF_SRCS))

.PHONY: tests-build
tests-build: $(UNIT_BINS) $(TEST_BPF_OBJS)
tests-build: $(BUILD)/tests/top_driver

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS) -lcmocka

# Fires tests/bpf/top_test.bpf.c's uprobes at a known rate (test_top.sh).
$(BUILD)/tests/top_driver: tests/top_driver.c | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz

# Sample BPF objects for --obj and lint tests.
$(BUILD)/tests/%.bpf.o: tests/bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard tests/bpf/*.h)
	@mkdir -p $(BUILD)/tests
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Boots Debian's stock kernels 5.10, 6.1 and 6.12 (KERNELS="6.1" to choose,
# PACKAGE=linux-image-rt-amd64, or KERNEL=bzImage [MODULES=dir]) under qemu
# and runs check, bench, sweep, top and lint inside each (scripts/vmtest.sh,
# docs/vmtest.md). deps: its static build needs the same packages as the
# dynamic one.
vmtest: deps
	@BUILD=$(BUILD) ./scripts/vmtest.sh $(if $(KERNELS),--kernels "$(KERNELS)") $(if $(KERNEL),--kernel $(KERNEL)) $(if $(MODULES),--modules $(MODULES)) $(if $(PACKAGE),--package $(PACKAGE))

# The systemd unit and /etc/default/bpfcost are the package's (debian/rules).
install: bpfcost
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 bpfcost $(DESTDIR)$(PREFIX)/bin/bpfcost
	install -m 0644 man/bpfcost.1 $(DESTDIR)$(PREFIX)/share/man/man1/bpfcost.1
	install -d $(DESTDIR)$(PREFIX)/share/bpfcost/apps   # bpfcost app's scripts
	install -m 0644 apps/python_gc.py apps/node_heap.js $(DESTDIR)$(PREFIX)/share/bpfcost/apps/
	install -D -m 0644 dist/bash-completion/bpfcost $(DESTDIR)$(PREFIX)/share/bash-completion/completions/bpfcost
	install -D -m 0644 prometheus/bpfcost-rules.yml $(DESTDIR)$(PREFIX)/share/bpfcost/prometheus/bpfcost-rules.yml
	install -D -m 0644 dist/grafana/bpfcost-dashboard.json $(DESTDIR)$(PREFIX)/share/bpfcost/grafana/bpfcost-dashboard.json

clean:
	rm -rf $(BUILD) bpfcost

# AddressSanitizer + UBSan build (build/asan/bpfcost) for the fuzz-style
# tests of `report`; same sources, separate objects.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_OBJS  := $(patsubst src/%.c,$(BUILD)/asan/%.o,$(SRCS))
.PHONY: asan
asan: $(BUILD)/asan/bpfcost
$(BUILD)/asan/%.o: src/%.c $(HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(BUILD)/asan/bpfcost: $(ASAN_OBJS)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $^ -o $@ $(LDLIBS)
