/*
 * The reader over untrusted input. This file and wr.c are the only places
 * in clasp that do pointer arithmetic on wire bytes. Invariant: r->p <=
 * r->end always; lengths are compared with what remains (n > left), never
 * by forming p + n first. A failing call leaves *r and outputs unchanged.
 */
#include "base/rd.h"

#include <string.h>

#include "clasp/clasp.h"

static int rd_be(clasp_rd *r, size_t n, uint64_t *v)
{
    if (clasp_rd_left(r) < n) {
        return CLASP_ERR_DECODE;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x = x << 8 | r->p[i];
    }
    r->p += n;
    *v = x;
    return CLASP_OK;
}

int clasp_rd_u8(clasp_rd *r, uint8_t *v)
{
    uint64_t x;
    TRY(rd_be(r, 1, &x));
    *v = (uint8_t)x;
    return CLASP_OK;
}

int clasp_rd_u16(clasp_rd *r, uint16_t *v)
{
    uint64_t x;
    TRY(rd_be(r, 2, &x));
    *v = (uint16_t)x;
    return CLASP_OK;
}

int clasp_rd_u24(clasp_rd *r, uint32_t *v)
{
    uint64_t x;
    TRY(rd_be(r, 3, &x));
    *v = (uint32_t)x;
    return CLASP_OK;
}

int clasp_rd_u32(clasp_rd *r, uint32_t *v)
{
    uint64_t x;
    TRY(rd_be(r, 4, &x));
    *v = (uint32_t)x;
    return CLASP_OK;
}

int clasp_rd_u64(clasp_rd *r, uint64_t *v)
{
    return rd_be(r, 8, v);
}

int clasp_rd_span(clasp_rd *r, size_t n, clasp_span *out)
{
    if (n > clasp_rd_left(r)) {
        return CLASP_ERR_DECODE;
    }
    out->p = r->p;
    out->len = n;
    r->p += n;
    return CLASP_OK;
}

int clasp_rd_copy(clasp_rd *r, void *dst, size_t n)
{
    if (n > clasp_rd_left(r)) {
        return CLASP_ERR_DECODE;
    }
    if (n > 0) {
        memcpy(dst, r->p, n);
    }
    r->p += n;
    return CLASP_OK;
}

int clasp_rd_skip(clasp_rd *r, size_t n)
{
    if (n > clasp_rd_left(r)) {
        return CLASP_ERR_DECODE;
    }
    r->p += n;
    return CLASP_OK;
}

int clasp_rd_rest_span(clasp_rd *r, clasp_span *out)
{
    out->p = r->p;
    out->len = clasp_rd_left(r);
    r->p = r->end;
    return CLASP_OK;
}

static int rd_vec(clasp_rd *r, size_t len_bytes, size_t min, size_t max,
                  clasp_rd *sub)
{
    clasp_rd save = *r;
    uint64_t n;
    TRY(rd_be(r, len_bytes, &n));
    if (n < min || n > max || n > clasp_rd_left(r)) {
        *r = save;
        return CLASP_ERR_DECODE;
    }
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    return CLASP_OK;
}

int clasp_rd_vec8(clasp_rd *r, size_t min, size_t max, clasp_rd *sub)
{
    return rd_vec(r, 1, min, max, sub);
}

int clasp_rd_vec16(clasp_rd *r, size_t min, size_t max, clasp_rd *sub)
{
    return rd_vec(r, 2, min, max, sub);
}

int clasp_rd_vec24(clasp_rd *r, size_t min, size_t max, clasp_rd *sub)
{
    return rd_vec(r, 3, min, max, sub);
}

int clasp_rd_done(const clasp_rd *r)
{
    return clasp_rd_left(r) == 0 ? CLASP_OK : CLASP_ERR_DECODE;
}

int clasp_span_at(clasp_span s, size_t i, uint8_t *v)
{
    if (i >= s.len) {
        return CLASP_ERR_DECODE;
    }
    *v = s.p[i];
    return CLASP_OK;
}

int clasp_span_sub(clasp_span s, size_t off, size_t n, clasp_span *out)
{
    if (off > s.len || n > s.len - off) {
        return CLASP_ERR_DECODE;
    }
    out->p = off > 0 ? s.p + off : s.p; /* no NULL + 0 */
    out->len = n;
    return CLASP_OK;
}

int clasp_span_last_nonzero(clasp_span s, size_t *idx)
{
    size_t found = 0;
    size_t last = 0;
    for (size_t i = 0; i < s.len; i++) {
        /* mask = all ones iff s.p[i] != 0, without a branch */
        size_t mask = (size_t)0 - (((size_t)s.p[i] + 0xFF) >> 8);
        last = (i & mask) | (last & ~mask);
        found |= mask;
    }
    if (found == 0) {
        return CLASP_ERR_NOT_FOUND;
    }
    *idx = last;
    return CLASP_OK;
}

int clasp_span_copy(clasp_span s, void *dst, size_t cap)
{
    if (s.len > cap) {
        return CLASP_ERR_BUFFER_TOO_SMALL;
    }
    if (s.len > 0) {
        memcpy(dst, s.p, s.len);
    }
    return CLASP_OK;
}
