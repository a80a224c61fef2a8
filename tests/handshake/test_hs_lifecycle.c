/* A connection's life between clasp's client and server: KeyUpdate both
 * ways, bulk transfers, server certificate verification failures, orderly
 * close and truncation, sticky errors, and reuse through
 * clasp_session_reset. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

static void free_all(tp_pair *t, clasp_config *cc, clasp_config *sc)
{
    tp_pair_free(t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void connect_default(tp_pair *t, clasp_config **cc, clasp_config **sc,
                            size_t max_io, int write_block)
{
    *cc = tp_client_conf();
    *sc = tp_server_conf("ecdsa-p256");
    tp_pair_init(t, *cc, *sc, max_io, write_block, "localhost");
    tp_pair_connect(t);
}

static void roundtrip(tp_pair *t, size_t len)
{
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i ^ (i >> 8));
    }
    assert_clasp_ok(tp_transfer(t->cli, t->srv, buf, len));
    assert_clasp_ok(tp_transfer(t->srv, t->cli, buf, len));
    free(buf);
}

/* ---- KeyUpdate ----------------------------------------------------------- */

static void run_key_updates(size_t max_io, int write_block)
{
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, max_io, write_block);
    assert_clasp_ok(clasp_key_update(t.cli, 0));
    roundtrip(&t, 100);
    assert_clasp_ok(clasp_key_update(t.srv, 0));
    roundtrip(&t, 100);
    assert_clasp_ok(clasp_key_update(t.cli, 1));
    roundtrip(&t, 100);
    assert_clasp_ok(clasp_key_update(t.srv, 1));
    roundtrip(&t, 100);
    /* Many more than the cap of 32 in a row, but with data in between:
     * each application data record resets the count. */
    for (int i = 0; i < 40; i++) {
        assert_clasp_ok(clasp_key_update(i % 2 ? t.cli : t.srv, i % 3 == 0));
        roundtrip(&t, 20);
    }
    free_all(&t, cc, sc);
}

static void key_update_both_directions(void **state)
{
    (void)state;
    run_key_updates(0, 0);
    run_key_updates(1, 0);
    run_key_updates(9, 1);
}

/* The keys really change (RFC 8446 §7.2): a peer asked to update answers
 * with KeyUpdate(update_not_requested) under its old key, and writes the
 * next record under application_traffic_secret_1. Checked from the key
 * log secrets. */
static void key_update_request_is_answered_under_new_keys(void **state)
{
    (void)state;
    tp_keylog kl = {0};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ed25519");
    assert_clasp_ok(clasp_conf_keylog(cc, tp_keylog_cb, &kl));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    uint16_t suite = (uint16_t)clasp_get_ciphersuite_id(t.cli);
    uint8_t c0[64], s0[64], out[64];
    tp_keylog_get(&kl, "CLIENT_TRAFFIC_SECRET_0", c0);
    tp_keylog_get(&kl, "SERVER_TRAFFIC_SECRET_0", s0);

    assert_clasp_ok(clasp_key_update(t.srv, 1));
    /* The server's KeyUpdate(update_requested) under s0. */
    tp_queue copy = {malloc(TP_CAP), 0};
    assert_non_null(copy.buf);
    tp_q_push(&copy, t.p.q[1].buf, t.p.q[1].len);
    tp_dir sd;
    tp_dir_init(&sd, suite, s0);
    size_t len;
    assert_int_equal(tp_dir_open(&sd, &copy, out, sizeof(out), &len), 22);
    static const uint8_t ku_req[] = {24, 0, 0, 1, 1};
    static const uint8_t ku_not[] = {24, 0, 0, 1, 0};
    assert_int_equal(len, sizeof(ku_req));
    assert_memory_equal(out, ku_req, len);
    tp_dir_free(&sd);
    free(copy.buf);

    unsigned char b[16];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_write(t.cli, (const unsigned char *)"new", 3), 3);
    tp_dir cd;
    tp_dir_init(&cd, suite, c0);
    tp_queue *q = &t.p.q[0];
    assert_int_equal(tp_dir_open(&cd, q, out, sizeof(out), &len), 22);
    assert_int_equal(len, sizeof(ku_not));
    assert_memory_equal(out, ku_not, len);
    tp_dir_update(&cd);
    assert_int_equal(tp_dir_open(&cd, q, out, sizeof(out), &len), 23);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "new", 3);
    assert_int_equal(q->len, 0);
    tp_dir_free(&cd);
    free_all(&t, cc, sc);
}

/* ---- bulk data ----------------------------------------------------------- */

