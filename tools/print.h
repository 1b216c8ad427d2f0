/* SPDX-License-Identifier: MIT */
/* Text every command prints the same way: JSON strings, backend names. */
#ifndef XRS_TOOLS_PRINT_H
#define XRS_TOOLS_PRINT_H

#include <stdio.h>
#include <xrs/xrs.h>

/* A JSON string literal of @s: names and error texts may hold anything. */
void json_str(FILE *f, const char *s);
/* "user", "kernel" or "auto". */
const char *backend_name(enum xrs_backend b);

#endif
