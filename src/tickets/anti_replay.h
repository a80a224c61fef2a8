/*
 * Anti-replay for 0-RTT (RFC 8446 §8): the in-memory store behind the
 * public clasp_replay_check_t interface.
 */
#ifndef CLASP_TICKETS_ANTI_REPLAY_H
#define CLASP_TICKETS_ANTI_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Entries of the in-memory store (SECURITY-CHECKLIST resource limits):
 * when every slot holds a live entry, 0-RTT is refused (fail closed). */
#define CLASP_REPLAY_MAX_ENTRIES 4096u
#define CLASP_REPLAY_KEY_LEN 32u

struct clasp_replay_mem;

/* A store that is empty now (created_ms = now_ms). Thread-safe: every
 * check holds the store's mutex (one config serves many threads). */
CLASP_MUST_USE int clasp_replay_mem_new(uint64_t now_ms,
                                        struct clasp_replay_mem **out);
void clasp_replay_mem_free(struct clasp_replay_mem *s);
/* check_and_insert: 0 if key was not present (now it is, until
 * expiry_ms), 1 if it is present and unexpired, CLASP_ERR_* on failure
 * (a full store: CLASP_ERR_ALLOC_FAILED). key is hashed by the caller
 * to CLASP_REPLAY_KEY_LEN bytes. */
CLASP_MUST_USE int clasp_replay_mem_check(struct clasp_replay_mem *s,
                                          const uint8_t *key, size_t key_len,
                                          uint64_t expiry_ms, uint64_t now_ms);

#endif
