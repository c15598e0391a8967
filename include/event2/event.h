/* SPDX-License-Identifier: MIT */
/** @file
 * The event loop: bases, events, timers, signals (libevent 2.1's
 * <event2/event.h>), on libuv.
 *
 * Differences from libevent, all deliberate:
 *  - The backend is libuv's.  uvbev offers two methods on it (see
 *    event_get_supported_methods()): libuv's backend ("epoll", "kqueue",
 *    "iocp", ...) and "poll".  Most config flags are accepted and have no
 *    effect.
 *  - EV_ET is accepted and delivered level-triggered: an edge-triggered event
 *    runs on every edge, and again on the next iteration while its descriptor
 *    stays ready (libuv has no edge-triggered polling).  A program that reads
 *    or writes until EAGAIN, as edge triggering requires, sees no difference;
 *    one that leaves data unread gets the extra callbacks a level-triggered
 *    event would.  Callbacks get EV_ET in their flags, as in libevent.
 *    EV_CLOSED is libuv's
 *    UV_DISCONNECT (see EV_FEATURE_EARLY_CLOSE in event_base_get_features).
 *  - Timer resolution is libuv's: one millisecond (sub-millisecond timeouts
 *    round up).
 *  - Callbacks of events that became active in one loop iteration run in
 *    priority order (lower number first, FIFO within a priority) from the
 *    base's drain point, after I/O polling.
 *  - Threads: with threading enabled (evthread_use_pthreads() or the like)
 *    before the base is created, any thread may call event_add, event_del,
 *    event_remove_timer and event_active on the base's events.  event_active
 *    queues the event and wakes the loop; event_add, event_del and
 *    event_remove_timer called on another thread while the loop runs are
 *    performed by the loop thread, and the caller waits until that is done
 *    (<event2/thread.h> says more).  Without threading, or on a base made
 *    with EVENT_BASE_FLAG_NOLOCK, there is no hand-off: call them from the
 *    thread running the loop, or while no loop runs.
 */
#ifndef UVBEV_EVENT2_EVENT_H_INCLUDED_
#define UVBEV_EVENT2_EVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct event;
struct event_config;

/** The libevent release whose API uvbev implements, as text. */
#define EVENT__VERSION "2.1.12-stable"
/** EVENT__VERSION as a number: 0xMMmmpp00 (major, minor, patch). */
#define EVENT__NUMERIC_VERSION 0x02010c00
/** Another name of EVENT__VERSION. */
#define LIBEVENT_VERSION EVENT__VERSION
/** Another name of EVENT__NUMERIC_VERSION. */
#define LIBEVENT_VERSION_NUMBER EVENT__NUMERIC_VERSION

/** The libevent API version implemented, "2.1.12-stable" (uvbev's own
 * version is uvbev_version() in <uvbev/uvbev.h>). */
UVBEV_API const char *event_get_version(void);
/** The libevent API version implemented as a number, 0x02010c00. */
UVBEV_API ev_uint32_t event_get_version_number(void);

/* ---- logging and debugging ---- */
#define EVENT_LOG_DEBUG 0 /**< severity of a debug message (uvbev emits none) */
#define EVENT_LOG_MSG 1   /**< severity of an informational message */
#define EVENT_LOG_WARN 2  /**< severity of a warning (misuse, refused input) */
#define EVENT_LOG_ERR 3   /**< severity of an error */
#define _EVENT_LOG_DEBUG EVENT_LOG_DEBUG /**< old spelling of EVENT_LOG_DEBUG */
#define _EVENT_LOG_MSG EVENT_LOG_MSG     /**< old spelling of EVENT_LOG_MSG */
#define _EVENT_LOG_WARN EVENT_LOG_WARN   /**< old spelling of EVENT_LOG_WARN */
#define _EVENT_LOG_ERR EVENT_LOG_ERR     /**< old spelling of EVENT_LOG_ERR */
/** Receives a log message: severity is an EVENT_LOG_* value, msg the text
 * (without a newline), valid only during the call. */
typedef void (*event_log_cb)(int severity, const char *msg);
/** Routes uvbev's log messages (warnings about misuse, such as a loop run
 * twice at once or too many common timeouts) to cb instead of stderr.
 * @param cb the callback, or NULL to print to stderr again */
