/*
 * The deterministic TEST provider (see testprov.h). NO SECURITY.
 *
 * Owns: the wrapped OpenSSL provider, the FIFOs of queued random bytes,
 * kx private keys and signatures (each entry one clasp_calloc block,
 * wiped when freed), the deterministic stream state, and the wrappers of
 * AEAD handles (needed for the null AEAD mode).
 * Invariants: with the same queues and the same sequence of calls, every
 * output is the same; anything not overridden is the wrapped provider's.
 * Never: linked into libclasp; used outside tests, tools and fuzzers.
 */
#include "crypto/testprov/testprov.h"

#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "clasp/clasp.h"
#include "crypto/suites.h"

static const char testprov_name[] = "testprov (NO SECURITY)";

typedef struct tp_node {
    struct tp_node *next;
    uint16_t group; /* kx queue only */
    size_t len;
    size_t off; /* bytes already consumed (random queue) */
    uint8_t data[];
} tp_node;

typedef struct {
    clasp_provider prov; /* first: the public handle */
    clasp_provider *inner;
    tp_node *random_q;
    tp_node *kx_q;
    tp_node *sig_q;
    uint64_t counter;
    uint8_t block[32];
    size_t block_left;
    bool null_aead;
    bool null_verify;
} testprov;

typedef struct {
    const testprov *tp;
    clasp_aead *inner; /* NULL in null mode */
    size_t tag_len;
} tp_aead;

static testprov *tp_of(void *ctx)
{
    return ctx;
}

/* ---- queues ---------------------------------------------------------------
 */

static int push(tp_node **q, uint16_t group, const uint8_t *p, size_t len)
{
    ENSURE(p != NULL || len == 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(len <= SIZE_MAX - sizeof(tp_node), CLASP_ERR_BAD_INPUT_DATA);
    tp_node *n = clasp_mem_calloc(1, sizeof(tp_node) + len);
    ENSURE(n != NULL, CLASP_ERR_ALLOC_FAILED);
    n->group = group;
    n->len = len;
    if (len > 0) {
        memcpy(n->data, p, len);
    }
    while (*q != NULL) {
        q = &(*q)->next;
    }
    *q = n;
    return CLASP_OK;
}

static void free_node(tp_node *n)
{
    clasp_free_secret(n, sizeof(tp_node) + n->len);
}

static void free_queue(tp_node **q)
{
    while (*q != NULL) {
        tp_node *n = *q;
        *q = n->next;
        free_node(n);
    }
}

/* SHA-256("clasp testprov" || counter_be64), one block at a time. */
static int stream_bytes(testprov *tp, uint8_t *out, size_t n)
{
    static const char label[] = "clasp testprov";
    while (n > 0) {
        if (tp->block_left == 0) {
            uint8_t in[sizeof(label) - 1 + 8];
            memcpy(in, label, sizeof(label) - 1);
            for (size_t i = 0; i < 8; i++) {
                in[sizeof(label) - 1 + i] =
                    (uint8_t)(tp->counter >> (56 - 8 * i));
            }
            TRY(tp->inner->hash_oneshot(tp->inner->ctx, CLASP_HASH_SHA256, in,
                                        sizeof(in), tp->block,
                                        sizeof(tp->block)));
            tp->counter++;
            tp->block_left = sizeof(tp->block);
        }
        size_t take = n < tp->block_left ? n : tp->block_left;
        memcpy(out, tp->block + sizeof(tp->block) - tp->block_left, take);
        tp->block_left -= take;
        out += take;
        n -= take;
    }
    return CLASP_OK;
}

static int tp_random(void *ctx, uint8_t *out, size_t n)
{
    testprov *tp = tp_of(ctx);
    while (n > 0 && tp->random_q != NULL) {
        tp_node *h = tp->random_q;
        size_t take = h->len - h->off < n ? h->len - h->off : n;
        memcpy(out, h->data + h->off, take);
        h->off += take;
        out += take;
        n -= take;
        if (h->off == h->len) {
            tp->random_q = h->next;
            free_node(h);
        }
    }
    return stream_bytes(tp, out, n);
}

/* ---- forwarding -----------------------------------------------------------
 */

static int tp_hash_new(void *ctx, clasp_hash_id id, clasp_hash **out)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->hash_new(in->ctx, id, out);
}

static int tp_hash_oneshot(void *ctx, clasp_hash_id id, const uint8_t *p,
                           size_t n, uint8_t *out, size_t out_len)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->hash_oneshot(in->ctx, id, p, n, out, out_len);
}

