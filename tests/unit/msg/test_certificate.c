/* Certificate (RFC 8446 §4.4.2): chain entries and their extensions. */
#include "testlib.h"

#include "msg_test.h"

#define SENT(id) CLASP_EXT_BIT(CLASP_EXT_ID_##id)
#define CH_SENT (SENT(STATUS_REQUEST) | SENT(SIGNED_CERTIFICATE_TIMESTAMP))

static void ct_parses_the_rfc8448_server_certificate(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_ct", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE);
    struct clasp_ct ct;
    assert_clasp_ok(clasp_ct_parse(&body, 0, &ct));
    assert_int_equal(ct.certificate_request_context.len, 0);
    assert_int_equal(ct.certificate_list_count, 1);
    const struct clasp_ct_entry *e = &ct.certificate_list[0];
    assert_int_equal(e->cert_data.len, 0x1b0);
    uint8_t b0, b1;
    assert_clasp_ok(clasp_span_at(e->cert_data, 0, &b0));
    assert_clasp_ok(clasp_span_at(e->cert_data, 1, &b1));
    assert_int_equal(b0, 0x30); /* DER SEQUENCE */
    assert_int_equal(b1, 0x82);
    assert_int_equal(e->extensions.len, 0);
    assert_int_equal(e->ext_present, 0);

    uint8_t out[512];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ct_write(&w, &ct));
    mt_assert_written(&w, msg, len);
    th_free(msg);
}

static void ct_round_trips_the_rfc8448_client_auth_certificates(void **state)
{
    (void)state;
    static const char *const names[] = {"rfc8448_auth_server_ct",
                                        "rfc8448_auth_client_ct"};
    static const size_t cert_len[] = {0x132, 0x1b6};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *msg = mt_load(names[i], &len);
        clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE);
        struct clasp_ct ct;
        assert_clasp_ok(clasp_ct_parse(&body, 0, &ct));
        assert_int_equal(ct.certificate_list_count, 1);
        assert_int_equal(ct.certificate_list[0].cert_data.len, cert_len[i]);
        uint8_t out[512];
        clasp_wr w = clasp_wr_init(out, sizeof(out));
        assert_clasp_ok(clasp_ct_write(&w, &ct));
        mt_assert_written(&w, msg, len);
        th_free(msg);
    }
}

static void ct_every_truncation_is_decode_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_ct", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CERTIFICATE);
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_ct ct;
        assert_clasp_err(clasp_ct_parse(&cut, 0, &ct), CLASP_ERR_DECODE);
    }
    th_free(msg);
}

struct bad_case {
    const char *what;
    const char *hex;
    int err;
};

static const struct bad_case cases[] = {
    {"empty list (the handshake judges)", "00 000000", CLASP_OK},
    {"one entry", "00 000006 000001 aa 0000", CLASP_OK},
    {"no list", "00", CLASP_ERR_DECODE},
    {"list length +1", "00 000007 000001 aa 0000", CLASP_ERR_DECODE},
    {"list length -1", "00 000005 000001 aa 0000", CLASP_ERR_DECODE},
    {"cert_data 0 (min-1)", "00 000005 000000 0000", CLASP_ERR_DECODE},
    {"cert_data longer than the list", "00 000006 000002 aa 0000",
     CLASP_ERR_DECODE},
    {"entry without extensions", "00 000004 000001 aa", CLASP_ERR_DECODE},
    {"trailing byte", "00 000006 000001 aa 0000 00", CLASP_ERR_DECODE},
    {"context longer than the message", "04 0000", CLASP_ERR_DECODE},
    {"status_request we asked for", "00 00000d 000001 aa 0007 0005 0003 010203",
     CLASP_OK},
    {"status_request we did not ask for",
     "00 00000b 000001 aa 0005 0005 0001 00", CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"unknown extension (§4.4.2: must answer the request)",
     "00 00000a 000001 aa 0004 fafa 0000", CLASP_ERR_UNSUPPORTED_EXTENSION},
    {"key_share is not a CT extension",
     "00 00000e 000001 aa 0008 0033 0004 001d 0000",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"duplicate extension in an entry",
     "00 000012 000001 aa 000c 0012 0000 0012 0000 0012 0000",
     CLASP_ERR_DECODE},
};

