/* SPDX-License-Identifier: MIT */
/* Transitional: the backends' platform socket calls moved to
 * src/platform/platform-internal.h.  This name stays only for the files of
 * branches still in flight; include platform-internal.h instead, and delete
 * this file once nothing includes it. */
#ifndef UVBEV_SOCK_OS_INTERNAL_H_
#define UVBEV_SOCK_OS_INTERNAL_H_

#include "platform-internal.h"

#endif
