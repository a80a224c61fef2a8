/* State after failure (issue #7, deliverable 5; SECURITY-CHECKLIST 58):
 * a bad peer must not damage anything that outlives its connection.
 *
 *  - the config: after failures at every stage of a handshake (hello,
 *    second hello after a cookie HRR, client certificate, Finished,
 *    after the handshake), a new context on the same config completes a
 *    handshake with a real clasp peer, HRR with cookie and client
 *    authentication included;
 *  - the context: after clasp_session_reset(), the same context completes
 *    a handshake and reports only the new connection (suite, group, HRR,
 *    peer certificate and scheme, ALPN, peer alert);
 *  - reset in the middle of a handshake, after a failure whose alert the
 *    transport would not take, and many times in a row.
 *
 * What tests/handshake already covers: test_hs_lifecycle.c
 * (session_reset_then_second_handshake, session_reset_after_failure: a
 * hostname mismatch), test_evil_client_hello.c
 * (refused_hello_leaves_server_usable), test_conf_states.c (a reset after
 * a failure in each wait state of both roles). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "scripted_peer.h"

/* ---- helpers --------------------------------------------------------------
 */

/* A real clasp client against a new context of server config sc. */
static void real_client_connects(clasp_config *sc, bool with_cert)
{
    clasp_config *cc = tp_client_conf();
    if (with_cert) {
        tp_conf_add_cert(cc, "ecdsa-p384");
    }
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(
        tp_transfer(t.cli, t.srv, (const uint8_t *)"after failures", 14));
    tp_pair_free(&t);
    clasp_config_free(cc);
}

/* A real clasp server against a new context of client config cc. */
static void real_server_connects(clasp_config *cc, const char *kind)
{
    clasp_config *sc = tp_server_conf(kind);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(
        tp_transfer(t.srv, t.cli, (const uint8_t *)"after failures", 14));
    tp_pair_free(&t);
    clasp_config_free(sc);
}

/* ---- the config survives ----------------------------------------------------
 */

/* Server failures at each stage, all on one config with HRR cookies and
 * required client certificates. */
static void server_config_survives_failures(void **state)
{
    (void)state;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    const uint16_t g = CLASP_GROUP_SECP384R1;
    assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
    assert_clasp_ok(clasp_conf_hrr_cookie(sc, 1));
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    tp_flight f = {0};
    for (int stage = 0; stage < 6; stage++) {
        sp_notef("server failure at stage %d", stage);
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        s.cfg.client_cert = true;
        sp_cli_hello(&s, &f);
        if (stage == 0) {
            /* A byte after the hello's extensions (§4.1.2). */
            sp_msg_append(&f, 0, "", 1);
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, CLASP_ERR_DECODE);
            sp_free(&s);
            continue;
        }
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_victim_wants_read(&s);
        assert_int_equal(sp_cli_recv_hello(&s), 1);
        sp_ccs(&s);
        if (stage == 1) {
            /* The cookie changed (§4.2.2). */
            s.hrr_cookie[0] ^= 1;
        }
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        if (stage == 1) {
            sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
            sp_free(&s);
            continue;
        }
        sp_victim_wants_read(&s);
        assert_int_equal(sp_cli_recv_hello(&s), 0);
        sp_cli_recv_flight(&s);
        if (stage == 2 || stage == 3) {
            /* No client certificate (§4.4.2.4), or a bad Finished
             * (§4.4.4). */
            s.cfg.client_cert = stage == 3;
            sp_cli_flight2(&s, &f);
            if (stage == 3) {
                f.msg[f.n - 1][4] ^= 1;
            }
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, stage == 2 ? CLASP_ERR_CERTIFICATE_REQUIRED
                                          : CLASP_ERR_DECRYPT_ERROR);
            sp_free(&s);
            continue;
        }
        sp_cli_finish(&s);
        if (stage == 4) {
            /* After the handshake: a KeyUpdate flood. */
            for (int i = 0; i < 33; i++) {
                sp_key_update(&s, 0);
            }
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
        } else {
            /* The peer disappears. */
            s.p.server.closed = 1;
            sp_expect_fail(&s, CLASP_ERR_CONN_EOF);
        }
        sp_free(&s);
    }
    /* The same config serves a real client: HRR, cookie, client auth. */
    real_client_connects(sc, true);
    clasp_config_free(sc);
}

