// SPDX-License-Identifier: MIT
/* JSON strings and backend names, for xrs run and the reading tools alike. */
#include "tools/print.h"

const char *backend_name(enum xrs_backend b)
{
	return b == XRS_BACKEND_KERNEL ? "kernel" : b == XRS_BACKEND_USER ? "user" : "auto";
}

/* Names and error texts may hold anything, guest bytes included. */
void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
