/* SPDX-License-Identifier: MIT */
/** @file
 * Bufferevents: buffered I/O over a socket, a pair, a filter or TLS
 * (libevent 2.1's <event2/bufferevent.h>, implemented on libuv by uvbev).
 *
 * A bufferevent has an input and an output evbuffer, three callbacks (read,
 * write, event) and, per direction, an enabled flag, watermarks and a timeout.
 *   - The read callback runs after input grew to at least the read low
 *     watermark.  While the input holds at least the read high watermark (when
 *     it is not 0), reading stops; it resumes as the user drains below it.
 *   - The write callback runs when the output drained to at most the write low
 *     watermark after a write.  The write high watermark is the backpressure
 *     limit that filters (and TLS) respect when they write into this
 *     bufferevent.
 *   - The event callback receives BEV_EVENT_* flags: CONNECTED, EOF|READING,
 *     ERROR|READING or WRITING (cause in EVUTIL_SOCKET_ERROR()), and
 *     TIMEOUT|READING or WRITING (that direction is then disabled).
 * A new socket bufferevent has EV_WRITE enabled and EV_READ disabled.
 * With BEV_OPT_DEFER_CALLBACKS callbacks run from the base's deferred queue
 * (after I/O, once per loop iteration); triggers that happen before the
 * callbacks run coalesce (event flags are OR-ed).  After bufferevent_free() no
 * callback of that bufferevent runs again.
 */
#ifndef UVBEV_EVENT2_BUFFEREVENT_H_INCLUDED_
#define UVBEV_EVENT2_BUFFEREVENT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags passed to the event callback (bufferevent_event_cb). */
#define BEV_EVENT_READING 0x01   /**< error or EOF encountered while reading */
#define BEV_EVENT_WRITING 0x02   /**< error encountered while writing */
#define BEV_EVENT_EOF 0x10       /**< end of file reached */
#define BEV_EVENT_ERROR 0x20     /**< unrecoverable error; see EVUTIL_SOCKET_ERROR() */
#define BEV_EVENT_TIMEOUT 0x40   /**< user-specified timeout reached */
#define BEV_EVENT_CONNECTED 0x80 /**< connect (or TLS handshake) finished */

struct bufferevent;
struct event_base;
struct evbuffer;
struct sockaddr;
struct evdns_base;

/** Read or write callback: ctx is the argument given to bufferevent_setcb(). */
typedef void (*bufferevent_data_cb)(struct bufferevent *bev, void *ctx);

/** Event callback: what is a combination of BEV_EVENT_* flags. */
typedef void (*bufferevent_event_cb)(struct bufferevent *bev, short what, void *ctx);

/** Options for the bufferevent constructors. */
enum bufferevent_options {
  /** Close the socket / free the underlying bufferevent when this one is freed. */
  BEV_OPT_CLOSE_ON_FREE = (1 << 0),
  /** Give the bufferevent a (recursive) lock, shared with its evbuffers.
      Threading must have been enabled (evthread_use_pthreads()...).  Any
      thread may then use the bufferevent; see <event2/thread.h> for what
      runs where and for the one-lock-per-stack rule. */
  BEV_OPT_THREADSAFE = (1 << 1),
  /** Run callbacks from the base's deferred queue, not from inside I/O. */
  BEV_OPT_DEFER_CALLBACKS = (1 << 2),
  /** Release the lock around user callbacks (requires DEFER_CALLBACKS), so
      that a callback may wait for another thread that takes the lock. */
  BEV_OPT_UNLOCK_CALLBACKS = (1 << 3)
};

/** Modes for bufferevent_flush() and for filter callbacks. */
enum bufferevent_flush_mode {
  BEV_NORMAL = 0,  /**< usually set when processing data */
  BEV_FLUSH = 1,   /**< push out everything written so far */
  BEV_FINISHED = 2 /**< no more data: flush and end the stream (half-close) */
};

