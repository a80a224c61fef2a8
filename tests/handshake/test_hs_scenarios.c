/* Handshake scenarios between clasp's client and server: HelloRetryRequest
 * (with and without the stateless cookie), SNI, ALPN, certificate choice by
 * signature_algorithms, client authentication, exporters, and the
 * configurations clasp_setup must refuse. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/* RFC 8446 §4.1.3: the Random of a HelloRetryRequest. */
static const char hrr_random_hex[] =
    "CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C";

static void free_all(tp_pair *t, clasp_config *cc, clasp_config *sc)
{
    tp_pair_free(t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void roundtrip(tp_pair *t)
{
    static const uint8_t a[] = "ping from the client";
    static const uint8_t b[] = "pong from the server";
    assert_clasp_ok(tp_transfer(t->cli, t->srv, a, sizeof(a)));
    assert_clasp_ok(tp_transfer(t->srv, t->cli, b, sizeof(b)));
}

/* ---- HelloRetryRequest ------------------------------------------------------
 */

/* The client sends an x25519 share only (default: one share, first
 * group); the server wants secp384r1: RFC 8446 §4.1.4 HRR. */
static void run_hrr(size_t max_io, int write_block, int cookie)
{
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    const uint16_t sg[] = {CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1};
    assert_clasp_ok(clasp_conf_groups(sc, sg, 2));
    assert_clasp_ok(clasp_conf_hrr_cookie(sc, cookie));
    tp_pair t;
    tp_pair_init(&t, cc, sc, max_io, write_block, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_hrr_used(t.cli), 1);
    assert_int_equal(clasp_get_hrr_used(t.srv), 1);
    assert_int_equal(clasp_get_group(t.cli), CLASP_GROUP_SECP384R1);
    assert_int_equal(clasp_get_group(t.srv), CLASP_GROUP_SECP384R1);
    roundtrip(&t);
    free_all(&t, cc, sc);
}

static void hrr_for_a_group_without_share(void **state)
{
    (void)state;
    run_hrr(0, 0, 0);
    run_hrr(1, 0, 0);
    run_hrr(5, 1, 0);
}

static void hrr_with_stateless_cookie(void **state)
{
    (void)state;
    run_hrr(0, 0, 1);
    run_hrr(1, 0, 1);
}

/* Step by step: the HRR carries the RFC's special random, the selected
 * group and (when configured) a cookie that the client echoes in CH2. */
static void hrr_wire_format_and_cookie_echo(void **state)
{
    (void)state;
    for (int cookie = 0; cookie < 2; cookie++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ed25519");
        const uint16_t sg = CLASP_GROUP_SECP256R1;
        assert_clasp_ok(clasp_conf_groups(sc, &sg, 1));
        assert_clasp_ok(clasp_conf_hrr_cookie(sc, cookie));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);

        /* q[1]: HRR record, then the compatibility CCS (App. D.4). */
        tp_queue *q = &t.p.q[1];
        size_t n = tp_q_head_len(q);
        assert_true(n > 5);
        assert_int_equal(q->buf[0], 22);
        const uint8_t *hrr = q->buf + 5;
        tp_hello h;
        tp_hello_parse(hrr, n - 5, &h);
        uint8_t want[32];
        th_hex_into(hrr_random_hex, want, sizeof(want));
        assert_memory_equal(hrr + h.random, want, 32);
        size_t off, len;
        assert_int_equal(tp_hello_ext(hrr, n - 5, 51, &off, &len), 1);
        assert_int_equal(len, 2); /* HRR key_share: selected_group */
        assert_int_equal(hrr[off] << 8 | hrr[off + 1], sg);
        size_t ck_off, ck_len = 0;
        int has_cookie = tp_hello_ext(hrr, n - 5, 44, &ck_off, &ck_len);
        assert_int_equal(has_cookie, cookie);
        uint8_t ck[600];
        if (cookie) {
            assert_true(ck_len > 2 && ck_len <= sizeof(ck));
            memcpy(ck, hrr + ck_off, ck_len);
        }
        static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
        assert_int_equal(q->len, n + sizeof(ccs));
        assert_memory_equal(q->buf + n, ccs, sizeof(ccs));

        /* Client: CCS then CH2, which echoes the cookie (§4.2.2). */
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        tp_queue *c = &t.p.q[0];
        assert_memory_equal(c->buf, ccs, sizeof(ccs));
        const uint8_t *ch2 = c->buf + sizeof(ccs) + 5;
        size_t ch2_len = c->len - sizeof(ccs) - 5;
        size_t o2, l2;
        assert_int_equal(tp_hello_ext(ch2, ch2_len, 44, &o2, &l2), cookie);
        if (cookie) {
            assert_int_equal(l2, ck_len);
            assert_memory_equal(ch2 + o2, ck, ck_len);
        }
        tp_pair_connect(&t);
        assert_int_equal(clasp_get_group(t.cli), sg);
        free_all(&t, cc, sc);
    }
}

/* ---- SNI ----------------------------------------------------------------- */

typedef struct {
    int calls;
    char name[256];
    const clasp_config *other; /* certificates to switch to, or NULL */
    int ret;
} sni_state;

static int sni_cb(void *arg, clasp_context *ssl, const unsigned char *name,
                  size_t name_len)
{
    sni_state *s = arg;
    s->calls++;
    assert_true(name_len < sizeof(s->name));
    memcpy(s->name, name, name_len);
    s->name[name_len] = '\0';
    if (s->other != NULL) {
        assert_clasp_ok(clasp_set_hs_own_cert(ssl, s->other));
    }
    return s->ret;
}

static void sni_callback_sees_the_name(void **state)
{
    (void)state;
    sni_state s = {0};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p384");
    assert_clasp_ok(clasp_conf_sni(sc, sni_cb, &s));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "server.test");
    tp_pair_connect(&t);
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.name, "server.test");
    assert_string_equal(clasp_get_hostname(t.srv), "server.test");
    assert_int_equal(clasp_get_peer_sig_alg(t.cli),
                     CLASP_SIG_ECDSA_SECP384R1_SHA384);
    roundtrip(&t);
    free_all(&t, cc, sc);
}