static void ten_megabytes_each_way(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    const size_t total = 10u << 20;
    uint64_t hs, hr;
    assert_clasp_ok(tp_stream(t.cli, t.srv, total, 1, &hs, &hr));
    assert_true(hs == hr);
    assert_clasp_ok(tp_stream(t.srv, t.cli, total, 2, &hs, &hr));
    assert_true(hs == hr);
    free_all(&t, cc, sc);
}

/* clasp_read hands out one record's data in as many pieces as asked;
 * clasp_get_bytes_avail counts what is left of it. */
static void partial_reads(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    assert_int_equal(
        clasp_write(t.cli, (const unsigned char *)"abcdefghij", 10), 10);
    assert_int_equal(clasp_write(t.cli, (const unsigned char *)"KL", 2), 2);
    unsigned char b[16];
    assert_int_equal(clasp_read(t.srv, b, 3), 3);
    assert_memory_equal(b, "abc", 3);
    assert_int_equal(clasp_get_bytes_avail(t.srv), 7);
    assert_int_equal(clasp_read(t.srv, b, 1), 1);
    assert_int_equal(b[0], 'd');
    assert_int_equal(clasp_read(t.srv, b, sizeof(b)), 6);
    assert_memory_equal(b, "efghij", 6);
    assert_int_equal(clasp_get_bytes_avail(t.srv), 0);
    assert_int_equal(clasp_read(t.srv, b, sizeof(b)), 2);
    assert_memory_equal(b, "KL", 2);
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)), CLASP_ERR_WANT_READ);
    /* A write larger than a record is taken one record at a time. */
    static uint8_t big[20000];
    assert_int_equal(clasp_write(t.cli, big, sizeof(big)), 16384);
    free_all(&t, cc, sc);
}

/* ---- server certificate verification ------------------------------------- */

/* The client refuses the server's certificate with err; the server gets the
 * matching alert (RFC 8446 §6.2). */
static void verify_fails(clasp_config *cc, clasp_config *sc, const char *host,
                         int err, int alert)
{
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, host);
    int rc = tp_pair_handshake(&t);
    assert_clasp_err(t.crc, err);
    assert_clasp_err(rc, err);
    assert_clasp_err(t.src, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.srv), alert);
    unsigned char b[4];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(t.srv, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    free_all(&t, cc, sc);
}

static void wrong_hostname(void **state)
{
    (void)state;
    verify_fails(tp_client_conf(), tp_server_conf("rsapss"), "other.test",
                 CLASP_ERR_HOSTNAME_MISMATCH, CLASP_ALERT_BAD_CERTIFICATE);
    /* A certificate for another name, presented for localhost. */
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_clasp_ok(
        clasp_conf_own_cert_file(sc, TP_PKI "neg/other-host-chain.pem",
                                 TP_PKI "neg/other-host.key", NULL));
    verify_fails(tp_client_conf(), sc, "localhost", CLASP_ERR_HOSTNAME_MISMATCH,
                 CLASP_ALERT_BAD_CERTIFICATE);
}

/* The alert of a fatal error reaches the peer even when the transport
 * takes few bytes at a time or refuses writes now and then: a later call
 * on the dead context finishes sending it (RFC 8446 §6.2). */
static void alert_delivered_over_slow_transport(void **state)
{
    (void)state;
    static const struct {
        size_t max_io;
        int write_block;
    } modes[] = {{1, 0}, {1, 1}, {3, 1}, {0, 1}};
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        tp_pair t;
        tp_pair_init(&t, cc, sc, modes[m].max_io, modes[m].write_block,
                     "other.test");
        tp_pair_handshake(&t);
        assert_clasp_err(t.crc, CLASP_ERR_HOSTNAME_MISMATCH);
        int src = t.src;
        for (int i = 0; i < 100 && src != CLASP_ERR_PEER_ALERT; i++) {
            assert_clasp_err(clasp_handshake(t.cli),
                             CLASP_ERR_HOSTNAME_MISMATCH);
            src = clasp_handshake(t.srv);
            assert_true(src == CLASP_ERR_WANT_READ ||
                        src == CLASP_ERR_PEER_ALERT);
        }
        assert_clasp_err(src, CLASP_ERR_PEER_ALERT);
        assert_int_equal(clasp_get_peer_alert(t.srv),
                         CLASP_ALERT_BAD_CERTIFICATE);
        free_all(&t, cc, sc);
    }
}

static void untrusted_root(void **state)
{
    (void)state;
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_ok(clasp_conf_ca_file(cc, TP_PKI "rsa2048/root.pem"));
    verify_fails(cc, tp_server_conf("ecdsa-p256"), "localhost",
                 CLASP_ERR_UNKNOWN_CA, CLASP_ALERT_UNKNOWN_CA);
}

