/*
 * THE narrow crypto interface (DESIGN.md §3.10). Everything above
 * src/crypto/ calls cryptography only through a clasp_provider. Handles are
 * opaque and provider-owned. Two implementations: the OpenSSL 3 libcrypto
 * backend (src/crypto/ossl/, the only code that includes <openssl/...>)
 * and the deterministic test provider (src/crypto/testprov/, NO SECURITY,
 * never linked into libclasp).
 *
 * Conventions: every op returns 0 or a negative CLASP_ERR_*. Failures map
 * to CLASP_ERR_CRYPTO except: AEAD open failure -> CLASP_ERR_BAD_RECORD_MAC;
 * bad signature -> CLASP_ERR_DECRYPT_ERROR; bad peer key share ->
 * CLASP_ERR_ILLEGAL_PARAMETER; algorithm not available ->
 * CLASP_ERR_UNSUPPORTED_ALG; unparsable configured key/cert (pkey_load_
 * private, cert_decode, trust_add) -> CLASP_ERR_BAD_PEM; a peer's
 * certificate (pkey_from_cert, verify_chain) -> the CLASP_ERR_* of the
 * CERT class (BAD_CERTIFICATE when it does not parse).
 * Output lengths of hashes, HMAC and HKDF-Extract must equal the digest
 * size (else CLASP_ERR_BAD_INPUT_DATA). Handles must be freed before the
 * provider is destroyed.
 * Algorithms are fetched once per provider instance, never per call.
 */
#ifndef CLASP_CRYPTO_PROVIDER_H
#define CLASP_CRYPTO_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/span.h"

/* Hash algorithms (internal ids). */
typedef enum {
    CLASP_HASH_NONE = 0,
    CLASP_HASH_SHA256 = 1,
    CLASP_HASH_SHA384 = 2,
    CLASP_HASH_SHA512 = 3,
} clasp_hash_id;

#define CLASP_MAX_HASH_LEN 64
#define CLASP_MAX_AEAD_KEY_LEN 32
#define CLASP_AEAD_NONCE_LEN 12
#define CLASP_MAX_AEAD_TAG_LEN 16
/* Largest encoded key share (secp521r1 uncompressed: 133 bytes). */
#define CLASP_MAX_KX_PUB_LEN 133
/* Largest shared secret (secp521r1: 66 bytes). */
#define CLASP_MAX_KX_SECRET_LEN 66
/* Largest signature we produce or accept (RSA-8192 = 1024 bytes). */
#define CLASP_MAX_SIG_LEN 1024

/* Certificate purpose for chain verification. */
#define CLASP_PURPOSE_SERVER 1 /* peer is a TLS server (EKU serverAuth) */
#define CLASP_PURPOSE_CLIENT 2 /* peer is a TLS client (EKU clientAuth) */

typedef struct clasp_hash clasp_hash;   /* incremental hash */
typedef struct clasp_aead clasp_aead;   /* keyed AEAD */
typedef struct clasp_kx clasp_kx;       /* ephemeral key-exchange key */
typedef struct clasp_pkey clasp_pkey;   /* private or public key */
typedef struct clasp_trust clasp_trust; /* trust anchors (X.509 store) */

/* Options for chain verification. */
typedef struct {
    const char *host;   /* DNS name or IP literal to check, or NULL */
    int purpose;        /* CLASP_PURPOSE_* */
    unsigned max_depth; /* max intermediates + leaf, e.g. 10 */
    int64_t now;        /* verification time (unix s); 0 = current time */
} clasp_verify_opts;

typedef struct clasp_provider clasp_provider;

struct clasp_provider {
    const char *name;
    void *ctx;

    /* Release the provider (and its ctx). */
    void (*destroy)(clasp_provider *prov);

    /* CSPRNG. */
    int (*random)(void *ctx, uint8_t *out, size_t n);

    /* Incremental hashes: new, update, dup (snapshot), final (h stays
     * usable: final on a copy, so the transcript can go on), free. */
    int (*hash_new)(void *ctx, clasp_hash_id id, clasp_hash **out);
    int (*hash_update)(clasp_hash *h, const uint8_t *p, size_t n);
    int (*hash_dup)(const clasp_hash *h, clasp_hash **out);
    int (*hash_final)(clasp_hash *h, uint8_t *out, size_t out_len);
    void (*hash_free)(clasp_hash *h);
    /* One-shot digest; out_len must equal the digest size. */
    int (*hash_oneshot)(void *ctx, clasp_hash_id id, const uint8_t *p, size_t n,
                        uint8_t *out, size_t out_len);

    /* HMAC (out_len = digest size). */
    int (*hmac)(void *ctx, clasp_hash_id id, const uint8_t *key, size_t key_len,
                const uint8_t *data, size_t data_len, uint8_t *out,
                size_t out_len);
    /* HKDF-Extract (RFC 5869): prk_len = digest size. */
    int (*hkdf_extract)(void *ctx, clasp_hash_id id, const uint8_t *salt,
                        size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                        uint8_t *prk, size_t prk_len);
    /* HKDF-Expand (RFC 5869). */
    int (*hkdf_expand)(void *ctx, clasp_hash_id id, const uint8_t *prk,
                       size_t prk_len, const uint8_t *info, size_t info_len,
                       uint8_t *out, size_t out_len);

