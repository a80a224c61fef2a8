/* Flights cut, interrupted and re-fragmented by a peer in the middle, and
 * certificates that must be refused: every flight one byte per record,
 * an alert or close_notify after each server message, compatibility CCS
 * records with wrong contents, certificate chains too long or too large,
 * and certificates with the wrong key usage. SECURITY-CHECKLIST rows 9,
 * 12, 17, 18, 23, 52, 53, 55. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "pipe.h"

/* Rewrite the plaintext handshake records of q into records of frag bytes
 * (other records unchanged, order kept). */
static void refragment_plain(tp_queue *q, size_t frag)
{
    tp_queue out = {malloc(TP_CAP), 0};
    assert_non_null(out.buf);
    static uint8_t rec[5 + 16384 + 256];
    for (int i = 0; i < 64 && q->len > 0; i++) {
        size_t n = tp_q_pop(q, rec, sizeof(rec));
        if (rec[0] != 22) {
            tp_q_push(&out, rec, n);
            continue;
        }
        for (size_t off = 5; off < n; off += frag) {
            size_t m = n - off < frag ? n - off : frag;
            tp_q_record(&out, 22, rec + off, m);
        }
    }
    assert_int_equal(q->len, 0);
    tp_q_push(q, out.buf, out.len);
    free(out.buf);
}

/* SECURITY-CHECKLIST 9: every handshake flight one byte per record (the
 * peers' own records re-cut by the man in the middle), both ways. */
static void every_flight_one_byte_per_record(void **state)
{
    (void)state;
    for (int auth = 0; auth < 2; auth++) {
        tp_evil e;
        tp_dir d;
        tp_flight f;
        tp_evil_opts o = {.client_auth = auth};
        tp_evil_start(&e, &o);
        tp_evil_take_server_flight(&e, &d, &f);
        refragment_plain(&e.plain, 1);
        tp_evil_put_server_flight(&e, &d, &f, 1);
        tp_evil_take_client_flight(&e, &d, &f);
        tp_evil_put_client_flight(&e, &d, &f, 1);
        assert_clasp_ok(clasp_handshake(e.t.srv));
        static const uint8_t msg[] = "after a one-byte-record handshake";
        assert_clasp_ok(tp_transfer(e.t.cli, e.t.srv, msg, sizeof(msg)));
        assert_clasp_ok(tp_transfer(e.t.srv, e.t.cli, msg, sizeof(msg)));
        tp_evil_free(&e);
    }
}

/* The ClientHello one byte per record too, through a real client. */
static void client_hello_one_byte_per_record(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ed25519");
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    refragment_plain(&t.p.q[0], 1);
    tp_pair_connect(&t);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* SECURITY-CHECKLIST 17, 18: the server's flight cut after each message
 * by a fatal alert or a close_notify (protected, as the server's sending
 * key has changed), the rest of the flight following: the client stops
 * at once with the right code, sends nothing, and stays dead. */
static void alert_or_close_after_each_server_message(void **state)
{
    (void)state;
    static const uint8_t fatal_alert[] = {2, 40};
    static const uint8_t close[] = {1, 0};
    for (int kind = 0; kind < 2; kind++) {
        /* After ServerHello, EE, Certificate, CertificateVerify (after
         * Finished the client reads under its application key). */
        for (size_t k = 0; k < 4; k++) {
            tp_evil e;
            tp_dir d;
            tp_flight f;
            tp_evil_start(&e, NULL);
            tp_evil_take_server_flight(&e, &d, &f);
            assert_int_equal(f.n, 4);
            tp_dir fresh;
            tp_dir_init(&fresh, d.suite, d.secret);
            tp_queue *q = &e.t.p.q[1];
            tp_flight head = f, tail = f;
            head.n = k;
            for (size_t i = k; i < f.n; i++) {
                tail.msg[i - k] = f.msg[i];
                tail.len[i - k] = f.len[i];
            }
            tail.n = f.n - k;
            tp_flight_seal(&fresh, &head, q, 0);
            tp_dir_seal(&fresh, 21, kind == 0 ? fatal_alert : close, 2, q);
            tp_flight_seal(&fresh, &tail, q, 0);
            tp_requeue(&e.plain, q);
            tp_dir_free(&fresh);
            tp_dir_free(&d);
            tp_flight_free(&f);
            int err =
                kind == 0 ? CLASP_ERR_PEER_ALERT : CLASP_ERR_PEER_CLOSE_NOTIFY;
            tp_q_clear(&e.t.p.q[0]);
            assert_clasp_err(clasp_handshake(e.t.cli), err);
            assert_int_equal(clasp_get_peer_alert(e.t.cli), kind == 0 ? 40 : 0);
            assert_clasp_err(clasp_handshake(e.t.cli), err);
            unsigned char b[4];
            assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)), err);
            assert_int_equal(e.t.p.q[0].len, 0);
            tp_evil_free(&e);
        }
    }
}

