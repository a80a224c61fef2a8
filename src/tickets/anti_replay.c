/*
 * The in-memory anti-replay store (RFC 8446 §8.2 "ClientHello
 * recording", §8.1 single-use tickets): a bounded open table of
 * (key, expiry). Expired entries are reused; a full table refuses to
 * insert, which the handshake turns into "reject 0-RTT" (never into
 * "accept a possible replay").
 *
 * Invariants: at most CLASP_REPLAY_MAX_ENTRIES entries; keys are
 * compared in constant time; the store never calls back into the
 * handshake.
 */
#include <string.h>

#include "base/mem.h"
#include "tickets/anti_replay.h"

struct replay_entry {
    uint8_t key[CLASP_REPLAY_KEY_LEN];
    uint64_t expiry_ms; /* 0: free slot */
};

struct clasp_replay_mem {
    uint64_t created_ms;
    struct replay_entry e[CLASP_REPLAY_MAX_ENTRIES];
};

int clasp_replay_mem_new(uint64_t now_ms, struct clasp_replay_mem **out)
{
    struct clasp_replay_mem *s = clasp_mem_calloc(1, sizeof(*s));
    ENSURE(s != NULL, CLASP_ERR_ALLOC_FAILED);
    s->created_ms = now_ms;
    *out = s;
    return CLASP_OK;
}

void clasp_replay_mem_free(struct clasp_replay_mem *s)
{
    if (s != NULL) {
        clasp_free_secret(s, sizeof(*s));
    }
}

int clasp_replay_mem_check(struct clasp_replay_mem *s, const uint8_t *key,
                           size_t key_len, uint64_t expiry_ms, uint64_t now_ms)
{
    ENSURE(s != NULL && key_len == CLASP_REPLAY_KEY_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    size_t free_slot = SIZE_MAX;
    for (size_t i = 0; i < CLASP_REPLAY_MAX_ENTRIES; i++) {
        struct replay_entry *e = &s->e[i];
        if (e->expiry_ms <= now_ms) {
            e->expiry_ms = 0;
            if (free_slot == SIZE_MAX) {
                free_slot = i;
            }
            continue;
        }
        if (clasp_ct_equal(e->key, key, CLASP_REPLAY_KEY_LEN)) {
            return 1;
        }
    }
    ENSURE(free_slot != SIZE_MAX, CLASP_ERR_ALLOC_FAILED);
    struct replay_entry *e = &s->e[free_slot];
    TRY(clasp_copy(e->key, sizeof(e->key), key, key_len));
    e->expiry_ms = expiry_ms > now_ms ? expiry_ms : now_ms + 1;
    return 0;
}
