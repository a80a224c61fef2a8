/* The record layer, change_cipher_spec and alerts in the middle of a
 * real handshake, for both roles (SECURITY-CHECKLIST B1, B2, B3): the
 * scripted peer drives a clasp client to WAIT_SH / WAIT_EE or a clasp
 * server to START / WAIT_FINISHED and then sends the record under test
 * with the key the victim reads with. The same rules after the handshake
 * are tested in tests/handshake/test_evil_post.c. Each case asserts the
 * exact error, the exact alert on the wire (decrypted with the scripted
 * side's keys when the victim had switched) and a dead victim. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "scripted_peer.h"

/* A victim in its first protected wait state: a client after ServerHello
 * (reads the server's handshake key, writes in clear), a server after its
 * flight (reads the client's handshake key, writes its application key). */
static void in_handshake(sp_t *s, int victim_is_server)
{
    if (victim_is_server) {
        sp_at_server(s, SP_S_WAIT_FINISHED);
    } else {
        sp_at_client(s, SP_C_WAIT_EE);
    }
}

/* A victim still reading in clear. */
static void before_keys(sp_t *s, int victim_is_server)
{
    if (victim_is_server) {
        sp_at_server(s, SP_S_START);
    } else {
        sp_at_client(s, SP_C_WAIT_SH);
    }
}

static void push_hex(sp_t *s, const char *hex)
{
    uint8_t b[128];
    size_t n = th_hex_into(hex, b, sizeof(b));
    sp_raw(s, b, n);
}

/* ---- B1: sizes, contents, types ------------------------------------------ */

static void record_overflow_during_handshake(void **state)
{
    (void)state;
    static uint8_t big[16384 + 2];
    memset(big, 'x', sizeof(big));
    for (int srv = 0; srv < 2; srv++) {
        sp_t s;
        /* §5.1: a TLSPlaintext fragment over 2^14 bytes. */
        before_keys(&s, srv);
        sp_rec(&s, CLASP_CT_HANDSHAKE, big, 16385);
        sp_expect_fail(&s, CLASP_ERR_RECORD_OVERFLOW);
        sp_free(&s);
        /* §5.2: a TLSCiphertext over 2^14 + 256 bytes, refused from its
         * header. */
        in_handshake(&s, srv);
        push_hex(&s, "1703034101");
        sp_raw(&s, big, sizeof(big));
        sp_expect_fail(&s, CLASP_ERR_RECORD_OVERFLOW);
        sp_free(&s);
        /* §5.4: a TLSInnerPlaintext over 2^14 + 1 bytes that decrypts. */
        in_handshake(&s, srv);
        big[sizeof(big) - 1] = CLASP_CT_HANDSHAKE;
        sp_rec_inner(&s, big, sizeof(big));
        big[sizeof(big) - 1] = 'x';
        sp_expect_fail(&s, CLASP_ERR_RECORD_OVERFLOW);
        sp_free(&s);
    }
}

static void inner_plaintext_rules_during_handshake(void **state)
{
    (void)state;
    static const struct {
        const char *inner;
        const char *why;
    } bad[] = {
        {"00000000", "§5.4: no non-zero octet"},
        {"16", "§5.4: empty handshake content"},
        {"160000", "§5.4: empty handshake content, padded"},
        {"1500", "§5.4: empty alert content, padded"},
        {"0114", "§5: a protected change_cipher_spec"},
        {"01020363", "§5: an unknown content type"},
        {"6f6b17", "§4: application data before Finished"},
        {"17", "§4: empty application data before Finished"},
    };
    for (int srv = 0; srv < 2; srv++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            sp_notef("%s, victim %s", bad[i].why, srv ? "server" : "client");
            sp_t s;
            in_handshake(&s, srv);
            uint8_t b[16];
            size_t n = th_hex_into(bad[i].inner, b, sizeof(b));
            sp_rec_inner(&s, b, n);
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
            sp_free(&s);
        }
    }
}

