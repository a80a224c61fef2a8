/* RFC 8448 key schedule, value by value: for each of the five traces the
 * (EC)DHE shared secret (from the trace's private keys), every secret of
 * the schedule, the transcript hashes over the trace's own handshake
 * messages, traffic keys and IVs, Finished keys and verify_data, PSK
 * binders, the ticket PSK, and every keylog line. All expected values come
 * from tests/vectors/rfc8448/<trace>.txt, extracted from the RFC text. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc8448/tv.h"

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "keysched/keysched.h"
#include "keysched/transcript.h"

#define SHA256 CLASP_HASH_SHA256
#define HL                                                             \
    32 /* SHA-256 Hash.length: every trace uses TLS_AES_128_GCM_SHA256 \
        */

static clasp_provider *prov;
static const clasp_suite *suite;

static int setup(void **state)
{
    (void)state;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    suite = clasp_suite_find(CLASP_TLS1_3_AES_128_GCM_SHA256);
    assert_non_null(suite);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prov->destroy(prov);
    print_message("values compared against RFC 8448: %u\n", tv_compared);
    return 0;
}

/* ---- key log capture ------------------------------------------------------
 */

#define MAX_LINES 8

typedef struct {
    char lines[MAX_LINES][CLASP_KS_KEYLOG_LINE_MAX];
    unsigned n;
} keylog_capture;

static void capture(void *arg, const char *nss_label,
                    const uint8_t client_random[32], const uint8_t *secret,
                    size_t len)
{
    keylog_capture *c = arg;
    assert_true(c->n < MAX_LINES);
    int rc = clasp_ks_keylog_line(c->lines[c->n], sizeof(c->lines[0]),
                                  nss_label, client_random, secret, len);
    assert_true(rc > 0);
    assert_int_equal((size_t)rc, strlen(c->lines[c->n]));
    c->n++;
}

/* Expect line i of the capture to be "<label> <random> <trace value>",
 * built here independently of clasp_ks_keylog_line. */
static void expect_line(const tv_file *f, const keylog_capture *c, unsigned i,
                        const char *label, const char *random_hex,
                        const char *key)
{
    char want[CLASP_KS_KEYLOG_LINE_MAX];
    char *secret_hex = tv_hex(f, key);
    snprintf(want, sizeof(want), "%s %s %s", label, random_hex, secret_hex);
    free(secret_hex);
    assert_true(i < c->n);
    assert_string_equal(c->lines[i], want);
    tv_compared++;
}

/* ---- helpers ------------------------------------------------------------- */

static void add_msg(clasp_ts *ts, const tv_file *f, const char *key)
{
    size_t len = 0;
    uint8_t *msg = tv_dup(f, key, &len);
    assert_clasp_ok(clasp_ts_add(ts, msg, len));
    free(msg);
}

static void expect_th(const clasp_ts *ts, const tv_file *f, const char *key,
                      uint8_t *th)
{
    assert_clasp_ok(clasp_ts_hash(ts, th));
    tv_expect(f, key, th, HL);
}

/* Client random (ClientHello.random, bytes 6..37 of the message) in hex. */
static void client_random_of(const tv_file *f, const char *ch_key,
                             uint8_t random[32], char hex[65])
{
    uint8_t ch[1024];
    size_t n = tv_get(f, ch_key, ch, sizeof(ch));
    assert_true(n > 38);
    memcpy(random, ch + 6, 32);
    for (size_t i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", random[i]);
    }
}

/* The (EC)DHE shared secret from both sides' private keys (RFC 8448 §2:
 * the traces give the ephemeral private keys); checks both public keys
 * and that both sides agree with the trace's "handshake" IKM. */
