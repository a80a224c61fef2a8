/* Post-handshake client authentication (RFC 8446 §4.2.6, §4.6.2) between
 * a clasp client and a clasp server in memory, and its refusals. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs/hs.h"
#include "pipe.h"

static void free_all(tp_pair *t, clasp_config *cc, clasp_config *sc)
{
    tp_pair_free(t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* A server that defers client authentication, a client that offers
 * post_handshake_auth (with the tests/pki client certificate if cert). */
static void pha_pair(tp_pair *t, clasp_config **cc, clasp_config **sc,
                     int authmode, int cert, tp_keylog *ckl)
{
    *cc = tp_client_conf();
    *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(*sc, authmode));
    assert_clasp_ok(clasp_conf_ca_file(*sc, TP_PKI "all-roots.pem"));
    assert_clasp_ok(clasp_conf_post_handshake_auth(*sc, 1));
    assert_clasp_ok(clasp_conf_post_handshake_auth(*cc, 1));
    if (cert) {
        assert_clasp_ok(
            clasp_conf_own_cert_file(*cc, TP_PKI "client/client-chain.pem",
                                     TP_PKI "client/client.key", NULL));
    }
    if (ckl != NULL) {
        memset(ckl, 0, sizeof(*ckl));
        assert_clasp_ok(clasp_conf_keylog(*cc, tp_keylog_cb, ckl));
    }
    tp_pair_init(t, *cc, *sc, 0, 0, "localhost");
    tp_pair_connect(t);
}

static void check_client_leaf(clasp_context *srv)
{
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(srv, &der, &len));
    size_t want_len;
    uint8_t *want = tp_pem_der("pki/client/client.pem", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
}

/* Read exactly want (bounded rounds), driving the other side. */
static void read_exact(clasp_context *r, clasp_context *other, const char *want)
{
    unsigned char b[64];
    size_t n = strlen(want);
    size_t got = 0;
    for (int i = 0; i < 50 && got < n; i++) {
        int rc = clasp_read(r, b + got, n - got);
        if (rc > 0) {
            got += (size_t)rc;
            continue;
        }
        assert_clasp_err(rc, CLASP_ERR_WANT_READ);
        rc = clasp_read(other, b, 0);
        assert_true(rc == CLASP_ERR_WANT_READ || rc >= 0);
    }
    assert_int_equal(got, n);
    assert_memory_equal(b, want, n);
}

static void write_all(clasp_context *w, const char *s)
{
    assert_int_equal(clasp_write(w, (const unsigned char *)s, strlen(s)),
                     (int)strlen(s));
}

/* The whole exchange with application data in flight both ways: the
 * client's data sent before it saw the request, the server's after. */
static void pha_with_data_both_ways(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_REQUIRED, 1, NULL);
    const unsigned char *der;
    size_t len;
    /* No CertificateRequest in the handshake. */
    assert_clasp_err(clasp_get_peer_cert(t.srv, &der, &len),
                     CLASP_ERR_NOT_FOUND);
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_NONE);
    write_all(t.cli, "early ping");
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_PENDING);
    /* One request at a time. */
    assert_clasp_err(clasp_verify_client_post_handshake(t.srv),
                     CLASP_ERR_BAD_STATE);
    write_all(t.srv, "server data");
    read_exact(t.cli, t.srv, "server data");
    assert_int_equal(clasp_get_post_handshake_auth(t.cli), CLASP_PHA_ANSWERED);
    read_exact(t.srv, t.cli, "early ping");
    write_all(t.cli, "late ping");
    read_exact(t.srv, t.cli, "late ping");
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_VERIFIED);
    check_client_leaf(t.srv);
    /* tests/pki README: the client certificate is an ecdsa-p256 key. */
    assert_int_equal(clasp_get_peer_sig_alg(t.srv),
                     CLASP_SIG_ECDSA_SECP256R1_SHA256);
    /* A second request, with a new context, works as well. */
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    write_all(t.srv, "again");
    read_exact(t.cli, t.srv, "again");
    write_all(t.cli, "ok");
    read_exact(t.srv, t.cli, "ok");
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_VERIFIED);
    free_all(&t, cc, sc);
}

/* §4.4: the Finished key comes from client_application_traffic_secret_N:
 * the client updates its key before it answers. */
