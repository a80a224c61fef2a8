/* Memory helpers (src/base/mem.h): allocator hooks (clasp_set_allocator is
 * public API), overflow-checked calloc, wiping, constant-time compare and
 * the checked copy. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* ---- a counting allocator ---------------------------------------------- */

static size_t n_calloc;
static size_t n_free;
static bool fail_next_calloc;
/* Set by count_free when the block it frees starts with wipe_check_len
 * zero bytes (to see clasp_free_secret wipe before it frees). */
static size_t wipe_check_len;
static bool freed_block_was_zero;

static void *count_calloc(size_t n, size_t size)
{
    n_calloc++;
    if (fail_next_calloc) {
        fail_next_calloc = false;
        return NULL;
    }
    return calloc(n, size);
}

static void count_free(void *p)
{
    n_free++;
    if (wipe_check_len > 0) {
        const uint8_t *b = p;
        freed_block_was_zero = true;
        for (size_t i = 0; i < wipe_check_len; i++) {
            if (b[i] != 0) {
                freed_block_was_zero = false;
            }
        }
    }
    free(p);
}

static int install_counting(void **state)
{
    (void)state;
    n_calloc = 0;
    n_free = 0;
    fail_next_calloc = false;
    wipe_check_len = 0;
    freed_block_was_zero = false;
    return clasp_set_allocator(count_calloc, count_free);
}

static int restore_default(void **state)
{
    (void)state;
    return clasp_set_allocator(NULL, NULL);
}

/* ---- clasp_set_allocator ------------------------------------------------ */

static void mem_hooks_see_every_allocation(void **state)
{
    (void)state;
    void *p = clasp_mem_calloc(4, 8);
    assert_non_null(p);
    assert_int_equal(n_calloc, 1);
    assert_memory_equal(p, (uint8_t[32]){0}, 32); /* zeroed */
    clasp_mem_free(p);
    assert_int_equal(n_free, 1);

    uint8_t *d = clasp_memdup("abc", 3);
    assert_non_null(d);
    assert_memory_equal(d, "abc", 3);
    char *s = clasp_strdup("hello");
    assert_string_equal(s, "hello");
    assert_int_equal(n_calloc, 3);
    clasp_mem_free(d);
    clasp_mem_free(s);
    assert_int_equal(n_free, 3);

    clasp_mem_free(NULL); /* no call into the hook */
    assert_int_equal(n_free, 3);
}

