# xrs: Xen vCPU runstate accounting for KVM, in user space.
#
#   make            build/libxrs.a and build/xrs; installs nothing
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
# Only make run, make test and the other targets that run something
# (test-*, check, fuzz, bench, abi-check) install the Debian packages they
# lack (scripts/setup); make, make install and make deb use what is there.
#
# Out-of-tree builds: BUILD=dir. Sanitizers: SAN=asan|tsan. Compiler: CC=clang.
# WERROR=0 builds without -Werror (a newer compiler's new warnings).
# xrs top and xrs export are built where pkg-config (PKG_CONFIG=) finds
# ncursesw and libmicrohttpd, or as WITH_TOP=0|1 and WITH_EXPORT=0|1 say;
# one left out says so and exits with status 2.

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

# The preemption source (bpf/, docs/preempt-source.md): a CO-RE program on
# sched_switch, built where clang targets BPF and bpftool and libbpf are
# found (WITH_BPF=auto), or as WITH_BPF=0|1 says. vmlinux.h is dumped from
# this machine's kernel BTF into the build, and the program linked into
# libxrs as a bpftool skeleton; without it libxrs says "not built with BPF"
# (lib/preempt-none.c) and reads schedstat as before.
PKG_CONFIG ?= pkg-config
WITH_BPF ?= auto
BPF_CLANG ?= clang
BPFTOOL   ?= $(or $(shell command -v bpftool 2>/dev/null),$(wildcard /usr/sbin/bpftool))
BTF_FILE  ?= /sys/kernel/btf/vmlinux
ifeq ($(WITH_BPF),auto)
BPF_ON := $(shell echo 'int x;' | $(BPF_CLANG) -target bpf -x c -c -o /dev/null - >/dev/null 2>&1 && \
		  test -n "$(BPFTOOL)" && test -r $(BTF_FILE) && \
		  $(PKG_CONFIG) --exists libbpf >/dev/null 2>&1 && echo 1 || echo 0)
else
BPF_ON := $(if $(filter 1,$(WITH_BPF)),1,0)
endif
BPF_DIR := $(BUILD)/bpf
BPF_SKEL := $(BPF_DIR)/preempt.skel.h
BPF_DEBS := clang libbpf-dev bpftool