/** Options for bufferevent_trigger() and bufferevent_trigger_event(). */
enum bufferevent_trigger_options {
  /** Run the callback whatever the watermarks say. */
  BEV_TRIG_IGNORE_WATERMARKS = (1 << 16),
  /** Defer the callback even if the bufferevent does not defer callbacks. */
  BEV_TRIG_DEFER_CALLBACKS = BEV_OPT_DEFER_CALLBACKS
};

/* ---- socket bufferevents ------------------------------------------------ */

/**
 * Creates a bufferevent on a socket.
 *
 * @param base the event base (NULL: the one event_init() made, as for every
 *   bufferevent and listener constructor)
 * @param fd a connected or connecting socket (made non-blocking), or -1 to
 *   set one later with bufferevent_socket_connect() or bufferevent_setfd().
 *   As with libevent, any descriptor works: a pipe, a FIFO, a tty or pty, a
 *   regular file, /dev/null.  A socket handed out by an evconnlistener is
 *   adopted as is.  uvbev: TCP sockets run on a uv_tcp_t; AF_UNIX stream
 *   sockets, pipes and FIFOs on a uv_pipe_t; ttys, ptys and other pollable
 *   descriptors on a uv_poll_t with read()/write(); regular files and
 *   /dev/null are always ready, as libevent's poll backend reports them
 *   (libevent's epoll backend refuses them).  Windows: sockets only.
 * @param options BEV_OPT_* flags
 * @return the new bufferevent, or NULL on error (a descriptor that is not
 *   open or that the loop cannot watch, allocation)
 *
 * uvbev: libuv always closes the descriptor it watches.  Without
 * BEV_OPT_CLOSE_ON_FREE, uvbev therefore watches a duplicate of fd on Unix so
 * that the caller's fd stays open after bufferevent_free(); on Windows a
 * socket cannot leave the loop's completion port, so the socket stays usable
 * only for blocking calls after the bufferevent is freed.
 */
UVBEV_API struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd,
                                                     int options);

/**
 * Starts connecting a socket bufferevent to an address.
 *
 * If the bufferevent has no socket yet, one is created for the address'
 * family.  Data added to the output before the connection completes is sent
 * after it.  Completion is reported to the event callback as
 * BEV_EVENT_CONNECTED; failure (refused, unreachable...) as BEV_EVENT_ERROR
 * with the cause in EVUTIL_SOCKET_ERROR().  With addr NULL, the bufferevent's
 * socket is assumed to be connecting already and CONNECTED is reported when it
 * becomes writable.
 *
 * @return 0 if the attempt started, -1 on immediate failure (bad arguments,
 *   no socket could be created).
 */
UVBEV_API int bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *addr,
                                         int socklen);

/**
 * Resolves hostname without blocking and connects to the result.  The lookup
 * runs the platform's getaddrinfo() on libuv's thread pool (not
 * uv_getaddrinfo(), whose results on Windows evutil_freeaddrinfo() could not
 * free), whether dns_base is given or NULL.
 *
 * @param bev a socket bufferevent (or a TLS bufferevent over a socket)
 * @param dns_base an evdns_base or NULL; not used (see <event2/dns.h>)
 * @param family AF_INET, AF_INET6 or AF_UNSPEC
 * @param hostname the name or numeric address to connect to
 * @param port the port, in host byte order
 * @return 0 if resolution started, -1 on bad arguments.  A resolution failure
 *   is reported as BEV_EVENT_ERROR with bufferevent_socket_get_dns_error() != 0.
 *
 * uvbev: Happy Eyeballs (RFC 8305), where libevent tries only the first
 * address: AAAA and A are looked up in parallel (AF_UNSPEC), IPv6 is tried
 * first, the next address is tried when one fails or after 250 ms while the
 * earlier attempts stay open, and the first to connect wins.  When all fail,
 * BEV_EVENT_ERROR reports the last attempt's error in EVUTIL_SOCKET_ERROR().
 * The write timeout, when set, covers the whole connect, lookup included.
 * uvbev_bufferevent_set_connect_attempt_delay() (<uvbev/uvbev.h>) changes
 * the delay; 0 turns racing off (one lookup, addresses tried in turn).
 */
