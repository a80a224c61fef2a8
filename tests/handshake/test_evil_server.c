/* An evil server against clasp's client, and an evil client flight
 * against clasp's server: a real peer's flight is taken from the pipe and
 * changed before delivery. The plaintext ServerHello is edited as bytes;
 * the encrypted flights are opened and resealed with the handshake traffic
 * secrets from the key log (tests/testlib/pipe.c: tp_flight_*), which
 * makes a genuine scripted peer for every later message. Each case
 * asserts the exact error, the alert on the wire (and at the peer), and a
 * dead context. SECURITY-CHECKLIST B4, B5, B11. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/* ---- ServerHello as bytes ------------------------------------------------ */

typedef struct {
    uint8_t rec[2048];
    size_t len;
    tp_hello h;
    uint8_t *msg;
} sh_t;

static void sh_take(tp_evil *e, sh_t *s)
{
    tp_queue *q = &e->t.p.q[1];
    s->len = tp_q_pop(q, s->rec, sizeof(s->rec));
    assert_int_equal(s->rec[0], 22);
    s->msg = s->rec + 5;
    tp_hello_parse(s->msg, s->len - 5, &s->h);
}

static void sh_put(tp_evil *e, sh_t *s)
{
    tp_q_push(&e->plain, s->rec, s->len);
    tp_requeue(&e->plain, &e->t.p.q[1]);
}

/* Replace n bytes at off by m new bytes, fixing the record, message and
 * extension-block lengths (off must be inside the extension block when
 * n != m). */
static void sh_splice(sh_t *s, size_t off, size_t n, const uint8_t *p, size_t m)
{
    assert_true(s->len - n + m <= sizeof(s->rec));
    uint8_t *at = s->msg + off;
    memmove(at + m, at + n, s->len - 5 - off - n);
    if (m > 0) {
        memcpy(at, p, m);
    }
    s->len = s->len - n + m;
    size_t body = s->len - 5;
    s->rec[3] = (uint8_t)(body >> 8);
    s->rec[4] = (uint8_t)body;
    s->msg[1] = (uint8_t)((body - 4) >> 16);
    s->msg[2] = (uint8_t)((body - 4) >> 8);
    s->msg[3] = (uint8_t)(body - 4);
    if (n != m) {
        size_t x = s->h.extensions;
        size_t el = (size_t)s->msg[x] << 8 | s->msg[x + 1];
        el = el - n + m;
        s->msg[x] = (uint8_t)(el >> 8);
        s->msg[x + 1] = (uint8_t)el;
    }
    tp_hello_parse(s->msg, s->len - 5, &s->h);
}

/* Remove extension type (its 4-byte header too). */
static void sh_drop_ext(sh_t *s, uint16_t type)
{
    size_t off, len;
    assert_int_equal(tp_hello_ext(s->msg, s->len - 5, type, &off, &len), 1);
    sh_splice(s, off - 4, len + 4, NULL, 0);
}

static void sh_add_ext(sh_t *s, const char *hex)
{
    uint8_t b[256];
    size_t n = th_hex_into(hex, b, sizeof(b));
    sh_splice(s, s->h.end, 0, b, n);
}

static const tp_evil_opts plain_opts = {0};