static void plaintext_records_in_clear_phase(void **state)
{
    (void)state;
    static const struct {
        const char *rec;
        int err;
    } bad[] = {
        /* §5.1: no zero-length handshake or alert fragments. */
        {"1603030000", CLASP_ERR_UNEXPECTED_MESSAGE},
        {"1503030000", CLASP_ERR_UNEXPECTED_MESSAGE},
        /* §5: an unknown content type; application data in clear. */
        {"6303030001 00", CLASP_ERR_UNEXPECTED_MESSAGE},
        {"1703030002 6f6b", CLASP_ERR_UNEXPECTED_MESSAGE},
        /* §5.1: an alert record holds exactly one alert (decode_error,
         * as the checklist row 14 and BoringSSL say). */
        {"1503030001 02", CLASP_ERR_DECODE},
        {"1503030003 022800", CLASP_ERR_DECODE},
        {"1503030004 0228 0228", CLASP_ERR_DECODE},
    };
    for (int srv = 0; srv < 2; srv++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            sp_notef("record %s, victim %s", bad[i].rec,
                     srv ? "server" : "client");
            sp_t s;
            before_keys(&s, srv);
            push_hex(&s, bad[i].rec);
            sp_expect_fail(&s, bad[i].err);
            sp_free(&s);
        }
    }
}

static void plaintext_records_after_keys(void **state)
{
    (void)state;
    static const struct {
        const char *rec;
        int err;
    } recs[] = {
        /* §5: a Finished in clear once keys are in use. */
        {"1603030024 14000020"
         "0000000000000000000000000000000000000000000000000000000000000000",
         CLASP_ERR_UNEXPECTED_MESSAGE},
        /* An unknown type. */
        {"6303030001 00", CLASP_ERR_UNEXPECTED_MESSAGE},
        /* Application data "in clear" looks like any TLSCiphertext
         * (§5.2: opaque_type 23) and fails to deprotect. */
        {"1703030002 6f6b", CLASP_ERR_BAD_RECORD_MAC},
    };
    for (int srv = 0; srv < 2; srv++) {
        for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
            sp_notef("record %s, victim %s", recs[i].rec,
                     srv ? "server" : "client");
            sp_t s;
            in_handshake(&s, srv);
            push_hex(&s, recs[i].rec);
            sp_expect_fail(&s, recs[i].err);
            sp_free(&s);
        }
    }
    /* A client's alert may come in clear until its first protected
     * record (App. A.1: its write key changes with its second flight);
     * after that record, a plaintext alert is an unexpected record. */
    sp_t s;
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    tp_flight f = {0};
    sp_cert(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_victim_wants_read(&s);
    push_hex(&s, "1503030002 0228");
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
}

/* ---- B1 rows 7, 8: key changes and interleaving ----------------------------
 */

static void message_boundaries_at_key_changes(void **state)
{
    (void)state;
    sp_t s;
    tp_flight f = {0};
    /* §5.1: ServerHello precedes a key change; bytes of the next message
     * in its record are unexpected_message. */
    sp_start(&s, SP_SERVER, NULL);
    sp_victim_wants_read(&s);
    sp_srv_recv_hello(&s);
    sp_srv_hello(&s, &f);
    sp_flight_add_hex(&f, "0800");
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* The server's Finished followed by a NewSessionTicket in the same
     * record (the client's read key changes after Finished). */
    sp_at_client(&s, SP_C_WAIT_EE);
    sp_srv_flight(&s, &f);
    sp_nst(&f, 16, NULL, 0);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* A message split across a key change (§5.1: "Handshake messages
     * MUST NOT span key changes"): its tail, under the next key, cannot
     * be read under the current one (bad_record_mac, §5.2). The
     * server's Finished, half under the handshake key, half under the
     * application key. */
    sp_at_client(&s, SP_C_WAIT_EE);
    sp_srv_flight(&s, &f);
    size_t last = f.n - 1;
    size_t head = sp_flight_bytes(&f) - f.len[last] / 2;
    uint8_t *all = malloc(sp_flight_bytes(&f));
    assert_non_null(all);
    size_t off = 0;
    for (size_t i = 0; i < f.n; i++) {
        memcpy(all + off, f.msg[i], f.len[i]);
        off += f.len[i];
    }
    sp_send_hs(&s, all, head);
    sp_set_write(&s, SP_AP);
    sp_send_hs(&s, all + head, off - head);
    free(all);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_BAD_RECORD_MAC);
    sp_free(&s);
    /* The client's Finished, the same way. */
    sp_at_server(&s, SP_S_WAIT_FINISHED);
    sp_cli_flight2(&s, &f);
    assert_int_equal(f.n, 1);
    sp_send_hs(&s, f.msg[0], 10);
    sp_set_write(&s, SP_AP);
    sp_send_hs(&s, f.msg[0] + 10, f.len[0] - 10);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_BAD_RECORD_MAC);
    sp_free(&s);
    /* A KeyUpdate split across the key change it announces, both
     * roles. */
    for (int srv = 0; srv < 2; srv++) {
        if (srv) {
            sp_at_server(&s, SP_S_CONNECTED);
        } else {
            sp_at_client(&s, SP_C_CONNECTED);
        }
        sp_rec_hex(&s, CLASP_CT_HANDSHAKE, "1800");
        sp_update_write(&s);
        sp_rec_hex(&s, CLASP_CT_HANDSHAKE, "000100");
        sp_expect_fail(&s, CLASP_ERR_BAD_RECORD_MAC);
        sp_free(&s);
    }
}