static void sni_callback_switches_certificate(void **state)
{
    (void)state;
    clasp_config *other = tp_server_conf("ed448");
    sni_state s = {.other = other};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_sni(sc, sni_cb, &s));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(s.calls, 1);
    assert_int_equal(clasp_get_peer_sig_alg(t.cli), CLASP_SIG_ED448);
    const unsigned char *der;
    size_t len, want_len;
    assert_clasp_ok(clasp_get_peer_cert(t.cli, &der, &len));
    uint8_t *want = tp_leaf_der("ed448", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
    free_all(&t, cc, sc);
    clasp_config_free(other);
}

static void sni_callback_refuses_name(void **state)
{
    (void)state;
    sni_state s = {.ret = CLASP_ERR_UNRECOGNIZED_NAME};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_sni(sc, sni_cb, &s));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
    assert_clasp_err(t.src, CLASP_ERR_UNRECOGNIZED_NAME);
    assert_clasp_err(t.crc, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_UNRECOGNIZED_NAME);
    assert_int_equal(s.calls, 1);
    /* Both dead for good. */
    unsigned char b[4];
    assert_clasp_err(clasp_read(t.srv, b, 4), CLASP_ERR_UNRECOGNIZED_NAME);
    assert_clasp_err(clasp_read(t.cli, b, 4), CLASP_ERR_PEER_ALERT);
    free_all(&t, cc, sc);
}

/* RFC 6066 §3: no server_name for an IP literal; the certificate is then
 * checked against the address (SAN IP:127.0.0.1). */
static void no_sni_for_ip_literal(void **state)
{
    (void)state;
    sni_state s = {0};
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_sni(sc, sni_cb, &s));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "127.0.0.1");
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    size_t off, len;
    assert_int_equal(
        tp_hello_ext(t.p.q[0].buf + 5, t.p.q[0].len - 5, 0, &off, &len), 0);
    tp_pair_connect(&t);
    assert_int_equal(s.calls, 0);
    assert_null(clasp_get_hostname(t.srv));
    free_all(&t, cc, sc);
}

