/* SPDX-License-Identifier: MIT */
/* Signal dispositions for the signal and fork compat tests (Unix only: they
 * use sigaction). */
#ifndef COMPAT_SIG_UTIL_H
#define COMPAT_SIG_UTIL_H

#ifndef _WIN32
#include <signal.h>

/* Calls of cu_app_handler, the stand-in for an application's own handler. */
extern volatile sig_atomic_t cu_app_handler_calls;
void cu_app_handler(int sig);

/* Sets sig's disposition to handler (a cmocka failure if sigaction fails). */
void cu_set_disposition(int sig, void (*handler)(int));

/* The handler (or SIG_DFL / SIG_IGN) now in force for sig; SIG_ERR if
 * sigaction fails. */
void (*cu_current_handler(int sig))(int);
#endif

#endif
