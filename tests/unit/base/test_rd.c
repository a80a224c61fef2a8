/* The reader (src/base/rd.h, DESIGN.md §3.4): every getter at input
 * lengths 0, 1, n-1, n and n+1; every vector bound at min-1, min, max and
 * max+1; a failing call leaves the reader and its outputs unchanged;
 * sub-readers end where their vector ends; span helpers are checked. */
#include "testlib.h"

#include <string.h>

#include "base/rd.h"

/* Input bytes with the high bit set, so that a sign-extension bug in the
 * big-endian assembly shows up in the value. */
static const uint8_t in9[9] = {0x81, 0x82, 0x83, 0x84, 0x85,
                               0x86, 0x87, 0x88, 0x89};

/* ---- fixed-width getters ------------------------------------------------ */

typedef int (*getter_fn)(clasp_rd *r, uint64_t *v);

static int get_u8(clasp_rd *r, uint64_t *v)
{
    uint8_t x = 0x5a;
    int rc = clasp_rd_u8(r, &x);
    *v = x;
    return rc;
}

static int get_u16(clasp_rd *r, uint64_t *v)
{
    uint16_t x = 0x5a5a;
    int rc = clasp_rd_u16(r, &x);
    *v = x;
    return rc;
}

static int get_u24(clasp_rd *r, uint64_t *v)
{
    uint32_t x = 0x5a5a5a5a;
    int rc = clasp_rd_u24(r, &x);
    *v = x;
    return rc;
}

static int get_u32(clasp_rd *r, uint64_t *v)
{
    uint32_t x = 0x5a5a5a5a;
    int rc = clasp_rd_u32(r, &x);
    *v = x;
    return rc;
}

static int get_u64(clasp_rd *r, uint64_t *v)
{
    uint64_t x = 0x5a5a5a5a5a5a5a5aULL;
    int rc = clasp_rd_u64(r, &x);
    *v = x;
    return rc;
}

struct getter {
    const char *name;
    size_t width;
    getter_fn fn;
    uint64_t expect;   /* big-endian value of the first width bytes */
    uint64_t sentinel; /* what the output holds if the getter leaves it */
};

static const struct getter getters[] = {
    {"u8", 1, get_u8, 0x81, 0x5a},
    {"u16", 2, get_u16, 0x8182, 0x5a5a},
    {"u24", 3, get_u24, 0x818283, 0x5a5a5a5a},
    {"u32", 4, get_u32, 0x81828384, 0x5a5a5a5a},
    {"u64", 8, get_u64, 0x8182838485868788ULL, 0x5a5a5a5a5a5a5a5aULL},
};

static void rd_each_getter_at_lengths_0_1_nm1_n_np1(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(getters) / sizeof(getters[0]); g++) {
        const struct getter *t = &getters[g];
        const size_t lens[] = {0, 1, t->width - 1, t->width, t->width + 1};
        for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
            size_t len = lens[k];
            clasp_rd r = clasp_rd_init(in9, len);
            uint64_t v = 0;
            int rc = t->fn(&r, &v);
            if (len < t->width) {
                if (rc != CLASP_ERR_DECODE || r.p != in9 ||
                    r.end != in9 + len || v != t->sentinel) {
                    fail_msg("%s on %zu bytes: rc %d, moved %td, v %llx",
                             t->name, len, rc, r.p - in9,
                             (unsigned long long)v);
                }
            } else {
                if (rc != CLASP_OK || v != t->expect ||
                    clasp_rd_left(&r) != len - t->width ||
                    r.p != in9 + t->width) {
                    fail_msg("%s on %zu bytes: rc %d, v %llx, left %zu",
                             t->name, len, rc, (unsigned long long)v,
                             clasp_rd_left(&r));
                }
            }
        }
    }
}

static void rd_getters_consume_in_sequence(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_init(in9, sizeof(in9));
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint8_t d[3];
    assert_clasp_ok(clasp_rd_u8(&r, &a));
    assert_clasp_ok(clasp_rd_u16(&r, &b));
    assert_clasp_ok(clasp_rd_u24(&r, &c));
    assert_clasp_ok(clasp_rd_copy(&r, d, 3));
    assert_int_equal(a, 0x81);
    assert_int_equal(b, 0x8283);
    assert_int_equal(c, 0x848586);
    assert_memory_equal(d, in9 + 6, 3);
    assert_clasp_ok(clasp_rd_done(&r));
    assert_clasp_err(clasp_rd_u8(&r, &a), CLASP_ERR_DECODE);
    assert_int_equal(a, 0x81);
}

