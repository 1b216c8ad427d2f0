// SPDX-License-Identifier: MIT
#include <xrs/xrs.h>

/* Compiled in: a program built against one header can ask the library it loaded. */
unsigned int xrs_version(void)
{
	return XRS_VERSION;
}
