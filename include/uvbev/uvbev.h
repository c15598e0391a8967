/* SPDX-License-Identifier: MIT */
/** @file
 * uvbev's own extensions: libuv interoperation.  Every name starts uvbev_. */
#ifndef UVBEV_UVBEV_H_INCLUDED_
#define UVBEV_UVBEV_H_INCLUDED_

#include <uv.h>
#include <event2/visibility.h>
#include <uvbev/uvbev-config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/** Creates a base on the caller's loop (borrowed: uvbev never closes it).  The
 * caller may keep running the loop with uv_run(): uvbev's callbacks fire from
 * it; event_base_dispatch() on the base works too.  event_base_free() closes
 * only uvbev's own handles (running the loop briefly so their close callbacks
 * run); the loop stays usable.  After fork(), event_reinit() on the base runs
 * uv_loop_fork() on this loop: the caller must not run it on the loop again.
 * @param loop an initialised libuv loop
 * @return the base, or NULL (NULL loop, or out of memory) */
UVBEV_API struct event_base *uvbev_base_new_with_loop(uv_loop_t *loop);

/** The loop the base runs on (its own or the borrowed one), or NULL for a NULL
 * base.  Do not uv_loop_close it while the base exists. */
UVBEV_API uv_loop_t *uvbev_base_get_loop(struct event_base *base);

/** uvbev's own version, e.g. "0.1.0" (event_get_version() reports the
 * libevent version uvbev is compatible with). */
UVBEV_API const char *uvbev_version(void);

#ifdef __cplusplus
}
#endif

#endif
