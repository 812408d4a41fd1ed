# tote - build with plain make: see docs/build.md for why.
#
#   make                 build/tote-oci, build/tote and build/tote-init (optimised,
#                        warnings on)
#   make asan            build-asan/: the same with AddressSanitizer + UBSan
#   make unit            build the cmocka unit tests into $(BUILD)/tests/unit/
#   make fuzz            build/fuzz/*_fuzzer (clang + libFuzzer): config, reference,
#                        challenge, manifest, layer
#   make image           build/rootfs: the built-in busybox image (offline)
#   make check           everything tests/run.sh runs

CC       ?= gcc
BUILD    ?= build
CFLAGS   ?= -O2 -g
PKGS     := jansson libcap libseccomp
IMG_PKGS := libcurl libarchive nettle libmnl libnftables
WARN     := -Wall -Wextra -Wformat=2 -Wno-missing-field-initializers -Werror=implicit-function-declaration
BASE     := -std=gnu17 -D_GNU_SOURCE -Isrc -fno-strict-aliasing $(WARN) $(shell pkg-config --cflags $(PKGS) $(IMG_PKGS))
LIBS     := $(shell pkg-config --libs $(PKGS))
# libcurl is loaded when a command first talks to a registry (image/curl_lib.c):
# its headers only, not its library, at build time; so are libarchive and
# libnftables (util/dlib.h).  The unit tests link libarchive
# itself: they make archives with it
IMG_LIBS := $(shell pkg-config --libs $(filter-out libcurl libarchive libnftables,$(IMG_PKGS)))
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifeq ($(SAN),1)
  CFLAGS  += $(SAN_FLAGS)
  LDFLAGS += $(SAN_FLAGS)
endif

LIB_SRCS  := $(sort $(wildcard src/util/*.c src/runtime/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
OCI_SRCS  := $(sort $(wildcard src/cli/oci*.c src/cli/cli_*.c))
OCI_OBJS  := $(OCI_SRCS:%.c=$(BUILD)/%.o)
# image/ (the store, references, the registry client, layers) and engine/
# (containers): only `tote` links them (and libcurl, libarchive,
# libcrypto), not tote-oci
IMG_SRCS  := $(sort $(wildcard src/image/*.c src/engine/*.c))
IMG_OBJS  := $(IMG_SRCS:%.c=$(BUILD)/%.o)
TOTE_SRCS := $(sort $(wildcard src/cli/tote*.c src/cli/cli_*.c))
TOTE_OBJS := $(TOTE_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

.PHONY: all asan unit fuzz image check clean
all: $(BUILD)/tote-oci $(BUILD)/tote $(BUILD)/tote-init

# tote run --init's pid 1, bound into containers whose images may have no
# libc: static, and small
$(BUILD)/tote-init: src/init/tote-init.c
	@mkdir -p $(@D)
	$(CC) -std=gnu17 $(WARN) -Os -static -s -o $@ $<

$(BUILD)/libtote.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtoteengine.a: $(IMG_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# tote opens libraries at run time (libcurl, libarchive, libnftables), so it
# cannot be static; the libraries it links, it links statically where Debian
# ships an archive (not libmnl): each run and exec executes tote twice, and
# the loader's relocations for them were 0.2 ms of each start.
TOTE_LIBS := -Wl,-Bstatic $(shell pkg-config --libs jansson libcap libseccomp nettle) \
             -Wl,-Bdynamic $(shell pkg-config --libs libmnl)
$(BUILD)/tote: $(TOTE_OBJS) $(BUILD)/libtoteengine.a $(BUILD)/libtote.a
	$(CC) $(LDFLAGS) -o $@ $(TOTE_OBJS) $(BUILD)/libtoteengine.a $(BUILD)/libtote.a $(TOTE_LIBS)

# tote-oci is linked statically (not under the sanitizers): each create, run
# and exec executes it twice (the second time from its protected copy,
# CVE-2019-5736), and the dynamic loader's work for four libraries was a
# fifth of a run (docs/bench.md).  It loads nothing at run time.
# The debug info goes to tote-oci.debug (gdb finds it through the
# debuglink): where the protected copy is a sealed memfd, a smaller binary
# is a smaller copy.
OCI_STATIC := $(if $(filter 1,$(SAN)),,-static)
$(BUILD)/tote-oci: $(OCI_OBJS) $(BUILD)/libtote.a
	$(CC) $(LDFLAGS) $(OCI_STATIC) -o $@ $(OCI_OBJS) $(BUILD)/libtote.a $(LIBS)
ifneq ($(SAN),1)
	objcopy --only-keep-debug $@ $@.debug
	objcopy --strip-debug --add-gnu-debuglink=$@.debug $@
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASE) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libtoteengine.a $(BUILD)/libtote.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(BASE) $(CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(BUILD)/libtoteengine.a $(BUILD)/libtote.a $(IMG_LIBS) $(LIBS) $(shell pkg-config --cflags --libs cmocka libarchive)

# the flag parser is the command lines' own, in neither library
$(BUILD)/tests/unit/test_cli_opts: $(BUILD)/src/cli/cli_opts.o

unit: $(UNIT_BINS)

asan:
	$(MAKE) BUILD=build-asan SAN=1 all unit

# The fuzzers' objects are built once, instrumented (fuzzer-no-link), and
# linked into each target: the runtime library for the config fuzzer, and
# src/image/ with it for the image code's (not src/engine/, which they do
# not reach).
FUZZ_IMG  := reference challenge manifest layer
FUZZ_SAN  := -g -O1 -fsanitize=address,undefined
FUZZ_LIB  := $(LIB_SRCS:%.c=$(BUILD)/fuzzobj/%.o)
FUZZ_IMGO := $(sort $(wildcard src/image/*.c))
FUZZ_IMGO := $(FUZZ_IMGO:%.c=$(BUILD)/fuzzobj/%.o)
fuzz: $(BUILD)/fuzz/config_fuzzer $(FUZZ_IMG:%=$(BUILD)/fuzz/%_fuzzer)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $< (fuzz)"
	@clang $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/config_fuzzer: tests/fuzz/config_fuzzer.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	clang $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LIBS)
$(BUILD)/fuzz/%_fuzzer: tests/fuzz/%_fuzzer.c $(FUZZ_IMGO) $(FUZZ_LIB)
	@mkdir -p $(@D)
	clang $(BASE) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_IMGO) $(FUZZ_LIB) $(IMG_LIBS) $(LIBS)

image: build/rootfs/bin/busybox
build/rootfs/bin/busybox: tests/image/mkrootfs.sh tests/image/probe.c
	tests/image/mkrootfs.sh build/rootfs

check: all unit asan image
	tests/run.sh

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(OCI_OBJS:.o=.d) $(IMG_OBJS:.o=.d) $(TOTE_OBJS:.o=.d) \
  $(FUZZ_LIB:.o=.d) $(FUZZ_IMGO:.o=.d)
