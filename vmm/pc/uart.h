/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART as Linux's 8250 driver probes and drives it: transmit only
 * (what the guest writes goes to the VMM's output at once, so the
 * transmitter is always empty), the THRE interrupt the tty layer waits for,
 * the FIFO bits that make it a 16550A, loopback for the driver's probe.
 * Pure: port accesses in, bytes and interrupt-line levels out.
 */
#ifndef XRS_VMM_PC_UART_H
#define XRS_VMM_PC_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1_BASE	0x3f8
#define UART_COM1_IRQ	4

struct uart {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thre_pending;		/* the THRE interrupt, until IIR reads it */
	bool irq_level;			/* what the line was last set to */
	void (*out)(void *opaque, uint8_t byte);
	void (*irq)(void *opaque, bool level);
	void *opaque;
};

void uart_init(struct uart *u, void (*out)(void *, uint8_t), void (*irq)(void *, bool),
	       void *opaque);
/* @reg: the port minus the base (0-7). */
uint8_t uart_read(struct uart *u, unsigned int reg);
void uart_write(struct uart *u, unsigned int reg, uint8_t val);

#endif