static int tp_hmac(void *ctx, clasp_hash_id id, const uint8_t *key,
                   size_t key_len, const uint8_t *data, size_t data_len,
                   uint8_t *out, size_t out_len)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->hmac(in->ctx, id, key, key_len, data, data_len, out, out_len);
}

static int tp_hkdf_extract(void *ctx, clasp_hash_id id, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           uint8_t *prk, size_t prk_len)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->hkdf_extract(in->ctx, id, salt, salt_len, ikm, ikm_len, prk,
                            prk_len);
}

static int tp_hkdf_expand(void *ctx, clasp_hash_id id, const uint8_t *prk,
                          size_t prk_len, const uint8_t *info, size_t info_len,
                          uint8_t *out, size_t out_len)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->hkdf_expand(in->ctx, id, prk, prk_len, info, info_len, out,
                           out_len);
}

static int tp_kx_from_private(void *ctx, uint16_t group, const uint8_t *priv,
                              size_t priv_len, clasp_kx **out, uint8_t *pub,
                              size_t cap, size_t *pub_len)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->kx_from_private(in->ctx, group, priv, priv_len, out, pub, cap,
                               pub_len);
}

static int tp_pkey_load_private(void *ctx, const uint8_t *data, size_t len,
                                const char *password, clasp_pkey **out)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->pkey_load_private(in->ctx, data, len, password, out);
}

static int tp_pkey_from_cert(void *ctx, const uint8_t *der, size_t len,
                             clasp_pkey **out)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->pkey_from_cert(in->ctx, der, len, out);
}

static int tp_cert_decode(void *ctx, const uint8_t *data, size_t len,
                          clasp_span **ders, size_t *count)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->cert_decode(in->ctx, data, len, ders, count);
}

static int tp_trust_new(void *ctx, clasp_trust **out)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->trust_new(in->ctx, out);
}

static int tp_verify_chain(void *ctx, const clasp_trust *t,
                           const clasp_span *chain, size_t n,
                           const clasp_verify_opts *opts, clasp_pkey **leaf_key)
{
    clasp_provider *in = tp_of(ctx)->inner;
    return in->verify_chain(in->ctx, t, chain, n, opts, leaf_key);
}

/* ---- AEAD, with the null mode -----------------------------------------------
 */

static tp_aead *aead_of(clasp_aead *a)
{
    return (tp_aead *)(void *)a;
}

