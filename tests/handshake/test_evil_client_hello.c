/* An evil client against clasp's server before any key change: ClientHello
 * messages built byte by byte (a small builder below), records built by
 * hand, and the real client's second ClientHello after HelloRetryRequest.
 * Each case asserts the exact error, the exact plaintext alert record the
 * server puts on the wire (15 03 03 00 02 02 <desc>), and that the
 * context is dead afterwards. SECURITY-CHECKLIST B1, B2, B3, B6, B7. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/* RFC 7748 §6.1: Alice's X25519 public key (a valid point). */
static const char x25519_pub_hex[] =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

/* ---- a ClientHello builder ----------------------------------------------- */

#define MAX_EXT 24
typedef struct {
    uint16_t type;
    uint8_t data[512];
    size_t len;
} ext_t;

typedef struct {
    uint16_t legacy_version;
    uint8_t random[32];
    uint8_t sid[32];
    size_t sid_len;
    uint8_t suites[64];
    size_t suites_len;
    uint8_t comp[8];
    size_t comp_len;
    int no_extensions; /* no extensions field at all */
    ext_t ext[MAX_EXT];
    size_t n_ext;
    const uint8_t *extra; /* raw bytes appended to the extension block */
    size_t extra_len;
} ch_t;

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static ext_t *ch_add(ch_t *ch, uint16_t type, const char *hex)
{
    assert_true(ch->n_ext < MAX_EXT);
    ext_t *e = &ch->ext[ch->n_ext++];
    e->type = type;
    e->len = th_hex_into(hex, e->data, sizeof(e->data));
    return e;
}

static void ch_del(ch_t *ch, uint16_t type)
{
    for (size_t i = 0; i < ch->n_ext; i++) {
        if (ch->ext[i].type == type) {
            memmove(&ch->ext[i], &ch->ext[i + 1],
                    (ch->n_ext - i - 1) * sizeof(ext_t));
            ch->n_ext--;
            return;
        }
    }
    fail_msg("no extension %u to delete", type);
}

static ext_t *ch_get(ch_t *ch, uint16_t type)
{
    for (size_t i = 0; i < ch->n_ext; i++) {
        if (ch->ext[i].type == type) {
            return &ch->ext[i];
        }
    }
    fail_msg("no extension %u", type);
    return NULL;
}

/* key_share with one entry: KeyShareClientHello (RFC 8446 §4.2.8). */
static void set_key_share(ch_t *ch, uint16_t group, const uint8_t *pub,
                          size_t len)
{
    ext_t *e = ch_get(ch, 51);
    put16(e->data, 4 + len);
    put16(e->data + 2, group);
    put16(e->data + 4, len);
    memcpy(e->data + 6, pub, len);
    e->len = 6 + len;
}

/* A ClientHello clasp's server accepts: TLS 1.3, three suites, x25519
 * share, a few signature schemes. */
static void ch_default(ch_t *ch)
{
    memset(ch, 0, sizeof(*ch));
    ch->legacy_version = 0x0303;
    for (int i = 0; i < 32; i++) {
        ch->random[i] = (uint8_t)(0xa0 + i);
        ch->sid[i] = (uint8_t)i;
    }
    ch->sid_len = 32;
    ch->suites_len = th_hex_into("130113021303", ch->suites, 64);
    ch->comp_len = th_hex_into("00", ch->comp, 8);
    ch_add(ch, 43, "020304");                /* supported_versions */
    ch_add(ch, 10, "0004001d0017");          /* supported_groups */
    ch_add(ch, 13, "000804030804080708 09"); /* signature_algorithms */
    ch_add(ch, 51, "00");                    /* key_share, set below */
    uint8_t pub[32];
    th_hex_into(x25519_pub_hex, pub, 32);
    set_key_share(ch, 0x001d, pub, 32);
}

