/*
 * Keys and signatures: loading private keys, public keys of certificates,
 * and the TLS 1.3 SignatureSchemes (RFC 8446 §4.2.3): ECDSA on the three
 * NIST curves, RSASSA-PSS (rsae and pss keys), RSASSA-PKCS1-v1_5 (for
 * certificates only; the caller enforces that), Ed25519, Ed448.
 *
 * Owns: clasp_pkey handles (an EVP_PKEY each, its type and curve found
 * once, and for private keys a prepared signing context per scheme).
 * Invariants: a key signs or verifies only a scheme it fits (type, curve,
 * PSS restrictions), else ILLEGAL_PARAMETER; RSA-PSS uses MGF1 with the
 * signature hash and a salt as long as the hash (§4.2.3), verified
 * strictly; EC keys must use a named curve (explicit parameters refused).
 * Never: leaves entries on libcrypto's error queue.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/mem.h"
#include "clasp/clasp.h"
#include "crypto/ossl/ossl_internal.h"

/* Key types, found once when a handle is made (EVP_PKEY_is_a and the
 * curve lookup are name lookups in libcrypto). */
typedef enum {
    TYPE_OTHER,
    TYPE_EC,
    TYPE_RSA,
    TYPE_RSA_PSS,
    TYPE_ED25519,
    TYPE_ED448,
} key_type;

/* Signing contexts kept per private key: at most the three RSASSA-PSS
 * schemes of an RSA key (an ECDSA key fits one scheme). */
#define MAX_SIGN_TMPL 3

struct clasp_pkey {
    const clasp_ossl_ctx *ctx; /* the provider outlives its handles */
    EVP_PKEY *pkey;
    key_type type;
    int curve_nid; /* TYPE_EC: named curve, else NID_undef */
    bool size_ok;  /* RSA: signatures fit CLASP_MAX_SIG_LEN */
    /* Private keys: a digest-then-sign context per scheme the key makes
     * (RFC 8446 §4.2.3 parameters set), initialised once at load and
     * duplicated per signature, so signing fetches and looks up nothing.
     * Unused slots (and EdDSA, which signs the message itself) take the
     * EVP_DigestSign path. */
    uint16_t tmpl_alg[MAX_SIGN_TMPL];
    EVP_PKEY_CTX *tmpl[MAX_SIGN_TMPL];
};

typedef enum {
    KIND_ECDSA,
    KIND_RSAE_PSS, /* RSASSA-PSS with an rsaEncryption key */
    KIND_PSS_PSS,  /* RSASSA-PSS with an RSASSA-PSS key */
    KIND_PKCS1,
    KIND_EDDSA,
} sig_kind;

typedef struct {
    uint16_t iana;
    sig_kind kind;
    clasp_hash_id hash;
    const char *key_type; /* EVP_PKEY_is_a name */
    int curve_nid;        /* ECDSA only */
} sig_scheme;

static const sig_scheme schemes[] = {
    {CLASP_SIG_ECDSA_SECP256R1_SHA256, KIND_ECDSA, CLASP_HASH_SHA256, "EC",
     NID_X9_62_prime256v1},
    {CLASP_SIG_ECDSA_SECP384R1_SHA384, KIND_ECDSA, CLASP_HASH_SHA384, "EC",
     NID_secp384r1},
    {CLASP_SIG_ECDSA_SECP521R1_SHA512, KIND_ECDSA, CLASP_HASH_SHA512, "EC",
     NID_secp521r1},
    {CLASP_SIG_RSA_PSS_RSAE_SHA256, KIND_RSAE_PSS, CLASP_HASH_SHA256, "RSA", 0},
    {CLASP_SIG_RSA_PSS_RSAE_SHA384, KIND_RSAE_PSS, CLASP_HASH_SHA384, "RSA", 0},
    {CLASP_SIG_RSA_PSS_RSAE_SHA512, KIND_RSAE_PSS, CLASP_HASH_SHA512, "RSA", 0},
    {CLASP_SIG_RSA_PSS_PSS_SHA256, KIND_PSS_PSS, CLASP_HASH_SHA256, "RSA-PSS",
     0},
    {CLASP_SIG_RSA_PSS_PSS_SHA384, KIND_PSS_PSS, CLASP_HASH_SHA384, "RSA-PSS",
     0},
    {CLASP_SIG_RSA_PSS_PSS_SHA512, KIND_PSS_PSS, CLASP_HASH_SHA512, "RSA-PSS",
     0},
    {CLASP_SIG_RSA_PKCS1_SHA256, KIND_PKCS1, CLASP_HASH_SHA256, "RSA", 0},
    {CLASP_SIG_RSA_PKCS1_SHA384, KIND_PKCS1, CLASP_HASH_SHA384, "RSA", 0},
    {CLASP_SIG_RSA_PKCS1_SHA512, KIND_PKCS1, CLASP_HASH_SHA512, "RSA", 0},
    {CLASP_SIG_ED25519, KIND_EDDSA, CLASP_HASH_NONE, "ED25519", 0},
    {CLASP_SIG_ED448, KIND_EDDSA, CLASP_HASH_NONE, "ED448", 0},
};

