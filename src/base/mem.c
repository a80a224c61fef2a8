/*
 * Allocator hooks, secure wipe and constant-time compare. Every object of
 * the library is allocated here, so an embedded build can plug a pool and
 * the fault-injection tests can fail the N-th allocation.
 */
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

#include "clasp/clasp.h"

static void *(*mem_calloc)(size_t, size_t) = calloc;
static void (*mem_free)(void *) = free;

int clasp_set_allocator(void *(*calloc_fn)(size_t, size_t),
                        void (*free_fn)(void *))
{
    if (calloc_fn == NULL && free_fn == NULL) {
        mem_calloc = calloc;
        mem_free = free;
        return CLASP_OK;
    }
    if (calloc_fn == NULL || free_fn == NULL) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    mem_calloc = calloc_fn;
    mem_free = free_fn;
    return CLASP_OK;
}

void *clasp_mem_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0) {
        n = 1;
        size = 1;
    }
    if (n > SIZE_MAX / size) {
        return NULL;
    }
    return mem_calloc(n, size);
}

void clasp_mem_free(void *p)
{
    if (p != NULL) {
        mem_free(p);
    }
}

void clasp_free_secret(void *p, size_t len)
{
    if (p != NULL) {
        clasp_memzero(p, len);
        mem_free(p);
    }
}

void *clasp_memdup(const void *p, size_t len)
{
    uint8_t *q = clasp_mem_calloc(1, len);
    if (q != NULL && len > 0) {
        memcpy(q, p, len);
    }
    return q;
}

char *clasp_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return clasp_memdup(s, n);
}

/* Writing through a volatile function pointer keeps the compiler from
 * proving the stores dead. */
static void *(*const volatile memset_v)(void *, int, size_t) = memset;

void clasp_memzero(void *p, size_t len)
{
    if (p != NULL && len > 0) {
        memset_v(p, 0, len);
    }
}

bool clasp_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (uint8_t)(acc | (x[i] ^ y[i]));
    }
    return acc == 0;
}

int clasp_copy(void *dst, size_t cap, const void *src, size_t n)
{
    if (n > cap) {
        return CLASP_ERR_BUFFER_TOO_SMALL;
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    return CLASP_OK;
}

int clasp_buf_grow(uint8_t **buf, size_t *cap, size_t used, size_t need,
                   size_t max)
{
    if (need <= *cap) {
        return CLASP_OK;
    }
    if (need > max || used > *cap) {
        return CLASP_ERR_INTERNAL;
    }
    size_t ncap = *cap > 0 ? *cap : 256;
    while (ncap < need) {
        ncap = ncap > max / 2 ? max : ncap * 2;
    }
    uint8_t *nbuf = clasp_mem_calloc(1, ncap);
    if (nbuf == NULL) {
        return CLASP_ERR_ALLOC_FAILED;
    }
    if (used > 0) {
        memcpy(nbuf, *buf, used);
    }
    clasp_free_secret(*buf, *cap);
    *buf = nbuf;
    *cap = ncap;
    return CLASP_OK;
}

void clasp_buf_compact(uint8_t *buf, size_t cap, size_t *off, size_t *len)
{
    if (*off == 0 || *off > *len || *len > cap) {
        return;
    }
    size_t left = *len - *off;
    if (left > 0) {
        memmove(buf, buf + *off, left);
    }
    *off = 0;
    *len = left;
}
