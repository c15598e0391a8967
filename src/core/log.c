/* SPDX-License-Identifier: MIT */
/* Logging: event_set_log_callback and the internal uvbev_warn_.  The fatal
 * callback and the debug mask are accepted for libevent's API only: uvbev has
 * no fatal path (bad input is an error return) and no debug messages. */
#include <stdarg.h>
#include <stdio.h>

#include "event2/event.h"
#include "log-internal.h"

static event_log_cb log_cb_;

void event_set_log_callback(event_log_cb cb) {
  log_cb_ = cb;
}
void event_set_fatal_callback(event_fatal_cb cb) {
  (void)cb;
}
void event_enable_debug_logging(ev_uint32_t which) {
  (void)which;
}
void event_enable_debug_mode(void) {}

static void log_v(int severity, const char *fmt, va_list ap) {
  static const char *names[] = {"debug", "msg", "warn", "err"};
  char buf[1024];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  if (log_cb_) {
    log_cb_(severity, buf);
  } else {
    fprintf(stderr, "[uvbev %s] %s\n", names[severity & 3], buf);
  }
}

void uvbev_warn_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_v(EVENT_LOG_WARN, fmt, ap);
  va_end(ap);
}
