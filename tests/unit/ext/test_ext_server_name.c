/* server_name (RFC 6066 §3): CH list with one host_name; EE empty. */
#include "testlib.h"

#include "../msg/msg_test.h"

static int parse(uint8_t in_msg, const uint8_t *p, size_t n,
                 struct clasp_ext_server_name *out)
{
    clasp_rd r = clasp_rd_init(p, n);
    return clasp_ext_server_name_parse(in_msg, &r, out);
}

static int parse_hex(uint8_t in_msg, const char *hex,
                     struct clasp_ext_server_name *out)
{
    static uint8_t buf[256];
    clasp_span s = mt_hex(hex, buf, sizeof(buf));
    return parse(in_msg, s.p, s.len, out);
}

static void sni_parses_the_rfc8448_name(void **state)
{
    (void)state;
    struct clasp_ext_server_name sni;
    assert_clasp_ok(
        parse_hex(CLASP_EXT_IN_CH, "0009 00 0006 736572766572", &sni));
    mt_assert_span_hex(sni.host_name, "736572766572");
}

static void sni_table(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int err;
    } cases[] = {
        {"", CLASP_ERR_DECODE},                   /* no list */
        {"0000", CLASP_ERR_DECODE},               /* list 0 (min-1) */
        {"0001 00", CLASP_ERR_DECODE},            /* list 1 (min): no name */
        {"0003 00 0000", CLASP_ERR_DECODE},       /* HostName 0 (min-1) */
        {"0004 00 0001 61", CLASP_OK},            /* HostName 1 (min) */
        {"0004 00 0002 61", CLASP_ERR_DECODE},    /* HostName +1 */
        {"0004 00 0001 61 00", CLASP_ERR_DECODE}, /* trailing byte */
        {"0005 00 0001 61", CLASP_ERR_DECODE},    /* list +1 */
        {"0004 01 0001 61", CLASP_ERR_DECODE},    /* unknown NameType */
        {"0008 00 0001 61 00 0001 62", CLASP_ERR_ILLEGAL_PARAMETER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clasp_ext_server_name sni;
        assert_clasp_err(parse_hex(CLASP_EXT_IN_CH, cases[i].hex, &sni),
                         cases[i].err);
    }
}

static void sni_list_maximum(void **state)
{
    (void)state;
    /* ServerNameList<1..2^16-1>: one HostName of 65532 bytes fills it. */
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 65535);
    buf[at++] = 0;
    at += mt_vec(buf + at, 2, 65532, 65532, 'a');
    assert_int_equal(at, n);
    struct clasp_ext_server_name sni;
    assert_clasp_ok(parse(CLASP_EXT_IN_CH, buf, n, &sni));
    assert_int_equal(sni.host_name.len, 65532);
    free(buf);
}

static void sni_ee_form_is_empty(void **state)
{
    (void)state;
    struct clasp_ext_server_name sni;
    assert_clasp_ok(parse_hex(CLASP_EXT_IN_EE, "", &sni));
    assert_int_equal(sni.host_name.len, 0);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_EE, "00", &sni), CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "", &sni), CLASP_ERR_INTERNAL);
}

static void sni_write_round_trips(void **state)
{
    (void)state;
    static const char name[] = "example.com";
    struct clasp_ext_server_name in = {clasp_span_of(name, 11)};
    uint8_t out[64];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_server_name_write(&w, CLASP_EXT_IN_CH, &in));
    uint8_t exp[32];
    size_t n =
        th_hex_into("000e 00 000b 6578616d706c652e636f6d", exp, sizeof(exp));
    mt_assert_written(&w, exp, n);
    struct clasp_ext_server_name back;
    assert_clasp_ok(parse(CLASP_EXT_IN_CH, out, w.len, &back));
    assert_true(clasp_ext_span_eq(back.host_name, in.host_name));

    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_server_name_write(&w, CLASP_EXT_IN_EE, &in));
    assert_int_equal(w.len, 0);

    /* HostName<1..2^16-1>: an empty name is never written. */
    struct clasp_ext_server_name empty = {clasp_span_of(NULL, 0)};
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_server_name_write(&w, CLASP_EXT_IN_CH, &empty),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sni_parses_the_rfc8448_name),
        cmocka_unit_test(sni_table),
        cmocka_unit_test(sni_list_maximum),
        cmocka_unit_test(sni_ee_form_is_empty),
        cmocka_unit_test(sni_write_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
