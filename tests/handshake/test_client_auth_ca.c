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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
