/* Test helper (header-only, static): look up values of an RFC 8448 trace
 * extracted by extract.py into tests/vectors/rfc8448/<trace>.txt, format
 * "<actor>.<step>[~N].<field> = <hex>". A missing name fails the test. */
#ifndef CLASP_TESTS_RFC8448_TV_H
#define CLASP_TESTS_RFC8448_TV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

typedef struct {
    char *text;
    size_t len;
    const char *name;
} tv_file;

static inline tv_file tv_load(const char *trace)
{
    char path[256];
    snprintf(path, sizeof(path), "vectors/rfc8448/%s.txt", trace);
    tv_file f;
    size_t n = 0;
    uint8_t *raw = th_read_file(path, &n);
    f.text = malloc(n + 1);
    assert_non_null(f.text);
    memcpy(f.text, raw, n);
    f.text[n] = '\0';
    f.len = n;
    f.name = trace;
    th_free(raw);
    return f;
}

static inline void tv_free(tv_file *f)
{
    free(f->text);
    f->text = NULL;
}

/* The hex text of value `key` (up to the end of its line), or NULL. */
static inline const char *tv_find(const tv_file *f, const char *key,
                                  size_t *hex_len)
{
    size_t klen = strlen(key);
    const char *p = f->text;
    const char *end = f->text + f->len;
    for (size_t guard = 0; p < end && guard < 100000; guard++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL) {
            eol = end;
        }
        if ((size_t)(eol - p) >= klen + 3 && memcmp(p, key, klen) == 0 &&
            memcmp(p + klen, " = ", 3) == 0) {
            *hex_len = (size_t)(eol - (p + klen + 3));
            return p + klen + 3;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Decode value `key` into out (cap bytes); returns its length. */
static inline size_t tv_get(const tv_file *f, const char *key, uint8_t *out,
                            size_t cap)
{
    size_t hex_len = 0;
    const char *hex = tv_find(f, key, &hex_len);
    if (hex == NULL) {
        fail_msg("%s: no value %s", f->name, key);
    }
    char *copy = malloc(hex_len + 1);
    assert_non_null(copy);
    memcpy(copy, hex, hex_len);
    copy[hex_len] = '\0';
    size_t n = th_hex_into(copy, out, cap);
    free(copy);
    return n;
}

/* Decode value `key` into a fresh buffer (free with free()). */
static inline uint8_t *tv_dup(const tv_file *f, const char *key, size_t *len)
{
    size_t hex_len = 0;
    const char *hex = tv_find(f, key, &hex_len);
    if (hex == NULL) {
        fail_msg("%s: no value %s", f->name, key);
    }
    uint8_t *out = malloc(hex_len / 2 + 1);
    assert_non_null(out);
    *len = tv_get(f, key, out, hex_len / 2 + 1);
    return out;
}

/* The hex string of value `key`, NUL-terminated, in a fresh buffer. */
static inline char *tv_hex(const tv_file *f, const char *key)
{
    size_t hex_len = 0;
    const char *hex = tv_find(f, key, &hex_len);
    if (hex == NULL) {
        fail_msg("%s: no value %s", f->name, key);
    }
    char *s = malloc(hex_len + 1);
    assert_non_null(s);
    memcpy(s, hex, hex_len);
    s[hex_len] = '\0';
    return s;
}

/* Number of values compared against the RFC, reported per test file. */
static unsigned tv_compared;

/* Assert that got[0..len) equals value `key` of the trace. */
static inline void tv_expect(const tv_file *f, const char *key,
                             const uint8_t *got, size_t len)
{
    uint8_t want[4096];
    size_t n = tv_get(f, key, want, sizeof(want));
    if (n != len || memcmp(want, got, len) != 0) {
        print_error("%s: %s differs (want %zu bytes, got %zu)\n", f->name, key,
                    n, len);
        fail();
    }
    tv_compared++;
}

#endif
