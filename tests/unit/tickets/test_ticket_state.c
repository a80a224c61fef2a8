/* The resumption state codec (src/tickets/ticket_state.c): round trips
 * and a negative corpus; every malformed or impossible state is
 * CLASP_ERR_DECODE (SECURITY-CHECKLIST 45). */
#include "testlib.h"

#include <string.h>

#include "base/rd.h"
#include "base/wr.h"
#include "tickets/tickets.h"

static void fill_state(struct clasp_psk_state *st, uint16_t suite,
                       size_t psk_len, int with_cert)
{
    memset(st, 0, sizeof(*st));
    st->version = CLASP_VERSION_TLS1_3;
    st->suite = suite;
    st->created_ms = 0x0102030405060708ull;
    st->lifetime = 172800;
    st->age_add = 0xa1b2c3d4u;
    st->max_early_data = 16384;
    st->auth = CLASP_PSK_AUTH_PEER_OK;
    st->psk_len = psk_len;
    for (size_t i = 0; i < psk_len; i++) {
        st->psk[i] = (uint8_t)(0x40 + i);
    }
    if (with_cert) {
        st->auth |= CLASP_PSK_AUTH_PEER_CERT;
        for (size_t i = 0; i < 32; i++) {
            st->peer_cert_hash[i] = (uint8_t)(0x80 + i);
        }
    }
    memcpy(st->sni, "server.example", 14);
    st->sni_len = 14;
    memcpy(st->alpn, "h2", 2);
    st->alpn_len = 2;
}

static size_t encode(const struct clasp_psk_state *st, uint8_t *buf, size_t cap)
{
    clasp_wr w = clasp_wr_init(buf, cap);
    assert_clasp_ok(clasp_tk_state_write(&w, st));
    assert_clasp_ok(clasp_wr_finish(&w));
    return w.len;
}

static int decode(const uint8_t *buf, size_t len, struct clasp_psk_state *st)
{
    clasp_rd r = clasp_rd_init(buf, len);
    int rc = clasp_tk_state_parse(&r, st);
    if (rc == CLASP_OK) {
        rc = clasp_rd_done(&r);
    }
    return rc;
}

