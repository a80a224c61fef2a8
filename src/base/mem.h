/* Allocator hooks, secure wipe, constant-time compare. */
#ifndef CLASP_BASE_MEM_H
#define CLASP_BASE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Zeroed allocation through the installed hooks; NULL on failure or on
 * n * size overflow. */
void *clasp_calloc(size_t n, size_t size);
void clasp_free(void *p);
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

#endif