static int tp_aead_new(void *ctx, uint16_t suite, const uint8_t *key,
                       size_t key_len, clasp_aead **out)
{
    testprov *tp = tp_of(ctx);
    ENSURE(out != NULL && key != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    const clasp_suite *s = clasp_suite_find(suite);
    ENSURE(s != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(key_len == s->key_len, CLASP_ERR_BAD_INPUT_DATA);
    tp_aead *w = clasp_mem_calloc(1, sizeof(*w));
    ENSURE(w != NULL, CLASP_ERR_ALLOC_FAILED);
    w->tp = tp;
    w->tag_len = s->tag_len;
    if (!tp->null_aead) {
        int rc =
            tp->inner->aead_new(tp->inner->ctx, suite, key, key_len, &w->inner);
        if (rc < 0) {
            clasp_mem_free(w);
            return rc;
        }
    }
    *out = (clasp_aead *)(void *)w;
    return CLASP_OK;
}

static int tp_aead_seal(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t in_len,
                        uint8_t *out)
{
    tp_aead *w = aead_of(a);
    if (w->inner != NULL) {
        return w->tp->inner->aead_seal(w->inner, nonce, aad, aad_len, in,
                                       in_len, out);
    }
    ENSURE(out != NULL && (in != NULL || in_len == 0),
           CLASP_ERR_BAD_INPUT_DATA);
    if (in_len > 0 && out != in) {
        memmove(out, in, in_len);
    }
    memset(out + in_len, 0, w->tag_len);
    return CLASP_OK;
}

static int tp_aead_open(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t in_len,
                        uint8_t *out)
{
    static const uint8_t zeros[CLASP_MAX_AEAD_TAG_LEN];
    tp_aead *w = aead_of(a);
    if (w->inner != NULL) {
        return w->tp->inner->aead_open(w->inner, nonce, aad, aad_len, in,
                                       in_len, out);
    }
    ENSURE(out != NULL && (in != NULL || in_len == 0),
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(in_len >= w->tag_len, CLASP_ERR_BAD_RECORD_MAC);
    size_t ct_len = in_len - w->tag_len;
    uint8_t tag[CLASP_MAX_AEAD_TAG_LEN];
    clasp_span tag_span;
    TRY(clasp_span_sub(clasp_span_of(in, in_len), ct_len, w->tag_len,
                       &tag_span));
    TRY(clasp_span_copy(tag_span, tag, sizeof(tag)));
    if (!clasp_ct_equal(tag, zeros, w->tag_len)) {
        clasp_memzero(out, ct_len);
        return CLASP_ERR_BAD_RECORD_MAC;
    }
    if (ct_len > 0 && out != in) {
        TRY(clasp_span_copy(clasp_span_of(in, ct_len), out, ct_len));
    }
    return CLASP_OK;
}

static void tp_aead_free(clasp_aead *a)
{
    if (a == NULL) {
        return;
    }
    tp_aead *w = aead_of(a);
    w->tp->inner->aead_free(w->inner);
    clasp_mem_free(w);
}

/* ---- key exchange and signatures ----------------------------------------- */

static tp_node *take_kx(testprov *tp, uint16_t group)
{
    for (tp_node **q = &tp->kx_q; *q != NULL; q = &(*q)->next) {
        if ((*q)->group == group) {
            tp_node *n = *q;
            *q = n->next;
            return n;
        }
    }
    return NULL;
}

static int tp_kx_new(void *ctx, uint16_t group, clasp_kx **out, uint8_t *pub,
                     size_t cap, size_t *pub_len)
{
    testprov *tp = tp_of(ctx);
    clasp_provider *in = tp->inner;
    tp_node *n = take_kx(tp, group);
    if (n != NULL) {
        int rc = in->kx_from_private(in->ctx, group, n->data, n->len, out, pub,
                                     cap, pub_len);
        free_node(n);
        return rc;
    }
    const clasp_group *g = clasp_group_find(group);
    ENSURE(g != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    uint8_t priv[CLASP_MAX_KX_SECRET_LEN];
    int rc = CLASP_ERR_BAD_INPUT_DATA;
    /* A NIST scalar must be below the group order: draw again in the
     * (rare, but deterministic) case it is not. */
    for (int tries = 0; tries < 8 && rc == CLASP_ERR_BAD_INPUT_DATA; tries++) {
        rc = stream_bytes(tp, priv, g->secret_len);
        if (rc < 0) {
            break;
        }
        if (group == CLASP_GROUP_SECP521R1) {
            priv[0] &= 0x01; /* 521-bit scalar in 66 bytes */
        }
        rc = in->kx_from_private(in->ctx, group, priv, g->secret_len, out, pub,
                                 cap, pub_len);
    }
    clasp_memzero(priv, sizeof(priv));
    return rc;
}

static int tp_sign(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                   const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t cap,
                   size_t *sig_len)
{
    testprov *tp = tp_of(ctx);
    clasp_provider *in = tp->inner;
    if (tp->sig_q == NULL) {
        return in->sign(in->ctx, k, sig_alg, tbs, tbs_len, sig, cap, sig_len);
    }
    ENSURE(k != NULL && sig != NULL && sig_len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(in->pkey_fits(k, sig_alg), CLASP_ERR_ILLEGAL_PARAMETER);
    tp_node *n = tp->sig_q;
    TRY(clasp_copy(sig, cap, n->data, n->len));
    *sig_len = n->len;
    tp->sig_q = n->next;
    free_node(n);
    return CLASP_OK;
}

static int tp_verify(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                     const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                     size_t sig_len)
{
    testprov *tp = tp_of(ctx);
    clasp_provider *in = tp->inner;
    if (tp->null_verify) {
        ENSURE(k != NULL && in->pkey_fits(k, sig_alg),
               CLASP_ERR_ILLEGAL_PARAMETER);
        return CLASP_OK;
    }
    return in->verify(in->ctx, k, sig_alg, tbs, tbs_len, sig, sig_len);
}

/* ---- life cycle and test API ------------------------------------------------
 */

void clasp_testprov_reset(clasp_provider *prov)
{
    if (prov == NULL || prov->name != testprov_name) {
        return;
    }
    testprov *tp = (testprov *)prov;
    free_queue(&tp->random_q);
    free_queue(&tp->kx_q);
    free_queue(&tp->sig_q);
    tp->counter = 0;
    tp->block_left = 0;
    clasp_memzero(tp->block, sizeof(tp->block));
}

static void tp_destroy(clasp_provider *prov)
{
    if (prov == NULL) {
        return;
    }
    testprov *tp = (testprov *)prov;
    clasp_testprov_reset(prov);
    if (tp->inner != NULL) {
        tp->inner->destroy(tp->inner);
    }
    clasp_mem_free(tp);
}

static void set_ops(clasp_provider *p, const clasp_provider *in)
{
    *p = *in; /* handle-level operations are the wrapped provider's */
    p->name = testprov_name;
    p->destroy = tp_destroy;
    p->random = tp_random;
    p->hash_new = tp_hash_new;
    p->hash_oneshot = tp_hash_oneshot;
    p->hmac = tp_hmac;
    p->hkdf_extract = tp_hkdf_extract;
    p->hkdf_expand = tp_hkdf_expand;
    p->aead_new = tp_aead_new;
    p->aead_seal = tp_aead_seal;
    p->aead_seal2 = NULL; /* every seal goes through tp_aead_seal */
    p->aead_open = tp_aead_open;
    p->aead_free = tp_aead_free;
    p->kx_new = tp_kx_new;
    p->kx_from_private = tp_kx_from_private;
    p->pkey_load_private = tp_pkey_load_private;
    p->pkey_from_cert = tp_pkey_from_cert;
    p->sign = tp_sign;
    p->verify = tp_verify;
    p->cert_decode = tp_cert_decode;
    p->trust_new = tp_trust_new;
    p->verify_chain = tp_verify_chain;
}

int clasp_testprov_new(clasp_provider **out)
{
    ENSURE(out != NULL, CLASP_ERR_BAD_INPUT_DATA);
    *out = NULL;
    testprov *tp = clasp_mem_calloc(1, sizeof(*tp));
    ENSURE(tp != NULL, CLASP_ERR_ALLOC_FAILED);
    int rc = clasp_ossl_provider_new(NULL, NULL, &tp->inner);
    if (rc < 0) {
        clasp_mem_free(tp);
        return rc;
    }
    set_ops(&tp->prov, tp->inner);
    tp->prov.ctx = tp;
    *out = &tp->prov;
    return CLASP_OK;
}

static testprov *as_testprov(clasp_provider *prov)
{
    if (prov == NULL || prov->name != testprov_name) {
        return NULL;
    }
    return (testprov *)prov;
}

int clasp_testprov_queue_random(clasp_provider *prov, const uint8_t *bytes,
                                size_t len)
{
    testprov *tp = as_testprov(prov);
    ENSURE(tp != NULL, CLASP_ERR_BAD_INPUT_DATA);
    if (len == 0) {
        return CLASP_OK;
    }
    return push(&tp->random_q, 0, bytes, len);
}

size_t clasp_testprov_random_left(const clasp_provider *prov)
{
    if (prov == NULL || prov->name != testprov_name) {
        return 0;
    }
    const testprov *tp = (const testprov *)prov;
    size_t left = 0;
    for (const tp_node *n = tp->random_q; n != NULL; n = n->next) {
        left += n->len - n->off;
    }
    return left;
}

int clasp_testprov_queue_kx_private(clasp_provider *prov, uint16_t group,
                                    const uint8_t *priv, size_t len)
{
    testprov *tp = as_testprov(prov);
    ENSURE(tp != NULL && priv != NULL, CLASP_ERR_BAD_INPUT_DATA);
    const clasp_group *g = clasp_group_find(group);
    ENSURE(g != NULL, CLASP_ERR_UNSUPPORTED_ALG);
    ENSURE(len == g->secret_len, CLASP_ERR_BAD_INPUT_DATA);
    return push(&tp->kx_q, group, priv, len);
}

int clasp_testprov_queue_signature(clasp_provider *prov, const uint8_t *sig,
                                   size_t len)
{
    testprov *tp = as_testprov(prov);
    ENSURE(tp != NULL && sig != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(len > 0 && len <= CLASP_MAX_SIG_LEN, CLASP_ERR_BAD_INPUT_DATA);
    return push(&tp->sig_q, 0, sig, len);
}

void clasp_testprov_set_null_aead(clasp_provider *prov, bool on)
{
    testprov *tp = as_testprov(prov);
    if (tp != NULL) {
        tp->null_aead = on;
    }
}

void clasp_testprov_set_null_verify(clasp_provider *prov, bool on)
{
    testprov *tp = as_testprov(prov);
    if (tp != NULL) {
        tp->null_verify = on;
    }
}
