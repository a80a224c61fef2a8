/*
 * Ephemeral (EC)DHE for the TLS 1.3 named groups (RFC 8446 §4.2.7,
 * §7.4): x25519, x448 (RFC 7748) and secp256r1/384r1/521r1.
 *
 * Owns: clasp_kx handles (one EVP_PKEY key pair each).
 * Invariants: shares are encoded as RFC 8446 §4.2.8.2 says (X25519/X448
 * raw; NIST: uncompressed point 0x04 || X || Y); a peer share is checked
 * for its exact length, its point format and that it lies on the curve
 * before use (ILLEGAL_PARAMETER otherwise); the ECDH secret is the full
 * field-length X coordinate (§7.4.1); an all-zero X25519/X448 secret is
 * refused (§7.4.2).
 * Never: uses a peer share that failed a check; leaves entries on
 * libcrypto's error queue; keeps a private scalar outside the EVP_PKEY.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "base/mem.h"
#include "base/rd.h"
#include "clasp/clasp.h"
#include "crypto/ossl/ossl_internal.h"

typedef struct {
    uint16_t iana;
    const char *type;  /* EVP_PKEY type name */
    const char *curve; /* EC group name, NULL for X25519/X448 */
    int nid;           /* EC curve NID, 0 for X25519/X448 */
    size_t pub_len;    /* encoded key share */
    size_t priv_len;   /* private scalar */
    size_t secret_len; /* shared secret */
} kx_group;

static const kx_group kx_groups[] = {
    {CLASP_GROUP_X25519, "X25519", NULL, 0, 32, 32, 32},
    {CLASP_GROUP_X448, "X448", NULL, 0, 56, 56, 56},
    {CLASP_GROUP_SECP256R1, "EC", "P-256", NID_X9_62_prime256v1, 65, 32, 32},
    {CLASP_GROUP_SECP384R1, "EC", "P-384", NID_secp384r1, 97, 48, 48},
    {CLASP_GROUP_SECP521R1, "EC", "P-521", NID_secp521r1, 133, 66, 66},
};

struct clasp_kx {
    const clasp_ossl_ctx *ctx; /* the provider outlives its handles */
    const kx_group *group;
    EVP_PKEY *pkey;
};

static const kx_group *find_group(uint16_t iana)
{
    for (size_t i = 0; i < sizeof(kx_groups) / sizeof(kx_groups[0]); i++) {
        if (kx_groups[i].iana == iana) {
            return &kx_groups[i];
        }
    }
    return NULL;
}

/* Wrap a key pair into a handle and write its encoded public share. */
static int finish_kx(const clasp_ossl_ctx *c, const kx_group *g, EVP_PKEY *pkey,
                     clasp_kx **out, uint8_t *pub, size_t cap, size_t *pub_len)
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(
            pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, cap, &len) != 1 ||
        len != g->pub_len) {
        EVP_PKEY_free(pkey);
        return CLASP_ERR_CRYPTO;
    }
    clasp_kx *kx = clasp_calloc(1, sizeof(*kx));
    if (kx == NULL) {
        EVP_PKEY_free(pkey);
        return CLASP_ERR_ALLOC_FAILED;
    }
    kx->ctx = c;
    kx->group = g;
    kx->pkey = pkey;
    *out = kx;
    *pub_len = len;
    return CLASP_OK;
}

int clasp_ossl_kx_new(void *ctx, uint16_t group, clasp_kx **out, uint8_t *pub,
                      size_t cap, size_t *pub_len)
{
    ENSURE(out != NULL && pub != NULL && pub_len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_ossl_ctx *c = ctx;
    const kx_group *g = find_group(group);
    ENSURE(g != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(cap >= g->pub_len, CLASP_ERR_BUFFER_TOO_SMALL);
    EVP_PKEY *pkey = NULL;
    if (g->curve == NULL) {
        pkey = EVP_PKEY_Q_keygen(c->libctx, c->propq, g->type);
    } else {
        pkey = EVP_PKEY_Q_keygen(c->libctx, c->propq, g->type, g->curve);
    }
    if (pkey == NULL) {
        return clasp_ossl_fail(CLASP_ERR_CRYPTO);
    }
    int rc = finish_kx(c, g, pkey, out, pub, cap, pub_len);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

/* Q = d * G, uncompressed (SEC 1 §2.3.3). */
static int ec_public_of(const clasp_ossl_ctx *c, const kx_group *g,
                        const BIGNUM *d, uint8_t *pub, size_t cap)
{
    int rc = CLASP_ERR_CRYPTO;
    EC_POINT *q = NULL;
    EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(c->libctx, c->propq, g->nid);
    if (grp == NULL) {
        goto cleanup;
    }
    /* The scalar must be in [1, n-1] (SEC 1 §3.2.1). */
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0) {
        rc = CLASP_ERR_BAD_INPUT_DATA;
        goto cleanup;
    }
    q = EC_POINT_new(grp);
    if (q == NULL || EC_POINT_mul(grp, q, d, NULL, NULL, NULL) != 1 ||
        EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, pub, cap,
                           NULL) != g->pub_len) {
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    EC_POINT_free(q);
    EC_GROUP_free(grp);
    return rc;
}

/* NIST key pair from a big-endian private scalar of field length. */
static int ec_from_private(const clasp_ossl_ctx *c, const kx_group *g,
                           const uint8_t *priv, size_t priv_len,
                           EVP_PKEY **pkey)
{
    int rc = CLASP_ERR_CRYPTO;
    uint8_t pub[CLASP_MAX_KX_PUB_LEN];
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    BIGNUM *d = BN_secure_new();
    if (d == NULL || BN_bin2bn(priv, (int)priv_len, d) == NULL) {
        goto cleanup;
    }
    rc = ec_public_of(c, g, d, pub, sizeof(pub));
    if (rc < 0) {
        goto cleanup;
    }
    rc = CLASP_ERR_CRYPTO;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        g->curve, 0) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                         g->pub_len) != 1) {
        goto cleanup;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(c->libctx, g->type, c->propq);
    if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_KEYPAIR, params) != 1) {
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return rc;
}

