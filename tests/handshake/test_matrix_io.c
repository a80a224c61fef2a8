/* The handshake matrix in the partial-I/O modes: a cover set in which
 * every cipher suite, every group and every server certificate type
 * appears at least once, run one byte at a time, with short writes (7
 * bytes per call and every other send refused with WANT_WRITE), and with
 * the two peers' steps interleaved in a seeded random order. Also the
 * RSA-PSS hash variants chosen through the client's signature_algorithms. */
#include "testlib.h"

#include <string.h>

#include "pipe.h"

static const uint16_t suites[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256,       CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256,
};
static const uint16_t groups[] = {
    CLASP_GROUP_X25519,    CLASP_GROUP_SECP256R1, CLASP_GROUP_X448,
    CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1,
};

/* Seven cases: kind i with suite i % 5 and group 3i % 5, so that suites,
 * groups and kinds are all covered; every other case adds client
 * authentication. */
static void run_cover(size_t max_io, int write_block, uint32_t seed)
{
    unsigned seen_suite = 0, seen_group = 0, seen_kind = 0;
    for (size_t i = 0; i < TP_KIND_COUNT; i++) {
        tp_case c = {
            .suite = suites[i % 5],
            .group = groups[(3 * i) % 5],
            .srv_kind = tp_kinds[i],
            .cli_kind = i % 2 == 0 ? tp_kinds[(i + 3) % TP_KIND_COUNT] : NULL,
            .max_io = max_io,
            .write_block = write_block,
            .shuffle_seed = seed != 0 ? seed + (uint32_t)i : 0,
        };
        tp_run_case(&c);
        seen_suite |= 1u << (i % 5);
        seen_group |= 1u << ((3 * i) % 5);
        seen_kind |= 1u << i;
    }
    /* The cover really covers. */
    assert_int_equal(seen_suite, 0x1f);
    assert_int_equal(seen_group, 0x1f);
    assert_int_equal(seen_kind, 0x7f);
}

static void matrix_one_byte_at_a_time(void **state)
{
    (void)state;
    run_cover(1, 0, 0);
}

static void matrix_short_writes(void **state)
{
    (void)state;
    run_cover(7, 1, 0);
}

static void matrix_short_writes_odd_sizes(void **state)
{
    (void)state;
    /* A size that is neither a record header nor a record multiple. */
    run_cover(1000, 1, 0);
}

static void matrix_shuffled_turns(void **state)
{
    (void)state;
    run_cover(0, 0, 0x5eed);
    run_cover(3, 1, 0xc1a5);
}

/* RFC 8446 §4.2.3: the peer signs with a scheme from our list; for RSA
 * keys the hash follows it. */
static void rsa_pss_hash_follows_client_sig_algs(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        uint16_t alg;
    } cases[] = {
        {"rsa2048", CLASP_SIG_RSA_PSS_RSAE_SHA384},
        {"rsa2048", CLASP_SIG_RSA_PSS_RSAE_SHA512},
        {"rsapss", CLASP_SIG_RSA_PSS_PSS_SHA384},
        {"rsapss", CLASP_SIG_RSA_PSS_PSS_SHA512},
        {"ecdsa-p384", CLASP_SIG_ECDSA_SECP384R1_SHA384},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf(cases[i].kind);
        assert_clasp_ok(clasp_conf_sig_algs(cc, &cases[i].alg, 1));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        tp_pair_connect(&t);
        assert_int_equal(clasp_get_peer_sig_alg(t.cli), cases[i].alg);
        tp_pair_free(&t);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

/* A scheme the server's key cannot make: no certificate fits
 * (RFC 8446 §4.4.2.2 -> handshake_failure). */
static void no_fitting_sig_alg_is_handshake_failure(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    uint16_t alg = CLASP_SIG_ECDSA_SECP384R1_SHA384;
    assert_clasp_ok(clasp_conf_sig_algs(cc, &alg, 1));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    int rc = tp_pair_handshake(&t);
    assert_clasp_err(t.src, CLASP_ERR_HANDSHAKE_FAILURE);
    assert_clasp_err(t.crc, CLASP_ERR_PEER_ALERT);
    assert_clasp_err(rc, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_HANDSHAKE_FAILURE);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix_one_byte_at_a_time),
        cmocka_unit_test(matrix_short_writes),
        cmocka_unit_test(matrix_short_writes_odd_sizes),
        cmocka_unit_test(matrix_shuffled_turns),
        cmocka_unit_test(rsa_pss_hash_follows_client_sig_algs),
        cmocka_unit_test(no_fitting_sig_alg_is_handshake_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
