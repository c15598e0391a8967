/* SPDX-License-Identifier: MIT */
/* uvbev's internal logging, routed to event_set_log_callback()'s callback
 * (or stderr). */
#ifndef UVBEV_LOG_INTERNAL_H_
#define UVBEV_LOG_INTERNAL_H_

#if defined(__GNUC__)
#define UVBEV_PRINTF_(a, b) __attribute__((format(printf, a, b)))
#else
#define UVBEV_PRINTF_(a, b)
#endif

void uvbev_warn_(const char *fmt, ...) UVBEV_PRINTF_(1, 2);

#endif
