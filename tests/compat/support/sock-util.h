/* SPDX-License-Identifier: MIT */
/* Socket helpers for the socket-bufferevent, listener and DNS compat tests:
 * libevent public API and plain sockets only (built against both). */
#ifndef SOCK_UTIL_H
#define SOCK_UTIL_H

#include <stddef.h>
#include <event2/event.h>
#include <event2/util.h>

struct bufferevent;
struct su_echo;

/* An echo server on 127.0.0.1 (port chosen by the kernel): an evconnlistener
 * whose connections are bufferevents copying input to output.  Returns it
 * and stores the port, or NULL. */
struct su_echo *su_echo_start(struct event_base *base, int *port_out);
/* Connections accepted so far. */
int su_echo_accepted(const struct su_echo *e);
/* Frees the listener and every connection still open. */
void su_echo_free(struct su_echo *e);

/* 127.0.0.1:port. */
void su_loopback_sin(struct sockaddr_in *sin, int port);
/* A loopback port on which nothing listens (bound, then closed). */
int su_closed_port(void);

/* Deterministic test bytes: byte i of the stream is su_pattern_byte(i). */
unsigned char su_pattern_byte(size_t i);
void su_fill_pattern(unsigned char *buf, size_t n, size_t stream_offset);
/* Non-zero if buf holds the pattern from stream_offset on. */
int su_check_pattern(const unsigned char *buf, size_t n, size_t stream_offset);

/* Reads from a blocking socket until EOF or error (or cap bytes); returns
 * the bytes read and sets *eof when recv returned 0. */
size_t su_read_all(evutil_socket_t fd, unsigned char *buf, size_t cap, int *eof);

/* Sets a receive timeout (ms) on a blocking socket so a test cannot hang. */
void su_set_recv_timeout(evutil_socket_t fd, int ms);

#endif
