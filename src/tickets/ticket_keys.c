/*
 * A server's ticket keys, and sealing and opening tickets with them
 * (RFC 8446 §4.6.1: "a self-encrypted and self-authenticated value").
 *
 * A ticket is key_name[16] || nonce[12] || AES-256-GCM(key, nonce,
 * aad = key_name, ResumptionState) || tag[16], with a fresh random nonce
 * per ticket. Keys come from one of three places:
 *  - the config's callback (clasp_conf_ticket_key_cb): keys held
 *    elsewhere;
 *  - keys the application installed (clasp_conf_ticket_key): shared by a
 *    fleet, rotated by the application;
 *  - by default, random keys from the CSPRNG, made when the first ticket
 *    is sealed and replaced every rotation interval (SECURITY-CHECKLIST
 *    44: never an all-zero or predictable key, not even for the first
 *    ticket).
 * A key that no longer seals still opens tickets until the last one it
 * sealed has expired (retired + lifetime); the ring holds at most
 * CLASP_TK_MAX_KEYS, the oldest goes first (SECURITY-CHECKLIST 47).
 *
 * The ring is the one mutable part of a frozen, shared config: every
 * access holds its mutex, and key bytes leave it only as stack copies
 * that are wiped after use. A ticket that is not ours in any way opens to
 * CLASP_ERR_NOT_FOUND, never to a crash (SECURITY-CHECKLIST 45).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <string.h>

#include "base/mem.h"
#include "crypto/suites.h"
#include "hs/config.h"
#include "tickets/tickets.h"

/* The AEAD of tickets: AES-256-GCM, through the provider's TLS suite
 * table (TLS_AES_256_GCM_SHA384 names exactly that AEAD). */
#define TICKET_AEAD CLASP_TLS1_3_AES_256_GCM_SHA384

struct tk_key {
    uint8_t name[CLASP_TK_NAME_LEN];
    uint8_t key[CLASP_TK_KEY_LEN];
    uint64_t created_ms;
    uint64_t retired_ms; /* 0 while it seals */
};

struct clasp_tk_ring {
    pthread_mutex_t lock;
    struct tk_key keys[CLASP_TK_MAX_KEYS]; /* oldest first */
    size_t count;
    bool manual; /* keys installed by the application */
};

int clasp_tk_ring_new(struct clasp_tk_ring **out)
{
    struct clasp_tk_ring *ring = clasp_mem_calloc(1, sizeof(*ring));
    ENSURE(ring != NULL, CLASP_ERR_ALLOC_FAILED);
    if (pthread_mutex_init(&ring->lock, NULL) != 0) {
        clasp_mem_free(ring);
        BAIL(CLASP_ERR_INTERNAL);
    }
    *out = ring;
    return CLASP_OK;
}

void clasp_tk_ring_free(struct clasp_tk_ring *ring)
{
    if (ring == NULL) {
        return;
    }
    pthread_mutex_destroy(&ring->lock);
    clasp_free_secret(ring, sizeof(*ring));
}

size_t clasp_tk_ring_count(struct clasp_tk_ring *ring)
{
    pthread_mutex_lock(&ring->lock);
    size_t n = ring->count;
    pthread_mutex_unlock(&ring->lock);
    return n;
}

static bool key_expired(const struct tk_key *k, uint64_t now,
                        uint32_t lifetime_s)
{
    return k->retired_ms != 0 &&
           now >= k->retired_ms + (uint64_t)lifetime_s * 1000u;
}

static void drop(struct clasp_tk_ring *ring, size_t i)
{
    for (size_t j = i + 1; j < ring->count; j++) {
        ring->keys[j - 1] = ring->keys[j];
    }
    ring->count--;
    clasp_memzero(&ring->keys[ring->count], sizeof(ring->keys[0]));
}

/* Under the lock: retire the current key, forget expired ones, make room,
 * and append k as the new current key. */
static void push(struct clasp_tk_ring *ring, const struct tk_key *k,
                 uint64_t now, uint32_t lifetime_s)
{
    if (ring->count > 0 && ring->keys[ring->count - 1].retired_ms == 0) {
        /* Never 0 once retired, whatever the clock says. */
        ring->keys[ring->count - 1].retired_ms = now > 0 ? now : 1;
    }
    for (size_t i = 0; i < ring->count;) {
        if (key_expired(&ring->keys[i], now, lifetime_s)) {
            drop(ring, i);
        } else {
            i++;
        }
    }
    if (ring->count == CLASP_TK_MAX_KEYS) {
        drop(ring, 0);
    }
    ring->keys[ring->count++] = *k;
}