static const sig_scheme *find_scheme(uint16_t iana)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (schemes[i].iana == iana) {
            return &schemes[i];
        }
    }
    return NULL;
}

/* NID of an EC key's named curve, NID_undef for explicit parameters. */
static int ec_curve_nid(const EVP_PKEY *pkey)
{
    char name[64];
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name,
                                       sizeof(name), &len) != 1) {
        ERR_clear_error();
        return NID_undef;
    }
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef) {
        nid = EC_curve_nist2nid(name);
    }
    return nid;
}

/* Does the digest named by a key parameter equal md? Absent = no
 * restriction. */
static bool param_md_matches(const EVP_PKEY *pkey, const char *param,
                             const EVP_MD *md)
{
    char name[64];
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, param, name, sizeof(name), &len) !=
        1) {
        ERR_clear_error();
        return true;
    }
    return EVP_MD_is_a(md, name) == 1;
}

/* An RSASSA-PSS key may restrict its parameters (RFC 4055 §3.1); TLS 1.3
 * needs digest = MGF1 digest = the scheme's hash and salt = HashLen. */
static bool pss_params_fit(const clasp_pkey *k, const sig_scheme *s)
{
    const EVP_MD *md = clasp_ossl_md(k->ctx, s->hash);
    if (md == NULL ||
        !param_md_matches(k->pkey, OSSL_PKEY_PARAM_RSA_DIGEST, md) ||
        !param_md_matches(k->pkey, OSSL_PKEY_PARAM_RSA_MGF1_DIGEST, md)) {
        return false;
    }
    int salt = 0;
    if (EVP_PKEY_get_int_param(k->pkey, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN,
                               &salt) == 1 &&
        (salt < 0 || (size_t)salt > (size_t)EVP_MD_get_size(md))) {
        return false;
    }
    ERR_clear_error();
    return true;
}

static key_type type_of(const sig_scheme *s)
{
    switch (s->kind) {
    case KIND_ECDSA: return TYPE_EC;
    case KIND_RSAE_PSS:
    case KIND_PKCS1: return TYPE_RSA;
    case KIND_PSS_PSS: return TYPE_RSA_PSS;
    case KIND_EDDSA:
        return s->iana == CLASP_SIG_ED25519 ? TYPE_ED25519 : TYPE_ED448;
    }
    return TYPE_OTHER;
}

static bool fits(const clasp_pkey *k, const sig_scheme *s)
{
    if (k == NULL || s == NULL || k->type == TYPE_OTHER ||
        k->type != type_of(s)) {
        return false;
    }
    switch (s->kind) {
    case KIND_ECDSA: return k->curve_nid == s->curve_nid;
    case KIND_PSS_PSS: return k->size_ok && pss_params_fit(k, s);
    case KIND_RSAE_PSS:
    case KIND_PKCS1: return k->size_ok;
    case KIND_EDDSA: return true;
    }
    return false;
}

bool clasp_ossl_pkey_fits(const clasp_pkey *k, uint16_t sig_alg)
{
    return fits(k, find_scheme(sig_alg));
}

