# xrs: Xen vCPU runstate accounting for KVM, in user space.
#
#   make            build/libxrs.a
#   make test       unit tests, the KVM suite on real KVM (direct or sandbox),
#                   and libxrs as installed (test-lib)
#   make run        the demo: a VM with several vCPUs and its runstate table
#   make check      unit tests under ASan+UBSan, the threaded ones under TSan
#   make bench      figures (callgrind instruction counts, ratios)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (30)
#   make install    headers, libxrs.so.1, libxrs.a, libxrs.pc, xrs, man pages
#                   (PREFIX=/usr/local, DESTDIR=); make uninstall
#   make abi-check  libxrs.so.1 against its ABI baseline (abi/)
#   make deb        Debian packages libxrs1, libxrs-dev, xrs (build/deb/)
#   make test-deb   the packages: lintian, then unpacked, the tests of test-lib
#
# Out-of-tree builds: BUILD=dir. Sanitizers: SAN=asan|tsan. Compiler: CC=clang.
# WERROR=0 builds without -Werror (a newer compiler's new warnings).

CC      ?= cc
BUILD   ?= build
SAN     ?=
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

WERROR  ?= 1
WARNINGS := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wformat=2 -Winit-self -Wmissing-declarations \
	    -Wmissing-prototypes -Wnested-externs -Wno-system-headers \
	    -Wold-style-definition -Wredundant-decls -Wsign-compare \
	    -Wstrict-prototypes -Wundef -Wvolatile-register-var -Wwrite-strings \
	    -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARNINGS) -Iinclude -I. -D_GNU_SOURCE -MMD -MP
LDLIBS  += -lpthread

ifeq ($(SAN),asan)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer -DXRS_TSAN
LDFLAGS += -fsanitize=thread
endif
ifeq ($(SAN),fuzz)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

# util/: host utilities (time, schedstat, pinning) for every part; linked
# into libxrs, which needs some of them, and so into everything else.
LIB_SRC := $(wildcard lib/*.c) $(wildcard util/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libxrs.a

all: $(LIB)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@printf "  %-8s %s\n" AR $@
	$(Q)$(AR) rcs $@ $^

include guest/guest.mk

# The VMM's pieces, also linked into the KVM tests.
VMM_SRC := $(wildcard vmm/*.c vmm/xen/*.c vmm/pc/*.c)
VMM_OBJ := $(VMM_SRC:%.c=$(BUILD)/%.o) $(BUILD)/vmm/guest-image.o
VMM_LIB := $(BUILD)/libxrsvmm.a

$(BUILD)/vmm/%.o: CFLAGS += -Ivmm -Iguest
$(BUILD)/vmm/guest-image.o: vmm/guest-image.S $(GUEST_BINS)
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) -c -DGUEST64_BIN='"$(GUEST_DIR)/guest64.bin"' \
		-DGUEST32_BIN='"$(GUEST_DIR)/guest32.bin"' -o $@ $<

$(VMM_LIB): $(VMM_OBJ)
	@rm -f $@
	@printf "  %-8s %s\n" AR $@
	$(Q)$(AR) rcs $@ $^

# The xrs binary: tools/ on top of the VMM and libxrs.
TOOLS_SRC := $(wildcard tools/*.c)
XRS_BIN   := $(BUILD)/xrs

# xrs top draws with curses; xrs export serves HTTP with libmicrohttpd.
# Installed first where missing (order-only); their flags are read then.
TOOLS_PKGS := libmicrohttpd ncursesw
.PHONY: tools-deps
tools-deps:
	@sh scripts/setup libmicrohttpd-dev libncurses-dev pkg-config

$(BUILD)/tools/%.o: CFLAGS += -Ivmm -Itools
$(BUILD)/tools/top.o $(BUILD)/tools/export.o: CFLAGS += $(shell pkg-config --cflags $(TOOLS_PKGS))
$(TOOLS_SRC:%.c=$(BUILD)/%.o): | tools-deps
all: $(XRS_BIN)
$(XRS_BIN): LDLIBS += $(shell pkg-config --libs $(TOOLS_PKGS)) -lm
$(XRS_BIN): $(TOOLS_SRC:%.c=$(BUILD)/%.o) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

include lib/dist.mk
include tests/unit/unit.mk
include tests/kvm/kvm.mk
include tests/ops/ops.mk
include tests/linux/linux.mk
include fuzz/fuzz.mk

.SECONDARY:
.PHONY: all run test check clean distclean

# The demo: a VM with several vCPUs and its runstate table, on real KVM
# (direct, or in the sandbox where /dev/kvm cannot run the guests).
run: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
	@sh scripts/run-demo $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
test: test-unit test-kvm test-lib test-ops

CHECK_FUZZ_SECONDS ?= 20
check:
	$(MAKE) BUILD=build/asan SAN=asan test-unit
	$(MAKE) BUILD=build/tsan SAN=tsan test-unit-threaded
	$(MAKE) fuzz-reader FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# The sandbox's kernel cache survives clean; distclean drops it.
clean:
	find build -mindepth 1 -maxdepth 1 ! -name sandbox -exec rm -rf {} + 2>/dev/null || true
distclean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Figures, not assertions: see bench/.
$(BUILD)/bench/hotpath: $(BUILD)/bench/hotpath.o $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: bench
bench: $(BUILD)/bench/hotpath $(BUILD)/xrs $(BUILD)/tests/kvm/kvm-probe
	@bench/run $(BUILD)/bench/hotpath $(BUILD)/xrs $(BUILD)/tests/kvm/kvm-probe
