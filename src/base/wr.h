/*
 * The writer (DESIGN.md §3.4): writes into a buffer it does not own and
 * never reallocates. Errors are sticky (w->err) so a forgotten TRY is still
 * caught by clasp_wr_finish(). Length prefixes are opened, then
 * back-patched and checked against the RFC bounds on close.
 */
#ifndef CLASP_BASE_WR_H
#define CLASP_BASE_WR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/span.h"

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
    uint8_t depth;
} clasp_wr;

typedef struct {
    size_t at;
    uint8_t nbytes;
} clasp_wr_mark;

static inline clasp_wr clasp_wr_init(void *buf, size_t cap)
{
    clasp_wr w = {(uint8_t *)buf, cap, 0, 0, 0};
    return w;
}

static inline size_t clasp_wr_left(const clasp_wr *w)
{
    return w->cap - w->len;
}

/* What has been written so far. */
static inline clasp_span clasp_wr_span(const clasp_wr *w)
{
    clasp_span s = {w->buf, w->len};
    return s;
}

CLASP_MUST_USE int clasp_wr_u8(clasp_wr *w, uint8_t v);
CLASP_MUST_USE int clasp_wr_u16(clasp_wr *w, uint16_t v);
CLASP_MUST_USE int clasp_wr_u24(clasp_wr *w, uint32_t v);
CLASP_MUST_USE int clasp_wr_u32(clasp_wr *w, uint32_t v);
CLASP_MUST_USE int clasp_wr_u64(clasp_wr *w, uint64_t v);
CLASP_MUST_USE int clasp_wr_bytes(clasp_wr *w, const void *src, size_t n);
CLASP_MUST_USE int clasp_wr_zeros(clasp_wr *w, size_t n);
/* Reserve n bytes and hand back a pointer to them (for in-place output,
 * e.g. AEAD). The pointer is valid only until the next call on w. */
CLASP_MUST_USE int clasp_wr_reserve(clasp_wr *w, size_t n, uint8_t **ptr);
/* Open a vector with a 1-, 2- or 3-byte length prefix. */
CLASP_MUST_USE int clasp_wr_vec_open(clasp_wr *w, uint8_t len_bytes,
                                     clasp_wr_mark *m);
/* Back-patch the length; CLASP_ERR_INTERNAL if outside [min, max]. */
CLASP_MUST_USE int clasp_wr_vec_close(clasp_wr *w, const clasp_wr_mark *m,
                                      size_t min, size_t max);
/* The sticky error, or CLASP_ERR_INTERNAL if a vector is still open. */
CLASP_MUST_USE int clasp_wr_finish(const clasp_wr *w);

#endif
