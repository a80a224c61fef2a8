#include "testlib.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

size_t th_hex_into(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *s = hex; *s != '\0'; s++) {
        if (isspace((unsigned char)*s)) {
            continue;
        }
        int v = hexval((unsigned char)*s);
        if (v < 0) {
            fail_msg("bad hex character '%c'", *s);
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap) {
                fail_msg("hex does not fit in %zu bytes", cap);
            }
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fail_msg("odd number of hex digits");
    }
    return n;
}

uint8_t *th_hex(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    *len = th_hex_into(hex, out, cap);
    return out;
}

uint8_t *th_read_file(const char *path, size_t *len)
{
    char full[4096];
    if (path[0] == '/') {
        snprintf(full, sizeof(full), "%s", path);
    } else {
        snprintf(full, sizeof(full), "%s/%s", CLASP_TEST_DATA_DIR, path);
    }
    FILE *f = fopen(full, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", full);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) {
            break;
        }
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

void th_free(void *p)
{
    free(p);
}

void th_assert_err(int actual, int expected, const char *expr, const char *file,
                   int line)
{
    if (actual != expected) {
        print_error("%s:%d: %s returned %s (%d), expected %s (%d)\n", file,
                    line, expr, clasp_error_name(actual), actual,
                    clasp_error_name(expected), expected);
        _fail(file, line);
    }
}