/* Client failures at each stage, all on one config. */
static void client_config_survives_failures(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    static const char *const protos[] = {"h2", NULL};
    assert_clasp_ok(clasp_conf_alpn_protocols(cc, protos));
    tp_flight f = {0};
    for (int stage = 0; stage < 5; stage++) {
        sp_notef("client failure at stage %d", stage);
        sp_t s;
        sp_start(&s, SP_SERVER, cc);
        if (stage == 0) {
            /* A ServerHello for a suite never offered (§4.1.3). */
            sp_victim_wants_read(&s);
            sp_srv_recv_hello(&s);
            sp_srv_hello(&s, &f);
            tp_hello h;
            tp_hello_parse(f.msg[0], f.len[0], &h);
            f.msg[0][h.suites + 1] = 0x99;
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
        } else if (stage == 1) {
            /* A second HelloRetryRequest (§4.1.4). */
            sp_drive_client(&s, SP_C_WAIT_SH2);
            sp_srv_hrr(&s, &f, CLASP_GROUP_SECP384R1);
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
        } else if (stage == 2) {
            /* An untrusted certificate. */
            s.cfg.chain_file = "conformance/data/deep/chain10.pem";
            s.cfg.key_file = "conformance/data/deep/leaf.key";
            s.cfg.sig_alg = CLASP_SIG_ECDSA_SECP256R1_SHA256;
            sp_drive_client(&s, SP_C_WAIT_EE);
            sp_srv_flight(&s, &f);
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, CLASP_ERR_UNKNOWN_CA);
        } else if (stage == 3) {
            /* A bad server Finished. */
            s.cfg.alpn = "h2";
            sp_drive_client(&s, SP_C_WAIT_EE);
            sp_srv_flight(&s, &f);
            f.msg[f.n - 1][4] ^= 1;
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, CLASP_ERR_DECRYPT_ERROR);
        } else {
            /* After the handshake: a bad record. */
            sp_drive_client(&s, SP_C_CONNECTED);
            sp_rec_inner(&s, "\0\0", 2);
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
        }
        sp_free(&s);
    }
    real_server_connects(cc, "rsa2048");
    clasp_config_free(cc);
}

/* ---- the context is reset
 * ---------------------------------------------------- */

static void check_fresh_server(const sp_t *s, uint16_t group, int hrr)
{
    assert_int_equal(clasp_get_ciphersuite_id(s->v), s->suite->iana);
    assert_int_equal(clasp_get_group(s->v), group);
    assert_int_equal(clasp_get_hrr_used(s->v), hrr);
    assert_int_equal(clasp_get_peer_alert(s->v), -1);
    assert_int_equal(clasp_get_bytes_avail(s->v), 0);
}

static void server_context_reset_after_failures(void **state)
{
    (void)state;
    /* One context: each failure below, then a reset and a handshake that
     * must not see anything of the failed one. The server prefers
     * secp256r1, then x25519. */
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    static const uint16_t groups[] = {CLASP_GROUP_SECP256R1,
                                      CLASP_GROUP_X25519};
    assert_clasp_ok(clasp_conf_groups(sc, groups, 2));
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_OPTIONAL));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    static const char *const protos[] = {"h2", "http/1.1", NULL};
    assert_clasp_ok(clasp_conf_alpn_protocols(sc, protos));
    sp_t s;
    sp_start(&s, SP_CLIENT, sc);
    tp_flight f = {0};
    const unsigned char *der;
    size_t len;
    for (int round = 0; round < 8; round++) {
        sp_notef("server reset round %d", round);
        /* The failed connection: HRR (an x448 share, which the server
         * does not take), ALPN, a client certificate, a broken
         * Finished. */
        s.cfg.groups[0] = CLASP_GROUP_X448;
        s.cfg.groups[1] = CLASP_GROUP_SECP256R1;
        s.cfg.group_count = 2;
        s.cfg.share_groups[0] = CLASP_GROUP_X448;
        s.cfg.alpn = "http/1.1";
        s.cfg.client_cert = true;
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_victim_wants_read(&s);
        assert_int_equal(sp_cli_recv_hello(&s), 1);
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_victim_wants_read(&s);
        assert_int_equal(sp_cli_recv_hello(&s), 0);
        sp_cli_recv_flight(&s);
        sp_cli_flight2(&s, &f);
        f.msg[f.n - 1][5] ^= 0x40;
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_expect_fail(&s, CLASP_ERR_DECRYPT_ERROR);
        assert_string_equal(clasp_get_alpn_protocol(s.v), "http/1.1");
        assert_int_equal(clasp_get_hrr_used(s.v), 1);
        assert_clasp_ok(clasp_get_peer_cert(s.v, &der, &len));

        /* Reset: a plain connection, no HRR, no ALPN, no certificate. */
        assert_clasp_ok(clasp_session_reset(s.v));
        assert_int_equal(clasp_is_handshake_over(s.v), 0);
        assert_int_equal(clasp_get_peer_alert(s.v), -1);
        assert_null(clasp_get_alpn_protocol(s.v));
        assert_clasp_err(clasp_get_peer_cert(s.v, &der, &len),
                         CLASP_ERR_NOT_FOUND);
        sp_restart(&s);
        sp_cfg_defaults(&s.cfg, SP_CLIENT);
        sp_cli_handshake(&s);
        check_fresh_server(&s, CLASP_GROUP_X25519, 0);
        assert_null(clasp_get_alpn_protocol(s.v));
        assert_clasp_err(clasp_get_peer_cert(s.v, &der, &len),
                         CLASP_ERR_NOT_FOUND);
        assert_int_equal(clasp_get_peer_sig_alg(s.v), 0);
        sp_check_victim_reads(&s, "fresh");
        sp_check_victim_sends(&s, "fresh");
        assert_clasp_ok(clasp_session_reset(s.v));
        sp_restart(&s);
    }
    sp_free(&s);
    clasp_config_free(sc);
}

