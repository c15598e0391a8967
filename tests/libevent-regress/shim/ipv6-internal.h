/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private ipv6-internal.h: on the platforms this harness
 * runs on, the system headers declare everything it would. */
#ifndef UVBEV_REGRESS_IPV6_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_IPV6_INTERNAL_H_INCLUDED_
#ifndef _WIN32
#include <netinet/in.h>
#endif
#endif
