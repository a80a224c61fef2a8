/*
 * The reader: the one way to look at untrusted bytes (DESIGN.md §3.4).
 * A cursor {p, end}. Every getter either succeeds completely or leaves the
 * reader unchanged and returns CLASP_ERR_DECODE. Vectors become bounded
 * sub-readers; callers finish them with clasp_rd_done().
 */
#ifndef CLASP_BASE_RD_H
#define CLASP_BASE_RD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/span.h"

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} clasp_rd;

static inline clasp_rd clasp_rd_init(const void *buf, size_t len)
{
    /* NULL + 0 is undefined behaviour: an empty reader may have no
     * buffer at all. */
    const uint8_t *p = (const uint8_t *)buf;
    clasp_rd r = {p, len > 0 ? p + len : p};
    return r;
}

static inline clasp_rd clasp_rd_of_span(clasp_span s)
{
    return clasp_rd_init(s.p, s.len);
}

static inline size_t clasp_rd_left(const clasp_rd *r)
{
    return (size_t)(r->end - r->p);
}

/* What remains, as a span (does not consume). */
static inline clasp_span clasp_rd_rest(const clasp_rd *r)
{
    clasp_span s = {r->p, clasp_rd_left(r)};
    return s;
}

CLASP_MUST_USE int clasp_rd_u8(clasp_rd *r, uint8_t *v);
CLASP_MUST_USE int clasp_rd_u16(clasp_rd *r, uint16_t *v);
CLASP_MUST_USE int clasp_rd_u24(clasp_rd *r, uint32_t *v);
CLASP_MUST_USE int clasp_rd_u32(clasp_rd *r, uint32_t *v);
CLASP_MUST_USE int clasp_rd_u64(clasp_rd *r, uint64_t *v);
/* Borrow the next n bytes. */
CLASP_MUST_USE int clasp_rd_span(clasp_rd *r, size_t n, clasp_span *out);
/* Copy the next n bytes into dst (trusted buffer of at least n bytes). */
CLASP_MUST_USE int clasp_rd_copy(clasp_rd *r, void *dst, size_t n);
/* Skip n bytes. */
CLASP_MUST_USE int clasp_rd_skip(clasp_rd *r, size_t n);
/* Take everything that remains as a span (always succeeds). */
CLASP_MUST_USE int clasp_rd_rest_span(clasp_rd *r, clasp_span *out);

/* Length-prefixed vector <min..max> with a 1-, 2- or 3-byte length: on
 * success *sub covers exactly the vector body and r moves past it. A length
 * outside [min, max] or beyond the input is CLASP_ERR_DECODE. */
CLASP_MUST_USE int clasp_rd_vec8(clasp_rd *r, size_t min, size_t max,
                                 clasp_rd *sub);
CLASP_MUST_USE int clasp_rd_vec16(clasp_rd *r, size_t min, size_t max,
                                  clasp_rd *sub);
CLASP_MUST_USE int clasp_rd_vec24(clasp_rd *r, size_t min, size_t max,
                                  clasp_rd *sub);

/* CLASP_ERR_DECODE if bytes remain. */
CLASP_MUST_USE int clasp_rd_done(const clasp_rd *r);

/* Is the byte at offset i of a span-like object equal to v? Safe accessor
 * for code outside base/ that must index a borrowed span: returns
 * CLASP_ERR_DECODE when i is out of range. */
CLASP_MUST_USE int clasp_span_at(clasp_span s, size_t i, uint8_t *v);
/* Sub-span [off, off+n) of s, checked. */
CLASP_MUST_USE int clasp_span_sub(clasp_span s, size_t off, size_t n,
                                  clasp_span *out);
/* Index of the last non-zero byte of s, found in time that depends only
 * on s.len (RFC 8446 §5.4 padding removal must not leak the padding
 * length through timing). CLASP_ERR_NOT_FOUND if s is empty or all
 * zeros. */
CLASP_MUST_USE int clasp_span_last_nonzero(clasp_span s, size_t *idx);
/* Copy a span into a trusted buffer of capacity cap. */
CLASP_MUST_USE int clasp_span_copy(clasp_span s, void *dst, size_t cap);

#endif
