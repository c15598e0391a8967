/* SPDX-License-Identifier: MIT */
/** @file
 * Pre-2.0 event API names (libevent 2.1's <event2/event_compat.h>).
 * They act on a process-wide "current" base created by event_init(); new code
 * should use the explicit-base functions of <event2/event.h>. */
#ifndef UVBEV_EVENT2_EVENT_COMPAT_H_INCLUDED_
#define UVBEV_EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event;
struct event_base;

/** Creates a base and makes it the current base, which the functions of
 * this header and the constructors given a NULL base use.
 * @return the base, or NULL */
UVBEV_API struct event_base *event_init(void);
/** event_base_dispatch() on the current base; -1 when there is none. */
UVBEV_API int event_dispatch(void);
/** event_base_loop() on the current base; -1 when there is none. */
UVBEV_API int event_loop(int flags);
/** event_base_loopexit() on the current base; -1 when there is none. */
UVBEV_API int event_loopexit(const struct timeval *tv);
/** event_base_loopbreak() on the current base; -1 when there is none. */
UVBEV_API int event_loopbreak(void);
/** event_base_once() on the current base; -1 when there is none. */
UVBEV_API int event_once(evutil_socket_t fd, short events,
                         void (*cb)(evutil_socket_t, short, void *), void *arg,
                         const struct timeval *tv);
/** The current base's method name (event_base_get_method()), NULL when
 * there is no current base. */
UVBEV_API const char *event_get_method(void);
/** event_base_priority_init() on the current base; -1 when there is none. */
UVBEV_API int event_priority_init(int npriorities);
/** Prepares ev for the current base (like event_assign). */
UVBEV_API void event_set(struct event *ev, evutil_socket_t fd, short events,
                         void (*cb)(evutil_socket_t, short, void *), void *arg);

/** Old name: sets up ev as a timer on the current base. */
#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
/** Old name: sets up ev as a persistent event for signal x, current base. */
#define evsignal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** Old name of evtimer_add(). */
#define timeout_add(ev, tv) event_add((ev), (tv))
/** Old name of evtimer_set(). */
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
/** Old name of evtimer_del(). */
#define timeout_del(ev) event_del(ev)
/** Old name of evtimer_pending(). */
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
/** Old name of evtimer_initialized(). */
#define timeout_initialized(ev) event_initialized(ev)
/** Old name of evsignal_add(). */
#define signal_add(ev, tv) event_add((ev), (tv))
/** Old name of evsignal_set(). */
#define signal_set(ev, x, cb, arg) event_set((ev), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** Old name of evsignal_del(). */
#define signal_del(ev) event_del(ev)
/** Old name of evsignal_pending(). */
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/** Old name of evsignal_initialized(). */
#define signal_initialized(ev) event_initialized(ev)

/** Old name: the descriptor of an event, as an int. */
#define EVENT_FD(ev) ((int)event_get_fd(ev))
/** Old name of event_get_signal(). */
#define EVENT_SIGNAL(ev) event_get_signal(ev)

#ifdef __cplusplus
}
#endif

#endif