/* Encode the handshake message (header included); its length. */
static size_t ch_encode(const ch_t *ch, uint8_t *out, size_t cap)
{
    size_t o = 4;
    assert_true(cap > 1024 + ch->extra_len);
    put16(out + o, ch->legacy_version);
    o += 2;
    memcpy(out + o, ch->random, 32);
    o += 32;
    out[o++] = (uint8_t)ch->sid_len;
    memcpy(out + o, ch->sid, ch->sid_len);
    o += ch->sid_len;
    put16(out + o, ch->suites_len);
    memcpy(out + o + 2, ch->suites, ch->suites_len);
    o += 2 + ch->suites_len;
    out[o++] = (uint8_t)ch->comp_len;
    memcpy(out + o, ch->comp, ch->comp_len);
    o += ch->comp_len;
    if (!ch->no_extensions) {
        size_t start = o;
        o += 2;
        for (size_t i = 0; i < ch->n_ext; i++) {
            assert_true(o + 4 + ch->ext[i].len < cap);
            put16(out + o, ch->ext[i].type);
            put16(out + o + 2, ch->ext[i].len);
            memcpy(out + o + 4, ch->ext[i].data, ch->ext[i].len);
            o += 4 + ch->ext[i].len;
        }
        assert_true(o + ch->extra_len < cap);
        if (ch->extra_len > 0) {
            memcpy(out + o, ch->extra, ch->extra_len);
        }
        o += ch->extra_len;
        put16(out + start, o - start - 2);
    }
    out[0] = 1;
    out[1] = (uint8_t)((o - 4) >> 16);
    out[2] = (uint8_t)((o - 4) >> 8);
    out[3] = (uint8_t)(o - 4);
    return o;
}

/* Push a handshake message in records of at most frag bytes. */
static void push_hs(tp_queue *q, const uint8_t *msg, size_t len, size_t frag)
{
    for (size_t off = 0; off < len; off += frag) {
        size_t n = len - off < frag ? len - off : frag;
        tp_q_record(q, 22, msg + off, n);
    }
}

/* ---- a server under attack ----------------------------------------------- */

static clasp_config *g_sc;

typedef struct {
    tp_pipe p;
    clasp_context *srv;
} srv_t;

static void srv_open(srv_t *s, clasp_config *conf)
{
    tp_init(&s->p, 0, 0);
    s->srv = clasp_new();
    assert_non_null(s->srv);
    assert_clasp_ok(clasp_setup(s->srv, conf != NULL ? conf : g_sc));
    clasp_set_bio(s->srv, &s->p.server, tp_send, tp_recv, NULL);
}

static void srv_close(srv_t *s)
{
    clasp_free(s->srv);
    tp_free(&s->p);
}

/* The server fails with err, sends exactly its alert in clear, and stays
 * dead without sending more. */
