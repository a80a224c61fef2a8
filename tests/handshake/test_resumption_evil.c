/* Hostile peers around PSKs and tickets, with the exact error and alert of
 * SECURITY-CHECKLIST §B8 (rows 41, 43, 46) and RFC 8446 §4.2.9, §4.2.11,
 * §4.6.1:
 *  - a client whose ClientHello a test rewrote: tampered binder
 *    (decrypt_error), binder count mismatch (decode_error), a binder of
 *    the wrong length (decrypt_error), pre_shared_key not last
 *    (illegal_parameter), pre_shared_key without psk_key_exchange_modes
 *    (missing_extension); only the selected identity's binder is checked;
 *  - a server whose ServerHello a test rewrote: selected_identity out of
 *    range, a suite of another hash, psk_ke when only psk_dhe_ke was
 *    offered and the reverse (illegal_parameter), a PSK the client never
 *    offered (unsupported_extension), a Certificate or
 *    CertificateRequest after a PSK was accepted (unexpected_message);
 *  - a server that sends NewSessionTickets: a flood (the client keeps 8),
 *    lifetime 0 (discarded) and over 7 days (capped), early_data kept,
 *    malformed ones (decode_error);
 *  - clasp_send_new_session_ticket() and its misuse. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "msg/msg_codes.h"
#include "pipe.h"
#include "tickets/tickets.h"

#define MODE_PSK CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK
#define MODE_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
#define MODE_PSK_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL

static uint64_t g_now = 1700000000000ull;

static uint64_t test_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static clasp_config *server_conf(void)
{
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_now));
    return sc;
}

static clasp_config *client_conf(void)
{
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_clock(cc, test_clock, &g_now));
    return cc;
}

/* A session of a full handshake with sc. */
static clasp_session *get_session(clasp_config *cc, clasp_config *sc)
{
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    static const uint8_t msg[] = "x";
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg, 1));
    clasp_session *s = clasp_session_new();
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    return s;
}

/* ---- hello messages as a list of extensions -------------------------------
 */

#define MAX_EXTS 40
typedef struct {
    uint8_t type;        /* 1 ClientHello, 2 ServerHello */
    uint8_t prefix[600]; /* body up to the extensions length */
    size_t prefix_len;
    struct {
        uint16_t type;
        uint8_t data[4096];
        size_t len;
    } ext[MAX_EXTS];
    size_t n;
} hello;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Take the record at the head of q (one whole hello) apart. */
static void hello_take(tp_queue *q, hello *h)
{
    static uint8_t rec[5 + 16384];
    size_t n = tp_q_pop(q, rec, sizeof(rec));
    assert_int_equal(rec[0], 22);
    const uint8_t *msg = rec + 5;
    size_t len = n - 5;
    tp_hello o;
    tp_hello_parse(msg, len, &o);
    assert_int_equal(o.end, len);
    memset(h, 0, sizeof(*h));
    h->type = msg[0];
    h->prefix_len = o.extensions - 4;
    assert_true(h->prefix_len <= sizeof(h->prefix));
    memcpy(h->prefix, msg + 4, h->prefix_len);
    size_t p = o.extensions + 2;
    while (p < len) {
        assert_true(h->n < MAX_EXTS);
        h->ext[h->n].type = get16(msg + p);
        h->ext[h->n].len = get16(msg + p + 2);
        assert_true(h->ext[h->n].len <= sizeof(h->ext[0].data));
        memcpy(h->ext[h->n].data, msg + p + 4, h->ext[h->n].len);
        p += 4 + h->ext[h->n].len;
        h->n++;
    }
}

/* Put it back as one record at the head of q. */
static void hello_put(tp_queue *q, const hello *h)
{
    static uint8_t msg[16384], rest[1 << 16];
    size_t o = 4;
    memcpy(msg + o, h->prefix, h->prefix_len);
    o += h->prefix_len;
    size_t ext_at = o;
    o += 2;
    for (size_t i = 0; i < h->n; i++) {
        put16(msg + o, h->ext[i].type);
        put16(msg + o + 2, h->ext[i].len);
        memcpy(msg + o + 4, h->ext[i].data, h->ext[i].len);
        o += 4 + h->ext[i].len;
    }
    put16(msg + ext_at, o - ext_at - 2);
    msg[0] = h->type;
    msg[1] = (uint8_t)((o - 4) >> 16);
    put16(msg + 2, o - 4);
    size_t rest_len = q->len;
    memcpy(rest, q->buf, rest_len);
    tp_q_clear(q);
    tp_q_record(q, 22, msg, o);
    tp_q_push(q, rest, rest_len);
}

