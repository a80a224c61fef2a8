/* The scripted peer itself (tests/conformance/scripted_peer.h): it must
 * complete real handshakes with clasp in both roles, with every suite and
 * group, HelloRetryRequest (with and without a cookie), client
 * authentication, middlebox compatibility on and off, one byte per
 * record, then exchange data and KeyUpdates. Every negative test of the
 * suite starts from these runs, so a peer that could not finish them
 * would prove nothing. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "scripted_peer.h"

/* Data both ways, a KeyUpdate each way (ours asks for one back), and
 * data again under the new keys. */
static void exercise(sp_t *s)
{
    sp_check_victim_reads(s, "ping from the scripted peer");
    sp_check_victim_sends(s, "pong from clasp");
    sp_key_update(s, 1);
    sp_check_victim_reads(s, "after our KeyUpdate");
    /* RFC 8446 §4.6.3: asked to update, the victim answers before its
     * next application data. */
    sp_check_victim_sends(s, "after its KeyUpdate");
    assert_int_equal(s->key_updates_seen, 1);
    assert_clasp_ok(clasp_key_update(s->v, 0));
    sp_check_victim_sends(s, "after another");
    assert_int_equal(s->key_updates_seen, 2);
}

static void check_victim(const sp_t *s, uint16_t suite, uint16_t group, int hrr)
{
    assert_int_equal(clasp_get_version_number(s->v), CLASP_VERSION_TLS1_3);
    assert_int_equal(clasp_get_ciphersuite_id(s->v), suite);
    assert_int_equal(clasp_get_group(s->v), group);
    assert_int_equal(clasp_get_hrr_used(s->v), hrr);
    assert_int_equal(clasp_get_peer_alert(s->v), -1);
    assert_int_equal(s->suite->iana, suite);
    assert_int_equal(s->group, group);
}

/* ---- scripted client, clasp server --------------------------------------- */

static void client_default(void **state)
{
    (void)state;
    sp_t s;
    sp_start(&s, SP_CLIENT, NULL);
    sp_cli_handshake(&s);
    check_victim(&s, CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_GROUP_X25519, 0);
    /* The server's CCS came right after its ServerHello (App. D.4). */
    assert_int_equal(s.ccs_seen, 1);
    assert_int_equal(s.peer_cv_alg, CLASP_SIG_ECDSA_SECP256R1_SHA256);
    exercise(&s);
    sp_free(&s);
}

static void client_every_suite_and_group(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    static const uint16_t groups[] = {CLASP_GROUP_X25519, CLASP_GROUP_SECP256R1,
                                      CLASP_GROUP_SECP384R1,
                                      CLASP_GROUP_SECP521R1, CLASP_GROUP_X448};
    for (size_t i = 0; i < 5; i++) {
        sp_t s;
        sp_start(&s, SP_CLIENT, NULL);
        s.cfg.suites[0] = suites[i];
        s.cfg.suite_count = 1;
        s.cfg.share_groups[0] = groups[i];
        sp_cli_handshake(&s);
        check_victim(&s, suites[i], groups[i], 0);
        sp_check_victim_reads(&s, "x");
        sp_check_victim_sends(&s, "y");
        sp_free(&s);
    }
}

static void client_hello_retry(void **state)
{
    (void)state;
    for (int cookie = 0; cookie < 2; cookie++) {
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        const uint16_t g = CLASP_GROUP_SECP384R1;
        assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
        assert_clasp_ok(clasp_conf_hrr_cookie(sc, cookie));
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        sp_cli_handshake(&s);
        assert_true(s.hrr);
        assert_int_equal(s.hrr_group, CLASP_GROUP_SECP384R1);
        assert_int_equal(s.hrr_cookie_len > 0, cookie);
        /* One CCS after the HRR, none after the ServerHello. */
        assert_int_equal(s.ccs_seen, 1);
        check_victim(&s, CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_GROUP_SECP384R1,
                     1);
        exercise(&s);
        sp_free(&s);
        clasp_config_free(sc);
    }
}

