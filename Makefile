# nntrain - see README.md and docs/design.md.
#   make | make deps | make data | make test | make test-asan | make check-shape | make docs
#   make install | make uninstall [PREFIX=/usr/local DESTDIR=] | make check-install
#   make check-vexp | make fuzz [FUZZ_SECONDS=N]
#   make bench | make bench-compare | make bench-load | make bench-shared | make run | make clean
.SUFFIXES:

.DEFAULT_GOAL := all

CC      ?= cc
# BLAS=openblas routes nn_gemm to cblas_sgemm (Debian libopenblas-dev), in its own build dir.
BLAS    ?=
BUILD   ?= build$(if $(BLAS),-$(BLAS))
OPT     ?= -O3 -g
WERROR  ?= -Werror
SAN     ?=
PKG_CONFIG ?= pkg-config

# One version source (the file VERSION). make install: where things go (docs/install.md;
# DESTDIR is prepended to each); the binary looks where make install puts the fetch script
# and the MNIST checksums (docs/data.md), so build with the PREFIX you install to.
VERSION     := $(shell cat VERSION)
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SHAREDIR    ?= $(PREFIX)/share/nntrain
LIBEXECDIR  ?= $(PREFIX)/lib/nntrain
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
PKGDATADIR  ?= $(SHAREDIR)
CLI_DEFS     = -DNNTRAIN_VERSION='"$(VERSION)"' -DNNTRAIN_LIBEXECDIR='"$(LIBEXECDIR)"' \
               -DNNTRAIN_PKGDATADIR='"$(PKGDATADIR)"'

PKGS      = libcjson stb zlib libdeflate
STD       = -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp
WARN      = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes $(WERROR)
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

BLAS_CFLAGS = $(if $(BLAS),-DNN_BLAS -DNN_BLAS_LIB='"$(BLAS)"' $(shell $(PKG_CONFIG) --cflags $(BLAS) 2>/dev/null))
BLAS_LIBS   = $(if $(BLAS),$(shell $(PKG_CONFIG) --libs $(BLAS) 2>/dev/null || echo -l$(BLAS)))

ALL_CFLAGS = $(STD) $(WARN) $(OPT) $(SAN) -Iinclude -Isrc $(PKG_CFLAGS) $(BLAS_CFLAGS) -MMD -MP \
             $(CPPFLAGS) $(CFLAGS)
ALL_LDLIBS = -fopenmp $(PKG_LIBS) $(BLAS_LIBS) -lm $(LDLIBS)

CLI_SRC  = $(wildcard src/cli/*.c)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
# The "blas" GEMM kernel (src/math/gemm/blas.c) is built only with BLAS=.
LIB_SRC  = $(filter-out src/cli/% $(if $(BLAS),,src/math/gemm/blas.c),\
             $(shell find src -name '*.c' | LC_ALL=C sort))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
# The Check suites (tests/main.c runs them): a folder ("room") per source folder, tests/e2e
# and tests/hostile (the binary run whole), tests/support (what they share); a new room
# needs no edit here. tests/fuzz, tests/bench and tests/tools have their own targets.
TEST_SRC = tests/main.c \
           $(filter-out tests/fuzz/% tests/bench/% tests/tools/%,$(wildcard tests/*/*.c))

# A GEMM kernel file is built for its own instruction set (kernel_<isa>.c); the driver
# calls it only when the CPU has that set (src/math/gemm/gemm.c: cpu_has checks exactly
# these flags' features).
KERNEL_FLAGS_avx512 = -mavx512f
KERNEL_FLAGS_avx2   = -mavx2 -mfma

TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)

# bench-load: loading MNIST from a folder of PNGs vs from the IDX .gz (scripts/bench-load.sh).
bench-load:
	@scripts/bench-load.sh

