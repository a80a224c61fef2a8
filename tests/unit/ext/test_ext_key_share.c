/* key_share (RFC 8446 §4.2.8): CH list, SH entry, HRR group. */
#include "testlib.h"

#include "../msg/msg_test.h"

static int parse_hex(uint8_t in_msg, const char *hex,
                     struct clasp_ext_key_share *out)
{
    static uint8_t buf[512];
    clasp_rd r = clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
    return clasp_ext_key_share_parse(in_msg, &r, out);
}

static void ks_client_shares_table(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int err;
    } cases[] = {
        {"0000", CLASP_OK},                         /* empty: asks for HRR */
        {"", CLASP_ERR_DECODE},                     /* no list */
        {"0005 001d 0001 aa", CLASP_OK},            /* key_exchange 1 (min) */
        {"0004 001d 0000", CLASP_ERR_DECODE},       /* key_exchange 0 */
        {"0006 001d 0001 aa", CLASP_ERR_DECODE},    /* list +1 */
        {"0004 001d 0001 aa", CLASP_ERR_DECODE},    /* list -1 */
        {"0005 001d 0002 aa", CLASP_ERR_DECODE},    /* key_exchange +1 */
        {"0005 001d 0001 aa 00", CLASP_ERR_DECODE}, /* trailing byte */
        {"0003 001d 00", CLASP_ERR_DECODE},         /* cut entry */
        {"000a 001d 0001 aa 0017 0001 bb", CLASP_OK},
        /* §4.2.8: two shares for one group. */
        {"000a 001d 0001 aa 001d 0001 bb", CLASP_ERR_ILLEGAL_PARAMETER},
        /* RFC 8701: a GREASE share is a share for an unknown group. */
        {"000a 2a2a 0001 00 001d 0001 aa", CLASP_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clasp_ext_key_share ks;
        assert_clasp_err(parse_hex(CLASP_EXT_IN_CH, cases[i].hex, &ks),
                         cases[i].err);
    }
}

static void ks_client_shares_maximum(void **state)
{
    (void)state;
    /* client_shares<0..2^16-1>: one entry with a 65531-byte key. */
    size_t n = 2 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 65535);
    at += mt_put16(buf + at, 0x11ec);
    at += mt_vec(buf + at, 2, 65531, 65531, 0x42);
    assert_int_equal(at, n);
    clasp_rd r = clasp_rd_init(buf, n);
    struct clasp_ext_key_share ks;
    assert_clasp_ok(clasp_ext_key_share_parse(CLASP_EXT_IN_CH, &r, &ks));
    assert_int_equal(ks.client_shares[0].key_exchange.len, 65531);
    free(buf);
}

/* ~13,000 one-byte shares with distinct groups: all validated, 8 kept,
 * the rest reachable; one repeated group at the very end is caught. */