/* ---- counted getters: span, copy, skip ---------------------------------- */

static void rd_span_copy_skip_at_lengths_0_1_nm1_n_np1(void **state)
{
    (void)state;
    const size_t n = 5;
    const size_t lens[] = {0, 1, n - 1, n, n + 1};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        size_t len = lens[k];
        int want = len < n ? CLASP_ERR_DECODE : CLASP_OK;
        const uint8_t *want_p = len < n ? in9 : in9 + n;

        clasp_rd r = clasp_rd_init(in9, len);
        clasp_span s = {NULL, 99};
        assert_clasp_err(clasp_rd_span(&r, n, &s), want);
        assert_ptr_equal(r.p, want_p);
        assert_ptr_equal(r.end, in9 + len);
        if (want == CLASP_OK) {
            assert_ptr_equal(s.p, in9);
            assert_int_equal(s.len, n);
        } else {
            assert_null(s.p);
            assert_int_equal(s.len, 99);
        }

        r = clasp_rd_init(in9, len);
        uint8_t dst[6];
        memset(dst, 0xee, sizeof(dst));
        assert_clasp_err(clasp_rd_copy(&r, dst, n), want);
        assert_ptr_equal(r.p, want_p);
        if (want == CLASP_OK) {
            assert_memory_equal(dst, in9, n);
        } else {
            assert_int_equal(dst[0], 0xee);
        }
        assert_int_equal(dst[5], 0xee); /* never writes past n */

        r = clasp_rd_init(in9, len);
        assert_clasp_err(clasp_rd_skip(&r, n), want);
        assert_ptr_equal(r.p, want_p);
    }
}

static void rd_counted_getters_accept_zero_on_empty_input(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_init(in9, 0);
    clasp_span s;
    uint8_t dst[1] = {0xee};
    assert_clasp_ok(clasp_rd_span(&r, 0, &s));
    assert_int_equal(s.len, 0);
    assert_clasp_ok(clasp_rd_copy(&r, dst, 0));
    assert_int_equal(dst[0], 0xee);
    assert_clasp_ok(clasp_rd_skip(&r, 0));
    assert_clasp_ok(clasp_rd_done(&r));
}

static void rd_huge_counts_fail_without_pointer_overflow(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_init(in9, sizeof(in9));
    clasp_span s = {NULL, 0};
    assert_clasp_err(clasp_rd_span(&r, SIZE_MAX, &s), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_rd_skip(&r, SIZE_MAX), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_rd_skip(&r, SIZE_MAX - 3), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_rd_copy(&r, NULL, SIZE_MAX), CLASP_ERR_DECODE);
    assert_ptr_equal(r.p, in9);
    assert_int_equal(clasp_rd_left(&r), sizeof(in9));
}

static void rd_rest_span_takes_everything(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_init(in9, sizeof(in9));
    clasp_span s;
    assert_clasp_ok(clasp_rd_skip(&r, 2));
    clasp_span peek = clasp_rd_rest(&r);
    assert_ptr_equal(peek.p, in9 + 2);
    assert_int_equal(peek.len, 7);
    assert_int_equal(clasp_rd_left(&r), 7); /* rest() does not consume */
    assert_clasp_ok(clasp_rd_rest_span(&r, &s));
    assert_ptr_equal(s.p, in9 + 2);
    assert_int_equal(s.len, 7);
    assert_int_equal(clasp_rd_left(&r), 0);
    assert_clasp_ok(clasp_rd_rest_span(&r, &s));
    assert_int_equal(s.len, 0);
}

static void rd_done_rejects_trailing_bytes(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_init(in9, 1);
    assert_clasp_err(clasp_rd_done(&r), CLASP_ERR_DECODE);
    uint8_t v;
    assert_clasp_ok(clasp_rd_u8(&r, &v));
    assert_clasp_ok(clasp_rd_done(&r));
    clasp_rd empty = clasp_rd_init(in9 + 9, 0);
    assert_clasp_ok(clasp_rd_done(&empty));
}

static void rd_of_span_covers_the_span(void **state)
{
    (void)state;
    clasp_rd r = clasp_rd_of_span(clasp_span_of(in9 + 1, 3));
    assert_ptr_equal(r.p, in9 + 1);
    assert_ptr_equal(r.end, in9 + 4);
    assert_int_equal(clasp_rd_left(&r), 3);
}

/* ---- vectors ------------------------------------------------------------ */

