/* EncryptedExtensions (RFC 8446 §4.3.1): forbidden extensions are
 * illegal_parameter, unsolicited ones unsupported_extension. */
#include "testlib.h"

#include "msg_test.h"

#define SENT(id) CLASP_EXT_BIT(CLASP_EXT_ID_##id)
/* What the RFC 8448 clients offered. */
#define CH_SENT                                                               \
    (SENT(SERVER_NAME) | SENT(RENEGOTIATION_INFO) | SENT(SUPPORTED_GROUPS) |  \
     SENT(SESSION_TICKET) | SENT(KEY_SHARE) | SENT(SUPPORTED_VERSIONS) |      \
     SENT(SIG_ALG) | SENT(PSK_KEY_EXCHANGE_MODES) | SENT(RECORD_SIZE_LIMIT) | \
     SENT(EARLY_DATA) | SENT(PADDING) | SENT(PRE_SHARED_KEY))

static void ee_parses_the_rfc8448_1rtt_extensions(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_ee", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_ENCRYPTED_EXTENSIONS);
    struct clasp_ee ee;
    assert_clasp_ok(clasp_ee_parse(&body, CH_SENT, &ee));
    assert_int_equal(ee.exts.present, SENT(SUPPORTED_GROUPS) |
                                          SENT(RECORD_SIZE_LIMIT) |
                                          SENT(SERVER_NAME));
    assert_int_equal(ee.exts.supported_groups.count, 9);
    assert_int_equal(ee.exts.supported_groups.v[0], CLASP_GROUP_X25519);
    assert_int_equal(ee.exts.supported_groups.v[8], 0x0104);
    assert_int_equal(ee.exts.record_size_limit, 0x4001);
    assert_int_equal(ee.exts.data[CLASP_EXT_ID_SERVER_NAME].len, 0);
    assert_int_equal(ee.exts.order[2], CLASP_EXT_ID_SERVER_NAME);

    uint8_t out[128];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ee_write(&w, &ee));
    mt_assert_written(&w, msg, len);
    th_free(msg);
}

static void ee_parses_the_rfc8448_early_data_answer(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_0rtt_ee", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_ENCRYPTED_EXTENSIONS);
    struct clasp_ee ee;
    if (!MT_EARLY) {
        /* We cannot have asked for what we do not know. */
        assert_clasp_err(clasp_ee_parse(&body, CH_SENT, &ee),
                         CLASP_ERR_UNSUPPORTED_EXTENSION);
        th_free(msg);
        return;
    }
    assert_clasp_ok(clasp_ee_parse(&body, CH_SENT, &ee));
    assert_true(clasp_exts_has(&ee.exts, CLASP_EXT_ID_EARLY_DATA));
    uint8_t out[128];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ee_write(&w, &ee));
    mt_assert_written(&w, msg, len);
    /* Not offered: unsolicited. */
    assert_clasp_err(clasp_ee_parse(&body, CH_SENT & ~SENT(EARLY_DATA), &ee),
                     CLASP_ERR_UNSUPPORTED_EXTENSION);
    th_free(msg);
}

struct bad_case {
    const char *what;
    const char *hex;
    int err;
};