static void mem_partial_hooks_are_bad_input(void **state)
{
    (void)state;
    assert_clasp_err(clasp_set_allocator(count_calloc, NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_set_allocator(NULL, count_free),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* The hooks in place are kept. */
    clasp_mem_free(clasp_mem_calloc(1, 1));
    assert_int_equal(n_calloc, 1);
    assert_int_equal(n_free, 1);
}

static void mem_null_null_restores_the_default(void **state)
{
    (void)state;
    assert_clasp_ok(clasp_set_allocator(NULL, NULL));
    void *p = clasp_mem_calloc(1, 16);
    assert_non_null(p);
    clasp_mem_free(p);
    assert_int_equal(n_calloc, 0);
    assert_int_equal(n_free, 0);
}

static void mem_failing_hook_gives_null(void **state)
{
    (void)state;
    fail_next_calloc = true;
    assert_null(clasp_mem_calloc(1, 1));
    fail_next_calloc = true;
    assert_null(clasp_memdup("x", 1));
    fail_next_calloc = true;
    assert_null(clasp_strdup("x"));
    assert_int_equal(n_calloc, 3);
    assert_int_equal(n_free, 0);
}

/* ---- clasp_calloc ------------------------------------------------------- */

static void mem_calloc_overflow_is_null(void **state)
{
    (void)state;
    assert_null(clasp_mem_calloc(SIZE_MAX / 2 + 1, 2));
    assert_null(clasp_mem_calloc(2, SIZE_MAX / 2 + 1));
    assert_null(clasp_mem_calloc(SIZE_MAX, SIZE_MAX));
    assert_null(clasp_mem_calloc((SIZE_MAX >> 16) + 1, (size_t)1 << 16));
    /* Refused before reaching the hook. */
    assert_int_equal(n_calloc, 0);
}

static void mem_calloc_of_zero_bytes_is_a_real_block(void **state)
{
    (void)state;
    void *a = clasp_mem_calloc(0, 8);
    void *b = clasp_mem_calloc(8, 0);
    assert_non_null(a);
    assert_non_null(b);
    clasp_mem_free(a);
    clasp_mem_free(b);
    assert_int_equal(n_calloc, 2);
    assert_int_equal(n_free, 2);
}

/* ---- wiping ------------------------------------------------------------- */

static void mem_memzero_wipes_exactly_len_bytes(void **state)
{
    (void)state;
    uint8_t b[8];
    memset(b, 0xaa, sizeof(b));
    clasp_memzero(b + 1, 6);
    static const uint8_t want[8] = {0xaa, 0, 0, 0, 0, 0, 0, 0xaa};
    assert_memory_equal(b, want, sizeof(b));
    clasp_memzero(NULL, 0);
    clasp_memzero(NULL, 5);
    clasp_memzero(b, 0);
    assert_int_equal(b[0], 0xaa);
}

static void mem_free_secret_wipes_before_freeing(void **state)
{
    (void)state;
    uint8_t *k = clasp_mem_calloc(1, 32);
    assert_non_null(k);
    memset(k, 0x5c, 32);
    wipe_check_len = 32;
    clasp_free_secret(k, 32);
    assert_int_equal(n_free, 1);
    assert_true(freed_block_was_zero);
    clasp_free_secret(NULL, 32);
    assert_int_equal(n_free, 1);
}

/* ---- clasp_ct_equal ----------------------------------------------------- */

static void mem_ct_equal(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    for (size_t i = 0; i < sizeof(a); i++) {
        a[i] = (uint8_t)(i * 13 + 1);
    }
    memcpy(b, a, sizeof(a));
    assert_true(clasp_ct_equal(a, b, sizeof(a)));
    assert_true(clasp_ct_equal(a, b, 0));
    for (size_t i = 0; i < sizeof(a); i++) {
        b[i] ^= 0x80;
        assert_false(clasp_ct_equal(a, b, sizeof(a)));
        b[i] ^= 0x80;
    }
    b[15] ^= 1;
    assert_true(clasp_ct_equal(a, b, 15)); /* only n bytes count */
    assert_false(clasp_ct_equal(a, b, 16));
}

/* ---- clasp_copy --------------------------------------------------------- */

static void mem_copy_checks_capacity(void **state)
{
    (void)state;
    uint8_t dst[4];
    memset(dst, 0xee, sizeof(dst));
    assert_clasp_err(clasp_copy(dst, 3, "abcd", 4), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dst[0], 0xee);
    assert_clasp_err(clasp_copy(dst, 0, "a", 1), CLASP_ERR_BUFFER_TOO_SMALL);
    assert_clasp_ok(clasp_copy(dst, 4, "abcd", 4));
    assert_memory_equal(dst, "abcd", 4);
    assert_clasp_ok(clasp_copy(dst, 4, "xy", 2));
    assert_memory_equal(dst, "xycd", 4);
    assert_clasp_ok(clasp_copy(NULL, 0, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mem_hooks_see_every_allocation,
                                        install_counting, restore_default),
        cmocka_unit_test_setup_teardown(mem_partial_hooks_are_bad_input,
                                        install_counting, restore_default),
        cmocka_unit_test_setup_teardown(mem_null_null_restores_the_default,
                                        install_counting, restore_default),
        cmocka_unit_test_setup_teardown(mem_failing_hook_gives_null,
                                        install_counting, restore_default),
        cmocka_unit_test_setup_teardown(mem_calloc_overflow_is_null,
                                        install_counting, restore_default),
        cmocka_unit_test_setup_teardown(
            mem_calloc_of_zero_bytes_is_a_real_block, install_counting,
            restore_default),
        cmocka_unit_test(mem_memzero_wipes_exactly_len_bytes),
        cmocka_unit_test_setup_teardown(mem_free_secret_wipes_before_freeing,
                                        install_counting, restore_default),
        cmocka_unit_test(mem_ct_equal),
        cmocka_unit_test(mem_copy_checks_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
