/* The uint16-list extensions: supported_versions (RFC 8446 §4.2.1),
 * supported_groups (§4.2.7), signature_algorithms and _cert (§4.2.3). */
#include "testlib.h"

#include "../msg/msg_test.h"

typedef int (*list_parse_fn)(uint8_t in_msg, clasp_rd *data,
                             struct clasp_u16_list *out);

/* Vector of len_field (prefix of nbytes) and body_len bytes 0x01. */
static int parse_vec(list_parse_fn fn, uint8_t in_msg, int nbytes,
                     size_t len_field, size_t body_len,
                     struct clasp_u16_list *out)
{
    static uint8_t buf[3 + 70000];
    size_t n = mt_vec(buf, nbytes, len_field, body_len, 0x01);
    clasp_rd r = clasp_rd_init(buf, n);
    return fn(in_msg, &r, out);
}

static int versions_parse(uint8_t in_msg, clasp_rd *data,
                          struct clasp_u16_list *out)
{
    static struct clasp_ext_supported_versions sv;
    int rc = clasp_ext_supported_versions_parse(in_msg, data, &sv);
    *out = sv.versions;
    return rc;
}

/* min-1 / min / max / max+1 and odd lengths for every list. */
static void lists_bounds(void **state)
{
    (void)state;
    static const struct {
        list_parse_fn fn;
        uint8_t in_msg;
        int nbytes;
        size_t min, max;
        size_t odd_ok_max; /* the largest even length within bounds */
    } lists[] = {
        {versions_parse, CLASP_EXT_IN_CH, 1, 2, 254, 254},
        {clasp_ext_supported_groups_parse, CLASP_EXT_IN_CH, 2, 2, 65535, 65534},
        {clasp_ext_supported_groups_parse, CLASP_EXT_IN_EE, 2, 2, 65535, 65534},
        {clasp_ext_sig_alg_parse, CLASP_EXT_IN_CH, 2, 2, 65534, 65534},
        {clasp_ext_sig_alg_parse, CLASP_EXT_IN_CR, 2, 2, 65534, 65534},
        {clasp_ext_sig_alg_cert_parse, CLASP_EXT_IN_CH, 2, 2, 65534, 65534},
        {clasp_ext_sig_alg_cert_parse, CLASP_EXT_IN_CR, 2, 2, 65534, 65534},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        struct clasp_u16_list l;
        size_t min = lists[i].min, max = lists[i].max;
        list_parse_fn fn = lists[i].fn;
        uint8_t m = lists[i].in_msg;
        int nb = lists[i].nbytes;
        assert_clasp_err(parse_vec(fn, m, nb, 0, 0, &l), CLASP_ERR_DECODE);
        assert_clasp_err(parse_vec(fn, m, nb, min - 1, min - 1, &l),
                         CLASP_ERR_DECODE);
        assert_clasp_ok(parse_vec(fn, m, nb, min, min, &l));
        assert_int_equal(l.count, 1);
        assert_int_equal(l.v[0], 0x0101);
        assert_clasp_err(parse_vec(fn, m, nb, 3, 3, &l), CLASP_ERR_DECODE);
        assert_clasp_ok(
            parse_vec(fn, m, nb, lists[i].odd_ok_max, lists[i].odd_ok_max, &l));
        assert_int_equal(l.count, lists[i].odd_ok_max / 2);
        assert_int_equal(l.kept, CLASP_U16_LIST_CAP);
        /* max is odd for groups (accepted by the bound, an odd length). */
        int max_rc = (max % 2 == 0) ? CLASP_OK : CLASP_ERR_DECODE;
        assert_clasp_err(parse_vec(fn, m, nb, max, max, &l), max_rc);
        if (nb == 1 || max < 65535) {
            assert_clasp_err(parse_vec(fn, m, nb, max + 1, max + 1, &l),
                             CLASP_ERR_DECODE);
        }
        /* Length beyond the data; a trailing byte after the list. */
        assert_clasp_err(parse_vec(fn, m, nb, 4, 2, &l), CLASP_ERR_DECODE);
        assert_clasp_err(parse_vec(fn, m, nb, 2, 3, &l), CLASP_ERR_DECODE);
    }
}

