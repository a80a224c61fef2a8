/* certificate_authorities (RFC 8446 §4.2.4) in CertificateRequest (on by
 * default) and in ClientHello (client option): each side picks the chain
 * the other's trust anchors name. Each case also runs with the list
 * turned off, where the first chain is sent and refused: the list, not
 * the order of the chains, made the difference. */
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

/* Client with an ed25519 chain first, then the tests/pki client chain
 * (issued under ecdsa-p256); the server trusts the ecdsa-p256 root only. */
static void run_cr_list(int list_on, int pha)
{
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "ecdsa-p256/root.pem"));
    if (!list_on) {
        assert_clasp_ok(clasp_conf_cert_req_ca_list(sc, 0));
    }
    tp_conf_add_cert(cc, "ed25519");
    assert_clasp_ok(clasp_conf_own_cert_file(cc,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    if (pha) {
        assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
        assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    }
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    unsigned char b[8];
    if (pha) {
        tp_pair_connect(&t);
        assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
        assert_int_equal(clasp_write(t.srv, (const unsigned char *)"x", 1), 1);
        assert_int_equal(clasp_read(t.cli, b, sizeof(b)), 1);
        assert_int_equal(clasp_write(t.cli, (const unsigned char *)"y", 1), 1);
        int rc = clasp_read(t.srv, b, sizeof(b));
        if (!list_on) {
            assert_clasp_err(rc, CLASP_ERR_UNKNOWN_CA);
            free_all(&t, cc, sc);
            return;
        }
        assert_int_equal(rc, 1);
        assert_int_equal(clasp_get_post_handshake_auth(t.srv),
                         CLASP_PHA_VERIFIED);
    } else if (!list_on) {
        assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_UNKNOWN_CA);
        assert_clasp_err(t.src, CLASP_ERR_UNKNOWN_CA);
        free_all(&t, cc, sc);
        return;
    } else {
        tp_pair_connect(&t);
    }
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t.srv, &der, &len));
    size_t want_len;
    uint8_t *want = tp_pem_der("pki/client/client.pem", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
    free_all(&t, cc, sc);
}

static void cr_list_picks_client_chain(void **state)
{
    (void)state;
    run_cr_list(1, 0);
}

static void cr_list_off_first_chain_refused(void **state)
{
    (void)state;
    run_cr_list(0, 0);
}

static void pha_cr_list_picks_client_chain(void **state)
{
    (void)state;
    run_cr_list(1, 1);
}

static void pha_cr_list_off_first_chain_refused(void **state)
{
    (void)state;
    run_cr_list(0, 1);
}

/* Server with ecdsa-p256 then rsa2048 chains; the client trusts the
 * rsa2048 root only. */
static void run_ch_list(int list_on)
{
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(cc);
    assert_clasp_ok(clasp_conf_ca_file(cc, TP_PKI "rsa2048/root.pem"));
    if (list_on) {
        assert_clasp_ok(clasp_conf_ca_names_in_hello(cc, 1));
    }
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    tp_conf_add_cert(sc, "rsa2048");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    if (!list_on) {
        assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_UNKNOWN_CA);
        assert_clasp_err(t.crc, CLASP_ERR_UNKNOWN_CA);
        free_all(&t, cc, sc);
        return;
    }
    tp_pair_connect(&t);
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t.cli, &der, &len));
    size_t want_len;
    uint8_t *want = tp_leaf_der("rsa2048", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
    free_all(&t, cc, sc);
}

static void ch_list_picks_server_chain(void **state)
{
    (void)state;
    run_ch_list(1);
}

static void no_ch_list_first_chain_refused(void **state)
{
    (void)state;
    run_ch_list(0);
}

