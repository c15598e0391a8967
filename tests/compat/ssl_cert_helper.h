/* SPDX-License-Identifier: MIT */
/* Certificates and SSL contexts for the TLS tests, generated at run time with
 * OpenSSL's API (no key is ever committed).  Header-only with static
 * inline functions: compat support files are linked into every compat test, and
 * only the TLS tests link OpenSSL.  Included by tests/compat/test_bev_ssl_*.c
 * and tests/unit/test_ssl_*.c. */
#ifndef SSL_CERT_HELPER_H
#define SSL_CERT_HELPER_H

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* A fresh P-256 key (fast to generate), or NULL. */
static inline EVP_PKEY *sch_new_key(void) {
  EVP_PKEY *key = NULL;
  EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
  if (kc && EVP_PKEY_keygen_init(kc) == 1 &&
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1) == 1)
    EVP_PKEY_keygen(kc, &key);
  EVP_PKEY_CTX_free(kc);
  return key;
}

static inline int sch_add_ext(X509 *cert, int nid, const char *value) {
  X509V3_CTX v3;
  X509_EXTENSION *ext;
  int ok;
  X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  if (!ext) return 0;
  ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/* A self-signed certificate for `cn` with subjectAltName `san` (e.g.
 * "DNS:localhost,IP:127.0.0.1"), valid from now+from_s to now+to_s seconds
 * (a negative to_s makes an expired one).  Returns 0 and the key and cert
 * (caller frees), or -1. */
static inline int sch_make_cert(const char *cn, const char *san, long from_s, long to_s,
                                EVP_PKEY **key_out, X509 **cert_out) {
  EVP_PKEY *key = sch_new_key();
  X509 *cert = X509_new();
  X509_NAME *name;
  int ok = key && cert;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), from_s);
    X509_gmtime_adj(X509_getm_notAfter(cert), to_s);
    X509_set_pubkey(cert, key);
    name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(cert, name);
    ok = sch_add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") &&
         (!san || sch_add_ext(cert, NID_subject_alt_name, san)) &&
         X509_sign(cert, key, EVP_sha256()) > 0;
  }
  if (!ok) {
    EVP_PKEY_free(key);
    X509_free(cert);
    return -1;
  }
  *key_out = key;
  *cert_out = cert;
  return 0;
}

/* A server context with a fresh certificate for localhost / 127.0.0.1.
 * max_version: 0, or e.g. TLS1_2_VERSION.  If cert_out is not NULL it gets a
 * reference to the certificate (to trust it on the client side). */
static inline SSL_CTX *sch_server_ctx_ex(const char *cn, const char *san, long from_s, long to_s,
                                         int max_version, X509 **cert_out) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  EVP_PKEY *key;
  X509 *cert;
  if (!ctx || sch_make_cert(cn, san, from_s, to_s, &key, &cert) < 0) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
      (max_version && SSL_CTX_set_max_proto_version(ctx, max_version) != 1)) {
    SSL_CTX_free(ctx);
    ctx = NULL;
  }
  EVP_PKEY_free(key);
  if (ctx && cert_out)
    *cert_out = cert;
  else
    X509_free(cert);
  return ctx;
}

static inline SSL_CTX *sch_server_ctx(int max_version) {
  return sch_server_ctx_ex("localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400, max_version,
                           NULL);
}

/* A client context that does not verify (compat tests are about transport). */
static inline SSL_CTX *sch_client_ctx(int max_version) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx && max_version && SSL_CTX_set_max_proto_version(ctx, max_version) != 1) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Writes cert as PEM to path.  Returns 0 or -1. */
static inline int sch_write_pem(X509 *cert, const char *path) {
  FILE *f = fopen(path, "w");
  int ok;
  if (!f) return -1;
  ok = PEM_write_X509(f, cert) == 1;
  return fclose(f) == 0 && ok ? 0 : -1;
}

#endif