static void ct_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[256];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_ct ct;
        uint64_t sent = CH_SENT;
        if (strstr(cases[i].what, "did not ask") != NULL) {
            sent = SENT(SIGNED_CERTIFICATE_TIMESTAMP);
        }
        int rc = clasp_ct_parse(&b, sent, &ct);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void ct_entry_extensions_are_reported(void **state)
{
    (void)state;
    uint8_t buf[64];
    clasp_span b = mt_hex("00 000011 000001 aa 000b 0005 0003 010203 0012 0000",
                          buf, sizeof(buf));
    struct clasp_ct ct;
    assert_clasp_ok(clasp_ct_parse(&b, CH_SENT, &ct));
    assert_int_equal(ct.certificate_list[0].ext_present, CH_SENT);
    /* The handshake re-parses the entry block for values. */
    clasp_rd r = clasp_rd_of_span(ct.certificate_list[0].extensions);
    struct clasp_exts exts;
    assert_clasp_ok(clasp_ext_parse_block(&r, CLASP_EXT_IN_CT, CH_SENT, &exts));
    mt_assert_span_hex(exts.data[CLASP_EXT_ID_STATUS_REQUEST], "010203");
}

/* Builds a Certificate with n one-byte certificates. */
static size_t build_chain(uint8_t *p, size_t n, bool last_bad)
{
    size_t at = 0;
    p[at++] = 0;
    at += mt_put24(p + at, n * 6);
    for (size_t i = 0; i < n; i++) {
        at += mt_put24(p + at, 1);
        p[at++] = (uint8_t)i;
        at += mt_put16(p + at, (last_bad && i == n - 1) ? 1 : 0);
    }
    return at;
}

/* SECURITY-CHECKLIST row 52: cap the chain depth. */
static void ct_chain_depth_is_capped(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct clasp_ct ct;
    clasp_span b =
        clasp_span_of(buf, build_chain(buf, CLASP_CT_MAX_ENTRIES, false));
    assert_clasp_ok(clasp_ct_parse(&b, 0, &ct));
    assert_int_equal(ct.certificate_list_count, CLASP_CT_MAX_ENTRIES);
    uint8_t last;
    assert_clasp_ok(clasp_span_at(
        ct.certificate_list[CLASP_CT_MAX_ENTRIES - 1].cert_data, 0, &last));
    assert_int_equal(last, CLASP_CT_MAX_ENTRIES - 1);

    b = clasp_span_of(buf, build_chain(buf, CLASP_CT_MAX_ENTRIES + 1, false));
    assert_clasp_err(clasp_ct_parse(&b, 0, &ct), CLASP_ERR_BAD_CERTIFICATE);

    /* A malformed long chain is a decode error first. */
    b = clasp_span_of(buf, build_chain(buf, CLASP_CT_MAX_ENTRIES + 1, true));
    assert_clasp_err(clasp_ct_parse(&b, 0, &ct), CLASP_ERR_DECODE);
}

/* certificate_request_context<0..2^8-1> and certificate_list<0..2^24-1>
 * at their maxima (cert_data's own maximum cannot fit inside the list). */
static void ct_vector_maxima(void **state)
{
    (void)state;
    size_t n = 1 + 255 + 3 + 0xFFFFFF;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    size_t at = 0;
    buf[at++] = 255;
    at += 255;
    at += mt_put24(buf + at, 0xFFFFFF);
    at += mt_put24(buf + at, 0xFFFFFF - 5);
    at += 0xFFFFFF - 5;
    at += mt_put16(buf + at, 0);
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_ct ct;
    assert_clasp_ok(clasp_ct_parse(&b, 0, &ct));
    assert_int_equal(ct.certificate_request_context.len, 255);
    assert_int_equal(ct.certificate_list_count, 1);
    assert_int_equal(ct.certificate_list[0].cert_data.len, 0xFFFFFF - 5);
    free(buf);
}