static void expect_fail(srv_t *s, int err)
{
    assert_clasp_err(clasp_handshake(s->srv), err);
    assert_int_equal(tp_q_expect_plain_alert(&s->p.q[1]),
                     clasp_error_alert(err));
    unsigned char b[8];
    assert_clasp_err(clasp_handshake(s->srv), err);
    assert_clasp_err(clasp_read(s->srv, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(s->srv, b, 1), err);
    assert_int_equal(s->p.q[1].len, 7);
}

/* The server took the hello: it answered with ServerHello (and more). */
static void expect_accept(srv_t *s)
{
    assert_clasp_err(clasp_handshake(s->srv), CLASP_ERR_WANT_READ);
    assert_true(s->p.q[1].len > 100);
    assert_int_equal(s->p.q[1].buf[0], 22);
    assert_int_equal(s->p.q[1].buf[5], 2);
}

static void send_ch(const ch_t *ch, int err)
{
    static uint8_t msg[70000];
    size_t len = ch_encode(ch, msg, sizeof(msg));
    srv_t s;
    srv_open(&s, NULL);
    push_hs(&s.p.q[0], msg, len, 16384);
    if (err == 0) {
        expect_accept(&s);
    } else {
        expect_fail(&s, err);
    }
    srv_close(&s);
}

/* ---- cases --------------------------------------------------------------- */

static void builder_hello_is_accepted(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    send_ch(&ch, 0);
    /* App. D: legacy_version 0x0301 with supported_versions is fine. */
    ch.legacy_version = 0x0301;
    send_ch(&ch, 0);
    /* A one-byte-per-record ClientHello (SECURITY-CHECKLIST 9). */
    static uint8_t msg[4096];
    ch_default(&ch);
    size_t len = ch_encode(&ch, msg, sizeof(msg));
    srv_t s;
    srv_open(&s, NULL);
    push_hs(&s.p.q[0], msg, len, 1);
    expect_accept(&s);
    srv_close(&s);
}

/* RFC 8446 §4.1.2 vectors cut at every length (the message length adjusted
 * to match): decode_error, except at the end of legacy_compression_methods,
 * where it is a complete hello without extensions that asks for TLS 1.2 or
 * older (App. D.2: protocol_version). */
static void truncated_hello_at_every_length(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    static uint8_t msg[4096], cut[4096];
    size_t len = ch_encode(&ch, msg, sizeof(msg));
    tp_hello h;
    tp_hello_parse(msg, len, &h);
    for (size_t body = 0; body < len - 4; body++) {
        memcpy(cut, msg, 4 + body);
        cut[1] = (uint8_t)(body >> 16);
        cut[2] = (uint8_t)(body >> 8);
        cut[3] = (uint8_t)body;
        srv_t s;
        srv_open(&s, NULL);
        push_hs(&s.p.q[0], cut, 4 + body, 16384);
        expect_fail(&s, 4 + body == h.extensions ? CLASP_ERR_PROTOCOL_VERSION
                                                 : CLASP_ERR_DECODE);
        srv_close(&s);
    }
}

static void garbage_hello(void **state)
{
    (void)state;
    /* legacy_session_id length 0xff > 32: decode_error. */
    uint8_t msg[4 + 120];
    memset(msg, 0xff, sizeof(msg));
    msg[0] = 1;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = 120;
    srv_t s;
    srv_open(&s, NULL);
    push_hs(&s.p.q[0], msg, sizeof(msg), 16384);
    expect_fail(&s, CLASP_ERR_DECODE);
    srv_close(&s);

    /* Seeded random bodies and one-byte mutations of a good hello: the
     * server either answers or fails with an alert that matches its error
     * (no crash, no silence). */
    ch_t ch;
    ch_default(&ch);
    static uint8_t good[4096], bad[4096];
    size_t len = ch_encode(&ch, good, sizeof(good));
    uint32_t x = 12345;
    for (int i = 0; i < 400; i++) {
        x = x * 1103515245u + 12345u;
        size_t n = len;
        memcpy(bad, good, len);
        if (i < 100) {
            n = 4 + (x >> 8) % 300;
            for (size_t j = 4; j < n; j++) {
                x = x * 1103515245u + 12345u;
                bad[j] = (uint8_t)(x >> 16);
            }
            bad[1] = 0;
            bad[2] = (uint8_t)((n - 4) >> 8);
            bad[3] = (uint8_t)(n - 4);
        } else {
            size_t pos = 4 + (x >> 8) % (len - 4);
            bad[pos] ^= (uint8_t)(1u << ((x >> 4) % 8));
        }
        srv_open(&s, NULL);
        push_hs(&s.p.q[0], bad, n, 16384);
        int rc = clasp_handshake(s.srv);
        if (rc != CLASP_ERR_WANT_READ) {
            assert_true(rc < 0);
            assert_int_equal(tp_q_expect_plain_alert(&s.p.q[1]),
                             clasp_error_alert(rc));
        }
        srv_close(&s);
    }
}

static void hello_without_supported_versions(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    ch_del(&ch, 43);
    send_ch(&ch, CLASP_ERR_PROTOCOL_VERSION);
    /* Only TLS 1.2 offered. */
    ch_default(&ch);
    ch_get(&ch, 43)->len = th_hex_into("020303", ch_get(&ch, 43)->data, 512);
    send_ch(&ch, CLASP_ERR_PROTOCOL_VERSION);
    /* No extensions at all. */
    ch_default(&ch);
    ch.no_extensions = 1;
    send_ch(&ch, CLASP_ERR_PROTOCOL_VERSION);
}

static void legacy_version_ssl3(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    ch.legacy_version = 0x0300;
    /* App. D.5: SSL 3.0 hellos get protocol_version. */
    send_ch(&ch, CLASP_ERR_PROTOCOL_VERSION);
}

static void compression_not_null(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    ch.comp_len = th_hex_into("01", ch.comp, 8);
    /* RFC 8446 §4.1.2: exactly one byte, 0, else illegal_parameter. */
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    ch.comp_len = th_hex_into("0001", ch.comp, 8);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* legacy_compression_methods<1..2^8-1>: empty does not parse. */
    ch.comp_len = 0;
    send_ch(&ch, CLASP_ERR_DECODE);
}

static void missing_mandatory_extensions(void **state)
{
    (void)state;
    ch_t ch;
    /* RFC 8446 §9.2: missing_extension. */
    ch_default(&ch);
    ch_del(&ch, 51);
    ch_del(&ch, 10);
    send_ch(&ch, CLASP_ERR_MISSING_EXTENSION);
    ch_default(&ch);
    ch_del(&ch, 10);
    send_ch(&ch, CLASP_ERR_MISSING_EXTENSION);
    ch_default(&ch);
    ch_del(&ch, 51);
    send_ch(&ch, CLASP_ERR_MISSING_EXTENSION);
    ch_default(&ch);
    ch_del(&ch, 13);
    send_ch(&ch, CLASP_ERR_MISSING_EXTENSION);
    /* §4.2.9: pre_shared_key without psk_key_exchange_modes. */
    ch_default(&ch);
    ch_add(&ch, 41,
           "000a 0004 41424344 00000000 0021 20"
           "0000000000000000000000000000000000000000000000000000000000000000");
    send_ch(&ch, CLASP_ERR_MISSING_EXTENSION);
}

static void duplicate_extension(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    ch_add(&ch, 10, "0002001d");
    /* RFC 8446 §4.2: at most one of each type (decode_error, as BoringSSL,
     * SECURITY-CHECKLIST 34). */
    send_ch(&ch, CLASP_ERR_DECODE);
    /* Two key shares for one group (§4.2.8: illegal_parameter). */
    ch_default(&ch);
    ext_t *e = ch_get(&ch, 51);
    uint8_t entry[36];
    memcpy(entry, e->data + 2, 36);
    memcpy(e->data + 2 + 36, entry, 36);
    put16(e->data, 72);
    e->len = 74;
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
}

static void key_share_rules(void **state)
{
    (void)state;
    ch_t ch;
    uint8_t pub[133];
    /* A share for a group not in supported_groups (§4.2.8). */
    ch_default(&ch);
    ch_get(&ch, 10)->len = th_hex_into("00020017", ch_get(&ch, 10)->data, 512);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* An X25519 share of 31 bytes (§4.2.8.2). */
    ch_default(&ch);
    memset(pub, 9, 31);
    set_key_share(&ch, 0x001d, pub, 31);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* Low-order X25519 points: all-zero shared secret (§7.4.2). */
    ch_default(&ch);
    memset(pub, 0, 32);
    set_key_share(&ch, 0x001d, pub, 32);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    pub[0] = 1;
    set_key_share(&ch, 0x001d, pub, 32);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* A P-256 point off the curve: (1, 1) (§4.2.8.2). */
    ch_default(&ch);
    memset(pub, 0, 65);
    pub[0] = 4;
    pub[32] = 1;
    pub[64] = 1;
    set_key_share(&ch, 0x0017, pub, 65);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* A compressed P-256 point (only uncompressed is allowed, §4.2.8.2). */
    pub[0] = 2;
    set_key_share(&ch, 0x0017, pub, 33);
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
}

static void extension_order_and_count(void **state)
{
    (void)state;
    ch_t ch;
    /* pre_shared_key not last (§4.2.11: illegal_parameter). */
    ch_default(&ch);
    ch_add(&ch, 45, "0101");
    ch_add(&ch, 41,
           "000a 0004 41424344 00000000 0021 20"
           "0000000000000000000000000000000000000000000000000000000000000000");
    ch_add(&ch, 0xfa00, "");
    send_ch(&ch, CLASP_ERR_ILLEGAL_PARAMETER);
    /* 4,096 empty unknown extensions (a hello over 16 KiB, in two
     * records): ignored, accepted (SECURITY-CHECKLIST 36). */
    static uint8_t many[4096 * 4];
    for (size_t i = 0; i < 4096; i++) {
        put16(many + 4 * i, 0x7000 + i);
        put16(many + 4 * i + 2, 0);
    }
    ch_default(&ch);
    ch.extra = many;
    ch.extra_len = sizeof(many);
    send_ch(&ch, 0);
    /* The same unknown type twice among them. */
    put16(many + 4 * 4095, 0x7000);
    send_ch(&ch, CLASP_ERR_DECODE);
}

static void alpn_list_edge_cases(void **state)
{
    (void)state;
    ch_t ch;
    /* RFC 7301 §3.1: ProtocolName<1..2^8-1> and ProtocolNameList
     * <2..2^16-1>: an empty name or list does not parse (SECURITY-
     * CHECKLIST 61). */
    ch_default(&ch);
    ch_add(&ch, 16, "0004 02 6832 00");
    send_ch(&ch, CLASP_ERR_DECODE);
    ch_default(&ch);
    ch_add(&ch, 16, "0000");
    send_ch(&ch, CLASP_ERR_DECODE);
    ch_default(&ch);
    ch_add(&ch, 16, "0003 02 6832");
    send_ch(&ch, 0);
}

/* ---- records before and around the ClientHello --------------------------- */

static void records_before_hello(void **state)
{
    (void)state;
    static const uint8_t ccs[] = {1};
    static const uint8_t alert3[] = {2, 40, 0};
    static const uint8_t alert1[] = {2};
    static const uint8_t app[] = {1, 2, 3};
    srv_t s;
    /* RFC 8446 §5: no CCS before the first ClientHello. */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 20, ccs, 1);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* §5.1: an alert record is exactly one alert (decode_error). */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 21, alert3, 3);
    expect_fail(&s, CLASP_ERR_DECODE);
    srv_close(&s);
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 21, alert1, 1);
    expect_fail(&s, CLASP_ERR_DECODE);
    srv_close(&s);
    /* §5.4: zero-length alert / handshake content: unexpected_message. */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 21, NULL, 0);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, NULL, 0);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* §5: unknown content type; application data before any key. */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 0x63, app, 3);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 23, app, 3);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* §5.1: a plaintext record over 2^14 bytes, and one claiming
     * 2^14 + 257: record_overflow, from the header alone. */
    static const uint8_t h1[] = {22, 3, 3, 0x40, 0x01};
    static const uint8_t h2[] = {22, 3, 3, 0x41, 0x01};
    srv_open(&s, NULL);
    tp_q_push(&s.p.q[0], h1, 5);
    expect_fail(&s, CLASP_ERR_RECORD_OVERFLOW);
    srv_close(&s);
    srv_open(&s, NULL);
    tp_q_push(&s.p.q[0], h2, 5);
    expect_fail(&s, CLASP_ERR_RECORD_OVERFLOW);
    srv_close(&s);
    /* A handshake message other than ClientHello first (§4). */
    static const uint8_t fin[] = {20, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0,  0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
                                  0,  0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0};
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, fin, sizeof(fin));
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* A ClientHello declaring more than 64 KiB (resource limits). */
    static const uint8_t huge[] = {1, 1, 0, 1};
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, huge, sizeof(huge));
    expect_fail(&s, CLASP_ERR_DECODE);
    srv_close(&s);
}