static size_t ecdhe(const tv_file *f, uint16_t group, const char *client_kx,
                    const char *server_kx, uint8_t *ss)
{
    char key[160];
    uint8_t priv[66], pub[CLASP_MAX_KX_PUB_LEN], peer[CLASP_MAX_KX_PUB_LEN];
    uint8_t ss2[CLASP_MAX_KX_SECRET_LEN];
    size_t priv_len, pub_len = 0, peer_len, ss_len = 0, ss2_len = 0;
    clasp_kx *ckx = NULL, *skx = NULL;

    assert_non_null(prov->kx_from_private);
    snprintf(key, sizeof(key), "%s.private_key", client_kx);
    priv_len = tv_get(f, key, priv, sizeof(priv));
    assert_clasp_ok(prov->kx_from_private(prov->ctx, group, priv, priv_len,
                                          &ckx, pub, sizeof(pub), &pub_len));
    snprintf(key, sizeof(key), "%s.public_key", client_kx);
    tv_expect(f, key, pub, pub_len);

    snprintf(key, sizeof(key), "%s.private_key", server_kx);
    priv_len = tv_get(f, key, priv, sizeof(priv));
    assert_clasp_ok(prov->kx_from_private(prov->ctx, group, priv, priv_len,
                                          &skx, pub, sizeof(pub), &pub_len));
    snprintf(key, sizeof(key), "%s.public_key", server_kx);
    tv_expect(f, key, pub, pub_len);

    /* client side: its key with the server's share */
    snprintf(key, sizeof(key), "%s.public_key", server_kx);
    peer_len = tv_get(f, key, peer, sizeof(peer));
    assert_clasp_ok(prov->kx_derive(ckx, peer, peer_len, ss,
                                    CLASP_MAX_KX_SECRET_LEN, &ss_len));
    /* server side */
    snprintf(key, sizeof(key), "%s.public_key", client_kx);
    peer_len = tv_get(f, key, peer, sizeof(peer));
    assert_clasp_ok(
        prov->kx_derive(skx, peer, peer_len, ss2, sizeof(ss2), &ss2_len));
    assert_int_equal(ss_len, ss2_len);
    assert_memory_equal(ss, ss2, ss_len);
    tv_expect(f, "server.extract_secret_handshake.ikm", ss, ss_len);
    prov->kx_free(ckx);
    prov->kx_free(skx);
    return ss_len;
}

/* key and iv of step `step` (RFC 8448 "derive ... traffic keys"). */
static void expect_keys(const tv_file *f, const uint8_t *secret,
                        const char *step)
{
    char key[160];
    uint8_t k[CLASP_MAX_AEAD_KEY_LEN], iv[CLASP_AEAD_NONCE_LEN];
    snprintf(key, sizeof(key), "%s.prk", step);
    tv_expect(f, key, secret, HL);
    assert_clasp_ok(clasp_ks_traffic_keys(prov, suite, secret, k, iv));
    snprintf(key, sizeof(key), "%s.key_expanded", step);
    tv_expect(f, key, k, suite->key_len);
    snprintf(key, sizeof(key), "%s.iv_expanded", step);
    tv_expect(f, key, iv, suite->iv_len);
}