static void setters_refuse_null(void **state)
{
    (void)state;
    assert_clasp_err(clasp_conf_cert_req_ca_list(NULL, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_ca_names_in_hello(NULL, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_post_handshake_auth(NULL, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_verify_client_post_handshake(NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_client_cert_cb(NULL, NULL, NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_verify(NULL, NULL, NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
}

/* ---- the client's certificate callback ---------------------------------- */

typedef struct {
    int answer;
    int calls;
    size_t ca_len;
    size_t sig_alg_count;
} pick_state;

static int pick_cb(void *arg, clasp_context *ssl, const unsigned char *ca,
                   size_t ca_len, const uint16_t *sig_algs,
                   size_t sig_alg_count)
{
    pick_state *st = arg;
    assert_non_null(ssl);
    assert_true(ca == NULL || ca_len > 0);
    assert_non_null(sig_algs);
    st->calls++;
    st->ca_len = ca_len;
    st->sig_alg_count = sig_alg_count;
    return st->answer;
}

/* Client chains: [0] ed25519, [1] the tests/pki client chain; the server
 * trusts all roots and requires a certificate. Returns the handshake
 * result; *leaf: the server saw the client.pem leaf. */
static int run_pick(pick_state *st, int pha, int *leaf)
{
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    tp_conf_add_cert(cc, "ed25519");
    assert_clasp_ok(clasp_conf_own_cert_file(cc,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    assert_clasp_ok(clasp_conf_client_cert_cb(cc, pick_cb, st));
    if (pha) {
        assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
        assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    }
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    int rc = tp_pair_handshake(&t);
    if (rc == 0 && pha) {
        assert_int_equal(st->calls, 0);
        unsigned char b[8];
        assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
        assert_int_equal(clasp_write(t.srv, (const unsigned char *)"x", 1), 1);
        rc = clasp_read(t.cli, b, sizeof(b));
        if (rc == 1) {
            assert_int_equal(clasp_write(t.cli, (const unsigned char *)"y", 1),
                             1);
            rc = clasp_read(t.srv, b, sizeof(b));
            rc = rc == 1 ? 0 : rc;
        }
    }
    *leaf = 0;
    const unsigned char *der;
    size_t len;
    if (rc == 0 && clasp_get_peer_cert(t.srv, &der, &len) == 0) {
        size_t want_len;
        uint8_t *want = tp_pem_der("pki/client/client.pem", &want_len);
        *leaf = len == want_len && memcmp(der, want, len) == 0;
        free(want);
    }
    free_all(&t, cc, sc);
    return rc;
}

static void callback_picks_second_chain(void **state)
{
    (void)state;
    for (int pha = 0; pha < 2; pha++) {
        pick_state st = {.answer = 1};
        int leaf;
        assert_clasp_ok(run_pick(&st, pha, &leaf));
        assert_true(leaf);
        assert_int_equal(st.calls, 1);
        /* The server's default list of its trust anchors came along. */
        assert_true(st.ca_len > 0);
        assert_true(st.sig_alg_count > 0);
    }
}

static void callback_sends_none(void **state)
{
    (void)state;
    for (int pha = 0; pha < 2; pha++) {
        pick_state st = {.answer = CLASP_ERR_NOT_FOUND};
        int leaf;
        /* §4.4.2.4: the server that insists says certificate_required. */
        assert_clasp_err(run_pick(&st, pha, &leaf),
                         CLASP_ERR_CERTIFICATE_REQUIRED);
        assert_int_equal(st.calls, 1);
    }
}

static void callback_default_and_abort(void **state)
{
    (void)state;
    pick_state st = {.answer = CLASP_CLIENT_CERT_DEFAULT};
    int leaf;
    /* The library's choice: the first chain whose issuer the list names
     * (all roots are listed: the ed25519 chain). */
    assert_clasp_ok(run_pick(&st, 0, &leaf));
    assert_false(leaf);
    assert_int_equal(st.calls, 1);
    st.answer = CLASP_ERR_ACCESS_DENIED;
    st.calls = 0;
    assert_clasp_err(run_pick(&st, 0, &leaf), CLASP_ERR_ACCESS_DENIED);
    assert_int_equal(st.calls, 1);
    /* An index past the configured certificates is an error. */
    st.answer = 2;
    assert_clasp_err(run_pick(&st, 0, &leaf), CLASP_ERR_BAD_INPUT_DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cr_list_picks_client_chain),
        cmocka_unit_test(cr_list_off_first_chain_refused),
        cmocka_unit_test(pha_cr_list_picks_client_chain),
        cmocka_unit_test(pha_cr_list_off_first_chain_refused),
        cmocka_unit_test(ch_list_picks_server_chain),
        cmocka_unit_test(no_ch_list_first_chain_refused),
        cmocka_unit_test(setters_refuse_null),
        cmocka_unit_test(callback_picks_second_chain),
        cmocka_unit_test(callback_sends_none),
        cmocka_unit_test(callback_default_and_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