static int find_ext(const hello *h, uint16_t type)
{
    for (size_t i = 0; i < h->n; i++) {
        if (h->ext[i].type == type) {
            return (int)i;
        }
    }
    return -1;
}

static void drop_ext(hello *h, int i)
{
    assert_true(i >= 0);
    for (size_t j = (size_t)i + 1; j < h->n; j++) {
        h->ext[j - 1] = h->ext[j];
    }
    h->n--;
}

/* ---- hostile ClientHellos -------------------------------------------------
 */

typedef struct {
    clasp_config *cc;
    clasp_config *sc;
    clasp_session *s;
    tp_pair t;
    hello h;
} ev;

/* A client resuming (with n external PSKs too), stopped after its
 * ClientHello, which is taken apart in e->h. */
static void ev_start(ev *e, int ext_psks)
{
    memset(e, 0, sizeof(*e));
    e->cc = client_conf();
    e->sc = server_conf();
    for (int i = 0; i < ext_psks; i++) {
        uint8_t key[32], id[8] = "ext-id-0";
        memset(key, 0x70 + i, sizeof(key));
        id[7] = (uint8_t)('0' + i);
        assert_clasp_ok(clasp_conf_psk(e->cc, key, 32, id, 8));
        assert_clasp_ok(clasp_conf_psk(e->sc, key, 32, id, 8));
    }
    clasp_config *c0 = client_conf();
    e->s = get_session(c0, e->sc);
    clasp_config_free(c0);
    tp_pair_init(&e->t, e->cc, e->sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(e->t.cli, e->s));
    assert_clasp_err(clasp_handshake(e->t.cli), CLASP_ERR_WANT_READ);
    hello_take(&e->t.p.q[0], &e->h);
    assert_int_equal(e->h.type, 1);
    /* RFC 8446 §4.2.11: pre_shared_key is the last extension. */
    assert_int_equal(e->h.ext[e->h.n - 1].type, CLASP_EXT_PRE_SHARED_KEY);
}

static void ev_free(ev *e)
{
    tp_pair_free(&e->t);
    clasp_session_free(e->s);
    clasp_config_free(e->cc);
    clasp_config_free(e->sc);
}

/* The server refuses the (rewritten) ClientHello with err; its alert goes
 * out in clear and the client reads it. */
static void server_refuses(ev *e, int err)
{
    hello_put(&e->t.p.q[0], &e->h);
    assert_clasp_err(clasp_handshake(e->t.srv), err);
    assert_clasp_err(clasp_handshake(e->t.srv), err);
    int alert = tp_q_expect_plain_alert(&e->t.p.q[1]);
    assert_int_equal(alert, clasp_error_alert(err));
    assert_clasp_err(clasp_handshake(e->t.cli), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(e->t.cli), alert);
}

/* The binders<..> vector of the pre_shared_key extension data. */
static size_t binders_at(const hello *h)
{
    const uint8_t *d = h->ext[h->n - 1].data;
    return 2 + get16(d);
}

static void tampered_binder(void **state)
{
    (void)state;
    /* The last byte of the (only) binder. */
    ev e;
    ev_start(&e, 0);
    e.h.ext[e.h.n - 1].data[e.h.ext[e.h.n - 1].len - 1] ^= 0x80;
    server_refuses(&e, CLASP_ERR_DECRYPT_ERROR);
    ev_free(&e);
    /* A byte of the truncated ClientHello (the random): the binder no
     * longer matches the message it binds. */
    ev_start(&e, 0);
    e.h.prefix[2 + 5] ^= 0x01;
    server_refuses(&e, CLASP_ERR_DECRYPT_ERROR);
    ev_free(&e);
    /* The obfuscated age, inside the identities. */
    ev_start(&e, 0);
    size_t b = binders_at(&e.h);
    e.h.ext[e.h.n - 1].data[b - 1] ^= 0x01;
    server_refuses(&e, CLASP_ERR_DECRYPT_ERROR);
    ev_free(&e);
}

/* A binder of another length than the PSK's hash (33 or 48 bytes for a
 * SHA-256 PSK): well framed, wrong value: decrypt_error. One of 31 bytes
 * breaks PskBinderEntry<32..255>: decode_error. */