static key_type key_type_of(const EVP_PKEY *pkey)
{
    static const struct {
        const char *name;
        key_type type;
    } names[] = {{"EC", TYPE_EC},
                 {"RSA", TYPE_RSA},
                 {"RSA-PSS", TYPE_RSA_PSS},
                 {"ED25519", TYPE_ED25519},
                 {"ED448", TYPE_ED448}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (EVP_PKEY_is_a(pkey, names[i].name) == 1) {
            return names[i].type;
        }
    }
    return TYPE_OTHER;
}

static int wrap_pkey(const clasp_ossl_ctx *c, EVP_PKEY *pkey, clasp_pkey **out)
{
    clasp_pkey *k = clasp_mem_calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return CLASP_ERR_ALLOC_FAILED;
    }
    k->ctx = c;
    k->pkey = pkey;
    k->type = key_type_of(pkey);
    k->curve_nid = k->type == TYPE_EC ? ec_curve_nid(pkey) : NID_undef;
    /* Our signature buffers hold up to CLASP_MAX_SIG_LEN (RSA-8192). */
    int size = EVP_PKEY_get_size(pkey);
    k->size_ok = size > 0 && size <= CLASP_MAX_SIG_LEN;
    *out = k;
    return CLASP_OK;
}

/* EC keys with explicit curve parameters are refused (CVE-2022-0778
 * class of bugs; RFC 8422 §5.1.1 allows named curves only), even when the
 * parameters are those of a named curve. */
static bool named_curve_or_not_ec(const EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "EC") != 1) {
        return true;
    }
    int explicit_params = 1;
    if (EVP_PKEY_get_int_param(pkey,
                               OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS,
                               &explicit_params) != 1) {
        ERR_clear_error();
        return false;
    }
    return explicit_params == 0 && ec_curve_nid(pkey) != NID_undef;
}

/* RFC 8446 §4.2.3 parameters of a digest-then-sign (or verify) context:
 * RSASSA-PSS with MGF1 on the signature hash and a salt as long as the
 * hash; the hash itself. */
static int set_pkey_params(const clasp_ossl_ctx *c, const sig_scheme *s,
                           EVP_PKEY_CTX *pctx)
{
    const EVP_MD *md = clasp_ossl_md(c, s->hash);
    if (md == NULL) {
        return CLASP_ERR_UNSUPPORTED_ALG;
    }
    if ((s->kind == KIND_RSAE_PSS || s->kind == KIND_PSS_PSS) &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        return CLASP_ERR_CRYPTO;
    }
    if (EVP_PKEY_CTX_set_signature_md(pctx, md) != 1) {
        return CLASP_ERR_CRYPTO;
    }
    return CLASP_OK;
}

/* One signing context per scheme a private key can make in a
 * CertificateVerify (ECDSA, RSASSA-PSS): what EVP_DigestSignInit_ex would
 * otherwise fetch and set up on every signature. A context that cannot be
 * made is simply absent (that scheme then takes the general path). */
static void make_sign_templates(clasp_pkey *k)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        const sig_scheme *s = &schemes[i];
        if (n == MAX_SIGN_TMPL ||
            (s->kind != KIND_ECDSA && s->kind != KIND_RSAE_PSS &&
             s->kind != KIND_PSS_PSS) ||
            !fits(k, s)) {
            continue;
        }
        EVP_PKEY_CTX *t =
            EVP_PKEY_CTX_new_from_pkey(k->ctx->libctx, k->pkey, k->ctx->propq);
        if (t == NULL || EVP_PKEY_sign_init(t) != 1 ||
            set_pkey_params(k->ctx, s, t) != CLASP_OK) {
            EVP_PKEY_CTX_free(t);
            continue;
        }
        k->tmpl_alg[n] = s->iana;
        k->tmpl[n++] = t;
    }
    ERR_clear_error();
}

static const EVP_PKEY_CTX *sign_template(const clasp_pkey *k, uint16_t alg)
{
    for (size_t i = 0; i < MAX_SIGN_TMPL; i++) {
        if (k->tmpl[i] != NULL && k->tmpl_alg[i] == alg) {
            return k->tmpl[i];
        }
    }
    return NULL;
}