static void pha_after_key_update(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_REQUIRED, 1, NULL);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    assert_clasp_ok(clasp_key_update(t.cli, 0));
    write_all(t.srv, "x");
    read_exact(t.cli, t.srv, "x");
    write_all(t.cli, "y");
    read_exact(t.srv, t.cli, "y");
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_VERIFIED);
    free_all(&t, cc, sc);
}

/* REQUIRED and an empty Certificate: certificate_required (§4.4.2.4). */
static void pha_required_without_certificate(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_REQUIRED, 0, NULL);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    write_all(t.srv, "x");
    read_exact(t.cli, t.srv, "x");
    assert_int_equal(clasp_get_post_handshake_auth(t.cli), CLASP_PHA_NO_CERT);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_CERTIFICATE_REQUIRED);
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_CERTIFICATE_REQUIRED);
    free_all(&t, cc, sc);
}

/* OPTIONAL: the connection goes on and the outcome is reported. */
static void pha_optional_without_certificate(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_OPTIONAL, 0, NULL);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    write_all(t.srv, "x");
    read_exact(t.cli, t.srv, "x");
    write_all(t.cli, "y");
    read_exact(t.srv, t.cli, "y");
    assert_int_equal(clasp_get_post_handshake_auth(t.srv), CLASP_PHA_NO_CERT);
    const unsigned char *der;
    size_t len;
    assert_clasp_err(clasp_get_peer_cert(t.srv, &der, &len),
                     CLASP_ERR_NOT_FOUND);
    free_all(&t, cc, sc);
}

/* §4.6.2: a server does not ask a client that did not offer it; a
 * client that did not offer it and gets a request: unexpected_message. */
static void pha_not_offered(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_OPTIONAL));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_err(clasp_verify_client_post_handshake(t.srv),
                     CLASP_ERR_BAD_STATE);
    /* Force the server past its own check (test only). */
    t.srv->pha_offered = true;
    assert_clasp_err(clasp_verify_client_post_handshake(t.srv),
                     CLASP_ERR_INTERNAL);
    free_all(&t, cc, sc);
}

/* The request sealed by hand: a client that did not offer
 * post_handshake_auth answers unexpected_message. */
static void pha_request_without_offer_refused(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    tp_keylog skl;
    memset(&skl, 0, sizeof(skl));
    assert_clasp_ok(clasp_conf_keylog(sc, tp_keylog_cb, &skl));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    uint8_t secret[64];
    tp_keylog_get(&skl, "SERVER_TRAFFIC_SECRET_0", secret);
    tp_dir d;
    tp_dir_init(&d, (uint16_t)clasp_get_ciphersuite_id(t.srv), secret);
    /* The server's NewSessionTickets went first under this key. */
    tp_q_clear(&t.p.q[1]);
    d.seq = 0;
    /* RFC 8446 §4.3.2: context 01 02, signature_algorithms
     * {ecdsa_secp256r1_sha256}. */
    static const uint8_t cr[] = {0x0d, 0x00, 0x00, 0x0d, 0x02, 0x01,
                                 0x02, 0x00, 0x08, 0x00, 0x0d, 0x00,
                                 0x04, 0x00, 0x02, 0x04, 0x03};
    tp_dir_seal(&d, 22, cr, sizeof(cr), &t.p.q[1]);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_dir_free(&d);
    free_all(&t, cc, sc);
}

/* SECURITY-CHECKLIST 24: a Finished without Certificate and
 * CertificateVerify while a request is open is refused, from its header. */
static void pha_finished_alone_refused(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    tp_keylog ckl;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_OPTIONAL, 1, &ckl);
    assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
    uint8_t secret[64];
    size_t n = tp_keylog_get(&ckl, "CLIENT_TRAFFIC_SECRET_0", secret);
    assert_int_equal(n, 32);
    tp_dir d;
    tp_dir_init(&d, (uint16_t)clasp_get_ciphersuite_id(t.cli), secret);
    uint8_t fin[4 + 32] = {0x14, 0x00, 0x00, 0x20};
    tp_dir_seal(&d, 22, fin, sizeof(fin), &t.p.q[0]);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_dir_free(&d);
    free_all(&t, cc, sc);
}

