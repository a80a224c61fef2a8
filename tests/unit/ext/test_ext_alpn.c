/* application_layer_protocol_negotiation (RFC 7301 §3.1). */
#include "testlib.h"

#include "../msg/msg_test.h"

static int parse_hex(uint8_t in_msg, const char *hex,
                     struct clasp_ext_alpn *out)
{
    static uint8_t buf[512];
    clasp_rd r = clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
    return clasp_ext_alpn_parse(in_msg, &r, out);
}

/* SECURITY-CHECKLIST row 61: empty lists and empty names are rejected. */
static void alpn_table(void **state)
{
    (void)state;
    static const struct {
        uint8_t in_msg;
        const char *hex;
        int err;
    } cases[] = {
        {CLASP_EXT_IN_CH, "", CLASP_ERR_DECODE},
        {CLASP_EXT_IN_CH, "0000", CLASP_ERR_DECODE},          /* list 0 */
        {CLASP_EXT_IN_CH, "0001 00", CLASP_ERR_DECODE},       /* list 1 */
        {CLASP_EXT_IN_CH, "0002 01 61", CLASP_OK},            /* list 2 (min) */
        {CLASP_EXT_IN_CH, "0002 00 00", CLASP_ERR_DECODE},    /* name 0 */
        {CLASP_EXT_IN_CH, "0003 02 61", CLASP_ERR_DECODE},    /* list +1 */
        {CLASP_EXT_IN_CH, "0002 02 6162", CLASP_ERR_DECODE},  /* list -1 */
        {CLASP_EXT_IN_CH, "0002 01 61 00", CLASP_ERR_DECODE}, /* trailing */
        {CLASP_EXT_IN_CH, "0006 02 6832 02 6831", CLASP_OK},
        {CLASP_EXT_IN_CH, "0005 02 6832 00 00", CLASP_ERR_DECODE},
        {CLASP_EXT_IN_EE, "0003 02 6832", CLASP_OK},
        /* RFC 7301 §3.1: the answer holds exactly one name. */
        {CLASP_EXT_IN_EE, "0006 02 6832 02 6831", CLASP_ERR_DECODE},
        {CLASP_EXT_IN_EE, "0000", CLASP_ERR_DECODE},
        {CLASP_EXT_IN_SH, "0003 02 6832", CLASP_ERR_INTERNAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clasp_ext_alpn a;
        assert_clasp_err(parse_hex(cases[i].in_msg, cases[i].hex, &a),
                         cases[i].err);
    }
}

/* protocol_name_list<2..2^16-1> full; ProtocolName<1..2^8-1> at 255. */
static void alpn_maxima(void **state)
{
    (void)state;
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 65535);
    for (size_t i = 0; i < 255; i++) {
        at += mt_vec(buf + at, 1, 255, 255, (uint8_t)i);
    }
    at += mt_vec(buf + at, 1, 254, 254, 0xee);
    assert_int_equal(at, n);
    clasp_rd r = clasp_rd_init(buf, n);
    struct clasp_ext_alpn a;
    assert_clasp_ok(clasp_ext_alpn_parse(CLASP_EXT_IN_CH, &r, &a));
    assert_int_equal(a.protocol_name_list_count, 256);
    assert_int_equal(a.protocol_name_list_kept, CLASP_EXT_ALPN_CAP);
    assert_int_equal(a.protocol_name_list[0].len, 255);
    /* The last name is found although it was not kept. */
    uint8_t last[254];
    memset(last, 0xee, sizeof(last));
    assert_int_equal(clasp_ext_alpn_has(&a, clasp_span_of(last, 254)), 1);
    assert_int_equal(clasp_ext_alpn_has(&a, clasp_span_of(last, 253)), 0);
    free(buf);
}

static void alpn_write_round_trips(void **state)
{
    (void)state;
    static const char h2[] = "h2", h11[] = "http/1.1";
    struct clasp_ext_alpn a = {0};
    a.protocol_name_list[0] = clasp_span_of(h2, 2);
    a.protocol_name_list[1] = clasp_span_of(h11, 8);
    a.protocol_name_list_kept = 2;
    uint8_t out[64];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_alpn_write(&w, CLASP_EXT_IN_CH, &a));
    uint8_t exp[32];
    size_t n =
        th_hex_into("000c 02 6832 08 687474702f312e31", exp, sizeof(exp));
    mt_assert_written(&w, exp, n);
    assert_int_equal(clasp_ext_alpn_has(&a, clasp_span_of(h11, 8)), 1);
    assert_int_equal(clasp_ext_alpn_has(&a, clasp_span_of(h11, 4)), 0);

    /* The server answers with exactly one name. */
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_alpn_write(&w, CLASP_EXT_IN_EE, &a),
                     CLASP_ERR_INTERNAL);
    a.protocol_name_list_kept = 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_alpn_write(&w, CLASP_EXT_IN_EE, &a));
    clasp_rd r = clasp_rd_init(out, w.len);
    struct clasp_ext_alpn back;
    assert_clasp_ok(clasp_ext_alpn_parse(CLASP_EXT_IN_EE, &r, &back));
    mt_assert_span_hex(back.protocol_name_list[0], "6832");

    a.protocol_name_list[0] = clasp_span_of(h2, 0);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_alpn_write(&w, CLASP_EXT_IN_CH, &a),
                     CLASP_ERR_INTERNAL);
    a.protocol_name_list_kept = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_alpn_write(&w, CLASP_EXT_IN_CH, &a),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alpn_table),
        cmocka_unit_test(alpn_maxima),
        cmocka_unit_test(alpn_write_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
