/*
 * Hashes, HMAC and HKDF on OpenSSL 3 libcrypto.
 *
 * Owns: clasp_hash handles (an EVP_MD_CTX each).
 * Invariants: hash_final works on a copy, so the transcript hash goes on;
 * HMAC (RFC 2104) and HKDF (RFC 5869, on that HMAC) are computed here on
 * the digest fetched at provider creation, with the key pads wiped after
 * use (nothing is fetched per call; see hmac_parts for why not EVP_MAC).
 * Output lengths must be exactly the digest size where RFC 5869 defines
 * it so.
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
    /* hash_final's copy, kept for the next final: a transcript is read
     * about six times per handshake, and re-using the context saves one
     * allocation each time. */
    EVP_MD_CTX *scratch;
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
    if (h->scratch == NULL) {
        h->scratch = EVP_MD_CTX_new();
    }
    if (h->scratch == NULL || EVP_MD_CTX_copy_ex(h->scratch, h->md_ctx) != 1 ||
        EVP_DigestFinal_ex(h->scratch, out, NULL) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    return CLASP_OK;
}

void clasp_ossl_hash_free(clasp_hash *h)
{
    if (h == NULL) {
        return;
    }
    EVP_MD_CTX_free(h->md_ctx);
    EVP_MD_CTX_free(h->scratch);
    clasp_mem_free(h);
}

int clasp_ossl_hash_oneshot(void *ctx, clasp_hash_id id, const uint8_t *p,
                            size_t n, uint8_t *out, size_t out_len)
{
    const clasp_ossl_ctx *c = ctx;
    const EVP_MD *md = clasp_ossl_md(c, id);
    ENSURE(md != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len == clasp_hash_len(id), CLASP_ERR_BAD_INPUT_DATA);
    if (n == 0 && c->empty_ok[id]) {
        /* Computed at provider creation (md != NULL: id is 1..3). */
        memcpy(out, c->empty_hash[id], out_len);
        return CLASP_OK;
    }
    if (EVP_Digest(nonnull(p), n, out, NULL, md, NULL) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    return CLASP_OK;
}

/* ---- HMAC and HKDF -------------------------------------------------------
 *
 * RFC 2104 §2: HMAC(K, text) = H((K ^ opad) || H((K ^ ipad) || text)), with
 * K padded with zeros to the block size B (after K = H(K) if K is longer
 * than B), ipad = B bytes 0x36, opad = B bytes 0x5c. Computed on the
 * provider's fetched digest with one EVP_MD_CTX per call, re-initialised
 * for the outer hash: three allocations inside libcrypto per HMAC, where
 * duplicating an EVP_MAC template took eleven (and about three times the
 * instructions). The text may come in several parts (HKDF-Expand's
 * T(i-1) | info | i), so nothing is concatenated or copied. */

/* Largest block size of the supported hashes (SHA-384/512: 128 bytes). */
#define HMAC_MAX_BLOCK 128

static int hmac_parts(const clasp_ossl_ctx *c, clasp_hash_id id,
                      const uint8_t *key, size_t key_len,
                      const clasp_span *parts, size_t nparts, uint8_t *out,
                      size_t out_len)
{
    const EVP_MD *md = clasp_ossl_md(c, id);
    size_t hash_len = clasp_hash_len(id);
    ENSURE(md != NULL && hash_len != 0, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len == hash_len, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(key != NULL || key_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    int block_len = EVP_MD_get_block_size(md);
    ENSURE(block_len > 0 && (size_t)block_len <= HMAC_MAX_BLOCK &&
               hash_len <= (size_t)block_len,
           CLASP_ERR_UNSUPPORTED_ALG);
    size_t block = (size_t)block_len;
    int rc = CLASP_ERR_CRYPTO;
    uint8_t pad[HMAC_MAX_BLOCK];
    uint8_t inner[CLASP_MAX_HASH_LEN];
    memset(pad, 0, sizeof(pad));
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (m == NULL) {
        goto cleanup;
    }
    if (key_len > block) {
        if (EVP_Digest(key, key_len, pad, NULL, md, NULL) != 1) {
            goto cleanup;
        }
    } else if (key_len > 0) {
        memcpy(pad, key, key_len);
    }
    for (size_t i = 0; i < block; i++) {
        pad[i] ^= 0x36;
    }
    if (EVP_DigestInit_ex2(m, md, NULL) != 1 ||
        EVP_DigestUpdate(m, pad, block) != 1) {
        goto cleanup;
    }
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len > 0 &&
            EVP_DigestUpdate(m, parts[i].p, parts[i].len) != 1) {
            goto cleanup;
        }
    }
    if (EVP_DigestFinal_ex(m, inner, NULL) != 1) {
        goto cleanup;
    }
    for (size_t i = 0; i < block; i++) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    if (EVP_DigestInit_ex2(m, md, NULL) != 1 ||
        EVP_DigestUpdate(m, pad, block) != 1 ||
        EVP_DigestUpdate(m, inner, hash_len) != 1 ||
        EVP_DigestFinal_ex(m, out, NULL) != 1) {
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    /* Frees the digest state with libcrypto's cleansing free. */
    EVP_MD_CTX_free(m);
    clasp_memzero(pad, sizeof(pad));
    clasp_memzero(inner, sizeof(inner));
    if (rc != CLASP_OK) {
        clasp_memzero(out, out_len);
        return clasp_ossl_fail(rc);
    }
    return rc;
}

int clasp_ossl_hmac(void *ctx, clasp_hash_id id, const uint8_t *key,
                    size_t key_len, const uint8_t *data, size_t data_len,
                    uint8_t *out, size_t out_len)
{
    ENSURE(data != NULL || data_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    clasp_span text = clasp_span_of(data, data_len);
    return hmac_parts(ctx, id, key, key_len, &text, 1, out, out_len);
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
 * OKM = first L octets of T(1) | T(2) | ..., L <= 255 * HashLen. */
int clasp_ossl_hkdf_expand(void *ctx, clasp_hash_id id, const uint8_t *prk,
                           size_t prk_len, const uint8_t *info, size_t info_len,
                           uint8_t *out, size_t out_len)
{
    size_t hash_len = clasp_hash_len(id);
    ENSURE(clasp_ossl_md(ctx, id) != NULL && hash_len != 0,
           CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(out_len > 0 && out_len <= 255 * hash_len, CLASP_ERR_BAD_INPUT_DATA);
    /* "a pseudorandom key of at least HashLen octets" */
    ENSURE(prk != NULL && prk_len >= hash_len, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(info != NULL || info_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    int rc = CLASP_OK;
    uint8_t t[CLASP_MAX_HASH_LEN];
    size_t t_len = 0;
    size_t done = 0;
    for (uint8_t i = 1; done < out_len && rc == CLASP_OK; i++) {
        clasp_span parts[3] = {clasp_span_of(t, t_len),
                               clasp_span_of(info, info_len),
                               clasp_span_of(&i, 1)};
        rc = hmac_parts(ctx, id, prk, prk_len, parts, 3, t, hash_len);
        if (rc == CLASP_OK) {
            size_t n = out_len - done < hash_len ? out_len - done : hash_len;
            memcpy(out + done, t, n);
            done += n;
            t_len = hash_len;
        }
    }
    clasp_memzero(t, sizeof(t));
    if (rc != CLASP_OK) {
        clasp_memzero(out, out_len);
    }
    return rc;
}
