/*
 * The in-memory anti-replay store (RFC 8446 §8.2 "ClientHello
 * recording", §8.1 single-use tickets): a bounded open table of
 * (key, expiry). Expired entries are reused; a full table refuses to
 * insert, which the handshake turns into "reject 0-RTT" (never into
 * "accept a possible replay").
 *
 * Invariants: at most CLASP_REPLAY_MAX_ENTRIES entries; keys are
 * compared in constant time; the store never calls back into the
 * handshake. One config (and so one store) serves every connection made
 * with it, on any thread: each check holds the store's mutex, so a
 * ClientHello sent to two connections at once is "new" for one only.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <string.h>

#include "base/mem.h"
#include "tickets/anti_replay.h"

struct replay_entry {
    uint8_t key[CLASP_REPLAY_KEY_LEN];
    uint64_t expiry_ms; /* 0: free slot */
};

struct clasp_replay_mem {
    pthread_mutex_t lock;
    uint64_t created_ms;
    struct replay_entry e[CLASP_REPLAY_MAX_ENTRIES];
};

int clasp_replay_mem_new(uint64_t now_ms, struct clasp_replay_mem **out)
{
    struct clasp_replay_mem *s = clasp_mem_calloc(1, sizeof(*s));
    ENSURE(s != NULL, CLASP_ERR_ALLOC_FAILED);
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        clasp_mem_free(s);
        BAIL(CLASP_ERR_INTERNAL);
    }
    s->created_ms = now_ms;
    *out = s;
    return CLASP_OK;
}

void clasp_replay_mem_free(struct clasp_replay_mem *s)
{
    if (s != NULL) {
        pthread_mutex_destroy(&s->lock);
        clasp_free_secret(s, sizeof(*s));
    }
}

/* The check itself; the caller holds s->lock. */
static int check_locked(struct clasp_replay_mem *s, const uint8_t *key,
                        size_t key_len, uint64_t expiry_ms, uint64_t now_ms)
{
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

int clasp_replay_mem_check(struct clasp_replay_mem *s, const uint8_t *key,
                           size_t key_len, uint64_t expiry_ms, uint64_t now_ms)
{
    ENSURE(s != NULL && key_len == CLASP_REPLAY_KEY_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    pthread_mutex_lock(&s->lock);
    int rc = check_locked(s, key, key_len, expiry_ms, now_ms);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