int clasp_tk_ring_install(struct clasp_tk_ring *ring, uint64_t now_ms,
                          uint32_t lifetime_s, const uint8_t *name,
                          const uint8_t *key)
{
    struct tk_key k;
    memset(&k, 0, sizeof(k));
    int rc = clasp_copy(k.name, sizeof(k.name), name, CLASP_TK_NAME_LEN);
    if (rc == CLASP_OK) {
        rc = clasp_copy(k.key, sizeof(k.key), key, CLASP_TK_KEY_LEN);
    }
    k.created_ms = now_ms;
    if (rc == CLASP_OK) {
        pthread_mutex_lock(&ring->lock);
        ring->manual = true;
        push(ring, &k, now_ms, lifetime_s);
        pthread_mutex_unlock(&ring->lock);
    }
    clasp_memzero(&k, sizeof(k));
    return rc;
}

/* The key to seal with now: name and key copied out. */
static int ring_current(const clasp_config *conf, uint64_t now, uint8_t *name,
                        uint8_t *key)
{
    struct clasp_tk_ring *ring = conf->ticket_keys;
    ENSURE(ring != NULL, CLASP_ERR_INTERNAL);
    int rc = CLASP_OK;
    pthread_mutex_lock(&ring->lock);
    const struct tk_key *cur =
        ring->count > 0 ? &ring->keys[ring->count - 1] : NULL;
    bool stale =
        cur == NULL || cur->retired_ms != 0 ||
        (!ring->manual &&
         (now + CLASP_TICKET_CLOCK_SKEW_MS < cur->created_ms ||
          (now > cur->created_ms &&
           now - cur->created_ms >= (uint64_t)conf->ticket_rotation * 1000u)));
    if (stale && !ring->manual) {
        /* A new random key before it seals anything (also when the clock
         * went back more than the skew we tolerate). */
        struct tk_key k;
        memset(&k, 0, sizeof(k));
        rc = conf->prov->random(conf->prov->ctx, k.name, sizeof(k.name));
        if (rc == CLASP_OK) {
            rc = conf->prov->random(conf->prov->ctx, k.key, sizeof(k.key));
        }
        k.created_ms = now;
        if (rc == CLASP_OK) {
            push(ring, &k, now, conf->ticket_lifetime);
            /* Only now: after a failed random() the ring may be empty. */
            cur = &ring->keys[ring->count - 1];
        }
        clasp_memzero(&k, sizeof(k));
    } else if (stale) {
        rc = CLASP_ERR_NOT_FOUND;
    }
    if (rc == CLASP_OK) {
        rc = clasp_copy(name, CLASP_TK_NAME_LEN, cur->name, CLASP_TK_NAME_LEN);
    }
    if (rc == CLASP_OK) {
        rc = clasp_copy(key, CLASP_TK_KEY_LEN, cur->key, CLASP_TK_KEY_LEN);
    }
    pthread_mutex_unlock(&ring->lock);
    return rc;
}

/* The key of a name, if it still opens tickets. */
static int ring_find(const clasp_config *conf, uint64_t now,
                     const uint8_t *name, uint8_t *key)
{
    struct clasp_tk_ring *ring = conf->ticket_keys;
    ENSURE(ring != NULL, CLASP_ERR_INTERNAL);
    int rc = CLASP_ERR_NOT_FOUND;
    pthread_mutex_lock(&ring->lock);
    for (size_t i = 0; i < ring->count; i++) {
        const struct tk_key *k = &ring->keys[i];
        if (clasp_ct_equal(k->name, name, CLASP_TK_NAME_LEN) &&
            !key_expired(k, now, conf->ticket_lifetime)) {
            rc = clasp_copy(key, CLASP_TK_KEY_LEN, k->key, CLASP_TK_KEY_LEN);
            break;
        }
    }
    pthread_mutex_unlock(&ring->lock);
    return rc;
}

static int get_key(const clasp_config *conf, uint64_t now, bool seal,
                   uint8_t *name, uint8_t *key)
{
    if (conf->f_ticket_key != NULL) {
        int rc =
            conf->f_ticket_key(conf->ticket_key_arg, seal ? 1 : 0, name, key);
        return rc < 0 ? CLASP_ERR_NOT_FOUND : CLASP_OK;
    }
    return seal ? ring_current(conf, now, name, key)
                : ring_find(conf, now, name, key);
}

