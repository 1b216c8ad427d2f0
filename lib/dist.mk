# libxrs as others consume it: a shared libxrs.so.1 that exports only the
# xrs_ API (lib/libxrs.map), a static libxrs.a whose other symbols are made
# local, pkg-config and man pages, installed with the headers and the xrs
# binary. Included by the top Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=] ...; make uninstall
#   make abi-check     the shared library against abi/<soname>.abi (abidiff)
#   make deb           Debian packages libxrs1, libxrs-dev, xrs (../*.deb)

xrs_version_part = $(shell sed -n 's/^\#define XRS_VERSION_$(1)[[:space:]]*//p' include/xrs/xrs.h)
XRS_MAJOR := $(call xrs_version_part,MAJOR)
XRS_VER   := $(XRS_MAJOR).$(call xrs_version_part,MINOR).$(call xrs_version_part,PATCH)

SONAME    := libxrs.so.$(XRS_MAJOR)
DIST      := $(BUILD)/dist
SO_FILE   := $(DIST)/libxrs.so.$(XRS_VER)
DIST_A    := $(DIST)/libxrs.a
LIB_MAP   := lib/libxrs.map

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PCDIR      ?= $(LIBDIR)/pkgconfig
INSTALL    ?= install

# Position-independent objects for both installed libraries; no semantic
# interposition, so calls inside the library stay direct and inlinable.
PIC_OBJ := $(LIB_SRC:%.c=$(DIST)/pic/%.o)
$(DIST)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fno-semantic-interposition -c -o $@ $<

$(SO_FILE): $(PIC_OBJ) $(LIB_MAP)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(LIB_MAP) \
		-Wl,-z,relro -Wl,-z,now -Wl,--no-undefined -o $@ $(PIC_OBJ) $(LDLIBS)

# One relocatable object, every symbol but xrs_* made local: a program that
# links libxrs.a statically sees the same names as one that uses the .so.
$(DIST_A): $(PIC_OBJ)
	@printf "  %-8s %s\n" AR $@
	$(Q)$(LD) -r -o $(DIST)/libxrs.o $(PIC_OBJ)
	$(Q)objcopy -w --keep-global-symbol='xrs_*' $(DIST)/libxrs.o
	@rm -f $@
	$(Q)$(AR) rcs $@ $(DIST)/libxrs.o

# libxrs.pc is written by make install itself, from that install's PREFIX,
# LIBDIR and INCLUDEDIR: one built earlier would keep the PREFIX of
# whichever make made it first.
PC_SED := -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(XRS_VER)|' \
	  -e 's|@BPF_LIBS@|$(if $(filter 1,$(BPF_ON)), $(strip $(shell $(PKG_CONFIG) --libs --static libbpf 2>/dev/null || echo -lbpf)))|'

.PHONY: dist install uninstall abi-check abi-baseline
dist: $(SO_FILE) $(DIST_A) $(XRS_BIN)

install: dist
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/xrs $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 0644 include/xrs/*.h $(DESTDIR)$(INCLUDEDIR)/xrs/
	$(INSTALL) -m 0644 $(SO_FILE) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SO_FILE)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libxrs.so
	$(INSTALL) -m 0644 $(DIST_A) $(DESTDIR)$(LIBDIR)/
	sed $(PC_SED) lib/libxrs.pc.in > $(DESTDIR)$(PCDIR)/libxrs.pc
	chmod 0644 $(DESTDIR)$(PCDIR)/libxrs.pc
	$(INSTALL) -m 0755 $(XRS_BIN) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 man/xrs.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 man/libxrs.3 $(DESTDIR)$(MANDIR)/man3/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/xrs/,$(notdir $(wildcard include/xrs/*.h)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/xrs
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(SO_FILE)) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libxrs.so $(DESTDIR)$(LIBDIR)/libxrs.a \
	      $(DESTDIR)$(PCDIR)/libxrs.pc $(DESTDIR)$(BINDIR)/xrs \
	      $(DESTDIR)$(MANDIR)/man1/xrs.1 $(DESTDIR)$(MANDIR)/man3/libxrs.3

# The ABI guard: abigail-tools compares the shared library with the baseline
# of its soname. An incompatible change fails unless the soname changes
# (XRS_VERSION_MAJOR) and a new baseline comes with it.
ABI_BASELINE := abi/$(SONAME).abi
ABIDW_FLAGS  := --no-corpus-path --no-comp-dir-path --no-show-locs \
		--headers-dir include/xrs --drop-private-types

abi-baseline: $(SO_FILE) | abi-deps
	abidw $(ABIDW_FLAGS) --out-file $(ABI_BASELINE) $(SO_FILE)

abi-check: $(SO_FILE) | abi-deps
	@sh tests/lib/abi-check $(ABI_BASELINE) $(SO_FILE)

.PHONY: abi-deps
abi-deps:
	@sh scripts/setup abigail-tools

# The installed library as a VMM author gets it (tests/lib/run).
LIB_STAGE := $(BUILD)/stage
.PHONY: test-lib lib-test-deps
lib-test-deps:
	@sh scripts/setup mandoc abigail-tools pkg-config
test-lib: dist $(BUILD)/tests/kvm/kvm-probe | lib-test-deps
	@rm -rf $(LIB_STAGE)
	@$(MAKE) -s install DESTDIR=$(abspath $(LIB_STAGE)) PREFIX=/usr/local >/dev/null
	@sh tests/lib/run $(LIB_STAGE) /usr/local lib $(BUILD)/tests/kvm/kvm-probe $(SO_FILE)

# Debian packages from a copy of the tree (dpkg-buildpackage writes to ..).
DEB_DIR := $(BUILD)/deb
# make deb installs nothing (dpkg-buildpackage checks debian/control's
# Build-Depends); make test-deb installs what it lacks, then builds.
DEB_DEBS := debhelper dpkg-dev lintian mandoc pkg-config libmicrohttpd-dev libncurses-dev \
	    $(BPF_DEBS)
.PHONY: deb deb-deps test-deb
deb-deps:
	@sh scripts/setup $(DEB_DEBS)
deb:
	@command -v dpkg-buildpackage >/dev/null || \
		{ echo "make deb: no dpkg-buildpackage (make deb-deps installs $(DEB_DEBS))" >&2; exit 1; }
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/xrs-$(XRS_VER)
	@tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/xrs-$(XRS_VER)
	cd $(DEB_DIR)/xrs-$(XRS_VER) && dpkg-buildpackage -us -uc -b
test-deb: deb-deps
	@$(MAKE) --no-print-directory deb $(BUILD)/tests/kvm/kvm-probe
	@sh tests/lib/deb-check $(DEB_DIR) $(XRS_VER) $(BUILD)/tests/kvm/kvm-probe