UVBEV_API int bufferevent_socket_connect_hostname(struct bufferevent *bev,
                                                  struct evdns_base *dns_base, int family,
                                                  const char *hostname, int port);

/** The EVUTIL_EAI_* error of the last failed name lookup, or 0. */
UVBEV_API int bufferevent_socket_get_dns_error(struct bufferevent *bev);

/* ---- core --------------------------------------------------------------- */

/**
 * Checks that a bufferevent runs on base.  uvbev never moves a bufferevent
 * to another base (libevent does): every bufferevent is tied to its base's
 * libuv loop from its creation.
 * @return 0 when base is bev's base already, -1 otherwise (or for NULL)
 */
UVBEV_API int bufferevent_base_set(struct event_base *base, struct bufferevent *bev);

/** The base the bufferevent runs on. */
UVBEV_API struct event_base *bufferevent_get_base(struct bufferevent *bev);

/** Sets the priority of the bufferevent's callbacks. @return 0, or -1. */
UVBEV_API int bufferevent_priority_set(struct bufferevent *bev, int pri);

/** The priority set with bufferevent_priority_set() (default 0). */
UVBEV_API int bufferevent_get_priority(const struct bufferevent *bev);

/**
 * Frees a bufferevent.  No callback of it runs afterwards.  With
 * BEV_OPT_CLOSE_ON_FREE its socket is closed (or its underlying bufferevent
 * freed).  Memory is released once libuv has closed its handles and pending
 * deferred callbacks are cancelled.  Data still in the output buffer is not
 * guaranteed to be sent: flush with BEV_FINISHED and wait for the write
 * callback first when that matters.  Safe to call from inside any of its
 * callbacks.  With BEV_OPT_THREADSAFE it may be called from any thread: a
 * callback running on the loop thread at that moment holds the lock, so this
 * waits until it returns; with BEV_OPT_UNLOCK_CALLBACKS a callback that had
 * already started may still be running when this returns (as in libevent).
 */
UVBEV_API void bufferevent_free(struct bufferevent *bev);

/**
 * Sets the callbacks.  Any of them may be NULL.
 * @param readcb called when input reaches the read low watermark
 * @param writecb called when output drains to the write low watermark
 * @param eventcb called with BEV_EVENT_* flags
 * @param cbarg passed to all three
 */
UVBEV_API void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
                                 bufferevent_data_cb writecb, bufferevent_event_cb eventcb,
                                 void *cbarg);

/** Retrieves the callbacks; any out-pointer may be NULL. */
UVBEV_API void bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb_ptr,
                                 bufferevent_data_cb *writecb_ptr,
                                 bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr);

/** Replaces the socket of a socket bufferevent (or of the bottom of a
 * filter stack).  @return 0, or -1 if the kind has no socket or fd is bad. */
UVBEV_API int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd);

/** The socket under the bufferevent, or -1 if it has none. */
UVBEV_API evutil_socket_t bufferevent_getfd(struct bufferevent *bev);

/** The bufferevent a filter (or TLS filter) is built on, or NULL. */
UVBEV_API struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev);

/** Appends size bytes to the output buffer.  @return 0, or -1 on error. */
UVBEV_API int bufferevent_write(struct bufferevent *bev, const void *data, size_t size);

/** Moves all of buf to the output buffer (no copy).  @return 0, or -1. */
UVBEV_API int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf);

/** Removes up to size bytes from the input buffer.  @return bytes read. */
UVBEV_API size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size);

/** Moves all of the input buffer to buf (no copy).  @return 0, or -1. */
UVBEV_API int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf);

/** The input buffer.  Do not set callbacks on it. */
UVBEV_API struct evbuffer *bufferevent_get_input(struct bufferevent *bev);

