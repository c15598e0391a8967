/* SPDX-License-Identifier: MIT */
/** @file
 * libevent 1.x's all-in-one header: the 2.x event, buffer and bufferevent
 * APIs plus their pre-2.0 compatibility names.  (libevent's tag.h, the
 * event-tagging API, is not part of uvbev.) */
#ifndef UVBEV_EVENT_H_INCLUDED_
#define UVBEV_EVENT_H_INCLUDED_

#include <event2/util.h>
#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>

#endif
