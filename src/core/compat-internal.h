/* SPDX-License-Identifier: MIT */
/* Transitional: the platform layer moved to src/platform/platform-internal.h.
 * This name stays only for the files of branches still in flight; include
 * platform-internal.h instead, and delete this file once nothing includes it. */
#ifndef UVBEV_COMPAT_INTERNAL_H_
#define UVBEV_COMPAT_INTERNAL_H_

#include "platform-internal.h"

#endif
