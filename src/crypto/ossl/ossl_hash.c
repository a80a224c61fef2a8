/*
 * Hashes, HMAC and HKDF on OpenSSL 3 libcrypto.
 *
 * Owns: clasp_hash handles (an EVP_MD_CTX each).
 * Invariants: hash_final works on a copy, so the transcript hash goes on;
 * HMAC and HKDF (built on HMAC: EVP_KDF contexts cannot be duplicated in
 * OpenSSL 3.0) duplicate a template context whose digest was set at
 * provider creation (nothing is fetched per call). Output lengths must be
 * exactly the digest size where RFC 5869 defines it so.
 * Never: returns with entries left on libcrypto's error queue.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "base/mem.h"
#include "crypto/ossl/ossl_internal.h"
#include "crypto/suites.h"

struct clasp_hash {
    EVP_MD_CTX *md_ctx;
    size_t len;
};

/* libcrypto wants a non-NULL pointer even for zero-length input. */
static const uint8_t empty_input[1];

static const uint8_t *nonnull(const uint8_t *p)
{
    return p != NULL ? p : empty_input;
}

int clasp_ossl_hash_new(void *ctx, clasp_hash_id id, clasp_hash **out)
{
    ENSURE(out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const EVP_MD *md = clasp_ossl_md(ctx, id);
    ENSURE(md != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    clasp_hash *h = clasp_mem_calloc(1, sizeof(*h));
    ENSURE(h != NULL, CLASP_ERR_ALLOC_FAILED);
    h->len = clasp_hash_len(id);
    h->md_ctx = EVP_MD_CTX_new();
    if (h->md_ctx == NULL || EVP_DigestInit_ex2(h->md_ctx, md, NULL) != 1) {
        clasp_ossl_hash_free(h);
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    *out = h;
    return CLASP_OK;
}

int clasp_ossl_hash_update(clasp_hash *h, const uint8_t *p, size_t n)
{
    if (n == 0) {
        return CLASP_OK;
    }
    if (EVP_DigestUpdate(h->md_ctx, p, n) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    return CLASP_OK;
}

int clasp_ossl_hash_dup(const clasp_hash *h, clasp_hash **out)
{
    ENSURE(out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    clasp_hash *d = clasp_mem_calloc(1, sizeof(*d));
    ENSURE(d != NULL, CLASP_ERR_ALLOC_FAILED);
    d->len = h->len;
    d->md_ctx = EVP_MD_CTX_new();
    if (d->md_ctx == NULL || EVP_MD_CTX_copy_ex(d->md_ctx, h->md_ctx) != 1) {
        clasp_ossl_hash_free(d);
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    *out = d;
    return CLASP_OK;
}

int clasp_ossl_hash_final(clasp_hash *h, uint8_t *out, size_t out_len)
{
    ENSURE(out_len == h->len, CLASP_ERR_BAD_INPUT_DATA);
    int rc = CLASP_ERR_CRYPTO;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (copy == NULL || EVP_MD_CTX_copy_ex(copy, h->md_ctx) != 1 ||
        EVP_DigestFinal_ex(copy, out, NULL) != 1) {
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    EVP_MD_CTX_free(copy);
    if (rc != CLASP_OK) {
        return clasp_ossl_fail(rc);
    }
    return rc;
}

void clasp_ossl_hash_free(clasp_hash *h)
{
    if (h == NULL) {
        return;
    }
    EVP_MD_CTX_free(h->md_ctx);
    clasp_mem_free(h);
}

int clasp_ossl_hash_oneshot(void *ctx, clasp_hash_id id, const uint8_t *p,
                            size_t n, uint8_t *out, size_t out_len)
{
    const EVP_MD *md = clasp_ossl_md(ctx, id);
    ENSURE(md != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len == clasp_hash_len(id), CLASP_ERR_BAD_INPUT_DATA);
    if (EVP_Digest(nonnull(p), n, out, NULL, md, NULL) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    return CLASP_OK;
}

static EVP_MAC_CTX *hmac_tmpl(void *ctx, clasp_hash_id id)
{
    clasp_ossl_ctx *c = ctx;
    switch (id) {
    case CLASP_HASH_SHA256:
    case CLASP_HASH_SHA384:
    case CLASP_HASH_SHA512: return c->hmac_tmpl[id];
    case CLASP_HASH_NONE: return NULL;
    }
    return NULL;
}

int clasp_ossl_hmac(void *ctx, clasp_hash_id id, const uint8_t *key,
                    size_t key_len, const uint8_t *data, size_t data_len,
                    uint8_t *out, size_t out_len)
{
    EVP_MAC_CTX *tmpl = hmac_tmpl(ctx, id);
    ENSURE(tmpl != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len == clasp_hash_len(id), CLASP_ERR_BAD_INPUT_DATA);
    int rc = CLASP_ERR_CRYPTO;
    size_t got = 0;
    EVP_MAC_CTX *m = EVP_MAC_CTX_dup(tmpl);
    /* A NULL key would mean "reuse the previous key": pass a real pointer
     * even for an empty key (HMAC pads it with zeros, RFC 2104 §2). */
    if (m == NULL || EVP_MAC_init(m, nonnull(key), key_len, NULL) != 1 ||
        EVP_MAC_update(m, nonnull(data), data_len) != 1 ||
        EVP_MAC_final(m, out, &got, out_len) != 1 || got != out_len) {
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    EVP_MAC_CTX_free(m);
    if (rc != CLASP_OK) {
        clasp_memzero(out, out_len);
        return clasp_ossl_fail(rc);
    }
    return rc;
}

/* RFC 5869 §2.2: HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM); "if not
 * provided, [salt] is set to a string of HashLen zeros". A zero-length IKM
 * is legal (TLS 1.3 uses HashLen zeros or an empty salt, RFC 8446 §7.1), so
 * this is HMAC directly. */
int clasp_ossl_hkdf_extract(void *ctx, clasp_hash_id id, const uint8_t *salt,
                            size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                            uint8_t *prk, size_t prk_len)
{
    static const uint8_t zeros[CLASP_MAX_HASH_LEN];
    size_t hash_len = clasp_hash_len(id);
    ENSURE(hash_len != 0, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(prk_len == hash_len, CLASP_ERR_BAD_INPUT_DATA);
    if (salt_len == 0) {
        salt = zeros;
        salt_len = hash_len;
    }
    return clasp_ossl_hmac(ctx, id, salt, salt_len, ikm, ikm_len, prk, prk_len);
}

/* RFC 5869 §2.3: T(0) = empty, T(i) = HMAC-Hash(PRK, T(i-1) | info | i),
 * OKM = first L octets of T(1) | T(2) | ..., L <= 255 * HashLen. The PRK is
 * keyed once; each block duplicates the keyed context. */
int clasp_ossl_hkdf_expand(void *ctx, clasp_hash_id id, const uint8_t *prk,
                           size_t prk_len, const uint8_t *info, size_t info_len,
                           uint8_t *out, size_t out_len)
{
    EVP_MAC_CTX *tmpl = hmac_tmpl(ctx, id);
    size_t hash_len = clasp_hash_len(id);
    ENSURE(tmpl != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len > 0 && out_len <= 255 * hash_len, CLASP_ERR_BAD_INPUT_DATA);
    /* "a pseudorandom key of at least HashLen octets" */
    ENSURE(prk != NULL && prk_len >= hash_len, CLASP_ERR_BAD_INPUT_DATA);
    int rc = CLASP_ERR_CRYPTO;
    uint8_t t[CLASP_MAX_HASH_LEN];
    size_t t_len = 0;
    size_t done = 0;
    EVP_MAC_CTX *m = NULL;
    EVP_MAC_CTX *keyed = EVP_MAC_CTX_dup(tmpl);
    if (keyed == NULL || EVP_MAC_init(keyed, prk, prk_len, NULL) != 1) {
        goto cleanup;
    }
    for (uint8_t i = 1; done < out_len; i++) {
        size_t got = 0;
        m = EVP_MAC_CTX_dup(keyed);
        if (m == NULL || EVP_MAC_update(m, t, t_len) != 1 ||
            EVP_MAC_update(m, nonnull(info), info_len) != 1 ||
            EVP_MAC_update(m, &i, 1) != 1 ||
            EVP_MAC_final(m, t, &got, sizeof(t)) != 1 || got != hash_len) {
            goto cleanup;
        }
        EVP_MAC_CTX_free(m);
        m = NULL;
        size_t n = out_len - done < hash_len ? out_len - done : hash_len;
        memcpy(out + done, t, n);
        done += n;
        t_len = hash_len;
    }
    rc = CLASP_OK;
cleanup:
    EVP_MAC_CTX_free(m);
    EVP_MAC_CTX_free(keyed);
    clasp_memzero(t, sizeof(t));
    if (rc != CLASP_OK) {
        clasp_memzero(out, out_len);
        return clasp_ossl_fail(rc);
    }
    return rc;
}
