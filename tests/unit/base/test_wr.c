/* The writer (src/base/wr.h, DESIGN.md §3.4) and the big-endian helpers
 * (src/base/be.h): exact bytes, capacity limits, the sticky error,
 * back-patched 1/2/3-byte length prefixes with their bounds, finish with an
 * open vector, reserve. */
#include "testlib.h"

#include <string.h>

#include "base/be.h"
#include "base/wr.h"

/* ---- integers ----------------------------------------------------------- */

static void wr_puts_big_endian_integers(void **state)
{
    (void)state;
    uint8_t buf[32];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_wr_u8(&w, 0x81));
    assert_clasp_ok(clasp_wr_u16(&w, 0x8283));
    assert_clasp_ok(clasp_wr_u24(&w, 0x848586));
    assert_clasp_ok(clasp_wr_u32(&w, 0x8788898aU));
    assert_clasp_ok(clasp_wr_u64(&w, 0x8b8c8d8e8f909192ULL));
    static const uint8_t want[] = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                   0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c,
                                   0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92};
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(clasp_wr_left(&w), sizeof(buf) - sizeof(want));
    clasp_span s = clasp_wr_span(&w);
    assert_ptr_equal(s.p, buf);
    assert_int_equal(s.len, sizeof(want));
    assert_clasp_ok(clasp_wr_finish(&w));
}

typedef int (*put_fn)(clasp_wr *w);

static int put_u8(clasp_wr *w)
{
    return clasp_wr_u8(w, 1);
}

static int put_u16(clasp_wr *w)
{
    return clasp_wr_u16(w, 1);
}

static int put_u24(clasp_wr *w)
{
    return clasp_wr_u24(w, 1);
}

static int put_u32(clasp_wr *w)
{
    return clasp_wr_u32(w, 1);
}

static int put_u64(clasp_wr *w)
{
    return clasp_wr_u64(w, 1);
}

static int put_bytes5(clasp_wr *w)
{
    static const uint8_t five[5] = {1, 2, 3, 4, 5};
    return clasp_wr_bytes(w, five, 5);
}

static int put_zeros5(clasp_wr *w)
{
    return clasp_wr_zeros(w, 5);
}

static int put_reserve5(clasp_wr *w)
{
    uint8_t *p = NULL;
    return clasp_wr_reserve(w, 5, &p);
}

struct put_case {
    const char *name;
    size_t width;
    put_fn fn;
};

static const struct put_case puts_[] = {
    {"u8", 1, put_u8},        {"u16", 2, put_u16},
    {"u24", 3, put_u24},      {"u32", 4, put_u32},
    {"u64", 8, put_u64},      {"bytes", 5, put_bytes5},
    {"zeros", 5, put_zeros5}, {"reserve", 5, put_reserve5},
};

static void wr_each_put_at_capacity_nm1_n_np1(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(puts_) / sizeof(puts_[0]); i++) {
        const struct put_case *t = &puts_[i];
        const size_t caps[] = {0, t->width - 1, t->width, t->width + 1};
        for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
            uint8_t buf[16];
            memset(buf, 0xee, sizeof(buf));
            clasp_wr w = clasp_wr_init(buf, caps[k]);
            int rc = t->fn(&w);
            int want =
                caps[k] < t->width ? CLASP_ERR_BUFFER_TOO_SMALL : CLASP_OK;
            if (rc != want || clasp_wr_finish(&w) != want) {
                fail_msg("%s with capacity %zu: rc %s, finish %s", t->name,
                         caps[k], clasp_error_name(rc),
                         clasp_error_name(clasp_wr_finish(&w)));
            }
            assert_int_equal(w.len, want == CLASP_OK ? t->width : 0);
            /* Never a byte past the capacity. */
            assert_int_equal(buf[caps[k]], 0xee);
            if (want != CLASP_OK) {
                assert_int_equal(buf[0], 0xee);
            }
        }
    }
}

static void wr_u24_rejects_values_above_24_bits(void **state)
{
    (void)state;
    uint8_t buf[8];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_wr_u24(&w, 0xFFFFFF));
    assert_clasp_err(clasp_wr_u24(&w, 0x1000000), CLASP_ERR_INTERNAL);
    assert_int_equal(w.len, 3);
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL);
}