/* Hash, then sign the digest with a copy of the key's prepared context. */
static int sign_prepared(const clasp_pkey *k, const sig_scheme *s,
                         const EVP_PKEY_CTX *tmpl, const uint8_t *tbs,
                         size_t tbs_len, uint8_t *sig, size_t cap,
                         size_t *sig_len)
{
    static const uint8_t empty[1];
    const EVP_MD *md = clasp_ossl_md(k->ctx, s->hash);
    int max = EVP_PKEY_get_size(k->pkey);
    ENSURE(md != NULL && max > 0, CLASP_ERR_CRYPTO);
    ENSURE((size_t)max <= cap, CLASP_ERR_BUFFER_TOO_SMALL);
    uint8_t dgst[CLASP_MAX_HASH_LEN];
    unsigned int dgst_len = 0;
    size_t len = cap;
    int rc = CLASP_ERR_CRYPTO;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_dup(tmpl);
    if (c != NULL &&
        EVP_Digest(tbs_len > 0 ? tbs : empty, tbs_len, dgst, &dgst_len, md,
                   NULL) == 1 &&
        EVP_PKEY_sign(c, sig, &len, dgst, dgst_len) == 1) {
        *sig_len = len;
        rc = CLASP_OK;
    }
    EVP_PKEY_CTX_free(c);
    return rc;
}

int clasp_ossl_pkey_load_private(void *ctx, const uint8_t *data, size_t len,
                                 const char *password, clasp_pkey **out)
{
    ENSURE(out != NULL && data != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_ossl_ctx *c = ctx;
    int rc = CLASP_ERR_BAD_PEM;
    EVP_PKEY *pkey = NULL;
    const unsigned char *p = data;
    size_t left = len;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
        &pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, c->libctx, c->propq);
    if (dctx == NULL) {
        rc = CLASP_ERR_CRYPTO;
        goto cleanup;
    }
    if (password != NULL &&
        OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)password,
                                        strlen(password)) != 1) {
        rc = CLASP_ERR_CRYPTO;
        goto cleanup;
    }
    if (OSSL_DECODER_from_data(dctx, &p, &left) != 1 || pkey == NULL ||
        !named_curve_or_not_ec(pkey)) {
        goto cleanup;
    }
    rc = wrap_pkey(c, pkey, out);
    pkey = NULL;
    if (rc == CLASP_OK) {
        make_sign_templates(*out);
    }
cleanup:
    EVP_PKEY_free(pkey);
    OSSL_DECODER_CTX_free(dctx);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

