/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sig-util.h"

#ifndef _WIN32
volatile sig_atomic_t cu_app_handler_calls;

void cu_app_handler(int sig) {
  (void)sig;
  cu_app_handler_calls++;
}

void cu_set_disposition(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

void (*cu_current_handler(int sig))(int) {
  struct sigaction sa;
  if (sigaction(sig, NULL, &sa) != 0) return SIG_ERR;
  return sa.sa_handler;
}
#endif