UVBEV_API void event_set_log_callback(event_log_cb cb);
/** Receives the error code of a fatal error. */
typedef void (*event_fatal_cb)(int err);
/** Stores a callback for fatal internal errors, to run before abort().
 * uvbev has no such error path in use (bad input gives -1, NULL or
 * BEV_EVENT_ERROR), so the callback is not called.
 * @param cb the callback, or NULL */
UVBEV_API void event_set_fatal_callback(event_fatal_cb cb);
#define EVENT_DBG_ALL 0xffffffffu /**< event_enable_debug_logging(): every kind */
#define EVENT_DBG_NONE 0          /**< event_enable_debug_logging(): none */
/** Stores which debug-level messages to log (EVENT_DBG_* bits).  uvbev
 * produces no debug-level messages, so this changes no output.
 * @param which EVENT_DBG_ALL, EVENT_DBG_NONE or other bits */
UVBEV_API void event_enable_debug_logging(ev_uint32_t which);
/** Accepted and ignored: uvbev has no debug mode.  It neither logs more nor
 * checks for misused events (re-assigning an added event, using a freed
 * one), which libevent's debug mode detects. */
UVBEV_API void event_enable_debug_mode(void);
/** Accepted and ignored (it only matters to libevent's debug mode).
 * @param ev the event */
UVBEV_API void event_debug_unassign(struct event *ev);

/* ---- memory ---- */
/**
 * Replaces the allocator that uvbev uses for its own memory.
 *
 * Every block uvbev allocates (bases, events, bufferevents, evbuffer
 * chunks, the lines evbuffer_readln() returns, ...) then comes from
 * malloc_fn / realloc_fn and goes back through free_fn; memory that uvbev
 * returns to the caller must be released with free_fn, not free().  A NULL
 * function means the C library's.  uvbev builds calloc and strdup on
 * malloc_fn.
 *
 * Call it before any other uvbev call (and before any direct libuv call):
 * uvbev must never hand a block from malloc() to free_fn.  Called that early,
 * it also installs the functions as libuv's allocator
 * (uv_replace_allocator()), so the loop's own memory follows them; called
 * later, libuv keeps its allocator and only allocations made from then on
 * use the new functions.  OpenSSL and zlib keep their own allocators.
 *
 * @param malloc_fn replacement for malloc()
 * @param realloc_fn replacement for realloc()
 * @param free_fn replacement for free()
 */
UVBEV_API void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
                                       void *(*realloc_fn)(void *ptr, size_t sz),
                                       void (*free_fn)(void *ptr));
/** Defined because event_set_mem_functions() is available (as in libevent). */
#define EVENT_SET_MEM_FUNCTIONS_IMPLEMENTED

/* ---- configuration ---- */
/** What a backend can do (event_config_require_features(),
 * event_base_get_features()). */
enum event_method_feature {
  /** Edge-triggered events (EV_ET); uvbev delivers them level-triggered. */
  EV_FEATURE_ET = 0x01,
  /** Adding, deleting and activating an event costs O(1). */
  EV_FEATURE_O1 = 0x02,
  /** Any descriptor may be watched, not only sockets. */
  EV_FEATURE_FDS = 0x04,
  /** EV_CLOSED is reported (the peer closed its side). */
  EV_FEATURE_EARLY_CLOSE = 0x08
};
/** Flags of event_config_set_flag(). */
enum event_base_config_flag {
  /** No lock for the base: it must not be used from several threads. */
  EVENT_BASE_FLAG_NOLOCK = 0x01,
  /** Ignore the EVENT_NO<METHOD> environment variables. */
  EVENT_BASE_FLAG_IGNORE_ENV = 0x02,
  /** Accepted, no effect (libuv uses IOCP on Windows anyway). */
  EVENT_BASE_FLAG_STARTUP_IOCP = 0x04,
  /** event_base_gettimeofday_cached() reads the clock on every call. */
  EVENT_BASE_FLAG_NO_CACHE_TIME = 0x08,
  /** Accepted, no effect. */
  EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST = 0x10,
  /** Accepted, no effect (timers have libuv's millisecond resolution). */
  EVENT_BASE_FLAG_PRECISE_TIMER = 0x20
};

/** Allocates a configuration with the defaults (no method avoided, no
 * feature required, no flag).
 * @return the configuration, or NULL when out of memory */
UVBEV_API struct event_config *event_config_new(void);
/** Frees a configuration; bases made from it are not affected.
 * @param cfg the configuration */
