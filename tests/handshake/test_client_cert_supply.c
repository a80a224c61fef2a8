/* A client certificate callback that supplies a certificate the client's
 * own config does not hold (issue #6: "an optional callback to pick or
 * supply one when requested"), through clasp_set_hs_own_cert. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

static int calls;

static int supply_cb(void *arg, clasp_context *ssl, const unsigned char *ca,
                     size_t ca_len, const uint16_t *sig_algs, size_t n)
{
    (void)ca;
    (void)ca_len;
    (void)sig_algs;
    (void)n;
    calls++;
    int rc = clasp_set_hs_own_cert(ssl, (const clasp_config *)arg);
    return rc < 0 ? rc : CLASP_CLIENT_CERT_DEFAULT;
}

static clasp_config *auth_server(void)
{
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    return sc;
}

static void callback_supplies_a_certificate(void **state)
{
    (void)state;
    clasp_config *store = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(store);
    assert_clasp_ok(clasp_conf_own_cert_file(store,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    clasp_config *cc = tp_client_conf(); /* no certificate of its own */
    assert_clasp_ok(clasp_conf_client_cert_cb(cc, supply_cb, store));
    clasp_config *sc = auth_server();
    calls = 0;
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(calls, 1);
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t.srv, &der, &len));
    size_t want_len;
    uint8_t *want = tp_pem_der("pki/client/client.pem", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_config_free(store);
}

static int none_cb(void *arg, clasp_context *ssl, const unsigned char *ca,
                   size_t ca_len, const uint16_t *sig_algs, size_t n)
{
    (void)arg;
    (void)ssl;
    (void)ca;
    (void)ca_len;
    (void)sig_algs;
    (void)n;
    calls++;
    return CLASP_ERR_NOT_FOUND;
}

static void without_a_supplied_certificate_the_server_requires_one(void **s)
{
    (void)s;
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_client_cert_cb(cc, none_cb, NULL));
    clasp_config *sc = auth_server();
    calls = 0;
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_CERTIFICATE_REQUIRED);
    assert_int_equal(calls, 1);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callback_supplies_a_certificate),
        cmocka_unit_test(
            without_a_supplied_certificate_the_server_requires_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