static void client_authenticates(void **state)
{
    (void)state;
    static const char *const kinds[] = {"ed25519", "ecdsa-p384", "rsa2048"};
    for (size_t i = 0; i < 3; i++) {
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        s.cfg.kind = kinds[i];
        s.cfg.client_cert = true;
        sp_cli_handshake(&s);
        assert_true(s.cert_requested);
        assert_int_equal(clasp_get_peer_sig_alg(s.v),
                         tp_kind_sig_alg(kinds[i]));
        exercise(&s);
        sp_free(&s);
        clasp_config_free(sc);
    }
}

static void client_variants(void **state)
{
    (void)state;
    /* No middlebox compatibility: no session id, no CCS either way. */
    sp_t s;
    sp_start(&s, SP_CLIENT, NULL);
    s.cfg.compat = false;
    sp_cli_handshake(&s);
    assert_int_equal(s.ccs_seen, 0);
    exercise(&s);
    sp_free(&s);
    /* Every handshake record one byte long; two shares, the server takes
     * its preferred group. */
    sp_start(&s, SP_CLIENT, NULL);
    s.cfg.frag = 1;
    s.cfg.share_groups[0] = CLASP_GROUP_SECP256R1;
    s.cfg.share_groups[1] = CLASP_GROUP_X25519;
    s.cfg.share_count = 2;
    sp_cli_handshake(&s);
    check_victim(&s, CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_GROUP_X25519, 0);
    exercise(&s);
    sp_free(&s);
    /* SNI and ALPN. */
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    static const char *const protos[] = {"h2", "http/1.1", NULL};
    assert_clasp_ok(clasp_conf_alpn_protocols(sc, protos));
    sp_start(&s, SP_CLIENT, sc);
    s.cfg.sni = "server.test";
    s.cfg.alpn = "http/1.1";
    sp_cli_handshake(&s);
    assert_string_equal(clasp_get_alpn_protocol(s.v), "http/1.1");
    assert_string_equal(clasp_get_hostname(s.v), "server.test");
    sp_free(&s);
    clasp_config_free(sc);
}

/* ---- scripted server, clasp client --------------------------------------- */

static void server_default(void **state)
{
    (void)state;
    sp_t s;
    sp_start(&s, SP_SERVER, NULL);
    sp_srv_handshake(&s);
    check_victim(&s, CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_GROUP_X25519, 0);
    assert_int_equal(clasp_get_peer_sig_alg(s.v),
                     CLASP_SIG_ECDSA_SECP256R1_SHA256);
    /* The client's CCS before its second flight (App. D.4). */
    assert_int_equal(s.ccs_seen, 1);
    exercise(&s);
    sp_free(&s);
}

static void server_every_suite_group_and_key(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    static const uint16_t groups[] = {CLASP_GROUP_X25519, CLASP_GROUP_SECP256R1,
                                      CLASP_GROUP_SECP384R1,
                                      CLASP_GROUP_SECP521R1, CLASP_GROUP_X448};
    for (size_t i = 0; i < TP_KIND_COUNT; i++) {
        clasp_config *cc = tp_client_conf();
        assert_clasp_ok(clasp_conf_ciphersuites(cc, &suites[i % 5], 1));
        assert_clasp_ok(clasp_conf_groups(cc, &groups[i % 5], 1));
        sp_t s;
        sp_start(&s, SP_SERVER, cc);
        s.cfg.kind = tp_kinds[i];
        s.cfg.suites[0] = suites[i % 5];
        s.cfg.suite_count = 1;
        sp_srv_handshake(&s);
        check_victim(&s, suites[i % 5], groups[i % 5], 0);
        assert_int_equal(clasp_get_peer_sig_alg(s.v),
                         tp_kind_sig_alg(tp_kinds[i]));
        sp_check_victim_reads(&s, "x");
        sp_check_victim_sends(&s, "y");
        sp_free(&s);
        clasp_config_free(cc);
    }
}

static void server_hello_retry(void **state)
{
    (void)state;
    static const uint8_t cookie[] = "a cookie of the scripted server";
    for (int with_cookie = 0; with_cookie < 2; with_cookie++) {
        sp_t s;
        sp_start(&s, SP_SERVER, NULL);
        /* The victim sends an x25519 share; we want secp256r1 only. */
        s.cfg.groups[0] = CLASP_GROUP_SECP256R1;
        s.cfg.group_count = 1;
        if (with_cookie) {
            s.cfg.cookie = cookie;
            s.cfg.cookie_len = sizeof(cookie);
        }
        sp_srv_handshake(&s);
        check_victim(&s, CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_GROUP_SECP256R1,
                     1);
        exercise(&s);
        sp_free(&s);
    }
}

