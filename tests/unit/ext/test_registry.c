/* The extension registry (RFC 8446 §4.2): the table matches the RFC, and
 * the generic rules (duplicates, allowed messages, unsolicited answers,
 * pre_shared_key last, unknown types) hold for every row and message. */
#include "testlib.h"

#include "../msg/msg_test.h"

#define CH CLASP_EXT_IN_CH
#define SH CLASP_EXT_IN_SH
#define HRR CLASP_EXT_IN_HRR
#define EE CLASP_EXT_IN_EE
#define CR CLASP_EXT_IN_CR
#define CT CLASP_EXT_IN_CT
#define NST CLASP_EXT_IN_NST
#define ALL_MSGS (CH | SH | HRR | EE | CR | CT | NST)
#define ALL_SENT (~(uint64_t)0)

static const uint8_t msgs[] = {CH, SH, HRR, EE, CR, CT, NST};

/* RFC 8446 §4.2, the table, copied by hand (plus record_size_limit, RFC
 * 8449, and the TLS 1.2 extensions a ClientHello may carry). */
static const struct {
    uint16_t iana;
    uint8_t allowed;
    bool built; /* false: compiled out (an unknown type) */
} rfc_table[] = {
    {0, CH | EE, true},            /* server_name */
    {1, CH | EE, true},            /* max_fragment_length */
    {5, CH | CR | CT, true},       /* status_request */
    {10, CH | EE, true},           /* supported_groups */
    {13, CH | CR, true},           /* signature_algorithms */
    {14, CH | EE, true},           /* use_srtp */
    {15, CH | EE, true},           /* heartbeat */
    {16, CH | EE, true},           /* application_layer_protocol_negotiation */
    {18, CH | CR | CT, true},      /* signed_certificate_timestamp */
    {19, CH | EE, true},           /* client_certificate_type */
    {20, CH | EE, true},           /* server_certificate_type */
    {21, CH, true},                /* padding */
    {22, CH, true},                /* encrypt_then_mac (TLS 1.2) */
    {23, CH, true},                /* extended_master_secret (TLS 1.2) */
    {28, CH | EE, true},           /* record_size_limit (RFC 8449) */
    {35, CH, true},                /* session_ticket (TLS 1.2) */
    {41, CH | SH, MT_PSK},         /* pre_shared_key */
    {42, CH | EE | NST, MT_EARLY}, /* early_data */
    {43, CH | SH | HRR, true},     /* supported_versions */
    {44, CH | HRR, true},          /* cookie */
    {45, CH, MT_PSK},              /* psk_key_exchange_modes */
    {47, CH | CR, true},           /* certificate_authorities */
    {48, CR, true},                /* oid_filters */
    {49, CH, true},                /* post_handshake_auth */
    {50, CH | CR, true},           /* signature_algorithms_cert */
    {51, CH | SH | HRR, true},     /* key_share */
    {0xff01, CH, true},            /* renegotiation_info (TLS 1.2) */
};

static void registry_table_matches_rfc8446(void **state)
{
    (void)state;
    size_t n = sizeof(rfc_table) / sizeof(rfc_table[0]);
    assert_int_equal(n, CLASP_EXT_ID__COUNT);
    for (size_t i = 0; i < n; i++) {
        const struct clasp_ext_row *row =
            clasp_ext_row_by_iana(rfc_table[i].iana);
        if (!rfc_table[i].built) {
            assert_null(row);
            assert_null(clasp_ext_row_by_id((unsigned)i));
            continue;
        }
        assert_non_null(row);
        assert_int_equal(row->iana, rfc_table[i].iana);
        assert_int_equal(row->allowed_in, rfc_table[i].allowed);
        assert_int_equal(row->id, i);
        assert_ptr_equal(clasp_ext_row_by_id((unsigned)i), row);
        assert_non_null(row->name);
    }
    assert_null(clasp_ext_row_by_id(CLASP_EXT_ID__COUNT));
    assert_null(clasp_ext_row_by_iana(11));     /* ec_point_formats */
    assert_null(clasp_ext_row_by_iana(0x0a0a)); /* GREASE */
    assert_null(clasp_ext_row_by_iana(0xfe0d));
}

