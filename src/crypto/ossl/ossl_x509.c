/*
 * X.509 on OpenSSL 3 libcrypto: decoding configured certificates, trust
 * anchors, and verification of a peer's chain (RFC 8446 §4.4.2.2, RFC 5280
 * path validation, RFC 6125 / RFC 9525 name check).
 *
 * Owns: clasp_trust handles (an X509_STORE each).
 * Invariants: verification always uses X509_V_FLAG_X509_STRICT (refuses,
 * among others, EC keys with explicit parameters), the purpose (EKU) of
 * the peer's role, the host name or IP address when given, a depth bound,
 * and then requires digitalSignature in the leaf's keyUsage when the
 * extension is present (RFC 8446 §4.4.2.2). libcrypto's verdict maps to
 * exactly one CLASP_ERR_* of the CERT class.
 * Never: accepts a chain when any step failed; leaves entries on
 * libcrypto's error queue.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/mem.h"
#include "crypto/ossl/ossl_internal.h"

/* Upper bound on the certificates a peer may send (RFC 8446 §4.4.2 lets
 * the list be long; we bound the verification work). */
#define MAX_CHAIN_CERTS 32
/* Default depth when the caller gives 0. */
#define DEFAULT_MAX_DEPTH 10

struct clasp_trust {
    const clasp_ossl_ctx *ctx; /* the provider outlives its handles */
    X509_STORE *store;
};

int clasp_ossl_x509_parse(const clasp_ossl_ctx *c, const uint8_t *der,
                          size_t len, X509 **out)
{
    *out = NULL;
    ENSURE(der != NULL && len > 0 && len <= LONG_MAX,
           CLASP_ERR_BAD_CERTIFICATE);
    X509 *x = X509_new_ex(c->libctx, c->propq);
    if (x == NULL) {
        return clasp_ossl_fail(CLASP_ERR_ALLOC_FAILED);
    }
    const unsigned char *p = der;
    /* The whole buffer must be exactly one certificate. */
    if (d2i_X509(&x, &p, (long)len) == NULL || (size_t)(p - der) != len) {
        X509_free(x);
        return clasp_ossl_fail(CLASP_ERR_BAD_CERTIFICATE);
    }
    *out = x;
    return CLASP_OK;
}

/* ---- decoding ------------------------------------------------------------ */