/* After ServerHello the server's sending key has changed: a plaintext
 * alert from it is unexpected_message (§5). */
static void plaintext_alert_after_server_hello(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_start(&e, NULL);
    tp_evil_take_server_flight(&e, &d, &f);
    static const uint8_t alert[] = {2, 40};
    tp_q_record(&e.plain, 21, alert, 2);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
}

/* SECURITY-CHECKLIST 12: a CCS other than the single byte 0x01. */
static void compatibility_ccs_contents(void **state)
{
    (void)state;
    static const char *const bodies[] = {"02", "0101", "00"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t b[4];
        size_t n = th_hex_into(bodies[i], b, sizeof(b));
        /* Server's CCS to the client. */
        tp_evil e;
        tp_dir d;
        tp_flight f;
        tp_evil_start(&e, NULL);
        tp_evil_take_server_flight(&e, &d, &f);
        tp_queue *p = &e.plain;
        size_t sh = tp_q_head_len(p);
        assert_int_equal(p->len, sh + 6);
        assert_int_equal(p->buf[sh], 20);
        p->len = sh;
        tp_q_record(p, 20, b, n);
        tp_evil_put_server_flight(&e, &d, &f, 0);
        tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
        tp_evil_free(&e);
        /* Client's CCS before its second ClientHello, to the server. */
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        const uint16_t g = CLASP_GROUP_SECP384R1;
        assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        tp_queue *q = &t.p.q[0];
        assert_int_equal(q->buf[0], 20);
        uint8_t rest[4096];
        assert_true(q->len - 6 <= sizeof(rest));
        size_t rl = q->len - 6;
        memcpy(rest, q->buf + 6, rl);
        tp_q_clear(q);
        tp_q_record(q, 20, b, n);
        tp_q_push(q, rest, rl);
        tp_q_clear(&t.p.q[1]);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_UNEXPECTED_MESSAGE);
        assert_int_equal(tp_q_expect_plain_alert(&t.p.q[1]),
                         CLASP_ALERT_UNEXPECTED_MESSAGE);
        tp_pair_free(&t);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

/* RFC 8446 §4.2: bytes after the extensions of EncryptedExtensions
 * (SECURITY-CHECKLIST 23: decode_error). */
static void trailing_bytes_in_encrypted_extensions(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_start(&e, NULL);
    tp_evil_take_server_flight(&e, &d, &f);
    assert_int_equal(f.msg[0][0], 8);
    free(f.msg[0]);
    f.msg[0] = malloc(7);
    assert_non_null(f.msg[0]);
    memcpy(f.msg[0], "\x08\x00\x00\x03\x00\x00\x00", 7);
    f.len[0] = 7;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECODE);
    tp_evil_free(&e);
}

/* ---- certificate chains -------------------------------------------------- */

/* A Certificate message (RFC 8446 §4.4.2) with count copies of the DER. */
static uint8_t *certificate_msg(const uint8_t *der, size_t der_len,
                                size_t count, size_t *len)
{
    size_t entry = 3 + der_len + 2;
    size_t list = entry * count;
    size_t body = 1 + 3 + list;
    uint8_t *m = malloc(4 + body);
    assert_non_null(m);
    m[0] = 11;
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    m[4] = 0;
    m[5] = (uint8_t)(list >> 16);
    m[6] = (uint8_t)(list >> 8);
    m[7] = (uint8_t)list;
    uint8_t *p = m + 8;
    for (size_t i = 0; i < count; i++) {
        p[0] = (uint8_t)(der_len >> 16);
        p[1] = (uint8_t)(der_len >> 8);
        p[2] = (uint8_t)der_len;
        memcpy(p + 3, der, der_len);
        p[3 + der_len] = 0;
        p[4 + der_len] = 0;
        p += entry;
    }
    *len = 4 + body;
    return m;
}

static void replace_certificate(const uint8_t *msg, size_t len, int err)
{
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_start(&e, NULL);
    tp_evil_take_server_flight(&e, &d, &f);
    assert_int_equal(f.msg[1][0], 11);
    free(f.msg[1]);
    f.msg[1] = malloc(len);
    assert_non_null(f.msg[1]);
    memcpy(f.msg[1], msg, len);
    f.len[1] = len;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, err);
    tp_evil_free(&e);
}

static void chain_too_long(void **state)
{
    (void)state;
    size_t der_len, len;
    uint8_t *der = tp_leaf_der("ecdsa-p256", &der_len);
    /* More entries than the hard cap: refused as a whole
     * (SECURITY-CHECKLIST 52, msg.h: bad_certificate). */
    uint8_t *m = certificate_msg(der, der_len, 17, &len);
    replace_certificate(m, len, CLASP_ERR_BAD_CERTIFICATE);
    free(m);
    free(der);
}

