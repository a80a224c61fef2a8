/* Finished (RFC 8446 §4.4.4): verify_data[Hash.length], nothing else. */
#include "testlib.h"

#include "msg_test.h"

static void fin_parses_the_rfc8448_server_finished(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_server_fin", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_FINISHED);
    struct clasp_fin fin;
    assert_clasp_ok(clasp_fin_parse(&body, 32, &fin));
    /* RFC 8448 §3, {server} calculate finished: "finished (32 octets)". */
    mt_assert_span_hex(fin.verify_data,
                       "4c 92 b1 b2 56 d8 61 a1 83 01 67 82 7d 3e 28 8d"
                       "1a 76 f0 34 84 e9 ec 88 6d 4f f6 61 49 cb ec 2f");
    th_free(msg);
}

static void fin_round_trips_both_rfc8448_finished(void **state)
{
    (void)state;
    static const char *const names[] = {"rfc8448_1rtt_server_fin",
                                        "rfc8448_1rtt_client_fin"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *msg = mt_load(names[i], &len);
        clasp_span body = mt_body(msg, len, CLASP_HS_FINISHED);
        struct clasp_fin fin;
        assert_clasp_ok(clasp_fin_parse(&body, 32, &fin));
        uint8_t out[64];
        clasp_wr w = clasp_wr_init(out, sizeof(out));
        assert_clasp_ok(clasp_fin_write(&w, &fin));
        mt_assert_written(&w, msg, len);
        th_free(msg);
    }
}

static void fin_length_must_equal_the_hash_length(void **state)
{
    (void)state;
    uint8_t buf[49] = {0};
    struct clasp_fin fin;
    static const size_t bad[] = {0, 1, 31, 33, 48};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        clasp_span body = clasp_span_of(buf, bad[i]);
        assert_clasp_err(clasp_fin_parse(&body, 32, &fin), CLASP_ERR_DECODE);
    }
    clasp_span body48 = clasp_span_of(buf, 48);
    assert_clasp_ok(clasp_fin_parse(&body48, 48, &fin));
    assert_int_equal(fin.verify_data.len, 48);
    clasp_span body32 = clasp_span_of(buf, 32);
    assert_clasp_err(clasp_fin_parse(&body32, 48, &fin), CLASP_ERR_DECODE);
    clasp_span body49 = clasp_span_of(buf, 49);
    assert_clasp_err(clasp_fin_parse(&body49, 48, &fin), CLASP_ERR_DECODE);
}

static void fin_rejects_a_zero_hash_length_as_a_caller_bug(void **state)
{
    (void)state;
    struct clasp_fin fin;
    clasp_span empty = clasp_span_of(NULL, 0);
    assert_clasp_err(clasp_fin_parse(&empty, 0, &fin), CLASP_ERR_INTERNAL);
}

static void fin_write_refuses_empty_verify_data(void **state)
{
    (void)state;
    uint8_t out[8];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    struct clasp_fin fin = {clasp_span_of(NULL, 0)};
    assert_clasp_err(clasp_fin_write(&w, &fin), CLASP_ERR_INTERNAL);
}

static void fin_write_reports_a_short_buffer(void **state)
{
    (void)state;
    uint8_t vd[32] = {0};
    uint8_t out[35];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    struct clasp_fin fin = {clasp_span_of(vd, sizeof(vd))};
    assert_clasp_err(clasp_fin_write(&w, &fin), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fin_parses_the_rfc8448_server_finished),
        cmocka_unit_test(fin_round_trips_both_rfc8448_finished),
        cmocka_unit_test(fin_length_must_equal_the_hash_length),
        cmocka_unit_test(fin_rejects_a_zero_hash_length_as_a_caller_bug),
        cmocka_unit_test(fin_write_refuses_empty_verify_data),
        cmocka_unit_test(fin_write_reports_a_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
