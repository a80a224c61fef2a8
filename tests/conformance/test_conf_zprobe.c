#include "scripted_peer.h"
#include "testlib.h"
#include <stdlib.h>
#include <string.h>

/* 1: cookie-only HRR */
static void cookie_only_hrr(void **state)
{
    (void)state;
    sp_t s;
    sp_start(&s, SP_SERVER, NULL);
    static const uint8_t cookie[] = "cookie";
    s.cfg.cookie = cookie;
    s.cfg.cookie_len = sizeof(cookie);
    tp_flight f = {0};
    sp_victim_wants_read(&s);
    /* peek CH1 key_share */
    size_t off, l1;
    uint8_t ch1[2048];
    size_t ch1len = s.in->len - 5;
    memcpy(ch1, s.in->buf + 5, ch1len);
    assert_int_equal(tp_hello_ext(ch1, ch1len, 51, &off, &l1), 1);
    sp_srv_recv_hello(&s);
    sp_srv_hrr(&s, &f, 0);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    int rc = sp_victim(&s);
    printf("victim rc after cookie-only HRR: %s, out %zu\n",
           clasp_error_name(rc), s.in->len);
    if (s.in->len > 11) {
        uint8_t *p = s.in->buf;
        size_t n = s.in->len;
        if (p[0] == 20) {
            p += 6;
            n -= 6;
        }
        size_t off2, l2;
        if (tp_hello_ext(p + 5, n - 5, 51, &off2, &l2))
            printf("CH2 key_share len %zu (CH1 %zu)\n", l2, l1);
    }
    sp_free(&s);
}

/* 2: CH2 with an added unknown ext / early_data */
static void ch2_adds_extension(void **state)
{
    (void)state;
    for (int v = 0; v < 3; v++) {
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        const uint16_t g = CLASP_GROUP_SECP256R1;
        assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        tp_flight f = {0};
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_victim_wants_read(&s);
        assert_int_equal(sp_cli_recv_hello(&s), 1);
        static const uint8_t unk[] = {0x7a, 0x7a, 0, 0};
        static const uint8_t ed[] = {0x00, 0x2a, 0, 0};
        static const uint8_t sr[] = {0x00, 0x05, 0, 5, 1, 0, 0, 0, 0};
        s.cfg.ch_ext = v == 0 ? unk : v == 1 ? ed : sr;
        s.cfg.ch_ext_len = v == 2 ? 9 : 4;
        sp_ccs(&s);
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        int rc = sp_victim(&s);
        printf("CH2 adds ext %d: victim rc %s\n", v, clasp_error_name(rc));
        sp_free(&s);
        clasp_config_free(sc);
    }
}

static int sni_cb(void *arg, clasp_context *ssl, const unsigned char *n,
                  size_t l)
{
    (void)arg;
    (void)ssl;
    (void)n;
    (void)l;
    return 0;
}

/* 3: server hostname after reset */
static void server_hostname_after_reset(void **state)
{
    (void)state;
    sp_t s;
    sp_start(&s, SP_CLIENT, NULL);
    s.cfg.sni = "server.test";
    sp_cli_handshake(&s);
    printf("hostname 1: %s\n", clasp_get_hostname(s.v));
    assert_clasp_ok(clasp_session_reset(s.v));
    sp_restart(&s);
    s.cfg.sni = NULL;
    sp_cli_handshake(&s);
    printf("hostname 2 (no SNI): %s\n",
           clasp_get_hostname(s.v) ? clasp_get_hostname(s.v) : "(null)");
    sp_free(&s);
    (void)sni_cb;
}

/* 4: early data skipping */
static void early_data_skipped(void **state)
{
    (void)state;
    sp_t s;
    sp_start(&s, SP_CLIENT, NULL);
    /* psk_key_exchange_modes, early_data, pre_shared_key (last) */
    static const uint8_t ext[] = {
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00,
        0x29, 0x00, 0x2f, 0x00, 0x0a, 0x00, 0x04, 'a',  'b',  'c',  'd',
        0,    0,    0,    0,    0x00, 0x21, 0x20, 1,    2,    3,    4,
        5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,
        16,   17,   18,   19,   20,   21,   22,   23,   24,   25,   26,
        27,   28,   29,   30,   31,   32};
    s.cfg.ch_ext = ext;
    s.cfg.ch_ext_len = sizeof(ext);
    tp_flight f = {0};
    sp_cli_hello(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    /* 0-RTT records: app data type, garbage */
    uint8_t junk[5 + 40];
    memset(junk, 0x42, sizeof junk);
    junk[0] = 23;
    junk[1] = 3;
    junk[2] = 3;
    junk[3] = 0;
    junk[4] = 40;
    sp_raw(&s, junk, sizeof junk);
    sp_raw(&s, junk, sizeof junk);
    int rc = sp_victim(&s);
    printf("early data: victim rc %s\n", clasp_error_name(rc));
    sp_free(&s);
}

/* 5: long cookie */
static void long_cookie(void **state)
{
    (void)state;
    static uint8_t cookie[1000];
    memset(cookie, 7, sizeof cookie);
    sp_t s;
    sp_start(&s, SP_SERVER, NULL);
    s.cfg.cookie = cookie;
    s.cfg.cookie_len = sizeof cookie;
    tp_flight f = {0};
    sp_victim_wants_read(&s);
    sp_srv_recv_hello(&s);
    sp_srv_hrr(&s, &f, CLASP_GROUP_SECP256R1);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    int rc = sp_victim(&s);
    printf("long cookie: victim rc %s\n", clasp_error_name(rc));
    sp_free(&s);
}

static void chains(void **state)
{
    (void)state;
    static const char *const chains[] = {
        "conformance/data/deep/chain10.pem",
        "conformance/data/deep/chain11.pem",
        "conformance/data/weak/md5-chain.pem",
        "conformance/data/weak/sha1-chain.pem"};
    static const char *const roots[] = {
        CLASP_TEST_DATA_DIR "/conformance/data/deep/root.pem",
        CLASP_TEST_DATA_DIR "/conformance/data/deep/root.pem",
        CLASP_TEST_DATA_DIR "/conformance/data/weak/root.pem",
        CLASP_TEST_DATA_DIR "/conformance/data/weak/root.pem"};
    static const char *const keys[] = {
        "conformance/data/deep/leaf.key", "conformance/data/deep/leaf.key",
        "conformance/data/weak/leaf.key", "conformance/data/weak/leaf.key"};
    for (int i = 0; i < 4; i++) {
        clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
        assert_clasp_ok(clasp_conf_ca_file(cc, roots[i]));
        sp_t s;
        sp_start(&s, SP_SERVER, cc);
        s.cfg.chain_file = chains[i];
        s.cfg.key_file = keys[i];
        s.cfg.sig_alg = i < 2 ? CLASP_SIG_ECDSA_SECP256R1_SHA256
                              : CLASP_SIG_RSA_PSS_RSAE_SHA256;
        tp_flight f = {0};
        sp_victim_wants_read(&s);
        sp_srv_recv_hello(&s);
        sp_srv_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_srv_keys_hs(&s);
        sp_srv_flight(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        int rc = sp_victim(&s);
        printf("chain %s: victim rc %s\n", chains[i], clasp_error_name(rc));
        sp_free(&s);
        clasp_config_free(cc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cookie_only_hrr),
        cmocka_unit_test(ch2_adds_extension),
        cmocka_unit_test(server_hostname_after_reset),
        cmocka_unit_test(early_data_skipped),
        cmocka_unit_test(long_cookie),
        cmocka_unit_test(chains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