static void binder_of_wrong_length(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        int err;
    } cases[] = {{33, CLASP_ERR_DECRYPT_ERROR},
                 {48, CLASP_ERR_DECRYPT_ERROR},
                 {255, CLASP_ERR_DECRYPT_ERROR},
                 {31, CLASP_ERR_DECODE}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ev e;
        ev_start(&e, 0);
        uint8_t *d = e.h.ext[e.h.n - 1].data;
        size_t b = binders_at(&e.h);
        assert_int_equal(get16(d + b), 33);
        assert_int_equal(d[b + 2], 32);
        size_t blen = cases[i].len;
        d[b + 2] = (uint8_t)blen;
        put16(d + b, 1 + blen);
        e.h.ext[e.h.n - 1].len = b + 2 + 1 + blen;
        server_refuses(&e, cases[i].err);
        ev_free(&e);
    }
}

/* SECURITY-CHECKLIST 41: as many binders as identities, or decode_error. */
static void binder_count_mismatch(void **state)
{
    (void)state;
    /* One identity, two binders. */
    ev e;
    ev_start(&e, 0);
    uint8_t *d = e.h.ext[e.h.n - 1].data;
    size_t b = binders_at(&e.h);
    size_t len = e.h.ext[e.h.n - 1].len;
    memcpy(d + len, d + b + 2, 33);
    put16(d + b, get16(d + b) + 33);
    e.h.ext[e.h.n - 1].len = len + 33;
    server_refuses(&e, CLASP_ERR_DECODE);
    ev_free(&e);
    /* Two identities (ticket, external PSK), one binder. */
    ev_start(&e, 1);
    d = e.h.ext[e.h.n - 1].data;
    b = binders_at(&e.h);
    assert_int_equal(get16(d + b), 66);
    put16(d + b, 33);
    e.h.ext[e.h.n - 1].len = b + 2 + 33;
    server_refuses(&e, CLASP_ERR_DECODE);
    ev_free(&e);
}

/* Only the selected identity's binder is checked (RFC 8446 §4.2.11): a
 * broken binder of an identity the server does not select is harmless;
 * a broken binder of the one it selects is not. */
static void only_the_selected_binder_counts(void **state)
{
    (void)state;
    /* Ticket (selected) and an external PSK: break the second binder. */
    ev e;
    ev_start(&e, 1);
    uint8_t *d = e.h.ext[e.h.n - 1].data;
    d[e.h.ext[e.h.n - 1].len - 1] ^= 0x01;
    hello_put(&e.t.p.q[0], &e.h);
    /* The ClientHello changed on the wire: the server resumes; the
     * client, whose transcript differs, derives other handshake keys and
     * cannot read the server's flight. */
    assert_clasp_err(clasp_handshake(e.t.srv), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_is_session_resumed(e.t.srv), 1);
    assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_BAD_RECORD_MAC);
    ev_free(&e);
    /* Break the first one: decrypt_error at the server. */
    ev_start(&e, 1);
    d = e.h.ext[e.h.n - 1].data;
    size_t b = binders_at(&e.h);
    d[b + 2 + 1] ^= 0x01;
    server_refuses(&e, CLASP_ERR_DECRYPT_ERROR);
    ev_free(&e);
}

static void pre_shared_key_not_last(void **state)
{
    (void)state;
    ev e;
    ev_start(&e, 0);
    /* Swap it with the one before it (lengths unchanged). */
    size_t n = e.h.n;
    uint16_t t = e.h.ext[n - 2].type;
    static uint8_t tmp[4096];
    size_t tl = e.h.ext[n - 2].len;
    memcpy(tmp, e.h.ext[n - 2].data, tl);
    e.h.ext[n - 2] = e.h.ext[n - 1];
    e.h.ext[n - 1].type = t;
    memcpy(e.h.ext[n - 1].data, tmp, tl);
    e.h.ext[n - 1].len = tl;
    /* RFC 8446 §4.2.11: illegal_parameter. */
    server_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    ev_free(&e);
}

static void psk_without_modes(void **state)
{
    (void)state;
    ev e;
    ev_start(&e, 0);
    drop_ext(&e.h, find_ext(&e.h, CLASP_EXT_PSK_KEY_EXCHANGE_MODES));
    /* §4.2.9: "servers MUST abort the handshake": missing_extension. */
    server_refuses(&e, CLASP_ERR_MISSING_EXTENSION);
    ev_free(&e);
}