UVBEV_API void event_config_free(struct event_config *cfg);
/** Makes event_base_new_with_config() skip a method.  When every method is
 * avoided (by the config or the environment), event_base_new_with_config()
 * returns NULL.
 * @param cfg the configuration
 * @param method a name from event_get_supported_methods(); other names are
 *   methods uvbev does not have, so nothing changes
 * @return 0, or -1 for NULL arguments */
UVBEV_API int event_config_avoid_method(struct event_config *cfg, const char *method);
/** Requires features, replacing those of an earlier call:
 * event_base_new_with_config() fails if the backend lacks them (see
 * event_base_get_features()).
 * @param cfg the configuration
 * @param feature EV_FEATURE_* bits
 * @return 0, or -1 for NULL */
UVBEV_API int event_config_require_features(struct event_config *cfg, int feature);
/** Adds flags to a configuration: EVENT_BASE_FLAG_NOLOCK (no lock for the
 * base), EVENT_BASE_FLAG_IGNORE_ENV, EVENT_BASE_FLAG_NO_CACHE_TIME; the
 * others are accepted and have no effect.
 * @param cfg the configuration
 * @param flag event_base_config_flag bits
 * @return 0, or -1 for NULL */
UVBEV_API int event_config_set_flag(struct event_config *cfg, int flag);
/** Accepted, no effect (libuv sizes its thread pool itself).
 * @return 0, or -1 for NULL */
UVBEV_API int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus);
/** Accepted, no effect: uvbev runs every active callback of an iteration.
 * @return 0, or -1 for NULL */
UVBEV_API int event_config_set_max_dispatch_interval(struct event_config *cfg,
                                                     const struct timeval *max_interval,
                                                     int max_callbacks, int min_priority);

/* ---- bases ---- */
/** A new base on its own libuv loop (the first method the environment does
 * not disable, see event_base_new_with_config), or NULL. */
UVBEV_API struct event_base *event_base_new(void);
/** A new base honouring cfg (NULL cfg = defaults), or NULL.  As in libevent,
 * unless cfg has EVENT_BASE_FLAG_IGNORE_ENV, an environment variable
 * EVENT_NO<METHOD> (the method's name in upper case: EVENT_NOEPOLL,
 * EVENT_NOPOLL, ...) that is set disables that method; the base takes the
 * first supported method that neither the config nor the environment
 * excludes, or fails (NULL) when there is none.  uvbev reads the
 * environment even in set-user-ID programs, where libevent does not. */
UVBEV_API struct event_base *event_base_new_with_config(const struct event_config *cfg);
/** Deletes every event still added or active on base (the struct events stay
 * the user's), shuts down every object still owning libuv handles on it,
 * runs the loop until their close callbacks ran and closes the loop if the
 * base owns it.  A name lookup still running on libuv's thread pool (a
 * bufferevent_socket_connect_hostname or evdns_getaddrinfo whose
 * bufferevent or request was freed) cannot be stopped: the base waits for
 * it to return, at most the system resolver's own timeout.  NULL is
 * ignored. */
UVBEV_API void event_base_free(struct event_base *base);
/** Same as event_base_free (uvbev has no finalizers to skip). */
UVBEV_API void event_base_free_nofinalize(struct event_base *base);
/** Makes a base usable in the child after fork(); call it in the child
 * before using the base there.  It runs uv_loop_fork() on the base's loop,
 * whether the base owns the loop or borrowed it (uvbev_base_new_with_loop():
 * the caller must then not call uv_loop_fork() on that loop again), closes
 * the libuv handles of the events and bufferevents the child deleted or
 * freed since the fork, and clears the signals caught but not yet reported.
 * Until it is called, the child never touches the parent's libuv state: a
 * base freed without it releases what it can and leaves its loop allocated.
 * On Windows (no fork) it only returns 0.
 * @param base the base
 * @return 0, or -1 for NULL or when uv_loop_fork() fails */
UVBEV_API int event_reinit(struct event_base *base);

#define EVLOOP_ONCE 0x01 /**< event_base_loop(): return after one round of callbacks */
#define EVLOOP_NONBLOCK 0x02 /**< event_base_loop(): run what is ready, never wait */
#define EVLOOP_NO_EXIT_ON_EMPTY 0x04 /**< event_base_loop(): run on with nothing pending */