static void fragments_interleaved_with_other_records(void **state)
{
    (void)state;
    /* §5.1: "Handshake messages MUST NOT be interleaved with other record
     * types": the first bytes of the next message, then a CCS, an alert,
     * or application data. */
    static const char *const other[] = {"ccs", "alert", "data"};
    for (int srv = 0; srv < 2; srv++) {
        for (size_t k = 0; k < 3; k++) {
            sp_notef("%s between fragments, victim %s", other[k],
                     srv ? "server" : "client");
            sp_t s;
            in_handshake(&s, srv);
            sp_rec_hex(&s, CLASP_CT_HANDSHAKE, srv ? "1400" : "0800");
            if (k == 0) {
                sp_ccs(&s);
            } else if (k == 1) {
                sp_alert(&s, 1, CLASP_ALERT_USER_CANCELED);
            } else {
                sp_app(&s, "x", 1);
            }
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
            sp_free(&s);
        }
    }
}

/* §5.1: legacy_record_version "MUST be ignored for all purposes". */
static void record_version_is_ignored(void **state)
{
    (void)state;
    static const uint16_t versions[] = {0x0000, 0x0301, 0x0300, 0xffff};
    for (size_t i = 0; i < 4; i++) {
        sp_t s;
        sp_start(&s, SP_CLIENT, NULL);
        s.cfg.record_version = versions[i];
        sp_cli_handshake(&s);
        sp_check_victim_reads(&s, "any version");
        sp_free(&s);
        sp_start(&s, SP_SERVER, NULL);
        s.cfg.record_version = versions[i];
        sp_srv_handshake(&s);
        sp_check_victim_reads(&s, "any version");
        sp_free(&s);
    }
}

/* §5.4: padding after the content type, up to the 2^14 + 1 limit, in
 * every protected record of both roles' flights (handshake, data). */
static void padded_records_are_taken(void **state)
{
    (void)state;
    static const size_t pads[] = {1, 255, 16384};
    for (size_t i = 0; i < 3; i++) {
        sp_t s;
        sp_start(&s, SP_CLIENT, NULL);
        s.cfg.pad = pads[i];
        sp_cli_handshake(&s);
        sp_check_victim_reads(&s, "padded");
        sp_free(&s);
        sp_start(&s, SP_SERVER, NULL);
        s.cfg.pad = pads[i];
        sp_srv_handshake(&s);
        sp_check_victim_reads(&s, "padded");
        sp_free(&s);
    }
}

/* ---- B2: change_cipher_spec
 * --------------------------------------------------
 */