static void server_hello_field_checks(void **state)
{
    (void)state;
    tp_evil e;
    sh_t s;
    /* §4.1.3: a cipher suite we did not offer. */
    static const uint16_t two[] = {CLASP_TLS1_3_AES_128_GCM_SHA256,
                                   CLASP_TLS1_3_AES_256_GCM_SHA384};
    tp_evil_opts o = {.suites = two, .suite_count = 2};
    tp_evil_start(&e, &o);
    sh_take(&e, &s);
    assert_int_equal(s.msg[s.h.suites + 1], 0x01);
    s.msg[s.h.suites + 1] = 0x03;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* An unknown suite value. */
    tp_evil_start(&e, &o);
    sh_take(&e, &s);
    s.msg[s.h.suites] = 0xca;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.1.3: legacy_session_id_echo differs. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    s.msg[s.h.session_id + 5] ^= 1;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.1.3: legacy_compression_method must be 0. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    s.msg[s.h.compression] = 1;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.2.1: with supported_versions present the client ignores
     * legacy_version (a server sends 0x0303, §4.1.3)... */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    s.msg[5] = 4;
    sh_put(&e, &s);
    /* The hello is accepted; the server's flight was protected under the
     * transcript of the unmodified hello, so the client gets exactly as
     * far as opening it. */
    assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_BAD_RECORD_MAC);
    tp_evil_free(&e);
    /* ...except SSL 3.0, which App. D.5 makes protocol_version. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    s.msg[4] = 3;
    s.msg[5] = 0;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_PROTOCOL_VERSION);
    tp_evil_free(&e);
}

static void server_hello_extension_checks(void **state)
{
    (void)state;
    tp_evil e;
    sh_t s;
    size_t off, len;
    /* §4.2.1: a version we did not offer / below 1.3: illegal_parameter. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    assert_int_equal(tp_hello_ext(s.msg, s.len - 5, 43, &off, &len), 1);
    s.msg[off + 1] = 3;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* No supported_versions: a TLS 1.2 answer (App. D.1). */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    sh_drop_ext(&s, 43);
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_PROTOCOL_VERSION);
    tp_evil_free(&e);
    /* SECURITY-CHECKLIST 27: no key_share in an (EC)DHE handshake. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    sh_drop_ext(&s, 51);
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_MISSING_EXTENSION);
    tp_evil_free(&e);
    /* §4.2.8: a share for a group we did not send (secp256r1 instead of
     * x25519: same-size trick impossible, so the bytes change too). */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    assert_int_equal(tp_hello_ext(s.msg, s.len - 5, 51, &off, &len), 1);
    assert_int_equal(s.msg[off + 1], 0x1d);
    s.msg[off + 1] = 0x1e;
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §7.4.2: a low-order X25519 share (all-zero secret). */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    assert_int_equal(tp_hello_ext(s.msg, s.len - 5, 51, &off, &len), 1);
    memset(s.msg + off + 4, 0, 32);
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.2: an extension we never offered in ServerHello (unknown type:
     * unsupported_extension; known but not for SH, ALPN: illegal). */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    sh_add_ext(&s, "7a7a 0000");
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_UNSUPPORTED_EXTENSION);
    tp_evil_free(&e);
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    sh_add_ext(&s, "0010 0005 0003 026832");
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* The same extension twice. */
    tp_evil_start(&e, &plain_opts);
    sh_take(&e, &s);
    sh_add_ext(&s, "002b 0002 0304");
    sh_put(&e, &s);
    tp_evil_client_fails(&e, CLASP_ERR_DECODE);
    tp_evil_free(&e);
}

/* ---- HelloRetryRequest --------------------------------------------------- */

static const uint16_t p384_only[] = {CLASP_GROUP_SECP384R1};