# util/: host utilities (time, schedstat, pinning) for every part; linked
# into libxrs, which needs some of them, and so into everything else.
LIB_SRC := $(filter-out lib/preempt-$(if $(filter 1,$(BPF_ON)),none,load).c, \
			$(wildcard lib/*.c)) $(wildcard util/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libxrs.a
ifeq ($(BPF_ON),1)
LDLIBS  += $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
endif

all: $(LIB)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The program: vmlinux.h from the kernel's BTF, the object through bpftool
# gen object (which drops its DWARF), then the skeleton libxrs includes.
$(BPF_DIR)/vmlinux.h:
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" BTF $@
	$(Q)$(BPFTOOL) btf dump file $(BTF_FILE) format c > $@.tmp && mv $@.tmp $@
$(BPF_DIR)/preempt.bpf.o: bpf/preempt.bpf.c bpf/preempt-map.h $(BPF_DIR)/vmlinux.h
	@printf "  %-8s %s\n" BPF $@
	$(Q)$(BPF_CLANG) -g -O2 -Wall -Werror -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
		-I$(BPF_DIR) -I. -c -o $@ bpf/preempt.bpf.c
$(BPF_DIR)/preempt.o: $(BPF_DIR)/preempt.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $<
$(BPF_SKEL): $(BPF_DIR)/preempt.o
	@printf "  %-8s %s\n" SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name preempt_bpf > $@.tmp && mv $@.tmp $@
# Every build of lib/preempt-load.c (plain, PIC, traced) includes the skeleton.
$(BUILD)/lib/preempt-load.o $(BUILD)/dist/pic/lib/preempt-load.o \
	$(BUILD)/tests/unit/trace/lib/preempt-load.o: $(BPF_SKEL)
$(BUILD)/lib/preempt-load.o $(BUILD)/dist/pic/lib/preempt-load.o \
	$(BUILD)/tests/unit/trace/lib/preempt-load.o: CFLAGS += -I$(BPF_DIR)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@printf "  %-8s %s\n" AR $@
	$(Q)$(AR) rcs $@ $^

include guest/guest.mk

# The VMM's pieces, also linked into the KVM tests.
VMM_SRC := $(wildcard vmm/*.c vmm/xen/*.c vmm/pc/*.c)
VMM_OBJ := $(VMM_SRC:%.c=$(BUILD)/%.o) $(BUILD)/vmm/guest-image.o
VMM_LIB := $(BUILD)/libxrsvmm.a

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
XRS_BIN   := $(BUILD)/xrs

# xrs top draws with ncursesw and xrs export serves HTTP with libmicrohttpd:
# each is built where pkg-config finds its library when make starts, and
# otherwise says it was not built and what to install (tools/main.c).
# WITH_TOP=0|1 and WITH_EXPORT=0|1 decide instead of pkg-config. A build
# installs nothing: make run and make test install these first (tools-deps)
# and then build in a make of their own, which finds them.
PKG_CONFIG ?= pkg-config
pkg_found   = $(shell $(PKG_CONFIG) --exists $(1) >/dev/null 2>&1 && echo 1 || echo 0)
ifeq ($(origin WITH_TOP),undefined)
WITH_TOP    := $(call pkg_found,ncursesw)
endif
ifeq ($(origin WITH_EXPORT),undefined)
WITH_EXPORT := $(call pkg_found,libmicrohttpd)
endif
TOP_ON      := $(if $(filter 1,$(WITH_TOP)),1,0)
EXPORT_ON   := $(if $(filter 1,$(WITH_EXPORT)),1,0)
TOP_CFLAGS  := $(if $(filter 1,$(TOP_ON)),$(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null))
TOP_LIBS    := $(if $(filter 1,$(TOP_ON)),$(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null))
EXPORT_CFLAGS := $(if $(filter 1,$(EXPORT_ON)),$(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null))
EXPORT_LIBS := $(if $(filter 1,$(EXPORT_ON)),$(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null))
TOOLS_DEBS  := pkg-config libncurses-dev libmicrohttpd-dev $(BPF_DEBS)

TOOLS_SRC := $(filter-out $(if $(filter 1,$(TOP_ON)),,tools/top.c) \
			  $(if $(filter 1,$(EXPORT_ON)),,tools/export.c),$(wildcard tools/*.c))
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(BUILD)/%.o)

# What was found, in a file rewritten only when that changes: a library
# installed or removed since the last build rebuilds what depends on it.
TOOLS_FEATURES := $(BUILD)/tools/features
TOOLS_FEATURES_TEXT := top=$(TOP_ON) $(TOP_CFLAGS) $(TOP_LIBS) \
		       export=$(EXPORT_ON) $(EXPORT_CFLAGS) $(EXPORT_LIBS)
$(TOOLS_FEATURES): FORCE
	@mkdir -p $(dir $@)
	@echo '$(TOOLS_FEATURES_TEXT)' | cmp -s - $@ 2>/dev/null || echo '$(TOOLS_FEATURES_TEXT)' > $@

# xrs run drives the VMM; the reading tools (list, stat, top, export,
# timeline and what they use) read published files only: the proof below
# holds them to it.
TOOLS_RUN_SRC := tools/run.c tools/run-opts.c tools/output.c tools/proc-cpu.c
TOOLS_READ_OBJ := $(filter-out $(TOOLS_RUN_SRC:%.c=$(BUILD)/%.o),$(TOOLS_OBJ))
$(BUILD)/tools/main.o $(BUILD)/tools/main-read.o: CFLAGS += -DXRS_WITH_TOP=$(TOP_ON) \
							    -DXRS_WITH_EXPORT=$(EXPORT_ON)
$(BUILD)/tools/main-read.o: CFLAGS += -DXRS_WITH_RUN=0
$(BUILD)/tools/main-read.o: tools/main.c $(TOOLS_FEATURES)
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The proof: xrs without run links with libxrs alone (no libxrsvmm.a), and
# no header of vmm/ is among its objects' dependencies (their .d files),
# however included. A reading tool that reached into the VMM fails the build.
TOOLS_READ_BIN := $(BUILD)/tools/xrs-read
$(TOOLS_READ_BIN): LDLIBS += $(TOP_LIBS) $(EXPORT_LIBS) -lm
$(TOOLS_READ_BIN): $(filter-out $(BUILD)/tools/main.o,$(TOOLS_READ_OBJ)) \
		   $(BUILD)/tools/main-read.o $(LIB)
	@printf "  %-8s %s\n" LD $@
	$(Q)if grep -l '\(^\|[ /]\)vmm/' $(^:%.o=%.d) /dev/null 2>/dev/null | grep .; then \
		echo "the reading tools above include vmm/ headers" >&2; exit 1; fi
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tools/top.o: CFLAGS += $(TOP_CFLAGS)
$(BUILD)/tools/export.o: CFLAGS += $(EXPORT_CFLAGS)
$(BUILD)/tools/main.o $(BUILD)/tools/top.o $(BUILD)/tools/export.o: $(TOOLS_FEATURES)
all: $(XRS_BIN)
$(XRS_BIN): LDLIBS += $(TOP_LIBS) $(EXPORT_LIBS) -lm
$(XRS_BIN): $(TOOLS_OBJ) $(VMM_LIB) $(LIB) $(TOOLS_FEATURES) | $(TOOLS_READ_BIN)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out $(TOOLS_FEATURES),$^) $(LDLIBS)

.PHONY: tools-deps FORCE
tools-deps:
	@sh scripts/setup $(TOOLS_DEBS)
FORCE:

include lib/dist.mk
include tests/unit/unit.mk
include tests/kvm/kvm.mk
include tests/ops/ops.mk
include tests/linux/linux.mk
include fuzz/fuzz.mk

.SECONDARY:
.PHONY: all run test check clean distclean

# The README's two commands, on a fresh Debian machine: what xrs top and
# export need (and the preemption source: clang, libbpf, bpftool) is installed first, then a make of their own finds it and
# builds (each test target installs the rest of what it needs).
.PHONY: run-demo
run: tools-deps
	@$(MAKE) --no-print-directory run-demo
test: tools-deps
	@$(MAKE) --no-print-directory test-unit test-kvm test-lib test-ops

# The demo: a VM with several vCPUs and its runstate table, on real KVM
# (direct, or in the sandbox where /dev/kvm cannot run the guests).
run-demo: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
	@sh scripts/run-demo $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe

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

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

# Figures, not assertions: see bench/.
$(BUILD)/bench/hotpath: $(BUILD)/bench/hotpath.o $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The sched_switch program's cost per host switch (not KVM: runs here).
$(BUILD)/bench/preempt.o: CFLAGS += -DXRS_WITH_BPF=$(BPF_ON)
$(BUILD)/bench/preempt: $(BUILD)/bench/preempt.o $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# How soon a preempted vCPU's area says runnable (not KVM either).
$(BUILD)/bench/preempt-flip: $(BUILD)/bench/preempt-flip.o $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: bench
bench: $(BUILD)/bench/preempt $(BUILD)/bench/preempt-flip $(BUILD)/bench/hotpath $(BUILD)/xrs $(BUILD)/tests/kvm/kvm-probe $(OPS_PUBLISHER)
	@bench/run $(BUILD)/bench/hotpath $(BUILD)/xrs $(BUILD)/tests/kvm/kvm-probe
	@bench/export-fleet $(BUILD)/xrs $(OPS_PUBLISHER)
