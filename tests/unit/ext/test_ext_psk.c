/* pre_shared_key (RFC 8446 §4.2.11) and psk_key_exchange_modes
 * (§4.2.9). */
#include "testlib.h"

#include "../msg/msg_test.h"

#define BINDER32 \
    "20 0000000000000000000000000000000000000000000000000000000000000000"

static int parse_hex(uint8_t in_msg, const char *hex, struct clasp_ext_psk *out)
{
    static uint8_t buf[512];
    clasp_rd r = clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
    return clasp_ext_psk_parse(in_msg, &r, out);
}

static void psk_offered_table(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *hex;
        int err;
    } cases[] = {
        {"identities 7 (min), binders 33 (min)",
         "0007 0001 61 00000000 0021" BINDER32, CLASP_OK},
        {"identities 6 (min-1)", "0006 0000 00000000 0021" BINDER32,
         CLASP_ERR_DECODE},
        {"identity 0 (min-1)", "0007 0000 0000000000 0021" BINDER32,
         CLASP_ERR_DECODE},
        {"identity cut", "0007 0001 61 000000 0021" BINDER32, CLASP_ERR_DECODE},
        {"binders 32 (min-1)",
         "0007 0001 61 00000000 0020"
         "1f 00000000000000000000000000000000000000000000000000000000000000",
         CLASP_ERR_DECODE},
        {"binder 31 (min-1) in a 33-byte list",
         "0007 0001 61 00000000 0021"
         "1f 00000000000000000000000000000000000000000000000000000000000000"
         "00",
         CLASP_ERR_DECODE},
        {"binders length +1", "0007 0001 61 00000000 0022" BINDER32,
         CLASP_ERR_DECODE},
        {"trailing byte", "0007 0001 61 00000000 0021" BINDER32 "00",
         CLASP_ERR_DECODE},
        {"no binders", "0007 0001 61 00000000", CLASP_ERR_DECODE},
        /* §4.2.11: one binder per identity (checklist row 41). */
        {"two identities, one binder",
         "000e 0001 61 00000000 0001 62 00000000 0021" BINDER32,
         CLASP_ERR_DECODE},
        {"one identity, two binders",
         "0007 0001 61 00000000 0042" BINDER32 BINDER32, CLASP_ERR_DECODE},
        {"two and two",
         "000e 0001 61 00000001 0001 62 00000002 0042" BINDER32 BINDER32,
         CLASP_OK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct clasp_ext_psk psk;
        int rc = parse_hex(CLASP_EXT_IN_CH, cases[i].hex, &psk);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void psk_offered_values(void **state)
{
    (void)state;
    struct clasp_ext_psk psk;
    assert_clasp_ok(parse_hex(CLASP_EXT_IN_CH,
                              "000e 0001 61 00000001 0001 62 fffffffe"
                              "0042" BINDER32 BINDER32,
                              &psk));
    assert_int_equal(psk.identities_count, 2);
    assert_int_equal(psk.identities_kept, 2);
    mt_assert_span_hex(psk.identities[1].identity, "62");
    assert_int_equal(psk.identities[1].obfuscated_ticket_age, 0xfffffffe);
    assert_int_equal(psk.binders[0].len, 32);
    assert_int_equal(psk.binders_len, 66);
}

/* identities<7..2^16-1>: one 65529-byte identity; binders<33..2^16-1>
 * and PskBinderEntry<32..255> at their maxima (256 binders of which 255
 * are 255 bytes long, for 256 identities). */
static void psk_maxima(void **state)
{
    (void)state;
    uint8_t *buf = malloc(4 * 65536);
    assert_non_null(buf);
    struct clasp_ext_psk psk;

    size_t at = mt_put16(buf, 65535);
    at += mt_vec(buf + at, 2, 65529, 65529, 0x69);
    at += mt_put16(buf + at, 0);
    at += mt_put16(buf + at, 0);
    at += mt_put16(buf + at, 33);
    at += mt_vec(buf + at, 1, 32, 32, 0);
    clasp_rd r = clasp_rd_init(buf, at);
    assert_clasp_ok(clasp_ext_psk_parse(CLASP_EXT_IN_CH, &r, &psk));
    assert_int_equal(psk.identities[0].identity.len, 65529);

    at = mt_put16(buf, 256 * 7);
    for (size_t i = 0; i < 256; i++) {
        at += mt_vec(buf + at, 2, 1, 1, (uint8_t)i);
        at += mt_put16(buf + at, 0);
        at += mt_put16(buf + at, i);
    }
    at += mt_put16(buf + at, 65535);
    for (size_t i = 0; i < 255; i++) {
        at += mt_vec(buf + at, 1, 255, 255, 0xbb);
    }
    at += mt_vec(buf + at, 1, 254, 254, 0xbb);
    r = clasp_rd_init(buf, at);
    assert_clasp_ok(clasp_ext_psk_parse(CLASP_EXT_IN_CH, &r, &psk));
    assert_int_equal(psk.identities_count, 256);
    assert_int_equal(psk.identities_kept, CLASP_EXT_PSK_IDENTITIES_CAP);
    assert_int_equal(psk.binders[CLASP_EXT_PSK_IDENTITIES_CAP - 1].len, 255);
    assert_int_equal(psk.identities[7].obfuscated_ticket_age, 7);
    assert_int_equal(psk.binders_len, 65535);
    free(buf);
}

static void psk_selected_identity(void **state)
{
    (void)state;
    struct clasp_ext_psk psk;
    assert_clasp_ok(parse_hex(CLASP_EXT_IN_SH, "0003", &psk));
    assert_int_equal(psk.selected_identity, 3);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "00", &psk), CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_SH, "000300", &psk),
                     CLASP_ERR_DECODE);
    assert_clasp_err(parse_hex(CLASP_EXT_IN_EE, "0003", &psk),
                     CLASP_ERR_INTERNAL);
}