/* Finished of `actor` over th: finished_key, verify_data, the message. */
static void expect_finished(const tv_file *f, const char *actor,
                            const uint8_t *base_secret, const uint8_t *th)
{
    char key[160];
    uint8_t fk[HL], vd[HL], vd2[HL], msg[4 + HL];
    snprintf(key, sizeof(key), "%s.calculate_finished_finished.prk", actor);
    tv_expect(f, key, base_secret, HL);
    assert_clasp_ok(clasp_ks_finished_key(prov, SHA256, base_secret, fk));
    snprintf(key, sizeof(key), "%s.calculate_finished_finished.expanded",
             actor);
    tv_expect(f, key, fk, HL);
    assert_clasp_ok(clasp_ks_verify_data(prov, SHA256, fk, th, vd));
    snprintf(key, sizeof(key), "%s.calculate_finished_finished.finished",
             actor);
    tv_expect(f, key, vd, HL);
    /* the one-call form agrees */
    assert_clasp_ok(clasp_ks_finished(prov, SHA256, base_secret, th, vd2));
    assert_memory_equal(vd, vd2, HL);
    /* the peer's side: the trace's value is accepted, any other refused
     * with decrypt_error (RFC 8446 §4.4.4) */
    tv_get(f, key, vd2, HL);
    assert_clasp_ok(clasp_ks_check_finished(prov, SHA256, base_secret, th,
                                            clasp_span_of(vd2, HL)));
    vd2[HL - 1] ^= 1;
    assert_clasp_err(clasp_ks_check_finished(prov, SHA256, base_secret, th,
                                             clasp_span_of(vd2, HL)),
                     CLASP_ERR_DECRYPT_ERROR);
    vd2[HL - 1] ^= 1;
    assert_clasp_err(clasp_ks_check_finished(prov, SHA256, base_secret, th,
                                             clasp_span_of(vd2, HL - 1)),
                     CLASP_ERR_DECRYPT_ERROR);
    assert_clasp_err(
        clasp_ks_check_finished(prov, SHA256, th, th, clasp_span_of(vd2, HL)),
        CLASP_ERR_DECRYPT_ERROR);
    /* RFC 8446 §4.4.4: struct { opaque verify_data[Hash.length]; }
     * Finished, in a handshake header (type 20). */
    msg[0] = 20;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = HL;
    memcpy(msg + 4, vd, HL);
    snprintf(key, sizeof(key), "%s.finished.finished", actor);
    tv_expect(f, key, msg, sizeof(msg));
}

/* ---- one full handshake -------------------------------------------------- */

typedef struct {
    const char *trace;
    uint16_t group;
    const char *client_kx; /* step names of the key pairs */
    const char *server_kx;
    const char *early_step;             /* step holding the early secret */
    const char *const *to_server_hello; /* messages up to ServerHello */
    bool hrr;                           /* to_server_hello[0] is CH1 */
    const char *const *server_flight;   /* EE .. CertificateVerify */
    const char *const *client_flight;   /* EOED, client Cert/CV */
    const char *client_hs_keys;         /* step with the client hs keys */
    bool resumed;                       /* PSK of the simple trace */
} trace_desc;

typedef struct {
    uint8_t res_master[HL];
} trace_out;

static void add_all(clasp_ts *ts, const tv_file *f, const char *const *keys)
{
    for (size_t i = 0; keys[i] != NULL && i < 16; i++) {
        add_msg(ts, f, keys[i]);
    }
}

/* The PSK of the simple trace's ticket (RFC 8448 §3 "generate
 * resumption secret"), which the resumed trace uses. */
static void simple_ticket_psk(uint8_t psk[HL])
{
    tv_file s = tv_load("simple");
    uint8_t res_master[HL], nonce[8];
    tv_get(&s, "client.derive_secret_res_master.expanded", res_master, HL);
    size_t nonce_len = tv_get(&s,
                              "server.generate_resumption_secret_"
                              "resumption.hash",
                              nonce, sizeof(nonce));
    assert_clasp_ok(
        clasp_ks_ticket_psk(prov, SHA256, res_master, nonce, nonce_len, psk));
    tv_expect(&s, "server.generate_resumption_secret_resumption.expanded", psk,
              HL);
    tv_free(&s);
}

/* RFC 8448 §4: binder, early traffic secret, early exporter, early keys,
 * all in stage KS_EARLY. */
