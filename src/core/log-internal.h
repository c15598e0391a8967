/* SPDX-License-Identifier: MIT */
/* uvbev's internal logging, routed to event_set_log_callback()'s callback
 * (or stderr).  Debug messages are dropped unless debugging was enabled. */
#ifndef UVBEV_LOG_INTERNAL_H_
#define UVBEV_LOG_INTERNAL_H_

#if defined(__GNUC__)
#define UVBEV_PRINTF_(a, b) __attribute__((format(printf, a, b)))
#else
#define UVBEV_PRINTF_(a, b)
#endif

void uvbev_warn_(const char *fmt, ...) UVBEV_PRINTF_(1, 2);
void uvbev_debug_(const char *fmt, ...) UVBEV_PRINTF_(1, 2);
/* Logs at EVENT_LOG_ERR, calls the fatal callback if any, else abort(). */
void uvbev_fatal_(int err, const char *fmt, ...) UVBEV_PRINTF_(2, 3);

#endif
