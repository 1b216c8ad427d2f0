// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "util/le.h"
#include "vmm/pc/mptable.h"

#define FLOATING_SIZE	16
#define HEADER_SIZE	44
#define CPU_SIZE	20
#define ENTRY_SIZE	8		/* bus, I/O APIC, interrupts */
#define ISA_IRQS	16

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

/* Every MP structure sums to zero, its checksum byte included. */
static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

size_t mptable_size(unsigned int nr_vcpus)
{
	/* bus, I/O APIC, 15 ISA interrupts (no cascade), 2 local */
	return FLOATING_SIZE + HEADER_SIZE + nr_vcpus * CPU_SIZE + (2 + 15 + 2) * ENTRY_SIZE;
}

static uint8_t *intsrc(uint8_t *e, uint8_t type, uint8_t irq, uint8_t apic, uint8_t pin)
{
	e[0] = MP_INTSRC;
	e[1] = type;
	put_le16(e + 2, 0);		/* polarity and trigger: the bus's */
	e[4] = 0;			/* the ISA bus */
	e[5] = irq;
	e[6] = apic;
	e[7] = pin;
	return e + ENTRY_SIZE;
}

int mptable_write(uint8_t *buf, uint32_t gpa, unsigned int nr_vcpus)
{
	uint8_t *fp = buf, *hdr = buf + FLOATING_SIZE, *e = hdr + HEADER_SIZE;
	uint8_t ioapic = (uint8_t)nr_vcpus;
	unsigned int i, count = 0;

	if (nr_vcpus == 0 || nr_vcpus > MPTABLE_MAX_VCPUS || gpa % 16)
		return -EINVAL;
	memset(buf, 0, mptable_size(nr_vcpus));
	for (i = 0; i < nr_vcpus; i++, count++, e += CPU_SIZE) {
		e[0] = MP_PROCESSOR;
		e[1] = (uint8_t)i;			/* LAPIC id */
		e[2] = 0x14;				/* LAPIC version */
		e[3] = 0x01 | (i == 0 ? 0x02 : 0);	/* enabled, bootstrap */
		put_le32(e + 4, 0x600);			/* family 6 */
		put_le32(e + 8, 0x201);			/* FPU, APIC */
	}
	e[0] = MP_BUS;
	memcpy(e + 2, "ISA   ", 6);
	e += ENTRY_SIZE, count++;
	e[0] = MP_IOAPIC;
	e[1] = ioapic;
	e[2] = 0x11;				/* version */
	e[3] = 0x01;				/* usable */
	put_le32(e + 4, MPTABLE_IOAPIC_ADDR);
	e += ENTRY_SIZE, count++;
	for (i = 0; i < ISA_IRQS; i++) {
		if (i == 2)
			continue;			/* the PICs' cascade */
		e = intsrc(e, MP_INT, (uint8_t)i, ioapic, (uint8_t)i);
		count++;
	}
	/* the 8259s' output on LINT0, NMI on LINT1, of every LAPIC */
	e[0] = MP_LINTSRC, e[1] = MP_EXTINT, e[6] = 0xff, e[7] = 0;
	e += ENTRY_SIZE, count++;
	e[0] = MP_LINTSRC, e[1] = MP_NMI, e[6] = 0xff, e[7] = 1;
	e += ENTRY_SIZE, count++;

	memcpy(hdr, "PCMP", 4);
	put_le16(hdr + 4, (uint16_t)(e - hdr));
	hdr[6] = 4;				/* spec 1.4 */
	memcpy(hdr + 8, "XRS     ", 8);
	memcpy(hdr + 16, "XRS VMM     ", 12);
	put_le16(hdr + 34, (uint16_t)count);
	put_le32(hdr + 36, MPTABLE_LAPIC_ADDR);
	hdr[7] = checksum(hdr, (size_t)(e - hdr));

	memcpy(fp, "_MP_", 4);
	put_le32(fp + 4, gpa + FLOATING_SIZE);
	fp[8] = 1;				/* 16-byte units */
	fp[9] = 4;
	fp[10] = checksum(fp, FLOATING_SIZE);
	return 0;
}