/** event_base_loop(base, 0). */
UVBEV_API int event_base_dispatch(struct event_base *base);
/** Runs the loop.  flags: EVLOOP_ONCE (block until some callbacks ran, run
 * them, return), EVLOOP_NONBLOCK (run what is ready, never block),
 * EVLOOP_NO_EXIT_ON_EMPTY (keep running with nothing pending until
 * loopexit/loopbreak).  Returns 0 on a normal exit (loopexit, loopbreak, ONCE
 * or NONBLOCK done), 1 when it stopped because nothing was pending or active,
 * -1 on error (NULL base, or the loop already running on this base). */
UVBEV_API int event_base_loop(struct event_base *base, int flags);
/** Makes the loop exit after tv (NULL: after the current iteration's
 * callbacks).  As in libevent, each timed call is a one-shot timer of its
 * own (event_base_once) that counts as a pending event: of several calls
 * the earliest deadline ends the loop, and the others stay pending for the
 * next loop.  Returns 0 or -1. */
UVBEV_API int event_base_loopexit(struct event_base *base, const struct timeval *tv);
/** Makes the loop exit right after the current callback: no other callback
 * runs in it, neither the remaining active events and deferred callbacks
 * nor a socket bufferevent's callbacks for what libuv reads or writes in
 * the same wake-up (reading pauses; what was read stays in the input).
 * They run in the next loop.  Returns 0 or -1. */
UVBEV_API int event_base_loopbreak(struct event_base *base);
/** Accepted, no effect: libevent polls for new events before running the
 * remaining active callbacks; uvbev runs them in the same iteration anyway.
 * @return 0, or -1 for NULL */
UVBEV_API int event_base_loopcontinue(struct event_base *base);
/** Non-zero if the last loop stopped because of loopexit (reset when a loop
 * starts). */
UVBEV_API int event_base_got_exit(struct event_base *base);
/** Non-zero if the last loop stopped because of loopbreak (reset when a loop
 * starts). */
UVBEV_API int event_base_got_break(struct event_base *base);
/** The method base was created with: libuv's backend name ("epoll",
 * "kqueue", "iocp", "event ports", ...) or "poll". */
UVBEV_API const char *event_base_get_method(const struct event_base *base);
/** NULL-terminated, in order of preference: libuv's backend on this
 * platform, then "poll".  Both methods run on the same libuv backend and
 * behave the same; "poll" names what uvbev does for descriptors the backend
 * cannot watch (regular files, /dev/null, ... under epoll): it reports them
 * always ready, as poll(2) does.  So a program that disables its platform's
 * backend (tmux sets EVENT_NOEPOLL on Linux, where libevent then uses poll)
 * still gets a working base, whose method says "poll".  Where libuv's
 * backend is poll itself the list has that one entry. */
UVBEV_API const char **event_get_supported_methods(void);
/** EV_FEATURE_ET (delivered level-triggered: see the top of this header) |
 * EV_FEATURE_O1 | EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE (EV_CLOSED is
 * reported; not on AIX, where libuv cannot watch for it), whatever the
 * method. */
UVBEV_API int event_base_get_features(const struct event_base *base);
/** The time at which this loop iteration started (the clock when not inside a
 * loop).  Returns 0, -1 on NULL tv. */
UVBEV_API int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv);
/** Refreshes the cached time (uv_update_time).  Returns 0 or -1. */
UVBEV_API int event_base_update_cache_time(struct event_base *base);
/** Monotonic time (libuv's clock).  Returns 0 or -1. */
UVBEV_API int event_gettime_monotonic(struct event_base *base, struct timeval *tp);

#define EVENT_BASE_COUNT_ACTIVE 1U  /**< count active events */
#define EVENT_BASE_COUNT_VIRTUAL 2U /**< count virtual events (uvbev has none: 0) */
#define EVENT_BASE_COUNT_ADDED 4U   /**< count added (pending) events */
/** Counts the events of the kinds in type (EVENT_BASE_COUNT_* bits; an
 * event both added and active counts once per kind).
 * @return the count, or -1 for a NULL base */
UVBEV_API int event_base_get_num_events(struct event_base *base, unsigned int type);
/** The largest count of the kinds in type seen since the base was created
 * or the count was last cleared.
 * @param base the base
 * @param type EVENT_BASE_COUNT_* bits
 * @param clear non-zero to reset those maxima to 0 after reading them
 * @return the sum of the maxima, or -1 for a NULL base */
UVBEV_API int event_base_get_max_events(struct event_base *base, unsigned int type, int clear);