/** The output buffer.  Do not set callbacks on it. */
UVBEV_API struct evbuffer *bufferevent_get_output(struct bufferevent *bev);

/** Enables EV_READ and/or EV_WRITE.  Restarts a pending timeout of that
 * direction.  @return 0, or -1 on error. */
UVBEV_API int bufferevent_enable(struct bufferevent *bev, short event);

/** Disables EV_READ and/or EV_WRITE.  @return 0, or -1 on error. */
UVBEV_API int bufferevent_disable(struct bufferevent *bev, short event);

/** The enabled directions, EV_READ|EV_WRITE. */
UVBEV_API short bufferevent_get_enabled(struct bufferevent *bev);

/**
 * Sets the read and write timeouts (NULL or a zero timeval clears one).  A
 * timeout runs only while its direction is enabled and not suspended (by a
 * watermark, a pending connect, ...), and for writes only while there is data
 * to write (or a connect is pending); it restarts on each successful read or
 * write.  When it fires, the direction is disabled and the event callback gets
 * BEV_EVENT_TIMEOUT|BEV_EVENT_READING or |BEV_EVENT_WRITING.
 * @return 0, or -1 on error.
 */
UVBEV_API int bufferevent_set_timeouts(struct bufferevent *bev, const struct timeval *timeout_read,
                                       const struct timeval *timeout_write);

/**
 * Sets watermarks.  EV_READ: the read callback waits for lowmark bytes; reading
 * stops while the input holds highmark bytes or more (0: no limit).  EV_WRITE:
 * the write callback runs when output is at most lowmark; layers writing into
 * this bufferevent stop while its output holds highmark bytes or more.
 */
UVBEV_API void bufferevent_setwatermark(struct bufferevent *bev, short events, size_t lowmark,
                                        size_t highmark);

/** Retrieves the watermarks of EV_READ or EV_WRITE (exactly one).
 * @return 0, or -1 if events is not exactly one of them. */
UVBEV_API int bufferevent_getwatermark(struct bufferevent *bev, short events, size_t *lowmark,
                                       size_t *highmark);

/** Acquires the bufferevent's lock (no-op without BEV_OPT_THREADSAFE).  The
 * lock is recursive and is the lock of the whole stack (filters share their
 * underlying's, a pair's two sides share one): holding it, a thread's several
 * writes enter the output one after the other, with no other thread's bytes
 * between them.  The bytes are sent later, from the loop thread. */
UVBEV_API void bufferevent_lock(struct bufferevent *bev);

/** Releases the bufferevent's lock (no-op without BEV_OPT_THREADSAFE). */
UVBEV_API void bufferevent_unlock(struct bufferevent *bev);

/** Adds a reference: the memory outlives bufferevent_free() until the
 * matching bufferevent_decref(). */
UVBEV_API void bufferevent_incref(struct bufferevent *bev);

/** Drops a reference.  @return 1 if the bufferevent was freed, else 0. */
UVBEV_API int bufferevent_decref(struct bufferevent *bev);

/**
 * Asks the bufferevent to push data along.  Sockets: BEV_FINISHED on EV_WRITE
 * half-closes the connection (uv_shutdown) once all pending output is
 * written.  Filters: the filter callbacks run with the given mode.
 * @return -1 on failure, 0 if no data was produced, 1 if some was.
 */
UVBEV_API int bufferevent_flush(struct bufferevent *bev, short iotype,
                                enum bufferevent_flush_mode mode);

/** Runs the read and/or write callback, honouring watermarks unless options
 * has BEV_TRIG_IGNORE_WATERMARKS, deferred if options has
 * BEV_TRIG_DEFER_CALLBACKS. */
UVBEV_API void bufferevent_trigger(struct bufferevent *bev, short iotype, int options);

/** Runs the event callback with what, deferred if options has
 * BEV_TRIG_DEFER_CALLBACKS. */
UVBEV_API void bufferevent_trigger_event(struct bufferevent *bev, short what, int options);

