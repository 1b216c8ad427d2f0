/* SPDX-License-Identifier: MIT */
/*
 * Connections with a deadline, for xrs export: each must finish its request
 * within a time from its accept or its last answer, however slowly its
 * bytes trickle in (an idle timeout alone lets one byte a second hold a
 * connection forever). Past it, the socket is shut down; the server that
 * owns it sees the end of the stream and closes it itself. Thread-safe.
 */
#ifndef XRS_TOOLS_DEADLINE_H
#define XRS_TOOLS_DEADLINE_H

#include <stdint.h>

struct conn;

/* Track socket @fd from now on: a handle, or NULL without memory (then untracked). */
struct conn *conn_track(int fd);

/* Before the server closes @fd: forget it (NULL is ignored). */
void conn_forget(struct conn *k);

/* A request answered: its deadline starts again. */
void conn_answered(struct conn *k);

/* Shut down every connection older than @deadline_ns. */
void conn_cut_late(uint64_t deadline_ns);

#endif /* XRS_TOOLS_DEADLINE_H */