static void state_round_trip(void **state)
{
    (void)state;
    struct {
        uint16_t suite;
        size_t psk_len;
        int cert;
    } cases[] = {
        {CLASP_TLS1_3_AES_128_GCM_SHA256, 32, 1},
        {CLASP_TLS1_3_AES_256_GCM_SHA384, 48, 0},
        {CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, 32, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clasp_psk_state in, out;
        fill_state(&in, cases[i].suite, cases[i].psk_len, cases[i].cert);
        uint8_t buf[1024];
        size_t len = encode(&in, buf, sizeof(buf));
        /* Fixed fields, then psk, cert hash, sni, alpn with their
         * one-byte lengths. */
        assert_int_equal(len, 1 + 2 + 2 + 8 + 4 + 4 + 4 + 1 + 1 +
                                  cases[i].psk_len + 1 +
                                  (cases[i].cert ? 32 : 0) + 1 + 14 + 1 + 2);
        assert_int_equal(buf[0], CLASP_TK_STATE_FORMAT);
        assert_clasp_ok(decode(buf, len, &out));
        assert_int_equal(out.version, in.version);
        assert_int_equal(out.suite, in.suite);
        assert_true(out.created_ms == in.created_ms);
        assert_int_equal(out.lifetime, in.lifetime);
        assert_int_equal(out.age_add, in.age_add);
        assert_int_equal(out.max_early_data, in.max_early_data);
        assert_int_equal(out.auth, in.auth);
        assert_int_equal(out.psk_len, in.psk_len);
        assert_memory_equal(out.psk, in.psk, in.psk_len);
        assert_memory_equal(out.peer_cert_hash, in.peer_cert_hash, 32);
        assert_int_equal(out.sni_len, 14);
        assert_memory_equal(out.sni, "server.example", 14);
        assert_int_equal(out.alpn_len, 2);
        assert_memory_equal(out.alpn, "h2", 2);
    }
}

static void state_empty_names(void **state)
{
    (void)state;
    struct clasp_psk_state in, out;
    fill_state(&in, CLASP_TLS1_3_AES_128_GCM_SHA256, 32, 0);
    in.sni_len = 0;
    in.alpn_len = 0;
    uint8_t buf[512];
    size_t len = encode(&in, buf, sizeof(buf));
    assert_clasp_ok(decode(buf, len, &out));
    assert_int_equal(out.sni_len, 0);
    assert_int_equal(out.alpn_len, 0);
}

static void state_writer_refuses_inconsistent(void **state)
{
    (void)state;
    struct clasp_psk_state in;
    uint8_t buf[512];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    /* A SHA-384 suite with a 32-byte PSK. */
    fill_state(&in, CLASP_TLS1_3_AES_256_GCM_SHA384, 32, 0);
    assert_clasp_err(clasp_tk_state_write(&w, &in), CLASP_ERR_INTERNAL);
    /* An unknown suite. */
    fill_state(&in, 0x00ff, 32, 0);
    w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_err(clasp_tk_state_write(&w, &in), CLASP_ERR_INTERNAL);
    /* No room. */
    fill_state(&in, CLASP_TLS1_3_AES_128_GCM_SHA256, 32, 1);
    w = clasp_wr_init(buf, 20);
    assert_clasp_err(clasp_tk_state_write(&w, &in), CLASP_ERR_BUFFER_TOO_SMALL);
}

/* Offsets in the encoding of fill_state(AES_128_GCM, 32, cert). */
enum {
    OFF_FORMAT = 0,
    OFF_VERSION = 1,
    OFF_SUITE = 3,
    OFF_LIFETIME = 13,
    OFF_AUTH = 25,
    OFF_PSK = 26,
    OFF_CERT = 26 + 33,
    OFF_SNI = 26 + 33 + 33,
};

static void state_negative_corpus(void **state)
{
    (void)state;
    struct clasp_psk_state in, out;
    fill_state(&in, CLASP_TLS1_3_AES_128_GCM_SHA256, 32, 1);
    uint8_t good[512], bad[512];
    size_t len = encode(&in, good, sizeof(good));
    assert_clasp_ok(decode(good, len, &out));

    /* Every truncation, and a byte too many. */
    for (size_t n = 0; n < len; n++) {
        assert_clasp_err(decode(good, n, &out), CLASP_ERR_DECODE);
    }
    memcpy(bad, good, len);
    bad[len] = 0;
    assert_clasp_err(decode(bad, len + 1, &out), CLASP_ERR_DECODE);

    struct {
        size_t off;
        uint8_t value;
    } flips[] = {
        {OFF_FORMAT, 2},          /* another format version */
        {OFF_FORMAT, 0},          /* */
        {OFF_VERSION + 1, 0x03},  /* TLS 1.2 */
        {OFF_SUITE + 1, 0x00},    /* 0x1300: no such suite */
        {OFF_SUITE, 0xc0},        /* a TLS 1.2 suite number */
        {OFF_LIFETIME + 2, 0xa2}, /* 172800 -> 172544: still fine */
        {OFF_AUTH, 0x07},         /* an unknown auth bit */
        {OFF_AUTH, 0x02},         /* a cert hash without the cert bit */
        {OFF_PSK, 48},            /* PSK length of the wrong hash */
        {OFF_PSK, 31},            /* PSK shorter than any hash */
        {OFF_CERT, 31},           /* a cert hash of 31 bytes */
        {OFF_SNI, 200},           /* sni longer than what follows */
    };
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        memcpy(bad, good, len);
        bad[flips[i].off] = flips[i].value;
        int rc = decode(bad, len, &out);
        if (flips[i].off == OFF_LIFETIME + 2) {
            assert_clasp_ok(rc);
            assert_int_equal(out.lifetime, 172544);
        } else {
            assert_clasp_err(rc, CLASP_ERR_DECODE);
        }
    }
    /* Lifetime 0 ("discard", RFC 8446 §4.6.1) and 604801 (over 7 days). */
    static const uint8_t lifetimes[2][4] = {{0, 0, 0, 0}, {0, 9, 0x3a, 0x81}};
    for (size_t i = 0; i < 2; i++) {
        memcpy(bad, good, len);
        memcpy(bad + OFF_LIFETIME, lifetimes[i], 4);
        assert_clasp_err(decode(bad, len, &out), CLASP_ERR_DECODE);
    }
    /* 604800 exactly is fine. */
    memcpy(bad, good, len);
    memcpy(bad + OFF_LIFETIME, "\x00\x09\x3a\x80", 4);
    assert_clasp_ok(decode(bad, len, &out));
    assert_int_equal(out.lifetime, 604800);

    /* An SNI of 254 bytes (over RFC 6066's DNS names): rebuilt by hand. */
    clasp_wr w = clasp_wr_init(bad, sizeof(bad));
    assert_clasp_ok(clasp_wr_bytes(&w, good, OFF_SNI));
    assert_clasp_ok(clasp_wr_u8(&w, 254));
    assert_clasp_ok(clasp_wr_zeros(&w, 254));
    assert_clasp_ok(clasp_wr_u8(&w, 0));
    assert_clasp_err(decode(bad, w.len, &out), CLASP_ERR_DECODE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_round_trip),
        cmocka_unit_test(state_empty_names),
        cmocka_unit_test(state_writer_refuses_inconsistent),
        cmocka_unit_test(state_negative_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
