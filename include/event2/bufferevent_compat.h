/* SPDX-License-Identifier: MIT */
/** @file
 * Pre-2.0 names for bufferevents (libevent's <event2/bufferevent_compat.h>).
 * New code should use <event2/bufferevent.h>. */
#ifndef UVBEV_EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define UVBEV_EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

#define evbuffercb bufferevent_data_cb /**< old name of bufferevent_data_cb */
#define everrorcb bufferevent_event_cb  /**< old name of bufferevent_event_cb */

/**
 * Creates a socket bufferevent on the current base (the one event_init()
 * made) with the given callbacks.  Equivalent to bufferevent_socket_new()
 * followed by bufferevent_setcb().
 *
 * uvbev: a libuv handle needs its loop when it is created, so a current base
 * must exist (call event_init() first); without one this returns NULL.
 * bufferevent_base_set() then succeeds only for that same base.
 *
 * @param fd a connected socket, or -1
 * @return the bufferevent, or NULL on error
 */
UVBEV_API struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb,
                                              evbuffercb writecb, everrorcb errorcb,
                                              void *cbarg);

/**
 * Sets the read and write timeouts in whole seconds (0 clears one): the same
 * as bufferevent_set_timeouts() with {seconds, 0}.
 */
UVBEV_API void bufferevent_settimeout(struct bufferevent *bufev, int timeout_read,
                                      int timeout_write);

#define EVBUFFER_READ BEV_EVENT_READING   /**< old name of BEV_EVENT_READING */
#define EVBUFFER_WRITE BEV_EVENT_WRITING  /**< old name of BEV_EVENT_WRITING */
#define EVBUFFER_EOF BEV_EVENT_EOF         /**< old name of BEV_EVENT_EOF */
#define EVBUFFER_ERROR BEV_EVENT_ERROR     /**< old name of BEV_EVENT_ERROR */
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT /**< old name of BEV_EVENT_TIMEOUT */

/** The input buffer of a bufferevent (old name). */
#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
/** The output buffer of a bufferevent (old name). */
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#ifdef __cplusplus
}
#endif

#endif
