/* A failing crypto provider (SECURITY-CHECKLIST 57): both peers use a
 * provider that forwards to OpenSSL but fails the N-th call of any
 * operation that can fail, for every N through a whole handshake with
 * client authentication, HRR, data and a KeyUpdate, full or resumed (with
 * NewSessionTickets). A failure must never
 * be ignored: the side that saw it ends with CLASP_ERR_CRYPTO (sticky),
 * and the peer either gets internal_error or still waits; never a wrong
 * Finished, a bad MAC or any other error at either side. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "hs/config.h"
#include "pipe.h"

static clasp_provider g_real; /* the OpenSSL function table */
static long g_calls;
static long g_fail_at;        /* 1-based call to fail, 0: never */
static clasp_session *g_sess; /* resume with it, if set */
static int g_pha;             /* client auth after the handshake (#6) */

static int tick(void)
{
    g_calls++;
    return g_fail_at != 0 && g_calls == g_fail_at;
}

#define FAIL_OR(call)                \
    do {                             \
        if (tick()) {                \
            return CLASP_ERR_CRYPTO; \
        }                            \
        return call;                 \
    } while (0)

static int w_random(void *ctx, uint8_t *out, size_t n)
{
    FAIL_OR(g_real.random(ctx, out, n));
}

static int w_hash_new(void *ctx, clasp_hash_id id, clasp_hash **out)
{
    FAIL_OR(g_real.hash_new(ctx, id, out));
}

static int w_hash_update(clasp_hash *h, const uint8_t *p, size_t n)
{
    FAIL_OR(g_real.hash_update(h, p, n));
}

static int w_hash_dup(const clasp_hash *h, clasp_hash **out)
{
    FAIL_OR(g_real.hash_dup(h, out));
}

static int w_hash_final(clasp_hash *h, uint8_t *out, size_t out_len)
{
    FAIL_OR(g_real.hash_final(h, out, out_len));
}

static int w_hash_oneshot(void *ctx, clasp_hash_id id, const uint8_t *p,
                          size_t n, uint8_t *out, size_t out_len)
{
    FAIL_OR(g_real.hash_oneshot(ctx, id, p, n, out, out_len));
}

static int w_hmac(void *ctx, clasp_hash_id id, const uint8_t *key,
                  size_t key_len, const uint8_t *data, size_t data_len,
                  uint8_t *out, size_t out_len)
{
    FAIL_OR(g_real.hmac(ctx, id, key, key_len, data, data_len, out, out_len));
}

static int w_hkdf_extract(void *ctx, clasp_hash_id id, const uint8_t *salt,
                          size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                          uint8_t *prk, size_t prk_len)
{
    FAIL_OR(g_real.hkdf_extract(ctx, id, salt, salt_len, ikm, ikm_len, prk,
                                prk_len));
}

static int w_hkdf_expand(void *ctx, clasp_hash_id id, const uint8_t *prk,
                         size_t prk_len, const uint8_t *info, size_t info_len,
                         uint8_t *out, size_t out_len)
{
    FAIL_OR(g_real.hkdf_expand(ctx, id, prk, prk_len, info, info_len, out,
                               out_len));
}

static int w_aead_new(void *ctx, uint16_t suite, const uint8_t *key,
                      size_t key_len, clasp_aead **out)
{
    FAIL_OR(g_real.aead_new(ctx, suite, key, key_len, out));
}

static int w_aead_seal(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t in_len,
                       uint8_t *out)
{
    FAIL_OR(g_real.aead_seal(a, nonce, aad, aad_len, in, in_len, out));
}

static int w_aead_seal2(clasp_aead *a, const uint8_t *nonce, const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t in_len,
                        const uint8_t *tail, size_t tail_len, uint8_t *out)
{
    FAIL_OR(g_real.aead_seal2(a, nonce, aad, aad_len, in, in_len, tail,
                              tail_len, out));
}

static int w_kx_new(void *ctx, uint16_t group, clasp_kx **out, uint8_t *pub,
                    size_t cap, size_t *pub_len)
{
    FAIL_OR(g_real.kx_new(ctx, group, out, pub, cap, pub_len));
}