typedef int (*vec_fn)(clasp_rd *r, size_t min, size_t max, clasp_rd *sub);

struct vec_case {
    const char *name;
    size_t prefix; /* length bytes */
    vec_fn fn;
    size_t min, max;
};

static const struct vec_case vec_cases[] = {
    {"vec8", 1, clasp_rd_vec8, 2, 254},          /* supported_versions */
    {"vec8 0..255", 1, clasp_rd_vec8, 0, 255},   /* legacy_session_id-like */
    {"vec16", 2, clasp_rd_vec16, 2, 65534},      /* cipher_suites */
    {"vec16 1..300", 2, clasp_rd_vec16, 1, 300}, /* max within the prefix */
    {"vec24", 3, clasp_rd_vec24, 1, 70000},      /* beyond 2^16 */
    {"vec24 0..2^24-1", 3, clasp_rd_vec24, 0, 0xFFFFFF},
};

/* Room for a 3-byte prefix, a 70001-byte body and a trailing byte. */
static uint8_t vec_buf[3 + 70001 + 1];

/* Writes prefix+body of length n followed by one trailing byte 0x7e;
 * returns the number of bytes laid out. */
static size_t vec_layout(size_t prefix, size_t n)
{
    for (size_t i = 0; i < prefix; i++) {
        vec_buf[i] = (uint8_t)(n >> (8 * (prefix - 1 - i)));
    }
    for (size_t i = 0; i < n; i++) {
        vec_buf[prefix + i] = (uint8_t)(i * 7 + 1);
    }
    vec_buf[prefix + n] = 0x7e;
    return prefix + n + 1;
}

static void rd_vec_bounds_min_m1_min_max_max_p1(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(vec_cases) / sizeof(vec_cases[0]); c++) {
        const struct vec_case *t = &vec_cases[c];
        const size_t limit = ((size_t)1 << (8 * t->prefix)) - 1;
        /* min-1 below 0 and max+1 beyond what the prefix can say cannot
         * be encoded; the bounds that can are all tried. */
        size_t lens[4];
        int wants[4];
        size_t k = 0;
        if (t->min > 0) {
            lens[k] = t->min - 1;
            wants[k++] = CLASP_ERR_DECODE;
        }
        lens[k] = t->min;
        wants[k++] = CLASP_OK;
        lens[k] = t->max;
        wants[k++] = CLASP_OK;
        if (t->max < limit && t->max + 1 <= 70001) {
            lens[k] = t->max + 1;
            wants[k++] = CLASP_ERR_DECODE;
        }
        for (size_t i = 0; i < k; i++) {
            size_t n = lens[i];
            if (t->prefix + n + 1 > sizeof(vec_buf)) {
                /* only the 2^24-1 case: covered by the "beyond input"
                 * test below instead of a 16 MiB buffer */
                continue;
            }
            size_t total = vec_layout(t->prefix, n);
            clasp_rd r = clasp_rd_init(vec_buf, total);
            clasp_rd sub = {in9, in9};
            int rc = t->fn(&r, t->min, t->max, &sub);
            if (rc != wants[i]) {
                fail_msg("%s <%zu..%zu> length %zu: got %s, want %s", t->name,
                         t->min, t->max, n, clasp_error_name(rc),
                         clasp_error_name(wants[i]));
            }
            if (wants[i] == CLASP_OK) {
                assert_ptr_equal(sub.p, vec_buf + t->prefix);
                assert_int_equal(clasp_rd_left(&sub), n);
                assert_int_equal(clasp_rd_left(&r), 1); /* trailing byte */
                assert_int_equal(r.p[0], 0x7e);
            } else {
                assert_ptr_equal(r.p, vec_buf); /* unchanged */
                assert_ptr_equal(r.end, vec_buf + total);
                assert_ptr_equal(sub.p, in9); /* untouched */
                assert_ptr_equal(sub.end, in9);
            }
        }
    }
}

static void rd_vec_rejects_length_beyond_input(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(vec_cases) / sizeof(vec_cases[0]); c++) {
        const struct vec_case *t = &vec_cases[c];
        size_t n = t->min + 3 <= t->max ? t->min + 3 : t->max;
        size_t total = vec_layout(t->prefix, n);
        /* Drop the trailing byte and the last body byte. */
        clasp_rd r = clasp_rd_init(vec_buf, total - 2);
        clasp_rd sub = {in9, in9};
        assert_clasp_err(t->fn(&r, t->min, t->max, &sub), CLASP_ERR_DECODE);
        assert_ptr_equal(r.p, vec_buf);
        assert_ptr_equal(sub.p, in9);
    }
    /* The largest 3-byte length on a short input. */
    const uint8_t big[] = {0xff, 0xff, 0xff, 0x01};
    clasp_rd r = clasp_rd_init(big, sizeof(big));
    clasp_rd sub;
    assert_clasp_err(clasp_rd_vec24(&r, 0, 0xFFFFFF, &sub), CLASP_ERR_DECODE);
    assert_ptr_equal(r.p, big);
}