int clasp_ossl_pkey_from_x509(const clasp_ossl_ctx *c, X509 *x,
                              clasp_pkey **out)
{
    *out = NULL;
    EVP_PKEY *pkey = X509_get0_pubkey(x);
    ENSURE(pkey != NULL, CLASP_ERR_BAD_CERTIFICATE);
    ENSURE(named_curve_or_not_ec(pkey), CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    ENSURE(EVP_PKEY_up_ref(pkey) == 1, CLASP_ERR_CRYPTO);
    return wrap_pkey(c, pkey, out);
}

int clasp_ossl_pkey_from_cert(void *ctx, const uint8_t *der, size_t len,
                              clasp_pkey **out)
{
    ENSURE(out != NULL && der != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_ossl_ctx *c = ctx;
    X509 *x = NULL;
    TRY(clasp_ossl_x509_parse(c, der, len, &x));
    int rc = clasp_ossl_pkey_from_x509(c, x, out);
    X509_free(x);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

/* A digest-sign/verify context for the scheme, with the RFC 8446 §4.2.3
 * PSS parameters. EdDSA is "pure": no digest (RFC 8032). */
static int init_sigver(const clasp_ossl_ctx *c, const clasp_pkey *k,
                       const sig_scheme *s, bool sign, EVP_MD_CTX *mctx)
{
    const char *md_name = NULL;
    const EVP_MD *md = NULL;
    if (s->kind != KIND_EDDSA) {
        md = clasp_ossl_md(c, s->hash);
        if (md == NULL) {
            return CLASP_ERR_UNSUPPORTED_ALG;
        }
        md_name = EVP_MD_get0_name(md);
    }
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(mctx, &pctx, md_name, c->libctx,
                                          c->propq, k->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(mctx, &pctx, md_name, c->libctx,
                                            c->propq, k->pkey, NULL);
    if (ok != 1) {
        return CLASP_ERR_CRYPTO;
    }
    switch (s->kind) {
    case KIND_RSAE_PSS:
    case KIND_PSS_PSS:
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) !=
                1) {
            return CLASP_ERR_CRYPTO;
        }
        return CLASP_OK;
    case KIND_PKCS1:
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
            return CLASP_ERR_CRYPTO;
        }
        return CLASP_OK;
    case KIND_ECDSA:
    case KIND_EDDSA: return CLASP_OK;
    }
    return CLASP_ERR_INTERNAL;
}

int clasp_ossl_sign(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                    const uint8_t *tbs, size_t tbs_len, uint8_t *sig,
                    size_t cap, size_t *sig_len)
{
    ENSURE(k != NULL && sig != NULL && sig_len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(tbs != NULL || tbs_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    const sig_scheme *s = find_scheme(sig_alg);
    ENSURE(s != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(fits(k, s), CLASP_ERR_ILLEGAL_PARAMETER);
    const EVP_PKEY_CTX *tmpl = sign_template(k, sig_alg);
    if (tmpl != NULL) {
        int prc = sign_prepared(k, s, tmpl, tbs, tbs_len, sig, cap, sig_len);
        if (prc < 0) {
            return clasp_ossl_fail(prc);
        }
        return CLASP_OK;
    }
    int rc = CLASP_ERR_CRYPTO;
    size_t len = 0;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        goto cleanup;
    }
    rc = init_sigver(ctx, k, s, true, mctx);
    if (rc < 0) {
        goto cleanup;
    }
    rc = CLASP_ERR_CRYPTO;
    if (EVP_DigestSign(mctx, NULL, &len, tbs, tbs_len) != 1) {
        goto cleanup;
    }
    if (len > cap) {
        rc = CLASP_ERR_BUFFER_TOO_SMALL;
        goto cleanup;
    }
    if (EVP_DigestSign(mctx, sig, &len, tbs, tbs_len) != 1) {
        goto cleanup;
    }
    *sig_len = len;
    rc = CLASP_OK;
cleanup:
    EVP_MD_CTX_free(mctx);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

int clasp_ossl_verify(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                      const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                      size_t sig_len)
{
    ENSURE(k != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(tbs != NULL || tbs_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    const sig_scheme *s = find_scheme(sig_alg);
    ENSURE(s != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(fits(k, s), CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(sig != NULL && sig_len > 0 && sig_len <= CLASP_MAX_SIG_LEN,
           CLASP_ERR_DECRYPT_ERROR);
    int rc = CLASP_ERR_CRYPTO;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        goto cleanup;
    }
    rc = init_sigver(ctx, k, s, false, mctx);
    if (rc < 0) {
        goto cleanup;
    }
    rc = EVP_DigestVerify(mctx, sig, sig_len, tbs, tbs_len) == 1
             ? CLASP_OK
             : CLASP_ERR_DECRYPT_ERROR;
cleanup:
    EVP_MD_CTX_free(mctx);
    if (rc < 0) {
        return clasp_ossl_fail(rc);
    }
    return CLASP_OK;
}

void clasp_ossl_pkey_free(clasp_pkey *k)
{
    if (k == NULL) {
        return;
    }
    for (size_t i = 0; i < MAX_SIGN_TMPL; i++) {
        EVP_PKEY_CTX_free(k->tmpl[i]);
    }
    EVP_PKEY_free(k->pkey);
    clasp_mem_free(k);
}

bool clasp_ossl_pkey_same_public(const clasp_pkey *a, const clasp_pkey *b)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    /* EVP_PKEY_eq compares the public components (and parameters). */
    bool same = EVP_PKEY_eq(a->pkey, b->pkey) == 1;
    ERR_clear_error();
    return same;
}
