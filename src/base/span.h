/* A borrowed view of bytes: {p, len}. Never owns memory. */
#ifndef CLASP_BASE_SPAN_H
#define CLASP_BASE_SPAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p;
    size_t len;
} clasp_span;

static inline clasp_span clasp_span_of(const void *p, size_t len)
{
    clasp_span s = {(const uint8_t *)p, len};
    return s;
}

#endif