static void ks_many_shares_are_checked_in_linear_time(void **state)
{
    (void)state;
    size_t count = 65535 / 5;
    uint8_t *buf = malloc(2 + count * 5 + 5);
    assert_non_null(buf);
    size_t at = mt_put16(buf, count * 5);
    for (size_t i = 0; i < count; i++) {
        at += mt_put16(buf + at, i + 1);
        at += mt_vec(buf + at, 2, 1, 1, (uint8_t)i);
    }
    clasp_rd r = clasp_rd_init(buf, at);
    struct clasp_ext_key_share ks;
    assert_clasp_ok(clasp_ext_key_share_parse(CLASP_EXT_IN_CH, &r, &ks));
    assert_int_equal(ks.client_shares_count, count);
    assert_int_equal(ks.client_shares_kept, CLASP_EXT_KEY_SHARES_CAP);
    struct clasp_key_share_entry e;
    assert_int_equal(clasp_ext_key_share_find(&ks, (uint16_t)count, &e), 1);
    assert_int_equal(e.group, count);
    assert_int_equal(e.key_exchange.len, 1);
    assert_int_equal(clasp_ext_key_share_find(&ks, 0, &e), 0);

    /* Replace the last group with the first one. */
    mt_put16(buf + 2 + (count - 1) * 5, 1);
    r = clasp_rd_init(buf, at);
    assert_clasp_err(clasp_ext_key_share_parse(CLASP_EXT_IN_CH, &r, &ks),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    free(buf);
}

static void ks_server_forms(void **state)
{
    (void)state;
    struct clasp_ext_key_share ks;
    assert_clasp_ok(parse_hex(CLASP_EXT_IN_SH, "001d 0002 abcd", &ks));
    assert_int_equal(ks.server_share.group, CLASP_GROUP_X25519);
    mt_assert_span_hex(ks.server_share.key_exchange, "abcd");
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "001d 0000", &ks),
                     CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "001d 0002 abcd 00", &ks),
                     CLASP_ERR_DECODE);
    /* The CH list form is not a server_share. */
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "0006 001d 0002 abcd", &ks),
                     CLASP_ERR_DECODE);
    assert_clasp_ok(parse_hex(CLASP_EXT_IN_HRR, "0017", &ks));
    assert_int_equal(ks.selected_group, CLASP_GROUP_SECP256R1);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_HRR, "00", &ks), CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_HRR, "001700", &ks),
                     CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_EE, "0017", &ks),
                     CLASP_ERR_INTERNAL);

    /* key_exchange<1..2^16-1> at its maximum in the SH form. */
    size_t n = 4 + 65535;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    size_t at = mt_put16(buf, 0x0100);
    at += mt_vec(buf + at, 2, 65535, 65535, 0x33);
    clasp_rd r = clasp_rd_init(buf, at);
    assert_clasp_ok(clasp_ext_key_share_parse(CLASP_EXT_IN_SH, &r, &ks));
    assert_int_equal(ks.server_share.key_exchange.len, 65535);
    free(buf);
}

static void ks_write_round_trips(void **state)
{
    (void)state;
    static const uint8_t k1[32] = {1}, k2[65] = {4};
    struct clasp_ext_key_share ks = {0};
    ks.client_shares[0] = (struct clasp_key_share_entry){
        CLASP_GROUP_X25519, clasp_span_of(k1, sizeof(k1))};
    ks.client_shares[1] = (struct clasp_key_share_entry){
        CLASP_GROUP_SECP256R1, clasp_span_of(k2, sizeof(k2))};
    ks.client_shares_kept = 2;
    uint8_t out[256];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_key_share_write(&w, CLASP_EXT_IN_CH, &ks));
    assert_clasp_ok(clasp_wr_finish(&w));
    assert_int_equal(w.len, 2 + 4 + 32 + 4 + 65);
    clasp_rd r = clasp_rd_init(out, w.len);
    struct clasp_ext_key_share back;
    assert_clasp_ok(clasp_ext_key_share_parse(CLASP_EXT_IN_CH, &r, &back));
    assert_int_equal(back.client_shares_count, 2);
    assert_int_equal(back.client_shares[1].group, CLASP_GROUP_SECP256R1);
    /* Built lists are searched too. */
    struct clasp_key_share_entry e;
    assert_int_equal(clasp_ext_key_share_find(&ks, CLASP_GROUP_SECP256R1, &e),
                     1);
    assert_int_equal(e.key_exchange.len, 65);
    assert_int_equal(clasp_ext_key_share_find(&ks, CLASP_GROUP_X448, &e), 0);

    ks.server_share = ks.client_shares[0];
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_key_share_write(&w, CLASP_EXT_IN_SH, &ks));
    assert_int_equal(w.len, 4 + 32);
    ks.selected_group = CLASP_GROUP_X448;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_key_share_write(&w, CLASP_EXT_IN_HRR, &ks));
    static const uint8_t hrr[] = {0x00, 0x1e};
    mt_assert_written(&w, hrr, sizeof(hrr));

    /* An empty key_exchange is never written. */
    ks.client_shares[1].key_exchange = clasp_span_of(NULL, 0);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_key_share_write(&w, CLASP_EXT_IN_CH, &ks),
                     CLASP_ERR_INTERNAL);
    ks.client_shares_kept = CLASP_EXT_KEY_SHARES_CAP + 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_key_share_write(&w, CLASP_EXT_IN_CH, &ks),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ks_client_shares_table),
        cmocka_unit_test(ks_client_shares_maximum),
        cmocka_unit_test(ks_many_shares_are_checked_in_linear_time),
        cmocka_unit_test(ks_server_forms),
        cmocka_unit_test(ks_write_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
