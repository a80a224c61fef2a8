/* ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
#include "testlib.h"

#include "msg_test.h"

#define SENT(id) CLASP_EXT_BIT(CLASP_EXT_ID_##id)
/* What the RFC 8448 client offered that a ServerHello may answer. */
#define CH_SENT                                                          \
    (SENT(SUPPORTED_VERSIONS) | SENT(KEY_SHARE) | SENT(PRE_SHARED_KEY) | \
     SENT(EARLY_DATA))

#define ZERO_RANDOM                    \
    "00000000000000000000000000000000" \
    "00000000000000000000000000000000"
#define HRR_RANDOM                     \
    "CF21AD74E59A6111BE1D8C021E65B891" \
    "C2A211167ABB8C5E079E09E2C8A8339C"

static uint8_t *load_sh(const char *name, size_t *len, struct clasp_sh *sh)
{
    uint8_t *msg = mt_load(name, len);
    clasp_span body = mt_body(msg, *len, CLASP_HS_SERVER_HELLO);
    assert_clasp_ok(clasp_sh_parse(&body, CH_SENT, sh));
    return msg;
}

static void assert_rewrites(const struct clasp_sh *sh, const uint8_t *msg,
                            size_t len)
{
    uint8_t out[512];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_sh_write(&w, sh));
    mt_assert_written(&w, msg, len);
}

static void sh_parses_the_rfc8448_1rtt_server_hello(void **state)
{
    (void)state;
    size_t len;
    struct clasp_sh sh;
    uint8_t *msg = load_sh("rfc8448_1rtt_sh", &len, &sh);
    assert_int_equal(sh.legacy_version, 0x0303);
    static const uint8_t random[] = {
        0x12, 0x74, 0x99, 0x14, 0x95, 0xcf, 0x42, 0x58, 0x57, 0x26, 0x2d,
        0xde, 0x22, 0x99, 0x34, 0x2c, 0x31, 0x5a, 0xfb, 0xa9, 0xb6, 0x4a,
        0x87, 0xd5, 0x52, 0x51, 0x56, 0x14, 0xe0, 0x1b, 0x04, 0x5d};
    assert_memory_equal(sh.random, random, 32);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.legacy_session_id_echo.len, 0);
    assert_int_equal(sh.cipher_suite, CLASP_TLS1_3_AES_128_GCM_SHA256);
    assert_int_equal(sh.legacy_compression_method, 0);
    assert_true(sh.has_extensions);
    assert_true(sh.has_supported_versions);
    assert_int_equal(sh.exts.present,
                     SENT(KEY_SHARE) | SENT(SUPPORTED_VERSIONS));
    assert_int_equal(sh.exts.supported_versions.selected_version, 0x0304);
    assert_int_equal(sh.exts.key_share.server_share.group, CLASP_GROUP_X25519);
    mt_assert_span_hex(sh.exts.key_share.server_share.key_exchange,
                       "c7 bb 6b df c2 63 50 b9 29 a0 8a 41 a7 6d da c2"
                       "10 b0 96 86 8d 96 0c 48 45 98 7d c3 a7 fa 65 0a");
    assert_int_equal(clasp_sh_downgrade(&sh), CLASP_SH_DOWNGRADE_NONE);
    assert_rewrites(&sh, msg, len);
    th_free(msg);
}

static void sh_parses_the_rfc8448_psk_server_hello(void **state)
{
    (void)state;
    size_t len;
    struct clasp_sh sh;
    if (!MT_PSK) {
        /* Compiled out: we never offered it, so it is unsolicited. */
        uint8_t *msg = mt_load("rfc8448_0rtt_sh", &len);
        clasp_span body = mt_body(msg, len, CLASP_HS_SERVER_HELLO);
        assert_clasp_err(clasp_sh_parse(&body, CH_SENT, &sh),
                         CLASP_ERR_UNSUPPORTED_EXTENSION);
        th_free(msg);
        return;
    }
    uint8_t *msg = load_sh("rfc8448_0rtt_sh", &len, &sh);
    assert_true(clasp_exts_has(&sh.exts, CLASP_EXT_ID_PRE_SHARED_KEY));
    assert_int_equal(sh.exts.psk.selected_identity, 0);
    assert_int_equal(sh.exts.order[0], CLASP_EXT_ID_PRE_SHARED_KEY);
    assert_rewrites(&sh, msg, len);
    th_free(msg);
}