static void chain_too_large(void **state)
{
    (void)state;
    /* The client's max_cert_list (resource limits): an RSA chain is over
     * 1 KiB; the declared size alone is refused (decode_error), and the
     * server reads the client's alert. */
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("rsa2048");
    assert_clasp_ok(clasp_conf_max_cert_list(cc, 1024));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_DECODE);
    assert_clasp_err(t.crc, CLASP_ERR_DECODE);
    assert_clasp_err(t.src, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.srv), CLASP_ALERT_DECODE_ERROR);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* SECURITY-CHECKLIST 53: a P-256 key encoded with explicit curve
 * parameters is refused as a certificate of a type we do not take
 * (RFC 8446 §6.2 unsupported_certificate), in the server's chain with its
 * intermediate; the CertificateVerify was made with another key, so the
 * chain check must come first. */
static void explicit_curve_parameters(void **state)
{
    (void)state;
    size_t pem_len;
    uint8_t *pem = th_read_file("pki/neg/explicit-ec-chain.pem", &pem_len);
    clasp_provider *prov = NULL;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    clasp_span *ders = NULL;
    size_t count = 0;
    assert_clasp_ok(prov->cert_decode(prov->ctx, pem, pem_len, &ders, &count));
    assert_int_equal(count, 2);
    size_t l0, l1;
    uint8_t *m0 = certificate_msg(ders[0].p, ders[0].len, 1, &l0);
    uint8_t *m1 = certificate_msg(ders[1].p, ders[1].len, 1, &l1);
    /* Join the two entries into one certificate_list. */
    size_t list = (l0 - 8) + (l1 - 8), body = 4 + list;
    uint8_t *m = malloc(4 + body);
    assert_non_null(m);
    memcpy(m, m0, 8);
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    m[5] = (uint8_t)(list >> 16);
    m[6] = (uint8_t)(list >> 8);
    m[7] = (uint8_t)list;
    memcpy(m + 8, m0 + 8, l0 - 8);
    memcpy(m + 8 + l0 - 8, m1 + 8, l1 - 8);
    replace_certificate(m, 4 + body, CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    free(m);
    free(m0);
    free(m1);
    clasp_mem_free(ders);
    prov->destroy(prov);
    th_free(pem);
}

/* SECURITY-CHECKLIST 55: keyUsage and extendedKeyUsage are enforced, for
 * the server's certificate and for the client's (unsupported_certificate:
 * the certificate is not of a type usable here, RFC 8446 §6.2). */
static void key_usage_enforced(void **state)
{
    (void)state;
    static const char *const server_bad[] = {"client-eku-only",
                                             "ku-keyenc-only"};
    char chain[256], key[256];
    for (size_t i = 0; i < 2; i++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
        snprintf(chain, sizeof(chain), TP_PKI "neg/%s-chain.pem",
                 server_bad[i]);
        snprintf(key, sizeof(key), TP_PKI "neg/%s.key", server_bad[i]);
        assert_clasp_ok(clasp_conf_own_cert_file(sc, chain, key, NULL));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_err(tp_pair_handshake(&t),
                         CLASP_ERR_UNSUPPORTED_CERTIFICATE);
        assert_clasp_err(t.src, CLASP_ERR_PEER_ALERT);
        assert_int_equal(clasp_get_peer_alert(t.srv),
                         CLASP_ALERT_UNSUPPORTED_CERTIFICATE);
        tp_pair_free(&t);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
    /* As client certificates: clientAuth-only is right; keyEncipherment
     * only is not. */
    for (size_t i = 0; i < 2; i++) {
        clasp_config *cc = tp_client_conf();
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
        snprintf(chain, sizeof(chain), TP_PKI "neg/%s-chain.pem",
                 server_bad[i]);
        snprintf(key, sizeof(key), TP_PKI "neg/%s.key", server_bad[i]);
        assert_clasp_ok(clasp_conf_own_cert_file(cc, chain, key, NULL));
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        int rc = tp_pair_handshake(&t);
        if (i == 0) {
            assert_clasp_ok(rc);
        } else {
            assert_clasp_err(t.src, CLASP_ERR_UNSUPPORTED_CERTIFICATE);
            unsigned char b[4];
            assert_clasp_err(clasp_read(t.cli, b, sizeof(b)),
                             CLASP_ERR_PEER_ALERT);
            assert_int_equal(clasp_get_peer_alert(t.cli),
                             CLASP_ALERT_UNSUPPORTED_CERTIFICATE);
        }
        tp_pair_free(&t);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_flight_one_byte_per_record),
        cmocka_unit_test(client_hello_one_byte_per_record),
        cmocka_unit_test(alert_or_close_after_each_server_message),
        cmocka_unit_test(plaintext_alert_after_server_hello),
        cmocka_unit_test(compatibility_ccs_contents),
        cmocka_unit_test(trailing_bytes_in_encrypted_extensions),
        cmocka_unit_test(chain_too_long),
        cmocka_unit_test(chain_too_large),
        cmocka_unit_test(explicit_curve_parameters),
        cmocka_unit_test(key_usage_enforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
