/* Allocator hooks, secure wipe, constant-time compare. */
#ifndef CLASP_BASE_MEM_H
#define CLASP_BASE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Zeroed allocation through the installed hooks; NULL on failure or on
 * n * size overflow. */
void *clasp_mem_calloc(size_t n, size_t size);
void clasp_mem_free(void *p);
/* Wipe then free; len is the number of bytes to wipe. */
void clasp_free_secret(void *p, size_t len);
/* Duplicate bytes / a C string through the hooks (NULL on failure). */
void *clasp_memdup(const void *p, size_t len);
char *clasp_strdup(const char *s);

/* A wipe the optimiser cannot remove. */
void clasp_memzero(void *p, size_t len);

/* Constant-time equality of two n-byte buffers (time depends only on n). */
bool clasp_ct_equal(const void *a, const void *b, size_t n);

/* Copy n bytes into dst of capacity cap; CLASP_ERR_BUFFER_TOO_SMALL if it
 * does not fit. Both are trusted buffers (input goes through rd.h). */
CLASP_MUST_USE int clasp_copy(void *dst, size_t cap, const void *src, size_t n);

/* A pointer to offset off of a buffer we own (cap bytes), or NULL when off
 * is past its end: keeps offset arithmetic on connection buffers in
 * base/ (DESIGN.md §3.4). */
static inline uint8_t *clasp_buf_at(uint8_t *buf, size_t cap, size_t off)
{
    if (off > cap) {
        return NULL;
    }
    return off > 0 ? buf + off : buf; /* no NULL + 0 */
}

/* Grow *buf (holding used bytes) to at least need bytes of capacity,
 * through the allocator hooks; never above max. The old buffer is wiped.
 * CLASP_ERR_ALLOC_FAILED, or CLASP_ERR_INTERNAL when need > max. */
/* Move the unread bytes [*off, *len) of a buffer we own to its front. */
void clasp_buf_compact(uint8_t *buf, size_t cap, size_t *off, size_t *len);

CLASP_MUST_USE int clasp_buf_grow(uint8_t **buf, size_t *cap, size_t used,
                                  size_t need, size_t max);
#endif
