/* Helpers shared by the tests (on cmocka): hex decoding, file loading,
 * "expect this error code" assertions. */
#ifndef CLASP_TESTLIB_H
#define CLASP_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clasp/clasp.h"

/* Decode hex (whitespace ignored) into a fresh buffer (free with
 * th_free). Fails the test on bad hex. */
uint8_t *th_hex(const char *hex, size_t *len);
/* Decode hex into a caller buffer; returns the length (fails the test if
 * it does not fit). */
size_t th_hex_into(const char *hex, uint8_t *out, size_t cap);
/* Read a file (path relative to tests/ unless absolute). */
uint8_t *th_read_file(const char *path, size_t *len);
void th_free(void *p);

/* Assert an exact clasp error code, printing both names on mismatch. */
#define assert_clasp_err(actual, expected) \
    th_assert_err((actual), (expected), #actual, __FILE__, __LINE__)
#define assert_clasp_ok(actual) \
    th_assert_err((actual), CLASP_OK, #actual, __FILE__, __LINE__)
void th_assert_err(int actual, int expected, const char *expr, const char *file,
                   int line);

#endif