static void expired_certificate(void **state)
{
    (void)state;
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_clasp_ok(clasp_conf_own_cert_file(sc, TP_PKI "neg/expired-chain.pem",
                                             TP_PKI "neg/expired.key", NULL));
    verify_fails(tp_client_conf(), sc, "localhost",
                 CLASP_ERR_CERTIFICATE_EXPIRED,
                 CLASP_ALERT_CERTIFICATE_EXPIRED);
}

/* SECURITY-CHECKLIST 54: verification without a name fails closed, before
 * a single byte goes out. */
static void no_hostname_with_verification(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, NULL);
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_NO_HOSTNAME);
    assert_int_equal(t.p.q[0].len, 0);
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_NO_HOSTNAME);
    assert_clasp_err(clasp_write(t.cli, (const unsigned char *)"x", 1),
                     CLASP_ERR_NO_HOSTNAME);
    assert_int_equal(t.p.q[0].len, 0);
    free_all(&t, cc, sc);
}

static void authmode_none_without_hostname(void **state)
{
    (void)state;
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_ok(clasp_conf_authmode(cc, CLASP_VERIFY_NONE));
    clasp_config *sc = tp_server_conf("ed448");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, NULL);
    tp_pair_connect(&t);
    /* The CertificateVerify is still checked against the leaf. */
    assert_int_equal(clasp_get_peer_sig_alg(t.cli), CLASP_SIG_ED448);
    roundtrip(&t, 1000);
    free_all(&t, cc, sc);
}

/* ---- closing ------------------------------------------------------------- */

static void close_notify_both_ways(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    unsigned char b[64];
    assert_int_equal(clasp_write(t.cli, (const unsigned char *)"last", 4), 4);
    assert_clasp_ok(clasp_close_notify(t.cli));
    /* Data before close_notify still arrives, then the close. */
    assert_int_equal(clasp_read(t.srv, b, sizeof(b)), 4);
    assert_memory_equal(b, "last", 4);
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    assert_int_equal(clasp_get_peer_alert(t.srv), CLASP_ALERT_CLOSE_NOTIFY);
    /* Our side is closed for writing; the peer's is not (§6.1). */
    assert_clasp_err(clasp_write(t.cli, b, 1), CLASP_ERR_BAD_STATE);
    assert_int_equal(clasp_write(t.srv, (const unsigned char *)"bye", 3), 3);
    assert_int_equal(clasp_read(t.cli, b, sizeof(b)), 3);
    assert_clasp_ok(clasp_close_notify(t.srv));
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    /* Transport EOF after close_notify is still an orderly close. */
    t.p.client.closed = 1;
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    free_all(&t, cc, sc);
}

/* RFC 8446 §6.1: close_notify closes our write side: nothing follows it,
 * not even the KeyUpdate a peer asks for (§4.6.3 wants it only before our
 * next application data, which never comes). */
static void nothing_sent_after_close_notify(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    assert_clasp_ok(clasp_close_notify(t.cli));
    size_t closed_at = t.p.q[0].len;
    assert_clasp_err(clasp_key_update(t.cli, 0), CLASP_ERR_BAD_STATE);
    assert_int_equal(t.p.q[0].len, closed_at);
    /* The server asks for an update and sends data: the client reads it
     * and sends nothing. */
    assert_clasp_ok(clasp_key_update(t.srv, 1));
    assert_int_equal(clasp_write(t.srv, (const unsigned char *)"x", 1), 1);
    unsigned char b[8];
    assert_int_equal(clasp_read(t.cli, b, sizeof(b)), 1);
    assert_int_equal(t.p.q[0].len, closed_at);
    /* The server still reads the close. */
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    free_all(&t, cc, sc);
}

/* RFC 8446 §6.1: data after close_notify is ignored. */
static void data_after_close_notify_is_ignored(void **state)
{
    (void)state;
    tp_keylog kl = {0};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_keylog(cc, tp_keylog_cb, &kl));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(clasp_close_notify(t.cli));
    uint8_t c0[64];
    tp_keylog_get(&kl, "CLIENT_TRAFFIC_SECRET_0", c0);
    tp_dir d;
    tp_dir_init(&d, (uint16_t)clasp_get_ciphersuite_id(t.cli), c0);
    d.seq = 1; /* the close_notify was record 0 */
    tp_dir_seal(&d, 23, "after", 5, &t.p.q[0]);
    unsigned char b[16];
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_PEER_CLOSE_NOTIFY);
    tp_dir_free(&d);
    free_all(&t, cc, sc);
}

