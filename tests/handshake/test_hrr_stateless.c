/* The server's stateless HelloRetryRequest cookie (clasp_conf_hrr_cookie,
 * RFC 8446 §4.2.2): the second ClientHello is answered by a *fresh*
 * server context, which continues from the cookie alone. */
#include "testlib.h"

#include <string.h>

#include "pipe.h"

static clasp_config *hrr_conf(void)
{
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    const uint16_t g = CLASP_GROUP_SECP384R1;
    assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
    assert_clasp_ok(clasp_conf_hrr_cookie(sc, 1));
    return sc;
}

/* Run the client until it has answered the HRR of server context a; the
 * second ClientHello waits in q[0]. */
static void to_second_hello(tp_pair *t)
{
    assert_clasp_err(clasp_handshake(t->cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(t->srv), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_get_hrr_used(t->srv), 1);
    assert_clasp_err(clasp_handshake(t->cli), CLASP_ERR_WANT_READ);
    assert_true(t->p.q[0].len > 0);
}

/* Replace the pair's server by a fresh context of the same config. */
static void fresh_server(tp_pair *t, clasp_config *sc)
{
    clasp_free(t->srv);
    t->srv = clasp_new();
    assert_non_null(t->srv);
    assert_clasp_ok(clasp_setup(t->srv, sc));
    clasp_set_bio(t->srv, &t->p.server, tp_send, tp_recv, NULL);
}

static void fresh_context_continues_from_the_cookie(void **state)
{
    (void)state;
    clasp_config *sc = hrr_conf();
    clasp_config *cc = tp_client_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    to_second_hello(&t);
    fresh_server(&t, sc);
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_hrr_used(t.srv), 1);
    assert_int_equal(clasp_get_hrr_used(t.cli), 1);
    assert_int_equal(clasp_get_group(t.srv), CLASP_GROUP_SECP384R1);
    static const uint8_t ping[] = "ping over a stateless retry";
    assert_clasp_ok(tp_transfer(t.cli, t.srv, ping, sizeof(ping)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, ping, sizeof(ping)));
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void tampered_cookie_is_illegal_parameter(void **state)
{
    (void)state;
    clasp_config *sc = hrr_conf();
    clasp_config *cc = tp_client_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    to_second_hello(&t);
    fresh_server(&t, sc);
    /* Flip a byte of the cookie's extension data in CH2 on the wire. */
    tp_queue *q = &t.p.q[0];
    size_t off = 0, len = 0;
    size_t rec = 0;
    while (rec + 5 < q->len && q->buf[rec] != 22) {
        rec += 5 + ((size_t)q->buf[rec + 3] << 8 | q->buf[rec + 4]);
    }
    assert_true(rec + 5 < q->len);
    const uint8_t *msg = q->buf + rec + 5;
    size_t msg_len = (size_t)q->buf[rec + 3] << 8 | q->buf[rec + 4];
    assert_true(tp_hello_ext(msg, msg_len, 44, &off, &len) != 0);
    assert_true(len > 10);
    q->buf[rec + 5 + off + 6] ^= 0x01;
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_ILLEGAL_PARAMETER);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void cookie_of_another_server_key_is_refused(void **state)
{
    (void)state;
    clasp_config *sc = hrr_conf();
    clasp_config *other = hrr_conf(); /* another random cookie key */
    clasp_config *cc = tp_client_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    to_second_hello(&t);
    fresh_server(&t, other);
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_ILLEGAL_PARAMETER);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_config_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_context_continues_from_the_cookie),
        cmocka_unit_test(tampered_cookie_is_illegal_parameter),
        cmocka_unit_test(cookie_of_another_server_key_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
