/* The error table: codes, classes, alerts and names agree with
 * clasp_errors.h and RFC 8446 §6. */
#include "testlib.h"

#include "base/err.h"

static void err_codes_encode_class_and_number(void **state)
{
    (void)state;
    assert_int_equal(CLASP_ERR_WANT_READ, -(1 << 8 | 1));
    assert_int_equal(clasp_err_class(CLASP_ERR_DECODE), CLASP_ERRCLASS_PROTO);
    assert_int_equal(clasp_err_class(CLASP_OK), 0);
    assert_true(clasp_err_is_retry(CLASP_ERR_WANT_WRITE));
    assert_false(clasp_err_is_retry(CLASP_ERR_DECODE));
}

static void err_each_protocol_error_sends_its_alert(void **state)
{
    (void)state;
    assert_int_equal(clasp_error_alert(CLASP_ERR_DECODE),
                     CLASP_ALERT_DECODE_ERROR);
    assert_int_equal(clasp_error_alert(CLASP_ERR_UNEXPECTED_MESSAGE), 10);
    assert_int_equal(clasp_error_alert(CLASP_ERR_BAD_RECORD_MAC), 20);
    assert_int_equal(clasp_error_alert(CLASP_ERR_RECORD_OVERFLOW), 22);
    assert_int_equal(clasp_error_alert(CLASP_ERR_ILLEGAL_PARAMETER), 47);
    assert_int_equal(clasp_error_alert(CLASP_ERR_DECRYPT_ERROR), 51);
    assert_int_equal(clasp_error_alert(CLASP_ERR_PROTOCOL_VERSION), 70);
    assert_int_equal(clasp_error_alert(CLASP_ERR_MISSING_EXTENSION), 109);
    assert_int_equal(clasp_error_alert(CLASP_ERR_CERTIFICATE_REQUIRED), 116);
    assert_int_equal(clasp_error_alert(CLASP_ERR_NO_APPLICATION_PROTOCOL), 120);
    assert_int_equal(clasp_error_alert(CLASP_ERR_CRYPTO),
                     CLASP_ALERT_INTERNAL_ERROR);
    assert_int_equal(clasp_error_alert(CLASP_ERR_WANT_READ), CLASP_ALERT_NONE);
    assert_int_equal(clasp_error_alert(CLASP_ERR_PEER_ALERT), CLASP_ALERT_NONE);
}

static void err_every_code_has_a_name_and_text(void **state)
{
    (void)state;
#define CHECK_(name, cls, n, alert, text)                   \
    assert_string_equal(clasp_error_name(CLASP_ERR_##name), \
                        "CLASP_ERR_" #name);                \
    assert_string_equal(clasp_strerror(CLASP_ERR_##name), text);
    CLASP_ERRORS(CHECK_)
#undef CHECK_
    assert_string_equal(clasp_strerror(-12345), "unknown error code");
    assert_string_equal(clasp_strerror(0), "success");
}

static void err_codes_are_unique(void **state)
{
    (void)state;
    static const int codes[] = {
#define CODE_(name, cls, n, alert, text) CLASP_ERR_##name,
        CLASP_ERRORS(CODE_)
#undef CODE_
    };
    size_t n = sizeof(codes) / sizeof(codes[0]);
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] < 0);
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_codes_encode_class_and_number),
        cmocka_unit_test(err_each_protocol_error_sends_its_alert),
        cmocka_unit_test(err_every_code_has_a_name_and_text),
        cmocka_unit_test(err_codes_are_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