/* A block holding one extension of the given type and data. */
static clasp_rd one_ext(uint8_t *buf, uint16_t type, const char *data_hex)
{
    uint8_t data[256];
    size_t n = th_hex_into(data_hex, data, sizeof(data));
    mt_put16(buf, type);
    mt_put16(buf + 2, n);
    memcpy(buf + 4, data, n);
    return clasp_rd_init(buf, 4 + n);
}

/* Every known type in every message: not allowed -> illegal_parameter;
 * allowed -> whatever its codec says of empty data, never a rule error. */
static void registry_wrong_message_is_illegal_parameter(void **state)
{
    (void)state;
    for (size_t i = 0; i < CLASP_EXT_ID__COUNT; i++) {
        const struct clasp_ext_row *row = clasp_ext_row_by_id((unsigned)i);
        if (row == NULL) {
            continue; /* compiled out: covered as an unknown type */
        }
        for (size_t m = 0; m < sizeof(msgs); m++) {
            uint8_t buf[8];
            clasp_rd r = one_ext(buf, row->iana, "");
            struct clasp_exts e;
            int rc = clasp_ext_parse_block(&r, msgs[m], ALL_SENT, &e);
            if ((row->allowed_in & msgs[m]) == 0) {
                assert_clasp_err(rc, CLASP_ERR_ILLEGAL_PARAMETER);
            } else {
                assert_true(rc == CLASP_OK || rc == CLASP_ERR_DECODE);
            }
        }
    }
}

/* §4.2: in SH, HRR, EE and CT every extension must answer one we sent. */
static void registry_unsolicited_answers_are_unsupported(void **state)
{
    (void)state;
    static const uint8_t answers[] = {SH, HRR, EE, CT};
    for (size_t i = 0; i < CLASP_EXT_ID__COUNT; i++) {
        const struct clasp_ext_row *row = clasp_ext_row_by_id((unsigned)i);
        if (row == NULL) {
            continue;
        }
        for (size_t m = 0; m < sizeof(answers); m++) {
            if ((row->allowed_in & answers[m]) == 0) {
                continue;
            }
            uint8_t buf[8];
            clasp_rd r = one_ext(buf, row->iana, "");
            struct clasp_exts e;
            int rc = clasp_ext_parse_block(&r, answers[m],
                                           ~CLASP_EXT_BIT(row->id), &e);
            if (answers[m] == HRR && row->id == CLASP_EXT_ID_COOKIE) {
                /* Allowed unasked; empty is below cookie<1..2^16-1>. */
                assert_clasp_err(rc, CLASP_ERR_DECODE);
            } else {
                assert_clasp_err(rc, CLASP_ERR_UNSUPPORTED_EXTENSION);
            }
        }
    }
}

static void registry_hrr_cookie_needs_no_request(void **state)
{
    (void)state;
    uint8_t buf[16];
    clasp_rd r = one_ext(buf, CLASP_EXT_COOKIE, "0002 abcd");
    struct clasp_exts e;
    assert_clasp_ok(clasp_ext_parse_block(&r, HRR, 0, &e));
    mt_assert_span_hex(e.cookie.cookie, "abcd");
    /* The same cookie in a ServerHello is illegal. */
    r = one_ext(buf, CLASP_EXT_COOKIE, "0002 abcd");
    assert_clasp_err(clasp_ext_parse_block(&r, SH, ALL_SENT, &e),
                     CLASP_ERR_ILLEGAL_PARAMETER);
}

