/* The small extensions: cookie (RFC 8446 §4.2.2), early_data (§4.2.10),
 * padding (RFC 7685), certificate_authorities (§4.2.4),
 * post_handshake_auth (§4.2.6), record_size_limit (RFC 8449). */
#include "testlib.h"

#include "../msg/msg_test.h"

static clasp_rd rd_hex(const char *hex)
{
    static uint8_t buf[512];
    return clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
}

static void cookie_bounds_and_round_trip(void **state)
{
    (void)state;
    struct clasp_ext_cookie c;
    clasp_rd r = rd_hex("");
    assert_clasp_err(clasp_ext_cookie_parse(CLASP_EXT_IN_CH, &r, &c),
                     CLASP_ERR_DECODE);
    r = rd_hex("0000"); /* 0 (min-1) */
    assert_clasp_err(clasp_ext_cookie_parse(CLASP_EXT_IN_HRR, &r, &c),
                     CLASP_ERR_DECODE);
    r = rd_hex("0001 aa"); /* 1 (min) */
    assert_clasp_ok(clasp_ext_cookie_parse(CLASP_EXT_IN_HRR, &r, &c));
    mt_assert_span_hex(c.cookie, "aa");
    r = rd_hex("0002 aa");
    assert_clasp_err(clasp_ext_cookie_parse(CLASP_EXT_IN_CH, &r, &c),
                     CLASP_ERR_DECODE);
    r = rd_hex("0001 aa bb");
    assert_clasp_err(clasp_ext_cookie_parse(CLASP_EXT_IN_CH, &r, &c),
                     CLASP_ERR_DECODE);
    r = rd_hex("0001 aa");
    assert_clasp_err(clasp_ext_cookie_parse(CLASP_EXT_IN_SH, &r, &c),
                     CLASP_ERR_INTERNAL);

    /* cookie<1..2^16-1> at its maximum. */
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    mt_vec(buf, 2, 65535, 65535, 0xc0);
    r = clasp_rd_init(buf, n);
    assert_clasp_ok(clasp_ext_cookie_parse(CLASP_EXT_IN_CH, &r, &c));
    assert_int_equal(c.cookie.len, 65535);
    uint8_t *out = malloc(n);
    assert_non_null(out);
    clasp_wr w = clasp_wr_init(out, n);
    assert_clasp_ok(clasp_ext_cookie_write(&w, CLASP_EXT_IN_CH, &c));
    mt_assert_written(&w, buf, n);
    free(out);
    free(buf);

    struct clasp_ext_cookie empty = {clasp_span_of(NULL, 0)};
    uint8_t small[8];
    w = clasp_wr_init(small, sizeof(small));
    assert_clasp_err(clasp_ext_cookie_write(&w, CLASP_EXT_IN_HRR, &empty),
                     CLASP_ERR_INTERNAL);
}

static void early_data_forms(void **state)
{
    (void)state;
    struct clasp_ext_early_data ed;
    clasp_rd r = rd_hex("");
    assert_clasp_ok(clasp_ext_early_data_parse(CLASP_EXT_IN_CH, &r, &ed));
    r = rd_hex("");
    assert_clasp_ok(clasp_ext_early_data_parse(CLASP_EXT_IN_EE, &r, &ed));
    r = rd_hex("00");
    assert_clasp_err(clasp_ext_early_data_parse(CLASP_EXT_IN_EE, &r, &ed),
                     CLASP_ERR_DECODE);
    r = rd_hex("00003800");
    assert_clasp_ok(clasp_ext_early_data_parse(CLASP_EXT_IN_NST, &r, &ed));
    assert_int_equal(ed.max_early_data_size, 14336);
    r = rd_hex("000038");
    assert_clasp_err(clasp_ext_early_data_parse(CLASP_EXT_IN_NST, &r, &ed),
                     CLASP_ERR_DECODE);
    r = rd_hex("0000380000");
    assert_clasp_err(clasp_ext_early_data_parse(CLASP_EXT_IN_NST, &r, &ed),
                     CLASP_ERR_DECODE);
    r = rd_hex("");
    assert_clasp_err(clasp_ext_early_data_parse(CLASP_EXT_IN_SH, &r, &ed),
                     CLASP_ERR_INTERNAL);

    uint8_t out[8];
    ed.max_early_data_size = 0x01020304;
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_early_data_write(&w, CLASP_EXT_IN_NST, &ed));
    static const uint8_t exp[] = {1, 2, 3, 4};
    mt_assert_written(&w, exp, sizeof(exp));
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_early_data_write(&w, CLASP_EXT_IN_EE, &ed));
    assert_int_equal(w.len, 0);
}

