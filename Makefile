# Vigil build. `make` builds into build/; `make check` installs what the tests
# need, then runs every test; `make check SANITIZE=1` runs the same tests on
# an ASan + UBSan build (in build-san/).
#
# Sources are found by directory, so adding a module needs no edit here:
#   src/lib/*.c      -> build/libvigil.a (shared by every program)
#   src/proxy/*.c    -> build/vigil-proxy       (main in src/proxy/main.c)
#   src/cluster/*.c  -> build/libvigilcluster.a (scheduler, daemon modules)
#   src/cli/*.c      -> build/vigilctl          (main in src/cli/main.c)
#   src/daemon/main.c -> build/vigild
#   src/helpers/main.c -> build/vigil-helper, linked as build/helpers/crm_attribute
#                       etc.: Pacemaker's helper commands for OCF agents
#   tests/unit/test_*.c -> build/tests/test_*   (each links every library)
#   tests/fuzz/fuzz_*.c -> build/fuzz/fuzz_*    (clang libFuzzer, `make fuzz`)
#   tests/cluster/fence_vigiltest.c -> build/fence/fence_vigiltest

CC      ?= gcc
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
OPT     ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Isrc
LDLIBS  += -lpthread -lm -lz
# TLS in vigil-proxy (src/proxy/ssl*.c): OpenSSL from Debian's libssl-dev.
SSL_LDLIBS := -lssl -lcrypto
# Corosync 3 (vigild's cluster layer), from Debian's -dev packages.
CLUSTER_LDLIBS := -lcpg -lvotequorum -lcmap -lcorosync_common

ifeq ($(SANITIZE),1)
B       := build-san
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
B       := build
SANFLAGS :=
endif

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

LIB_SRC     := $(wildcard src/lib/*.c)
PROXY_SRC   := $(filter-out src/proxy/main.c,$(wildcard src/proxy/*.c))
CLUSTER_SRC := $(wildcard src/cluster/*.c)
CLI_SRC     := $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst src/%.c,$(B)/obj/%.o,$(1))

LIB_A     := $(B)/libvigil.a
PROXY_A   := $(B)/libvigilproxy.a
CLUSTER_A := $(B)/libvigilcluster.a
ALL_A     := $(PROXY_A) $(CLUSTER_A) $(LIB_A)

PROGS := $(B)/vigil-proxy $(B)/vigilctl
ifneq ($(wildcard src/daemon/main.c),)
PROGS += $(B)/vigild
endif
HELPER_NAMES := crm_attribute crm_master crm_node attrd_updater crm_resource
ifneq ($(wildcard src/helpers/main.c),)
PROGS += $(B)/vigil-helper $(addprefix $(B)/helpers/,$(HELPER_NAMES))
endif
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
# The fence agent of the test hosts (tests/cluster), found by vigild there.
PROGS += $(B)/fence/fence_vigiltest

.PHONY: all check unit integration scheduler-tests fuzz demo setup clean
all: $(PROGS)

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@); rm -f $@; $(AR) rcs $@ $^
$(PROXY_A): $(call obj,$(PROXY_SRC))
	@mkdir -p $(dir $@); rm -f $@; $(AR) rcs $@ $^
$(CLUSTER_A): $(call obj,$(CLUSTER_SRC) $(CLI_SRC))
	@mkdir -p $(dir $@); rm -f $@; $(AR) rcs $@ $^

$(B)/vigil-proxy: $(B)/obj/proxy/main.o $(PROXY_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(SSL_LDLIBS)
$(B)/vigilctl: $(B)/obj/cli/main.o $(CLUSTER_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CLUSTER_LDLIBS)

$(B)/vigild: $(B)/obj/daemon/main.o $(CLUSTER_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CLUSTER_LDLIBS)
$(B)/vigil-helper: $(B)/obj/helpers/main.o $(CLUSTER_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CLUSTER_LDLIBS)
$(B)/helpers/%: $(B)/vigil-helper
	@mkdir -p $(dir $@); ln -sf ../vigil-helper $@

# Static (but for the sanitizer build): a fence's duration is part of every
# failover measured on the test hosts, and the dynamic loader's share of an
# exec is a few milliseconds on a busy machine.
$(B)/fence/fence_vigiltest: tests/cluster/fence_vigiltest.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(if $(SANFLAGS),,-static) -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(ALL_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_A) $(LDLIBS) $(CLUSTER_LDLIBS) $(SSL_LDLIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Integration tests start the programs built here; they find them through
# VIGIL_BUILD so the sanitizer pass tests the sanitizer build.
integration: all
	VIGIL_BUILD=$(CURDIR)/$(B) /usr/bin/python3 -m pytest -q -x tests/integration
	VIGIL_BUILD=$(CURDIR)/$(B) /usr/bin/python3 -m pytest -q -x tests/cluster

scheduler-tests: all
	@if [ -x tests/scheduler/run ]; then VIGIL_BUILD=$(CURDIR)/$(B) tests/scheduler/run; fi

setup:
	@scripts/setup.sh

check: setup
	$(MAKE) all unit scheduler-tests integration

# Fuzz targets: clang + libFuzzer, each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := $(CPPFLAGS) $(CSTD) -g -O1 -fsanitize=fuzzer-no-link,address,undefined
# Every source is compiled once for all targets, then each target links.
FUZZ_OBJ := $(patsubst src/%.c,build-fuzz/obj/%.o,$(LIB_SRC) $(PROXY_SRC) $(CLUSTER_SRC) $(CLI_SRC))
.SECONDARY: $(FUZZ_OBJ)
build-fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
build-fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(CLUSTER_LDLIBS) $(SSL_LDLIBS)
# A failing target fails the run; its output and the crashing input (in
# build-fuzz/) are kept.
fuzz: setup $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p build-fuzz/corpus-$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=build-fuzz/$$n- \
	      build-fuzz/corpus-$$n tests/fuzz/seeds/$$n > build-fuzz/$$n.log 2>&1; then \
	    cat build-fuzz/$$n.log; echo "fuzz target $$n failed"; exit 1; fi; \
	  tail -1 build-fuzz/$$n.log; done

demo: setup all
	@scripts/demo.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B)/obj $(B)/tests build-fuzz/obj -name '*.d' 2>/dev/null)