/* A psk_ke-only hello whose PSK the server cannot accept (another key):
 * no key_share, no full handshake possible: unknown_psk_identity. */
static void no_acceptable_identity_and_no_full_handshake(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    clasp_config *sa = server_conf();
    clasp_config *sb = server_conf();
    clasp_session *s = get_session(cc, sa);
    clasp_config *cpsk = client_conf();
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cpsk, MODE_PSK));
    tp_pair t;
    tp_pair_init(&t, cpsk, sb, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, s));
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
    assert_clasp_err(t.src, CLASP_ERR_UNKNOWN_PSK_IDENTITY);
    assert_clasp_err(t.crc, CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_UNKNOWN_PSK_IDENTITY);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cpsk);
    clasp_config_free(cc);
    clasp_config_free(sa);
    clasp_config_free(sb);
}

/* ---- hostile ServerHellos -------------------------------------------------
 */

/* The server answers; its ServerHello (first record of q[1]) is taken
 * apart, the rest of its flight dropped. */
static void sv_start(ev *e, unsigned cli_modes, int ext_psks)
{
    memset(e, 0, sizeof(*e));
    e->cc = client_conf();
    e->sc = server_conf();
    if (cli_modes != 0) {
        assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(e->cc, cli_modes));
    }
    clasp_config *c0 = client_conf();
    e->s = get_session(c0, e->sc);
    clasp_config_free(c0);
    for (int i = 0; i < ext_psks; i++) {
        uint8_t key[32];
        memset(key, 0x33, sizeof(key));
        assert_clasp_ok(
            clasp_conf_psk(e->cc, key, 32, (const uint8_t *)"evil", 4));
    }
    tp_pair_init(&e->t, e->cc, e->sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(e->t.cli, e->s));
    assert_clasp_err(clasp_handshake(e->t.cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(e->t.srv), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_is_session_resumed(e->t.srv), 1);
    hello_take(&e->t.p.q[1], &e->h);
    assert_int_equal(e->h.type, 2);
    tp_q_clear(&e->t.p.q[1]);
}

/* The client refuses the rewritten ServerHello with err; its alert goes
 * out in clear (it has no handshake key yet). */
static void client_refuses(ev *e, int err)
{
    hello_put(&e->t.p.q[1], &e->h);
    assert_clasp_err(clasp_handshake(e->t.cli), err);
    assert_clasp_err(clasp_handshake(e->t.cli), err);
    assert_int_equal(tp_q_expect_plain_alert(&e->t.p.q[0]),
                     clasp_error_alert(err));
}

static void selected_identity_out_of_range(void **state)
{
    (void)state;
    /* One identity offered: 1 and 0xffff are out of range. */
    static const uint16_t bad[] = {1, 2, 0xffff};
    for (size_t i = 0; i < 3; i++) {
        ev e;
        sv_start(&e, 0, 0);
        int k = find_ext(&e.h, CLASP_EXT_PRE_SHARED_KEY);
        assert_true(k >= 0 && e.h.ext[k].len == 2);
        assert_int_equal(get16(e.h.ext[k].data), 0);
        put16(e.h.ext[k].data, bad[i]);
        /* SECURITY-CHECKLIST 43, RFC 8446 §4.2.11: illegal_parameter. */
        client_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
        ev_free(&e);
    }
    /* Two offered (ticket, external): 2 is out of range, 1 in range
     * (then the keys differ, and the client cannot read the flight). */
    ev e;
    sv_start(&e, 0, 1);
    int k = find_ext(&e.h, CLASP_EXT_PRE_SHARED_KEY);
    put16(e.h.ext[k].data, 2);
    client_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    ev_free(&e);
}

/* SECURITY-CHECKLIST 43: a suite whose hash is not the PSK's. */
static void suite_of_another_hash(void **state)
{
    (void)state;
    ev e;
    sv_start(&e, 0, 0);
    /* The suite follows random (32) and the session id echo. */
    size_t at = 2 + 32 + 1 + e.h.prefix[2 + 32];
    assert_int_equal(get16(e.h.prefix + at), CLASP_TLS1_3_AES_128_GCM_SHA256);
    put16(e.h.prefix + at, CLASP_TLS1_3_AES_256_GCM_SHA384);
    client_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    ev_free(&e);
    /* Another suite of the same hash passes this check (and then the
     * keys differ: the client cannot read EncryptedExtensions). */
    sv_start(&e, 0, 0);
    at = 2 + 32 + 1 + e.h.prefix[2 + 32];
    put16(e.h.prefix + at, CLASP_TLS1_3_CHACHA20_POLY1305_SHA256);
    hello_put(&e.t.p.q[1], &e.h);
    assert_clasp_err(clasp_handshake(e.t.cli), CLASP_ERR_WANT_READ);
    ev_free(&e);
}

