/* SPDX-License-Identifier: MIT */
/* The tests' PRNG (shim/util-internal.h maps libevent's evutil_weakrand_*
 * here), shared by the regression program and test-ratelim: a small LCG, as
 * the tests need no more than a spread of values. */
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "event2/util.h"
#include "util-internal.h"

ev_uint32_t
regress_weakrand_seed_(struct evutil_weakrand_state *state, ev_uint32_t seed)
{
	if (seed == 0)
		seed = (ev_uint32_t)time(NULL) ^ (ev_uint32_t)getpid();
	state->seed = seed;
	return seed;
}

ev_int32_t
regress_weakrand_(struct evutil_weakrand_state *state)
{
	/* an LCG, as the tests need no more than a spread of values */
	state->seed = (state->seed * 1103515245u + 12345u) & 0x7fffffffu;
	return (ev_int32_t)state->seed;
}

ev_int32_t
regress_weakrand_range_(struct evutil_weakrand_state *state, ev_int32_t top)
{
	ev_int32_t divisor = EVUTIL_WEAKRAND_MAX / top, result;
	do {
		result = regress_weakrand_(state) / divisor;
	} while (result >= top);
	return result;
}
