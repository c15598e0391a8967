/* SPDX-License-Identifier: MIT */
/* The layout of struct event (libevent 2.1's <event2/event_struct.h>).
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

#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_ACTIVE_LATER 0x20
#define EVLIST_FINALIZING 0x40
#define EVLIST_INIT 0x80
#define EVLIST_ALL 0xff

struct event_base;

struct event {
  struct event_base *ev_base;
  void *ev_uvbev_block;         /* libuv handles while added (private) */
  struct event *ev_active_next; /* base's active queue (private) */
  struct event *ev_active_prev;
  void (*ev_callback)(evutil_socket_t, short, void *);
  void *ev_arg;
  struct timeval ev_timeout; /* absolute expiry (wall clock) */
  evutil_socket_t ev_fd;     /* fd, or signal number */
  short ev_events;           /* EV_* asked for */
  short ev_res;              /* EV_* that fired */
  short ev_flags;            /* EVLIST_* */
  short ev_ncalls;
  ev_uint8_t ev_pri;
  ev_uint8_t ev_closure;
};

#ifdef __cplusplus
}
#endif

#endif