/* ---- ALPN ---------------------------------------------------------------- */

static int alpn_case(const char *const *cli, const char *const *srv, tp_pair *t,
                     clasp_config **cc, clasp_config **sc)
{
    *cc = tp_client_conf();
    *sc = tp_server_conf("ed25519");
    if (cli != NULL) {
        assert_clasp_ok(clasp_conf_alpn_protocols(*cc, cli));
    }
    if (srv != NULL) {
        assert_clasp_ok(clasp_conf_alpn_protocols(*sc, srv));
    }
    tp_pair_init(t, *cc, *sc, 0, 0, "localhost");
    return tp_pair_handshake(t);
}

static void alpn_match_and_server_preference(void **state)
{
    (void)state;
    static const char *const c1[] = {"h2", "http/1.1", NULL};
    static const char *const s1[] = {"http/1.1", NULL};
    static const char *const c2[] = {"http/1.1", "h2", NULL};
    static const char *const s2[] = {"h2", "http/1.1", NULL};
    tp_pair t;
    clasp_config *cc, *sc;
    assert_clasp_ok(alpn_case(c1, s1, &t, &cc, &sc));
    assert_string_equal(clasp_get_alpn_protocol(t.cli), "http/1.1");
    assert_string_equal(clasp_get_alpn_protocol(t.srv), "http/1.1");
    free_all(&t, cc, sc);
    /* RFC 7301 §3.2: the server picks, by its own preference. */
    assert_clasp_ok(alpn_case(c2, s2, &t, &cc, &sc));
    assert_string_equal(clasp_get_alpn_protocol(t.cli), "h2");
    assert_string_equal(clasp_get_alpn_protocol(t.srv), "h2");
    free_all(&t, cc, sc);
    /* Only one side configured: nothing negotiated, no failure. */
    assert_clasp_ok(alpn_case(c1, NULL, &t, &cc, &sc));
    assert_null(clasp_get_alpn_protocol(t.cli));
    assert_null(clasp_get_alpn_protocol(t.srv));
    free_all(&t, cc, sc);
    assert_clasp_ok(alpn_case(NULL, s1, &t, &cc, &sc));
    assert_null(clasp_get_alpn_protocol(t.cli));
    assert_null(clasp_get_alpn_protocol(t.srv));
    free_all(&t, cc, sc);
}

static void alpn_no_overlap(void **state)
{
    (void)state;
    static const char *const c[] = {"h2", NULL};
    static const char *const s[] = {"spdy/3", "http/1.1", NULL};
    tp_pair t;
    clasp_config *cc, *sc;
    assert_clasp_err(alpn_case(c, s, &t, &cc, &sc), CLASP_ERR_PEER_ALERT);
    /* RFC 7301 §3.2: no_application_protocol. */
    assert_clasp_err(t.src, CLASP_ERR_NO_APPLICATION_PROTOCOL);
    assert_clasp_err(t.crc, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_NO_APPLICATION_PROTOCOL);
    free_all(&t, cc, sc);
}

typedef struct {
    int calls;
    int mode; /* 0: pick the last offered; 1: refuse; 2: pick a foreign name */
    uint8_t offered[64];
    size_t offered_len;
} alpn_state;

static int alpn_cb(void *arg, clasp_context *ssl, const unsigned char *offered,
                   size_t offered_len, const unsigned char **selected,
                   size_t *selected_len)
{
    (void)ssl;
    alpn_state *s = arg;
    static const unsigned char foreign[] = "imap";
    s->calls++;
    assert_true(offered_len <= sizeof(s->offered));
    memcpy(s->offered, offered, offered_len);
    s->offered_len = offered_len;
    if (s->mode == 1) {
        return CLASP_ERR_NO_APPLICATION_PROTOCOL;
    }
    if (s->mode == 2) {
        *selected = foreign;
        *selected_len = 4;
        return 0;
    }
    /* Walk the ProtocolNameList to its last name. */
    size_t off = 0, last = 0;
    while (off < offered_len) {
        last = off;
        off += 1 + offered[off];
    }
    *selected = offered + last + 1;
    *selected_len = offered[last];
    return 0;
}

