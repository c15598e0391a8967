/* SPDX-License-Identifier: MIT */
/* The layout of struct bufferevent, exposed because libevent exposed it and
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

struct event_watermark {
  size_t low;
  size_t high;
};

struct bufferevent_ops;

struct bufferevent {
  struct event_base *ev_base;
  const struct bufferevent_ops *be_ops;
  /* libevent's read and write events.  uvbev reads and writes through libuv
   * handles instead: these two are never assigned nor added, so code that
   * asks event_pending() about them (libevent's tests do) compiles and is
   * told "not pending". */
  struct event ev_read;
  struct event ev_write;
  struct evbuffer *input;
  struct evbuffer *output;
  struct event_watermark wm_read;
  struct event_watermark wm_write;
  bufferevent_data_cb readcb;
  bufferevent_data_cb writecb;
  bufferevent_event_cb errorcb;
  void *cbarg;
  struct timeval timeout_read;
  struct timeval timeout_write;
  short enabled;
};

#ifdef __cplusplus
}
#endif

#endif