static int tk_seal(const clasp_config *conf, uint64_t now_ms,
                   const struct clasp_psk_state *st, uint8_t *out, size_t cap,
                   size_t *len)
{
    const clasp_provider *prov = conf->prov;
    uint8_t name[CLASP_TK_NAME_LEN];
    uint8_t key[CLASP_TK_KEY_LEN];
    uint8_t plain[CLASP_MAX_OWN_TICKET_LEN];
    clasp_aead *aead = NULL;
    clasp_wr w = clasp_wr_init(out, cap);
    clasp_wr pw = clasp_wr_init(plain, sizeof(plain));
    uint8_t nonce[CLASP_TK_NONCE_LEN];
    uint8_t *sealed = NULL;
    int rc = get_key(conf, now_ms, true, name, key);
    if (rc == CLASP_OK) {
        rc = clasp_tk_state_write(&pw, st);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_finish(&pw);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_bytes(&w, name, sizeof(name));
    }
    if (rc == CLASP_OK) {
        /* A fresh random nonce per ticket: with one key sealing up to a
         * rotation interval of tickets, 96 random bits keep collisions
         * out of reach. */
        rc = prov->random(prov->ctx, nonce, sizeof(nonce));
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_bytes(&w, nonce, sizeof(nonce));
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_reserve(&w, pw.len + CLASP_TK_TAG_LEN, &sealed);
    }
    if (rc == CLASP_OK) {
        rc = prov->aead_new(prov->ctx, TICKET_AEAD, key, sizeof(key), &aead);
    }
    if (rc == CLASP_OK) {
        rc = prov->aead_seal(aead, nonce, name, sizeof(name), plain, pw.len,
                             sealed);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_finish(&w);
        *len = w.len;
    }
    if (aead != NULL) {
        prov->aead_free(aead);
    }
    clasp_memzero(key, sizeof(key));
    clasp_memzero(plain, sizeof(plain));
    return rc;
}

static int tk_open(const clasp_config *conf, uint64_t now_ms, clasp_span ticket,
                   struct clasp_psk_state *st)
{
    const clasp_provider *prov = conf->prov;
    clasp_rd r = clasp_rd_of_span(ticket);
    uint8_t name[CLASP_TK_NAME_LEN];
    uint8_t nonce[CLASP_TK_NONCE_LEN];
    uint8_t key[CLASP_TK_KEY_LEN];
    uint8_t plain[CLASP_MAX_OWN_TICKET_LEN];
    clasp_span sealed;
    /* Not even the shape of one of ours: someone else's identity. */
    if (ticket.len > CLASP_MAX_OWN_TICKET_LEN + CLASP_TK_TAG_LEN ||
        clasp_rd_copy(&r, name, sizeof(name)) < 0 ||
        clasp_rd_copy(&r, nonce, sizeof(nonce)) < 0 ||
        clasp_rd_left(&r) <= CLASP_TK_TAG_LEN ||
        clasp_rd_rest_span(&r, &sealed) < 0) {
        return CLASP_ERR_NOT_FOUND;
    }
    size_t plain_len = sealed.len - CLASP_TK_TAG_LEN;
    if (plain_len > sizeof(plain)) {
        return CLASP_ERR_NOT_FOUND;
    }
    int rc = get_key(conf, now_ms, false, name, key);
    clasp_aead *aead = NULL;
    if (rc == CLASP_OK) {
        rc = prov->aead_new(prov->ctx, TICKET_AEAD, key, sizeof(key), &aead);
    }
    clasp_memzero(key, sizeof(key));
    if (rc == CLASP_OK) {
        rc = prov->aead_open(aead, nonce, name, sizeof(name), sealed.p,
                             sealed.len, plain);
        if (rc == CLASP_ERR_BAD_RECORD_MAC) {
            /* Forged, damaged, or sealed under another key of that name. */
            rc = CLASP_ERR_NOT_FOUND;
        }
    }
    if (aead != NULL) {
        prov->aead_free(aead);
    }
    if (rc == CLASP_OK) {
        clasp_rd pr = clasp_rd_init(plain, plain_len);
        if (clasp_tk_state_parse(&pr, st) < 0 || clasp_rd_done(&pr) < 0) {
            rc = CLASP_ERR_NOT_FOUND;
        }
    }
    if (rc != CLASP_OK) {
        clasp_memzero(st, sizeof(*st));
    }
    clasp_memzero(plain, sizeof(plain));
    return rc;
}

const struct clasp_ticket_ops clasp_tk_ops = {
    .seal = tk_seal,
    .open = tk_open,
};
