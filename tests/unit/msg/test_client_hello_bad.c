/* ClientHello (RFC 8446 §4.1.2) negative corpus: every field truncated,
 * every vector at min-1/min/max/max+1 where reachable, wrong element
 * sizes, trailing bytes, generic extension rules; each with its exact
 * error code. */
#include "testlib.h"

#include "msg_test.h"

/* legacy_version + random (32 zero bytes). */
#define HEAD                           \
    "0303"                             \
    "00000000000000000000000000000000" \
    "00000000000000000000000000000000"
/* supported_versions {0304} + post_handshake_auth: 11 bytes. */
#define EXTS "000b 002b 0003 02 0304 0031 0000"

struct bad_case {
    const char *what;
    const char *hex;
    int err;
};

static const struct bad_case cases[] = {
    {"valid baseline", HEAD "00 0002 1301 0100" EXTS, CLASP_OK},
    {"no random", "0303", CLASP_ERR_DECODE},
    {"random 31 bytes",
     "0303 00000000000000000000000000000000"
     "000000000000000000000000000000",
     CLASP_ERR_DECODE},
    {"no session id length", HEAD, CLASP_ERR_DECODE},
    {"session id 32 (max)",
     HEAD "20 00000000000000000000000000000000"
          "00000000000000000000000000000000"
          "0002 1301 0100" EXTS,
     CLASP_OK},
    {"session id 33 (max+1)",
     HEAD "21 00000000000000000000000000000000"
          "0000000000000000000000000000000000"
          "0002 1301 0100" EXTS,
     CLASP_ERR_DECODE},
    {"session id longer than the message", HEAD "05 0000", CLASP_ERR_DECODE},
    {"no cipher_suites", HEAD "00", CLASP_ERR_DECODE},
    {"cipher_suites length cut", HEAD "00 00", CLASP_ERR_DECODE},
    {"cipher_suites 0 (min-2)", HEAD "00 0000 0100" EXTS, CLASP_ERR_DECODE},
    {"cipher_suites 1 (min-1)", HEAD "00 0001 13 0100" EXTS, CLASP_ERR_DECODE},
    {"cipher_suites 2 (min)", HEAD "00 0002 1301 0100" EXTS, CLASP_OK},
    {"cipher_suites odd length", HEAD "00 0003 130113 0100" EXTS,
     CLASP_ERR_DECODE},
    {"cipher_suites longer than the message", HEAD "00 0004 1301",
     CLASP_ERR_DECODE},
    {"no compression", HEAD "00 0002 1301", CLASP_ERR_DECODE},
    {"compression 0 (min-1)", HEAD "00 0002 1301 00" EXTS, CLASP_ERR_DECODE},
    {"compression longer than the message", HEAD "00 0002 1301 02 00",
     CLASP_ERR_DECODE},
    {"one stray byte instead of extensions", HEAD "00 0002 1301 0100 00",
     CLASP_ERR_DECODE},
    {"extensions 7 (min-1)", HEAD "00 0002 1301 0100 0007 002b 0003 02 0304",
     CLASP_ERR_DECODE},
    {"extensions 8 (min)", HEAD "00 0002 1301 0100 0008 1234 0000 5678 0000",
     CLASP_OK},
    {"extensions length +1",
     HEAD "00 0002 1301 0100 000c 002b 0003 02 0304"
          "0031 0000",
     CLASP_ERR_DECODE},
    {"extensions length -1",
     HEAD "00 0002 1301 0100 000a 002b 0003 02 0304"
          "0031 0000",
     CLASP_ERR_DECODE},
    {"trailing byte", HEAD "00 0002 1301 0100" EXTS "00", CLASP_ERR_DECODE},
    {"extension data longer than the block",
     HEAD "00 0002 1301 0100 0008 1234 0005 0000 0000", CLASP_ERR_DECODE},
    {"partial extension header",
     HEAD "00 0002 1301 0100 000a 002b 0003 02 0304 003100", CLASP_ERR_DECODE},
    {"duplicate known extension",
     HEAD "00 0002 1301 0100 000e 002b 0003 02 0304 002b 0003 02 0304",
     CLASP_ERR_DECODE},
    {"duplicate unknown extension",
     HEAD "00 0002 1301 0100 0008 fafa 0000 fafa 0000", CLASP_ERR_DECODE},
    {"oid_filters is CR only (§4.2)",
     HEAD "00 0002 1301 0100 000b 002b 0003 02 0304 0030 0000",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"pre_shared_key not last (§4.2.11)",
     HEAD
     "00 0002 1301 0100 003b"
     "0029 0030 000b 0005 6964656e74 00000000"
     "0021 20 0000000000000000000000000000000000000000000000000000000000000000"
     "002b 0003 02 0304",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"unknown extension after pre_shared_key",
     HEAD
     "00 0002 1301 0100 003f"
     "002b 0003 02 0304"
     "0029 0030 000b 0005 6964656e74 00000000"
     "0021 20 0000000000000000000000000000000000000000000000000000000000000000"
     "fafa 0000",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"pre_shared_key last",
     HEAD
     "00 0002 1301 0100 003b"
     "002b 0003 02 0304"
     "0029 0030 000b 0005 6964656e74 00000000"
     "0021 20 0000000000000000000000000000000000000000000000000000000000000000",
     CLASP_OK},
    {"supported_versions odd list",
     HEAD "00 0002 1301 0100 000c 002b 0004 03 030403 0031 0000",
     CLASP_ERR_DECODE},
    {"record_size_limit 63 (RFC 8449)",
     HEAD "00 0002 1301 0100 000d 002b 0003 02 0304 001c 0002 003f",
     CLASP_ERR_ILLEGAL_PARAMETER},
    {"GREASE types and values are ignored",
     HEAD "00 0004 0a0a 1301 0100 0012 0a0a 0000 002b 0005 04 1a1a 0304"
          "1a1a 0001 00",
     CLASP_OK},
};