static void check_early(const tv_file *f, clasp_ks *ks, clasp_ts *ts)
{
    uint8_t out[HL], th[HL];
    size_t ch_len = 0, prefix_len = 0;
    /* RFC 8448 §4 shows the ClientHello without its binders ("construct
     * a ClientHello", 477 octets) and the whole message as the record
     * payload (512 octets). */
    uint8_t *ch = tv_dup(f, "client.send_handshake_record.payload", &ch_len);
    uint8_t *prefix = tv_dup(
        f, "client.calculate_psk_binder.clienthello_prefix", &prefix_len);

    /* RFC 8446 §4.2.11.2: the binder covers the ClientHello up to and
     * including the identities, i.e. without the binders list
     * (2 + 1 + 32 bytes for one SHA-256 binder). */
    assert_int_equal(prefix_len, ch_len - (2 + 1 + HL));
    assert_memory_equal(prefix, ch, prefix_len);
    tv_expect(f, "client.clienthello.clienthello", ch, prefix_len);

    assert_clasp_ok(clasp_ks_binder_key(ks, false, out));
    tv_expect(f, "client.calculate_psk_binder.prk", out, HL);
    assert_clasp_ok(clasp_ks_finished_key(prov, SHA256, out, out));
    tv_expect(f, "client.calculate_psk_binder.expanded", out, HL);

    /* the transcript is still empty and its hash unknown: binder hash
     * over the truncated ClientHello alone */
    assert_clasp_ok(clasp_ts_hash_with(ts, SHA256, prefix, prefix_len, th));
    tv_expect(f, "client.calculate_psk_binder.binder_hash", th, HL);
    assert_clasp_ok(clasp_ks_binder(ks, false, th, out));
    tv_expect(f, "client.calculate_psk_binder.finished", out, HL);
    /* ... and it is the binder the ClientHello carries, which the server
     * accepts; anything else is decrypt_error (RFC 8446 §6.2) */
    assert_memory_equal(ch + ch_len - HL, out, HL);
    clasp_span sent = clasp_span_of(ch + ch_len - HL, HL);
    assert_clasp_ok(clasp_ks_check_binder(ks, false, th, sent));
    assert_clasp_err(clasp_ks_check_binder(ks, true, th, sent),
                     CLASP_ERR_DECRYPT_ERROR);
    assert_clasp_err(
        clasp_ks_check_binder(ks, false, th, clasp_span_of(sent.p, HL - 1)),
        CLASP_ERR_DECRYPT_ERROR);
    out[0] ^= 0x80;
    assert_clasp_err(
        clasp_ks_check_binder(ks, false, th, clasp_span_of(out, HL)),
        CLASP_ERR_DECRYPT_ERROR);

    /* an external PSK would use "ext binder": a different key */
    uint8_t ext[HL], res[HL];
    assert_clasp_ok(clasp_ks_binder_key(ks, true, ext));
    assert_clasp_ok(clasp_ks_binder_key(ks, false, res));
    assert_memory_not_equal(ext, res, HL);

    assert_clasp_ok(clasp_ts_add(ts, ch, ch_len));
    assert_clasp_ok(clasp_ts_set_hash(ts, prov, SHA256));
    expect_th(ts, f, "client.derive_secret_c_e_traffic.hash", th);
    uint8_t c_e[HL], e_exp[HL];
    assert_clasp_ok(clasp_ks_early_traffic(ks, th, c_e, e_exp));
    tv_expect(f, "client.derive_secret_c_e_traffic.expanded", c_e, HL);
    tv_expect(f, "client.derive_secret_e_exp_master.expanded", e_exp, HL);
    expect_keys(f, c_e,
                "client.derive_write_traffic_keys_for_early_application_"
                "data");
    free(ch);
    free(prefix);
}

