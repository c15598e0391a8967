/* SPDX-License-Identifier: MIT */
/* The accepted-handle registry.
 *
 * A socket accepted by a listener is already owned by a libuv handle (on
 * Windows it is already bound to the loop's completion port, which cannot be
 * done twice, and on Unix uv_tcp_open on an fd the loop watches fails).  The
 * listener therefore hands the user an fd and keeps the handle here, keyed by
 * that fd:
 *   - bufferevent_socket_new(base, fd, ...) takes the handle back with
 *     uvbev_accepted_take_() instead of opening the fd again;
 *   - evutil_closesocket(fd) on a registered fd closes the handle (uv_close,
 *     which closes the socket) through uvbev_accepted_close_();
 *   - event_base_free closes whatever its listeners left unclaimed.
 * The registry is process-wide (evutil_closesocket has no base) and locked. */
#ifndef UVBEV_ACCEPTED_INTERNAL_H_
#define UVBEV_ACCEPTED_INTERNAL_H_

#include <uv.h>
#include "event2/util.h"

struct event_base;

/* Registers an accepted, initialised stream handle (allocated with malloc;
 * the registry owns it until taken).  Returns 0, or -1 on allocation failure. */
int uvbev_accepted_put_(struct event_base *base, evutil_socket_t fd, uv_stream_t *handle);

/* Removes and returns the handle registered for fd on base, or NULL.  The
 * caller owns it from then on (and must uv_close it eventually). */
uv_stream_t *uvbev_accepted_take_(struct event_base *base, evutil_socket_t fd);

/* If fd is registered, closes its handle (freeing it in the close callback)
 * and returns 1; otherwise returns 0. */
int uvbev_accepted_close_(evutil_socket_t fd);

/* Closes every handle still registered for base (event_base_free). */
void uvbev_accepted_close_all_(struct event_base *base);

#endif