/* Without an open request a Certificate is unexpected_message too. */
static void pha_certificate_without_request_refused(void **state)
{
    (void)state;
    clasp_config *cc, *sc;
    tp_pair t;
    tp_keylog ckl;
    pha_pair(&t, &cc, &sc, CLASP_VERIFY_OPTIONAL, 1, &ckl);
    uint8_t secret[64];
    tp_keylog_get(&ckl, "CLIENT_TRAFFIC_SECRET_0", secret);
    tp_dir d;
    tp_dir_init(&d, (uint16_t)clasp_get_ciphersuite_id(t.cli), secret);
    static const uint8_t ct[] = {0x0b, 0x00, 0x00, 0x04,
                                 0x00, 0x00, 0x00, 0x00};
    tp_dir_seal(&d, 22, ct, sizeof(ct), &t.p.q[0]);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.srv, b, sizeof(b)),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_dir_free(&d);
    free_all(&t, cc, sc);
}

/* An evil client: the server's open request answered by hand, sealed
 * under the client's application key. */
typedef struct {
    tp_pair t;
    clasp_config *cc;
    clasp_config *sc;
    tp_keylog ckl;
    tp_dir d;
    uint8_t msg[4096];
    size_t len;
} evil;

static void evil_start(evil *e)
{
    pha_pair(&e->t, &e->cc, &e->sc, CLASP_VERIFY_OPTIONAL, 1, &e->ckl);
    assert_clasp_ok(clasp_verify_client_post_handshake(e->t.srv));
    uint8_t secret[64];
    tp_keylog_get(&e->ckl, "CLIENT_TRAFFIC_SECRET_0", secret);
    tp_dir_init(&e->d, (uint16_t)clasp_get_ciphersuite_id(e->t.cli), secret);
    e->len = 0;
}

static void put(evil *e, const void *p, size_t n)
{
    assert_true(e->len + n <= sizeof(e->msg));
    memcpy(e->msg + e->len, p, n);
    e->len += n;
}

static void put_n(evil *e, size_t v, size_t bytes)
{
    for (size_t i = bytes; i > 0; i--) {
        uint8_t b = (uint8_t)(v >> (8 * (i - 1)));
        put(e, &b, 1);
    }
}

/* RFC 8446 §4.4.2 Certificate with the given context and an optional
 * certificate (no extensions). */
static void put_certificate(evil *e, const uint8_t *ctx, size_t ctx_len,
                            const uint8_t *der, size_t der_len)
{
    size_t list = der != NULL ? 3 + der_len + 2 : 0;
    put_n(e, 0x0b, 1);
    put_n(e, 1 + ctx_len + 3 + list, 3);
    put_n(e, ctx_len, 1);
    put(e, ctx, ctx_len);
    put_n(e, list, 3);
    if (der != NULL) {
        put_n(e, der_len, 3);
        put(e, der, der_len);
        put_n(e, 0, 2);
    }
}

static void evil_expect(evil *e, int err)
{
    tp_dir_seal(&e->d, 22, e->msg, e->len, &e->t.p.q[0]);
    unsigned char b[8];
    assert_clasp_err(clasp_read(e->t.srv, b, sizeof(b)), err);
    tp_dir_free(&e->d);
    free_all(&e->t, e->cc, e->sc);
}

/* §4.4.2: the Certificate must echo the request's context. */
static void pha_wrong_context(void **state)
{
    (void)state;
    evil e;
    evil_start(&e);
    static const uint8_t ctx[8] = {0};
    put_certificate(&e, ctx, sizeof(ctx), NULL, 0);
    evil_expect(&e, CLASP_ERR_ILLEGAL_PARAMETER);
}

/* §4.4.4: an empty Certificate, then a Finished with a wrong MAC. */
static void pha_bad_finished(void **state)
{
    (void)state;
    evil e;
    evil_start(&e);
    const struct clasp_hs *hs = e.t.srv->hs;
    put_certificate(&e, hs->cr_context, hs->cr_context_len, NULL, 0);
    uint8_t fin[4 + 32] = {0x14, 0x00, 0x00, 0x20};
    put(&e, fin, sizeof(fin));
    evil_expect(&e, CLASP_ERR_DECRYPT_ERROR);
}

/* §4.4.3: the client's certificate with a signature that does not
 * verify: decrypt_error. */