static void wr_bytes_and_zeros_write_what_they_say(void **state)
{
    (void)state;
    uint8_t buf[8];
    memset(buf, 0xee, sizeof(buf));
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_wr_bytes(&w, "ab", 2));
    assert_clasp_ok(clasp_wr_zeros(&w, 3));
    assert_clasp_ok(clasp_wr_bytes(&w, NULL, 0));
    assert_clasp_ok(clasp_wr_zeros(&w, 0));
    static const uint8_t want[] = {'a', 'b', 0, 0, 0, 0xee};
    assert_int_equal(w.len, 5);
    assert_memory_equal(buf, want, sizeof(want));
}

/* ---- reserve ------------------------------------------------------------ */

static void wr_reserve_hands_out_the_next_bytes(void **state)
{
    (void)state;
    uint8_t buf[8];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    uint8_t *p = NULL;
    assert_clasp_ok(clasp_wr_u8(&w, 0x01));
    assert_clasp_ok(clasp_wr_reserve(&w, 4, &p));
    assert_ptr_equal(p, buf + 1);
    assert_int_equal(w.len, 5);
    memcpy(p, "WXYZ", 4);
    assert_clasp_ok(clasp_wr_u8(&w, 0x02));
    assert_memory_equal(buf, "\x01WXYZ\x02", 6);

    uint8_t *q = NULL;
    assert_clasp_err(clasp_wr_reserve(&w, 3, &q), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_null(q);
    assert_int_equal(w.len, 6);
}

/* ---- sticky error ------------------------------------------------------- */

/* After the first failure, every call fails with that same error, writes
 * nothing, and finish reports it. */
static void assert_all_calls_fail_with(clasp_wr *w, int err)
{
    size_t len = w->len;
    uint8_t *p = NULL;
    clasp_wr_mark m = {0, 0};
    clasp_wr_mark ok_mark = {0, 1};
    assert_clasp_err(clasp_wr_u8(w, 1), err);
    assert_clasp_err(clasp_wr_u16(w, 1), err);
    assert_clasp_err(clasp_wr_u24(w, 1), err);
    /* Calls that would fail on their own report the first error too. */
    assert_clasp_err(clasp_wr_u24(w, 0x1000000), err);
    assert_clasp_err(clasp_wr_vec_open(w, 4, &m), err);
    assert_clasp_err(clasp_wr_u32(w, 1), err);
    assert_clasp_err(clasp_wr_u64(w, 1), err);
    assert_clasp_err(clasp_wr_bytes(w, "x", 1), err);
    assert_clasp_err(clasp_wr_bytes(w, NULL, 0), err);
    assert_clasp_err(clasp_wr_zeros(w, 0), err);
    assert_clasp_err(clasp_wr_reserve(w, 0, &p), err);
    assert_null(p);
    assert_clasp_err(clasp_wr_vec_open(w, 1, &m), err);
    assert_clasp_err(clasp_wr_vec_close(w, &ok_mark, 0, 255), err);
    assert_clasp_err(clasp_wr_finish(w), err);
    assert_int_equal(w->len, len);
}

static void wr_error_is_sticky_after_running_out_of_room(void **state)
{
    (void)state;
    uint8_t buf[4];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_wr_u16(&w, 0x0102));
    assert_clasp_err(clasp_wr_u24(&w, 0x030405), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(w.err, CLASP_ERR_BUFFER_TOO_SMALL);
    /* A call that would fit is refused too. */
    assert_all_calls_fail_with(&w, CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(w.len, 2);
}

static void wr_first_error_wins(void **state)
{
    (void)state;
    uint8_t buf[2];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m;
    assert_clasp_err(clasp_wr_vec_open(&w, 4, &m), CLASP_ERR_INTERNAL);
    /* Running out of room later does not replace the first error. */
    assert_clasp_err(clasp_wr_u64(&w, 1), CLASP_ERR_INTERNAL);
    assert_all_calls_fail_with(&w, CLASP_ERR_INTERNAL);
}

static void wr_forgotten_try_is_caught_by_finish(void **state)
{
    (void)state;
    uint8_t buf[1];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    /* The result is ignored on purpose: finish must still see it. */
    if (clasp_wr_u16(&w, 7) == 0) {
        fail_msg("u16 into 1 byte succeeded");
    }
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_BUFFER_TOO_SMALL);
}

/* ---- vectors ------------------------------------------------------------ */

static uint8_t big[3 + 0x010203 + 8];

static void wr_vec_backpatches_1_2_3_byte_prefixes(void **state)
{
    (void)state;
    struct {
        uint8_t nbytes;
        size_t n;
        uint8_t prefix[3];
    } cases[] = {
        {1, 0, {0x00}},
        {1, 3, {0x03}},
        {1, 255, {0xff}},
        {2, 0x0102, {0x01, 0x02}},
        {2, 0xfffe, {0xff, 0xfe}},
        {3, 0x010203, {0x01, 0x02, 0x03}},
        {3, 5, {0x00, 0x00, 0x05}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(big, 0xee, sizeof(big));
        clasp_wr w = clasp_wr_init(big, sizeof(big));
        clasp_wr_mark m;
        assert_clasp_ok(clasp_wr_u8(&w, 0x42));
        assert_clasp_ok(clasp_wr_vec_open(&w, cases[i].nbytes, &m));
        assert_int_equal(m.at, 1);
        assert_int_equal(m.nbytes, cases[i].nbytes);
        assert_clasp_ok(clasp_wr_zeros(&w, cases[i].n));
        assert_clasp_ok(clasp_wr_vec_close(&w, &m, 0, 0xFFFFFF));
        assert_clasp_ok(clasp_wr_u8(&w, 0x43));
        assert_clasp_ok(clasp_wr_finish(&w));
        assert_int_equal(w.len, 1 + cases[i].nbytes + cases[i].n + 1);
        assert_int_equal(big[0], 0x42);
        assert_memory_equal(big + 1, cases[i].prefix, cases[i].nbytes);
        assert_int_equal(big[w.len - 1], 0x43);
    }
}

static void wr_nested_vectors(void **state)
{
    (void)state;
    /* RFC 8446 §4.2.1: supported_versions inside an extension body:
     * extension_type(2) extension_data<0..2^16-1> { versions<2..254> } */
    uint8_t buf[16];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark ext, versions;
    assert_clasp_ok(clasp_wr_u16(&w, 43));
    assert_clasp_ok(clasp_wr_vec_open(&w, 2, &ext));
    assert_clasp_ok(clasp_wr_vec_open(&w, 1, &versions));
    assert_clasp_ok(clasp_wr_u16(&w, 0x0304));
    assert_clasp_ok(clasp_wr_vec_close(&w, &versions, 2, 254));
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL); /* ext open */
    assert_clasp_ok(clasp_wr_vec_close(&w, &ext, 0, 65535));
    assert_clasp_ok(clasp_wr_finish(&w));
    static const uint8_t want[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04};
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void wr_vec_close_checks_min_and_max(void **state)
{
    (void)state;
    /* Body lengths min-1, min, max, max+1 for bounds <2..4>. */
    const size_t lens[] = {1, 2, 4, 5};
    const int wants[] = {CLASP_ERR_INTERNAL, CLASP_OK, CLASP_OK,
                         CLASP_ERR_INTERNAL};
    for (uint8_t nb = 1; nb <= 3; nb++) {
        for (size_t i = 0; i < 4; i++) {
            uint8_t buf[16];
            clasp_wr w = clasp_wr_init(buf, sizeof(buf));
            clasp_wr_mark m;
            assert_clasp_ok(clasp_wr_vec_open(&w, nb, &m));
            assert_clasp_ok(clasp_wr_zeros(&w, lens[i]));
            int rc = clasp_wr_vec_close(&w, &m, 2, 4);
            if (rc != wants[i] || clasp_wr_finish(&w) != wants[i]) {
                fail_msg("%u-byte prefix, body %zu in <2..4>: %s", nb, lens[i],
                         clasp_error_name(rc));
            }
            if (wants[i] != CLASP_OK) {
                assert_all_calls_fail_with(&w, CLASP_ERR_INTERNAL);
            }
        }
    }
}

static void wr_vec_close_rejects_length_the_prefix_cannot_hold(void **state)
{
    (void)state;
    uint8_t buf[300];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m;
    assert_clasp_ok(clasp_wr_vec_open(&w, 1, &m));
    assert_clasp_ok(clasp_wr_zeros(&w, 256));
    /* max says 1000, but a 1-byte prefix cannot say 256. */
    assert_clasp_err(clasp_wr_vec_close(&w, &m, 0, 1000), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL);
}

static void wr_vec_open_rejects_bad_prefix_sizes(void **state)
{
    (void)state;
    const uint8_t bad[] = {0, 4, 8};
    for (size_t i = 0; i < sizeof(bad); i++) {
        uint8_t buf[16];
        clasp_wr w = clasp_wr_init(buf, sizeof(buf));
        clasp_wr_mark m = {99, 99};
        assert_clasp_err(clasp_wr_vec_open(&w, bad[i], &m), CLASP_ERR_INTERNAL);
        assert_int_equal(w.len, 0);
        assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL);
    }
}

static void wr_vec_open_needs_room_for_the_prefix(void **state)
{
    (void)state;
    uint8_t buf[2];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m;
    assert_clasp_err(clasp_wr_vec_open(&w, 3, &m), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(w.len, 0);
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_BUFFER_TOO_SMALL);
}

static void wr_vec_close_without_open_is_internal(void **state)
{
    (void)state;
    uint8_t buf[8];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m = {0, 1};
    assert_clasp_ok(clasp_wr_u16(&w, 0));
    assert_clasp_err(clasp_wr_vec_close(&w, &m, 0, 255), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL);
}

static void wr_finish_with_open_vector_is_internal(void **state)
{
    (void)state;
    uint8_t buf[8];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    clasp_wr_mark m;
    assert_clasp_ok(clasp_wr_vec_open(&w, 2, &m));
    assert_clasp_ok(clasp_wr_u8(&w, 1));
    assert_clasp_err(clasp_wr_finish(&w), CLASP_ERR_INTERNAL);
    /* Not sticky by itself: closing the vector makes the message whole. */
    assert_int_equal(w.err, 0);
    assert_clasp_ok(clasp_wr_vec_close(&w, &m, 1, 10));
    assert_clasp_ok(clasp_wr_finish(&w));
    assert_memory_equal(buf, "\x00\x01\x01", 3);
}

/* ---- be.h --------------------------------------------------------------- */

static void be_put_get_round_trips(void **state)
{
    (void)state;
    uint8_t b[8];

    clasp_be16_put(b, 0x8182);
    assert_memory_equal(b, "\x81\x82", 2);
    assert_int_equal(clasp_be16_get(b), 0x8182);

    clasp_be24_put(b, 0x818283);
    assert_memory_equal(b, "\x81\x82\x83", 3);
    assert_int_equal(clasp_be24_get(b), 0x818283);

    clasp_be32_put(b, 0x81828384U);
    assert_memory_equal(b, "\x81\x82\x83\x84", 4);
    assert_int_equal(clasp_be32_get(b), 0x81828384U);

    clasp_be64_put(b, 0x8182838485868788ULL);
    assert_memory_equal(b, "\x81\x82\x83\x84\x85\x86\x87\x88", 8);
    assert_true(clasp_be64_get(b) == 0x8182838485868788ULL);

    static const uint64_t vals[] = {0,
                                    1,
                                    0x7f,
                                    0x80,
                                    0xff,
                                    0x100,
                                    0x7fff,
                                    0xffff,
                                    0x123456,
                                    0xffffff,
                                    0x80000000U,
                                    0xffffffffU,
                                    0x0123456789abcdefULL,
                                    0xffffffffffffffffULL};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint64_t v = vals[i];
        clasp_be16_put(b, (uint16_t)v);
        assert_int_equal(clasp_be16_get(b), (uint16_t)v);
        clasp_be24_put(b, (uint32_t)v & 0xffffff);
        assert_int_equal(clasp_be24_get(b), (uint32_t)v & 0xffffff);
        clasp_be32_put(b, (uint32_t)v);
        assert_int_equal(clasp_be32_get(b), (uint32_t)v);
        clasp_be64_put(b, v);
        assert_true(clasp_be64_get(b) == v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wr_puts_big_endian_integers),
        cmocka_unit_test(wr_each_put_at_capacity_nm1_n_np1),
        cmocka_unit_test(wr_u24_rejects_values_above_24_bits),
        cmocka_unit_test(wr_bytes_and_zeros_write_what_they_say),
        cmocka_unit_test(wr_reserve_hands_out_the_next_bytes),
        cmocka_unit_test(wr_error_is_sticky_after_running_out_of_room),
        cmocka_unit_test(wr_first_error_wins),
        cmocka_unit_test(wr_forgotten_try_is_caught_by_finish),
        cmocka_unit_test(wr_vec_backpatches_1_2_3_byte_prefixes),
        cmocka_unit_test(wr_nested_vectors),
        cmocka_unit_test(wr_vec_close_checks_min_and_max),
        cmocka_unit_test(wr_vec_close_rejects_length_the_prefix_cannot_hold),
        cmocka_unit_test(wr_vec_open_rejects_bad_prefix_sizes),
        cmocka_unit_test(wr_vec_open_needs_room_for_the_prefix),
        cmocka_unit_test(wr_vec_close_without_open_is_internal),
        cmocka_unit_test(wr_finish_with_open_vector_is_internal),
        cmocka_unit_test(be_put_get_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
