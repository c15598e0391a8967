/* SPDX-License-Identifier: MIT */
/* The TLS contexts of bench_ssl and limit_ssl: TLS 1.3 only, with
 * TLS_AES_128_GCM_SHA256, and for the server a throwaway self-signed P-256
 * certificate.  OpenSSL only; included by the TLS benchmarks alone. */
#ifndef BENCH_SSL_H
#define BENCH_SSL_H

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench-util.h"

static inline SSL_CTX *bench_ssl_ctx(int server) {
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
      !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"))
    bench_die("SSL_CTX");
  if (server) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    X509 *cert = X509_new();
    if (!kc || EVP_PKEY_keygen_init(kc) != 1 ||
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1) != 1 ||
        EVP_PKEY_keygen(kc, &key) != 1 || !cert)
      bench_die("key");
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    if (!X509_sign(cert, key, EVP_sha256()) || SSL_CTX_use_certificate(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key) != 1)
      bench_die("certificate");
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(kc);
  }
  return ctx;
}

#endif