static void padding_content_is_not_judged(void **state)
{
    (void)state;
    struct clasp_ext_padding p;
    clasp_rd r = rd_hex("");
    assert_clasp_ok(clasp_ext_padding_parse(CLASP_EXT_IN_CH, &r, &p));
    assert_int_equal(p.data_len, 0);
    r = rd_hex("00 00 01 ff");
    assert_clasp_ok(clasp_ext_padding_parse(CLASP_EXT_IN_CH, &r, &p));
    assert_int_equal(p.data_len, 4);
    assert_int_equal(clasp_rd_left(&r), 0);
    r = rd_hex("");
    assert_clasp_err(clasp_ext_padding_parse(CLASP_EXT_IN_EE, &r, &p),
                     CLASP_ERR_INTERNAL);
}

static void padding_size_rule(void **state)
{
    (void)state;
    size_t d;
    struct clasp_ext_padding exact = {7, 0};
    assert_int_equal(clasp_ext_padding_size(&exact, 1000, &d), 1);
    assert_int_equal(d, 7);
    struct clasp_ext_padding to512 = {0, 512};
    assert_int_equal(clasp_ext_padding_size(&to512, 255, &d), 0);
    assert_int_equal(clasp_ext_padding_size(&to512, 256, &d), 1);
    assert_int_equal(d, 512 - 4 - 256);
    assert_int_equal(clasp_ext_padding_size(&to512, 508, &d), 1);
    assert_int_equal(d, 0); /* an empty padding extension */
    assert_int_equal(clasp_ext_padding_size(&to512, 509, &d), 0);
    assert_int_equal(clasp_ext_padding_size(&to512, 512, &d), 0);
    struct clasp_ext_padding tiny = {0, 3};
    assert_int_equal(clasp_ext_padding_size(&tiny, 300, &d), 0);

    uint8_t out[8];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_padding_write(&w, 3));
    static const uint8_t zeros[3] = {0};
    mt_assert_written(&w, zeros, 3);
}

static void ca_bounds_iteration_and_round_trip(void **state)
{
    (void)state;
    struct clasp_ext_certificate_authorities ca;
    clasp_rd r = rd_hex("0002 0000"); /* 2 (min-1) */
    assert_clasp_err(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CR, &r, &ca),
        CLASP_ERR_DECODE);
    r = rd_hex("0003 0001 30"); /* 3 (min) */
    assert_clasp_ok(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CR, &r, &ca));
    assert_int_equal(ca.authorities_count, 1);
    r = rd_hex("0003 0000 30"); /* DistinguishedName 0 (min-1) */
    assert_clasp_err(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CH, &r, &ca),
        CLASP_ERR_DECODE);
    r = rd_hex("0004 0001 30");
    assert_clasp_err(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CH, &r, &ca),
        CLASP_ERR_DECODE);
    r = rd_hex("0003 0001 30 00");
    assert_clasp_err(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CH, &r, &ca),
        CLASP_ERR_DECODE);
    r = rd_hex("0003 0001 30");
    assert_clasp_err(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_EE, &r, &ca),
        CLASP_ERR_INTERNAL);

    /* authorities<3..2^16-1> at its maximum: one 65533-byte name. */
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 65535);
    at += mt_vec(buf + at, 2, 65533, 65533, 0x30);
    r = clasp_rd_init(buf, at);
    assert_clasp_ok(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CH, &r, &ca));
    assert_int_equal(ca.authorities.len, 65535);
    free(buf);

    /* Build a list, write it, parse it, iterate it. */
    static const uint8_t dn1[] = {0x30, 0x01}, dn2[] = {0x30, 0x02, 0x03};
    uint8_t list[32];
    clasp_wr lw = clasp_wr_init(list, sizeof(list));
    assert_clasp_ok(
        clasp_ext_certificate_authorities_add(&lw, clasp_span_of(dn1, 2)));
    assert_clasp_ok(
        clasp_ext_certificate_authorities_add(&lw, clasp_span_of(dn2, 3)));
    struct clasp_ext_certificate_authorities in = {clasp_wr_span(&lw), 2};
    uint8_t out[64];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(
        clasp_ext_certificate_authorities_write(&w, CLASP_EXT_IN_CR, &in));
    uint8_t exp[32];
    size_t en = th_hex_into("0009 0002 3001 0003 300203", exp, sizeof(exp));
    mt_assert_written(&w, exp, en);
    r = clasp_rd_init(out, w.len);
    assert_clasp_ok(
        clasp_ext_certificate_authorities_parse(CLASP_EXT_IN_CR, &r, &ca));
    assert_int_equal(ca.authorities_count, 2);
    clasp_rd it = clasp_rd_of_span(ca.authorities);
    clasp_span dn;
    assert_int_equal(clasp_ext_certificate_authorities_next(&it, &dn), 1);
    mt_assert_span_hex(dn, "3001");
    assert_int_equal(clasp_ext_certificate_authorities_next(&it, &dn), 1);
    mt_assert_span_hex(dn, "300203");
    assert_int_equal(clasp_ext_certificate_authorities_next(&it, &dn), 0);

    /* A badly framed list is never written. */
    static const uint8_t junk[] = {0x00, 0x05, 0x30};
    struct clasp_ext_certificate_authorities bad = {clasp_span_of(junk, 3), 1};
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(
        clasp_ext_certificate_authorities_write(&w, CLASP_EXT_IN_CR, &bad),
        CLASP_ERR_INTERNAL);
    struct clasp_ext_certificate_authorities none = {clasp_span_of(NULL, 0), 0};
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(
        clasp_ext_certificate_authorities_write(&w, CLASP_EXT_IN_CR, &none),
        CLASP_ERR_INTERNAL);
}

