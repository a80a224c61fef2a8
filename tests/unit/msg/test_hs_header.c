/* Handshake framing (RFC 8446 §4): the 4-byte header, reading whole
 * messages and writing the uint24 length. */
#include "testlib.h"

#include "msg_test.h"

static void header_parse_reads_type_and_uint24_length(void **state)
{
    (void)state;
    size_t len;
    uint8_t *sh = mt_load("rfc8448_1rtt_sh", &len);
    clasp_rd r = clasp_rd_init(sh, len);
    struct clasp_hs_header h;
    assert_clasp_ok(clasp_hs_header_parse(&r, &h));
    assert_int_equal(h.msg_type, CLASP_HS_SERVER_HELLO);
    assert_int_equal(h.length, 0x56); /* RFC 8448: 90 octets = 4 + 86 */
    assert_int_equal(clasp_rd_left(&r), 86);
    th_free(sh);
}

static void header_parse_needs_four_bytes(void **state)
{
    (void)state;
    static const uint8_t three[] = {0x02, 0x00, 0x00};
    for (size_t n = 0; n <= sizeof(three); n++) {
        clasp_rd r = clasp_rd_init(three, n);
        struct clasp_hs_header h;
        assert_clasp_err(clasp_hs_header_parse(&r, &h), CLASP_ERR_DECODE);
        assert_int_equal(clasp_rd_left(&r), n);
    }
}

static void header_parse_takes_large_lengths_without_the_body(void **state)
{
    (void)state;
    /* Reassembly reads the header before the body arrives. */
    static const uint8_t hdr[] = {0x0b, 0xff, 0xff, 0xff};
    clasp_rd r = clasp_rd_init(hdr, sizeof(hdr));
    struct clasp_hs_header h;
    assert_clasp_ok(clasp_hs_header_parse(&r, &h));
    assert_int_equal(h.msg_type, CLASP_HS_CERTIFICATE);
    assert_int_equal(h.length, 0xFFFFFF);
}

static void msg_parse_splits_consecutive_messages(void **state)
{
    (void)state;
    size_t n1, n2;
    uint8_t *fin = mt_load("rfc8448_1rtt_server_fin", &n1);
    uint8_t *ee = mt_load("rfc8448_1rtt_ee", &n2);
    uint8_t buf[128];
    memcpy(buf, ee, n2);
    memcpy(buf + n2, fin, n1);
    clasp_rd r = clasp_rd_init(buf, n1 + n2);
    uint8_t type;
    clasp_span body;
    assert_clasp_ok(clasp_hs_msg_parse(&r, &type, &body));
    assert_int_equal(type, CLASP_HS_ENCRYPTED_EXTENSIONS);
    assert_int_equal(body.len, 0x24);
    assert_clasp_ok(clasp_hs_msg_parse(&r, &type, &body));
    assert_int_equal(type, CLASP_HS_FINISHED);
    assert_int_equal(body.len, 32);
    assert_int_equal(clasp_rd_left(&r), 0);
    th_free(fin);
    th_free(ee);
}

static void msg_parse_rejects_a_missing_body_byte(void **state)
{
    (void)state;
    size_t len;
    uint8_t *fin = mt_load("rfc8448_1rtt_server_fin", &len);
    clasp_rd r = clasp_rd_init(fin, len - 1);
    uint8_t type = 0xAA;
    clasp_span body;
    assert_clasp_err(clasp_hs_msg_parse(&r, &type, &body), CLASP_ERR_DECODE);
    assert_int_equal(clasp_rd_left(&r), len - 1); /* unchanged */
    assert_int_equal(type, 0xAA);
    th_free(fin);
}

static void msg_open_close_back_patches_the_length(void **state)
{
    (void)state;
    uint8_t buf[16];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m;
    assert_clasp_ok(clasp_hs_msg_open(&w, CLASP_HS_KEY_UPDATE, &m));
    assert_clasp_ok(clasp_wr_u8(&w, 1));
    assert_clasp_ok(clasp_hs_msg_close(&w, &m));
    static const uint8_t exp[] = {0x18, 0x00, 0x00, 0x01, 0x01};
    mt_assert_written(&w, exp, sizeof(exp));
}

static void msg_close_enforces_the_uint24_limit(void **state)
{
    (void)state;
    /* A body of 2^24 bytes cannot be framed. */
    size_t cap = 4 + ((size_t)1 << 24);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    clasp_wr w = clasp_wr_init(buf, cap);
    clasp_wr_mark m;
    assert_clasp_ok(clasp_hs_msg_open(&w, CLASP_HS_CERTIFICATE, &m));
    assert_clasp_ok(clasp_wr_zeros(&w, (size_t)1 << 24));
    assert_clasp_err(clasp_hs_msg_close(&w, &m), CLASP_ERR_INTERNAL);

    w = clasp_wr_init(buf, cap);
    assert_clasp_ok(clasp_hs_msg_open(&w, CLASP_HS_CERTIFICATE, &m));
    assert_clasp_ok(clasp_wr_zeros(&w, 0xFFFFFF));
    assert_clasp_ok(clasp_hs_msg_close(&w, &m));
    assert_int_equal(buf[1], 0xFF);
    assert_int_equal(buf[2], 0xFF);
    assert_int_equal(buf[3], 0xFF);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_parse_reads_type_and_uint24_length),
        cmocka_unit_test(header_parse_needs_four_bytes),
        cmocka_unit_test(header_parse_takes_large_lengths_without_the_body),
        cmocka_unit_test(msg_parse_splits_consecutive_messages),
        cmocka_unit_test(msg_parse_rejects_a_missing_body_byte),
        cmocka_unit_test(msg_open_close_back_patches_the_length),
        cmocka_unit_test(msg_close_enforces_the_uint24_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