static void sh_parses_the_rfc8448_hello_retry_request(void **state)
{
    (void)state;
    size_t len;
    struct clasp_sh sh;
    uint8_t *msg = mt_load("rfc8448_hrr", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_SERVER_HELLO);
    /* The client did not send a cookie: HRR may carry one anyway. */
    assert_clasp_ok(
        clasp_sh_parse(&body, SENT(SUPPORTED_VERSIONS) | SENT(KEY_SHARE), &sh));
    assert_true(sh.is_hrr);
    assert_memory_equal(sh.random, clasp_msg_hrr_random, 32);
    assert_int_equal(sh.cipher_suite, CLASP_TLS1_3_AES_128_GCM_SHA256);
    assert_int_equal(sh.exts.key_share.selected_group, CLASP_GROUP_SECP256R1);
    assert_int_equal(sh.exts.cookie.cookie.len, 0x72);
    assert_int_equal(sh.exts.supported_versions.selected_version, 0x0304);
    assert_rewrites(&sh, msg, len);

    /* The writer puts the HRR random in by itself. */
    memset(sh.random, 0x55, sizeof(sh.random));
    assert_rewrites(&sh, msg, len);
    th_free(msg);
}

static void sh_parses_the_rfc8448_server_hello_after_hrr(void **state)
{
    (void)state;
    size_t len;
    struct clasp_sh sh;
    uint8_t *msg = load_sh("rfc8448_hrr_sh", &len, &sh);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.exts.key_share.server_share.group,
                     CLASP_GROUP_SECP256R1);
    assert_int_equal(sh.exts.key_share.server_share.key_exchange.len, 65);
    assert_rewrites(&sh, msg, len);
    th_free(msg);
}

struct bad_case {
    const char *what;
    const char *hex;
    uint64_t sent;
    int err;
};

#define SV_EXT "002b 0002 0304"