# fuzz: libFuzzer harnesses (tests/fuzz/fuzz_<name>.c, Debian clang + libclang-rt-14-dev)
# over the library built with clang, ASan and UBSan (no OpenMP: the harnesses run on one
# thread), each FUZZ_SECONDS on its corpus (tests/fuzz/corpus/<name>, grown in
# build-fuzz/corpus/<name>); a crash, leak or sanitizer report fails the target. Each
# harness gets its dictionary: png.dict (chunk names) for images, none for IDX, json.dict
# for the rest.
FUZZ_SECONDS ?= 30
FUZZ_NAMES   = config safetensors sweep idx image collect
FUZZ_BUILD   = build-fuzz
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz: check-deps
	@command -v clang >/dev/null || { echo "fuzz: clang not found (scripts/install-deps.sh clang libclang-rt-14-dev)" >&2; exit 2; }
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="-g -O1" WERROR= \
	    STD="-std=c11 -D_POSIX_C_SOURCE=200809L -Wno-unknown-pragmas" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BUILD)/libnntrain.a
	@for n in $(FUZZ_NAMES); do \
	    clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer -Iinclude -Isrc \
	        $(PKG_CFLAGS) tests/fuzz/fuzz_$$n.c $(FUZZ_BUILD)/libnntrain.a $(PKG_LIBS) -lm \
	        -o $(FUZZ_BUILD)/fuzz_$$n || exit 1; \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	    case $$n in idx) dict=;; image) dict=-dict=tests/fuzz/png.dict;; \
	        *) dict=-dict=tests/fuzz/json.dict;; esac; \
	    echo "== fuzz_$$n, $(FUZZ_SECONDS) s"; \
	    $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	        $$dict -print_final_stats=1 \
	        $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n >$(FUZZ_BUILD)/fuzz_$$n.log 2>&1; \
	    rc=$$?; tail -n 12 $(FUZZ_BUILD)/fuzz_$$n.log; \
	    [ $$rc -eq 0 ] || { echo "fuzz_$$n failed (exit $$rc): $(FUZZ_BUILD)/fuzz_$$n.log" >&2; exit 1; }; \
	done

.PHONY: install uninstall check-install check fuzz all test test-asan deps data run clean check-deps bench bench-compare bench-load bench-shared docs check-shape check-layers check-vexp

all: check-deps nntrain

# Without this, one missing package drops every flag and the compiler's first error is
# about an unrelated header.
check-deps:
	@$(PKG_CONFIG) --exists $(PKGS) || { echo "missing libraries: $$($(PKG_CONFIG) --print-errors --exists $(PKGS) 2>&1 | head -1); run 'make deps' (Debian: libcjson-dev libstb-dev zlib1g-dev libdeflate-dev)" >&2; exit 1; }

# ./nntrain is a copy of build/nntrain (renamed into place: a running one is not disturbed).
nntrain: $(BUILD)/nntrain
	cp $(BUILD)/nntrain nntrain.tmp && mv -f nntrain.tmp nntrain

$(BUILD)/nntrain: $(CLI_OBJ) $(BUILD)/libnntrain.a
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/libnntrain.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(XDEFS) -c -o $@ $<

# The command line, the library's version (src/sys/version.c: what a run records) and the
# test of --version get CLI_DEFS; the stamp changes only when they do, so "make
# PREFIX=/usr" after "make" rebuilds exactly those objects.
DEFS_OBJ = $(CLI_OBJ) $(BUILD)/src/sys/version.o $(BUILD)/tests/e2e/fetch.o
$(DEFS_OBJ): XDEFS = $(CLI_DEFS)
$(DEFS_OBJ): $(BUILD)/cli_defs
$(BUILD)/cli_defs: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' "$(VERSION)" "$(LIBEXECDIR)" "$(PKGDATADIR)" > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
FORCE:

$(BUILD)/src/math/gemm/kernel_%.o: src/math/gemm/kernel_%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(KERNEL_FLAGS_$*) -c -o $@ $<

# expm1f / expf in vector registers (src/math/vexp.h): the same instruction sets, and no FMA
# the scalar glibc code they reproduce bit for bit does not have.
$(BUILD)/src/math/vexp_%.o: src/math/vexp_%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(KERNEL_FLAGS_$*) -ffp-contract=off -c -o $@ $<