static void versions_server_forms(void **state)
{
    (void)state;
    uint8_t buf[8];
    struct clasp_ext_supported_versions sv;
    static const uint8_t forms[] = {CLASP_EXT_IN_SH, CLASP_EXT_IN_HRR};
    for (size_t i = 0; i < 2; i++) {
        clasp_rd r = clasp_rd_of_span(mt_hex("0304", buf, sizeof(buf)));
        assert_clasp_ok(clasp_ext_supported_versions_parse(forms[i], &r, &sv));
        assert_int_equal(sv.selected_version, 0x0304);
        r = clasp_rd_of_span(mt_hex("03", buf, sizeof(buf)));
        assert_clasp_err(clasp_ext_supported_versions_parse(forms[i], &r, &sv),
                         CLASP_ERR_DECODE);
        r = clasp_rd_of_span(mt_hex("030400", buf, sizeof(buf)));
        assert_clasp_err(clasp_ext_supported_versions_parse(forms[i], &r, &sv),
                         CLASP_ERR_DECODE);
        /* A list is the CH form, not the server's. */
        r = clasp_rd_of_span(mt_hex("02 0304", buf, sizeof(buf)));
        assert_clasp_err(clasp_ext_supported_versions_parse(forms[i], &r, &sv),
                         CLASP_ERR_DECODE);
    }
    clasp_rd r = clasp_rd_of_span(mt_hex("0304", buf, sizeof(buf)));
    assert_clasp_err(
        clasp_ext_supported_versions_parse(CLASP_EXT_IN_EE, &r, &sv),
        CLASP_ERR_INTERNAL);
}

/* RFC 8701: GREASE versions are unknown values; the TLS 1.3 offer is
 * found anywhere in the list, even past the kept entries. */
static void versions_grease_and_long_lists(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = 0;
    buf[n++] = 254;
    for (size_t i = 0; i < 126; i++) {
        n += mt_put16(buf + n, 0x0a0a + (i % 16) * 0x1010);
    }
    n += mt_put16(buf + n, 0x0304);
    clasp_rd r = clasp_rd_init(buf, n);
    struct clasp_ext_supported_versions sv;
    assert_clasp_ok(
        clasp_ext_supported_versions_parse(CLASP_EXT_IN_CH, &r, &sv));
    assert_int_equal(sv.versions.count, 127);
    assert_int_equal(sv.versions.kept, CLASP_U16_LIST_CAP);
    assert_int_equal(clasp_ext_u16_list_has(&sv.versions, 0x0304), 1);
    assert_int_equal(clasp_ext_u16_list_has(&sv.versions, 0x0303), 0);
}

static void lists_write_round_trip(void **state)
{
    (void)state;
    uint8_t out[256];
    struct clasp_ext_supported_versions sv = {0};
    sv.versions.v[0] = 0x0304;
    sv.versions.v[1] = 0x0303;
    sv.versions.kept = 2;
    sv.selected_version = 0x0304;
    clasp_wr w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(
        clasp_ext_supported_versions_write(&w, CLASP_EXT_IN_CH, &sv));
    static const uint8_t ch[] = {0x04, 0x03, 0x04, 0x03, 0x03};
    mt_assert_written(&w, ch, sizeof(ch));
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(
        clasp_ext_supported_versions_write(&w, CLASP_EXT_IN_HRR, &sv));
    static const uint8_t hrr[] = {0x03, 0x04};
    mt_assert_written(&w, hrr, sizeof(hrr));
    sv.versions.kept = 0;
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(
        clasp_ext_supported_versions_write(&w, CLASP_EXT_IN_CH, &sv),
        CLASP_ERR_INTERNAL);

    struct clasp_u16_list l = {{0x0403, 0x0804}, 2, 0, {NULL, 0}};
    static const uint8_t lexp[] = {0x00, 0x04, 0x04, 0x03, 0x08, 0x04};
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_sig_alg_write(&w, CLASP_EXT_IN_CR, &l));
    mt_assert_written(&w, lexp, sizeof(lexp));
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_sig_alg_cert_write(&w, CLASP_EXT_IN_CH, &l));
    mt_assert_written(&w, lexp, sizeof(lexp));
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_ok(clasp_ext_supported_groups_write(&w, CLASP_EXT_IN_EE, &l));
    mt_assert_written(&w, lexp, sizeof(lexp));
    clasp_rd r = clasp_rd_init(out, w.len);
    struct clasp_u16_list back;
    assert_clasp_ok(
        clasp_ext_supported_groups_parse(CLASP_EXT_IN_EE, &r, &back));
    assert_int_equal(back.count, 2);
    assert_int_equal(back.v[1], 0x0804);

    struct clasp_u16_list none = {{0}, 0, 0, {NULL, 0}};
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_sig_alg_write(&w, CLASP_EXT_IN_CH, &none),
                     CLASP_ERR_INTERNAL);
    w = clasp_wr_init(out, sizeof(out));
    assert_clasp_err(clasp_ext_sig_alg_write(&w, CLASP_EXT_IN_EE, &l),
                     CLASP_ERR_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_bounds),
        cmocka_unit_test(versions_server_forms),
        cmocka_unit_test(versions_grease_and_long_lists),
        cmocka_unit_test(lists_write_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