static void psk_write_round_trips_and_sizes(void **state)
{
    (void)state;
    static const uint8_t ticket[100] = {1}, b48[48] = {2}, b32[32] = {3};
    struct clasp_ext_psk psk = {0};
    psk.identities[0] =
        (struct clasp_psk_identity){clasp_span_of(ticket, 100), 1234};
    psk.identities[1] =
        (struct clasp_psk_identity){clasp_span_of(ticket, 5), 0};
    psk.binders[0] = clasp_span_of(b48, 48);
    psk.binders[1] = clasp_span_of(b32, 32);
    psk.identities_kept = 2;
    uint8_t out[512];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_psk_write(&w, CLASP_EXT_IN_CH, &psk));
    assert_clasp_ok(clasp_wr_finish(&w));
    size_t size;
    assert_clasp_ok(clasp_ext_psk_ch_size(&psk, &size));
    assert_int_equal(size, w.len);
    clasp_rd r = clasp_rd_init(out, w.len);
    struct clasp_ext_psk back;
    assert_clasp_ok(clasp_ext_psk_parse(CLASP_EXT_IN_CH, &r, &back));
    assert_int_equal(back.identities[0].obfuscated_ticket_age, 1234);
    assert_int_equal(back.binders[0].len, 48);
    assert_int_equal(back.binders_len, 1 + 48 + 1 + 32);

    /* The binders vector alone is the tail of the CH form. */
    uint8_t tail[128];
    clasp_wr tw = clasp_wr_init(tail, sizeof(tail));
    assert_clasp_ok(clasp_ext_psk_binders_write(&tw, &psk));
    assert_int_equal(tw.len, 2 + back.binders_len);
    assert_memory_equal(tail, out + w.len - tw.len, tw.len);

    psk.selected_identity = 1;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_psk_write(&w, CLASP_EXT_IN_SH, &psk));
    static const uint8_t sh[] = {0x00, 0x01};
    mt_assert_written(&w, sh, sizeof(sh));

    /* Bounds on the writer side. */
    psk.binders[1] = clasp_span_of(b32, 31);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_psk_write(&w, CLASP_EXT_IN_CH, &psk),
                     CLASP_ERR_INTERNAL);
    psk.identities_kept = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_psk_write(&w, CLASP_EXT_IN_CH, &psk),
                     CLASP_ERR_INTERNAL);
}

static int modes_hex(const char *hex, struct clasp_ext_psk_modes *out)
{
    static uint8_t buf[512];
    clasp_rd r = clasp_rd_of_span(mt_hex(hex, buf, sizeof(buf)));
    return clasp_ext_psk_modes_parse(CLASP_EXT_IN_CH, &r, out);
}

static void psk_modes_table(void **state)
{
    (void)state;
    struct clasp_ext_psk_modes m;
    assert_clasp_err(modes_hex("", &m), CLASP_ERR_DECODE);
    assert_clasp_err(modes_hex("00", &m), CLASP_ERR_DECODE); /* 0 (min-1) */
    assert_clasp_ok(modes_hex("01 01", &m));                 /* 1 (min) */
    assert_true(m.has_psk_dhe_ke);
    assert_false(m.has_psk_ke);
    assert_clasp_err(modes_hex("02 01", &m), CLASP_ERR_DECODE);
    assert_clasp_err(modes_hex("01 01 00", &m), CLASP_ERR_DECODE);
    /* RFC 8701 GREASE and unknown modes are kept, not judged. */
    assert_clasp_ok(modes_hex("03 0b 00 2a", &m));
    assert_true(m.has_psk_ke);
    assert_false(m.has_psk_dhe_ke);
    assert_int_equal(m.ke_modes_count, 3);

    /* ke_modes<1..255>: 255 (max), psk_dhe_ke last, past the kept ones. */
    uint8_t buf[256];
    buf[0] = 255;
    memset(buf + 1, 0x7f, 254);
    buf[255] = CLASP_PSK_DHE_KE;
    clasp_rd r = clasp_rd_init(buf, 256);
    assert_clasp_ok(clasp_ext_psk_modes_parse(CLASP_EXT_IN_CH, &r, &m));
    assert_int_equal(m.ke_modes_count, 255);
    assert_int_equal(m.ke_modes_kept, CLASP_EXT_PSK_MODES_CAP);
    assert_true(m.has_psk_dhe_ke);

    r = clasp_rd_init(buf, 256);
    assert_clasp_err(clasp_ext_psk_modes_parse(CLASP_EXT_IN_SH, &r, &m),
                     CLASP_ERR_INTERNAL);

    struct clasp_ext_psk_modes w_in = {{CLASP_PSK_DHE_KE}, 1, 0, false, false};
    uint8_t out[8];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_psk_modes_write(&w, CLASP_EXT_IN_CH, &w_in));
    static const uint8_t exp[] = {0x01, 0x01};
    mt_assert_written(&w, exp, sizeof(exp));
    w_in.ke_modes_kept = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_psk_modes_write(&w, CLASP_EXT_IN_CH, &w_in),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(psk_offered_table),
        cmocka_unit_test(psk_offered_values),
        cmocka_unit_test(psk_maxima),
        cmocka_unit_test(psk_selected_identity),
        cmocka_unit_test(psk_write_round_trips_and_sizes),
        cmocka_unit_test(psk_modes_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
