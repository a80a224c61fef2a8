/* Big-endian load/store helpers for protocol code (CONVENTIONS.md: no
 * hand-written shifts in protocol code). Operate on trusted buffers the
 * caller sized; untrusted input goes through the reader (rd.h). */
#ifndef CLASP_BASE_BE_H
#define CLASP_BASE_BE_H

#include <stdint.h>

static inline void clasp_be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void clasp_be24_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline void clasp_be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void clasp_be64_put(uint8_t *p, uint64_t v)
{
    clasp_be32_put(p, (uint32_t)(v >> 32));
    clasp_be32_put(p + 4, (uint32_t)v);
}

static inline uint16_t clasp_be16_get(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t clasp_be24_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t clasp_be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static inline uint64_t clasp_be64_get(const uint8_t *p)
{
    return (uint64_t)clasp_be32_get(p) << 32 | clasp_be32_get(p + 4);
}

#endif