static void hello_retry_request_checks(void **state)
{
    (void)state;
    tp_evil e;
    sh_t hrr, again;
    size_t off, len;
    tp_evil_opts o = {.groups = p384_only, .group_count = 1};
    /* §4.1.4: a second HelloRetryRequest is unexpected_message. */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    again = hrr;
    again.msg = again.rec + 5;
    sh_put(&e, &hrr);
    assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_WANT_READ);
    tp_q_clear(&e.t.p.q[1]);
    tp_q_push(&e.t.p.q[1], again.rec, again.len);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* HRR asks for the group we already sent a share for. */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    assert_int_equal(tp_hello_ext(hrr.msg, hrr.len - 5, 51, &off, &len), 1);
    hrr.msg[off] = 0x00;
    hrr.msg[off + 1] = 0x1d;
    sh_put(&e, &hrr);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* HRR asks for a group we do not support (ffdhe2048). */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    assert_int_equal(tp_hello_ext(hrr.msg, hrr.len - 5, 51, &off, &len), 1);
    hrr.msg[off] = 0x01;
    hrr.msg[off + 1] = 0x00;
    sh_put(&e, &hrr);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* An HRR that changes nothing (no key_share, no cookie). */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    sh_drop_ext(&hrr, 51);
    sh_put(&e, &hrr);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.1.4 / §4.2: only cookie may come in an HRR unasked; an unknown
     * type is unsupported_extension, a known one not for HRR illegal. */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    sh_add_ext(&hrr, "7a7a 0000");
    sh_put(&e, &hrr);
    tp_evil_client_fails(&e, CLASP_ERR_UNSUPPORTED_EXTENSION);
    tp_evil_free(&e);
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    sh_add_ext(&hrr, "0010 0005 0003 026832");
    sh_put(&e, &hrr);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* SECURITY-CHECKLIST 27 (after HRR): the ServerHello that follows
     * has no key_share (missing_extension), or one for another group
     * than HRR asked for (illegal_parameter). */
    for (int variant = 0; variant < 2; variant++) {
        tp_evil_start(&e, &o);
        assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(e.t.srv), CLASP_ERR_WANT_READ);
        sh_take(&e, &again);
        assert_int_equal(tp_hello_ext(again.msg, again.len - 5, 51, &off, &len),
                         1);
        if (variant == 0) {
            sh_drop_ext(&again, 51);
        } else {
            assert_int_equal(again.msg[off + 1], 0x18);
            again.msg[off + 1] = 0x1d;
        }
        sh_put(&e, &again);
        tp_evil_client_fails(&e, variant == 0 ? CLASP_ERR_MISSING_EXTENSION
                                              : CLASP_ERR_ILLEGAL_PARAMETER);
        tp_evil_free(&e);
    }
    /* §4.1.4: the ServerHello's suite must be the HRR's. */
    tp_evil_start(&e, &o);
    sh_take(&e, &hrr);
    assert_int_equal(hrr.msg[hrr.h.suites + 1], 0x01);
    hrr.msg[hrr.h.suites + 1] = 0x02;
    sh_put(&e, &hrr);
    /* The client answers; the server (which chose 0x1301) goes on. */
    assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(e.t.srv), CLASP_ERR_WANT_READ);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
}

/* ---- the encrypted flight ------------------------------------------------ */

static void replace_msg(tp_flight *f, size_t i, const char *hex)
{
    uint8_t b[512];
    size_t n = th_hex_into(hex, b, sizeof(b));
    free(f->msg[i]);
    f->msg[i] = malloc(n);
    assert_non_null(f->msg[i]);
    memcpy(f->msg[i], b, n);
    f->len[i] = n;
}

static void insert_msg(tp_flight *f, size_t at, const char *hex)
{
    assert_true(f->n < TP_FLIGHT_MAX && at <= f->n);
    for (size_t j = f->n; j > at; j--) {
        f->msg[j] = f->msg[j - 1];
        f->len[j] = f->len[j - 1];
    }
    f->n++;
    f->msg[at] = NULL;
    replace_msg(f, at, hex);
}

enum { EE, CT, CV, FIN };

/* The unmodified flight is EE, Certificate, CertificateVerify, Finished:
 * check it, so that every case below starts from the real thing. */
static void flight_is_as_expected(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    assert_int_equal(f.n, 4);
    assert_int_equal(f.msg[EE][0], 8);
    assert_int_equal(f.msg[CT][0], 11);
    assert_int_equal(f.msg[CV][0], 15);
    assert_int_equal(f.msg[FIN][0], 20);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_pair_connect(&e.t);
    tp_evil_free(&e);
}