/* SECURITY-CHECKLIST 43: "asked for psk_dhe_ke but got psk_ke", and the
 * reverse. */
static void mode_not_offered(void **state)
{
    (void)state;
    /* Offered psk_dhe_ke only; the server's key_share removed. */
    ev e;
    sv_start(&e, MODE_EPH | MODE_PSK_EPH, 0);
    drop_ext(&e.h, find_ext(&e.h, CLASP_EXT_KEY_SHARE));
    client_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    ev_free(&e);
    /* Offered psk_ke only (and a key share, for certificates); the
     * server chose psk_ke; a key_share added. */
    sv_start(&e, MODE_EPH | MODE_PSK, 0);
    assert_int_equal(find_ext(&e.h, CLASP_EXT_KEY_SHARE), -1);
    size_t n = e.h.n++;
    e.h.ext[n].type = CLASP_EXT_KEY_SHARE;
    put16(e.h.ext[n].data, CLASP_GROUP_X25519);
    put16(e.h.ext[n].data + 2, 32);
    memset(e.h.ext[n].data + 4, 9, 32);
    e.h.ext[n].len = 36;
    client_refuses(&e, CLASP_ERR_ILLEGAL_PARAMETER);
    ev_free(&e);
}

/* A full handshake's ServerHello with a pre_shared_key the client never
 * offered: unsupported_extension (RFC 8446 §4.2). */
static void psk_not_offered(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    clasp_config *sc = server_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
    hello h;
    hello_take(&t.p.q[1], &h);
    tp_q_clear(&t.p.q[1]);
    h.ext[h.n].type = CLASP_EXT_PRE_SHARED_KEY;
    h.ext[h.n].len = 2;
    put16(h.ext[h.n].data, 0);
    h.n++;
    hello_put(&t.p.q[1], &h);
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_UNSUPPORTED_EXTENSION);
    assert_int_equal(tp_q_expect_plain_alert(&t.p.q[0]),
                     CLASP_ALERT_UNSUPPORTED_EXTENSION);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* RFC 8446 §2.2, §4.3.2: once a PSK is accepted the server authenticates
 * by its Finished alone; a Certificate or CertificateRequest in its
 * flight is unexpected_message. */