static void run_trace(const trace_desc *d, trace_out *o)
{
    tv_file f = tv_load(d->trace);
    clasp_ks ks;
    clasp_ts ts;
    keylog_capture log = {0};
    uint8_t random[32], th[HL], out[HL], ss[CLASP_MAX_KX_SECRET_LEN];
    char random_hex[65];
    char key[160];
    const char *ch_key = d->hrr ? "client.clienthello~2.clienthello"
                                : "client.clienthello.clienthello";

    /* RFC 8446 Appendix: the key log names a session by the random of the
     * ClientHello the keys belong to (the only one without HRR). */
    client_random_of(&f, ch_key, random, random_hex);
    assert_clasp_ok(clasp_ks_init(&ks, prov, SHA256));
    assert_clasp_ok(clasp_ks_set_keylog(&ks, capture, &log, random));
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    /* Derive-Secret(., "derived", "") uses Hash(""): the trace's hash */
    tv_expect(&f, "server.derive_secret_for_handshake_derived.hash",
              ks.empty_hash, HL);

    /* Early Secret */
    if (d->resumed) {
        uint8_t psk[HL];
        simple_ticket_psk(psk);
        tv_expect(&f, "client.extract_secret_early.ikm", psk, HL);
        assert_clasp_ok(clasp_ks_early(&ks, psk, HL));
    } else {
        assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    }
    assert_int_equal(ks.stage, KS_EARLY);
    snprintf(key, sizeof(key), "%s.secret", d->early_step);
    tv_expect(&f, key, ks.secret, HL);
    assert_clasp_ok(clasp_ks_derive_secret(
        prov, SHA256, ks.secret, KS_LABEL(derived), ks.empty_hash, out));
    tv_expect(&f, "server.derive_secret_for_handshake_derived.expanded", out,
              HL);
    tv_expect(&f, "server.extract_secret_handshake.salt", out, HL);
    if (d->resumed) {
        check_early(&f, &ks, &ts);
    }

    /* Handshake Secret from the (EC)DHE shared secret */
    size_t ss_len = ecdhe(&f, d->group, d->client_kx, d->server_kx, ss);
    assert_clasp_ok(clasp_ks_handshake(&ks, ss, ss_len));
    assert_int_equal(ks.stage, KS_HANDSHAKE);
    tv_expect(&f, "server.extract_secret_handshake.secret", ks.secret, HL);

    /* Transcript up to ServerHello (the hash is known from ServerHello or
     * HelloRetryRequest on) */
    size_t first = 0;
    if (d->hrr) {
        add_msg(&ts, &f, d->to_server_hello[0]);
        assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
        assert_clasp_ok(clasp_ts_hrr_rewrite(&ts));
        first = 1;
    }
    add_all(&ts, &f, d->to_server_hello + first);
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    expect_th(&ts, &f, "server.derive_secret_c_hs_traffic.hash", th);
    tv_expect(&f, "server.derive_secret_s_hs_traffic.hash", th, HL);

    uint8_t c_hs[HL], s_hs[HL];
    assert_clasp_ok(clasp_ks_hs_traffic(&ks, th, c_hs, s_hs));
    tv_expect(&f, "server.derive_secret_c_hs_traffic.expanded", c_hs, HL);
    tv_expect(&f, "server.derive_secret_s_hs_traffic.expanded", s_hs, HL);
    expect_keys(&f, s_hs,
                "server.derive_write_traffic_keys_for_handshake_"
                "data");
    expect_keys(&f, c_hs, d->client_hs_keys);

    /* Server Finished over CH..CertificateVerify */
    add_all(&ts, &f, d->server_flight);
    assert_clasp_ok(clasp_ts_hash(&ts, th));
    expect_finished(&f, "server", s_hs, th);
    add_msg(&ts, &f, "server.finished.finished");

    /* Master Secret and application secrets over CH..server Finished */
    assert_clasp_ok(clasp_ks_derive_secret(
        prov, SHA256, ks.secret, KS_LABEL(derived), ks.empty_hash, out));
    tv_expect(&f, "server.derive_secret_for_master_derived.expanded", out, HL);
    assert_clasp_ok(clasp_ks_master(&ks));
    assert_int_equal(ks.stage, KS_MASTER);
    tv_expect(&f, "server.extract_secret_master.secret", ks.secret, HL);
    expect_th(&ts, &f, "server.derive_secret_c_ap_traffic.hash", th);
    uint8_t c_ap[HL], s_ap[HL], exp[HL];
    assert_clasp_ok(clasp_ks_app_traffic(&ks, th, c_ap, s_ap, exp));
    tv_expect(&f, "server.derive_secret_c_ap_traffic.expanded", c_ap, HL);
    tv_expect(&f, "server.derive_secret_s_ap_traffic.expanded", s_ap, HL);
    tv_expect(&f, "server.derive_secret_exp_master.expanded", exp, HL);
    expect_keys(&f, s_ap,
                "server.derive_write_traffic_keys_for_application_data");
    expect_keys(&f, c_ap,
                "client.derive_write_traffic_keys_for_application_data");

    /* Client Finished over CH..server Finished [EOED, Certificate, CV] */
    add_all(&ts, &f, d->client_flight);
    assert_clasp_ok(clasp_ts_hash(&ts, th));
    expect_finished(&f, "client", c_hs, th);
    add_msg(&ts, &f, "client.finished.finished");

    /* resumption_master_secret over CH..client Finished */
    expect_th(&ts, &f, "client.derive_secret_res_master.hash", th);
    assert_clasp_ok(clasp_ks_resumption_master(&ks, th, o->res_master));
    tv_expect(&f, "client.derive_secret_res_master.expanded", o->res_master,
              HL);

    /* Every secret went through the key log hook, in order. */
    unsigned i = 0;
    if (d->resumed) {
        expect_line(&f, &log, i++, "CLIENT_EARLY_TRAFFIC_SECRET", random_hex,
                    "client.derive_secret_c_e_traffic.expanded");
        expect_line(&f, &log, i++, "EARLY_EXPORTER_SECRET", random_hex,
                    "client.derive_secret_e_exp_master.expanded");
    }
    expect_line(&f, &log, i++, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", random_hex,
                "server.derive_secret_c_hs_traffic.expanded");
    expect_line(&f, &log, i++, "SERVER_HANDSHAKE_TRAFFIC_SECRET", random_hex,
                "server.derive_secret_s_hs_traffic.expanded");
    expect_line(&f, &log, i++, "CLIENT_TRAFFIC_SECRET_0", random_hex,
                "server.derive_secret_c_ap_traffic.expanded");
    expect_line(&f, &log, i++, "SERVER_TRAFFIC_SECRET_0", random_hex,
                "server.derive_secret_s_ap_traffic.expanded");
    expect_line(&f, &log, i++, "EXPORTER_SECRET", random_hex,
                "server.derive_secret_exp_master.expanded");
    assert_int_equal(log.n, i);

    clasp_ks_wipe(&ks);
    clasp_ts_free(&ts);
    tv_free(&f);
}