static void flight_messages_left_out(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    /* SECURITY-CHECKLIST 19: Certificate and CertificateVerify left out,
     * Finished straight after EncryptedExtensions (§4: unexpected). */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    tp_flight_drop(&f, CV);
    tp_flight_drop(&f, CT);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* CertificateVerify alone left out. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    tp_flight_drop(&f, CV);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* EncryptedExtensions left out. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    tp_flight_drop(&f, EE);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* A second ServerHello in the encrypted flight (§4). */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    insert_msg(&f, 1, "02000000");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* Application data before the server's Finished (§5.1, §4). */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    tp_flight_drop(&f, FIN);
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_dir more;
    uint8_t s_hs[64];
    tp_keylog_get(&e.skl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", s_hs);
    tp_dir_init(&more, e.suite, s_hs);
    more.seq = 1;
    tp_dir_seal(&more, 23, "early", 5, &e.t.p.q[1]);
    tp_dir_free(&more);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
}

static void flight_certificate_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    /* §4.4.2.4: an empty server Certificate is decode_error. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    replace_msg(&f, CT, "0b000004 00 000000");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECODE);
    tp_evil_free(&e);
    /* §4.4.2: a non-empty certificate_request_context from the server. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    {
        uint8_t *m = malloc(f.len[CT] + 1);
        assert_non_null(m);
        memcpy(m, f.msg[CT], 4);
        m[4] = 1;
        m[5] = 0x55;
        memcpy(m + 6, f.msg[CT] + 5, f.len[CT] - 5);
        size_t body = f.len[CT] + 1 - 4;
        m[1] = (uint8_t)(body >> 16);
        m[2] = (uint8_t)(body >> 8);
        m[3] = (uint8_t)body;
        free(f.msg[CT]);
        f.msg[CT] = m;
        f.len[CT]++;
    }
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
}

static void flight_certificate_verify_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    static const struct {
        uint16_t alg;
        int err;
    } algs[] = {
        /* Offered, but not for a P-256 key (§4.4.3: illegal_parameter). */
        {CLASP_SIG_RSA_PSS_RSAE_SHA256, CLASP_ERR_ILLEGAL_PARAMETER},
        {CLASP_SIG_ECDSA_SECP384R1_SHA384, CLASP_ERR_ILLEGAL_PARAMETER},
        /* PKCS#1 v1.5 is never valid in a TLS 1.3 CertificateVerify. */
        {CLASP_SIG_RSA_PKCS1_SHA256, CLASP_ERR_ILLEGAL_PARAMETER},
        /* Unknown scheme. */
        {0xfefe, CLASP_ERR_ILLEGAL_PARAMETER},
    };
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        tp_evil_start(&e, &plain_opts);
        tp_evil_take_server_flight(&e, &d, &f);
        f.msg[CV][4] = (uint8_t)(algs[i].alg >> 8);
        f.msg[CV][5] = (uint8_t)algs[i].alg;
        tp_evil_put_server_flight(&e, &d, &f, 0);
        tp_evil_client_fails(&e, algs[i].err);
        tp_evil_free(&e);
    }
    /* A scheme the client did not offer, although the RSA key fits it
     * (§4.4.3: illegal_parameter, before any signature check). */
    static const uint16_t rsae256 = CLASP_SIG_RSA_PSS_RSAE_SHA256;
    tp_evil_opts ro = {
        .kind = "rsa2048", .sig_algs = &rsae256, .sig_alg_count = 1};
    tp_evil_start(&e, &ro);
    tp_evil_take_server_flight(&e, &d, &f);
    assert_int_equal(f.msg[CV][4] << 8 | f.msg[CV][5], rsae256);
    f.msg[CV][5] = 0x05; /* rsa_pss_rsae_sha384 */
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.4.3: a bad signature is decrypt_error (ECDSA, EdDSA). */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    f.msg[CV][f.len[CV] - 1] ^= 0x01;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECRYPT_ERROR);
    tp_evil_free(&e);
    tp_evil_opts o = {.kind = "ed25519"};
    tp_evil_start(&e, &o);
    tp_evil_take_server_flight(&e, &d, &f);
    f.msg[CV][10] ^= 0x80;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECRYPT_ERROR);
    tp_evil_free(&e);
    /* A CertificateVerify with trailing bytes does not parse. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    {
        uint8_t *m = malloc(f.len[CV] + 1);
        assert_non_null(m);
        memcpy(m, f.msg[CV], f.len[CV]);
        m[f.len[CV]] = 0;
        size_t body = f.len[CV] + 1 - 4;
        m[1] = (uint8_t)(body >> 16);
        m[2] = (uint8_t)(body >> 8);
        m[3] = (uint8_t)body;
        free(f.msg[CV]);
        f.msg[CV] = m;
        f.len[CV]++;
    }
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECODE);
    tp_evil_free(&e);
}

static void flight_finished_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    /* §4.4.4: wrong verify_data is decrypt_error. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    f.msg[FIN][4] ^= 0x20;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECRYPT_ERROR);
    tp_evil_free(&e);
    /* A Finished of the wrong length does not parse. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    f.len[FIN] -= 1;
    f.msg[FIN][3] -= 1;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_DECODE);
    tp_evil_free(&e);
    /* §5.1: bytes of another message after Finished in its record, left
     * over at the key change: unexpected_message. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    insert_msg(&f, f.n, "1800");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
}

static void flight_encrypted_extensions_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    /* §4.2 / §4.3.1: key_share does not belong in EE. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    replace_msg(&f, EE, "08000008 0006 0033 0002 001d");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* An unknown extension the client never sent: unsupported_extension. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    replace_msg(&f, EE, "08000006 0004 7a7a 0000");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNSUPPORTED_EXTENSION);
    tp_evil_free(&e);
    /* ALPN the client never offered. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    replace_msg(&f, EE, "08000009 0007 0010 0003 026832");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNSUPPORTED_EXTENSION);
    tp_evil_free(&e);
}

static void flight_certificate_request_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    /* §4.3.2: in the handshake the context is empty. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    insert_msg(&f, CT, "0d00000c 01aa 0008 000d 0004 0002 0403");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    tp_evil_free(&e);
    /* §4.3.2: signature_algorithms is mandatory. */
    tp_evil_start(&e, &plain_opts);
    tp_evil_take_server_flight(&e, &d, &f);
    insert_msg(&f, CT, "0d00000b 00 0008 0032 0004 0002 0403");
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_MISSING_EXTENSION);
    tp_evil_free(&e);
}

