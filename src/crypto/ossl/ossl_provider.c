/*
 * The OpenSSL 3 libcrypto provider: creation, destruction and the CSPRNG.
 *
 * Owns: the clasp_provider struct and its clasp_ossl_ctx (one allocation)
 * and the fetched algorithms.
 * Invariants: algorithms are fetched here once, never per call; a missing
 * algorithm stays NULL and its operations report UNSUPPORTED_ALG.
 * Never: calls libssl; leaves entries on libcrypto's error queue.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/mem.h"
#include "crypto/ossl/ossl_internal.h"

typedef struct {
    clasp_provider prov;
    clasp_ossl_ctx ctx;
} ossl_provider;

static const char *const md_names[OSSL_HASH_SLOTS] = {NULL, "SHA256", "SHA384",
                                                      "SHA512"};

int clasp_ossl_fail(int err)
{
    ERR_clear_error();
    return err;
}

const EVP_MD *clasp_ossl_md(const clasp_ossl_ctx *c, clasp_hash_id id)
{
    switch (id) {
    case CLASP_HASH_SHA256:
    case CLASP_HASH_SHA384:
    case CLASP_HASH_SHA512: return c->md[id];
    case CLASP_HASH_NONE: return NULL;
    }
    return NULL;
}

static int random_bytes(void *ctx, uint8_t *out, size_t n)
{
    clasp_ossl_ctx *c = ctx;
    if (n == 0) {
        return CLASP_OK;
    }
    if (RAND_bytes_ex(c->libctx, out, n, 0) != 1) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    return CLASP_OK;
}

static void free_ctx(clasp_ossl_ctx *c)
{
    for (size_t i = 0; i < OSSL_HASH_SLOTS; i++) {
        EVP_MD_free(c->md[i]);
    }
    EVP_CIPHER_free(c->aes128gcm);
    EVP_CIPHER_free(c->aes256gcm);
    EVP_CIPHER_free(c->chacha);
    EVP_CIPHER_free(c->aes128ccm);
    clasp_mem_free(c->propq);
}

static void destroy(clasp_provider *prov)
{
    if (prov == NULL) {
        return;
    }
    ossl_provider *op = (ossl_provider *)prov;
    free_ctx(&op->ctx);
    clasp_mem_free(op);
}

static void fetch_all(clasp_ossl_ctx *c)
{
    OSSL_LIB_CTX *l = c->libctx;
    const char *q = c->propq;
    for (size_t i = 1; i < OSSL_HASH_SLOTS; i++) {
        c->md[i] = EVP_MD_fetch(l, md_names[i], q);
        c->empty_ok[i] = c->md[i] != NULL &&
                         EVP_Digest(c->empty_hash[i], 0, c->empty_hash[i], NULL,
                                    c->md[i], NULL) == 1;
    }
    c->aes128gcm = EVP_CIPHER_fetch(l, "AES-128-GCM", q);
    c->aes256gcm = EVP_CIPHER_fetch(l, "AES-256-GCM", q);
    c->chacha = EVP_CIPHER_fetch(l, "ChaCha20-Poly1305", q);
    c->aes128ccm = EVP_CIPHER_fetch(l, "AES-128-CCM", q);
    /* Unavailable algorithms are not errors here (a FIPS context may lack
     * ChaCha20); drop what the failed fetches queued. */
    ERR_clear_error();
}

static void set_ops(clasp_provider *p)
{
    p->name = "openssl";
    p->destroy = destroy;
    p->random = random_bytes;
    p->hash_new = clasp_ossl_hash_new;
    p->hash_update = clasp_ossl_hash_update;
    p->hash_dup = clasp_ossl_hash_dup;
    p->hash_final = clasp_ossl_hash_final;
    p->hash_free = clasp_ossl_hash_free;
    p->hash_oneshot = clasp_ossl_hash_oneshot;
    p->hmac = clasp_ossl_hmac;
    p->hkdf_extract = clasp_ossl_hkdf_extract;
    p->hkdf_expand = clasp_ossl_hkdf_expand;
    p->aead_new = clasp_ossl_aead_new;
    p->aead_seal = clasp_ossl_aead_seal;
    p->aead_seal2 = clasp_ossl_aead_seal2;
    p->aead_open = clasp_ossl_aead_open;
    p->aead_free = clasp_ossl_aead_free;
    p->kx_new = clasp_ossl_kx_new;
    p->kx_from_private = clasp_ossl_kx_from_private;
    p->kx_derive = clasp_ossl_kx_derive;
    p->kx_free = clasp_ossl_kx_free;
    p->pkey_load_private = clasp_ossl_pkey_load_private;
    p->pkey_from_cert = clasp_ossl_pkey_from_cert;
    p->pkey_fits = clasp_ossl_pkey_fits;
    p->pkey_same_public = clasp_ossl_pkey_same_public;
    p->sign = clasp_ossl_sign;
    p->verify = clasp_ossl_verify;
    p->pkey_free = clasp_ossl_pkey_free;
    p->cert_decode = clasp_ossl_cert_decode;
    p->trust_new = clasp_ossl_trust_new;
    p->trust_add = clasp_ossl_trust_add;
    p->trust_add_default = clasp_ossl_trust_add_default;
    p->trust_free = clasp_ossl_trust_free;
    p->verify_chain = clasp_ossl_verify_chain;
    p->trust_names = clasp_ossl_trust_names;
}

int clasp_ossl_provider_new(void *lib_ctx, const char *propq,
                            clasp_provider **out)
{
    ENSURE(out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    ossl_provider *op = clasp_mem_calloc(1, sizeof(*op));
    ENSURE(op != NULL, CLASP_ERR_ALLOC_FAILED);
    op->ctx.libctx = lib_ctx;
    if (propq != NULL) {
        op->ctx.propq = clasp_strdup(propq);
        if (op->ctx.propq == NULL) {
            clasp_mem_free(op);
            BAIL(CLASP_ERR_ALLOC_FAILED);
        }
    }
    fetch_all(&op->ctx);
    /* TLS 1.3 cannot run without SHA-256 (and HMAC and HKDF on it, RFC
     * 8446 §7.1). */
    if (op->ctx.md[CLASP_HASH_SHA256] == NULL) {
        destroy(&op->prov);
        BAIL(CLASP_ERR_UNSUPPORTED_ALG);
    }
    set_ops(&op->prov);
    op->prov.ctx = &op->ctx;
    *out = &op->prov;
    return CLASP_OK;
}
