/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private strlcpy-internal.h (see regress-shim.h):
 * libevent's strlcpy is internal; the one test of it is excluded. */
#ifndef UVBEV_REGRESS_STRLCPY_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_STRLCPY_INTERNAL_H_INCLUDED_

#include "regress-shim.h"

#define strlcpy(d, s, n) REGRESS_INTERNAL(event_strlcpy_)

#endif