static int w_kx_derive(clasp_kx *kx, const uint8_t *peer, size_t peer_len,
                       uint8_t *ss, size_t cap, size_t *ss_len)
{
    FAIL_OR(g_real.kx_derive(kx, peer, peer_len, ss, cap, ss_len));
}

static int w_pkey_from_cert(void *ctx, const uint8_t *der, size_t len,
                            clasp_pkey **out)
{
    FAIL_OR(g_real.pkey_from_cert(ctx, der, len, out));
}

static int w_sign(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                  const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t cap,
                  size_t *sig_len)
{
    FAIL_OR(g_real.sign(ctx, k, sig_alg, tbs, tbs_len, sig, cap, sig_len));
}

static int w_verify(void *ctx, const clasp_pkey *k, uint16_t sig_alg,
                    const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                    size_t sig_len)
{
    FAIL_OR(g_real.verify(ctx, k, sig_alg, tbs, tbs_len, sig, sig_len));
}

static int w_verify_chain(void *ctx, const clasp_trust *t,
                          const clasp_span *chain, size_t n,
                          const clasp_verify_opts *opts, clasp_pkey **leaf_key)
{
    if (leaf_key != NULL) {
        *leaf_key = NULL;
    }
    FAIL_OR(g_real.verify_chain(ctx, t, chain, n, opts, leaf_key));
}

/* The wrapper owns the real provider it forwards to. */
typedef struct {
    clasp_provider w;
    clasp_provider *real;
} wrapped;

static void w_destroy(clasp_provider *prov)
{
    wrapped *x = (wrapped *)prov;
    x->real->destroy(x->real);
    free(x);
}

static clasp_provider *failing_provider(void)
{
    wrapped *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &x->real));
    g_real = *x->real;
    x->w = *x->real;
    x->w.name = "failing";
    x->w.destroy = w_destroy;
    x->w.random = w_random;
    x->w.hash_new = w_hash_new;
    x->w.hash_update = w_hash_update;
    x->w.hash_dup = w_hash_dup;
    x->w.hash_final = w_hash_final;
    x->w.hash_oneshot = w_hash_oneshot;
    x->w.hmac = w_hmac;
    x->w.hkdf_extract = w_hkdf_extract;
    x->w.hkdf_expand = w_hkdf_expand;
    x->w.aead_new = w_aead_new;
    x->w.aead_seal = w_aead_seal;
    x->w.aead_seal2 = x->real->aead_seal2 != NULL ? w_aead_seal2 : NULL;
    x->w.kx_new = w_kx_new;
    x->w.kx_derive = w_kx_derive;
    x->w.pkey_from_cert = w_pkey_from_cert;
    x->w.sign = w_sign;
    x->w.verify = w_verify;
    x->w.verify_chain = w_verify_chain;
    return &x->w;
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

/* One connection; returns 1 if it completed with no failure. */
static int run_once(clasp_config *cc, clasp_config *sc, long fail_at,
                    long *calls)
{
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    if (g_sess != NULL) {
        assert_clasp_ok(clasp_set_session(t.cli, g_sess));
    }
    g_calls = 0;
    g_fail_at = fail_at;
    int rc = tp_pair_handshake(&t);
    static const uint8_t msg[] = "data after the handshake";
    if (rc == 0) {
        rc = clasp_key_update(t.srv, 1);
    }
    if (rc == 0 && g_pha) {
        rc = clasp_verify_client_post_handshake(t.srv);
    }
    if (rc == 0) {
        rc = tp_transfer(t.cli, t.srv, msg, sizeof(msg));
    }
    if (rc == 0) {
        rc = tp_transfer(t.srv, t.cli, msg, sizeof(msg));
    }
    if (rc == 0 && g_pha) {
        rc = tp_transfer(t.cli, t.srv, msg, sizeof(msg));
        if (rc == 0 &&
            clasp_get_post_handshake_auth(t.srv) != CLASP_PHA_VERIFIED) {
            fail_msg("call %ld: post-handshake auth not verified", fail_at);
        }
    }
    if (rc == 0 && g_sess != NULL && !clasp_is_session_resumed(t.srv)) {
        fail_msg("call %ld: the handshake did not resume", fail_at);
    }
    int crc = 0, src = 0;
    if (rc != 0) {
        unsigned char b[4];
        crc = clasp_read(t.cli, b, sizeof(b));
        src = clasp_read(t.srv, b, sizeof(b));
    }
    *calls = g_calls;
    g_fail_at = 0;
    if (rc != 0) {
        int rcs[2] = {crc, src};
        clasp_context *ctx[2] = {t.cli, t.srv};
        int hit = 0;
        for (int i = 0; i < 2; i++) {
            if (rcs[i] == CLASP_ERR_CRYPTO) {
                hit = 1;
            } else if (rcs[i] == CLASP_ERR_PEER_ALERT &&
                       clasp_get_peer_alert(ctx[i]) ==
                           CLASP_ALERT_INTERNAL_ERROR) {
                continue;
            } else if (!retry(rcs[i])) {
                fail_msg("call %ld failed: client %s (alert %d), server "
                         "%s (alert %d)",
                         fail_at, clasp_error_name(crc),
                         clasp_get_peer_alert(t.cli), clasp_error_name(src),
                         clasp_get_peer_alert(t.srv));
            }
        }
        if (!hit) {
            fail_msg("call %ld failed and nobody noticed", fail_at);
        }
    }
    tp_pair_free(&t);
    return rc == 0;
}

static void run_all(int resume, int pha)
{
    g_pha = pha;
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(cc);
    assert_non_null(sc);
    assert_clasp_ok(clasp_config_set_provider(cc, failing_provider()));
    assert_clasp_ok(clasp_config_set_provider(sc, failing_provider()));
    assert_clasp_ok(clasp_conf_ca_file(cc, TP_PKI "all-roots.pem"));
    tp_conf_add_cert(cc, "rsa2048");
    tp_conf_add_cert(sc, "ecdsa-p384");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    const uint16_t g = CLASP_GROUP_SECP256R1;
    assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
    assert_clasp_ok(clasp_conf_hrr_cookie(sc, 1));
    if (pha) {
        assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
        assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    }
    long total, again;
    /* The server draws its first ticket key when it seals its first
     * ticket (src/tickets/ticket_keys.c): a first run makes that key, so
     * that every later run makes the same calls. */
    assert_int_equal(run_once(cc, sc, 0, &total), 1);
    if (resume) {
        /* A session of a good full handshake, with its tickets. */
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        tp_pair_connect(&t);
        assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
        g_sess = clasp_session_new();
        assert_clasp_ok(clasp_get_session(t.cli, g_sess));
        tp_pair_free(&t);
    }
    assert_int_equal(run_once(cc, sc, 0, &total), 1);
    assert_int_equal(run_once(cc, sc, 0, &again), 1);
    assert_int_equal(total, again);
    assert_true(total > 50 && total < 100000);
    for (long n = 1; n <= total; n++) {
        long c;
        assert_int_equal(run_once(cc, sc, n, &c), 0);
    }
    assert_int_equal(run_once(cc, sc, total + 1, &again), 1);
    clasp_session_free(g_sess);
    g_sess = NULL;
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void every_crypto_call_may_fail(void **state)
{
    (void)state;
    run_all(0, 0);
}

/* Resumed (RFC 8446 §2.2): binders, the ticket opened, psk_dhe_ke, and
 * the new tickets sealed and stored. */
static void every_crypto_call_may_fail_resuming(void **state)
{
    (void)state;
    run_all(1, 0);
}

/* Post-handshake authentication (RFC 8446 §4.6.2): the request sealed,
 * the transcript copied, the client's chain verified and its
 * CertificateVerify and Finished checked. */
static void every_crypto_call_may_fail_in_pha(void **state)
{
    (void)state;
    run_all(0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_crypto_call_may_fail),
        cmocka_unit_test(every_crypto_call_may_fail_resuming),
        cmocka_unit_test(every_crypto_call_may_fail_in_pha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