static bool looks_like_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    size_t n = sizeof(begin) - 1;
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(data + i, begin, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Walk the CERTIFICATE blocks of a PEM buffer. With spans == NULL, only
 * count them and their DER bytes; otherwise copy them into bytes and fill
 * spans. Other block types are skipped. */
static int walk_pem(const clasp_ossl_ctx *c, const uint8_t *data, size_t len,
                    size_t *count, size_t *total, clasp_span *spans,
                    uint8_t *bytes)
{
    int rc = CLASP_ERR_BAD_PEM;
    size_t n = 0, off = 0;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long der_len = 0;
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (bio == NULL) {
        return CLASP_ERR_ALLOC_FAILED;
    }
    /* Bounded: each iteration consumes at least one PEM block. */
    while (PEM_read_bio(bio, &name, &header, &der, &der_len) == 1) {
        if (strcmp(name, PEM_STRING_X509) == 0) {
            X509 *x = NULL;
            if (clasp_ossl_x509_parse(c, der, (size_t)der_len, &x) < 0) {
                goto cleanup;
            }
            X509_free(x);
            if (spans != NULL) {
                memcpy(bytes + off, der, (size_t)der_len);
                spans[n] = clasp_span_of(bytes + off, (size_t)der_len);
            }
            off += (size_t)der_len;
            n++;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        name = header = NULL;
        der = NULL;
    }
    /* The loop ends on "no start line" at the end of the buffer; any
     * other error is a malformed block. */
    unsigned long e = ERR_peek_last_error();
    if (n == 0 || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        goto cleanup;
    }
    *count = n;
    *total = off;
    rc = CLASP_OK;
cleanup:
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

int clasp_ossl_cert_decode(void *ctx, const uint8_t *data, size_t len,
                           clasp_span **ders, size_t *count)
{
    ENSURE(data != NULL && ders != NULL && count != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(len > 0 && len <= INT_MAX, CLASP_ERR_BAD_PEM);
    *ders = NULL;
    *count = 0;
    const clasp_ossl_ctx *c = ctx;
    size_t n = 1, total = len;
    if (looks_like_pem(data, len)) {
        TRY(walk_pem(c, data, len, &n, &total, NULL, NULL));
    } else {
        X509 *x = NULL;
        int rc = clasp_ossl_x509_parse(c, data, len, &x);
        X509_free(x);
        ENSURE(rc == CLASP_OK, CLASP_ERR_BAD_PEM);
    }
    /* One allocation: the span array, then the DER bytes. */
    ENSURE(n <= (SIZE_MAX - total) / sizeof(clasp_span),
           CLASP_ERR_ALLOC_FAILED);
    clasp_span *spans = clasp_mem_calloc(1, n * sizeof(clasp_span) + total);
    ENSURE(spans != NULL, CLASP_ERR_ALLOC_FAILED);
    uint8_t *bytes = (uint8_t *)(spans + n);
    if (n == 1 && total == len && !looks_like_pem(data, len)) {
        memcpy(bytes, data, len);
        spans[0] = clasp_span_of(bytes, len);
    } else {
        size_t n2 = 0, total2 = 0;
        int rc = walk_pem(c, data, len, &n2, &total2, spans, bytes);
        if (rc < 0 || n2 != n || total2 != total) {
            clasp_mem_free(spans);
            BAIL(rc < 0 ? rc : CLASP_ERR_INTERNAL);
        }
    }
    *ders = spans;
    *count = n;
    return CLASP_OK;
}

/* ---- trust anchors ------------------------------------------------------- */

int clasp_ossl_trust_new(void *ctx, clasp_trust **out)
{
    ENSURE(out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    clasp_trust *t = clasp_mem_calloc(1, sizeof(*t));
    ENSURE(t != NULL, CLASP_ERR_ALLOC_FAILED);
    t->ctx = ctx;
    t->store = X509_STORE_new();
    if (t->store == NULL) {
        clasp_mem_free(t);
        return clasp_ossl_fail(CLASP_ERR_ALLOC_FAILED);
    }
    *out = t;
    return CLASP_OK;
}

int clasp_ossl_trust_add(clasp_trust *t, const uint8_t *data, size_t len)
{
    ENSURE(t != NULL, CLASP_ERR_BAD_INPUT_DATA);
    clasp_span *ders = NULL;
    size_t n = 0;
    int rc = CLASP_OK;
    TRY(clasp_ossl_cert_decode(clasp_ossl_unconst(t->ctx), data, len, &ders,
                               &n));
    for (size_t i = 0; i < n && rc == CLASP_OK; i++) {
        X509 *x = NULL;
        rc = clasp_ossl_x509_parse(t->ctx, ders[i].p, ders[i].len, &x);
        /* libcrypto caches a certificate's extensions (key identifiers,
         * basic constraints) lazily, on first use, inside the X509 object:
         * do it now, while the store is still private to this config, so
         * that handshakes on several threads only read the anchors. */
        if (rc == CLASP_OK) {
            (void)X509_get_extension_flags(x);
        }
        if (rc == CLASP_OK && X509_STORE_add_cert(t->store, x) != 1) {
            rc = CLASP_ERR_CRYPTO;
        }
        X509_free(x);
    }
    clasp_mem_free(ders);
    if (rc < 0) {
        return clasp_ossl_fail(
            rc == CLASP_ERR_BAD_CERTIFICATE ? CLASP_ERR_BAD_PEM : rc);
    }
    return CLASP_OK;
}

int clasp_ossl_trust_add_default(clasp_trust *t)
{
    ENSURE(t != NULL, CLASP_ERR_BAD_INPUT_DATA);
    if (X509_STORE_set_default_paths_ex(t->store, t->ctx->libctx,
                                        t->ctx->propq) != 1) {
        return clasp_ossl_fail(CLASP_ERR_FILE_IO);
    }
    ERR_clear_error();
    return CLASP_OK;
}

void clasp_ossl_trust_free(clasp_trust *t)
{
    if (t == NULL) {
        return;
    }
    X509_STORE_free(t->store);
    clasp_mem_free(t);
}

/* Only anchors held in memory are listed: certificates of a hashed
 * directory (trust_add_default) are loaded lazily and not enumerable. */
int clasp_ossl_trust_names(const clasp_trust *t,
                           int (*fn)(void *arg, const uint8_t *dn, size_t len),
                           void *arg)
{
    ENSURE(t != NULL && fn != NULL, CLASP_ERR_BAD_INPUT_DATA);
    /* The store is shared by every connection of a config, and libcrypto
     * sorts its object stack in place at the first lookup of a chain
     * verification: read it under the store's lock, and sorted ourselves,
     * so that the names come in one order (the store's) from the first
     * connection on, whatever other threads verify meanwhile. */
    if (X509_STORE_lock(t->store) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->store);
    if (objs != NULL) {
        sk_X509_OBJECT_sort(objs);
    }
    int n = objs != NULL ? sk_X509_OBJECT_num(objs) : 0;
    int rc = CLASP_OK;
    for (int i = 0; i < n && rc == CLASP_OK; i++) {
        X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
        if (X509_OBJECT_get_type(o) != X509_LU_X509) {
            continue;
        }
        unsigned char *dn = NULL;
        int len =
            i2d_X509_NAME(X509_get_subject_name(X509_OBJECT_get0_X509(o)), &dn);
        if (len <= 0) {
            rc = CLASP_ERR_CRYPTO;
            break;
        }
        rc = fn(arg, dn, (size_t)len);
        OPENSSL_free(dn);
    }
    X509_STORE_unlock(t->store);
    if (rc == CLASP_ERR_CRYPTO) {
        return clasp_ossl_fail(rc);
    }
    return rc;
}

/* ---- chain verification -------------------------------------------------- */

/* libcrypto's verdict -> our error (RFC 8446 §6.2 alert meanings). */
static int map_verify_error(int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return CLASP_ERR_CERTIFICATE_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED: return CLASP_ERR_UNKNOWN_CA;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH: return CLASP_ERR_HOSTNAME_MISMATCH;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
    case X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
    case X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE:
        return CLASP_ERR_UNSUPPORTED_CERTIFICATE;
    case X509_V_ERR_CERT_REVOKED: return CLASP_ERR_CERTIFICATE_REVOKED;
    /* "bad_certificate: A certificate was corrupt, contained signatures
     * that did not verify correctly, etc." */
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_INVALID_NON_CA:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_EE_KEY_TOO_SMALL: return CLASP_ERR_BAD_CERTIFICATE;
    default: return CLASP_ERR_CERTIFICATE_UNKNOWN;
    }
}

static int set_verify_params(X509_STORE_CTX *sctx,
                             const clasp_verify_opts *opts)
{
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sctx);
    unsigned depth = opts->max_depth > 0 ? opts->max_depth : DEFAULT_MAX_DEPTH;
    int purpose = opts->purpose == CLASP_PURPOSE_CLIENT
                      ? X509_PURPOSE_SSL_CLIENT
                      : X509_PURPOSE_SSL_SERVER;
    ENSURE(opts->purpose == CLASP_PURPOSE_CLIENT ||
               opts->purpose == CLASP_PURPOSE_SERVER,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(depth <= 100, CLASP_ERR_BAD_INPUT_DATA);
    /* OpenSSL's depth counts intermediates only; ours includes the leaf. */
    X509_VERIFY_PARAM_set_depth(param, (int)depth - 1);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
    /* RFC 8446 §4.4.2.4: a certificate signed with MD5 must be refused
     * (bad_certificate). Security level 1 (80 bits) refuses MD5 and keys
     * below 1024 bits; SHA-1, which the RFC only advises against, stays
     * acceptable at this level. */
    X509_VERIFY_PARAM_set_auth_level(param, 1);
    if (X509_VERIFY_PARAM_set_purpose(param, purpose) != 1 ||
        X509_STORE_CTX_set_purpose(sctx, purpose) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    if (opts->now != 0) {
        X509_VERIFY_PARAM_set_time(param, (time_t)opts->now);
    }
    if (opts->host == NULL) {
        return CLASP_OK;
    }
    /* An IP literal is matched against iPAddress SANs only; a DNS name
     * against dNSName SANs, never the subject CN (RFC 9525 §6.3), and
     * without partial wildcards (RFC 6125 §6.4.3). */
    if (X509_VERIFY_PARAM_set1_ip_asc(param, opts->host) == 1) {
        return CLASP_OK;
    }
    ERR_clear_error();
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                        X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    if (X509_VERIFY_PARAM_set1_host(param, opts->host, 0) != 1) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    return CLASP_OK;
}

/* RFC 8446 §4.4.2.2: the end-entity key must be usable for signatures:
 * if keyUsage is present it must include digitalSignature. */
static bool leaf_can_sign(X509 *leaf)
{
    uint32_t ku = X509_get_key_usage(leaf);
    return ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE) != 0;
}

static int verify_parsed(const clasp_ossl_ctx *c, const clasp_trust *t,
                         X509 *leaf, STACK_OF(X509) * untrusted,
                         const clasp_verify_opts *opts)
{
    int rc = CLASP_ERR_CRYPTO;
    X509_STORE_CTX *sctx = X509_STORE_CTX_new_ex(c->libctx, c->propq);
    if (sctx == NULL ||
        X509_STORE_CTX_init(sctx, t->store, leaf, untrusted) != 1) {
        goto cleanup;
    }
    rc = set_verify_params(sctx, opts);
    if (rc < 0) {
        goto cleanup;
    }
    if (X509_verify_cert(sctx) != 1) {
        rc = map_verify_error(X509_STORE_CTX_get_error(sctx));
        goto cleanup;
    }
    rc = leaf_can_sign(leaf) ? CLASP_OK : CLASP_ERR_UNSUPPORTED_CERTIFICATE;
cleanup:
    X509_STORE_CTX_free(sctx);
    return rc;
}

int clasp_ossl_verify_chain(void *ctx, const clasp_trust *t,
                            const clasp_span *chain, size_t n,
                            const clasp_verify_opts *opts,
                            clasp_pkey **leaf_key)
{
    if (leaf_key != NULL) {
        *leaf_key = NULL;
    }
    ENSURE(t != NULL && opts != NULL && chain != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    /* RFC 8446 §4.4.2.4: an empty certificate list is the caller's
     * business (certificate_required / decode_error). */
    ENSURE(n > 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(n <= MAX_CHAIN_CERTS, CLASP_ERR_CERTIFICATE_UNKNOWN);
    const clasp_ossl_ctx *c = ctx;
    int rc = CLASP_OK;
    X509 *leaf = NULL;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (untrusted == NULL) {
        return clasp_ossl_fail(CLASP_ERR_ALLOC_FAILED);
    }
    rc = clasp_ossl_x509_parse(c, chain[0].p, chain[0].len, &leaf);
    for (size_t i = 1; i < n && rc == CLASP_OK; i++) {
        X509 *x = NULL;
        rc = clasp_ossl_x509_parse(c, chain[i].p, chain[i].len, &x);
        if (rc == CLASP_OK && sk_X509_push(untrusted, x) <= 0) {
            X509_free(x);
            rc = CLASP_ERR_ALLOC_FAILED;
        }
    }
    if (rc == CLASP_OK) {
        rc = verify_parsed(c, t, leaf, untrusted, opts);
    }
    if (rc == CLASP_OK && leaf_key != NULL) {
        /* The leaf's key from the certificate already parsed: a peer's
         * leaf is parsed once per handshake. */
        rc = clasp_ossl_pkey_from_x509(c, leaf, leaf_key);
    }
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    ERR_clear_error();
    return CLASP_OK;
}
