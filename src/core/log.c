/* SPDX-License-Identifier: MIT */
/* Logging: event_set_log_callback / event_set_fatal_callback and the
 * internal uvbev_warn_/uvbev_debug_/uvbev_fatal_. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "event2/event.h"
#include "log-internal.h"

static event_log_cb log_cb_;
static event_fatal_cb fatal_cb_;
static ev_uint32_t debug_mask_;

void event_set_log_callback(event_log_cb cb) {
  log_cb_ = cb;
}
void event_set_fatal_callback(event_fatal_cb cb) {
  fatal_cb_ = cb;
}
void event_enable_debug_logging(ev_uint32_t which) {
  debug_mask_ = which;
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

void uvbev_debug_(const char *fmt, ...) {
  va_list ap;
  if (!debug_mask_) return;
  va_start(ap, fmt);
  log_v(EVENT_LOG_DEBUG, fmt, ap);
  va_end(ap);
}

void uvbev_fatal_(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_v(EVENT_LOG_ERR, fmt, ap);
  va_end(ap);
  if (fatal_cb_) fatal_cb_(err);
  abort();
}