/** Caps the bytes one read moves into the input.  0 or below restores the
 * default, 65536 in uvbev (16384 in libevent 2.1).  A cap above 4 GiB - 1 is
 * kept as 4 GiB - 1, what one libuv buffer holds (libevent keeps it as
 * given).
 * @return 0, or -1 on error */
UVBEV_API int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size);
/** Caps the bytes one write takes from the output; as
 * bufferevent_set_max_single_read() (the default is 65536 too).
 * @return 0, or -1 on error */
UVBEV_API int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size);
/** The cap set with bufferevent_set_max_single_read(), or the default. */
UVBEV_API ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev);
/** The cap set with bufferevent_set_max_single_write(), or the default. */
UVBEV_API ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev);
/** How much the next read may move: the smallest of
 * bufferevent_get_max_single_read(), the bufferevent's rate-limit bucket and
 * its group's share (0 while either is empty).  libevent 2.1 lets a
 * bufferevent's own bucket replace max_single_read instead.
 * @return bytes, or -1 if bev is NULL */
UVBEV_API ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev);
/** How much the next write may move; as bufferevent_get_max_to_read().
 * @return bytes, or -1 if bev is NULL */
UVBEV_API ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev);

/* ---- rate limiting ------------------------------------------------------- */

/** A rate-limit configuration: bytes per tick and burst, for each direction. */
struct ev_token_bucket_cfg;
/** A set of bufferevents whose reads and writes share one budget. */
struct bufferevent_rate_limit_group;

/** The largest rate or burst ev_token_bucket_cfg_new() accepts. */
#define EV_RATE_LIMIT_MAX EV_SSIZE_MAX

/** Makes a rate-limit configuration.  A bucket refills by the rate every
 * tick, up to the burst, and starts full for one tick (the rate).  Limits
 * are best effort, as in libevent: a read or write may overshoot a bucket,
 * which then goes negative and takes longer to refill.
 * @param read_rate bytes a bufferevent may read per tick, on average (>= 1)
 * @param read_burst most bytes the read bucket holds (>= read_rate)
 * @param write_rate bytes it may write per tick, on average (>= 1)
 * @param write_burst most bytes the write bucket holds (>= write_rate)
 * @param tick_len the tick, NULL for one second; fractions of a millisecond
 *   are ignored
 * @return the configuration, or NULL for a rate of 0, a rate above its burst,
 *   a burst above EV_RATE_LIMIT_MAX, a tick under a millisecond (libevent
 *   accepts a zero tick and divides by it) or no memory */
UVBEV_API struct ev_token_bucket_cfg *ev_token_bucket_cfg_new(size_t read_rate, size_t read_burst,
                                                              size_t write_rate, size_t write_burst,
                                                              const struct timeval *tick_len);
/** Frees a configuration.  Bufferevents use it without copying it (groups
 * copy it): free it only once no bufferevent has it.
 * @param cfg the configuration, or NULL */
UVBEV_API void ev_token_bucket_cfg_free(struct ev_token_bucket_cfg *cfg);

/** Limits what bev reads and writes to cfg.  Socket bufferevents count the
 * bytes on the wire, so a limit on the socket also bounds the TLS and filter
 * layers above it; a TLS bufferevent counts the plaintext it moves.  Filter
 * and pair bufferevents ignore a limit on themselves, as in libevent.  A
 * direction whose bucket is empty is suspended until the next tick; it stays
 * enabled (bufferevent_get_enabled() is unchanged).  Setting the cfg it
 * already has does nothing; another cfg keeps the bucket's level (clipped to
 * the new burst).
 * @param bev the bufferevent
 * @param cfg the configuration (not copied), or NULL to remove the limit
 * @return 0, or -1 if bev is NULL or freed, or on allocation failure */
UVBEV_API int bufferevent_set_rate_limit(struct bufferevent *bev, struct ev_token_bucket_cfg *cfg);
/** The configuration set with bufferevent_set_rate_limit(), or NULL. */
UVBEV_API const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(const struct bufferevent *bev);

