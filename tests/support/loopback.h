/* SPDX-License-Identifier: MIT */
/* Loopback TCP sockets for every test (unit and compat); see loopback.c. */
#ifndef TESTS_LOOPBACK_H
#define TESTS_LOOPBACK_H

#include <event2/util.h>

/* A listening TCP socket on 127.0.0.1, port chosen by the kernel.  Returns
 * the port (host order) and stores the socket in *fd_out, or returns -1. */
int cu_listen_loopback(evutil_socket_t *fd_out);

/* A connected loopback TCP pair (sv[0] connected, sv[1] accepted), both
 * blocking.  Returns 0 or -1. */
int cu_tcp_pair(evutil_socket_t sv[2]);

#endif
