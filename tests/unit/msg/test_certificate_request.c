/* CertificateRequest (RFC 8446 §4.3.2). */
#include "testlib.h"

#include "msg_test.h"

static void cr_parses_the_rfc8448_request(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_auth_cr", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_REQUEST);
    struct clasp_cr cr;
    assert_clasp_ok(clasp_cr_parse(&body, &cr));
    assert_int_equal(cr.certificate_request_context.len, 0);
    assert_int_equal(cr.exts.present, CLASP_EXT_BIT(CLASP_EXT_ID_SIG_ALG));
    assert_int_equal(cr.exts.sig_alg.count, 15);
    assert_int_equal(cr.exts.sig_alg.v[0], CLASP_SIG_ECDSA_SECP256R1_SHA256);
    assert_int_equal(cr.exts.sig_alg.v[14], 0x0202);
    /* The handshake's check: §4.3.2 "MUST be specified". */
    assert_clasp_ok(
        clasp_exts_require(&cr.exts, CLASP_EXT_BIT(CLASP_EXT_ID_SIG_ALG)));

    uint8_t out[128];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_cr_write(&w, &cr));
    mt_assert_written(&w, msg, len);
    th_free(msg);
}

struct bad_case {
    const char *what;
    const char *hex;
    int err;
};

#define SIGALG "000d 0004 0002 0804"

static const struct bad_case cases[] = {
    {"valid", "00 0008" SIGALG, CLASP_OK},
    {"context 255 (max)",
     "ff 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
     "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
     "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
     "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfe"
     "0008" SIGALG,
     CLASP_OK},
    {"context longer than the message", "05 0000", CLASP_ERR_DECODE},
    {"no extensions", "00", CLASP_ERR_DECODE},
    {"extensions 1 (min-1)", "00 0001 00", CLASP_ERR_DECODE},
    {"extensions 2 (min): not a whole extension", "00 0002 000d",
     CLASP_ERR_DECODE},
    {"extensions length +1", "00 0009" SIGALG, CLASP_ERR_DECODE},
    {"trailing byte", "00 0008" SIGALG "00", CLASP_ERR_DECODE},
    {"unknown extension ignored (§4.3.2)", "00 000c" SIGALG "fafa 0000",
     CLASP_OK},
    {"oid_filters kept raw", "00 000e" SIGALG "0030 0002 0000", CLASP_OK},
    {"key_share is not a CR extension", "00 0010" SIGALG "0033 0004 001d 0000",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"post_handshake_auth is CH only", "00 000c" SIGALG "0031 0000",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"duplicate signature_algorithms", "00 0010" SIGALG SIGALG,
     CLASP_ERR_DECODE},
    {"signature_algorithms odd", "00 0009 000d 0005 0003 080400",
     CLASP_ERR_DECODE},
    {"certificate_authorities 2 (min-1)", "00 000e" SIGALG "002f 0002 0000",
     CLASP_ERR_DECODE},
};

static void cr_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[512];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_cr cr;
        int rc = clasp_cr_parse(&b, &cr);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void cr_missing_signature_algorithms_is_reported(void **state)
{
    (void)state;
    uint8_t buf[64];
    clasp_span b = mt_hex("00 0004 fafa 0000", buf, sizeof(buf));
    struct clasp_cr cr;
    assert_clasp_ok(clasp_cr_parse(&b, &cr));
    assert_int_equal(cr.exts.unknown_count, 1);
    assert_clasp_err(
        clasp_exts_require(&cr.exts, CLASP_EXT_BIT(CLASP_EXT_ID_SIG_ALG)),
        CLASP_ERR_MISSING_EXTENSION);
}

static void cr_every_truncation_is_decode_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_auth_cr", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE_REQUEST);
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_cr cr;
        assert_clasp_err(clasp_cr_parse(&cut, &cr), CLASP_ERR_DECODE);
    }
    th_free(msg);
}

/* extensions<2..2^16-1> at its maximum: signature_algorithms (8) and an
 * unknown extension (ignored) filling the rest. */
static void cr_extensions_maximum(void **state)
{
    (void)state;
    size_t n = 1 + 2 + 65535;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    size_t at = th_hex_into("00 ffff" SIGALG, buf, 16);
    at += mt_put16(buf + at, 0x7777);
    at += mt_vec(buf + at, 2, 65523, 65523, 0);
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_cr cr;
    assert_clasp_ok(clasp_cr_parse(&b, &cr));
    assert_int_equal(cr.extensions.len, 65535);
    assert_int_equal(cr.exts.unknown_count, 1);
    free(buf);
}

static void cr_round_trips_with_context_and_authorities(void **state)
{
    (void)state;
    uint8_t buf[128];
    clasp_span b =
        mt_hex("04 01020304 0017" SIGALG "002f 000b 0009 0003 303132 0002 3334",
               buf, sizeof(buf));
    struct clasp_cr cr;
    assert_clasp_ok(clasp_cr_parse(&b, &cr));
    mt_assert_span_hex(cr.certificate_request_context, "01020304");
    assert_int_equal(cr.exts.certificate_authorities.authorities_count, 2);
    uint8_t out[128];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_cr_write(&w, &cr));
    assert_clasp_ok(clasp_wr_finish(&w));
    assert_int_equal(w.len, 4 + b.len);
    assert_memory_equal(out + 4, b.p, b.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cr_parses_the_rfc8448_request),
        cmocka_unit_test(cr_bad_case_table),
        cmocka_unit_test(cr_missing_signature_algorithms_is_reported),
        cmocka_unit_test(cr_every_truncation_is_decode_error),
        cmocka_unit_test(cr_round_trips_with_context_and_authorities),
        cmocka_unit_test(cr_extensions_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
