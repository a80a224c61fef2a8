/*
 * AEAD record protection for the five TLS 1.3 cipher suites (RFC 8446
 * §5.2, §B.4) on OpenSSL 3 libcrypto: AES-128/256-GCM, ChaCha20-Poly1305,
 * AES-128-CCM with a 16- or 8-byte tag (CCM_8).
 *
 * Owns: clasp_aead handles, each one EVP_CIPHER_CTX keyed once in
 * aead_new; a record only sets the nonce (and for CCM the message length).
 * Invariants: the tag check is libcrypto's (constant time); a failed open
 * wipes the output and reports CLASP_ERR_BAD_RECORD_MAC, whatever the cause.
 * Never: re-fetches a cipher; leaves entries on libcrypto's error queue.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "base/mem.h"
#include "base/rd.h"
#include "clasp/clasp.h"
#include "crypto/ossl/ossl_internal.h"
#include "crypto/suites.h"

struct clasp_aead {
    EVP_CIPHER_CTX *cipher_ctx;
    bool ccm;       /* CCM needs the total length before the AAD */
    int keyed_enc;  /* CCM: the direction the key was set for */
    size_t tag_len; /* 16, or 8 for CCM_8 */
    size_t key_len; /* bytes of key[] */
    size_t key_cap; /* bytes after the struct: key_len for CCM, else 0 */
    /* CCM only: libcrypto picks its CCM block routine for one direction
     * when the key is set, so the key is kept to re-key on a change of
     * direction (a TLS handle never changes; tests do). The other modes
     * keep no copy (a connection's two handles stay small). */
    uint8_t key[];
};

/* libcrypto treats a NULL input as "no data" (or, for CCM, as the length
 * call), so zero-length buffers get a real pointer. */
static uint8_t empty_buf[1];

static const EVP_CIPHER *suite_cipher(const clasp_ossl_ctx *c, uint16_t suite)
{
    switch (suite) {
    case CLASP_TLS1_3_AES_128_GCM_SHA256: return c->aes128gcm;
    case CLASP_TLS1_3_AES_256_GCM_SHA384: return c->aes256gcm;
    case CLASP_TLS1_3_CHACHA20_POLY1305_SHA256: return c->chacha;
    case CLASP_TLS1_3_AES_128_CCM_SHA256:
    case CLASP_TLS1_3_AES_128_CCM_8_SHA256: return c->aes128ccm;
    default: return NULL;
    }
}

/* CCM (OpenSSL 3 docs, EVP_EncryptInit(3) "CCM Mode"): the nonce length
 * (12, so L = 3) and the tag length must be set before the key, because
 * both enter the CCM flags byte computed when the key is set. */
static int key_cipher(clasp_aead *a, const EVP_CIPHER *cipher,
                      const uint8_t *key)
{
    if (!a->ccm) {
        if (EVP_CipherInit_ex2(a->cipher_ctx, cipher, key, NULL, 1, NULL) !=
            1) {
            return CLASP_ERR_CRYPTO;
        }
        return CLASP_OK;
    }
    size_t iv_len = CLASP_AEAD_NONCE_LEN;
    OSSL_PARAM params[3];
    params[0] =
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                  NULL, a->tag_len);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_CipherInit_ex2(a->cipher_ctx, cipher, NULL, NULL, 1, params) != 1 ||
        EVP_CipherInit_ex2(a->cipher_ctx, NULL, key, NULL, 1, NULL) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    a->keyed_enc = 1;
    return clasp_copy(a->key, a->key_cap, key, a->key_len);
}