static void certificates_after_psk(void **state)
{
    (void)state;
    static const uint8_t cert[] = {11, 0, 0, 4, 0, 0, 0, 0};
    static const uint8_t cr[] = {13, 0, 0, 11, 0, 0, 8, 0,
                                 13, 0, 4, 0,  2, 4, 3};
    const uint8_t *msgs[2] = {cert, cr};
    size_t lens[2] = {sizeof(cert), sizeof(cr)};
    for (int k = 0; k < 2; k++) {
        clasp_config *cc = client_conf();
        clasp_config *sc = server_conf();
        tp_keylog skl;
        memset(&skl, 0, sizeof(skl));
        assert_clasp_ok(clasp_conf_keylog(sc, tp_keylog_cb, &skl));
        clasp_config *c0 = client_conf();
        clasp_session *s = get_session(c0, sc);
        clasp_config_free(c0);
        tp_pair t;
        tp_pair_init(&t, cc, sc, 0, 0, "localhost");
        assert_clasp_ok(clasp_set_session(t.cli, s));
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
        assert_int_equal(clasp_is_session_resumed(t.srv), 1);
        /* SH and CCS aside; the encrypted EE, Finished opened. */
        tp_queue plain = {malloc(TP_CAP), 0};
        assert_non_null(plain.buf);
        tp_q_move_plain(&t.p.q[1], &plain);
        uint8_t secret[64];
        tp_keylog_get(&skl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", secret);
        uint16_t suite = (uint16_t)clasp_get_ciphersuite_id(t.srv);
        tp_dir d;
        tp_dir_init(&d, suite, secret);
        tp_flight f;
        tp_flight_open(&d, &t.p.q[1], &f);
        tp_dir_free(&d);
        assert_int_equal(f.n, 2);
        assert_int_equal(f.msg[0][0], CLASP_HS_ENCRYPTED_EXTENSIONS);
        /* The message goes between them. */
        f.msg[2] = f.msg[1];
        f.len[2] = f.len[1];
        f.msg[1] = malloc(lens[k]);
        assert_non_null(f.msg[1]);
        memcpy(f.msg[1], msgs[k], lens[k]);
        f.len[1] = lens[k];
        f.n = 3;
        tp_dir_init(&d, suite, secret);
        tp_flight_seal(&d, &f, &t.p.q[1], 0);
        tp_dir_free(&d);
        tp_flight_free(&f);
        tp_requeue(&plain, &t.p.q[1]);
        assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_UNEXPECTED_MESSAGE);
        /* The client's alert is in clear: it sends under its handshake
         * key only after the server's Finished (App. A.1). */
        assert_int_equal(tp_q_expect_plain_alert(&t.p.q[0]),
                         CLASP_ALERT_UNEXPECTED_MESSAGE);
        free(plain.buf);
        tp_pair_free(&t);
        clasp_session_free(s);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

/* ---- NewSessionTicket from an evil server ---------------------------------
 */

typedef struct {
    clasp_config *cc;
    clasp_config *sc;
    tp_keylog skl;
    tp_pair t;
    tp_dir dir; /* speaks as the server after the handshake */
} nst_ev;

static void nst_start(nst_ev *e)
{
    memset(e, 0, sizeof(*e));
    e->cc = client_conf();
    e->sc = server_conf();
    assert_clasp_ok(clasp_conf_session_tickets(e->sc, 0));
    assert_clasp_ok(clasp_conf_keylog(e->sc, tp_keylog_cb, &e->skl));
    tp_pair_init(&e->t, e->cc, e->sc, 0, 0, "localhost");
    tp_pair_connect(&e->t);
    uint8_t s_ap[64];
    tp_keylog_get(&e->skl, "SERVER_TRAFFIC_SECRET_0", s_ap);
    tp_dir_init(&e->dir, (uint16_t)clasp_get_ciphersuite_id(e->t.cli), s_ap);
}

static void nst_free(nst_ev *e)
{
    tp_dir_free(&e->dir);
    tp_pair_free(&e->t);
    clasp_config_free(e->cc);
    clasp_config_free(e->sc);
}

/* One NewSessionTicket record: lifetime, age_add, a one-byte nonce, a
 * ticket of tlen bytes of value tag, and raw extensions. */
static void send_nst(nst_ev *e, uint32_t lifetime, uint8_t tag, size_t tlen,
                     const uint8_t *exts, size_t exts_len)
{
    uint8_t m[2048];
    size_t o = 4;
    m[o++] = (uint8_t)(lifetime >> 24);
    m[o++] = (uint8_t)(lifetime >> 16);
    m[o++] = (uint8_t)(lifetime >> 8);
    m[o++] = (uint8_t)lifetime;
    memset(m + o, 0x5a, 4);
    o += 4;
    m[o++] = 1;
    m[o++] = tag;
    put16(m + o, tlen);
    o += 2;
    memset(m + o, tag, tlen);
    o += tlen;
    put16(m + o, exts_len);
    o += 2;
    if (exts_len > 0) {
        memcpy(m + o, exts, exts_len);
    }
    o += exts_len;
    m[0] = CLASP_HS_NEW_SESSION_TICKET;
    m[1] = 0;
    put16(m + 2, o - 4);
    tp_dir_seal(&e->dir, 22, m, o, &e->t.p.q[1]);
}

static void client_reads(nst_ev *e, const char *text)
{
    tp_dir_seal(&e->dir, 23, text, strlen(text), &e->t.p.q[1]);
    unsigned char b[64];
    assert_int_equal(clasp_read(e->t.cli, b, sizeof(b)), (int)strlen(text));
}

/* The states of the tickets the client holds, in order. */
static size_t held(nst_ev *e, struct clasp_psk_state *st, uint8_t *tags)
{
    clasp_session *s = clasp_session_new();
    if (clasp_get_session(e->t.cli, s) == CLASP_ERR_NOT_FOUND) {
        clasp_session_free(s);
        return 0;
    }
    static uint8_t buf[65536];
    size_t len;
    assert_clasp_ok(clasp_session_save(s, buf, sizeof(buf), &len));
    clasp_rd r = clasp_rd_init(buf + 8, len - 8);
    size_t n = 0;
    while (clasp_rd_left(&r) > 0) {
        clasp_rd t;
        assert_clasp_ok(clasp_tk_state_parse(&r, &st[n]));
        assert_clasp_ok(clasp_rd_vec16(&r, 1, 65535, &t));
        assert_clasp_ok(clasp_rd_u8(&t, &tags[n]));
        n++;
    }
    assert_int_equal((int)n, clasp_session_ticket_count(s));
    clasp_session_free(s);
    return n;
}

static void nst_flood_keeps_eight(void **state)
{
    (void)state;
    nst_ev e;
    nst_start(&e);
    /* 30 tickets, one ms apart: the client keeps the 8 newest
     * (SECURITY-CHECKLIST 46). */
    for (int i = 0; i < 30; i++) {
        send_nst(&e, 3600, (uint8_t)(i + 1), 40, NULL, 0);
        client_reads(&e, "k");
        g_now++;
    }
    struct clasp_psk_state st[8];
    uint8_t tags[8];
    assert_int_equal(held(&e, st, tags), 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(tags[i], 23 + i);
        assert_int_equal(st[i].lifetime, 3600);
        assert_int_equal(st[i].age_add, 0x5a5a5a5a);
    }
    /* 32 post-handshake messages in a row are fine, the 33rd is not
     * (SECURITY-CHECKLIST B10, 49). */
    for (int i = 0; i < 32; i++) {
        send_nst(&e, 3600, 0x77, 40, NULL, 0);
    }
    client_reads(&e, "ok");
    for (int i = 0; i < 33; i++) {
        send_nst(&e, 3600, 0x78, 40, NULL, 0);
    }
    unsigned char b[8];
    assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    nst_free(&e);
}

static void nst_lifetimes_and_extensions(void **state)
{
    (void)state;
    nst_ev e;
    nst_start(&e);
    /* RFC 8446 §4.6.1: 0 means discard; over 7 days is capped. */
    send_nst(&e, 0, 1, 10, NULL, 0);
    send_nst(&e, 0xffffffffu, 2, 10, NULL, 0);
    send_nst(&e, 604800, 3, 10, NULL, 0);
    /* early_data (kept for 0-RTT) and an unknown extension (ignored). */
    static const uint8_t exts[] = {0x00, 0x2a, 0x00, 0x04, 0x00, 0x00, 0x40,
                                   0x00, 0xfa, 0xfa, 0x00, 0x01, 0x07};
    send_nst(&e, 100, 4, 10, exts, sizeof(exts));
    client_reads(&e, "ok");
    struct clasp_psk_state st[8];
    uint8_t tags[8];
    assert_int_equal(held(&e, st, tags), 3);
    assert_int_equal(tags[0], 2);
    assert_int_equal(st[0].lifetime, 604800);
    assert_int_equal(tags[1], 3);
    assert_int_equal(st[1].lifetime, 604800);
    assert_int_equal(tags[2], 4);
    assert_int_equal(st[2].lifetime, 100);
    assert_int_equal(st[2].max_early_data, 16384);
    assert_int_equal(st[0].max_early_data, 0);
    /* The server name and the suite go with each ticket. */
    assert_int_equal(st[0].sni_len, 9);
    assert_memory_equal(st[0].sni, "localhost", 9);
    assert_int_equal(st[0].suite, clasp_get_ciphersuite_id(e.t.cli));
    nst_free(&e);
}

static void nst_malformed(void **state)
{
    (void)state;
    /* An empty ticket (ticket<1..2^16-1>). */
    nst_ev e;
    nst_start(&e);
    send_nst(&e, 100, 1, 0, NULL, 0);
    unsigned char b[8];
    assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)), CLASP_ERR_DECODE);
    nst_free(&e);
    /* early_data of the wrong length. */
    nst_start(&e);
    static const uint8_t ed[] = {0x00, 0x2a, 0x00, 0x02, 0x00, 0x00};
    send_nst(&e, 100, 1, 10, ed, sizeof(ed));
    assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)), CLASP_ERR_DECODE);
    nst_free(&e);
    /* An extension NewSessionTicket may not carry (key_share):
     * illegal_parameter (RFC 8446 §4.2). */
    nst_start(&e);
    static const uint8_t ks[] = {0x00, 0x33, 0x00, 0x02, 0x00, 0x1d};
    send_nst(&e, 100, 1, 10, ks, sizeof(ks));
    assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    nst_free(&e);
}