    /* AEAD for a TLS 1.3 cipher suite (IANA id); key length from the suite
     * table. The key is copied; the caller may wipe its copy. */
    int (*aead_new)(void *ctx, uint16_t suite, const uint8_t *key,
                    size_t key_len, clasp_aead **out);
    /* Seal: writes in_len + tag_len bytes to out (out may equal in). */
    int (*aead_seal)(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                     size_t aad_len, const uint8_t *in, size_t in_len,
                     uint8_t *out);
    /* Seal the concatenation of in (in_len bytes) and tail (tail_len
     * bytes) without copying them together: writes in_len + tail_len +
     * tag_len bytes to out (out may equal in, and must not overlap tail).
     * A record's content and its inner content type are sealed straight
     * from the application's buffer this way. Optional (NULL: the caller
     * copies and calls aead_seal). */
    int (*aead_seal2)(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                      size_t aad_len, const uint8_t *in, size_t in_len,
                      const uint8_t *tail, size_t tail_len, uint8_t *out);
    /* Open: in_len includes the tag; writes in_len - tag_len bytes to out
     * (out may equal in). CLASP_ERR_BAD_RECORD_MAC on any failure; out is
     * then wiped. */
    int (*aead_open)(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                     size_t aad_len, const uint8_t *in, size_t in_len,
                     uint8_t *out);
    void (*aead_free)(clasp_aead *a);

    /* Ephemeral key exchange on a named group (IANA id): generate a key
     * pair; the encoded public share (X25519/X448 raw, NIST uncompressed
     * point) goes to pub (cap bytes), its length to *pub_len. */
    int (*kx_new)(void *ctx, uint16_t group, clasp_kx **out, uint8_t *pub,
                  size_t cap, size_t *pub_len);
    /* As kx_new, from a given private key (tests and the test provider). */
    int (*kx_from_private)(void *ctx, uint16_t group, const uint8_t *priv,
                           size_t priv_len, clasp_kx **out, uint8_t *pub,
                           size_t cap, size_t *pub_len);
    /* Derive the shared secret with the peer's encoded share. Validates the
     * share (length, on-curve, not the identity) -> ILLEGAL_PARAMETER, and
     * rejects an all-zero X25519/X448 result -> ILLEGAL_PARAMETER. */
    int (*kx_derive)(clasp_kx *kx, const uint8_t *peer, size_t peer_len,
                     uint8_t *ss, size_t cap, size_t *ss_len);
    void (*kx_free)(clasp_kx *kx);

    /* Keys. Load a private key (PEM or DER, optional password). */
    int (*pkey_load_private)(void *ctx, const uint8_t *data, size_t len,
                             const char *password, clasp_pkey **out);
    /* Public key of a DER certificate. */
    int (*pkey_from_cert)(void *ctx, const uint8_t *der, size_t len,
                          clasp_pkey **out);
    /* Can this key make/verify signatures of this TLS SignatureScheme
     * (type, curve, and for RSA-PSS-PSS keys the PSS parameters)? */
    bool (*pkey_fits)(const clasp_pkey *k, uint16_t sig_alg);
    /* Do two keys have the same public part (e.g. a private key and the
     * public key of the certificate it is configured with)? */
    bool (*pkey_same_public)(const clasp_pkey *a, const clasp_pkey *b);
    /* Sign tbs with a SignatureScheme; sig receives up to cap bytes. */
    int (*sign)(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t cap,
                size_t *sig_len);
    /* Verify; CLASP_ERR_DECRYPT_ERROR on a bad signature. */
    int (*verify)(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                  const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                  size_t sig_len);
    void (*pkey_free)(clasp_pkey *k);

    /* Certificates. Decode PEM (one or more CERTIFICATE blocks) or one DER
     * certificate into a list of DER certificates, allocated with
     * clasp_calloc: *ders is an array of *count spans whose bytes live in
     * one block; free both with clasp_mem_free(*ders) (one allocation). */
    int (*cert_decode)(void *ctx, const uint8_t *data, size_t len,
                       clasp_span **ders, size_t *count);
    /* Trust anchors. */
    int (*trust_new)(void *ctx, clasp_trust **out);
    /* Add PEM/DER certificates (one or more) as trust anchors. */
    int (*trust_add)(clasp_trust *t, const uint8_t *data, size_t len);
    /* Add the system default trust store. */
    int (*trust_add_default)(clasp_trust *t);
    void (*trust_free)(clasp_trust *t);
    /* Verify a chain (DER, leaf first) against the anchors, with host name
     * or IP check, purpose (EKU) and key usage (digitalSignature). With
     * leaf_key not NULL, a success also hands back the leaf's public key
     * (as pkey_from_cert would make it; the caller frees it), so that the
     * leaf is parsed once; *leaf_key is NULL after any failure. */
    int (*verify_chain)(void *ctx, const clasp_trust *t,
                        const clasp_span *chain, size_t n,
                        const clasp_verify_opts *opts, clasp_pkey **leaf_key);
    /* Subject names (DER X.501 Name) of the anchors, for the
     * certificate_authorities extension: calls fn once per anchor. */
    int (*trust_names)(const clasp_trust *t,
                       int (*fn)(void *arg, const uint8_t *dn, size_t len),
                       void *arg);
};

/* The OpenSSL 3 libcrypto provider. lib_ctx may be NULL (the default
 * library context); propq may be NULL. */
CLASP_MUST_USE int clasp_ossl_provider_new(void *lib_ctx, const char *propq,
                                           clasp_provider **out);

#endif
