# The built-in test guests: freestanding C for 64-bit long mode and 32-bit
# protected mode, linked flat at G_IMAGE and embedded in the VMM.
# Never built with the sanitizers or the host's CFLAGS.

GUEST_SRC    := $(wildcard guest/*.c)
GUEST_CC     ?= $(CC)
GUEST_CFLAGS := -std=gnu11 -O2 -g0 -ffreestanding -fno-builtin -fno-pic -fno-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only \
		-fcf-protection=none -nostdlib -Iinclude -I. $(WARNINGS)
GUEST_DIR    := $(BUILD)/guest

$(GUEST_DIR)/64/%.o: guest/%.c $(wildcard guest/*.h) include/xrs/xen.h xen-abi/xen-public.h
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -m64 -mno-red-zone -mcmodel=small -c -o $@ $<
$(GUEST_DIR)/32/%.o: guest/%.c $(wildcard guest/*.h) include/xrs/xen.h xen-abi/xen-public.h
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -m32 -march=i686 -c -o $@ $<
$(GUEST_DIR)/64/entry.o: guest/entry64.S
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(GUEST_CC) -m64 -c -o $@ $<
$(GUEST_DIR)/32/entry.o: guest/entry32.S
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(GUEST_CC) -m32 -c -o $@ $<

GUEST_OBJ64 := $(GUEST_DIR)/64/entry.o $(patsubst guest/%.c,$(GUEST_DIR)/64/%.o,$(GUEST_SRC))
GUEST_OBJ32 := $(GUEST_DIR)/32/entry.o $(patsubst guest/%.c,$(GUEST_DIR)/32/%.o,$(GUEST_SRC))

$(GUEST_DIR)/guest64.elf: $(GUEST_OBJ64) guest/guest.ld
	@printf "  %-8s %s\n" LD $@
	$(Q)$(LD) -m elf_x86_64 -T guest/guest.ld -nostdlib -o $@ $(GUEST_OBJ64)
$(GUEST_DIR)/guest32.elf: $(GUEST_OBJ32) guest/guest.ld
	@printf "  %-8s %s\n" LD $@
	$(Q)$(LD) -m elf_i386 -T guest/guest.ld -nostdlib -o $@ $(GUEST_OBJ32)

$(GUEST_DIR)/guest%.bin: $(GUEST_DIR)/guest%.elf
	@printf "  %-8s %s\n" OBJCOPY $@
	$(Q)objcopy -O binary $< $@

GUEST_BINS := $(GUEST_DIR)/guest64.bin $(GUEST_DIR)/guest32.bin