static void ch_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[512];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_ch ch;
        int rc = clasp_ch_parse(&b, &ch);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void ch_key_share_duplicate_group_is_illegal_parameter(void **state)
{
    (void)state;
    uint8_t buf[256];
    /* A well-formed list holding group 0x001d twice. */
    clasp_span b =
        mt_hex(HEAD "00 0002 1301 0100 0015"
                    "0033 0011 000f 001d 0001 aa 0017 0001 bb 001d 0001 cc",
               buf, sizeof(buf));
    struct clasp_ch ch;
    assert_clasp_err(clasp_ch_parse(&b, &ch), CLASP_ERR_ILLEGAL_PARAMETER);
}

static void ch_every_truncation_of_rfc8448_hello_fails(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_ch", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_CLIENT_HELLO);
    /* version 2 + random 32 + session id 1 + suites 8 + compression 2. */
    const size_t no_extensions = 2 + 32 + 1 + 8 + 2;
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_ch ch;
        int exp = (n == no_extensions) ? CLASP_OK : CLASP_ERR_DECODE;
        assert_clasp_err(clasp_ch_parse(&cut, &ch), exp);
    }
    th_free(msg);
}

/* Builds HEAD, an empty session id, cipher_suites of suites_len bytes,
 * compression of comp_len bytes and (if ext_len) one unknown extension
 * whose data fills an extensions block of ext_len bytes. */
static size_t build(uint8_t *p, size_t suites_len, size_t comp_len,
                    size_t ext_len)
{
    size_t n = th_hex_into(HEAD "00", p, 64);
    n += mt_put16(p + n, suites_len);
    for (size_t i = 0; i < suites_len; i++) {
        p[n++] = (i % 2 == 0) ? 0x13 : 0x01;
    }
    p[n++] = (uint8_t)comp_len;
    memset(p + n, 0, comp_len);
    n += comp_len;
    if (ext_len > 0) {
        n += mt_put16(p + n, ext_len);
        n += mt_put16(p + n, 0x7777);
        n += mt_put16(p + n, ext_len - 4);
        memset(p + n, 0, ext_len - 4);
        n += ext_len - 4;
    }
    return n;
}