static void rd_vec_rejects_truncated_length_prefix(void **state)
{
    (void)state;
    const uint8_t b[] = {0x00, 0x00};
    clasp_rd sub;
    clasp_rd r = clasp_rd_init(b, 0);
    assert_clasp_err(clasp_rd_vec8(&r, 0, 255, &sub), CLASP_ERR_DECODE);
    r = clasp_rd_init(b, 1);
    assert_clasp_err(clasp_rd_vec16(&r, 0, 65535, &sub), CLASP_ERR_DECODE);
    assert_ptr_equal(r.p, b);
    r = clasp_rd_init(b, 2);
    assert_clasp_err(clasp_rd_vec24(&r, 0, 0xFFFFFF, &sub), CLASP_ERR_DECODE);
    assert_ptr_equal(r.p, b);
}

static void rd_vec_empty_body_with_zero_min(void **state)
{
    (void)state;
    const uint8_t b[] = {0x00, 0x00, 0x00};
    clasp_rd r = clasp_rd_init(b, sizeof(b));
    clasp_rd sub;
    assert_clasp_ok(clasp_rd_vec8(&r, 0, 0, &sub));
    assert_int_equal(clasp_rd_left(&sub), 0);
    assert_clasp_ok(clasp_rd_done(&sub));
    assert_clasp_ok(clasp_rd_vec16(&r, 0, 10, &sub));
    assert_clasp_ok(clasp_rd_done(&sub));
    assert_clasp_ok(clasp_rd_done(&r));
    /* An empty vector where min is 1. */
    r = clasp_rd_init(b, 1);
    assert_clasp_err(clasp_rd_vec8(&r, 1, 255, &sub), CLASP_ERR_DECODE);
}

/* ---- sub-readers -------------------------------------------------------- */

/* RFC 8446 §4.2.1: struct { ProtocolVersion versions<2..254>; } as the
 * client sends it, followed by bytes that belong to the next field. */
static void rd_sub_reader_stops_at_vector_end(void **state)
{
    (void)state;
    const uint8_t b[] = {0x04, 0x03, 0x04, 0x03, 0x03, 0xaa, 0xbb, 0xcc};
    clasp_rd r = clasp_rd_init(b, sizeof(b));
    clasp_rd versions;
    assert_clasp_ok(clasp_rd_vec8(&r, 2, 254, &versions));
    assert_int_equal(clasp_rd_left(&versions), 4);
    assert_clasp_err(clasp_rd_done(&versions), CLASP_ERR_DECODE);

    uint16_t v;
    assert_clasp_ok(clasp_rd_u16(&versions, &v));
    assert_int_equal(v, 0x0304);
    /* Three bytes remain in r but only two in the sub-reader. */
    uint32_t v24;
    assert_clasp_err(clasp_rd_u24(&versions, &v24), CLASP_ERR_DECODE);
    assert_clasp_ok(clasp_rd_u16(&versions, &v));
    assert_int_equal(v, 0x0303);
    assert_clasp_ok(clasp_rd_done(&versions));
    uint8_t v8;
    assert_clasp_err(clasp_rd_u8(&versions, &v8), CLASP_ERR_DECODE);

    /* The parent continues right after the vector. */
    assert_clasp_ok(clasp_rd_u24(&r, &v24));
    assert_int_equal(v24, 0xaabbcc);
    assert_clasp_ok(clasp_rd_done(&r));
}