/* A client that keeps no tickets ignores them. */
static void nst_ignored_when_disabled(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    clasp_config *sc = server_conf();
    assert_clasp_ok(clasp_conf_session_tickets(cc, 0));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
    clasp_session *s = clasp_session_new();
    assert_clasp_err(clasp_get_session(t.cli, s), CLASP_ERR_NOT_FOUND);
    clasp_session_free(s);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* ---- the server's tickets -------------------------------------------------
 */

static int count_tickets(clasp_context *cli)
{
    clasp_session *s = clasp_session_new();
    int n = clasp_get_session(cli, s) == 0 ? clasp_session_ticket_count(s) : 0;
    clasp_session_free(s);
    return n;
}

static void send_new_session_ticket(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    clasp_config *sc = server_conf();
    assert_clasp_ok(clasp_conf_session_tickets(sc, 0));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    /* Not before the handshake, not on a client. */
    assert_clasp_err(clasp_send_new_session_ticket(t.srv), CLASP_ERR_BAD_STATE);
    tp_pair_connect(&t);
    assert_clasp_err(clasp_send_new_session_ticket(t.cli), CLASP_ERR_BAD_STATE);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
    assert_int_equal(count_tickets(t.cli), 0);
    assert_clasp_ok(clasp_send_new_session_ticket(t.srv));
    assert_clasp_ok(clasp_send_new_session_ticket(t.srv));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"y", 1));
    assert_int_equal(count_tickets(t.cli), 2);
    /* Not after our close_notify. */
    assert_clasp_ok(clasp_close_notify(t.srv));
    assert_clasp_err(clasp_send_new_session_ticket(t.srv), CLASP_ERR_BAD_STATE);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void sixteen_tickets_client_keeps_eight(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    clasp_config *sc = server_conf();
    assert_clasp_ok(clasp_conf_session_tickets(sc, 16));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    /* Tickets go with the server's first read or write. */
    assert_int_equal(t.p.q[1].len, 0);
    assert_clasp_ok(tp_transfer(t.cli, t.srv, (const uint8_t *)"x", 1));
    assert_true(t.p.q[1].len > 16 * 100);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"y", 1));
    assert_int_equal(count_tickets(t.cli), 8);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* A client that did not send psk_key_exchange_modes gets no tickets
 * (RFC 8446 §4.2.9); nor one whose modes the server does not allow. */