/* RFC 8701 GREASE types (0x?a?a) are unknown types like any other. */
static void registry_unknown_and_grease_types(void **state)
{
    (void)state;
    for (unsigned g = 0; g < 16; g++) {
        uint16_t type = (uint16_t)(0x0a0a | (g << 12) | (g << 4));
        for (size_t m = 0; m < sizeof(msgs); m++) {
            uint8_t buf[16];
            clasp_rd r = one_ext(buf, type, "00 01 02");
            struct clasp_exts e;
            int rc = clasp_ext_parse_block(&r, msgs[m], ALL_SENT, &e);
            if ((msgs[m] & (CH | CR | NST)) != 0) {
                assert_clasp_ok(rc);
                assert_int_equal(e.unknown_count, 1);
                assert_int_equal(e.present, 0);
            } else {
                assert_clasp_err(rc, CLASP_ERR_UNSUPPORTED_EXTENSION);
            }
        }
    }
}

static int parse_hex_block(const char *hex, uint8_t in_msg, uint64_t sent,
                           struct clasp_exts *e)
{
    static uint8_t buf[512];
    clasp_rd r = clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
    return clasp_ext_parse_block(&r, in_msg, sent, e);
}

static void registry_duplicates_are_decode_error(void **state)
{
    (void)state;
    struct clasp_exts e;
    for (size_t m = 0; m < sizeof(msgs); m++) {
        /* Unknown types too (§4.2: "more than one extension of the same
         * type"); in answers the unknown one fails first as unsolicited. */
        int exp = (msgs[m] & (CH | CR | NST)) != 0
                      ? CLASP_ERR_DECODE
                      : CLASP_ERR_UNSUPPORTED_EXTENSION;
        assert_clasp_err(
            parse_hex_block("7777 0000 7777 0000", msgs[m], ALL_SENT, &e), exp);
    }
    assert_clasp_err(parse_hex_block("0031 0000 0031 0000", CH, 0, &e),
                     CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex_block("0012 0000 0012 0000", CT, ALL_SENT, &e),
                     CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex_block("002b 0002 0304 0033 0002 0017"
                                     "002b 0002 0304",
                                     HRR, ALL_SENT, &e),
                     CLASP_ERR_DECODE);
    /* Not adjacent, not first: still found. */
    assert_clasp_err(parse_hex_block("1111 0000 0031 0000 2222 0000"
                                     "0031 0000",
                                     CH, 0, &e),
                     CLASP_ERR_DECODE);
}

#define PSK_EXT                                       \
    "0029 0030 000b 0005 6964656e74 00000000 0021 20" \
    "0000000000000000000000000000000000000000000000000000000000000000"