/** Makes a rate-limit group: the bytes its members read and write, together,
 * follow cfg.  Each read or write of a member may take the group's level
 * divided by its number of members, but at least the min share (64 bytes by
 * default, never more than one tick's rate).  When the group's bucket is
 * empty every member is suspended; at the next tick with at least the min
 * share in the bucket they resume, starting from a random member.  The
 * group's tick runs on base as a persistent timer, which keeps
 * event_base_dispatch() running while the group exists, as in libevent.
 * @param base the base that runs the group's tick (members may use others)
 * @param cfg the configuration (copied)
 * @return the group, or NULL if base or cfg is NULL or on allocation failure */
UVBEV_API struct bufferevent_rate_limit_group *
bufferevent_rate_limit_group_new(struct event_base *base, const struct ev_token_bucket_cfg *cfg);
/** Gives a group a new configuration (copied); the level is clipped to the
 * new burst.
 * @return 0, or -1 if an argument is NULL */
UVBEV_API int bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *g,
                                                   const struct ev_token_bucket_cfg *cfg);
/** Sets the least a member may take at once (batching tiny shares into
 * fewer, larger reads and writes); capped at one tick's rate.
 * @return 0, or -1 if g is NULL or share is above EV_SSIZE_MAX */
UVBEV_API int bufferevent_rate_limit_group_set_min_share(struct bufferevent_rate_limit_group *g,
                                                         size_t share);
/** Frees a group.  libevent requires it to have no members; uvbev first
 * removes those it still has (as bufferevent_remove_from_rate_limit_group()
 * does), waiting for any that another thread is using.
 * @param g the group, or NULL */
UVBEV_API void bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *g);
/** Makes bev a member of g, leaving the group it was in (a bufferevent is in
 * at most one group).  It is suspended at once if g is.
 * @param bev the bufferevent
 * @param g the group, or NULL to leave the current one
 * @return 0, or -1 if bev is NULL or freed, or on allocation failure */
UVBEV_API int bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
                                                  struct bufferevent_rate_limit_group *g);
/** Takes bev out of its group, if any, and resumes what the group suspended.
 * @return 0, or -1 if bev is NULL */
UVBEV_API int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev);

/** The bytes bev's own read bucket holds now (negative after an overshoot),
 * ignoring any group; EV_SSIZE_MAX without a limit, -1 if bev is NULL. */
UVBEV_API ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev);
/** As bufferevent_get_read_limit(), for writing. */
UVBEV_API ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev);
/** Takes decr bytes from bev's read bucket (a negative decr adds).  Crossing
 * zero suspends or resumes reading; the group's bucket is unchanged.
 * @return 0, or -1 if bev is NULL or has no limit (libevent asserts) */
UVBEV_API int bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr);
/** As bufferevent_decrement_read_limit(), for writing. */
UVBEV_API int bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr);

/** The bytes the group's read bucket holds now (negative after an
 * overshoot), or -1 if g is NULL. */
UVBEV_API ev_ssize_t bufferevent_rate_limit_group_get_read_limit(struct bufferevent_rate_limit_group *g);
/** As bufferevent_rate_limit_group_get_read_limit(), for writing. */
UVBEV_API ev_ssize_t bufferevent_rate_limit_group_get_write_limit(struct bufferevent_rate_limit_group *g);
/** Takes decr bytes from the group's read bucket (a negative decr adds).
 * Crossing zero suspends or resumes reading on every member.
 * @return 0, or -1 if g is NULL */
UVBEV_API int bufferevent_rate_limit_group_decrement_read(struct bufferevent_rate_limit_group *g,
                                                          ev_ssize_t decr);
/** As bufferevent_rate_limit_group_decrement_read(), for writing. */
UVBEV_API int bufferevent_rate_limit_group_decrement_write(struct bufferevent_rate_limit_group *g,
                                                           ev_ssize_t decr);
