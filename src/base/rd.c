/*
 * The reader over untrusted input. This file and wr.c are the only places
 * in clasp that do pointer arithmetic on wire bytes. Invariant: r->p <=
 * r->end always; lengths are compared with what remains (n > left), never
 * by forming p + n first. A failing call leaves *r and outputs unchanged.
 */
#include "base/rd.h"

#include <string.h>

#include "base/mem.h"
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

/* All ones if v != 0, else zero, without a branch. */
static uint64_t nonzero_mask(uint64_t v)
{
    return (uint64_t)0 - ((v | ((uint64_t)0 - v)) >> 63);
}

/* Every byte is read, and nothing branches on a byte or indexes memory
 * with one: 64 bytes at a time in eight 64-bit words, the last chunk
 * holding a non-zero byte is kept (selected with masks), then that chunk
 * and the tail are searched bytewise. Well under one instruction per byte,
 * where a bytewise scan took eight (27 us per 16 KiB record, more than its
 * AES-GCM decryption): now 0.5 to 1 us. Plain 64-bit words on purpose: an
 * SSE version ran three times slower right after libcrypto's AVX-512
 * ChaCha20-Poly1305 (legacy SSE after wide AVX code pays a transition
 * penalty on such CPUs). */
int clasp_span_last_nonzero(clasp_span s, size_t *idx)
{
    enum { CHUNK = 64, WORDS = CHUNK / 8 };
    /* Named words rather than an array: they stay in registers. */
    uint64_t k0 = 0, k1 = 0, k2 = 0, k3 = 0, k4 = 0, k5 = 0, k6 = 0, k7 = 0;
    uint64_t found = 0;
    size_t chunk_at = 0;
    size_t off = 0;
    for (; s.len - off >= CHUNK; off += CHUNK) {
        /* Word by word: an array here gets vectorised (SSE) at -O3. */
        const uint8_t *c = s.p + off;
        uint64_t w0, w1, w2, w3, w4, w5, w6, w7;
        memcpy(&w0, c, 8);
        memcpy(&w1, c + 8, 8);
        memcpy(&w2, c + 16, 8);
        memcpy(&w3, c + 24, 8);
        memcpy(&w4, c + 32, 8);
        memcpy(&w5, c + 40, 8);
        memcpy(&w6, c + 48, 8);
        memcpy(&w7, c + 56, 8);
        uint64_t m =
            nonzero_mask(((w0 | w1) | (w2 | w3)) | ((w4 | w5) | (w6 | w7)));
        chunk_at = (off & (size_t)m) | (chunk_at & ~(size_t)m);
        k0 ^= (k0 ^ w0) & m;
        k1 ^= (k1 ^ w1) & m;
        k2 ^= (k2 ^ w2) & m;
        k3 ^= (k3 ^ w3) & m;
        k4 ^= (k4 ^ w4) & m;
        k5 ^= (k5 ^ w5) & m;
        k6 ^= (k6 ^ w6) & m;
        k7 ^= (k7 ^ w7) & m;
        found |= m;
    }
    uint64_t kept[WORDS] = {k0, k1, k2, k3, k4, k5, k6, k7};
    uint8_t bytes[CHUNK];
    memcpy(bytes, kept, CHUNK);
    /* The offset inside the kept chunk; chunk_at is added once, after the
     * loop: inside it, the compiler folds chunk_at into the loop counter
     * and the address of bytes[k], which then depend on the data in the
     * eyes of a checker (tests/ct, valgrind), although they do not. */
    size_t in_chunk = 0;
    size_t any = 0;
    for (size_t k = 0; k < CHUNK; k++) {
        size_t mask = (size_t)nonzero_mask(bytes[k]);
        in_chunk = (k & mask) | (in_chunk & ~mask);
        any |= mask;
    }
    size_t last = (chunk_at + in_chunk) & any;
    /* The tail comes after every chunk: a non-zero byte there wins. */
    for (size_t i = off; i < s.len; i++) {
        uint64_t m = nonzero_mask(s.p[i]);
        last = (i & (size_t)m) | (last & ~(size_t)m);
        found |= m;
    }
    clasp_memzero(kept, sizeof(kept));
    clasp_memzero(bytes, sizeof(bytes));
    /* No branch on the outcome either (tests/ct): *idx keeps its value
     * when nothing was found, selected with the found mask, and the code
     * is CLASP_ERR_NOT_FOUND masked by "none found". */
    *idx = (last & (size_t)found) | (*idx & ~(size_t)found);
    int none = (int)(~found & 1u);
    return -none & CLASP_ERR_NOT_FOUND;
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