/** The most priorities event_base_priority_init() accepts. */
#define EVENT_MAX_PRIORITIES 256
/** Sets the number of priorities (1..EVENT_MAX_PRIORITIES); fails once events
 * are active.  New events get npriorities/2.  Returns 0 or -1. */
UVBEV_API int event_base_priority_init(struct event_base *base, int npriorities);
/** The number of priorities (1 by default). */
UVBEV_API int event_base_get_npriorities(struct event_base *eb);

/* ---- events ---- */
#define EV_TIMEOUT 0x01  /**< the event's timeout expired */
#define EV_READ 0x02     /**< wait for / the descriptor is readable */
#define EV_WRITE 0x04    /**< wait for / the descriptor is writable */
#define EV_SIGNAL 0x08   /**< a signal event: fd is the signal number */
#define EV_PERSIST 0x10  /**< stay added after the callback ran */
#define EV_ET 0x20       /**< edge-triggered; delivered level-triggered (see above) */
#define EV_FINALIZE 0x40 /**< accepted; uvbev has no finalizer state to wait for */
#define EV_CLOSED 0x80   /**< the peer closed or shut down its writing side */

/** An event's callback: fd is the event's descriptor (or signal number),
 * what the EV_* flags that made it run, arg its callback argument. */
typedef void (*event_callback_fn)(evutil_socket_t fd, short what, void *arg);

/** A marker to pass as the callback argument of event_new() or
 * event_assign(): the callback then receives the event itself as arg. */
UVBEV_API void *event_self_cbarg(void);

/** Allocates an event and sets it up as event_assign() does; free it with
 * event_free().
 * @param base the base (must not be NULL)
 * @param fd a descriptor, -1 for none (a timer or user event), or with
 *   EV_SIGNAL a signal number
 * @param events EV_* flags to wait for (EV_READ, EV_WRITE, EV_CLOSED,
 *   EV_SIGNAL, EV_PERSIST, EV_ET), or 0
 * @param callback run when the event fires
 * @param callback_arg its last argument, or event_self_cbarg()
 * @return the event, or NULL (NULL base, EV_SIGNAL with EV_READ, EV_WRITE or
 *   EV_CLOSED, out of memory) */
UVBEV_API struct event *event_new(struct event_base *base, evutil_socket_t fd, short events,
                                  event_callback_fn callback, void *callback_arg);
/** Sets up caller-owned memory as an event (see <event2/event_struct.h>).
 * ev must not be added or active.
 * @param ev the memory to set up
 * @param base the base; NULL: the current base of event_init()
 * @param fd as for event_new()
 * @param events as for event_new()
 * @param callback run when the event fires
 * @param callback_arg its last argument, or event_self_cbarg()
 * @return 0, or -1 (NULL ev, EV_SIGNAL with EV_READ, EV_WRITE or EV_CLOSED) */
UVBEV_API int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd,
                           short events, event_callback_fn callback, void *callback_arg);
/** Deletes an event made by event_new() (event_del()) and frees it.  NULL is
 * ignored.
 * @param ev the event */
UVBEV_API void event_free(struct event *ev);

/** A finalizer: ev is the event, arg its callback argument. */
typedef void (*event_finalize_callback_fn)(struct event *ev, void *arg);
/** Deletes ev and calls cb(ev, arg) later, from the base's deferred queue.
 * @param flags accepted, not used
 * @param ev the event
 * @param cb the finalizer
 * @return 0, or -1 on bad arguments */
UVBEV_API int event_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb);
/** event_finalize(), then frees ev (made by event_new()) after cb returns.
 * @return 0, or -1 on bad arguments */
UVBEV_API int event_free_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb);

/** Runs cb once: when fd is ready for what events asks (EV_READ, EV_WRITE,
 * EV_CLOSED), or after tv (EV_TIMEOUT or no I/O flag; a NULL or zero tv
 * then makes it run in the next round of callbacks).  uvbev frees its memory
 * after the call, or in event_base_free() if it never ran.
 * @param base the base
 * @param fd the descriptor, or -1
 * @param events EV_READ, EV_WRITE, EV_CLOSED, EV_TIMEOUT; EV_SIGNAL and
 *   EV_PERSIST are refused
 * @param cb the callback
 * @param arg its last argument
 * @param tv the timeout, or NULL
 * @return 0, or -1 (bad arguments, out of memory, libuv refused fd) */