int clasp_ossl_kx_from_private(void *ctx, uint16_t group, const uint8_t *priv,
                               size_t priv_len, clasp_kx **out, uint8_t *pub,
                               size_t cap, size_t *pub_len)
{
    ENSURE(out != NULL && priv != NULL && pub != NULL && pub_len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_ossl_ctx *c = ctx;
    const kx_group *g = find_group(group);
    ENSURE(g != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(priv_len == g->priv_len, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(cap >= g->pub_len, CLASP_ERR_BUFFER_TOO_SMALL);
    EVP_PKEY *pkey = NULL;
    int rc = CLASP_OK;
    if (g->curve == NULL) {
        pkey = EVP_PKEY_new_raw_private_key_ex(c->libctx, g->type, c->propq,
                                               priv, priv_len);
        rc = pkey != NULL ? CLASP_OK : CLASP_ERR_CRYPTO;
    } else {
        rc = ec_from_private(c, g, priv, priv_len, &pkey);
    }
    if (rc == CLASP_OK) {
        rc = finish_kx(c, g, pkey, out, pub, cap, pub_len);
    }
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

/* The peer's share as an EVP_PKEY. For the NIST curves, importing the
 * point makes libcrypto decode it and check that it lies on the curve;
 * EVP_PKEY_derive_set_peer_ex later runs the full public-key check. */
static EVP_PKEY *peer_key(const clasp_ossl_ctx *c, const kx_group *g,
                          const uint8_t *peer, size_t peer_len)
{
    if (g->curve == NULL) {
        return EVP_PKEY_new_raw_public_key_ex(c->libctx, g->type, c->propq,
                                              peer, peer_len);
    }
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(
        OSSL_PKEY_PARAM_GROUP_NAME, clasp_ossl_unconst(g->curve), 0);
    params[1] = OSSL_PARAM_construct_octet_string(
        OSSL_PKEY_PARAM_PUB_KEY, clasp_ossl_unconst(peer), peer_len);
    params[2] = OSSL_PARAM_construct_end();
    EVP_PKEY_CTX *pctx =
        EVP_PKEY_CTX_new_from_name(c->libctx, g->type, c->propq);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (uint8_t)(acc | p[i]);
    }
    return acc == 0;
}

static int derive(clasp_kx *kx, const uint8_t *peer, size_t peer_len,
                  uint8_t *ss)
{
    const kx_group *g = kx->group;
    int rc = CLASP_ERR_ILLEGAL_PARAMETER;
    size_t len = g->secret_len;
    EVP_PKEY_CTX *dctx = NULL;
    EVP_PKEY *pk = peer_key(kx->ctx, g, peer, peer_len);
    if (pk == NULL) {
        goto cleanup;
    }
    rc = CLASP_ERR_CRYPTO;
    dctx =
        EVP_PKEY_CTX_new_from_pkey(kx->ctx->libctx, kx->pkey, kx->ctx->propq);
    if (dctx == NULL || EVP_PKEY_derive_init(dctx) != 1) {
        goto cleanup;
    }
    if (EVP_PKEY_derive_set_peer_ex(dctx, pk, 1) != 1) {
        rc = CLASP_ERR_ILLEGAL_PARAMETER;
        goto cleanup;
    }
    if (EVP_PKEY_derive(dctx, ss, &len) != 1) {
        /* libcrypto refuses an all-zero X25519/X448 result itself */
        rc = g->curve == NULL ? CLASP_ERR_ILLEGAL_PARAMETER : CLASP_ERR_CRYPTO;
        goto cleanup;
    }
    if (len != g->secret_len) {
        goto cleanup;
    }
    /* RFC 8446 §7.4.2: abort on an all-zero value (low-order point). */
    if (g->curve == NULL && all_zero(ss, len)) {
        rc = CLASP_ERR_ILLEGAL_PARAMETER;
        goto cleanup;
    }
    rc = CLASP_OK;
cleanup:
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_free(pk);
    return rc;
}

int clasp_ossl_kx_derive(clasp_kx *kx, const uint8_t *peer, size_t peer_len,
                         uint8_t *ss, size_t cap, size_t *ss_len)
{
    ENSURE(kx != NULL && ss != NULL && ss_len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    const kx_group *g = kx->group;
    ENSURE(cap >= g->secret_len, CLASP_ERR_BUFFER_TOO_SMALL);
    /* RFC 8446 §4.2.8: the share must have the group's exact length;
     * §4.2.8.2: NIST points are uncompressed (legacy_form = 4). */
    ENSURE(peer != NULL && peer_len == g->pub_len, CLASP_ERR_ILLEGAL_PARAMETER);
    uint8_t form = 0;
    TRY(clasp_span_at(clasp_span_of(peer, peer_len), 0, &form));
    ENSURE(g->curve == NULL || form == POINT_CONVERSION_UNCOMPRESSED,
           CLASP_ERR_ILLEGAL_PARAMETER);
    int rc = derive(kx, peer, peer_len, ss);
    if (rc < 0) {
        clasp_memzero(ss, g->secret_len);
        return clasp_ossl_fail(rc);
    }
    *ss_len = g->secret_len;
    return CLASP_OK;
}

void clasp_ossl_kx_free(clasp_kx *kx)
{
    if (kx == NULL) {
        return;
    }
    EVP_PKEY_free(kx->pkey);
    clasp_free(kx);
}
