/* SPDX-License-Identifier: MIT */
/* Shim for libevent's openssl-compat.h, which only back-fills OpenSSL 1.1
 * names for OpenSSL 1.0; with OpenSSL >= 1.1 it adds nothing. */
#ifndef UVBEV_REGRESS_OPENSSL_COMPAT_H_INCLUDED_
#define UVBEV_REGRESS_OPENSSL_COMPAT_H_INCLUDED_
#include <openssl/bio.h>
#include <openssl/ssl.h>
#endif