static void compatibility_ccs_where_allowed(void **state)
{
    (void)state;
    /* §5: dropped "at any time after the first ClientHello message has
     * been sent or received and before the peer's Finished message has
     * been received". */
    sp_t s;
    tp_flight f = {0};
    /* Server's CCS before its ServerHello. */
    sp_start(&s, SP_SERVER, NULL);
    sp_victim_wants_read(&s);
    sp_srv_recv_hello(&s);
    sp_ccs(&s);
    sp_srv_hello(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_srv_keys_hs(&s);
    sp_srv_finish(&s);
    sp_check_victim_reads(&s, "ccs before ServerHello");
    sp_free(&s);
    /* Between EncryptedExtensions and Certificate. */
    sp_start(&s, SP_SERVER, NULL);
    s.cfg.compat = false;
    sp_drive_client(&s, SP_C_WAIT_CERT_CR);
    sp_ccs(&s);
    sp_victim_wants_read(&s);
    sp_cert(&s, &f);
    sp_cv(&s, &f);
    sp_fin(&s, &f);
    sp_srv_secrets_ap(&s);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_set_write(&s, SP_AP);
    sp_victim_done(&s);
    sp_srv_recv_flight2(&s);
    sp_check_victim_reads(&s, "ccs after EE");
    sp_free(&s);
    /* None at all (compatibility mode is the client's choice, App. D.4:
     * a server answers a non-empty session id with a CCS, which a
     * client must not require). */
    sp_start(&s, SP_SERVER, NULL);
    s.cfg.compat = false;
    sp_srv_handshake(&s);
    sp_check_victim_reads(&s, "no ccs");
    sp_free(&s);
    /* Client's CCS right after its first ClientHello (as with 0-RTT,
     * App. D.4), none later. */
    sp_start(&s, SP_CLIENT, NULL);
    sp_cli_hello(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    sp_victim_wants_read(&s);
    assert_int_equal(sp_cli_recv_hello(&s), 0);
    sp_cli_recv_flight(&s);
    sp_cli_finish(&s);
    sp_check_victim_reads(&s, "ccs after CH1");
    sp_free(&s);
    /* Between the client's Certificate and CertificateVerify. */
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    sp_cert(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    sp_cv(&s, &f);
    sp_fin(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_set_write(&s, SP_AP);
    sp_victim_done(&s);
    sp_check_victim_reads(&s, "ccs inside flight 2");
    sp_free(&s);
}

static void compatibility_ccs_where_refused(void **state)
{
    (void)state;
    sp_t s;
    tp_flight f = {0};
    /* SECURITY-CHECKLIST 13: a second CCS in the server's first flight
     * (one before ServerHello, one after). */
    sp_start(&s, SP_SERVER, NULL);
    sp_victim_wants_read(&s);
    sp_srv_recv_hello(&s);
    sp_ccs(&s);
    sp_srv_hello(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* Two in a row after ServerHello. */
    sp_at_client(&s, SP_C_WAIT_EE);
    assert_true(s.ccs_sent);
    sp_ccs(&s);
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* §5: after the peer's Finished (same flight, next record): the
     * client is connected and its alert is protected. */
    sp_at_client(&s, SP_C_WAIT_EE);
    sp_srv_flight(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_ccs(&s);
    sp_victim_fails(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_srv_recv_flight2(&s);
    sp_expect_alert(&s, CLASP_ALERT_UNEXPECTED_MESSAGE);
    sp_expect_dead(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* §5: a CCS whose body is not the single byte 0x01. */
    static const char *const bodies[] = {"1403030001 02", "1403030002 0101",
                                         "1403030000"};
    for (int srv = 0; srv < 2; srv++) {
        for (size_t i = 0; i < 3; i++) {
            sp_notef("ccs %s, victim %s", bodies[i], srv ? "server" : "client");
            in_handshake(&s, srv);
            push_hex(&s, bodies[i]);
            sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
            sp_free(&s);
        }
    }
}

/* ---- B3: alerts and closing
 * --------------------------------------------------
 */

static void alerts_during_handshake(void **state)
{
    (void)state;
    for (int srv = 0; srv < 2; srv++) {
        sp_t s;
        /* §5.1: one alert per record, never fragmented. */
        static const char *const odd[] = {"02", "022800", "02280228"};
        for (size_t i = 0; i < 3; i++) {
            in_handshake(&s, srv);
            sp_rec_hex(&s, CLASP_CT_ALERT, odd[i]);
            sp_expect_fail(&s, CLASP_ERR_DECODE);
            sp_free(&s);
        }
        /* §6: every §6.2 alert is fatal whatever its level; unknown
         * alerts are errors. Nothing is sent back. */
        static const char *const fatal[] = {"0128", "0228", "01c8", "0a32"};
        for (size_t i = 0; i < 4; i++) {
            in_handshake(&s, srv);
            sp_rec_hex(&s, CLASP_CT_ALERT, fatal[i]);
            sp_expect_fail(&s, CLASP_ERR_PEER_ALERT);
            uint8_t b[2];
            th_hex_into(fatal[i], b, 2);
            assert_int_equal(clasp_get_peer_alert(s.v), b[1]);
            sp_free(&s);
        }
        /* §6.1: close_notify in the middle of the handshake ends it;
         * nothing is answered, nothing spins. */
        in_handshake(&s, srv);
        sp_alert(&s, 1, CLASP_ALERT_CLOSE_NOTIFY);
        sp_expect_fail(&s, CLASP_ERR_PEER_CLOSE_NOTIFY);
        sp_free(&s);
        /* The transport ends instead: a truncation (§6.1). */
        in_handshake(&s, srv);
        (srv ? &s.p.server : &s.p.client)->closed = 1;
        sp_expect_fail(&s, CLASP_ERR_CONN_EOF);
        sp_free(&s);
    }
    /* A client's close_notify in clear before its first protected
     * record (App. A.1). */
    sp_t s;
    sp_at_server(&s, SP_S_WAIT_FINISHED);
    push_hex(&s, "1503030002 0100");
    sp_expect_fail(&s, CLASP_ERR_PEER_CLOSE_NOTIFY);
    sp_free(&s);
}

static void user_canceled_during_handshake(void **state)
{
    (void)state;
    /* §6.1: user_canceled is not fatal by itself; SECURITY-CHECKLIST 16:
     * 4 in a row are taken, the 5th is unexpected_message. */
    for (int srv = 0; srv < 2; srv++) {
        sp_t s;
        in_handshake(&s, srv);
        for (int i = 0; i < 4; i++) {
            sp_alert(&s, 1, CLASP_ALERT_USER_CANCELED);
        }
        sp_victim_wants_read(&s);
        assert_int_equal(clasp_get_peer_alert(s.v), CLASP_ALERT_USER_CANCELED);
        if (srv) {
            sp_cli_finish(&s);
        } else {
            sp_srv_finish(&s);
        }
        sp_check_victim_reads(&s, "after four user_canceled");
        sp_free(&s);
        in_handshake(&s, srv);
        for (int i = 0; i < 5; i++) {
            sp_alert(&s, 1, CLASP_ALERT_USER_CANCELED);
        }
        sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
        sp_free(&s);
    }
}

/* SECURITY-CHECKLIST 17: a fatal alert, then the peer keeps sending its
 * flight as if nothing happened: the victim stops at the alert. */
static void alert_then_rest_of_flight(void **state)
{
    (void)state;
    tp_flight f = {0};
    sp_t s;
    sp_at_server(&s, SP_S_WAIT_FINISHED);
    sp_alert(&s, 2, CLASP_ALERT_INTERNAL_ERROR);
    sp_cli_flight2(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_app(&s, "data", 4);
    sp_expect_fail(&s, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_is_handshake_over(s.v), 0);
    sp_free(&s);
    sp_at_client(&s, SP_C_WAIT_CERT_CR);
    sp_alert(&s, 2, CLASP_ALERT_INTERNAL_ERROR);
    sp_cert(&s, &f);
    sp_cv(&s, &f);
    sp_fin(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_is_handshake_over(s.v), 0);
    sp_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_overflow_during_handshake),
        cmocka_unit_test(inner_plaintext_rules_during_handshake),
        cmocka_unit_test(plaintext_records_in_clear_phase),
        cmocka_unit_test(plaintext_records_after_keys),
        cmocka_unit_test(message_boundaries_at_key_changes),
        cmocka_unit_test(fragments_interleaved_with_other_records),
        cmocka_unit_test(record_version_is_ignored),
        cmocka_unit_test(padded_records_are_taken),
        cmocka_unit_test(compatibility_ccs_where_allowed),
        cmocka_unit_test(compatibility_ccs_where_refused),
        cmocka_unit_test(alerts_during_handshake),
        cmocka_unit_test(user_canceled_during_handshake),
        cmocka_unit_test(alert_then_rest_of_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
