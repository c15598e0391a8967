/* SPDX-License-Identifier: MIT */
/** @file
 * Listeners: accept TCP connections and hand each one to a callback
 * (libevent 2.1's <event2/listener.h>).
 *
 * uvbev, as libevent: the listener polls the listening socket (a uv_poll_t)
 * while it is enabled and has a callback, and accept()s itself.  The fd given
 * to the callback is a plain socket that belongs to the callback: give it to
 * bufferevent_socket_new() or close it with evutil_closesocket(). */
#ifndef UVBEV_EVENT2_LISTENER_H_INCLUDED_
#define UVBEV_EVENT2_LISTENER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct evconnlistener;

/**
 * Called for each accepted connection.
 * @param listener the listener
 * @param fd the new connection (non-blocking; see the top of this header)
 * @param addr the peer's address
 * @param socklen the length of addr
 * @param user_arg the pointer given to evconnlistener_new()/_set_cb()
 */
typedef void (*evconnlistener_cb)(struct evconnlistener *listener, evutil_socket_t fd,
                                  struct sockaddr *addr, int socklen, void *user_arg);

/**
 * Called when accept() failed with anything but "try again" (EAGAIN, EINTR,
 * ECONNABORTED); the cause is in EVUTIL_SOCKET_ERROR().  The listener keeps
 * listening unless the callback disables or frees it (as in libevent, a
 * lasting failure such as EMFILE is then reported again at once).
 */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *listener, void *user_arg);

/** Accepted sockets stay blocking (by default they are made non-blocking). */
#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0)
/** Close the listening socket when the listener is freed. */
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)
/** Close-on-exec on accepted sockets (the listening socket of
 * evconnlistener_new_bind() always is). */
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)
/** SO_REUSEADDR on the listening socket (evconnlistener_new_bind). */
#define LEV_OPT_REUSEABLE (1u << 3)
/** A lock around the listener's state. */
#define LEV_OPT_THREADSAFE (1u << 4)
/** Create the listener disabled; evconnlistener_enable() starts accepting. */
#define LEV_OPT_DISABLED (1u << 5)
/** TCP_DEFER_ACCEPT where the platform has it (accepted elsewhere). */
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)
/** SO_REUSEPORT where the platform has it (evconnlistener_new_bind). */
#define LEV_OPT_REUSEABLE_PORT (1u << 7)
/** IPV6_V6ONLY on an IPv6 listening socket (evconnlistener_new_bind). */
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)

/**
 * Listens on an existing socket.
 * @param base the event base (NULL: the one event_init() made)
 * @param cb called for each connection; NULL keeps the listener disabled
 *   until evconnlistener_set_cb() gives one
 * @param ptr passed to the callbacks
 * @param flags LEV_OPT_* flags
 * @param backlog passed to listen(); -1 for a default (128); 0 if fd is
 *   already listening (listen() is not called: on a socket that is not,
 *   accept() fails and the error callback says so)
 * @param fd a bound socket
 * @return the listener, or NULL on error
 *
 * Without LEV_OPT_CLOSE_ON_FREE fd stays open after evconnlistener_free().
 */
UVBEV_API struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb,
                                                    void *ptr, unsigned flags, int backlog,
                                                    evutil_socket_t fd);

/**
 * Creates a TCP socket bound to sa and listens on it.
 * @param sa the address to listen on (port 0: the system chooses; read it
 *   back with getsockname on evconnlistener_get_fd())
 * @param socklen the length of sa
 * Other parameters as evconnlistener_new().
 * @return the listener, or NULL on error (EVUTIL_SOCKET_ERROR() says why).
 */
UVBEV_API struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
                                                         evconnlistener_cb cb, void *ptr,
                                                         unsigned flags, int backlog,
                                                         const struct sockaddr *sa, int socklen);

/** Stops listening and frees the listener; safe inside its own callbacks. */
UVBEV_API void evconnlistener_free(struct evconnlistener *lev);

/** Resumes accepting.  @return 0, or -1 on error. */
UVBEV_API int evconnlistener_enable(struct evconnlistener *lev);

/** Stops accepting (the socket is no longer polled, so the listener no
 * longer keeps event_base_dispatch() running); connections wait in the
 * kernel's backlog.  @return 0, or -1 on error. */
UVBEV_API int evconnlistener_disable(struct evconnlistener *lev);

/** The base the listener runs on. */
UVBEV_API struct event_base *evconnlistener_get_base(struct evconnlistener *lev);

/** The listening socket (the caller's fd for evconnlistener_new()). */
UVBEV_API evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);

/** Replaces the connection callback and its argument; NULL disables
 * accepting until a callback is set again. */
UVBEV_API void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb, void *arg);

/** Sets the accept error callback (it receives the same user argument). */
UVBEV_API void evconnlistener_set_error_cb(struct evconnlistener *lev,
                                           evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif
