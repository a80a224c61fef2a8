/*
 * The deterministic test provider's own behaviour (testprov.h): queued
 * randoms, the counter stream, queued kx private keys and signatures,
 * null AEAD and null verify modes, determinism across instances.
 */
#include "testlib.h"

#include <string.h>

#include "base/mem.h"
#include "crypto/provider.h"
#include "crypto/suites.h"
#include "crypto/testprov/testprov.h"

static clasp_provider *new_tp(void)
{
    clasp_provider *p = NULL;
    assert_clasp_ok(clasp_testprov_new(&p));
    assert_non_null(p);
    return p;
}

/* Stream block i is SHA-256("clasp testprov" || i as 8 bytes big-endian)
 * (the definition in testprov.h), computed here with the real provider. */
static void stream_block(uint64_t i, uint8_t out[32])
{
    clasp_provider *o = NULL;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &o));
    uint8_t in[22];
    memcpy(in, "clasp testprov", 14);
    for (int b = 0; b < 8; b++) {
        in[14 + b] = (uint8_t)(i >> (56 - 8 * b));
    }
    assert_clasp_ok(
        o->hash_oneshot(o->ctx, CLASP_HASH_SHA256, in, sizeof(in), out, 32));
    o->destroy(o);
}

static void test_random_queue_then_stream(void **state)
{
    (void)state;
    clasp_provider *p = new_tp();
    static const uint8_t q1[] = {1, 2, 3}, q2[] = {4, 5, 6, 7, 8};
    assert_clasp_ok(clasp_testprov_queue_random(p, q1, sizeof(q1)));
    assert_clasp_ok(clasp_testprov_queue_random(p, q2, sizeof(q2)));
    assert_int_equal(clasp_testprov_random_left(p), 8);
    uint8_t out[40];
    /* consumed as one byte stream across entries and calls */
    assert_clasp_ok(p->random(p->ctx, out, 2));
    assert_memory_equal(out, q1, 2);
    assert_clasp_ok(p->random(p->ctx, out, 4));
    static const uint8_t want[] = {3, 4, 5, 6};
    assert_memory_equal(out, want, 4);
    assert_int_equal(clasp_testprov_random_left(p), 2);
    /* the rest of the queue, then the stream from block 0 */
    assert_clasp_ok(p->random(p->ctx, out, 40));
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 8);
    uint8_t b0[32], b1[32];
    stream_block(0, b0);
    stream_block(1, b1);
    assert_memory_equal(out + 2, b0, 32);
    assert_memory_equal(out + 34, b1, 6);
    assert_int_equal(clasp_testprov_random_left(p), 0);

    /* reset restarts the stream */
    clasp_testprov_reset(p);
    assert_clasp_ok(p->random(p->ctx, out, 32));
    assert_memory_equal(out, b0, 32);
    p->destroy(p);
}

static void test_determinism(void **state)
{
    (void)state;
    clasp_provider *a = new_tp(), *b = new_tp();
    static const uint8_t seed[] = "same queue";
    clasp_provider *both[2] = {a, b};
    uint8_t r[2][64], pub[2][133], ss[2][66];
    size_t pub_len[2], ss_len[2];
    for (int i = 0; i < 2; i++) {
        clasp_provider *p = both[i];
        assert_clasp_ok(clasp_testprov_queue_random(p, seed, sizeof(seed)));
        assert_clasp_ok(p->random(p->ctx, r[i], sizeof(r[i])));
        clasp_kx *k1 = NULL, *k2 = NULL;
        uint8_t pub2[133];
        size_t pub2_len = 0;
        assert_clasp_ok(p->kx_new(p->ctx, CLASP_GROUP_SECP521R1, &k1, pub[i],
                                  sizeof(pub[i]), &pub_len[i]));
        assert_clasp_ok(p->kx_new(p->ctx, CLASP_GROUP_SECP521R1, &k2, pub2,
                                  sizeof(pub2), &pub2_len));
        assert_memory_not_equal(pub[i], pub2, pub2_len);
        assert_clasp_ok(
            p->kx_derive(k1, pub2, pub2_len, ss[i], sizeof(ss[i]), &ss_len[i]));
        p->kx_free(k1);
        p->kx_free(k2);
    }
    assert_memory_equal(r[0], r[1], sizeof(r[0]));
    assert_memory_equal(r[0], seed, sizeof(seed));
    assert_int_equal(pub_len[0], 133);
    assert_memory_equal(pub[0], pub[1], 133);
    assert_int_equal(ss_len[0], 66);
    assert_memory_equal(ss[0], ss[1], 66);
    a->destroy(a);
    b->destroy(b);
}