static void hello_fragments_interleaved(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    static uint8_t msg[4096];
    size_t len = ch_encode(&ch, msg, sizeof(msg));
    static const uint8_t warn[] = {1, 90};
    static const uint8_t ccs[] = {1};
    srv_t s;
    /* §5.1: handshake fragments interleaved with other record types. */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, msg, 10);
    tp_q_record(&s.p.q[0], 21, warn, 2);
    tp_q_record(&s.p.q[0], 22, msg + 10, len - 10);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, msg, 10);
    tp_q_record(&s.p.q[0], 20, ccs, 1);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* §5.1: bytes of a next message in the ClientHello's record, left over
     * when the keys change. */
    static uint8_t more[4096];
    memcpy(more, msg, len);
    memcpy(more + len, "\x14\x00\x00", 3);
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, more, len + 3);
    expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    srv_close(&s);
    /* A truncated hello then the transport ends: EOF, never a spin. */
    srv_open(&s, NULL);
    tp_q_record(&s.p.q[0], 22, msg, len / 2);
    s.p.server.closed = 1;
    assert_clasp_err(clasp_handshake(s.srv), CLASP_ERR_CONN_EOF);
    assert_clasp_err(clasp_handshake(s.srv), CLASP_ERR_CONN_EOF);
    assert_int_equal(s.p.q[1].len, 0);
    srv_close(&s);
}