static void flight_record_tampering(void **state)
{
    (void)state;
    tp_evil e;
    /* §5.2: one flipped bit in the protected flight: bad_record_mac. */
    tp_evil_start(&e, &plain_opts);
    tp_queue *q = &e.t.p.q[1];
    size_t off = 0;
    for (int i = 0; i < 2; i++) {
        off += 5 + ((size_t)q->buf[off + 3] << 8 | q->buf[off + 4]);
    }
    assert_int_equal(q->buf[off], 23);
    q->buf[off + 5 + 17] ^= 0x04;
    tp_evil_client_fails(&e, CLASP_ERR_BAD_RECORD_MAC);
    tp_evil_free(&e);
    /* The tag alone shortened by one byte. */
    tp_evil_start(&e, &plain_opts);
    q = &e.t.p.q[1];
    off = 0;
    for (int i = 0; i < 2; i++) {
        off += 5 + ((size_t)q->buf[off + 3] << 8 | q->buf[off + 4]);
    }
    size_t rl = (size_t)q->buf[off + 3] << 8 | q->buf[off + 4];
    assert_int_equal(off + 5 + rl, q->len);
    q->len--;
    rl--;
    q->buf[off + 3] = (uint8_t)(rl >> 8);
    q->buf[off + 4] = (uint8_t)rl;
    tp_evil_client_fails(&e, CLASP_ERR_BAD_RECORD_MAC);
    tp_evil_free(&e);
    /* A plaintext handshake record after the key change (§5). */
    tp_evil_start(&e, &plain_opts);
    tp_dir d;
    tp_flight f;
    tp_evil_take_server_flight(&e, &d, &f);
    tp_q_record(&e.plain, 22, f.msg[EE], f.len[EE]);
    tp_dir_free(&d);
    tp_flight_free(&f);
    tp_requeue(&e.plain, &e.t.p.q[1]);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
}