/* RFC 7748 §6.1: a queued X25519 private key gives Alice's public key. */
static void test_kx_queue(void **state)
{
    (void)state;
    clasp_provider *p = new_tp();
    uint8_t alice[32], alice_pub[32], pub[133], p256[32];
    th_hex_into(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        alice, sizeof(alice));
    th_hex_into(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        alice_pub, sizeof(alice_pub));
    memset(p256, 0x42, sizeof(p256));
    /* queued for another group first: kx_new(x25519) skips it */
    assert_clasp_ok(clasp_testprov_queue_kx_private(p, CLASP_GROUP_SECP256R1,
                                                    p256, sizeof(p256)));
    assert_clasp_ok(clasp_testprov_queue_kx_private(p, CLASP_GROUP_X25519,
                                                    alice, sizeof(alice)));
    clasp_kx *kx = NULL;
    size_t len = 0;
    assert_clasp_ok(
        p->kx_new(p->ctx, CLASP_GROUP_X25519, &kx, pub, sizeof(pub), &len));
    assert_int_equal(len, 32);
    assert_memory_equal(pub, alice_pub, 32);
    p->kx_free(kx);
    /* consumed: the next one comes from the stream */
    assert_clasp_ok(
        p->kx_new(p->ctx, CLASP_GROUP_X25519, &kx, pub, sizeof(pub), &len));
    assert_memory_not_equal(pub, alice_pub, 32);
    p->kx_free(kx);
    /* the P-256 entry is still there and is used now */
    uint8_t want[65];
    size_t want_len = 0;
    assert_clasp_ok(p->kx_from_private(p->ctx, CLASP_GROUP_SECP256R1, p256, 32,
                                       &kx, want, sizeof(want), &want_len));
    p->kx_free(kx);
    assert_clasp_ok(
        p->kx_new(p->ctx, CLASP_GROUP_SECP256R1, &kx, pub, sizeof(pub), &len));
    assert_int_equal(len, 65);
    assert_memory_equal(pub, want, 65);
    p->kx_free(kx);

    assert_clasp_err(
        clasp_testprov_queue_kx_private(p, CLASP_GROUP_X25519, alice, 31),
        CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_testprov_queue_kx_private(p, 0x0100, alice, 32),
                     CLASP_ERR_UNSUPPORTED_ALG);
    p->destroy(p);
}

static clasp_pkey *load_key(clasp_provider *p, const char *path)
{
    size_t len = 0;
    uint8_t *data = th_read_file(path, &len);
    clasp_pkey *k = NULL;
    assert_clasp_ok(p->pkey_load_private(p->ctx, data, len, NULL, &k));
    th_free(data);
    return k;
}