/* SECURITY-CHECKLIST 32/58: a refused hello changes nothing: the same
 * context after clasp_session_reset, and the shared config, still serve a
 * real client. */
static void refused_hello_leaves_server_usable(void **state)
{
    (void)state;
    ch_t ch;
    ch_default(&ch);
    ch_del(&ch, 43);
    static uint8_t msg[4096];
    size_t len = ch_encode(&ch, msg, sizeof(msg));
    srv_t s;
    srv_open(&s, NULL);
    push_hs(&s.p.q[0], msg, len, 16384);
    expect_fail(&s, CLASP_ERR_PROTOCOL_VERSION);
    assert_clasp_ok(clasp_session_reset(s.srv));
    tp_q_clear(&s.p.q[0]);
    tp_q_clear(&s.p.q[1]);
    clasp_config *cc = tp_client_conf();
    clasp_context *cli = clasp_new();
    assert_clasp_ok(clasp_setup(cli, cc));
    assert_clasp_ok(clasp_set_hostname(cli, "localhost"));
    clasp_set_bio(cli, &s.p.client, tp_send, tp_recv, NULL);
    int crc, src;
    assert_clasp_ok(tp_handshake(cli, s.srv, &crc, &src));
    clasp_free(cli);
    clasp_config_free(cc);
    srv_close(&s);
}