UVBEV_API int event_base_once(struct event_base *base, evutil_socket_t fd, short events,
                              event_callback_fn cb, void *arg, const struct timeval *tv);

/** Makes ev pending: it waits for its descriptor or signal, and for tv when
 * tv is not NULL.  Re-adding an added event replaces its timeout (a NULL tv
 * keeps it).  Called from another thread while the loop runs, the loop thread
 * adds it and the caller waits (see the top of this header).
 * @param ev an event set up by event_new() or event_assign()
 * @param tv the timeout, or NULL; a value from
 *   event_base_init_common_timeout() is accepted
 * @return 0, or -1 (not set up, invalid tv, libuv refused the descriptor or
 *   signal, base being freed) */
UVBEV_API int event_add(struct event *ev, const struct timeval *tv);
/** Removes the timeout of an event and keeps it waiting for its descriptor
 * or signal (a timer-only event stops being pending).
 * @return 0, or -1 for NULL or an event never set up */
UVBEV_API int event_remove_timer(struct event *ev);
/** Makes ev non-pending and non-active.  Called from another thread while
 * the loop runs (with threading enabled), the loop thread deletes the event
 * between callbacks and the caller waits until it has.  Either way ev may be
 * freed or reused as soon as this returns.
 * @return 0, or -1 for NULL or an event never assigned */
UVBEV_API int event_del(struct event *ev);
/** The same as event_del() in uvbev.  libevent's event_del_noblock() does
 * not wait for a callback of ev running on another thread; uvbev's event_del
 * from another thread always waits until the loop thread has deleted the
 * event, which is never during a callback (see <event2/thread.h>).
 * @return as event_del() */
UVBEV_API int event_del_noblock(struct event *ev);
/** The same as event_del(): it waits for a callback of ev that runs on the
 * loop thread to return when called from another thread, as libevent's
 * event_del_block() does.
 * @return as event_del() */
UVBEV_API int event_del_block(struct event *ev);
/** Makes ev active: its callback runs in the next round of callbacks with
 * res in its flags (ORed with flags of a pending activation).  Any thread may
 * call it, with threading enabled.
 * @param ev the event (need not be added)
 * @param res the EV_* flags to pass to the callback
 * @param ncalls ignored (libevent 2.1 uses it only for signals) */
UVBEV_API void event_active(struct event *ev, int res, short ncalls);
/** Tells which of events ev is pending or active for.
 * @param ev the event
 * @param events the EV_* flags to ask about (EV_TIMEOUT, EV_READ, EV_WRITE,
 *   EV_CLOSED, EV_SIGNAL)
 * @param tv if not NULL, and events has EV_TIMEOUT and a timeout is pending,
 *   receives its expiry (wall-clock time)
 * @return the flags of events that are pending or active, 0 for none or a
 *   NULL ev */
UVBEV_API int event_pending(const struct event *ev, short events, struct timeval *tv);
/** The event whose callback is running on base, or NULL. */
UVBEV_API struct event *event_base_get_running_event(struct event_base *base);
/** Non-zero if ev was set up by event_assign/event_new. */
UVBEV_API int event_initialized(const struct event *ev);

/** The signal number of a signal event (event_get_fd() as an int). */
#define event_get_signal(ev) ((int)event_get_fd(ev))
/** The descriptor (or signal number) ev was assigned with; -1 for NULL. */
UVBEV_API evutil_socket_t event_get_fd(const struct event *ev);
/** The base ev was assigned to; NULL for NULL. */
UVBEV_API struct event_base *event_get_base(const struct event *ev);
/** The EV_* flags ev was assigned with; 0 for NULL. */
UVBEV_API short event_get_events(const struct event *ev);
/** The callback ev was assigned with; NULL for NULL. */
UVBEV_API event_callback_fn event_get_callback(const struct event *ev);
/** The callback argument ev was assigned with; NULL for NULL. */
UVBEV_API void *event_get_callback_arg(const struct event *ev);
/** The priority of ev; -1 for NULL. */
UVBEV_API int event_get_priority(const struct event *ev);
/** Copies out the arguments ev was assigned with; NULL outputs are skipped. */
UVBEV_API void event_get_assignment(const struct event *event, struct event_base **base_out,
                                    evutil_socket_t *fd_out, short *events_out,
                                    event_callback_fn *callback_out, void **arg_out);
/** sizeof(struct event). */
UVBEV_API size_t event_get_struct_event_size(void);
/** Sets the priority of a non-active event (0..npriorities-1).  Returns 0 or
 * -1. */
