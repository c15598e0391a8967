/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private bufferevent-internal.h: nothing the tests that
 * run need; functions that read bufferevent internals are compiled out (see
 * exclusions.txt, "@" lines). */
#ifndef UVBEV_REGRESS_BUFFEREVENT_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_BUFFEREVENT_INTERNAL_H_INCLUDED_
#include "regress-shim.h"
#endif
