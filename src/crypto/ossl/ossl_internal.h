/*
 * Internal state of the OpenSSL 3 libcrypto provider, shared by the files
 * of src/crypto/ossl/ (the only directory that includes <openssl/...>).
 *
 * The provider context holds the library context, the property query and
 * every algorithm, fetched ONCE when the provider is created (fetching is
 * costly in OpenSSL 3). An algorithm the library context cannot supply is
 * left NULL; operations that need it return CLASP_ERR_UNSUPPORTED_ALG.
 * HMAC and HKDF are computed on the fetched digests (ossl_hash.c), so no
 * call fetches by name.
 */
#ifndef CLASP_CRYPTO_OSSL_INTERNAL_H
#define CLASP_CRYPTO_OSSL_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/provider.h"

/* Index by clasp_hash_id (1..3). */
#define OSSL_HASH_SLOTS 4

typedef struct {
    OSSL_LIB_CTX *libctx; /* borrowed; NULL = default context */
    char *propq;          /* owned copy, or NULL */
    EVP_MD *md[OSSL_HASH_SLOTS];
    /* Hash of the empty string per digest (every key schedule starts with
     * one, RFC 8446 §7.1), computed once; empty_ok[i] when present. */
    uint8_t empty_hash[OSSL_HASH_SLOTS][CLASP_MAX_HASH_LEN];
    bool empty_ok[OSSL_HASH_SLOTS];
    EVP_CIPHER *aes128gcm;
    EVP_CIPHER *aes256gcm;
    EVP_CIPHER *chacha;
    EVP_CIPHER *aes128ccm;
} clasp_ossl_ctx;

/* OSSL_PARAM constructors take non-const pointers even for inputs they only
 * read; this is the one place that drops the qualifier. */
static inline void *clasp_ossl_unconst(const void *p)
{
    return (void *)(uintptr_t)p;
}

/* Drain libcrypto's error queue (so nothing leaks to the application) and
 * return err. */
CLASP_MUST_USE int clasp_ossl_fail(int err);

/* The fetched digest for a hash id, or NULL. */
const EVP_MD *clasp_ossl_md(const clasp_ossl_ctx *c, clasp_hash_id id);

/* ossl_hash.c */
CLASP_MUST_USE int clasp_ossl_hash_new(void *ctx, clasp_hash_id id,
                                       clasp_hash **out);
CLASP_MUST_USE int clasp_ossl_hash_update(clasp_hash *h, const uint8_t *p,
                                          size_t n);
CLASP_MUST_USE int clasp_ossl_hash_dup(const clasp_hash *h, clasp_hash **out);
CLASP_MUST_USE int clasp_ossl_hash_final(clasp_hash *h, uint8_t *out,
                                         size_t out_len);
void clasp_ossl_hash_free(clasp_hash *h);
CLASP_MUST_USE int clasp_ossl_hash_oneshot(void *ctx, clasp_hash_id id,
                                           const uint8_t *p, size_t n,
                                           uint8_t *out, size_t out_len);
CLASP_MUST_USE int clasp_ossl_hmac(void *ctx, clasp_hash_id id,
                                   const uint8_t *key, size_t key_len,
                                   const uint8_t *data, size_t data_len,
                                   uint8_t *out, size_t out_len);
CLASP_MUST_USE int clasp_ossl_hkdf_extract(void *ctx, clasp_hash_id id,
                                           const uint8_t *salt, size_t salt_len,
                                           const uint8_t *ikm, size_t ikm_len,
                                           uint8_t *prk, size_t prk_len);
CLASP_MUST_USE int clasp_ossl_hkdf_expand(void *ctx, clasp_hash_id id,
                                          const uint8_t *prk, size_t prk_len,
                                          const uint8_t *info, size_t info_len,
                                          uint8_t *out, size_t out_len);

/* ossl_aead.c */
CLASP_MUST_USE int clasp_ossl_aead_new(void *ctx, uint16_t suite,
                                       const uint8_t *key, size_t key_len,
                                       clasp_aead **out);
CLASP_MUST_USE int clasp_ossl_aead_seal(clasp_aead *a, const uint8_t *nonce,
                                        const uint8_t *aad, size_t aad_len,
                                        const uint8_t *in, size_t in_len,
                                        uint8_t *out);