UVBEV_API int event_priority_set(struct event *ev, int priority);

/** A function for event_base_foreach_event(): return 0 to go on, anything
 * else to stop. */
typedef int (*event_base_foreach_event_cb)(const struct event_base *, const struct event *, void *);
/** Calls fn(base, ev, arg) for every added or active event; stops at the
 * first non-zero return, which it returns.  fn must not add or delete
 * events.
 * @return 0 when every call returned 0, else the first non-zero result; -1
 *   for a NULL base or fn */
UVBEV_API int event_base_foreach_event(struct event_base *base, event_base_foreach_event_cb fn,
                                       void *arg);
/** Writes a heading and one line per added or active event (its address,
 * descriptor and EV_* flags) to output; NULL arguments are ignored. */
UVBEV_API void event_base_dump_events(struct event_base *base, FILE *output);
/** As libevent: without EV_TIMEOUT in events, makes the I/O events added on
 * fd active for what they wait for among events (EV_READ, EV_WRITE,
 * EV_CLOSED); with EV_TIMEOUT, makes every event on fd whose timeout is
 * pending active with EV_TIMEOUT (added to the flags it already has) and no
 * I/O event.  Unknown descriptors are ignored. */
UVBEV_API void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd, short events);
/** Activates every added signal event for sig. */
UVBEV_API void event_base_active_by_signal(struct event_base *base, int sig);
/** A timeval standing for `duration` on base, to pass to event_add: the same
 * pointer for the same duration (tv_usec >= 1000000 is normalised) as long as
 * base lives, also when passed a value it returned.  As in libevent its
 * tv_usec encodes a marker, an index and the microseconds, and at most 256
 * durations per base are kept.  Events added with it time out after the
 * duration (libuv's timers need no separate queue).  NULL on bad arguments
 * or when the base has 256 already. */
UVBEV_API const struct timeval *event_base_init_common_timeout(struct event_base *base,
                                                               const struct timeval *duration);
/** Accepted; uvbev keeps no global state that needs freeing. */
UVBEV_API void libevent_global_shutdown(void);
/** Associates ev with base (for event_set'ed events).  Returns 0 or -1. */
UVBEV_API int event_base_set(struct event_base *base, struct event *ev);

/** Sets up ev as a timer (no descriptor, no EV_* flag). */
#define evtimer_assign(ev, b, cb, arg) event_assign((ev), (b), -1, 0, (cb), (arg))
/** A new timer event. */
#define evtimer_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
/** Starts a timer: it fires after tv. */
#define evtimer_add(ev, tv) event_add((ev), (tv))
/** Stops a timer. */
#define evtimer_del(ev) event_del(ev)
/** Whether a timer is pending; tv receives its expiry. */
#define evtimer_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
/** Whether a timer was set up. */
#define evtimer_initialized(ev) event_initialized(ev)

/** Starts watching for a signal (tv: an optional timeout). */
#define evsignal_add(ev, tv) event_add((ev), (tv))
/** Sets up ev as a persistent event for signal x. */
#define evsignal_assign(ev, b, x, cb, arg)                                                         \
  event_assign((ev), (b), (x), EV_SIGNAL | EV_PERSIST, cb, (arg))
/** A new persistent event for signal x. */
#define evsignal_new(b, x, cb, arg) event_new((b), (x), EV_SIGNAL | EV_PERSIST, (cb), (arg))
/** Stops watching for a signal. */
#define evsignal_del(ev) event_del(ev)
/** Whether a signal event is pending. */
#define evsignal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
/** Whether a signal event was set up. */
#define evsignal_initialized(ev) event_initialized(ev)

/** A new user-triggered event: it runs only when evuser_trigger() is called. */
#define evuser_new(b, cb, arg) event_new((b), -1, 0, (cb), (arg))
/** Deletes a user-triggered event (cancels a pending trigger). */
#define evuser_del(ev) event_del(ev)
/** event_pending(ev, 0, tv): it asks about no EV_* flag, so it returns 0,
 * as in libevent. */
#define evuser_pending(ev, tv) event_pending((ev), 0, (tv))
/** Whether a user-triggered event was set up. */
#define evuser_initialized(ev) event_initialized(ev)
/** Makes a user-triggered event run (event_active()). */
#define evuser_trigger(ev) event_active((ev), 0, 0)

#ifdef __cplusplus
}
#endif

#endif