static void alpn_selection_callback(void **state)
{
    (void)state;
    static const char *const c[] = {"h2", "http/1.1", "acme-tls/1", NULL};
    /* RFC 7301 §3.1: the ProtocolNameList body as on the wire. */
    static const uint8_t wire[] = "\x02h2\x08http/1.1\x0a"
                                  "acme-tls/1";
    for (int mode = 0; mode < 3; mode++) {
        alpn_state s = {.mode = mode};
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p521");
        assert_clasp_ok(clasp_conf_alpn_protocols(cc, c));
        assert_clasp_ok(clasp_conf_alpn_select(sc, alpn_cb, &s));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        int rc = tp_pair_handshake(&t);
        assert_int_equal(s.calls, 1);
        assert_int_equal(s.offered_len, sizeof(wire) - 1);
        assert_memory_equal(s.offered, wire, sizeof(wire) - 1);
        if (mode == 0) {
            assert_clasp_ok(rc);
            assert_string_equal(clasp_get_alpn_protocol(t.cli), "acme-tls/1");
            assert_string_equal(clasp_get_alpn_protocol(t.srv), "acme-tls/1");
        } else {
            assert_clasp_err(t.src, CLASP_ERR_NO_APPLICATION_PROTOCOL);
            assert_clasp_err(t.crc, CLASP_ERR_PEER_ALERT);
            assert_int_equal(clasp_get_peer_alert(t.cli),
                             CLASP_ALERT_NO_APPLICATION_PROTOCOL);
        }
        free_all(&t, cc, sc);
    }
}

/* ---- certificate choice -------------------------------------------------- */

static void check_leaf(const clasp_context *c, const char *der_path)
{
    size_t want_len;
    uint8_t *want = th_read_file(der_path, &want_len);
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(c, &der, &len));
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    th_free(want);
}

/* A server with an RSA and an ECDSA certificate picks the first whose key
 * fits the client's signature_algorithms (RFC 8446 §4.4.2.2). */
static void server_picks_certificate_by_client_sig_algs(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        for (int want_rsa = 0; want_rsa < 2; want_rsa++) {
            clasp_config *cc = tp_client_conf();
            clasp_config *sc = tp_server_conf(NULL);
            tp_conf_add_cert(sc, order == 0 ? "rsa2048" : "ecdsa-p256");
            tp_conf_add_cert(sc, order == 0 ? "ecdsa-p256" : "rsa2048");
            uint16_t alg = want_rsa ? CLASP_SIG_RSA_PSS_RSAE_SHA256
                                    : CLASP_SIG_ECDSA_SECP256R1_SHA256;
            assert_clasp_ok(clasp_conf_sig_algs(cc, &alg, 1));
            tp_pair t;
            tp_pair_init(&t, cc, sc, 0, 0, "localhost");
            tp_pair_connect(&t);
            assert_int_equal(clasp_get_peer_sig_alg(t.cli), alg);
            if (want_rsa) {
                size_t len, got_len;
                uint8_t *want = tp_leaf_der("rsa2048", &len);
                const unsigned char *der;
                assert_clasp_ok(clasp_get_peer_cert(t.cli, &der, &got_len));
                assert_int_equal(got_len, len);
                assert_memory_equal(der, want, len);
                free(want);
            } else {
                check_leaf(t.cli, "pki/ecdsa-p256/leaf.der");
            }
            free_all(&t, cc, sc);
        }
    }
}

/* ---- client authentication ----------------------------------------------- */

static clasp_config *auth_server(int authmode)
{
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, authmode));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    return sc;
}

