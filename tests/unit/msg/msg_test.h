/* Header-only helpers for the msg/ and ext/ unit tests: load the RFC 8448
 * messages of tests/unit/msg/data, split off the handshake header, compare
 * what a writer produced. Include after "testlib.h". */
#ifndef CLASP_TESTS_MSG_TEST_H
#define CLASP_TESTS_MSG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"

/* Rows that feature flags remove from the registry (DESIGN.md §3.11.5):
 * without them these extensions are unknown types. */
#define MT_PSK \
    (CLASP_WITH_TLS1_3_KEX_PSK || CLASP_WITH_TLS1_3_KEX_PSK_EPHEMERAL)
#define MT_EARLY CLASP_WITH_EARLY_DATA

/* tests/unit/msg/data/<name>.hex as bytes (free with th_free). */
static inline uint8_t *mt_load(const char *name, size_t *len)
{
    char path[256];
    size_t n;
    snprintf(path, sizeof(path), "unit/msg/data/%s.hex", name);
    uint8_t *txt = th_read_file(path, &n);
    char *z = malloc(n + 1);
    assert_non_null(z);
    memcpy(z, txt, n);
    z[n] = '\0';
    th_free(txt);
    uint8_t *bin = th_hex(z, len);
    free(z);
    return bin;
}

/* The body of one whole handshake message of the given type. */
static inline clasp_span mt_body(const uint8_t *msg, size_t len, uint8_t type)
{
    clasp_rd r = clasp_rd_init(msg, len);
    uint8_t t = 0;
    clasp_span body = {NULL, 0};
    assert_clasp_ok(clasp_hs_msg_parse(&r, &t, &body));
    assert_int_equal(t, type);
    assert_int_equal(clasp_rd_left(&r), 0);
    return body;
}

/* w finished cleanly and holds exactly exp. */
static inline void mt_assert_written(const clasp_wr *w, const uint8_t *exp,
                                     size_t len)
{
    assert_clasp_ok(clasp_wr_finish(w));
    assert_int_equal(w->len, len);
    assert_memory_equal(w->buf, exp, len);
}

/* Span over a hex literal decoded into buf. */
static inline clasp_span mt_hex(const char *hex, uint8_t *buf, size_t cap)
{
    size_t n = th_hex_into(hex, buf, cap);
    return clasp_span_of(buf, n);
}

/* Does s hold exactly the bytes of hex? */
static inline void mt_assert_span_hex(clasp_span s, const char *hex)
{
    uint8_t buf[1024];
    size_t n = th_hex_into(hex, buf, sizeof(buf));
    assert_int_equal(s.len, n);
    assert_memory_equal(s.p, buf, n);
}

/* Big-endian writes into a test buffer. */
static inline size_t mt_put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

static inline size_t mt_put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return 3;
}

/* A vector at p: a length field of nbytes bytes holding len_field, then
 * body_len bytes of fill. Returns the bytes written. */
static inline size_t mt_vec(uint8_t *p, int nbytes, size_t len_field,
                            size_t body_len, uint8_t fill)
{
    size_t at = 0;
    if (nbytes == 1) {
        p[at++] = (uint8_t)len_field;
    } else if (nbytes == 2) {
        at += mt_put16(p, len_field);
    } else {
        at += mt_put24(p, len_field);
    }
    memset(p + at, fill, body_len);
    return at + body_len;
}

#endif