/* ---- second ClientHello after HelloRetryRequest -------------------------- */

typedef struct {
    srv_t s;
    clasp_config *sc;
    uint8_t cookie[600];
    size_t cookie_len;
    uint8_t p256[65];
} hrr_t;

/* CH1 with an x25519 share to a server that wants secp256r1. */
static void hrr_start(hrr_t *h, ch_t *ch, int cookie)
{
    memset(h, 0, sizeof(*h));
    h->sc = tp_server_conf("ecdsa-p256");
    const uint16_t g = CLASP_GROUP_SECP256R1;
    assert_clasp_ok(clasp_conf_groups(h->sc, &g, 1));
    assert_clasp_ok(clasp_conf_hrr_cookie(h->sc, cookie));
    srv_open(&h->s, h->sc);
    ch_default(ch);
    static uint8_t msg[4096];
    size_t len = ch_encode(ch, msg, sizeof(msg));
    push_hs(&h->s.p.q[0], msg, len, 16384);
    assert_clasp_err(clasp_handshake(h->s.srv), CLASP_ERR_WANT_READ);
    tp_queue *q = &h->s.p.q[1];
    size_t n = tp_q_head_len(q);
    assert_true(n > 5);
    size_t off, l;
    if (tp_hello_ext(q->buf + 5, n - 5, 44, &off, &l)) {
        memcpy(h->cookie, q->buf + 5 + off, l);
        h->cookie_len = l;
    }
    assert_int_equal(h->cookie_len > 0, cookie);
    tp_q_clear(q);
    /* A real P-256 share for CH2. */
    clasp_provider *prov;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    clasp_kx *kx;
    size_t pl;
    assert_clasp_ok(prov->kx_new(prov->ctx, 0x0017, &kx, h->p256, 65, &pl));
    prov->kx_free(kx);
    prov->destroy(prov);
    /* CH2 as §4.1.2 wants it: the new share, the cookie echoed. */
    set_key_share(ch, 0x0017, h->p256, 65);
    if (cookie) {
        ext_t *e = ch_add(ch, 44, "");
        memcpy(e->data, h->cookie, h->cookie_len);
        e->len = h->cookie_len;
    }
}