/* ---- the five traces ---------------------------------------------------- */

static const char *const common_server_flight[] = {
    "server.encryptedextensions.encryptedextensions",
    "server.certificate.certificate",
    "server.certificateverify.certificateverify",
    NULL,
};
static const char *const ch_sh[] = {
    "client.clienthello.clienthello",
    "server.serverhello.serverhello",
    NULL,
};
static const char *const none[] = {NULL};

/* RFC 8448 §3 */
static void simple_1rtt(void **state)
{
    (void)state;
    trace_desc d = {
        "simple",
        CLASP_GROUP_X25519,
        "client.create_an_ephemeral_x25519_key_pair",
        "server.create_an_ephemeral_x25519_key_pair",
        "server.extract_secret_early",
        ch_sh,
        false,
        common_server_flight,
        none,
        "server.derive_read_traffic_keys_for_handshake_data",
        false,
    };
    trace_out o;
    run_trace(&d, &o);
}

/* RFC 8448 §4: PSK from §3's ticket, binder, 0-RTT, EndOfEarlyData. The
 * ClientHello is added by check_early() (its hash is needed for the
 * early secrets before ServerHello). */
static void resumed_0rtt(void **state)
{
    (void)state;
    static const char *const to_sh[] = {"server.serverhello.serverhello", NULL};
    static const char *const server_flight[] = {
        "server.encryptedextensions.encryptedextensions", NULL};
    static const char *const client_flight[] = {
        "client.endofearlydata.endofearlydata", NULL};
    trace_desc d = {
        "resumed_0rtt",
        CLASP_GROUP_X25519,
        "client.create_an_ephemeral_x25519_key_pair",
        "server.create_an_ephemeral_x25519_key_pair",
        "client.extract_secret_early",
        to_sh,
        false,
        server_flight,
        client_flight,
        "client.derive_write_traffic_keys_for_handshake_data",
        true,
    };
    trace_out o;
    run_trace(&d, &o);
}