static void ch_vector_maxima(void **state)
{
    (void)state;
    uint8_t *buf = malloc(200000);
    assert_non_null(buf);
    struct clasp_ch ch;

    /* cipher_suites<2..2^16-2>: 65534 accepted (the first CAP kept). */
    clasp_span b = clasp_span_of(buf, build(buf, 65534, 1, 8));
    assert_clasp_ok(clasp_ch_parse(&b, &ch));
    assert_int_equal(ch.cipher_suites.count, 32767);
    assert_int_equal(ch.cipher_suites.kept, CLASP_U16_LIST_CAP);
    assert_int_equal(ch.cipher_suites.raw.len, 65534);
    /* The whole list stays reachable. */
    uint16_t last;
    assert_clasp_ok(clasp_ext_u16_list_get(&ch.cipher_suites, 32766, &last));
    assert_int_equal(last, 0x1301);
    assert_clasp_err(clasp_ext_u16_list_get(&ch.cipher_suites, 32767, &last),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* 65535 is above the bound. */
    b = clasp_span_of(buf, build(buf, 65535, 1, 8));
    assert_clasp_err(clasp_ch_parse(&b, &ch), CLASP_ERR_DECODE);

    /* legacy_compression_methods<1..2^8-1>: 255 accepted, not null-only. */
    b = clasp_span_of(buf, build(buf, 2, 255, 8));
    assert_clasp_ok(clasp_ch_parse(&b, &ch));
    assert_int_equal(ch.legacy_compression_methods.len, 255);
    assert_false(ch.has_null_compression_only);

    /* extensions<8..2^16-1>: 65535 accepted. */
    b = clasp_span_of(buf, build(buf, 2, 1, 65535));
    assert_clasp_ok(clasp_ch_parse(&b, &ch));
    assert_int_equal(ch.extensions.len, 65535);
    assert_int_equal(ch.exts.unknown_count, 1);
    free(buf);
}

/* SECURITY-CHECKLIST row 36: conformance tools send 4,096 distinct empty
 * extensions (a ~16.5 KiB hello); accept them, find duplicates in O(n). */
static void ch_accepts_4096_distinct_unknown_extensions(void **state)
{
    (void)state;
    size_t cap = 20000;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    size_t n = th_hex_into(HEAD "00 0002 1301 0100", buf, 64);
    size_t ext_len_at = n;
    n += 2;
    size_t ext_start = n;
    n += th_hex_into("002b 0003 02 0304", buf + n, 16);
    size_t added = 0;
    for (uint32_t t = 0x1000; added < 4096 && t <= 0xffff; t++) {
        if (clasp_ext_row_by_iana((uint16_t)t) != NULL) {
            continue;
        }
        n += mt_put16(buf + n, t);
        n += mt_put16(buf + n, 0);
        added++;
    }
    mt_put16(buf + ext_len_at, n - ext_start);
    assert_true(n + 4 > 16384);
    clasp_span b = clasp_span_of(buf, n);
    struct clasp_ch ch;
    assert_clasp_ok(clasp_ch_parse(&b, &ch));
    assert_int_equal(ch.exts.unknown_count, 4096);
    assert_true(clasp_exts_has(&ch.exts, CLASP_EXT_ID_SUPPORTED_VERSIONS));

    /* One more, repeating the first unknown type: a duplicate. */
    n += mt_put16(buf + n, 0x1000);
    n += mt_put16(buf + n, 0);
    mt_put16(buf + ext_len_at, n - ext_start);
    b = clasp_span_of(buf, n);
    assert_clasp_err(clasp_ch_parse(&b, &ch), CLASP_ERR_DECODE);
    free(buf);
}

static void ch_write_refuses_out_of_bound_fields(void **state)
{
    (void)state;
    static const uint8_t zero[256] = {0};
    uint8_t out[1024];
    struct clasp_ch ch = {0};
    ch.legacy_version = 0x0303;
    ch.cipher_suites.v[0] = 0x1301;
    ch.cipher_suites.kept = 1;
    ch.legacy_compression_methods = clasp_span_of(zero, 1);

    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ch_write(&w, &ch));

    ch.legacy_session_id = clasp_span_of(zero, 33);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
    ch.legacy_session_id = clasp_span_of(zero, 0);

    ch.cipher_suites.kept = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
    ch.cipher_suites.kept = CLASP_U16_LIST_CAP + 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
    ch.cipher_suites.kept = 1;

    ch.legacy_compression_methods = clasp_span_of(zero, 0);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
    ch.legacy_compression_methods = clasp_span_of(zero, 1);

    /* An extension block under 8 bytes is not a TLS 1.3 block. */
    ch.has_extensions = true;
    clasp_exts_set(&ch.exts, CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
    /* An extension the ClientHello may not carry. */
    clasp_exts_set(&ch.exts, CLASP_EXT_ID_OID_FILTERS);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ch_write(&w, &ch), CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ch_bad_case_table),
        cmocka_unit_test(ch_key_share_duplicate_group_is_illegal_parameter),
        cmocka_unit_test(ch_every_truncation_of_rfc8448_hello_fails),
        cmocka_unit_test(ch_vector_maxima),
        cmocka_unit_test(ch_accepts_4096_distinct_unknown_extensions),
        cmocka_unit_test(ch_write_refuses_out_of_bound_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
