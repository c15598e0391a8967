/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private evbuffer-internal.h (see regress-shim.h).
 *
 * The size constants below are libevent 2.1.12's values for LP64/ILP32
 * (the tests use them only to pick data lengths near libevent's chunk
 * boundaries; what they then assert is public-API content).  The chain and
 * file-segment layouts are libevent's own and cannot be shimmed: the
 * functions that read them are compiled out by the stager ("@" lines of
 * exclusions.txt) and the tests that use them are excluded. */
#ifndef UVBEV_REGRESS_EVBUFFER_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_EVBUFFER_INTERNAL_H_INCLUDED_

#include "regress-shim.h"
#include "event2/util.h"

#if EVENT__SIZEOF_VOID_P < 8
#define MIN_BUFFER_SIZE 512
#else
#define MIN_BUFFER_SIZE 1024
#endif
/* sizeof(struct evbuffer_chain): five pointer-sized members and two ints */
#define EVBUFFER_CHAIN_SIZE (5 * sizeof(void *) + 2 * sizeof(int))
#define EVBUFFER_CHAIN_MAX ((size_t)EV_SSIZE_MAX)

#endif
