/* EndOfEarlyData (RFC 8446 §4.5): struct {}. */
#include "testlib.h"

#include "msg_test.h"

static void eoed_parses_an_empty_body(void **state)
{
    (void)state;
    struct clasp_eoed e;
    clasp_span empty = clasp_span_of(NULL, 0);
    assert_clasp_ok(clasp_eoed_parse(&empty, &e));
}

static void eoed_any_content_is_decode_error(void **state)
{
    (void)state;
    struct clasp_eoed e;
    static const uint8_t junk[2] = {0x00, 0x00};
    for (size_t n = 1; n <= sizeof(junk); n++) {
        clasp_span b = clasp_span_of(junk, n);
        assert_clasp_err(clasp_eoed_parse(&b, &e), CLASP_ERR_DECODE);
    }
}

static void eoed_write_is_a_bare_header_and_round_trips(void **state)
{
    (void)state;
    uint8_t out[8];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    struct clasp_eoed e = {0};
    assert_clasp_ok(clasp_eoed_write(&w, &e));
    static const uint8_t exp[] = {0x05, 0x00, 0x00, 0x00};
    mt_assert_written(&w, exp, sizeof(exp));
    clasp_span body = mt_body(out, w.len, CLASP_HS_END_OF_EARLY_DATA);
    assert_clasp_ok(clasp_eoed_parse(&body, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eoed_parses_an_empty_body),
        cmocka_unit_test(eoed_any_content_is_decode_error),
        cmocka_unit_test(eoed_write_is_a_bare_header_and_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