static void hrr_send(hrr_t *h, const ch_t *ch2, int ccs_count, int err)
{
    static uint8_t msg[4096];
    static const uint8_t ccs[] = {1};
    for (int i = 0; i < ccs_count; i++) {
        tp_q_record(&h->s.p.q[0], 20, ccs, 1);
    }
    size_t len = ch_encode(ch2, msg, sizeof(msg));
    push_hs(&h->s.p.q[0], msg, len, 16384);
    if (err == 0) {
        expect_accept(&h->s);
    } else {
        expect_fail(&h->s, err);
    }
    srv_close(&h->s);
    clasp_config_free(h->sc);
}

static void second_hello_rules(void **state)
{
    (void)state;
    hrr_t h;
    ch_t ch;
    for (int cookie = 0; cookie < 2; cookie++) {
        /* The well-formed CH2 is accepted, with or without a CCS. */
        hrr_start(&h, &ch, cookie);
        hrr_send(&h, &ch, 1, 0);
        hrr_start(&h, &ch, cookie);
        hrr_send(&h, &ch, 0, 0);
        /* SECURITY-CHECKLIST 13: a second CCS in the same flight. */
        hrr_start(&h, &ch, cookie);
        hrr_send(&h, &ch, 2, CLASP_ERR_UNEXPECTED_MESSAGE);
        /* §4.1.4: the share must be for the group HRR named. */
        hrr_start(&h, &ch, cookie);
        uint8_t pub[32];
        th_hex_into(x25519_pub_hex, pub, 32);
        set_key_share(&ch, 0x001d, pub, 32);
        hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
        /* §4.1.2: CH2 may not change the suites, the random, or add an
         * extension. */
        hrr_start(&h, &ch, cookie);
        ch.suites[1] = 0x02;
        ch.suites[3] = 0x01;
        hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
        hrr_start(&h, &ch, cookie);
        ch.random[7] ^= 1;
        hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
        hrr_start(&h, &ch, cookie);
        ch_add(&ch, 16, "0003 02 6832");
        hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
    }
    /* §4.2.2: the cookie must come back unchanged. */
    hrr_start(&h, &ch, 1);
    ch_get(&ch, 44)->data[5] ^= 0x40;
    hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
    hrr_start(&h, &ch, 1);
    ch_del(&ch, 44);
    hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
    /* A cookie the server never sent. */
    hrr_start(&h, &ch, 0);
    ch_add(&ch, 44, "0004 01020304");
    hrr_send(&h, &ch, 1, CLASP_ERR_ILLEGAL_PARAMETER);
}

static int group_setup(void **state)
{
    (void)state;
    g_sc = tp_server_conf("ecdsa-p256");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    clasp_config_free(g_sc);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builder_hello_is_accepted),
        cmocka_unit_test(truncated_hello_at_every_length),
        cmocka_unit_test(garbage_hello),
        cmocka_unit_test(hello_without_supported_versions),
        cmocka_unit_test(legacy_version_ssl3),
        cmocka_unit_test(compression_not_null),
        cmocka_unit_test(missing_mandatory_extensions),
        cmocka_unit_test(duplicate_extension),
        cmocka_unit_test(key_share_rules),
        cmocka_unit_test(extension_order_and_count),
        cmocka_unit_test(alpn_list_edge_cases),
        cmocka_unit_test(records_before_hello),
        cmocka_unit_test(hello_fragments_interleaved),
        cmocka_unit_test(refused_hello_leaves_server_usable),
        cmocka_unit_test(second_hello_rules),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