/* An entry's extensions<0..2^16-1> at its maximum: one status_request
 * carrying 65531 bytes. */
static void ct_entry_extensions_maximum(void **state)
{
    (void)state;
    size_t n = 1 + 3 + 3 + 1 + 2 + 65535;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    size_t at = 0;
    buf[at++] = 0;
    at += mt_put24(buf + at, 3 + 1 + 2 + 65535);
    at += mt_vec(buf + at, 3, 1, 1, 0x30);
    at += mt_put16(buf + at, 65535);
    at += mt_put16(buf + at, CLASP_EXT_STATUS_REQUEST);
    at += mt_vec(buf + at, 2, 65531, 65531, 0x01);
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_ct ct;
    assert_clasp_ok(clasp_ct_parse(&b, CH_SENT, &ct));
    assert_int_equal(ct.certificate_list[0].extensions.len, 65535);
    assert_int_equal(ct.certificate_list[0].ext_present, SENT(STATUS_REQUEST));
    free(buf);
}

/* A 16 MiB list of 2.8 million tiny entries: framing is checked for all
 * of them, the extension rules only for the kept ones, and the answer is
 * the depth cap, without one registry pass per entry. */
static void ct_huge_list_of_tiny_entries(void **state)
{
    (void)state;
    size_t n = 1 + 3 + 0xFFFFFF;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = 0;
    buf[at++] = 0;
    at += mt_put24(buf + at, 0xFFFFFF);
    /* First entry: 6-byte certificate, one extension (6 bytes). */
    at += mt_vec(buf + at, 3, 6, 6, 0x30);
    size_t type_at = at + 2;
    at += th_hex_into("0004 fafa 0000", buf + at, 8);
    /* Then 6-byte entries to the end of the list. */
    while (at < n) {
        at += mt_vec(buf + at, 3, 1, 1, 0x30);
        at += mt_put16(buf + at, 0);
    }
    assert_int_equal(at, n);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_ct ct;
    /* The kept first entry answers nothing we asked. */
    assert_clasp_err(clasp_ct_parse(&b, 0, &ct),
                     CLASP_ERR_UNSUPPORTED_EXTENSION);
    /* Now an SCT we did ask for: the cap decides. */
    mt_put16(buf + type_at, CLASP_EXT_SIGNED_CERTIFICATE_TIMESTAMP);
    assert_clasp_err(
        clasp_ct_parse(&b, SENT(SIGNED_CERTIFICATE_TIMESTAMP), &ct),
        CLASP_ERR_BAD_CERTIFICATE);
    free(buf);
}

static void ct_write_refuses_bad_entries(void **state)
{
    (void)state;
    uint8_t out[64];
    struct clasp_ct ct = {0};
    ct.certificate_list_count = 1;
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    /* cert_data<1..2^24-1>: empty is not allowed. */
    assert_clasp_err(clasp_ct_write(&w, &ct), CLASP_ERR_INTERNAL);
    ct.certificate_list_count = CLASP_CT_MAX_ENTRIES + 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ct_write(&w, &ct), CLASP_ERR_INTERNAL);
    ct.certificate_list_count = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ct_write(&w, &ct));
    static const uint8_t empty[] = {0x0b, 0, 0, 4, 0, 0, 0, 0};
    mt_assert_written(&w, empty, sizeof(empty));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ct_parses_the_rfc8448_server_certificate),
        cmocka_unit_test(ct_round_trips_the_rfc8448_client_auth_certificates),
        cmocka_unit_test(ct_every_truncation_is_decode_error),
        cmocka_unit_test(ct_bad_case_table),
        cmocka_unit_test(ct_entry_extensions_are_reported),
        cmocka_unit_test(ct_chain_depth_is_capped),
        cmocka_unit_test(ct_vector_maxima),
        cmocka_unit_test(ct_huge_list_of_tiny_entries),
        cmocka_unit_test(ct_write_refuses_bad_entries),
        cmocka_unit_test(ct_entry_extensions_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