static void rd_nested_vectors(void **state)
{
    (void)state;
    /* vec16 { vec8 {01 02} vec8 {03} } then 0xff */
    const uint8_t b[] = {0x00, 0x05, 0x02, 0x01, 0x02, 0x01, 0x03, 0xff};
    clasp_rd r = clasp_rd_init(b, sizeof(b));
    clasp_rd outer, in1, in2;
    assert_clasp_ok(clasp_rd_vec16(&r, 1, 100, &outer));
    assert_clasp_ok(clasp_rd_vec8(&outer, 1, 10, &in1));
    assert_clasp_ok(clasp_rd_vec8(&outer, 1, 10, &in2));
    assert_clasp_ok(clasp_rd_done(&outer));
    assert_int_equal(clasp_rd_left(&in1), 2);
    assert_int_equal(clasp_rd_left(&in2), 1);
    /* An inner vector may not claim bytes past its parent's end. */
    const uint8_t bad[] = {0x00, 0x02, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05};
    r = clasp_rd_init(bad, sizeof(bad));
    assert_clasp_ok(clasp_rd_vec16(&r, 1, 100, &outer));
    assert_clasp_err(clasp_rd_vec8(&outer, 0, 255, &in1), CLASP_ERR_DECODE);
    assert_ptr_equal(outer.p, bad + 2);
}

/* ---- span helpers ------------------------------------------------------- */

static void span_at_checks_the_index(void **state)
{
    (void)state;
    clasp_span s = clasp_span_of(in9, 3);
    uint8_t v = 0;
    assert_clasp_ok(clasp_span_at(s, 0, &v));
    assert_int_equal(v, 0x81);
    assert_clasp_ok(clasp_span_at(s, 2, &v));
    assert_int_equal(v, 0x83);
    v = 0x11;
    assert_clasp_err(clasp_span_at(s, 3, &v), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_span_at(s, SIZE_MAX, &v), CLASP_ERR_DECODE);
    assert_int_equal(v, 0x11);
    assert_clasp_err(clasp_span_at(clasp_span_of(NULL, 0), 0, &v),
                     CLASP_ERR_DECODE);
}

static void span_sub_checks_offset_and_length(void **state)
{
    (void)state;
    clasp_span s = clasp_span_of(in9, 5);
    clasp_span out = {NULL, 77};
    assert_clasp_ok(clasp_span_sub(s, 1, 4, &out));
    assert_ptr_equal(out.p, in9 + 1);
    assert_int_equal(out.len, 4);
    assert_clasp_ok(clasp_span_sub(s, 5, 0, &out));
    assert_int_equal(out.len, 0);
    assert_clasp_ok(clasp_span_sub(s, 0, 5, &out));
    assert_int_equal(out.len, 5);

    out = (clasp_span){NULL, 77};
    assert_clasp_err(clasp_span_sub(s, 1, 5, &out), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_span_sub(s, 6, 0, &out), CLASP_ERR_DECODE);
    /* off + n wraps around: must not pass. */
    assert_clasp_err(clasp_span_sub(s, 2, SIZE_MAX, &out), CLASP_ERR_DECODE);
    assert_clasp_err(clasp_span_sub(s, SIZE_MAX, 2, &out), CLASP_ERR_DECODE);
    assert_null(out.p);
    assert_int_equal(out.len, 77);
}

static void span_copy_checks_capacity(void **state)
{
    (void)state;
    uint8_t dst[5];
    memset(dst, 0xee, sizeof(dst));
    assert_clasp_err(clasp_span_copy(clasp_span_of(in9, 5), dst, 4),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dst[0], 0xee);
    assert_clasp_ok(clasp_span_copy(clasp_span_of(in9, 5), dst, 5));
    assert_memory_equal(dst, in9, 5);
    assert_clasp_ok(clasp_span_copy(clasp_span_of(NULL, 0), NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rd_each_getter_at_lengths_0_1_nm1_n_np1),
        cmocka_unit_test(rd_getters_consume_in_sequence),
        cmocka_unit_test(rd_span_copy_skip_at_lengths_0_1_nm1_n_np1),
        cmocka_unit_test(rd_counted_getters_accept_zero_on_empty_input),
        cmocka_unit_test(rd_huge_counts_fail_without_pointer_overflow),
        cmocka_unit_test(rd_rest_span_takes_everything),
        cmocka_unit_test(rd_done_rejects_trailing_bytes),
        cmocka_unit_test(rd_of_span_covers_the_span),
        cmocka_unit_test(rd_vec_bounds_min_m1_min_max_max_p1),
        cmocka_unit_test(rd_vec_rejects_length_beyond_input),
        cmocka_unit_test(rd_vec_rejects_truncated_length_prefix),
        cmocka_unit_test(rd_vec_empty_body_with_zero_min),
        cmocka_unit_test(rd_sub_reader_stops_at_vector_end),
        cmocka_unit_test(rd_nested_vectors),
        cmocka_unit_test(span_at_checks_the_index),
        cmocka_unit_test(span_sub_checks_offset_and_length),
        cmocka_unit_test(span_copy_checks_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
