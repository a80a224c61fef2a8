/*
 * The writer. Owns no memory; never writes past cap. Once an error is
 * recorded every later call fails with the same error, so a message is
 * either written completely or reported as failed by clasp_wr_finish().
 * Running out of room is CLASP_ERR_BUFFER_TOO_SMALL; a vector outside its
 * RFC bounds is CLASP_ERR_INTERNAL (we never emit what the RFC forbids).
 */
#include "base/wr.h"

#include <string.h>

#include "base/be.h"
#include "clasp/clasp.h"

static int wr_fail(clasp_wr *w, int err)
{
    if (w->err == 0) {
        w->err = err;
    }
    return w->err;
}

static int wr_room(clasp_wr *w, size_t n)
{
    if (w->err != 0) {
        return w->err;
    }
    if (n > clasp_wr_left(w)) {
        return wr_fail(w, CLASP_ERR_BUFFER_TOO_SMALL);
    }
    return CLASP_OK;
}

static int wr_be(clasp_wr *w, uint64_t v, size_t n)
{
    TRY(wr_room(w, n));
    for (size_t i = 0; i < n; i++) {
        w->buf[w->len + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
    w->len += n;
    return CLASP_OK;
}

int clasp_wr_u8(clasp_wr *w, uint8_t v)
{
    return wr_be(w, v, 1);
}

int clasp_wr_u16(clasp_wr *w, uint16_t v)
{
    return wr_be(w, v, 2);
}

int clasp_wr_u24(clasp_wr *w, uint32_t v)
{
    if (v > 0xFFFFFFu) {
        return wr_fail(w, CLASP_ERR_INTERNAL);
    }
    return wr_be(w, v, 3);
}

int clasp_wr_u32(clasp_wr *w, uint32_t v)
{
    return wr_be(w, v, 4);
}

int clasp_wr_u64(clasp_wr *w, uint64_t v)
{
    return wr_be(w, v, 8);
}

int clasp_wr_bytes(clasp_wr *w, const void *src, size_t n)
{
    TRY(wr_room(w, n));
    if (n > 0) {
        memmove(w->buf + w->len, src, n);
    }
    w->len += n;
    return CLASP_OK;
}

int clasp_wr_zeros(clasp_wr *w, size_t n)
{
    TRY(wr_room(w, n));
    if (n > 0) {
        memset(w->buf + w->len, 0, n);
    }
    w->len += n;
    return CLASP_OK;
}

int clasp_wr_reserve(clasp_wr *w, size_t n, uint8_t **ptr)
{
    TRY(wr_room(w, n));
    *ptr = w->buf + w->len;
    w->len += n;
    return CLASP_OK;
}

int clasp_wr_vec_open(clasp_wr *w, uint8_t len_bytes, clasp_wr_mark *m)
{
    if (len_bytes < 1 || len_bytes > 3) {
        return wr_fail(w, CLASP_ERR_INTERNAL);
    }
    if (w->depth == UINT8_MAX) {
        return wr_fail(w, CLASP_ERR_INTERNAL);
    }
    TRY(wr_room(w, len_bytes));
    m->at = w->len;
    m->nbytes = len_bytes;
    memset(w->buf + w->len, 0, len_bytes);
    w->len += len_bytes;
    w->depth++;
    return CLASP_OK;
}

int clasp_wr_vec_close(clasp_wr *w, const clasp_wr_mark *m, size_t min,
                       size_t max)
{
    if (w->err != 0) {
        return w->err;
    }
    if (w->depth == 0 || m->at + m->nbytes > w->len) {
        return wr_fail(w, CLASP_ERR_INTERNAL);
    }
    size_t n = w->len - m->at - m->nbytes;
    size_t limit = (size_t)1 << (8 * m->nbytes);
    if (n < min || n > max || n >= limit) {
        return wr_fail(w, CLASP_ERR_INTERNAL);
    }
    uint8_t *p = w->buf + m->at;
    if (m->nbytes == 1) {
        p[0] = (uint8_t)n;
    } else if (m->nbytes == 2) {
        clasp_be16_put(p, (uint16_t)n);
    } else {
        clasp_be24_put(p, (uint32_t)n);
    }
    w->depth--;
    return CLASP_OK;
}

int clasp_wr_finish(const clasp_wr *w)
{
    if (w->err != 0) {
        return w->err;
    }
    if (w->depth != 0) {
        return CLASP_ERR_INTERNAL;
    }
    return CLASP_OK;
}
