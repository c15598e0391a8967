/* SPDX-License-Identifier: MIT */
/** @file
 * Pre-2.0 evbuffer names (libevent 2.1's <event2/buffer_compat.h>), kept for
 * old code.  New code uses <event2/buffer.h> only. */
#ifndef UVBEV_EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define UVBEV_EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Obsolete: evbuffer_readln(buf, NULL, EVBUFFER_EOL_ANY).
 * @param buf the buffer
 * @return the line (released as evbuffer_readln() says), or NULL. */
UVBEV_API char *evbuffer_readline(struct evbuffer *buf);

/** Obsolete callback type of evbuffer_setcb(): old_len is the length when the
 * callbacks last ran, new_len the length now. */
typedef void (*evbuffer_cb)(struct evbuffer *buf, size_t old_len, size_t new_len, void *arg);

/** Obsolete: replaces every callback of the buffer with cb (or removes them
 * all when cb is NULL).
 * @param buf the buffer
 * @param cb the callback, or NULL
 * @param cbarg its last argument
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_setcb(struct evbuffer *buf, evbuffer_cb cb, void *cbarg);

/** Obsolete: finds len bytes what in the buffer and makes the buffer
 * contiguous up to the end of the match.
 * @param buf the buffer
 * @param what the bytes to look for
 * @param len their number
 * @return a pointer to the match inside the buffer, or NULL if not found. */
UVBEV_API unsigned char *evbuffer_find(struct evbuffer *buf, const unsigned char *what, size_t len);

/** Obsolete: the length of the buffer. */
#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
/** Obsolete: the whole buffer, made contiguous (NULL when empty). */
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif
