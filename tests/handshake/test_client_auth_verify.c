/* The verify callback (clasp_conf_verify) deciding on client chains, and
 * the client-authentication outcome bound to tickets around
 * post-handshake authentication (SECURITY-CHECKLIST 56). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

typedef struct {
    int calls;
    int result;    /* the library's verdict seen */
    size_t count;  /* chain length seen */
    int leaf_ok;   /* leaf was the tests/pki client certificate */
    int answer;    /* what the callback returns */
    uint8_t *want; /* expected leaf (DER) */
    size_t want_len;
} cb_state;

static int verify_cb(void *arg, clasp_context *ssl,
                     const unsigned char *const *der, const size_t *len,
                     size_t count, int result)
{
    cb_state *st = arg;
    assert_non_null(ssl);
    st->calls++;
    st->result = result;
    st->count = count;
    st->leaf_ok = count > 0 && st->want != NULL && len[0] == st->want_len &&
                  memcmp(der[0], st->want, len[0]) == 0;
    return st->answer;
}

static void free_all(tp_pair *t, clasp_config *cc, clasp_config *sc)
{
    tp_pair_free(t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static clasp_config *client_with_cert(void)
{
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_own_cert_file(cc,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    return cc;
}

static clasp_config *server_with_cb(int authmode, const char *ca, cb_state *st)
{
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, authmode));
    assert_clasp_ok(clasp_conf_ca_file(sc, ca));
    assert_clasp_ok(clasp_conf_verify(sc, verify_cb, st));
    st->want = tp_pem_der("pki/client/client.pem", &st->want_len);
    return sc;
}

/* A good chain refused by the application: access_denied. */
static void callback_refuses_good_chain(void **state)
{
    (void)state;
    cb_state st = {.answer = CLASP_ERR_ACCESS_DENIED};
    clasp_config *cc = client_with_cert();
    clasp_config *sc =
        server_with_cb(CLASP_VERIFY_REQUIRED, TP_PKI "all-roots.pem", &st);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_ACCESS_DENIED);
    assert_clasp_err(t.src, CLASP_ERR_ACCESS_DENIED);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli), CLASP_ALERT_ACCESS_DENIED);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.result, 0);
    /* tests/pki README: client-chain.pem is the leaf and its
     * intermediate. */
    assert_int_equal(st.count, 2);
    assert_true(st.leaf_ok);
    free(st.want);
    free_all(&t, cc, sc);
}

/* An untrusted chain accepted by the application. */
static void callback_accepts_untrusted_chain(void **state)
{
    (void)state;
    cb_state st = {.answer = 0};
    clasp_config *cc = client_with_cert();
    clasp_config *sc =
        server_with_cb(CLASP_VERIFY_REQUIRED, TP_PKI "rsa2048/root.pem", &st);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.result, CLASP_ERR_UNKNOWN_CA);
    assert_true(st.leaf_ok);
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t.srv, &der, &len));
    free(st.want);
    free_all(&t, cc, sc);
}

/* An error outside the certificate class becomes bad_certificate. */
static void callback_other_error_is_bad_certificate(void **state)
{
    (void)state;
    cb_state st = {.answer = CLASP_ERR_INTERNAL};
    clasp_config *cc = client_with_cert();
    clasp_config *sc =
        server_with_cb(CLASP_VERIFY_REQUIRED, TP_PKI "all-roots.pem", &st);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_BAD_CERTIFICATE);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli), CLASP_ALERT_BAD_CERTIFICATE);
    free(st.want);
    free_all(&t, cc, sc);
}

/* OPTIONAL, post-handshake: a refusal is reported, the connection
 * stays. */
static void callback_refusal_in_pha_reported(void **state)
{
    (void)state;
    cb_state st = {.answer = CLASP_ERR_ACCESS_DENIED};
    clasp_config *cc = client_with_cert();
    clasp_config *sc =
        server_with_cb(CLASP_VERIFY_OPTIONAL, TP_PKI "all-roots.pem", &st);
    assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
    assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(st.calls, 0);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    unsigned char b[8];
    assert_int_equal(clasp_write(t.srv, (const unsigned char *)"x", 1), 1);
    assert_int_equal(clasp_read(t.cli, b, sizeof(b)), 1);
    assert_int_equal(clasp_write(t.cli, (const unsigned char *)"y", 1), 1);
    assert_int_equal(clasp_read(t.srv, b, sizeof(b)), 1);
    assert_int_equal(st.calls, 1);
    assert_int_equal(clasp_get_post_handshake_auth(t.srv),
                     CLASP_PHA_NOT_VERIFIED);
    assert_int_equal(clasp_get_verify_result(t.srv), CLASP_ERR_ACCESS_DENIED);
    free(st.want);
    free_all(&t, cc, sc);
}

/* Server data to the client and back, so that tickets are read. */
static void exchange(tp_pair *t)
{
    static const uint8_t a[] = "to the client";
    static const uint8_t b[] = "to the server";
    assert_clasp_ok(tp_transfer(t->srv, t->cli, a, sizeof(a)));
    assert_clasp_ok(tp_transfer(t->cli, t->srv, b, sizeof(b)));
}

static clasp_session *session_of(clasp_context *cli, int tickets)
{
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    assert_clasp_ok(clasp_get_session(cli, s));
    assert_int_equal(clasp_session_ticket_count(s), tickets);
    return s;
}

/* A ticket issued before post-handshake authentication carries no client
 * authentication: a server that requires one does not resume it; a
 * ticket issued after the certificate verified does resume. */
static void tickets_bind_pha_outcome(void **state)
{
    (void)state;
    clasp_config *cc = client_with_cert();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    assert_clasp_ok(clasp_conf_session_tickets(sc, 1));
    assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
    assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    exchange(&t);
    clasp_session *before = session_of(t.cli, 1);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    exchange(&t);
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_VERIFIED);
    assert_clasp_ok(clasp_send_new_session_ticket(t.srv));
    exchange(&t);
    clasp_session *after = session_of(t.cli, 2);
    tp_pair_free(&t);

    /* The ticket from before: a full handshake (no upgrade). */
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, before));
    tp_pair_connect(&t);
    assert_int_equal(clasp_is_session_resumed(t.srv), 0);
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_NONE);
    tp_pair_free(&t);

    /* The newest ticket from after: resumed. */
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, after));
    tp_pair_connect(&t);
    assert_int_equal(clasp_is_session_resumed(t.srv), 1);
    tp_pair_free(&t);

    clasp_session_free(before);
    clasp_session_free(after);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* SECURITY-CHECKLIST 55: with OPTIONAL a refused chain is reported, and
 * the reason is the right one. */
static void verify_result_reported(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("rsa2048");
        assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_OPTIONAL));
        assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
        if (which == 0) {
            assert_clasp_ok(clasp_conf_own_cert_file(
                cc, TP_PKI "neg/ku-keyenc-only-chain.pem",
                TP_PKI "neg/ku-keyenc-only.key", NULL));
        } else if (which == 1) {
            assert_clasp_ok(
                clasp_conf_own_cert_file(cc, TP_PKI "client/client-chain.pem",
                                         TP_PKI "client/client.key", NULL));
        }
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        tp_pair_connect(&t);
        const unsigned char *der;
        size_t len;
        int want[3] = {CLASP_ERR_UNSUPPORTED_CERTIFICATE, 0,
                       CLASP_ERR_NOT_FOUND};
        assert_int_equal(clasp_get_verify_result(t.srv), want[which]);
        if (which < 2) {
            assert_clasp_ok(clasp_get_peer_cert(t.srv, &der, &len));
        }
        /* The client verified the server. */
        assert_int_equal(clasp_get_verify_result(t.cli), 0);
        free_all(&t, cc, sc);
    }
    assert_clasp_err(clasp_get_verify_result(NULL), CLASP_ERR_BAD_INPUT_DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callback_refuses_good_chain),
        cmocka_unit_test(callback_accepts_untrusted_chain),
        cmocka_unit_test(callback_other_error_is_bad_certificate),
        cmocka_unit_test(callback_refusal_in_pha_reported),
        cmocka_unit_test(tickets_bind_pha_outcome),
        cmocka_unit_test(verify_result_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