int clasp_ossl_aead_new(void *ctx, uint16_t suite, const uint8_t *key,
                        size_t key_len, clasp_aead **out)
{
    ENSURE(out != NULL && key != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_suite *s = clasp_suite_find(suite);
    ENSURE(s != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(key_len == s->key_len, CLASP_ERR_BAD_INPUT_DATA);
    const EVP_CIPHER *cipher = suite_cipher(ctx, suite);
    ENSURE(cipher != NULL, CLASP_ERR_UNSUPPORTED_ALG);

    bool ccm = suite == CLASP_TLS1_3_AES_128_CCM_SHA256 ||
               suite == CLASP_TLS1_3_AES_128_CCM_8_SHA256;
    size_t key_cap = ccm ? key_len : 0;
    clasp_aead *a = clasp_mem_calloc(1, sizeof(*a) + key_cap);
    ENSURE(a != NULL, CLASP_ERR_ALLOC_FAILED);
    a->ccm = ccm;
    a->key_cap = key_cap;
    a->tag_len = s->tag_len;
    a->key_len = key_len;
    a->cipher_ctx = EVP_CIPHER_CTX_new();
    if (a->cipher_ctx == NULL) {
        clasp_ossl_aead_free(a);
        return clasp_ossl_fail(CLASP_ERR_ALLOC_FAILED);
    }
    int rc = key_cipher(a, cipher, key);
    if (rc < 0) {
        clasp_ossl_aead_free(a);
        return clasp_ossl_fail(rc);
    }
    *out = a;
    return CLASP_OK;
}

/* Set the nonce, direction and params (the expected tag when opening) for
 * one record, then feed the length (CCM) and the additional data. */
static int start_record(clasp_aead *a, int enc, const uint8_t *nonce,
                        const OSSL_PARAM *params, const uint8_t *aad,
                        size_t aad_len, size_t text_len)
{
    int outl = 0;
    if (a->ccm && a->keyed_enc != enc) {
        if (EVP_CipherInit_ex2(a->cipher_ctx, NULL, a->key, NULL, enc, NULL) !=
            1) {
            return CLASP_ERR_CRYPTO;
        }
        a->keyed_enc = enc;
    }
    if (EVP_CipherInit_ex2(a->cipher_ctx, NULL, NULL, nonce, enc, params) !=
        1) {
        return CLASP_ERR_CRYPTO;
    }
    if (a->ccm && EVP_CipherUpdate(a->cipher_ctx, NULL, &outl, NULL,
                                   (int)text_len) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    if (aad_len > 0 &&
        EVP_CipherUpdate(a->cipher_ctx, NULL, &outl, aad, (int)aad_len) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    return CLASP_OK;
}

static int seal_record(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t in_len,
                       uint8_t *out)
{
    int outl = 0;
    int finl = 0;
    TRY(start_record(a, 1, nonce, NULL, aad, aad_len, in_len));
    if (EVP_CipherUpdate(a->cipher_ctx, in_len > 0 ? out : empty_buf, &outl,
                         in_len > 0 ? in : empty_buf, (int)in_len) != 1 ||
        (size_t)outl != in_len) {
        return CLASP_ERR_CRYPTO;
    }
    if (EVP_CipherFinal_ex(a->cipher_ctx, empty_buf, &finl) != 1 || finl != 0) {
        return CLASP_ERR_CRYPTO;
    }
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                  out + in_len, a->tag_len);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_CIPHER_CTX_get_params(a->cipher_ctx, params) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    return CLASP_OK;
}

/* GCM and ChaCha20-Poly1305 take the text in several updates; CCM wants
 * it in one (OpenSSL 3 docs, EVP_EncryptInit(3) "CCM Mode"), so for CCM
 * the two parts are put together in out first. */
static int seal2_record(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t in_len,
                        const uint8_t *tail, size_t tail_len, uint8_t *out)
{
    if (a->ccm) {
        if (in_len > 0 && out != in) {
            memmove(out, in, in_len);
        }
        if (tail_len > 0) {
            memcpy(out + in_len, tail, tail_len);
        }
        return seal_record(a, nonce, aad, aad_len, out, in_len + tail_len, out);
    }
    int outl = 0;
    int finl = 0;
    TRY(start_record(a, 1, nonce, NULL, aad, aad_len, in_len + tail_len));
    if (in_len > 0 &&
        (EVP_CipherUpdate(a->cipher_ctx, out, &outl, in, (int)in_len) != 1 ||
         (size_t)outl != in_len)) {
        return CLASP_ERR_CRYPTO;
    }
    if (tail_len > 0 && (EVP_CipherUpdate(a->cipher_ctx, out + in_len, &outl,
                                          tail, (int)tail_len) != 1 ||
                         (size_t)outl != tail_len)) {
        return CLASP_ERR_CRYPTO;
    }
    if (EVP_CipherFinal_ex(a->cipher_ctx, empty_buf, &finl) != 1 || finl != 0) {
        return CLASP_ERR_CRYPTO;
    }
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_octet_string(
        OSSL_CIPHER_PARAM_AEAD_TAG, out + in_len + tail_len, a->tag_len);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_CIPHER_CTX_get_params(a->cipher_ctx, params) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    return CLASP_OK;
}

int clasp_ossl_aead_seal2(clasp_aead *a, const uint8_t *nonce,
                          const uint8_t *aad, size_t aad_len, const uint8_t *in,
                          size_t in_len, const uint8_t *tail, size_t tail_len,
                          uint8_t *out)
{
    ENSURE(a != NULL && nonce != NULL && out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(aad_len <= INT_MAX && in_len <= INT_MAX - a->tag_len &&
               tail_len <= INT_MAX - a->tag_len - in_len,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE((aad != NULL || aad_len == 0) && (in != NULL || in_len == 0) &&
               (tail != NULL || tail_len == 0),
           CLASP_ERR_BAD_INPUT_DATA);
    int rc =
        seal2_record(a, nonce, aad, aad_len, in, in_len, tail, tail_len, out);
    if (rc < 0) {
        clasp_memzero(out, in_len + tail_len + a->tag_len);
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

int clasp_ossl_aead_seal(clasp_aead *a, const uint8_t *nonce,
                         const uint8_t *aad, size_t aad_len, const uint8_t *in,
                         size_t in_len, uint8_t *out)
{
    ENSURE(a != NULL && nonce != NULL && out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(aad_len <= INT_MAX && in_len <= INT_MAX - a->tag_len,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE((aad != NULL || aad_len == 0) && (in != NULL || in_len == 0),
           CLASP_ERR_BAD_INPUT_DATA);
    int rc = seal_record(a, nonce, aad, aad_len, in, in_len, out);
    if (rc < 0) {
        clasp_memzero(out, in_len + a->tag_len);
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

static int open_record(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t ct_len,
                       const uint8_t *tag, uint8_t *out)
{
    int outl = 0;
    int finl = 0;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_octet_string(
        OSSL_CIPHER_PARAM_AEAD_TAG, clasp_ossl_unconst(tag), a->tag_len);
    params[1] = OSSL_PARAM_construct_end();
    /* CCM wants the tag before the length call; GCM and ChaCha20-Poly1305
     * accept it any time before the final call. */
    TRY(start_record(a, 0, nonce, params, aad, aad_len, ct_len));
    /* For CCM this call also checks the tag. */
    if (EVP_CipherUpdate(a->cipher_ctx, ct_len > 0 ? out : empty_buf, &outl,
                         ct_len > 0 ? in : empty_buf, (int)ct_len) != 1 ||
        (size_t)outl != ct_len) {
        return CLASP_ERR_CRYPTO;
    }
    if (EVP_CipherFinal_ex(a->cipher_ctx, empty_buf, &finl) != 1 || finl != 0) {
        return CLASP_ERR_CRYPTO;
    }
    return CLASP_OK;
}

int clasp_ossl_aead_open(clasp_aead *a, const uint8_t *nonce,
                         const uint8_t *aad, size_t aad_len, const uint8_t *in,
                         size_t in_len, uint8_t *out)
{
    ENSURE(a != NULL && nonce != NULL && out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE((aad != NULL || aad_len == 0) && (in != NULL || in_len == 0),
           CLASP_ERR_BAD_INPUT_DATA);
    /* Too short to hold a tag: cannot authenticate (RFC 8446 §5.2). */
    ENSURE(in_len >= a->tag_len, CLASP_ERR_BAD_RECORD_MAC);
    ENSURE(aad_len <= INT_MAX && in_len <= INT_MAX, CLASP_ERR_BAD_RECORD_MAC);
    size_t ct_len = in_len - a->tag_len;
    /* Copy the tag first: out may equal in. */
    uint8_t tag[CLASP_MAX_AEAD_TAG_LEN];
    clasp_span tag_span;
    TRY(clasp_span_sub(clasp_span_of(in, in_len), ct_len, a->tag_len,
                       &tag_span));
    TRY(clasp_span_copy(tag_span, tag, sizeof(tag)));
    int rc = open_record(a, nonce, aad, aad_len, in, ct_len, tag, out);
    clasp_memzero(tag, sizeof(tag));
    if (rc < 0) {
        clasp_memzero(out, ct_len);
        return clasp_ossl_fail(CLASP_ERR_BAD_RECORD_MAC);
    }
    return CLASP_OK;
}

void clasp_ossl_aead_free(clasp_aead *a)
{
    if (a == NULL) {
        return;
    }
    /* EVP_CIPHER_CTX_free cleanses the key schedule. */
    EVP_CIPHER_CTX_free(a->cipher_ctx);
    clasp_free_secret(a, sizeof(*a) + a->key_cap);
}