/* RFC 8448 §5: HelloRetryRequest, then P-256. The transcript hashes of
 * the trace only match if ClientHello1 was replaced by message_hash. */
static void hello_retry_request(void **state)
{
    (void)state;
    static const char *const to_sh[] = {
        "client.clienthello.clienthello",
        "server.serverhello.serverhello", /* the HelloRetryRequest */
        "client.clienthello~2.clienthello",
        "server.serverhello~2.serverhello",
        NULL,
    };
    trace_desc d = {
        "hrr",
        CLASP_GROUP_SECP256R1,
        "client.create_an_ephemeral_p_256_key_pair",
        "server.create_an_ephemeral_p_256_key_pair",
        "server.extract_secret_early",
        to_sh,
        true,
        common_server_flight,
        none,
        "server.derive_read_traffic_keys_for_handshake_data",
        false,
    };
    trace_out o;
    run_trace(&d, &o);
}

/* RFC 8448 §6: CertificateRequest, client Certificate and
 * CertificateVerify in the transcript of the client Finished. */
static void client_auth(void **state)
{
    (void)state;
    static const char *const server_flight[] = {
        "server.encryptedextensions.encryptedextensions",
        "server.certificaterequest.certificaterequest",
        "server.certificate.certificate",
        "server.certificateverify.certificateverify",
        NULL,
    };
    static const char *const client_flight[] = {
        "client.certificate.certificate",
        "client.certificateverify.certificateverify",
        NULL,
    };
    trace_desc d = {
        "client_auth",
        CLASP_GROUP_X25519,
        "client.create_an_ephemeral_x25519_key_pair",
        "server.create_an_ephemeral_x25519_key_pair",
        "server.extract_secret_early",
        ch_sh,
        false,
        server_flight,
        client_flight,
        "server.derive_read_traffic_keys_for_handshake_data",
        false,
    };
    trace_out o;
    run_trace(&d, &o);
}

/* RFC 8448 §7: middlebox compatibility mode (CCS records are not
 * handshake messages: the transcript is unaffected). */
static void compat_mode(void **state)
{
    (void)state;
    trace_desc d = {
        "compat",
        CLASP_GROUP_X25519,
        "client.create_an_ephemeral_x25519_key_pair",
        "server.create_an_ephemeral_x25519_key_pair",
        "server.extract_secret_early",
        ch_sh,
        false,
        common_server_flight,
        none,
        "server.derive_read_traffic_keys_for_handshake_data",
        false,
    };
    trace_out o;
    run_trace(&d, &o);
}

/* RFC 8448 §6: the client's CertificateVerify signs
 * 64 x 0x20 || "TLS 1.3, client CertificateVerify" || 0 || th
 * (RFC 8446 §4.4.3) with th over CH..client Certificate. The recorded
 * RSA-PSS signature verifies only with the right transcript hash and
 * context string. */