/* ---- the client's flight against clasp's server -------------------------- */

static void client_flight_checks(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_opts o = {.client_auth = 1};
    /* Untouched: it works. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.msg[0][0], 11);
    assert_int_equal(f.msg[1][0], 15);
    assert_int_equal(f.msg[2][0], 20);
    tp_evil_put_client_flight(&e, &d, &f, 0);
    assert_clasp_ok(clasp_handshake(e.t.srv));
    tp_evil_free(&e);
    /* SECURITY-CHECKLIST 20: a Certificate without CertificateVerify. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    tp_flight_drop(&f, 1);
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* Finished only (no Certificate at all while one was requested). */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    tp_flight_drop(&f, 1);
    tp_flight_drop(&f, 0);
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* A bad client signature (§4.4.3: decrypt_error). */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    f.msg[1][12] ^= 0x10;
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_DECRYPT_ERROR);
    tp_evil_free(&e);
    /* A bad client Finished (§4.4.4: decrypt_error). */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    f.msg[2][10] ^= 0x10;
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_DECRYPT_ERROR);
    tp_evil_free(&e);
    /* §5.1: a bit flip in the client's protected flight. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    tp_evil_put_client_flight(&e, &d, &f, 0);
    e.t.p.q[0].buf[e.t.p.q[0].len - 3] ^= 1;
    tp_evil_server_fails(&e, CLASP_ERR_BAD_RECORD_MAC);
    tp_evil_free(&e);
    /* Application data before the client's Finished (§4, §5.1). */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    tp_flight_drop(&f, 2);
    tp_evil_put_client_flight(&e, &d, &f, 0);
    {
        uint8_t c_hs[64];
        tp_keylog_get(&e.ckl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c_hs);
        tp_dir more;
        tp_dir_init(&more, e.suite, c_hs);
        more.seq = 1;
        tp_dir_seal(&more, 23, "early", 5, &e.t.p.q[0]);
        tp_dir_free(&more);
    }
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* §5.1: bytes of a next message after the client's Finished in its
     * record, left over at the key change. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    insert_msg(&f, f.n, "1800");
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
    /* A client that gives up after its CCS but before its handshake key
     * sends its alert in clear (App. A.1): the server reads it. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    tp_dir_free(&d);
    tp_flight_free(&f);
    {
        static const uint8_t alert[] = {2, 80};
        tp_q_record(&e.plain, 21, alert, 2);
        tp_requeue(&e.plain, &e.t.p.q[0]);
        assert_clasp_err(clasp_handshake(e.t.srv), CLASP_ERR_PEER_ALERT);
        assert_int_equal(clasp_get_peer_alert(e.t.srv), 80);
    }
    tp_evil_free(&e);
    /* SECURITY-CHECKLIST 13: two CCS in the client's second flight. */
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    tp_q_push(&e.plain, ccs, sizeof(ccs));
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    tp_evil_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_hello_field_checks),
        cmocka_unit_test(server_hello_extension_checks),
        cmocka_unit_test(hello_retry_request_checks),
        cmocka_unit_test(flight_is_as_expected),
        cmocka_unit_test(flight_messages_left_out),
        cmocka_unit_test(flight_certificate_checks),
        cmocka_unit_test(flight_certificate_verify_checks),
        cmocka_unit_test(flight_finished_checks),
        cmocka_unit_test(flight_encrypted_extensions_checks),
        cmocka_unit_test(flight_certificate_request_checks),
        cmocka_unit_test(flight_record_tampering),
        cmocka_unit_test(client_flight_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