# Test files include "suites.h" and "support/<name>.h" from tests/ (searched after src/).
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests $(XDEFS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/test_nntrain: $(TEST_OBJ) $(BUILD)/libnntrain.a $(BUILD)/nntrain $(BUILD)/config_doc
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/libnntrain.a $(CHECK_LIBS) $(ALL_LDLIBS)

# deps: installs the Debian packages (through sudo when not root); a no-op when present.
deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check-layers

# check: the suites without installing packages first (debian/rules runs this one).
check: check-deps
	@$(MAKE) --no-print-directory $(BUILD)/test_nntrain
	NNTRAIN=$(BUILD)/nntrain $(BUILD)/test_nntrain

# The same suites under AddressSanitizer + UndefinedBehaviorSanitizer (no fork: ASan's
# leak check then covers the whole run).
test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    build-asan/test_nntrain build-asan/nntrain
	CK_FORK=no NNTRAIN=build-asan/nntrain ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 build-asan/test_nntrain

data:
	@scripts/fetch-mnist.sh

# check-layers: every #include of src/ points down the order of docs/design.md ("Which
# folder may include which") and every name the library exports starts with nn_
# (scripts/check-layers.sh; its self-test first, on planted offenders).
check-layers: $(BUILD)/libnntrain.a
	@scripts/check-layers.sh --self-test
	@scripts/check-layers.sh --lib $(BUILD)/libnntrain.a

# check-shape: no C file over 600 lines, no function over 80 (scripts/check-shape.sh).
check-shape:
	@scripts/check-shape.sh --self-test
	@scripts/check-shape.sh

$(BUILD)/bench: $(BUILD)/tests/bench/bench.o $(BUILD)/tests/bench/bench_gemm.o $(BUILD)/libnntrain.a
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# bench: fixed workloads (net256, wide, deep, whole process); see tests/bench/bench.c;
# then runs sharing the cores (scripts/bench-shared.sh).
bench: data nntrain $(BUILD)/bench
	$(BUILD)/bench
	@scripts/bench-shared.sh $(BUILD)/bench

# bench-shared: k runs at once against k in a row, one beside a busy loop against alone.
bench-shared: data $(BUILD)/bench
	@scripts/bench-shared.sh $(BUILD)/bench

# bench-compare: nntrain and PyTorch alternately on the same workloads, with ratios.
bench-compare: data nntrain $(BUILD)/bench
	@scripts/bench-compare.sh $(BUILD)/bench
	@scripts/bench-shared.sh $(BUILD)/bench

# run: everything a fresh machine needs, then the Leaky ReLU run on real MNIST
# (the same as scripts/setup.sh, which needs no make to start with).
run:
	@scripts/setup.sh

# docs: regenerates the key tables of docs/config.md, the key list of the man page
# nntrain-config(5) and the --set keys of the bash completion from the config's rows (a
# test fails when they differ).
docs: $(BUILD)/config_doc
	$(BUILD)/config_doc docs/config.md man/nntrain-config.5 completions/nntrain

$(BUILD)/config_doc: $(BUILD)/tests/tools/config_doc.o $(BUILD)/libnntrain.a
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# check-vexp: every float through each vector expm1f / expf path against glibc, with and
# without flush-to-zero (tests/tools/vexp_check.c; make test checks a sample).
check-vexp: $(BUILD)/vexp_check
	$(BUILD)/vexp_check

$(BUILD)/vexp_check: $(BUILD)/tests/tools/vexp_check.o $(BUILD)/libnntrain.a
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# install / uninstall: the binary, the example configs (their layout kept: a sweep's
# relative base is found next to it), the fetch script and the MNIST checksums, the man
# pages and the bash completion. uninstall removes exactly these, and the directories of
# share/nntrain and lib/nntrain once empty.
CONFIG_FILES = $(wildcard configs/*.json configs/*/*.json)
CONFIG_DIRS  = $(sort $(patsubst %/,%,$(dir $(wildcard configs/*/*.json))))
INSTALLED    = $(BINDIR)/nntrain $(LIBEXECDIR)/fetch-mnist $(SHAREDIR)/mnist.sha256 \
               $(addprefix $(SHAREDIR)/,$(CONFIG_FILES)) $(MANDIR)/man1/nntrain.1 \
               $(MANDIR)/man5/nntrain-config.5 $(BASHCOMPDIR)/nntrain

install: $(BUILD)/nntrain
	$(INSTALL) -D -m 755 $(BUILD)/nntrain $(DESTDIR)$(BINDIR)/nntrain
	$(INSTALL) -D -m 755 scripts/fetch-mnist.sh $(DESTDIR)$(LIBEXECDIR)/fetch-mnist
	$(INSTALL) -D -m 644 data/mnist.sha256 $(DESTDIR)$(SHAREDIR)/mnist.sha256
	for f in $(CONFIG_FILES); do $(INSTALL) -D -m 644 $$f $(DESTDIR)$(SHAREDIR)/$$f || exit 1; done
	$(INSTALL) -D -m 644 man/nntrain.1 $(DESTDIR)$(MANDIR)/man1/nntrain.1
	$(INSTALL) -D -m 644 man/nntrain-config.5 $(DESTDIR)$(MANDIR)/man5/nntrain-config.5
	$(INSTALL) -D -m 644 completions/nntrain $(DESTDIR)$(BASHCOMPDIR)/nntrain

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(addprefix $(SHAREDIR)/,$(CONFIG_DIRS)) $(SHAREDIR)/configs $(SHAREDIR) \
	    $(LIBEXECDIR); do [ ! -d $(DESTDIR)$$d ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$$d; done

# check-install: make install into a temporary DESTDIR, make uninstall, nothing left.
check-install: $(BUILD)/nntrain
	@scripts/install-test.sh --no-run

clean:
	rm -rf build build-asan build-openblas nntrain

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILD)/tests/bench/bench.d \
    $(BUILD)/tests/tools/vexp_check.d