CLASP_MUST_USE int clasp_ossl_aead_seal2(clasp_aead *a, const uint8_t *nonce,
                                         const uint8_t *aad, size_t aad_len,
                                         const uint8_t *in, size_t in_len,
                                         const uint8_t *tail, size_t tail_len,
                                         uint8_t *out);
CLASP_MUST_USE int clasp_ossl_aead_open(clasp_aead *a, const uint8_t *nonce,
                                        const uint8_t *aad, size_t aad_len,
                                        const uint8_t *in, size_t in_len,
                                        uint8_t *out);
void clasp_ossl_aead_free(clasp_aead *a);

/* ossl_kx.c */
CLASP_MUST_USE int clasp_ossl_kx_new(void *ctx, uint16_t group, clasp_kx **out,
                                     uint8_t *pub, size_t cap, size_t *pub_len);
CLASP_MUST_USE int clasp_ossl_kx_from_private(void *ctx, uint16_t group,
                                              const uint8_t *priv,
                                              size_t priv_len, clasp_kx **out,
                                              uint8_t *pub, size_t cap,
                                              size_t *pub_len);
CLASP_MUST_USE int clasp_ossl_kx_derive(clasp_kx *kx, const uint8_t *peer,
                                        size_t peer_len, uint8_t *ss,
                                        size_t cap, size_t *ss_len);
void clasp_ossl_kx_free(clasp_kx *kx);

/* ossl_sig.c */
CLASP_MUST_USE int clasp_ossl_pkey_load_private(void *ctx, const uint8_t *data,
                                                size_t len,
                                                const char *password,
                                                clasp_pkey **out);
CLASP_MUST_USE int clasp_ossl_pkey_from_cert(void *ctx, const uint8_t *der,
                                             size_t len, clasp_pkey **out);
/* The public key of a parsed certificate (x keeps its own reference). */
CLASP_MUST_USE int clasp_ossl_pkey_from_x509(const clasp_ossl_ctx *c, X509 *x,
                                             clasp_pkey **out);
bool clasp_ossl_pkey_fits(const clasp_pkey *k, uint16_t sig_alg);
bool clasp_ossl_pkey_same_public(const clasp_pkey *a, const clasp_pkey *b);
CLASP_MUST_USE int clasp_ossl_sign(void *ctx, const clasp_pkey *k,
                                   uint16_t sig_alg, const uint8_t *tbs,
                                   size_t tbs_len, uint8_t *sig, size_t cap,
                                   size_t *sig_len);
CLASP_MUST_USE int clasp_ossl_verify(void *ctx, const clasp_pkey *k,
                                     uint16_t sig_alg, const uint8_t *tbs,
                                     size_t tbs_len, const uint8_t *sig,
                                     size_t sig_len);
void clasp_ossl_pkey_free(clasp_pkey *k);

/* ossl_x509.c */
/* Parse exactly one DER certificate (the whole buffer);
 * CLASP_ERR_BAD_CERTIFICATE otherwise. */
CLASP_MUST_USE int clasp_ossl_x509_parse(const clasp_ossl_ctx *c,
                                         const uint8_t *der, size_t len,
                                         X509 **out);
CLASP_MUST_USE int clasp_ossl_cert_decode(void *ctx, const uint8_t *data,
                                          size_t len, clasp_span **ders,
                                          size_t *count);
CLASP_MUST_USE int clasp_ossl_trust_new(void *ctx, clasp_trust **out);
CLASP_MUST_USE int clasp_ossl_trust_add(clasp_trust *t, const uint8_t *data,
                                        size_t len);
CLASP_MUST_USE int clasp_ossl_trust_add_default(clasp_trust *t);
void clasp_ossl_trust_free(clasp_trust *t);
CLASP_MUST_USE int clasp_ossl_verify_chain(void *ctx, const clasp_trust *t,
                                           const clasp_span *chain, size_t n,
                                           const clasp_verify_opts *opts,
                                           clasp_pkey **leaf_key);
CLASP_MUST_USE int
clasp_ossl_trust_names(const clasp_trust *t,
                       int (*fn)(void *arg, const uint8_t *dn, size_t len),
                       void *arg);

#endif