static const struct bad_case cases[] = {
    {"valid, extensions 6 (min)", "0303" ZERO_RANDOM "00 1301 00 0006" SV_EXT,
     CH_SENT, CLASP_OK},
    {"extensions 5 (min-1)", "0303" ZERO_RANDOM "00 1301 00 0005 002b 0001 03",
     CH_SENT, CLASP_ERR_DECODE},
    {"extensions length +1", "0303" ZERO_RANDOM "00 1301 00 0007" SV_EXT,
     CH_SENT, CLASP_ERR_DECODE},
    {"trailing byte", "0303" ZERO_RANDOM "00 1301 00 0006" SV_EXT "00", CH_SENT,
     CLASP_ERR_DECODE},
    {"compression 1 (§4.1.3)", "0303" ZERO_RANDOM "00 1301 01 0006" SV_EXT,
     CH_SENT, CLASP_ERR_ILLEGAL_PARAMETER},
    {"compression 1 without extensions", "0303" ZERO_RANDOM "00 1301 01",
     CH_SENT, CLASP_ERR_ILLEGAL_PARAMETER},
    {"echo 32 (max)", "0303" ZERO_RANDOM "20" ZERO_RANDOM "1301 00 0006" SV_EXT,
     CH_SENT, CLASP_OK},
    {"echo 33 (max+1)",
     "0303" ZERO_RANDOM "21" ZERO_RANDOM "00 1301 00 0006" SV_EXT, CH_SENT,
     CLASP_ERR_DECODE},
    {"no cipher suite", "0303" ZERO_RANDOM "00 13", CH_SENT, CLASP_ERR_DECODE},
    {"one stray byte after compression", "0303" ZERO_RANDOM "00 1301 00 00",
     CH_SENT, CLASP_ERR_DECODE},
    {"legacy extensions are framing-checked",
     "0303" ZERO_RANDOM "00 1301 00 0006 ff01 0003 0100", CH_SENT,
     CLASP_ERR_DECODE},
    {"unsolicited key_share (§4.2)",
     "0303" ZERO_RANDOM "00 1301 00 000e" SV_EXT "0033 0004 001d 0000",
     SENT(SUPPORTED_VERSIONS), CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"unsolicited supported_versions (§4.2)",
     "0303" ZERO_RANDOM "00 1301 00 0006" SV_EXT, SENT(KEY_SHARE),
     CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"unknown extension (§4.2)",
     "0303" ZERO_RANDOM "00 1301 00 000a" SV_EXT "fafa 0000", CH_SENT,
     CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"early_data is not a ServerHello extension",
     "0303" ZERO_RANDOM "00 1301 00 000a" SV_EXT "002a 0000", CH_SENT,
     MT_EARLY ? CLASP_ERR_ILLEGAL_PARAMETER : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"cookie in a ServerHello",
     "0303" ZERO_RANDOM "00 1301 00 000b" SV_EXT "002c 0001 00", CH_SENT,
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"duplicate supported_versions",
     "0303" ZERO_RANDOM "00 1301 00 000c" SV_EXT SV_EXT, CH_SENT,
     CLASP_ERR_DECODE},
    {"selected_version with a trailing byte",
     "0303" ZERO_RANDOM "00 1301 00 0007 002b 0003 030400", CH_SENT,
     CLASP_ERR_DECODE},
    {"server_share with no key",
     "0303" ZERO_RANDOM "00 1301 00 000e" SV_EXT "0033 0004 001d 0000", CH_SENT,
     CLASP_ERR_DECODE},
    {"selected_identity with 3 bytes",
     "0303" ZERO_RANDOM "00 1301 00 000d" SV_EXT "0029 0003 000000", CH_SENT,
     MT_PSK ? CLASP_ERR_DECODE : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"HRR: cookie unasked is fine",
     "0303" HRR_RANDOM "00 1301 00 000d" SV_EXT "002c 0003 0001 aa",
     SENT(SUPPORTED_VERSIONS), CLASP_OK},
    {"HRR: empty cookie",
     "0303" HRR_RANDOM "00 1301 00 000c" SV_EXT "002c 0002 0000",
     SENT(SUPPORTED_VERSIONS), CLASP_ERR_DECODE},
    {"HRR: unknown extension",
     "0303" HRR_RANDOM "00 1301 00 000a" SV_EXT "fafa 0000", CH_SENT,
     CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"HRR: pre_shared_key is not an HRR extension",
     "0303" HRR_RANDOM "00 1301 00 000c" SV_EXT "0029 0002 0000", CH_SENT,
     MT_PSK ? CLASP_ERR_ILLEGAL_PARAMETER : CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"HRR: key_share is selected_group only",
     "0303" HRR_RANDOM "00 1301 00 000f" SV_EXT "0033 0005 0017 0001 aa",
     CH_SENT, CLASP_ERR_DECODE},
    {"HRR: selected_group",
     "0303" HRR_RANDOM "00 1301 00 000c" SV_EXT "0033 0002 0017", CH_SENT,
     CLASP_OK},
};

static void sh_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[512];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_sh sh;
        int rc = clasp_sh_parse(&b, cases[i].sent, &sh);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void sh_without_supported_versions_is_a_legacy_hello(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct clasp_sh sh;
    /* No extensions field at all. */
    clasp_span b = mt_hex("0303" ZERO_RANDOM "00 002f 00", buf, sizeof(buf));
    assert_clasp_ok(clasp_sh_parse(&b, CH_SENT, &sh));
    assert_false(sh.has_extensions);
    assert_false(sh.has_supported_versions);
    /* TLS 1.2 extensions we never sent: not judged by TLS 1.3 rules. */
    b = mt_hex("0303" ZERO_RANDOM "00 c02f 00 0009 ff01 0001 00 0017 0000", buf,
               sizeof(buf));
    assert_clasp_ok(clasp_sh_parse(&b, 0, &sh));
    assert_true(sh.has_extensions);
    assert_false(sh.has_supported_versions);
    assert_int_equal(sh.exts.present, 0);
    assert_int_equal(sh.extensions.len, 9);
}

static void sh_every_truncation_fails(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_sh", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_SERVER_HELLO);
    const size_t no_extensions = 2 + 32 + 1 + 2 + 1;
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_sh sh;
        int exp = (n == no_extensions) ? CLASP_OK : CLASP_ERR_DECODE;
        assert_clasp_err(clasp_sh_parse(&cut, CH_SENT, &sh), exp);
    }
    th_free(msg);
}