static void client_auth_with_certificate(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = auth_server(CLASP_VERIFY_REQUIRED);
    assert_clasp_ok(clasp_conf_own_cert_file(cc,
                                             TP_PKI "client/client-chain.pem",
                                             TP_PKI "client/client.key", NULL));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    const unsigned char *der;
    size_t len;
    assert_clasp_ok(clasp_get_peer_cert(t.srv, &der, &len));
    size_t want_len;
    uint8_t *want = tp_pem_der("pki/client/client.pem", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
    /* tests/pki README: the client certificate is an ecdsa-p256 key. */
    assert_int_equal(clasp_get_peer_sig_alg(t.srv),
                     CLASP_SIG_ECDSA_SECP256R1_SHA256);
    roundtrip(&t);
    free_all(&t, cc, sc);
}

static void client_auth_required_without_certificate(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = auth_server(CLASP_VERIFY_REQUIRED);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    int rc = tp_pair_handshake(&t);
    /* RFC 8446 §4.4.2.4: certificate_required. The client finished its
     * side and learns it from the alert. */
    assert_clasp_err(rc, CLASP_ERR_CERTIFICATE_REQUIRED);
    assert_clasp_err(t.src, CLASP_ERR_CERTIFICATE_REQUIRED);
    assert_clasp_ok(t.crc);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_CERTIFICATE_REQUIRED);
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_clasp_err(clasp_write(t.srv, b, 1), CLASP_ERR_CERTIFICATE_REQUIRED);
    free_all(&t, cc, sc);
}

static void client_auth_optional_without_certificate(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = auth_server(CLASP_VERIFY_OPTIONAL);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    const unsigned char *der;
    size_t len;
    assert_clasp_err(clasp_get_peer_cert(t.srv, &der, &len),
                     CLASP_ERR_NOT_FOUND);
    assert_int_equal(clasp_get_peer_sig_alg(t.srv), 0);
    roundtrip(&t);
    free_all(&t, cc, sc);
}

/* The client's only certificate fits none of the server's schemes: it
 * sends an empty Certificate (§4.4.2), and the server that insists says
 * certificate_required. */
static void client_certificate_unfit_for_server_schemes(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = auth_server(CLASP_VERIFY_REQUIRED);
    const uint16_t only = CLASP_SIG_RSA_PSS_RSAE_SHA256;
    assert_clasp_ok(clasp_conf_sig_algs(sc, &only, 1));
    tp_conf_add_cert(cc, "ed25519");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_CERTIFICATE_REQUIRED);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_CERTIFICATE_REQUIRED);
    free_all(&t, cc, sc);
}

/* No common group or suite: handshake_failure (RFC 8446 §4.1.1). */
static void nothing_in_common(void **state)
{
    (void)state;
    for (int what = 0; what < 2; what++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        if (what == 0) {
            const uint16_t cg = CLASP_GROUP_X25519, sg = CLASP_GROUP_X448;
            assert_clasp_ok(clasp_conf_groups(cc, &cg, 1));
            assert_clasp_ok(clasp_conf_groups(sc, &sg, 1));
        } else {
            const uint16_t cs = CLASP_TLS1_3_AES_128_GCM_SHA256;
            const uint16_t ss = CLASP_TLS1_3_CHACHA20_POLY1305_SHA256;
            assert_clasp_ok(clasp_conf_ciphersuites(cc, &cs, 1));
            assert_clasp_ok(clasp_conf_ciphersuites(sc, &ss, 1));
        }
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
        assert_clasp_err(t.src, CLASP_ERR_HANDSHAKE_FAILURE);
        assert_int_equal(clasp_get_peer_alert(t.cli),
                         CLASP_ALERT_HANDSHAKE_FAILURE);
        free_all(&t, cc, sc);
    }
}

static void client_certificate_from_untrusted_ca(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "rsa2048/root.pem"));
    tp_conf_add_cert(cc, "ed25519");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    int rc = tp_pair_handshake(&t);
    assert_clasp_err(rc, CLASP_ERR_UNKNOWN_CA);
    assert_clasp_err(t.src, CLASP_ERR_UNKNOWN_CA);
    unsigned char b[8];
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli), CLASP_ALERT_UNKNOWN_CA);
    free_all(&t, cc, sc);
}

/* ---- exporters ----------------------------------------------------------- */