static void test_signature_queue(void **state)
{
    (void)state;
    clasp_provider *p = new_tp();
    clasp_pkey *k = load_key(p, "pki/ecdsa-p256/leaf.key");
    static const uint8_t rec[] = "a recorded signature";
    static const uint8_t tbs[] = "tbs";
    uint8_t sig[CLASP_MAX_SIG_LEN];
    size_t sig_len = 0;
    const uint16_t alg = CLASP_SIG_ECDSA_SECP256R1_SHA256;
    assert_clasp_ok(clasp_testprov_queue_signature(p, rec, sizeof(rec)));
    /* a key that does not fit: refused, the entry stays */
    assert_clasp_err(p->sign(p->ctx, k, CLASP_SIG_ED25519, tbs, 3, sig,
                             sizeof(sig), &sig_len),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    assert_clasp_err(p->sign(p->ctx, k, alg, tbs, 3, sig, 4, &sig_len),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_clasp_ok(
        p->sign(p->ctx, k, alg, tbs, 3, sig, sizeof(sig), &sig_len));
    assert_int_equal(sig_len, sizeof(rec));
    assert_memory_equal(sig, rec, sizeof(rec));
    /* queue empty: a real signature */
    assert_clasp_ok(
        p->sign(p->ctx, k, alg, tbs, 3, sig, sizeof(sig), &sig_len));
    assert_clasp_ok(p->verify(p->ctx, k, alg, tbs, 3, sig, sig_len));
    assert_clasp_err(p->verify(p->ctx, k, alg, tbs, 3, rec, sizeof(rec)),
                     CLASP_ERR_DECRYPT_ERROR);

    /* null verify: anything verifies, but the key must still fit */
    clasp_testprov_set_null_verify(p, true);
    assert_clasp_ok(p->verify(p->ctx, k, alg, tbs, 3, rec, sizeof(rec)));
    assert_clasp_err(
        p->verify(p->ctx, k, CLASP_SIG_ED448, tbs, 3, rec, sizeof(rec)),
        CLASP_ERR_ILLEGAL_PARAMETER);
    clasp_testprov_set_null_verify(p, false);
    assert_clasp_err(p->verify(p->ctx, k, alg, tbs, 3, rec, sizeof(rec)),
                     CLASP_ERR_DECRYPT_ERROR);

    assert_clasp_err(clasp_testprov_queue_signature(p, rec, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    p->pkey_free(k);
    p->destroy(p);
}

static void test_null_aead(void **state)
{
    (void)state;
    clasp_provider *p = new_tp();
    static const uint16_t suites[] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    uint8_t key[32] = {0}, nonce[12] = {0}, aad[5] = {23, 3, 3, 0, 20};
    static const uint8_t pt[] = "null aead record";
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        const clasp_suite *s = clasp_suite_find(suites[i]);
        clasp_aead *real = NULL, *null = NULL;
        assert_clasp_ok(p->aead_new(p->ctx, suites[i], key, s->key_len,
                                    &real)); /* created before the switch */
        clasp_testprov_set_null_aead(p, true);
        assert_clasp_ok(p->aead_new(p->ctx, suites[i], key, s->key_len, &null));
        clasp_testprov_set_null_aead(p, false);
        uint8_t buf[64], out[64];
        size_t len = sizeof(pt) + s->tag_len;
        assert_clasp_ok(p->aead_seal(null, nonce, aad, 5, pt, sizeof(pt), buf));
        assert_memory_equal(buf, pt, sizeof(pt));
        for (size_t t = 0; t < s->tag_len; t++) {
            assert_int_equal(buf[sizeof(pt) + t], 0);
        }
        assert_clasp_ok(p->aead_open(null, nonce, aad, 5, buf, len, out));
        assert_memory_equal(out, pt, sizeof(pt));
        assert_clasp_ok(p->aead_open(null, nonce, aad, 5, buf, len, buf));
        assert_memory_equal(buf, pt, sizeof(pt));
        /* the real handle does not accept a null record */
        assert_clasp_err(p->aead_open(real, nonce, aad, 5, buf, len, out),
                         CLASP_ERR_BAD_RECORD_MAC);
        buf[len - 1] = 1;
        assert_clasp_err(p->aead_open(null, nonce, aad, 5, buf, len, out),
                         CLASP_ERR_BAD_RECORD_MAC);
        assert_clasp_err(
            p->aead_open(null, nonce, aad, 5, buf, s->tag_len - 1, out),
            CLASP_ERR_BAD_RECORD_MAC);
        p->aead_free(real);
        p->aead_free(null);
    }
    clasp_aead *a = NULL;
    clasp_testprov_set_null_aead(p, true);
    assert_clasp_err(
        p->aead_new(p->ctx, CLASP_TLS1_3_AES_128_GCM_SHA256, key, 15, &a),
        CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(p->aead_new(p->ctx, 0x1306, key, 16, &a),
                     CLASP_ERR_UNSUPPORTED_ALG);
    p->destroy(p);
}

/* The test API refuses a provider that is not the test provider. */
static void test_api_on_other_provider(void **state)
{
    (void)state;
    clasp_provider *o = NULL;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &o));
    uint8_t b[32] = {0};
    assert_clasp_err(clasp_testprov_queue_random(o, b, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(
        clasp_testprov_queue_kx_private(o, CLASP_GROUP_X25519, b, 32),
        CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_testprov_queue_signature(o, b, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_int_equal(clasp_testprov_random_left(o), 0);
    clasp_testprov_set_null_aead(o, true); /* ignored */
    clasp_testprov_reset(o);               /* ignored */
    assert_clasp_err(clasp_testprov_queue_random(NULL, b, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    o->destroy(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_queue_then_stream),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_kx_queue),
        cmocka_unit_test(test_signature_queue),
        cmocka_unit_test(test_null_aead),
        cmocka_unit_test(test_api_on_other_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