static void post_handshake_auth_is_empty(void **state)
{
    (void)state;
    clasp_rd r = rd_hex("");
    assert_clasp_ok(clasp_ext_post_handshake_auth_parse(CLASP_EXT_IN_CH, &r));
    r = rd_hex("00");
    assert_clasp_err(clasp_ext_post_handshake_auth_parse(CLASP_EXT_IN_CH, &r),
                     CLASP_ERR_DECODE);
    r = rd_hex("");
    assert_clasp_err(clasp_ext_post_handshake_auth_parse(CLASP_EXT_IN_CR, &r),
                     CLASP_ERR_INTERNAL);
    uint8_t out[4];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_post_handshake_auth_write(&w, CLASP_EXT_IN_CH));
    assert_int_equal(w.len, 0);
}

static void record_size_limit_floor(void **state)
{
    (void)state;
    uint16_t v = 0;
    static const struct {
        const char *hex;
        int err;
        uint16_t v;
    } cases[] = {
        {"", CLASP_ERR_DECODE, 0},
        {"00", CLASP_ERR_DECODE, 0},
        {"004000", CLASP_ERR_DECODE, 0},
        {"0000", CLASP_ERR_ILLEGAL_PARAMETER, 0},
        {"003f", CLASP_ERR_ILLEGAL_PARAMETER, 0},
        {"0040", CLASP_OK, 64},
        {"4001", CLASP_OK, 0x4001},
        {"ffff", CLASP_OK, 0xffff},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clasp_rd r = rd_hex(cases[i].hex);
        assert_clasp_err(
            clasp_ext_record_size_limit_parse(CLASP_EXT_IN_EE, &r, &v),
            cases[i].err);
        if (cases[i].err == CLASP_OK) {
            assert_int_equal(v, cases[i].v);
        }
    }
    uint8_t out[4];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(
        clasp_ext_record_size_limit_write(&w, CLASP_EXT_IN_CH, 0x4001));
    static const uint8_t exp[] = {0x40, 0x01};
    mt_assert_written(&w, exp, sizeof(exp));
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_record_size_limit_write(&w, CLASP_EXT_IN_CH, 63),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cookie_bounds_and_round_trip),
        cmocka_unit_test(early_data_forms),
        cmocka_unit_test(padding_content_is_not_judged),
        cmocka_unit_test(padding_size_rule),
        cmocka_unit_test(ca_bounds_iteration_and_round_trip),
        cmocka_unit_test(post_handshake_auth_is_empty),
        cmocka_unit_test(record_size_limit_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