static void exporter_matches_and_depends_on_label(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    uint8_t a[64], b[64], c2[64], d[64], e[64];
    assert_clasp_err(
        clasp_export_keying_material(t.cli, a, 32, "EXPERIMENTAL a", NULL, 0),
        CLASP_ERR_BAD_STATE);
    tp_pair_connect(&t);
    static const uint8_t ctx[] = {1, 2, 3};
    assert_clasp_ok(
        clasp_export_keying_material(t.cli, a, 64, "EXPERIMENTAL a", ctx, 3));
    assert_clasp_ok(
        clasp_export_keying_material(t.srv, b, 64, "EXPERIMENTAL a", ctx, 3));
    assert_memory_equal(a, b, 64);
    assert_clasp_ok(
        clasp_export_keying_material(t.cli, c2, 64, "EXPERIMENTAL b", ctx, 3));
    assert_memory_not_equal(a, c2, 64);
    assert_clasp_ok(
        clasp_export_keying_material(t.srv, d, 64, "EXPERIMENTAL a", ctx, 2));
    assert_memory_not_equal(a, d, 64);
    /* RFC 8446 §7.5: no context is the same as an empty context. */
    assert_clasp_ok(
        clasp_export_keying_material(t.cli, d, 32, "EXPERIMENTAL a", NULL, 0));
    assert_clasp_ok(
        clasp_export_keying_material(t.srv, e, 32, "EXPERIMENTAL a", ctx, 0));
    assert_memory_equal(d, e, 32);
    assert_clasp_err(clasp_export_keying_material(t.cli, d, 32, NULL, NULL, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    free_all(&t, cc, sc);
}

/* ---- combinations ----------------------------------------------------------
 */

/* HRR with a cookie, an SNI callback that switches certificates, ALPN and
 * client authentication together, in each I/O mode. */
static void everything_at_once(void **state)
{
    (void)state;
    static const char *const protos[] = {"h2", "http/1.1", NULL};
    static const struct {
        size_t max_io;
        int write_block;
    } modes[] = {{0, 0}, {1, 0}, {5, 1}};
    for (size_t m = 0; m < 3; m++) {
        clasp_config *other = tp_server_conf("ecdsa-p521");
        sni_state s = {.other = other};
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("rsapss");
        const uint16_t sg[] = {CLASP_GROUP_X448};
        assert_clasp_ok(clasp_conf_groups(sc, sg, 1));
        assert_clasp_ok(clasp_conf_hrr_cookie(sc, 1));
        assert_clasp_ok(clasp_conf_sni(sc, sni_cb, &s));
        assert_clasp_ok(clasp_conf_alpn_protocols(sc, protos + 1));
        assert_clasp_ok(clasp_conf_alpn_protocols(cc, protos));
        assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
        tp_conf_add_cert(cc, "ed448");
        tp_pair t;
        tp_pair_init(&t, cc, sc, modes[m].max_io, modes[m].write_block,
                     "server.test");
        tp_pair_connect(&t);
        assert_int_equal(clasp_get_hrr_used(t.cli), 1);
        assert_int_equal(clasp_get_group(t.srv), CLASP_GROUP_X448);
        /* Once per handshake: CH2 repeats the name. */
        assert_int_equal(s.calls, 1);
        assert_string_equal(s.name, "server.test");
        assert_int_equal(clasp_get_peer_sig_alg(t.cli),
                         CLASP_SIG_ECDSA_SECP521R1_SHA512);
        assert_int_equal(clasp_get_peer_sig_alg(t.srv), CLASP_SIG_ED448);
        assert_string_equal(clasp_get_alpn_protocol(t.cli), "http/1.1");
        assert_string_equal(clasp_get_alpn_protocol(t.srv), "http/1.1");
        roundtrip(&t);
        free_all(&t, cc, sc);
        clasp_config_free(other);
    }
}

/* Record padding (RFC 8446 §5.4): every protected record of the padding
 * side carries an inner plaintext that is a multiple of the block. */
static void record_padding(void **state)
{
    (void)state;
    static const size_t blocks[] = {64, 256, 16384};
    for (size_t b = 0; b < 3; b++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        assert_clasp_ok(clasp_conf_record_padding(sc, blocks[b]));
        assert_clasp_ok(clasp_conf_record_padding(cc, blocks[b]));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
        /* The server's flight: SH and CCS in clear, then protected
         * records (AES-128-GCM: 16-byte tag). */
        tp_queue *q = &t.p.q[1];
        size_t off = 0, protected_records = 0;
        while (off + 5 <= q->len) {
            size_t len = (size_t)q->buf[off + 3] << 8 | q->buf[off + 4];
            if (q->buf[off] == 23) {
                assert_int_equal((len - 16) % blocks[b], 0);
                protected_records++;
            }
            off += 5 + len;
        }
        assert_int_equal(off, q->len);
        assert_true(protected_records >= 1);
        tp_pair_connect(&t);
        roundtrip(&t);
        static uint8_t big[40000];
        memset(big, 0x42, sizeof(big));
        assert_clasp_ok(tp_transfer(t.cli, t.srv, big, sizeof(big)));
        assert_clasp_ok(clasp_key_update(t.srv, 1));
        assert_clasp_ok(tp_transfer(t.srv, t.cli, big, sizeof(big)));
        free_all(&t, cc, sc);
    }
}

/* ---- clasp_setup --------------------------------------------------------- */

static void setup_refuses_impossible_configs(void **state)
{
    (void)state;
    clasp_context *c = clasp_new();
    assert_non_null(c);

    /* A server without any certificate can complete no handshake (no PSK
     * source exists). */
    clasp_config *sc = tp_server_conf(NULL);
    assert_clasp_err(clasp_setup(c, sc), CLASP_ERR_BAD_CONFIG);
    clasp_config_free(sc);
    sc = tp_server_conf(NULL);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(
        sc, CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL));
    assert_clasp_err(clasp_setup(c, sc), CLASP_ERR_BAD_CONFIG);
    clasp_config_free(sc);

    /* min > max: the only maximum below 1.3 is refused when set, so a
     * config can never get there; the config stays usable. */
    clasp_config *cc = tp_client_conf();
    assert_clasp_err(clasp_conf_max_tls_version(cc, CLASP_VERSION_TLS1_2),
                     CLASP_ERR_UNSUPPORTED);
    assert_clasp_err(clasp_conf_max_tls_version(cc, 0x0302),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_min_tls_version(cc, 0x0305),
                     CLASP_ERR_BAD_INPUT_DATA);

    /* A verifying client without trust anchors. */
    clasp_config *bare = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_err(clasp_setup(c, bare), CLASP_ERR_BAD_CONFIG);
    clasp_config_free(bare);

    /* A good config after all these: the context was left unbound. */
    assert_clasp_ok(clasp_setup(c, cc));
    assert_clasp_err(clasp_setup(c, cc), CLASP_ERR_BAD_STATE);
    /* The config is frozen now. */
    assert_clasp_err(clasp_conf_authmode(cc, CLASP_VERIFY_NONE),
                     CLASP_ERR_BAD_STATE);
    clasp_free(c);
    clasp_config_free(cc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hrr_for_a_group_without_share),
        cmocka_unit_test(hrr_with_stateless_cookie),
        cmocka_unit_test(hrr_wire_format_and_cookie_echo),
        cmocka_unit_test(sni_callback_sees_the_name),
        cmocka_unit_test(sni_callback_switches_certificate),
        cmocka_unit_test(sni_callback_refuses_name),
        cmocka_unit_test(no_sni_for_ip_literal),
        cmocka_unit_test(alpn_match_and_server_preference),
        cmocka_unit_test(alpn_no_overlap),
        cmocka_unit_test(alpn_selection_callback),
        cmocka_unit_test(server_picks_certificate_by_client_sig_algs),
        cmocka_unit_test(client_auth_with_certificate),
        cmocka_unit_test(client_auth_required_without_certificate),
        cmocka_unit_test(client_auth_optional_without_certificate),
        cmocka_unit_test(client_certificate_unfit_for_server_schemes),
        cmocka_unit_test(nothing_in_common),
        cmocka_unit_test(client_certificate_from_untrusted_ca),
        cmocka_unit_test(exporter_matches_and_depends_on_label),
        cmocka_unit_test(everything_at_once),
        cmocka_unit_test(record_padding),
        cmocka_unit_test(setup_refuses_impossible_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