static void client_auth_certificate_verify(void **state)
{
    (void)state;
    tv_file f = tv_load("client_auth");
    clasp_ts ts;
    uint8_t th[HL];
    static const char *const msgs[] = {
        "client.clienthello.clienthello",
        "server.serverhello.serverhello",
        "server.encryptedextensions.encryptedextensions",
        "server.certificaterequest.certificaterequest",
        "server.certificate.certificate",
        "server.certificateverify.certificateverify",
        "server.finished.finished",
        "client.certificate.certificate",
        NULL,
    };
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    add_msg(&ts, &f, msgs[0]);
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    add_all(&ts, &f, msgs + 1);
    assert_clasp_ok(clasp_ts_hash(&ts, th));

    static const char context[] = "TLS 1.3, client CertificateVerify";
    uint8_t tbs[64 + sizeof(context) + HL];
    memset(tbs, 0x20, 64);
    memcpy(tbs + 64, context, sizeof(context)); /* with its 0 byte */
    memcpy(tbs + 64 + sizeof(context), th, HL);

    /* Certificate: context<0..255> (empty), certificate_list<..2^24-1>,
     * first CertificateEntry: cert_data<1..2^24-1> */
    uint8_t cert_msg[1024];
    size_t cert_len = tv_get(&f, "client.certificate.certificate", cert_msg,
                             sizeof(cert_msg));
    assert_true(cert_len > 11);
    assert_int_equal(cert_msg[4], 0);
    size_t der_len =
        (size_t)cert_msg[8] << 16 | (size_t)cert_msg[9] << 8 | cert_msg[10];
    assert_true(11 + der_len <= cert_len);
    uint8_t cv[512];
    size_t cv_len = tv_get(&f, "client.certificateverify.certificateverify", cv,
                           sizeof(cv));
    /* CertificateVerify: algorithm(2) = rsa_pss_rsae_sha256, sig<2> */
    assert_int_equal(cv[4] << 8 | cv[5], CLASP_SIG_RSA_PSS_RSAE_SHA256);
    size_t sig_len = (size_t)cv[6] << 8 | cv[7];
    assert_int_equal(8 + sig_len, cv_len);

    assert_non_null(prov->pkey_from_cert);
    assert_non_null(prov->verify);
    clasp_pkey *pk = NULL;
    assert_clasp_ok(
        prov->pkey_from_cert(prov->ctx, cert_msg + 11, der_len, &pk));
    assert_clasp_ok(prov->verify(prov->ctx, pk, CLASP_SIG_RSA_PSS_RSAE_SHA256,
                                 tbs, sizeof(tbs), cv + 8, sig_len));
    tv_compared++;
    /* the server's context string must not verify */
    static const char server_ctx[] = "TLS 1.3, server CertificateVerify";
    memcpy(tbs + 64, server_ctx, sizeof(server_ctx));
    assert_clasp_err(prov->verify(prov->ctx, pk, CLASP_SIG_RSA_PSS_RSAE_SHA256,
                                  tbs, sizeof(tbs), cv + 8, sig_len),
                     CLASP_ERR_DECRYPT_ERROR);
    prov->pkey_free(pk);
    clasp_ts_free(&ts);
    tv_free(&f);
}

/* The resumed trace's PSK is the simple trace's resumption secret; the
 * simple run must reproduce it (ties §3 to §4). */
static void simple_res_master_feeds_resumed_psk(void **state)
{
    (void)state;
    tv_file s = tv_load("simple");
    tv_file r = tv_load("resumed_0rtt");
    uint8_t res_master[HL], nonce[2], psk[HL];
    tv_get(&s, "client.derive_secret_res_master.expanded", res_master, HL);
    tv_get(&s, "server.generate_resumption_secret_resumption.hash", nonce, 2);
    assert_clasp_ok(clasp_ks_ticket_psk(prov, SHA256, res_master, nonce,
                                        sizeof(nonce), psk));
    tv_expect(&r, "client.extract_secret_early.ikm", psk, HL);
    /* another nonce, another PSK (RFC 8446 §4.6.1) */
    nonce[1] = 1;
    uint8_t psk2[HL];
    assert_clasp_ok(clasp_ks_ticket_psk(prov, SHA256, res_master, nonce,
                                        sizeof(nonce), psk2));
    assert_memory_not_equal(psk, psk2, HL);
    tv_free(&s);
    tv_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_1rtt),
        cmocka_unit_test(resumed_0rtt),
        cmocka_unit_test(hello_retry_request),
        cmocka_unit_test(client_auth),
        cmocka_unit_test(compat_mode),
        cmocka_unit_test(client_auth_certificate_verify),
        cmocka_unit_test(simple_res_master_feeds_resumed_psk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
