/* NewSessionTicket (RFC 8446 §4.6.1). */
#include "testlib.h"

#include "msg_test.h"

static void nst_parses_the_rfc8448_ticket(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_nst", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_NEW_SESSION_TICKET);
    struct clasp_nst nst;
    assert_clasp_ok(clasp_nst_parse(&body, &nst));
    assert_int_equal(nst.ticket_lifetime, 30);
    assert_int_equal(nst.ticket_age_add, 0x933d0932);
    mt_assert_span_hex(nst.ticket_nonce, "00 00");
    assert_int_equal(nst.ticket.len, 0xb2);
    if (!MT_EARLY) {
        /* §4.6.1: an unknown extension, ignored. */
        assert_int_equal(nst.exts.unknown_count, 1);
        th_free(msg);
        return;
    }
    assert_true(clasp_exts_has(&nst.exts, CLASP_EXT_ID_EARLY_DATA));
    assert_int_equal(nst.exts.early_data.max_early_data_size, 0x400);

    /* RFC 8448 §4 offers this ticket as the PSK identity. */
    size_t chlen;
    uint8_t *ch = mt_load("rfc8448_0rtt_ch", &chlen);
    clasp_span chbody = mt_body(ch, chlen, CLASP_HS_CLIENT_HELLO);
    struct clasp_ch hello;
    assert_clasp_ok(clasp_ch_parse(&chbody, &hello));
    if (MT_PSK) {
        assert_true(clasp_ext_span_eq(hello.exts.psk.identities[0].identity,
                                      nst.ticket));
    }

    uint8_t out[256];
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_nst_write(&w, &nst));
    mt_assert_written(&w, msg, len);
    th_free(ch);
    th_free(msg);
}

struct bad_case {
    const char *what;
    const char *hex;
    int err;
};

#define TIMES "0000001e 00000001"
/* Without early data support the extension is unknown and ignored. */
#define ED_ERR(e) (MT_EARLY ? (e) : CLASP_OK)

static const struct bad_case cases[] = {
    {"minimal", TIMES "00 0001 aa 0000", CLASP_OK},
    {"no ticket_age_add", "0000001e 000000", CLASP_ERR_DECODE},
    {"nonce longer than the message", TIMES "05 0000", CLASP_ERR_DECODE},
    {"ticket 0 (min-1)", TIMES "00 0000 0000", CLASP_ERR_DECODE},
    {"ticket length +1", TIMES "00 0002 aa 0000", CLASP_ERR_DECODE},
    {"no extensions", TIMES "00 0001 aa", CLASP_ERR_DECODE},
    {"trailing byte", TIMES "00 0001 aa 0000 00", CLASP_ERR_DECODE},
    {"unknown extension ignored (§4.6.1)", TIMES "00 0001 aa 0004 fafa 0000",
     CLASP_OK},
    {"early_data with 3 bytes", TIMES "00 0001 aa 0007 002a 0003 000000",
     ED_ERR(CLASP_ERR_DECODE)},
    {"early_data with 5 bytes", TIMES "00 0001 aa 0009 002a 0005 0000000000",
     ED_ERR(CLASP_ERR_DECODE)},
    {"empty early_data", TIMES "00 0001 aa 0004 002a 0000",
     ED_ERR(CLASP_ERR_DECODE)},
    {"key_share is not an NST extension",
     TIMES "00 0001 aa 0006 0033 0002 001d", CLASP_ERR_ILLEGAL_PARAMETER},
    {"duplicate early_data",
     TIMES "00 0001 aa 0010 002a 0004 00000400 002a 0004 00000400",
     CLASP_ERR_DECODE},
};

static void nst_bad_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[256];
        clasp_span b = mt_hex(cases[i].hex, buf, sizeof(buf));
        struct clasp_nst nst;
        int rc = clasp_nst_parse(&b, &nst);
        if (rc != cases[i].err) {
            print_error("case \"%s\"\n", cases[i].what);
        }
        assert_clasp_err(rc, cases[i].err);
    }
}

static void nst_every_truncation_is_decode_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = mt_load("rfc8448_1rtt_nst", &len);
    clasp_span body = mt_body(msg, len, CLASP_HS_NEW_SESSION_TICKET);
    for (size_t n = 0; n < body.len; n++) {
        clasp_span cut = clasp_span_of(body.p, n);
        struct clasp_nst nst;
        assert_clasp_err(clasp_nst_parse(&cut, &nst), CLASP_ERR_DECODE);
    }
    th_free(msg);
}

/* ticket_nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2>. */
static void nst_vector_maxima(void **state)
{
    (void)state;
    size_t cap = 8 + 1 + 255 + 2 + 65535 + 2 + 65535;
    uint8_t *buf = calloc(1, cap);
    assert_non_null(buf);
    struct clasp_nst nst;

    size_t at = 8;
    buf[at++] = 255;
    at += 255;
    at += mt_put16(buf + at, 65535);
    at += 65535;
    size_t ext_at = at;
    /* extensions 65534 (max): one unknown extension of 65530 bytes. */
    at += mt_put16(buf + at, 65534);
    at += mt_put16(buf + at, 0x7777);
    at += mt_put16(buf + at, 65530);
    at += 65530;
    clasp_span b = clasp_span_of(buf, at);
    assert_clasp_ok(clasp_nst_parse(&b, &nst));
    assert_int_equal(nst.ticket_nonce.len, 255);
    assert_int_equal(nst.ticket.len, 65535);
    assert_int_equal(nst.extensions.len, 65534);

    /* Round trip at the maxima. */
    uint8_t *out = malloc(cap + 4);
    assert_non_null(out);
    clasp_wr w = clasp_wr_init(out, cap + 4);
    nst.exts.unknown_count = 0;
    /* The unknown extension is not re-emitted: compare the fields. */
    assert_clasp_ok(clasp_nst_write(&w, &nst));
    clasp_span back_body = mt_body(out, w.len, CLASP_HS_NEW_SESSION_TICKET);
    struct clasp_nst back;
    assert_clasp_ok(clasp_nst_parse(&back_body, &back));
    assert_int_equal(back.ticket.len, 65535);
    assert_int_equal(back.extensions.len, 0);

    /* extensions 65535 (max+1): one unknown extension of 65531 bytes. */
    at = ext_at;
    at += mt_put16(buf + at, 65535);
    at += mt_put16(buf + at, 0x7777);
    at += mt_put16(buf + at, 65531);
    at += 65531;
    b = clasp_span_of(buf, at);
    assert_clasp_err(clasp_nst_parse(&b, &nst), CLASP_ERR_DECODE);
    free(out);
    free(buf);
}

static void nst_write_refuses_an_empty_ticket(void **state)
{
    (void)state;
    uint8_t out[64];
    struct clasp_nst nst = {0};
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_nst_write(&w, &nst), CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nst_parses_the_rfc8448_ticket),
        cmocka_unit_test(nst_bad_case_table),
        cmocka_unit_test(nst_every_truncation_is_decode_error),
        cmocka_unit_test(nst_vector_maxima),
        cmocka_unit_test(nst_write_refuses_an_empty_ticket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
