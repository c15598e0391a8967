/* SPDX-License-Identifier: MIT */
/** @file
 * The layout of struct bufferevent, exposed because libevent exposed it and
 * old code reads its fields (input, output, enabled, cbarg...).  Reading is
 * tolerated; writing is not supported: use the functions. */
#ifndef UVBEV_EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define UVBEV_EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/util.h>
#include <event2/bufferevent.h>
#include <event2/event_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A pair of watermarks (see bufferevent_setwatermark()). */
struct event_watermark {
  size_t low;  /**< low watermark */
  size_t high; /**< high watermark, 0 for none */
};

struct bufferevent_ops;

/** A bufferevent, as old code reads it (see the top of this header). */
struct bufferevent {
  struct event_base *ev_base;           /**< its base */
  const struct bufferevent_ops *be_ops; /**< its kind (private) */
  /** libevent's read event.  uvbev reads through libuv handles instead:
   * ev_read and ev_write are never assigned nor added, so code that asks
   * event_pending() about them (libevent's tests do) compiles and is told
   * "not pending". */
  struct event ev_read;
  struct event ev_write;          /**< libevent's write event; see ev_read */
  struct evbuffer *input;         /**< bufferevent_get_input() */
  struct evbuffer *output;        /**< bufferevent_get_output() */
  struct event_watermark wm_read; /**< read watermarks */
  struct event_watermark wm_write; /**< write watermarks */
  bufferevent_data_cb readcb;     /**< read callback */
  bufferevent_data_cb writecb;    /**< write callback */
  bufferevent_event_cb errorcb;   /**< event callback */
  void *cbarg;                    /**< the callbacks' argument */
  struct timeval timeout_read;    /**< read timeout (zero: none) */
  struct timeval timeout_write;   /**< write timeout (zero: none) */
  short enabled;                  /**< EV_READ|EV_WRITE enabled */
};

#ifdef __cplusplus
}
#endif

#endif