static void pha_bad_certificate_verify(void **state)
{
    (void)state;
    evil e;
    evil_start(&e);
    const struct clasp_hs *hs = e.t.srv->hs;
    size_t der_len;
    uint8_t *der = tp_pem_der("pki/client/client.pem", &der_len);
    put_certificate(&e, hs->cr_context, hs->cr_context_len, der, der_len);
    free(der);
    /* ecdsa_secp256r1_sha256, a well-formed DER signature (r = s = 1)
     * that is not the key's. */
    static const uint8_t cv[] = {0x0f, 0x00, 0x00, 0x0c, 0x04, 0x03,
                                 0x00, 0x08, 0x30, 0x06, 0x02, 0x01,
                                 0x01, 0x02, 0x01, 0x01};
    put(&e, cv, sizeof(cv));
    evil_expect(&e, CLASP_ERR_DECRYPT_ERROR);
}

/* A Certificate, then a Finished without the CertificateVerify. */
static void pha_finished_without_cv(void **state)
{
    (void)state;
    evil e;
    evil_start(&e);
    const struct clasp_hs *hs = e.t.srv->hs;
    size_t der_len;
    uint8_t *der = tp_pem_der("pki/client/client.pem", &der_len);
    put_certificate(&e, hs->cr_context, hs->cr_context_len, der, der_len);
    free(der);
    uint8_t fin[4 + 32] = {0x14, 0x00, 0x00, 0x20};
    put(&e, fin, sizeof(fin));
    evil_expect(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
}

/* RFC 8446 §4.2.4: certificate_authorities may fill 2^16-1 bytes; a
 * client takes a post-handshake CertificateRequest of 40 KB (names it
 * does not know: it answers with its only certificate), and refuses one
 * larger than any valid CertificateRequest (decode_error). */
static void run_big_cr(size_t names, int err)
{
    tp_pair t;
    tp_keylog skl;
    memset(&skl, 0, sizeof(skl));
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
    assert_clasp_ok(clasp_conf_own_cert_file(cc,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_keylog(sc, tp_keylog_cb, &skl));
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    uint8_t secret[64];
    tp_keylog_get(&skl, "SERVER_TRAFFIC_SECRET_0", secret);
    tp_dir d;
    tp_dir_init(&d, (uint16_t)clasp_get_ciphersuite_id(t.srv), secret);
    tp_q_clear(&t.p.q[1]);
    /* DistinguishedName entries of 1,000 bytes each. */
    size_t dn = 1000;
    size_t ca_body = names * (2 + dn);
    size_t ext_len = 2 + 6 + 4 + 2 + ca_body;
    size_t body = 1 + 2 + 2 + ext_len;
    uint8_t *cr = calloc(1, 4 + body);
    assert_non_null(cr);
    size_t o = 0;
    cr[o++] = 0x0d;
    cr[o++] = (uint8_t)(body >> 16);
    cr[o++] = (uint8_t)(body >> 8);
    cr[o++] = (uint8_t)body;
    cr[o++] = 0x02; /* context 01 02 */
    cr[o++] = 0x01;
    cr[o++] = 0x02;
    cr[o++] = (uint8_t)(ext_len >> 8);
    cr[o++] = (uint8_t)ext_len;
    /* signature_algorithms {ecdsa_secp256r1_sha256} */
    static const uint8_t sa[] = {0x00, 0x0d, 0x00, 0x04,
                                 0x00, 0x02, 0x04, 0x03};
    memcpy(cr + o, sa, sizeof(sa));
    o += sizeof(sa);
    cr[o++] = 0x00; /* certificate_authorities (47) */
    cr[o++] = 0x2f;
    cr[o++] = (uint8_t)((2 + ca_body) >> 8);
    cr[o++] = (uint8_t)(2 + ca_body);
    cr[o++] = (uint8_t)(ca_body >> 8);
    cr[o++] = (uint8_t)ca_body;
    for (size_t i = 0; i < names; i++) {
        cr[o++] = (uint8_t)(dn >> 8);
        cr[o++] = (uint8_t)dn;
        memset(cr + o, 0x30 + (int)(i % 7), dn);
        o += dn;
    }
    assert_int_equal(o, 4 + body);
    for (size_t off = 0; off < o; off += 16384) {
        size_t n = o - off < 16384 ? o - off : 16384;
        tp_dir_seal(&d, 22, cr + off, n, &t.p.q[1]);
    }
    free(cr);
    unsigned char b[8];
    int rc = clasp_read(t.cli, b, sizeof(b));
    if (err != 0) {
        assert_clasp_err(rc, err);
    } else {
        assert_clasp_err(rc, CLASP_ERR_WANT_READ);
        assert_int_equal(clasp_get_post_handshake_auth(t.cli),
                         CLASP_PHA_ANSWERED);
    }
    tp_dir_free(&d);
    free_all(&t, cc, sc);
}

static void pha_big_certificate_request(void **state)
{
    (void)state;
    run_big_cr(40, 0);
}

static void pha_oversized_certificate_request(void **state)
{
    (void)state;
    /* 68 names: a body of 68,149 bytes, over any valid
     * CertificateRequest (extensions<2..2^16-1>): refused from the
     * header. */
    run_big_cr(68, CLASP_ERR_DECODE);
}

/* §6.2: a client chain that does not verify, under REQUIRED, ends the
 * connection with the alert of its fault; under OPTIONAL it is reported
 * (tests/pki README: neg/expired, neg/ku-keyenc-only). */
static void pha_chain_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int err;
        int alert;
    } cases[] = {
        {"expired", CLASP_ERR_CERTIFICATE_EXPIRED,
         CLASP_ALERT_CERTIFICATE_EXPIRED},
        {"ku-keyenc-only", CLASP_ERR_UNSUPPORTED_CERTIFICATE,
         CLASP_ALERT_UNSUPPORTED_CERTIFICATE},
    };
    for (size_t i = 0; i < 2; i++) {
        for (int required = 0; required < 2; required++) {
            char chain[256], key[256];
            snprintf(chain, sizeof(chain), TP_PKI "neg/%s-chain.pem",
                     cases[i].name);
            snprintf(key, sizeof(key), TP_PKI "neg/%s.key", cases[i].name);
            clasp_config *cc = tp_client_conf();
            clasp_config *sc = tp_server_conf("rsa2048");
            assert_clasp_ok(clasp_conf_authmode(
                sc, required ? CLASP_VERIFY_REQUIRED : CLASP_VERIFY_OPTIONAL));
            assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
            assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
            assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
            assert_clasp_ok(clasp_conf_own_cert_file(cc, chain, key, NULL));
            tp_pair t;
            tp_pair_init(&t, cc, sc, 0, 0, "localhost");
            tp_pair_connect(&t);
            assert_clasp_ok(clasp_verify_client_post_handshake(t.srv));
            write_all(t.srv, "x");
            read_exact(t.cli, t.srv, "x");
            write_all(t.cli, "y");
            if (required) {
                unsigned char b[8];
                assert_clasp_err(clasp_read(t.srv, b, sizeof(b)), cases[i].err);
                assert_clasp_err(clasp_read(t.cli, b, sizeof(b)),
                                 CLASP_ERR_PEER_ALERT);
                assert_int_equal(clasp_get_peer_alert(t.cli), cases[i].alert);
            } else {
                read_exact(t.srv, t.cli, "y");
                assert_int_equal(clasp_get_post_handshake_auth(t.srv),
                                 CLASP_PHA_NOT_VERIFIED);
            }
            free_all(&t, cc, sc);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pha_with_data_both_ways),
        cmocka_unit_test(pha_after_key_update),
        cmocka_unit_test(pha_required_without_certificate),
        cmocka_unit_test(pha_optional_without_certificate),
        cmocka_unit_test(pha_not_offered),
        cmocka_unit_test(pha_request_without_offer_refused),
        cmocka_unit_test(pha_finished_alone_refused),
        cmocka_unit_test(pha_certificate_without_request_refused),
        cmocka_unit_test(pha_wrong_context),
        cmocka_unit_test(pha_bad_finished),
        cmocka_unit_test(pha_bad_certificate_verify),
        cmocka_unit_test(pha_finished_without_cv),
        cmocka_unit_test(pha_big_certificate_request),
        cmocka_unit_test(pha_chain_refused),
        cmocka_unit_test(pha_oversized_certificate_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
