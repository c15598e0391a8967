/* SPDX-License-Identifier: MIT */
/** @file
 * The layout of struct event (libevent 2.1's <event2/event_struct.h>).
 *
 * Users may allocate a struct event themselves (on the stack, or embedded in
 * their own structures) and set it up with event_assign().  Its fields are
 * private: use the event_get_*() accessors.  Unlike libevent, the libuv handles
 * behind an added event live in a separately allocated block the event points
 * to, so the struct event may be freed or reused as soon as event_del()
 * returns, while libuv finishes closing the handles on its own. */
#ifndef UVBEV_EVENT2_EVENT_STRUCT_H_INCLUDED_
#define UVBEV_EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EVLIST_TIMEOUT 0x01      /**< ev_flags: the timeout is pending */
#define EVLIST_INSERTED 0x02     /**< ev_flags: added for I/O or a signal */
#define EVLIST_SIGNAL 0x04       /**< ev_flags: libevent's; uvbev does not set it */
#define EVLIST_ACTIVE 0x08       /**< ev_flags: active, its callback is queued */
#define EVLIST_INTERNAL 0x10     /**< ev_flags: libevent's; uvbev does not set it */
#define EVLIST_ACTIVE_LATER 0x20 /**< ev_flags: libevent's; uvbev does not set it */
#define EVLIST_FINALIZING 0x40   /**< ev_flags: libevent's; uvbev does not set it */
#define EVLIST_INIT 0x80         /**< ev_flags: set up by event_assign()/event_new() */
#define EVLIST_ALL 0xff          /**< every EVLIST_* bit */

struct event_base;

/** An event: a descriptor, a signal or a timer with its callback.  The
 * fields are private; read them with the event_get_*() functions. */
struct event {
  struct event_base *ev_base;   /**< the base it was assigned to */
  void *ev_uvbev_block;         /**< its libuv handles while added */
  struct event *ev_active_next; /**< next in the base's active queue */
  struct event *ev_active_prev; /**< previous in the base's active queue */
  void (*ev_callback)(evutil_socket_t, short, void *); /**< the callback */
  void *ev_arg;                 /**< the callback's argument */
  struct timeval ev_timeout;    /**< absolute expiry (wall clock) */
  evutil_socket_t ev_fd;        /**< descriptor, or signal number */
  short ev_events;              /**< EV_* asked for */
  short ev_res;                 /**< EV_* that fired */
  short ev_flags;               /**< EVLIST_* */
  short ev_ncalls;              /**< libevent's; not used */
  ev_uint8_t ev_pri;            /**< priority */
  ev_uint8_t ev_closure;        /**< libevent's; not used */
};

#ifdef __cplusplus
}
#endif

#endif