static void server_requests_client_certificate(void **state)
{
    (void)state;
    for (int has_cert = 0; has_cert < 2; has_cert++) {
        clasp_config *cc = tp_client_conf();
        if (has_cert) {
            tp_conf_add_cert(cc, "ecdsa-p384");
        }
        sp_t s;
        sp_start(&s, SP_SERVER, cc);
        s.cfg.cert_request = true;
        sp_srv_handshake(&s);
        /* §4.4.2: an empty Certificate when the client has none. */
        assert_int_equal(s.peer_sent_cert, has_cert);
        if (has_cert) {
            assert_int_equal(s.peer_cv_alg, CLASP_SIG_ECDSA_SECP384R1_SHA384);
        }
        exercise(&s);
        sp_free(&s);
        clasp_config_free(cc);
    }
}

static void server_variants(void **state)
{
    (void)state;
    sp_t s;
    /* One byte per record. */
    sp_start(&s, SP_SERVER, NULL);
    s.cfg.frag = 1;
    sp_srv_handshake(&s);
    exercise(&s);
    sp_free(&s);
    /* ALPN: the victim offers two, we pick the second. */
    clasp_config *cc = tp_client_conf();
    static const char *const protos[] = {"h2", "http/1.1", NULL};
    assert_clasp_ok(clasp_conf_alpn_protocols(cc, protos));
    sp_start(&s, SP_SERVER, cc);
    s.cfg.alpn = "http/1.1";
    sp_srv_handshake(&s);
    assert_string_equal(clasp_get_alpn_protocol(s.v), "http/1.1");
    sp_free(&s);
    clasp_config_free(cc);
    /* Close: the victim's close_notify is a warning-level alert. */
    sp_start(&s, SP_SERVER, NULL);
    sp_srv_handshake(&s);
    assert_clasp_ok(clasp_close_notify(s.v));
    uint8_t b[64];
    size_t len;
    bool plain;
    assert_int_equal(sp_read_rec(&s, b, sizeof(b), &len, &plain),
                     CLASP_CT_ALERT);
    assert_false(plain);
    assert_int_equal(len, 2);
    assert_int_equal(b[1], CLASP_ALERT_CLOSE_NOTIFY);
    sp_free(&s);
}

/* ---- the drivers --------------------------------------------------------- */

static void drivers_reach_every_state(void **state)
{
    (void)state;
    /* From each wait state the rest of the handshake can still be played
     * by hand: here only the end states are checked; the state tests
     * inject messages at every one. */
    for (int st = 0; st < SP_C__COUNT; st++) {
        sp_t s;
        sp_start(&s, SP_SERVER, NULL);
        sp_drive_client(&s, (enum sp_cstate)st);
        assert_int_equal(s.in->len, 0);
        assert_int_equal(clasp_is_handshake_over(s.v), st == SP_C_CONNECTED);
        if (st == SP_C_CONNECTED) {
            sp_check_victim_reads(&s, "connected");
        }
        sp_free(&s);
    }
    for (int st = 0; st < SP_S__COUNT; st++) {
        clasp_config *sc = sp_server_conf_for((enum sp_sstate)st);
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        sp_drive_server(&s, (enum sp_sstate)st);
        assert_int_equal(s.in->len, 0);
        assert_int_equal(clasp_is_handshake_over(s.v), st == SP_S_CONNECTED);
        if (st == SP_S_CONNECTED) {
            sp_check_victim_reads(&s, "connected");
        }
        sp_free(&s);
        clasp_config_free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_default),
        cmocka_unit_test(client_every_suite_and_group),
        cmocka_unit_test(client_hello_retry),
        cmocka_unit_test(client_authenticates),
        cmocka_unit_test(client_variants),
        cmocka_unit_test(server_default),
        cmocka_unit_test(server_every_suite_group_and_key),
        cmocka_unit_test(server_hello_retry),
        cmocka_unit_test(server_requests_client_certificate),
        cmocka_unit_test(server_variants),
        cmocka_unit_test(drivers_reach_every_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
