/* CertificateVerify (RFC 8446 §4.4.3): algorithm + signature<0..2^16-1>. */
#include "testlib.h"

#include "msg_test.h"

static void cv_parses_the_rfc8448_server_signature(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_cv", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_VERIFY);
    struct clasp_cv cv;
    assert_clasp_ok(clasp_cv_parse(&body, &cv));
    assert_int_equal(cv.algorithm, CLASP_SIG_RSA_PSS_RSAE_SHA256);
    assert_int_equal(cv.signature.len, 128);
    uint8_t first, last;
    assert_clasp_ok(clasp_span_at(cv.signature, 0, &first));
    assert_clasp_ok(clasp_span_at(cv.signature, 127, &last));
    assert_int_equal(first, 0xac);
    assert_int_equal(last, 0xcd);
    th_free(msg);
}

static void cv_parses_the_rfc8448_ecdsa_signature(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_auth_server_cv", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_VERIFY);
    struct clasp_cv cv;
    assert_clasp_ok(clasp_cv_parse(&body, &cv));
    assert_int_equal(cv.algorithm, CLASP_SIG_ECDSA_SECP256R1_SHA256);
    assert_int_equal(cv.signature.len, 0x46);
    th_free(msg);
}

static void cv_round_trips(void **state)
{
    (void)state;
    static const char *const names[] = {"rfc8448_1rtt_cv",
                                        "rfc8448_auth_server_cv"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *msg = mt_load(names[i], &len);
        clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_VERIFY);
        struct clasp_cv cv;
        assert_clasp_ok(clasp_cv_parse(&body, &cv));
        uint8_t out[256];
        clasp_wr w = clasp_wr_init(out, sizeof(out));
        assert_clasp_ok(clasp_cv_write(&w, &cv));
        mt_assert_written(&w, msg, len);
        th_free(msg);
    }
}

static void cv_every_truncation_is_decode_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_cv", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_VERIFY);
    struct clasp_cv cv;
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        assert_clasp_err(clasp_cv_parse(&cut, &cv), CLASP_ERR_DECODE);
    }
    th_free(msg);
}

static void cv_signature_length_bounds(void **state)
{
    (void)state;
    struct clasp_cv cv;
    uint8_t buf[16];
    /* signature<0..2^16-1>: 0 is the minimum and is accepted. */
    clasp_span b = mt_hex("0804 0000", buf, sizeof(buf));
    assert_clasp_ok(clasp_cv_parse(&b, &cv));
    assert_int_equal(cv.signature.len, 0);
    /* Length one more than the bytes present. */
    b = mt_hex("0804 0002 aa", buf, sizeof(buf));
    assert_clasp_err(clasp_cv_parse(&b, &cv), CLASP_ERR_DECODE);
    /* Length one less: a trailing byte. */
    b = mt_hex("0804 0001 aa bb", buf, sizeof(buf));
    assert_clasp_err(clasp_cv_parse(&b, &cv), CLASP_ERR_DECODE);
    /* No room for the length at all. */
    b = mt_hex("0804 00", buf, sizeof(buf));
    assert_clasp_err(clasp_cv_parse(&b, &cv), CLASP_ERR_DECODE);

    /* The maximum, 2^16-1, is accepted. */
    size_t n = 4 + 65535;
    uint8_t *big = calloc(1, n);
    assert_non_null(big);
    big[0] = 0x08;
    big[1] = 0x07;
    big[2] = 0xff;
    big[3] = 0xff;
    clasp_span bb = clasp_span_of(big, n);
    assert_clasp_ok(clasp_cv_parse(&bb, &cv));
    assert_int_equal(cv.algorithm, CLASP_SIG_ED25519);
    assert_int_equal(cv.signature.len, 65535);
    free(big);
}

static void cv_write_refuses_an_oversized_signature(void **state)
{
    (void)state;
    uint8_t *sig = calloc(1, 65536);
    uint8_t *out = malloc(65536 + 16);
    assert_non_null(sig);
    assert_non_null(out);
    clasp_wr w = clasp_wr_init(out, 65536 + 16);
    struct clasp_cv cv = {CLASP_SIG_ED25519, clasp_span_of(sig, 65536)};
    assert_clasp_err(clasp_cv_write(&w, &cv), CLASP_ERR_INTERNAL);
    free(sig);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cv_parses_the_rfc8448_server_signature),
        cmocka_unit_test(cv_parses_the_rfc8448_ecdsa_signature),
        cmocka_unit_test(cv_round_trips),
        cmocka_unit_test(cv_every_truncation_is_decode_error),
        cmocka_unit_test(cv_signature_length_bounds),
        cmocka_unit_test(cv_write_refuses_an_oversized_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
