/*
 * Public configuration of PSKs, session tickets and the clock (RFC 8446
 * §4.2.11, §4.6.1). The same rules as config.c: arguments are checked,
 * and a config in use is frozen, except for clasp_conf_ticket_key(),
 * which rotates the keys of a running server (the key ring has its own
 * lock, src/tickets/ticket_keys.c).
 */
#include <string.h>

#include "base/mem.h"
#include "hs/config.h"
#include "hs/hs.h"
#include "tickets/tickets.h"

#define CONF_CHECK(conf)                     \
    do {                                     \
        if ((conf) == NULL) {                \
            return CLASP_ERR_BAD_INPUT_DATA; \
        }                                    \
        if (atomic_load(&(conf)->frozen)) {  \
            return CLASP_ERR_BAD_STATE;      \
        }                                    \
    } while (0)

CLASP_STATIC_ASSERT(CLASP_TICKET_KEY_NAME_LEN == CLASP_TK_NAME_LEN &&
                        CLASP_TICKET_KEY_LEN == CLASP_TK_KEY_LEN,
                    "public and internal ticket key sizes agree");

int clasp_conf_clock(clasp_config *conf, clasp_clock_t *f_clock, void *arg)
{
    CONF_CHECK(conf);
    conf->f_clock = f_clock;
    conf->clock_arg = arg;
    return CLASP_OK;
}

int clasp_conf_session_tickets(clasp_config *conf, int count)
{
    CONF_CHECK(conf);
    ENSURE(count >= 0 && count <= (int)CLASP_MAX_TICKETS_PER_HS,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->ticket_count = (unsigned)count;
    return CLASP_OK;
}

int clasp_conf_ticket_lifetime(clasp_config *conf, uint32_t seconds)
{
    CONF_CHECK(conf);
    /* RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than
     * 604800 seconds (7 days)". */
    ENSURE(seconds >= 1 && seconds <= CLASP_TICKET_MAX_LIFETIME,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->ticket_lifetime = seconds;
    return CLASP_OK;
}

int clasp_conf_ticket_rotation(clasp_config *conf, uint32_t seconds)
{
    CONF_CHECK(conf);
    ENSURE(seconds >= CLASP_TICKET_MIN_ROTATION &&
               seconds <= CLASP_TICKET_MAX_LIFETIME,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->ticket_rotation = seconds;
    return CLASP_OK;
}

int clasp_conf_ticket_key(clasp_config *conf, const unsigned char *name,
                          size_t name_len, const unsigned char *key,
                          size_t key_len)
{
    /* Not frozen-checked: rotating a running server is the point. */
    ENSURE(conf != NULL && conf->ticket_keys != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(name != NULL && name_len == CLASP_TICKET_KEY_NAME_LEN &&
               key != NULL && key_len == CLASP_TICKET_KEY_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    return clasp_tk_ring_install(conf->ticket_keys, clasp_hs_now_ms(conf),
                                 conf->ticket_lifetime, name, key);
}

int clasp_conf_ticket_key_cb(clasp_config *conf, clasp_ticket_key_t *f_key,
                             void *arg)
{
    CONF_CHECK(conf);
    ENSURE(conf->endpoint == CLASP_IS_SERVER, CLASP_ERR_BAD_INPUT_DATA);
    conf->f_ticket_key = f_key;
    conf->ticket_key_arg = arg;
    return CLASP_OK;
}

static int hash_of(int hash, clasp_hash_id *out)
{
    switch (hash) {
    case CLASP_PSK_HASH_SHA256: *out = CLASP_HASH_SHA256; return CLASP_OK;
    case CLASP_PSK_HASH_SHA384: *out = CLASP_HASH_SHA384; return CLASP_OK;
    default: return CLASP_ERR_BAD_INPUT_DATA;
    }
}

int clasp_conf_psk_with_hash(clasp_config *conf, const unsigned char *psk,
                             size_t psk_len, const unsigned char *identity,
                             size_t identity_len, int hash)
{
    CONF_CHECK(conf);
    clasp_hash_id h;
    TRY(hash_of(hash, &h));
    ENSURE(psk != NULL && psk_len >= 1 && psk_len <= CLASP_KS_MAX_PSK_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    /* RFC 8446 §4.2.11: identity<1..2^16-1>; ours stay short. */
    ENSURE(identity != NULL && identity_len >= 1 &&
               identity_len <= CLASP_MAX_PSK_IDENTITY_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(conf->psk_count < CLASP_MAX_EXT_PSKS, CLASP_ERR_BAD_INPUT_DATA);
    for (size_t i = 0; i < conf->psk_count; i++) {
        const struct clasp_conf_psk *p = &conf->psks[i];
        ENSURE(p->identity_len != identity_len ||
                   !clasp_ct_equal(p->identity, identity, identity_len),
               CLASP_ERR_BAD_INPUT_DATA);
    }
    struct clasp_conf_psk *p = &conf->psks[conf->psk_count];
    p->identity = clasp_memdup(identity, identity_len);
    p->key = clasp_memdup(psk, psk_len);
    if (p->identity == NULL || p->key == NULL) {
        clasp_mem_free(p->identity);
        clasp_free_secret(p->key, psk_len);
        memset(p, 0, sizeof(*p));
        BAIL(CLASP_ERR_ALLOC_FAILED);
    }
    p->identity_len = identity_len;
    p->key_len = psk_len;
    p->hash = h;
    conf->psk_count++;
    return CLASP_OK;
}

int clasp_conf_psk(clasp_config *conf, const unsigned char *psk, size_t psk_len,
                   const unsigned char *identity, size_t identity_len)
{
    return clasp_conf_psk_with_hash(conf, psk, psk_len, identity, identity_len,
                                    CLASP_PSK_HASH_SHA256);
}

int clasp_conf_psk_cb(clasp_config *conf, clasp_psk_cb_t *f_psk, void *arg)
{
    CONF_CHECK(conf);
    ENSURE(conf->endpoint == CLASP_IS_SERVER, CLASP_ERR_BAD_INPUT_DATA);
    conf->f_psk = f_psk;
    conf->psk_arg = arg;
    return CLASP_OK;
}