static void client_context_reset_after_failures(void **state)
{
    (void)state;
    static const char *const kinds[] = {"rsa2048", "ed25519", "ecdsa-p384"};
    clasp_config *cc = tp_client_conf();
    sp_t s;
    sp_start(&s, SP_SERVER, cc);
    tp_flight f = {0};
    for (int round = 0; round < 6; round++) {
        sp_notef("client reset round %d", round);
        /* The failed connection: HRR to secp256r1, a server certificate
         * of one kind, a broken Finished. */
        s.cfg.kind = kinds[round % 3];
        s.cfg.sig_alg = tp_kind_sig_alg(kinds[round % 3]);
        sp_drive_client(&s, SP_C_WAIT_SH2);
        sp_srv_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_srv_keys_hs(&s);
        sp_victim_wants_read(&s);
        sp_srv_flight(&s, &f);
        f.msg[f.n - 1][6] ^= 2;
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_expect_fail(&s, CLASP_ERR_DECRYPT_ERROR);
        assert_int_equal(clasp_get_hrr_used(s.v), 1);

        /* Reset: no HRR, the next kind's certificate. */
        assert_clasp_ok(clasp_session_reset(s.v));
        const unsigned char *der;
        size_t len;
        assert_clasp_err(clasp_get_peer_cert(s.v, &der, &len),
                         CLASP_ERR_NOT_FOUND);
        assert_int_equal(clasp_get_peer_sig_alg(s.v), 0);
        sp_restart(&s);
        const char *next = kinds[(round + 1) % 3];
        s.cfg.kind = next;
        s.cfg.sig_alg = tp_kind_sig_alg(next);
        sp_forget_own(&s);
        sp_srv_handshake(&s);
        assert_int_equal(clasp_get_hrr_used(s.v), 0);
        assert_int_equal(clasp_get_group(s.v), CLASP_GROUP_X25519);
        assert_int_equal(clasp_get_peer_sig_alg(s.v), tp_kind_sig_alg(next));
        assert_clasp_ok(clasp_get_peer_cert(s.v, &der, &len));
        size_t want_len;
        uint8_t *want = tp_leaf_der(next, &want_len);
        assert_int_equal(len, want_len);
        assert_memory_equal(der, want, len);
        free(want);
        sp_check_victim_reads(&s, "fresh");
        assert_clasp_ok(clasp_session_reset(s.v));
        sp_restart(&s);
        sp_forget_own(&s);
    }
    sp_free(&s);
    clasp_config_free(cc);
}

/* ---- resets at odd moments ------------------------------------------------
 */

static void reset_in_the_middle_of_a_handshake(void **state)
{
    (void)state;
    /* Each wait state of both roles, no failure: reset, then a whole
     * handshake on the same context. */
    for (int st = 0; st < SP_C__COUNT; st++) {
        sp_t s;
        sp_at_client(&s, (enum sp_cstate)st);
        assert_clasp_ok(clasp_session_reset(s.v));
        sp_restart(&s);
        sp_srv_handshake(&s);
        sp_check_victim_reads(&s, "after a reset mid-handshake");
        sp_free(&s);
    }
    for (int st = 0; st < SP_S__COUNT; st++) {
        sp_t s;
        sp_at_server(&s, (enum sp_sstate)st);
        assert_clasp_ok(clasp_session_reset(s.v));
        sp_restart(&s);
        s.cfg.client_cert = st == SP_S_WAIT_CERT || st == SP_S_WAIT_CV;
        sp_cli_handshake(&s);
        sp_check_victim_reads(&s, "after a reset mid-handshake");
        sp_free(&s);
    }
}

static void reset_with_an_undelivered_alert(void **state)
{
    (void)state;
    /* The transport takes nothing: the alert stays queued (conn.c tries
     * again on every call). A reset drops it: the next connection starts
     * with a ClientHello, not with the old alert. */
    sp_t s;
    sp_at_server(&s, SP_S_WAIT_FINISHED);
    s.p.server.hold = 1;
    sp_rec_inner(&s, "\0", 1);
    assert_clasp_err(sp_victim(&s), CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_int_equal(s.in->len, 0);
    assert_clasp_ok(clasp_session_reset(s.v));
    s.p.server.hold = 0;
    sp_restart(&s);
    sp_cli_handshake(&s);
    sp_check_victim_reads(&s, "no stale alert");
    sp_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_config_survives_failures),
        cmocka_unit_test(client_config_survives_failures),
        cmocka_unit_test(server_context_reset_after_failures),
        cmocka_unit_test(client_context_reset_after_failures),
        cmocka_unit_test(reset_in_the_middle_of_a_handshake),
        cmocka_unit_test(reset_with_an_undelivered_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