static const struct bad_case cases[] = {
    {"empty block", "0000", CLASP_OK},
    {"no block", "", CLASP_ERR_DECODE},
    {"block length cut", "00", CLASP_ERR_DECODE},
    {"block length +1", "0009 000a 0004 0002 001d", CLASP_ERR_DECODE},
    {"block length -1", "0007 000a 0004 0002 001d", CLASP_ERR_DECODE},
    {"block exact", "0008 000a 0004 0002 001d", CLASP_OK},
    {"trailing byte", "0000 00", CLASP_ERR_DECODE},
    /* §4.3.1: forbidden extensions are illegal_parameter, even if sent. */
    {"key_share", "0008 0033 0004 001d 0000", CLASP_ERR_ILLEGAL_PARAMETER},
    {"supported_versions", "0006 002b 0002 0304", CLASP_ERR_ILLEGAL_PARAMETER},
    {"pre_shared_key", "0006 0029 0002 0000",
     MT_PSK ? CLASP_ERR_ILLEGAL_PARAMETER : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"psk_key_exchange_modes", "0006 002d 0002 0101",
     MT_PSK ? CLASP_ERR_ILLEGAL_PARAMETER : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"signature_algorithms", "0008 000d 0004 0002 0804",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"padding", "0004 0015 0000", CLASP_ERR_ILLEGAL_PARAMETER},
    {"renegotiation_info (TLS 1.2 only)", "0005 ff01 0001 00",
     CLASP_ERR_ILLEGAL_PARAMETER},
    /* §4.2: answers to what was not asked. */
    {"unsolicited alpn", "0009 0010 0005 0003 02 6832",
     CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"unknown type", "0004 fafa 0000", CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"duplicate", "0010 0000 0000 000a 0004 0002 001d 0000 0000",
     CLASP_ERR_DECODE},
    {"server_name must be empty", "0005 0000 0001 00", CLASP_ERR_DECODE},
    {"early_data must be empty", "0005 002a 0001 00",
     MT_EARLY ? CLASP_ERR_DECODE : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"record_size_limit 64 (min)", "0006 001c 0002 0040", CLASP_OK},
    {"record_size_limit 63", "0006 001c 0002 003f",
     CLASP_ERR_ILLEGAL_PARAMETER},
};

static void ee_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[256];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_ee ee;
        int rc = clasp_ee_parse(&b, CH_SENT, &ee);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void ee_every_truncation_is_decode_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_0rtt_ee", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_ENCRYPTED_EXTENSIONS);
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_ee ee;
        assert_clasp_err(clasp_ee_parse(&cut, CH_SENT, &ee), CLASP_ERR_DECODE);
    }
    th_free(msg);
}

static void ee_block_maximum_is_accepted_when_solicited(void **state)
{
    (void)state;
    /* extensions<0..2^16-1> at its maximum: supported_groups with a
     * 65520-byte list (6 + 65520) and ALPN "h2" (4 + 2 + 1 + 2). */
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 65535);
    at += mt_put16(buf + at, CLASP_EXT_SUPPORTED_GROUPS);
    at += mt_put16(buf + at, 2 + 65520);
    at += mt_put16(buf + at, 65520);
    memset(buf + at, 0x11, 65520);
    at += 65520;
    at += th_hex_into("0010 0005 0003 02 6832", buf + at, 16);
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_ee ee;
    assert_clasp_ok(clasp_ee_parse(&b, CH_SENT | SENT(ALPN), &ee));
    assert_int_equal(ee.exts.supported_groups.count, 32760);
    assert_int_equal(ee.exts.supported_groups.kept, CLASP_U16_LIST_CAP);
    mt_assert_span_hex(ee.exts.alpn.protocol_name_list[0], "6832");
    free(buf);
}

static void ee_write_refuses_forbidden_extensions(void **state)
{
    (void)state;
    uint8_t out[64];
    struct clasp_ee ee = {0};
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ee_write(&w, &ee));
    static const uint8_t empty[] = {0x08, 0x00, 0x00, 0x02, 0x00, 0x00};
    mt_assert_written(&w, empty, sizeof(empty));

    clasp_exts_set(&ee.exts, CLASP_EXT_ID_KEY_SHARE);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ee_write(&w, &ee), CLASP_ERR_INTERNAL);
    ee.exts.present = 0;
    clasp_exts_set(&ee.exts, CLASP_EXT_ID_PADDING);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ee_write(&w, &ee), CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ee_parses_the_rfc8448_1rtt_extensions),
        cmocka_unit_test(ee_parses_the_rfc8448_early_data_answer),
        cmocka_unit_test(ee_bad_case_table),
        cmocka_unit_test(ee_every_truncation_is_decode_error),
        cmocka_unit_test(ee_block_maximum_is_accepted_when_solicited),
        cmocka_unit_test(ee_write_refuses_forbidden_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
