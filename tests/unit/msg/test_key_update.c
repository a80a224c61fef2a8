/* KeyUpdate (RFC 8446 §4.6.3): one byte, 0 or 1. */
#include "testlib.h"

#include "msg_test.h"

static void ku_parses_both_defined_values(void **state)
{
    (void)state;
    struct clasp_ku ku;
    static const uint8_t zero[] = {0x00}, one[] = {0x01};
    clasp_span b0 = clasp_span_of(zero, 1), b1 = clasp_span_of(one, 1);
    assert_clasp_ok(clasp_ku_parse(&b0, &ku));
    assert_int_equal(ku.request_update, CLASP_KEY_UPDATE_NOT_REQUESTED);
    assert_clasp_ok(clasp_ku_parse(&b1, &ku));
    assert_int_equal(ku.request_update, CLASP_KEY_UPDATE_REQUESTED);
}

static void ku_other_values_are_illegal_parameter(void **state)
{
    (void)state;
    struct clasp_ku ku;
    static const uint8_t bad[] = {0x02, 0x7f, 0xff};
    for (size_t i = 0; i < sizeof(bad); i++) {
        clasp_span b = clasp_span_of(&bad[i], 1);
        assert_clasp_err(clasp_ku_parse(&b, &ku), CLASP_ERR_ILLEGAL_PARAMETER);
    }
}

static void ku_wrong_length_is_decode_error(void **state)
{
    (void)state;
    struct clasp_ku ku;
    static const uint8_t two[] = {0x00, 0x00}, bad2[] = {0x02, 0x00};
    clasp_span empty = clasp_span_of(NULL, 0);
    clasp_span b2 = clasp_span_of(two, 2), bb = clasp_span_of(bad2, 2);
    assert_clasp_err(clasp_ku_parse(&empty, &ku), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_ku_parse(&b2, &ku), CLASP_ERR_DECODE);
    /* The length is checked before the value. */
    assert_clasp_err(clasp_ku_parse(&bb, &ku), CLASP_ERR_DECODE);
}

static void ku_write_emits_type_24_and_round_trips(void **state)
{
    (void)state;
    for (uint8_t v = 0; v <= 1; v++) {
        uint8_t out[8];
        clasp_wr w = clasp_wr_init(out, sizeof(out));
        struct clasp_ku ku = {v};
        assert_clasp_ok(clasp_ku_write(&w, &ku));
        const uint8_t exp[] = {0x18, 0x00, 0x00, 0x01, v};
        mt_assert_written(&w, exp, sizeof(exp));
        clasp_span body = mt_body(out, w.len, CLASP_HS_KEY_UPDATE);
        struct clasp_ku back;
        assert_clasp_ok(clasp_ku_parse(&body, &back));
        assert_int_equal(back.request_update, v);
    }
}

static void ku_write_refuses_undefined_values(void **state)
{
    (void)state;
    uint8_t out[8];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    struct clasp_ku ku = {2};
    assert_clasp_err(clasp_ku_write(&w, &ku), CLASP_ERR_INTERNAL);
    assert_int_equal(w.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ku_parses_both_defined_values),
        cmocka_unit_test(ku_other_values_are_illegal_parameter),
        cmocka_unit_test(ku_wrong_length_is_decode_error),
        cmocka_unit_test(ku_write_emits_type_24_and_round_trips),
        cmocka_unit_test(ku_write_refuses_undefined_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