static void sh_downgrade_sentinels(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct clasp_sh sh;
    static const char *const tails[] = {"444F574E47524401", "444F574E47524400",
                                        "444F574E47524402", "544F574E47524401"};
    static const int exp[] = {CLASP_SH_DOWNGRADE_TLS12,
                              CLASP_SH_DOWNGRADE_TLS11, CLASP_SH_DOWNGRADE_NONE,
                              CLASP_SH_DOWNGRADE_NONE};
    for (size_t i = 0; i < 4; i++) {
        char hex[256];
        snprintf(hex, sizeof(hex),
                 "0303 000000000000000000000000000000000000000000000000%s"
                 "00 c02f 00",
                 tails[i]);
        clasp_span b = mt_hex(hex, buf, sizeof(buf));
        assert_clasp_ok(clasp_sh_parse(&b, 0, &sh));
        assert_int_equal(clasp_sh_downgrade(&sh), exp[i]);
    }
}

/* extensions<6..2^16-1> at its maximum: supported_versions (6) and a
 * key_share whose key_exchange takes the rest (8 + 65521). */
static void sh_extensions_maximum(void **state)
{
    (void)state;
    size_t n = 2 + 32 + 1 + 2 + 1 + 2 + 65535;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    size_t at =
        th_hex_into("0303" ZERO_RANDOM "00 1301 00 ffff" SV_EXT, buf, 64);
    at += mt_put16(buf + at, CLASP_EXT_KEY_SHARE);
    at += mt_put16(buf + at, 65525);
    at += mt_put16(buf + at, CLASP_GROUP_X25519);
    at += mt_vec(buf + at, 2, 65521, 65521, 0x77);
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_sh sh;
    assert_clasp_ok(clasp_sh_parse(&b, CH_SENT, &sh));
    assert_int_equal(sh.extensions.len, 65535);
    assert_int_equal(sh.exts.key_share.server_share.key_exchange.len, 65521);
    free(buf);
}

static void sh_write_refuses_bad_fields(void **state)
{
    (void)state;
    uint8_t out[256];
    struct clasp_sh sh = {0};
    sh.legacy_version = 0x0303;
    sh.cipher_suite = 0x1301;
    sh.has_extensions = true;
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    /* An empty block is under extensions<6..2^16-1>. */
    assert_clasp_err(clasp_sh_write(&w, &sh), CLASP_ERR_INTERNAL);

    clasp_exts_set(&sh.exts, CLASP_EXT_ID_SUPPORTED_VERSIONS);
    sh.exts.supported_versions.selected_version = 0x0304;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_sh_write(&w, &sh));

    sh.legacy_compression_method = 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_sh_write(&w, &sh), CLASP_ERR_INTERNAL);
    sh.legacy_compression_method = 0;

    /* cookie is an HRR extension, not a ServerHello one. */
    clasp_exts_set(&sh.exts, CLASP_EXT_ID_COOKIE);
    static const uint8_t c = 1;
    sh.exts.cookie.cookie = clasp_span_of(&c, 1);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_sh_write(&w, &sh), CLASP_ERR_INTERNAL);
    sh.is_hrr = true;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_sh_write(&w, &sh));
    clasp_span body = mt_body(out, w.len, CLASP_HS_SERVER_HELLO);
    struct clasp_sh back;
    assert_clasp_ok(clasp_sh_parse(&body, SENT(SUPPORTED_VERSIONS), &back));
    assert_true(back.is_hrr);
    assert_int_equal(back.exts.cookie.cookie.len, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sh_parses_the_rfc8448_1rtt_server_hello),
        cmocka_unit_test(sh_parses_the_rfc8448_psk_server_hello),
        cmocka_unit_test(sh_parses_the_rfc8448_hello_retry_request),
        cmocka_unit_test(sh_parses_the_rfc8448_server_hello_after_hrr),
        cmocka_unit_test(sh_bad_case_table),
        cmocka_unit_test(sh_without_supported_versions_is_a_legacy_hello),
        cmocka_unit_test(sh_every_truncation_fails),
        cmocka_unit_test(sh_downgrade_sentinels),
        cmocka_unit_test(sh_write_refuses_bad_fields),
        cmocka_unit_test(sh_extensions_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