static void transport_eof_is_truncation(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    unsigned char b[16];
    t.p.server.closed = 1;
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)), CLASP_ERR_CONN_EOF);
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)), CLASP_ERR_CONN_EOF);
    assert_clasp_err(clasp_write(t.srv, b, 1), CLASP_ERR_CONN_EOF);
    free_all(&t, cc, sc);

    /* In the middle of the handshake too. */
    cc = tp_client_conf();
    sc = tp_server_conf("ecdsa-p256");
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    t.p.client.closed = 1;
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_CONN_EOF);
    free_all(&t, cc, sc);
}

/* After a fatal error every call returns the same code and nothing more is
 * sent (RFC 8446 §6.2; clasp.h). */
static void assert_dead(clasp_context *c, tp_queue *out, int err)
{
    size_t before = out->len;
    unsigned char b[16];
    assert_clasp_err(clasp_handshake(c), err);
    assert_clasp_err(clasp_handshake_step(c), err);
    assert_clasp_err(clasp_read(c, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(c, b, sizeof(b)), err);
    assert_clasp_err(clasp_key_update(c, 1), err);
    assert_clasp_err(clasp_close_notify(c), err);
    assert_clasp_err(clasp_export_keying_material(c, b, 16, "x", NULL, 0), err);
    assert_int_equal(out->len, before);
}

static void errors_are_sticky(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    t.p.server.closed = 1;
    unsigned char b[4];
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)), CLASP_ERR_CONN_EOF);
    assert_dead(t.srv, &t.p.q[1], CLASP_ERR_CONN_EOF);
    free_all(&t, cc, sc);

    /* A protocol failure: the hostname check. */
    cc = tp_client_conf();
    sc = tp_server_conf("ecdsa-p256");
    tp_pair_init(&t, cc, sc, 0, 0, "nope.test");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_HOSTNAME_MISMATCH);
    assert_dead(t.cli, &t.p.q[0], CLASP_ERR_HOSTNAME_MISMATCH);
    assert_dead(t.srv, &t.p.q[1], CLASP_ERR_PEER_ALERT);
    free_all(&t, cc, sc);
}

/* ---- reuse --------------------------------------------------------------- */

static void session_reset_then_second_handshake(void **state)
{
    (void)state;
    tp_pair t;
    clasp_config *cc, *sc;
    connect_default(&t, &cc, &sc, 0, 0);
    roundtrip(&t, 5000);
    uint8_t e1[32], e2[32];
    assert_clasp_ok(
        clasp_export_keying_material(t.cli, e1, 32, "reuse", NULL, 0));
    assert_clasp_ok(clasp_close_notify(t.cli));
    tp_q_clear(&t.p.q[0]);
    tp_q_clear(&t.p.q[1]);
    assert_clasp_ok(clasp_session_reset(t.cli));
    assert_clasp_ok(clasp_session_reset(t.srv));
    assert_int_equal(clasp_is_handshake_over(t.cli), 0);
    assert_int_equal(clasp_get_peer_alert(t.srv), -1);
    tp_pair_connect(&t);
    roundtrip(&t, 5000);
    assert_clasp_ok(
        clasp_export_keying_material(t.srv, e2, 32, "reuse", NULL, 0));
    assert_memory_not_equal(e1, e2, 32);
    free_all(&t, cc, sc);
}

/* SECURITY-CHECKLIST 58: a failed handshake leaves nothing behind; reset
 * and a normal handshake on the same contexts work. */
static void session_reset_after_failure(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "wrong.test");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_HOSTNAME_MISMATCH);
    tp_q_clear(&t.p.q[0]);
    tp_q_clear(&t.p.q[1]);
    assert_clasp_ok(clasp_session_reset(t.cli));
    assert_clasp_ok(clasp_session_reset(t.srv));
    assert_clasp_ok(clasp_set_hostname(t.cli, "localhost"));
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_peer_alert(t.cli), -1);
    roundtrip(&t, 100);
    free_all(&t, cc, sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_update_both_directions),
        cmocka_unit_test(key_update_request_is_answered_under_new_keys),
        cmocka_unit_test(ten_megabytes_each_way),
        cmocka_unit_test(partial_reads),
        cmocka_unit_test(wrong_hostname),
        cmocka_unit_test(alert_delivered_over_slow_transport),
        cmocka_unit_test(untrusted_root),
        cmocka_unit_test(expired_certificate),
        cmocka_unit_test(no_hostname_with_verification),
        cmocka_unit_test(authmode_none_without_hostname),
        cmocka_unit_test(close_notify_both_ways),
        cmocka_unit_test(nothing_sent_after_close_notify),
        cmocka_unit_test(data_after_close_notify_is_ignored),
        cmocka_unit_test(transport_eof_is_truncation),
        cmocka_unit_test(errors_are_sticky),
        cmocka_unit_test(session_reset_then_second_handshake),
        cmocka_unit_test(session_reset_after_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
