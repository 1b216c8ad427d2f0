/* SPDX-License-Identifier: MIT */
/* Every published VM as Prometheus text (tools/metrics.c). */
#ifndef XRS_TOOLS_METRICS_H
#define XRS_TOOLS_METRICS_H

#include <stddef.h>

/* The whole exposition, malloc'ed, its length in @len; NULL if out of memory. */
char *metrics_text(size_t *len);

#endif