/** The bytes the group's members read and wrote since the group was made or
 * its totals reset (0 for a NULL group).
 * @param g the group
 * @param total_read_out where to store the bytes read, or NULL
 * @param total_written_out where to store the bytes written, or NULL */
UVBEV_API void bufferevent_rate_limit_group_get_totals(struct bufferevent_rate_limit_group *g,
                                                       ev_uint64_t *total_read_out,
                                                       ev_uint64_t *total_written_out);
/** Sets the group's totals back to 0. */
UVBEV_API void bufferevent_rate_limit_group_reset_totals(struct bufferevent_rate_limit_group *g);

/* ---- filters ------------------------------------------------------------ */

/** What a filter callback returns. */
enum bufferevent_filter_result {
  BEV_OK = 0,        /**< some data was produced (or none was needed) */
  BEV_NEED_MORE = 1, /**< no output possible until more input arrives */
  BEV_ERROR = 2      /**< the stream is broken; no more data is processed */
};

/**
 * A filter: moves (transformed) bytes from src to dst.
 * @param dst_limit suggested upper bound of bytes to add to dst, derived from
 *   dst's high watermark (for the output filter in BEV_NORMAL: the
 *   underlying's write high watermark, or 256 KiB when it has none); -1 means
 *   no limit
 * @param mode BEV_NORMAL, BEV_FLUSH (emit everything) or BEV_FINISHED (emit
 *   everything and end the stream)
 */
typedef enum bufferevent_filter_result (*bufferevent_filter_cb)(struct evbuffer *src,
                                                                 struct evbuffer *dst,
                                                                 ev_ssize_t dst_limit,
                                                                 enum bufferevent_flush_mode mode,
                                                                 void *ctx);

/**
 * Creates a filtering bufferevent on top of underlying; it takes over the
 * underlying's callbacks.  NULL filters pass bytes through unchanged.
 * Backpressure: the filter stops writing into underlying while underlying's
 * output holds at least underlying's write high watermark, or 256 KiB when
 * underlying has none (uvbev bounds every stack; libevent 2.1 moves
 * everything), and resumes as that output drains; it stops reading from
 * underlying while the filter's own input is at its read high watermark.
 * When the output filter runs: without a lock, inside bufferevent_write()
 * (the bytes reach underlying before it returns, unless backpressure holds
 * them); with a lock (BEV_OPT_THREADSAFE here or on underlying) from the
 * base's deferred queue on the loop thread, after bufferevent_write()
 * returned.
 * @param free_context called with ctx when the filter is freed (may be NULL)
 * @return the filter, or NULL on error
 */
UVBEV_API struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
                                                     bufferevent_filter_cb input_filter,
                                                     bufferevent_filter_cb output_filter,
                                                     int options,
                                                     void (*free_context)(void *), void *ctx);

/* ---- pairs -------------------------------------------------------------- */

/**
 * Creates two bufferevents connected to each other, like two socket
 * bufferevents on a socketpair without any socket: bytes written to one
 * become the other's input (moved, not copied).  As in libevent 2.1, a pair's
 * callbacks always run deferred (BEV_OPT_DEFER_CALLBACKS is implied), so a
 * write inside a callback never recurses into the partner's callbacks.
 * Freeing one side, or flushing it with BEV_FINISHED, gives the partner
 * BEV_EVENT_EOF|BEV_EVENT_READING after the bytes already sent (libevent 2.1
 * reports nothing when a side is freed).  With
 * BEV_OPT_THREADSAFE both sides share one lock.
 * @return 0, or -1 on error
 */
UVBEV_API int bufferevent_pair_new(struct event_base *base, int options,
                                   struct bufferevent *pair[2]);

/** The other side of a pair, or NULL if it was freed (or bev is no pair). */
UVBEV_API struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev);

#ifdef __cplusplus
}
#endif

/* Old names (bufferevent_new, EVBUFFER_INPUT...) are in
 * <event2/bufferevent_compat.h>. */
#endif