static void no_tickets_for_incompatible_modes(void **state)
{
    (void)state;
    clasp_config *cc = client_conf();
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cc, MODE_EPH));
    clasp_config *sc = server_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
    assert_int_equal(count_tickets(t.cli), 0);
    tp_pair_free(&t);
    clasp_config *cc2 = client_conf();
    assert_clasp_ok(
        clasp_conf_tls13_key_exchange_modes(cc2, MODE_EPH | MODE_PSK));
    clasp_config *sc2 = server_conf();
    assert_clasp_ok(
        clasp_conf_tls13_key_exchange_modes(sc2, MODE_EPH | MODE_PSK_EPH));
    tp_pair_init(&t, cc2, sc2, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
    assert_int_equal(count_tickets(t.cli), 0);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_config_free(cc2);
    clasp_config_free(sc2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tampered_binder),
        cmocka_unit_test(binder_of_wrong_length),
        cmocka_unit_test(binder_count_mismatch),
        cmocka_unit_test(only_the_selected_binder_counts),
        cmocka_unit_test(pre_shared_key_not_last),
        cmocka_unit_test(psk_without_modes),
        cmocka_unit_test(no_acceptable_identity_and_no_full_handshake),
        cmocka_unit_test(selected_identity_out_of_range),
        cmocka_unit_test(suite_of_another_hash),
        cmocka_unit_test(mode_not_offered),
        cmocka_unit_test(psk_not_offered),
        cmocka_unit_test(certificates_after_psk),
        cmocka_unit_test(nst_flood_keeps_eight),
        cmocka_unit_test(nst_lifetimes_and_extensions),
        cmocka_unit_test(nst_malformed),
        cmocka_unit_test(nst_ignored_when_disabled),
        cmocka_unit_test(send_new_session_ticket),
        cmocka_unit_test(sixteen_tickets_client_keeps_eight),
        cmocka_unit_test(no_tickets_for_incompatible_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
