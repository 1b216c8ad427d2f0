// SPDX-License-Identifier: MIT
#include <string.h>
#include "vmm/pc/uart.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_FIFO	0xc0	/* "16550A with FIFOs on" */
#define FCR_ENABLE	0x01
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_NORMAL	0xb0	/* DCD, DSR, CTS: a terminal is there */

/* The one interrupt source: the (always empty) transmitter, if enabled. */
static void update_irq(struct uart *u)
{
	bool level = (u->ier & IER_THRI) && u->thre_pending;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->opaque, level);
	}
}

void uart_init(struct uart *u, void (*out)(void *, uint8_t), void (*irq)(void *, bool),
	       void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->out = out;
	u->irq = irq;
	u->opaque = opaque;
}

/* In loopback the modem outputs come back as inputs (the 8250 probe checks). */
static uint8_t msr(const struct uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_NORMAL;
	return (uint8_t)((u->mcr & 0x08) << 4 | (u->mcr & 0x04) << 4 |
			 (u->mcr & 0x01) << 5 | (u->mcr & 0x02) << 3);
}

uint8_t uart_read(struct uart *u, unsigned int reg)
{
	uint8_t v;

	switch (reg & 7) {
	case RBR_THR:
		return u->lcr & LCR_DLAB ? u->dll : 0;	/* nothing is ever received */
	case IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case IIR_FCR:
		v = (u->ier & IER_THRI) && u->thre_pending ? IIR_THRI : IIR_NONE;
		if (v == IIR_THRI)
			u->thre_pending = false;	/* reading IIR acknowledges THRE */
		update_irq(u);
		return (uint8_t)(v | (u->fcr & FCR_ENABLE ? IIR_FIFO : 0));
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT;
	case MSR:
		return msr(u);
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned int reg, uint8_t val)
{
	switch (reg & 7) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return;
		}
		if (!(u->mcr & MCR_LOOP) && u->out)
			u->out(u->opaque, val);
		u->thre_pending = true;		/* sent at once: empty again */
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return;
		}
		/* enabling THRI with the transmitter empty interrupts at once */
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = val & 0xc9;
		return;
	case LCR:
		u->lcr = val;
		return;
	case MCR:
		u->mcr = val & 0x1f;
		return;
	case SCR:
		u->scr = val;
		return;
	default:
		return;			/* LSR and MSR are read-only */
	}
	update_irq(u);
}