static void registry_pre_shared_key_must_be_last_in_ch(void **state)
{
    (void)state;
    struct clasp_exts e;
    assert_clasp_ok(parse_hex_block("0031 0000" PSK_EXT, CH, 0, &e));
    if (MT_PSK) {
        assert_int_equal(e.order[1], CLASP_EXT_ID_PRE_SHARED_KEY);
    } else {
        assert_int_equal(e.unknown_count, 1);
    }
    /* Enforced by type, even when PSK support is compiled out. */
    assert_clasp_err(parse_hex_block(PSK_EXT "0031 0000", CH, 0, &e),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    assert_clasp_err(parse_hex_block(PSK_EXT "7777 0000", CH, 0, &e),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    assert_clasp_err(parse_hex_block(PSK_EXT PSK_EXT, CH, 0, &e),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    /* §4.2: "can appear anywhere in the ServerHello extensions block". */
    assert_clasp_err(
        parse_hex_block("0029 0002 0000 002b 0002 0304", SH, ALL_SENT, &e),
        MT_PSK ? CLASP_OK : CLASP_ERR_UNSUPPORTED_EXTENSION);
}

static void registry_framing_errors_are_decode_error(void **state)
{
    (void)state;
    struct clasp_exts e;
    static const char *const bad[] = {
        "00", "0000", "000000", "0000 0001", "0031 0000 00", "7777 ffff 00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_clasp_err(parse_hex_block(bad[i], CH, 0, &e), CLASP_ERR_DECODE);
    }
    assert_clasp_ok(parse_hex_block("", CH, 0, &e));
    assert_int_equal(e.present, 0);
}

static void registry_rejects_a_bad_message_argument(void **state)
{
    (void)state;
    struct clasp_exts e;
    static const uint8_t bad[] = {0, CH | SH, 0x80, 0xff};
    for (size_t i = 0; i < sizeof(bad); i++) {
        assert_clasp_err(parse_hex_block("", bad[i], 0, &e),
                         CLASP_ERR_INTERNAL);
    }
}

static void registry_keeps_raw_data_and_wire_order(void **state)
{
    (void)state;
    struct clasp_exts e;
    assert_clasp_ok(parse_hex_block("ff01 0001 00 0017 0000 0005 0003 010000"
                                    "7777 0001 aa",
                                    CH, 0, &e));
    assert_int_equal(e.order_len, 3);
    assert_int_equal(e.order[0], CLASP_EXT_ID_RENEGOTIATION_INFO);
    assert_int_equal(e.order[1], CLASP_EXT_ID_EXTENDED_MASTER_SECRET);
    assert_int_equal(e.order[2], CLASP_EXT_ID_STATUS_REQUEST);
    mt_assert_span_hex(e.data[CLASP_EXT_ID_STATUS_REQUEST], "010000");
    assert_int_equal(e.unknown_count, 1);
    assert_clasp_ok(clasp_exts_require(
        &e, CLASP_EXT_BIT(CLASP_EXT_ID_STATUS_REQUEST) |
                CLASP_EXT_BIT(CLASP_EXT_ID_RENEGOTIATION_INFO)));
    assert_clasp_err(
        clasp_exts_require(&e, CLASP_EXT_BIT(CLASP_EXT_ID_STATUS_REQUEST) |
                                   CLASP_EXT_BIT(CLASP_EXT_ID_KEY_SHARE)),
        CLASP_ERR_MISSING_EXTENSION);
}

static void registry_next_and_find(void **state)
{
    (void)state;
    uint8_t buf[64];
    clasp_span block =
        mt_hex("7777 0001 aa 002b 0002 0304 002b 0000", buf, sizeof(buf));
    clasp_span data;
    assert_int_equal(clasp_ext_block_find(block, 0x002b, &data), 1);
    mt_assert_span_hex(data, "0304"); /* the first one */
    assert_int_equal(clasp_ext_block_find(block, 0x0033, &data), 0);
    clasp_span bad = mt_hex("002b 0002 0304 0033 00", buf, sizeof(buf));
    assert_clasp_err(clasp_ext_block_find(bad, 0x002b, &data),
                     CLASP_ERR_DECODE);

    clasp_rd r = clasp_rd_of_span(mt_hex("7777 0001 aa 12", buf, sizeof(buf)));
    uint16_t type;
    clasp_rd d;
    assert_int_equal(clasp_ext_next(&r, &type, &d), 1);
    assert_int_equal(type, 0x7777);
    assert_int_equal(clasp_rd_left(&d), 1);
    assert_clasp_err(clasp_ext_next(&r, &type, &d), CLASP_ERR_DECODE);
    assert_int_equal(clasp_rd_left(&r), 1); /* unchanged */
    clasp_rd empty = clasp_rd_init(buf, 0);
    assert_int_equal(clasp_ext_next(&empty, &type, &d), 0);
}

static void registry_u16_helpers(void **state)
{
    (void)state;
    uint8_t buf[16];
    clasp_rd r = clasp_rd_of_span(mt_hex("0a0a 1301 1302", buf, sizeof(buf)));
    struct clasp_u16_list l;
    assert_clasp_ok(clasp_ext_u16_list_parse(&r, &l));
    assert_int_equal(l.count, 3);
    assert_int_equal(clasp_ext_u16_list_has(&l, 0x1302), 1);
    assert_int_equal(clasp_ext_u16_list_has(&l, 0x1303), 0);
    uint16_t v;
    assert_clasp_ok(clasp_ext_u16_list_get(&l, 0, &v));
    assert_int_equal(v, 0x0a0a);
    assert_clasp_err(clasp_ext_u16_list_get(&l, 3, &v),
                     CLASP_ERR_BAD_INPUT_DATA);
    r = clasp_rd_of_span(mt_hex("0a0a 13", buf, sizeof(buf)));
    assert_clasp_err(clasp_ext_u16_list_parse(&r, &l), CLASP_ERR_DECODE);

    /* Built, not parsed: only v[0..kept). */
    struct clasp_u16_list built = {{0x0017, 0x001d}, 2, 0, {NULL, 0}};
    assert_int_equal(clasp_ext_u16_list_has(&built, 0x001d), 1);
    assert_int_equal(clasp_ext_u16_list_has(&built, 0x0018), 0);
    assert_clasp_ok(clasp_ext_u16_list_get(&built, 1, &v));
    assert_int_equal(v, 0x001d);
    assert_clasp_err(clasp_ext_u16_list_get(&built, 2, &v),
                     CLASP_ERR_BAD_INPUT_DATA);

    static struct clasp_ext_u16_set set;
    assert_int_equal(clasp_ext_u16_set_add(&set, 0), 0);
    assert_int_equal(clasp_ext_u16_set_add(&set, 0xffff), 0);
    assert_int_equal(clasp_ext_u16_set_add(&set, 0), 1);
    assert_int_equal(clasp_ext_u16_set_add(&set, 0xffff), 1);
    assert_int_equal(clasp_ext_u16_set_add(&set, 64), 0);

    static const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 4};
    assert_int_equal(
        clasp_ext_span_eq(clasp_span_of(a, 3), clasp_span_of(a, 3)), 1);
    assert_int_equal(
        clasp_ext_span_eq(clasp_span_of(a, 3), clasp_span_of(b, 3)), 0);
    assert_int_equal(
        clasp_ext_span_eq(clasp_span_of(a, 2), clasp_span_of(b, 2)), 1);
    assert_int_equal(
        clasp_ext_span_eq(clasp_span_of(a, 3), clasp_span_of(a, 2)), 0);
}

static int write_block(uint8_t in_msg, const struct clasp_exts *e, uint8_t *out,
                       size_t cap, size_t *len)
{
    clasp_wr w = clasp_wr_init(out, cap);
    int rc = clasp_ext_write_block(&w, in_msg, e, 0);
    *len = w.len;
    return rc;
}

static void registry_write_block_order_and_checks(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t len;
    static const uint8_t reneg[] = {0x00};
    struct clasp_exts e = {0};
    clasp_exts_set(&e, CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    clasp_exts_set(&e, CLASP_EXT_ID_RENEGOTIATION_INFO);
    e.data[CLASP_EXT_ID_RENEGOTIATION_INFO] = clasp_span_of(reneg, 1);
    clasp_exts_set(&e, CLASP_EXT_ID_RECORD_SIZE_LIMIT);
    e.record_size_limit = 0x4001;

    /* Registry order. */
    assert_clasp_ok(write_block(CH, &e, out, sizeof(out), &len));
    uint8_t exp[64];
    size_t n =
        th_hex_into("001c 0002 4001 0031 0000 ff01 0001 00", exp, sizeof(exp));
    assert_int_equal(len, n);
    assert_memory_equal(out, exp, n);

    /* Given order first, the rest in registry order. */
    e.order[0] = CLASP_EXT_ID_RENEGOTIATION_INFO;
    e.order_len = 1;
    assert_clasp_ok(write_block(CH, &e, out, sizeof(out), &len));
    n = th_hex_into("ff01 0001 00 001c 0002 4001 0031 0000", exp, sizeof(exp));
    assert_int_equal(len, n);
    assert_memory_equal(out, exp, n);

    /* An order naming an absent or repeated extension is a bug. */
    e.order[1] = CLASP_EXT_ID_KEY_SHARE;
    e.order_len = 2;
    assert_clasp_err(write_block(CH, &e, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
    e.order[1] = CLASP_EXT_ID_RENEGOTIATION_INFO;
    assert_clasp_err(write_block(CH, &e, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
    e.order[1] = CLASP_EXT_ID__COUNT;
    assert_clasp_err(write_block(CH, &e, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
    e.order_len = 0;

    /* Not allowed in the message; bits past the table; bad message. */
    assert_clasp_err(write_block(EE, &e, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
    struct clasp_exts bad = {0};
    bad.present = CLASP_EXT_BIT(CLASP_EXT_ID__COUNT);
    assert_clasp_err(write_block(CH, &bad, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(write_block(CH | EE, &e, out, sizeof(out), &len),
                     CLASP_ERR_INTERNAL);
}

static void registry_write_puts_psk_last_and_padding_before_it(void **state)
{
    (void)state;
    static const uint8_t ident[] = {'i', 'd'};
    static const uint8_t binder[32] = {0};
    struct clasp_exts e = {0};
    clasp_exts_set(&e, CLASP_EXT_ID_PRE_SHARED_KEY);
    e.psk.identities[0] =
        (struct clasp_psk_identity){clasp_span_of(ident, 2), 7};
    e.psk.binders[0] = clasp_span_of(binder, 32);
    e.psk.identities_kept = 1;
    clasp_exts_set(&e, CLASP_EXT_ID_PADDING);
    e.padding.data_len = 3;
    clasp_exts_set(&e, CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    /* Even when the order says otherwise. */
    e.order[0] = CLASP_EXT_ID_PRE_SHARED_KEY;
    e.order[1] = CLASP_EXT_ID_PADDING;
    e.order[2] = CLASP_EXT_ID_POST_HANDSHAKE_AUTH;
    e.order_len = 3;
    uint8_t out[256];
    size_t len;
    if (!MT_PSK) {
        /* No row: we never write what we cannot parse. */
        assert_clasp_err(write_block(CH, &e, out, sizeof(out), &len),
                         CLASP_ERR_INTERNAL);
        return;
    }
    assert_clasp_ok(write_block(CH, &e, out, sizeof(out), &len));
    clasp_rd r = clasp_rd_init(out, len);
    struct clasp_exts back;
    assert_clasp_ok(clasp_ext_parse_block(&r, CH, 0, &back));
    assert_int_equal(back.order_len, 3);
    assert_int_equal(back.order[0], CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    assert_int_equal(back.order[1], CLASP_EXT_ID_PADDING);
    assert_int_equal(back.order[2], CLASP_EXT_ID_PRE_SHARED_KEY);
    assert_int_equal(back.padding.data_len, 3);
    assert_int_equal(back.psk.identities[0].obfuscated_ticket_age, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_table_matches_rfc8446),
        cmocka_unit_test(registry_wrong_message_is_illegal_parameter),
        cmocka_unit_test(registry_unsolicited_answers_are_unsupported),
        cmocka_unit_test(registry_hrr_cookie_needs_no_request),
        cmocka_unit_test(registry_unknown_and_grease_types),
        cmocka_unit_test(registry_duplicates_are_decode_error),
        cmocka_unit_test(registry_pre_shared_key_must_be_last_in_ch),
        cmocka_unit_test(registry_framing_errors_are_decode_error),
        cmocka_unit_test(registry_rejects_a_bad_message_argument),
        cmocka_unit_test(registry_keeps_raw_data_and_wire_order),
        cmocka_unit_test(registry_next_and_find),
        cmocka_unit_test(registry_u16_helpers),
        cmocka_unit_test(registry_write_block_order_and_checks),
        cmocka_unit_test(registry_write_puts_psk_last_and_padding_before_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
