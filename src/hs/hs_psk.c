/*
 * Pre-shared keys in the handshake, both roles (RFC 8446 §2.2, §4.2.9,
 * §4.2.11, §4.6.1): what a client offers and the binders over the
 * truncated ClientHello; the server's choice of the first acceptable
 * identity and its binder check; the client's checks of the ServerHello;
 * NewSessionTicket out (server) and in (client).
 *
 * Owns: hs->psk_* and the context's ticket list. A ticket is sealed and
 * opened only through conf->ticket_ops (src/tickets/ fills it: this layer
 * never includes tickets/ headers); a client's tickets are plain struct
 * clasp_tkt values in the context.
 *
 * Invariants: a server checks exactly one binder, the one of the identity
 * it selects, in constant time (a mismatch is decrypt_error, never a
 * fallback); an identity it cannot use (unknown, expired, another key,
 * another server name or ALPN, another hash) is skipped; a client offers
 * a ticket once, and only for the server name it was issued for. Only
 * the no-checks fuzzing build (base/fuzzing.h, never libclasp) lets a
 * wrong binder pass.
 */
#include <string.h>
#include <time.h>

#include "base/be.h"
#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs_common.h"

#define MODE_PSK CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK
#define MODE_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
#define MODE_PSK_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL

uint64_t clasp_hs_now_ms(const clasp_config *conf)
{
    if (conf != NULL && conf->f_clock != NULL) {
        return conf->f_clock(conf->clock_arg);
    }
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC || ts.tv_sec < 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void clasp_tkt_clear(struct clasp_tkt *t)
{
    if (t->ticket != NULL) {
        clasp_mem_free(t->ticket);
    }
    clasp_memzero(t, sizeof(*t));
}

int clasp_tkt_copy(struct clasp_tkt *dst, const struct clasp_tkt *src)
{
    ENSURE(dst->ticket == NULL && src->ticket != NULL, CLASP_ERR_INTERNAL);
    uint8_t *copy = clasp_memdup(src->ticket, src->ticket_len);
    ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
    *dst = *src;
    dst->ticket = copy;
    return CLASP_OK;
}

void clasp_hs_tickets_clear(clasp_conn *c)
{
    for (size_t i = 0; i < c->tickets_cap; i++) {
        clasp_tkt_clear(&c->tickets[i]);
    }
    clasp_free_secret(c->tickets, c->tickets_cap * sizeof(c->tickets[0]));
    c->tickets = NULL;
    c->tickets_cap = 0;
    c->ticket_count = 0;
}

/* Room for n tickets (n <= CLASP_MAX_CLIENT_TICKETS), keeping those held:
 * the slots grow one at a time, so a client holds what it uses. */
static int tickets_room(clasp_conn *c, size_t n)
{
    if (n <= c->tickets_cap) {
        return CLASP_OK;
    }
    ENSURE(n <= CLASP_MAX_CLIENT_TICKETS, CLASP_ERR_INTERNAL);
    struct clasp_tkt *t = clasp_mem_calloc(n, sizeof(*t));
    ENSURE(t != NULL, CLASP_ERR_ALLOC_FAILED);
    for (size_t i = 0; i < c->ticket_count; i++) {
        t[i] = c->tickets[i];
    }
    clasp_free_secret(c->tickets, c->tickets_cap * sizeof(c->tickets[0]));
    c->tickets = t;
    c->tickets_cap = n;
    return CLASP_OK;
}

int clasp_hs_tickets_set(clasp_conn *c, struct clasp_tkt *t, size_t n)
{
    ENSURE(n <= CLASP_MAX_CLIENT_TICKETS, CLASP_ERR_BAD_INPUT_DATA);
    struct clasp_tkt *slots = NULL;
    if (n > 0) {
        slots = clasp_mem_calloc(n, sizeof(*slots));
        ENSURE(slots != NULL, CLASP_ERR_ALLOC_FAILED);
    }
    clasp_hs_tickets_clear(c);
    for (size_t i = 0; i < n; i++) {
        slots[i] = t[i];
    }
    c->tickets = slots;
    c->tickets_cap = n;
    c->ticket_count = n;
    return CLASP_OK;
}

/* Remove tickets[i] (its bytes move to *out when out is not NULL). */
static void ticket_take(clasp_conn *c, size_t i, struct clasp_tkt *out)
{
    if (out != NULL) {
        *out = c->tickets[i];
        c->tickets[i].ticket = NULL;
    }
    clasp_tkt_clear(&c->tickets[i]);
    for (size_t j = i + 1; j < c->ticket_count; j++) {
        c->tickets[j - 1] = c->tickets[j];
    }
    c->ticket_count--;
    clasp_memzero(&c->tickets[c->ticket_count], sizeof(c->tickets[0]));
}

static bool span_eq_buf(clasp_span a, const uint8_t *b, size_t b_len)
{
    return clasp_ext_span_eq(a, clasp_span_of(b, b_len)) == 1;
}

static clasp_span hostname_span(const clasp_conn *c)
{
    if (c->hostname == NULL) {
        return clasp_span_of(NULL, 0);
    }
    return clasp_span_of(c->hostname, strlen(c->hostname));
}

/* Is a suite of this hash among the config's (and, after HRR, the one
 * HelloRetryRequest fixed)? */
static bool conf_has_hash(const clasp_conn *c, clasp_hash_id hash)
{
    for (size_t i = 0; i < c->conf->suite_count; i++) {
        const clasp_suite *s = clasp_suite_find(c->conf->suites[i]);
        if (s != NULL && s->hash == hash) {
            return true;
        }
    }
    return false;
}

/* ---- client: what to offer ------------------------------------------------
 */

/* A ticket the client may offer now (RFC 8446 §4.2.11.1, §4.6.1). */
static bool ticket_usable(const clasp_conn *c, const struct clasp_tkt *t)
{
    const struct clasp_psk_state *st = &t->st;
    const clasp_suite *s = clasp_suite_find(st->suite);
    if (s == NULL || st->version != CLASP_VERSION_TLS1_3 ||
        !conf_has_hash(c, s->hash)) {
        return false;
    }
    /* §4.6.1: only for the server name of the original session. */
    if (!span_eq_buf(hostname_span(c), st->sni, st->sni_len)) {
        return false;
    }
    /* A server we must authenticate: only tickets from a connection that
     * authenticated it (SECURITY-CHECKLIST 56). */
    if (c->conf->authmode == CLASP_VERIFY_REQUIRED &&
        (st->auth & CLASP_PSK_AUTH_PEER_OK) == 0) {
        return false;
    }
    return true;
}

static bool ticket_expired(const struct clasp_tkt *t, uint64_t now)
{
    /* §4.2.11.1: no ticket older than its ticket_lifetime; §4.6.1: none
     * cached longer than 7 days. */
    uint64_t age = now >= t->st.created_ms ? now - t->st.created_ms : 0;
    uint32_t life = t->st.lifetime < CLASP_TICKET_MAX_LIFETIME
                        ? t->st.lifetime
                        : CLASP_TICKET_MAX_LIFETIME;
    return age >= (uint64_t)life * 1000u;
}

int clasp_hs_cli_psk_prepare(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    hs->psk_offer_count = 0;
    if ((conf->kex_modes & (MODE_PSK | MODE_PSK_EPH)) == 0) {
        return CLASP_OK;
    }
    uint64_t now = clasp_hs_now_ms(conf);
    /* Expired tickets go; the newest usable one is offered. */
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < c->ticket_count;) {
        const struct clasp_tkt *t = &c->tickets[i];
        if (ticket_expired(t, now)) {
            ticket_take(c, i, NULL);
            continue;
        }
        if (conf->ticket_count > 0 && ticket_usable(c, t) &&
            (best == SIZE_MAX ||
             t->st.created_ms >= c->tickets[best].st.created_ms)) {
            best = i;
        }
        i++;
    }
    if (best != SIZE_MAX) {
        ticket_take(c, best, &hs->psk_ticket);
        const struct clasp_tkt *t = &hs->psk_ticket;
        struct clasp_psk_offer *o = &hs->psk_offers[hs->psk_offer_count++];
        o->identity = t->ticket;
        o->identity_len = t->ticket_len;
        o->key = t->st.psk;
        o->key_len = t->st.psk_len;
        o->hash = clasp_suite_find(t->st.suite)->hash;
        o->external = false;
    }
    for (size_t i = 0; i < conf->psk_count; i++) {
        const struct clasp_conf_psk *p = &conf->psks[i];
        if (hs->psk_offer_count == CLASP_MAX_PSK_OFFERS ||
            !conf_has_hash(c, p->hash)) {
            continue;
        }
        struct clasp_psk_offer *o = &hs->psk_offers[hs->psk_offer_count++];
        o->identity = p->identity;
        o->identity_len = p->identity_len;
        o->key = p->key;
        o->key_len = p->key_len;
        o->hash = p->hash;
        o->external = true;
    }
    return CLASP_OK;
}

int clasp_hs_cli_psk_exts(clasp_conn *c, struct clasp_exts *e)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    unsigned modes = conf->kex_modes;
    if ((modes & (MODE_PSK | MODE_PSK_EPH)) == 0 ||
        (conf->ticket_count == 0 && conf->psk_count == 0)) {
        return CLASP_OK;
    }
    /* §4.2.9: the modes we accept, for this ClientHello's PSKs and for
     * the tickets the server may send; psk_dhe_ke first. Sent in both
     * ClientHellos alike (§4.1.2 allows no change). */
    struct clasp_ext_psk_modes *pm = &e->psk_modes;
    pm->ke_modes_kept = 0;
    if (modes & MODE_PSK_EPH) {
        pm->ke_modes[pm->ke_modes_kept++] = CLASP_PSK_DHE_KE;
    }
    if (modes & MODE_PSK) {
        pm->ke_modes[pm->ke_modes_kept++] = CLASP_PSK_KE;
    }
    pm->ke_modes_count = pm->ke_modes_kept;
    hs->psk_dhe_offered = (modes & MODE_PSK_EPH) != 0;
    hs->psk_ke_offered = (modes & MODE_PSK) != 0;
    clasp_exts_set(e, CLASP_EXT_ID_PSK_KEY_EXCHANGE_MODES);

    if (hs->hrr_seen) {
        /* §4.1.4: after HelloRetryRequest, only PSKs of the hash of the
         * suite it chose. */
        size_t n = 0;
        for (size_t i = 0; i < hs->psk_offer_count; i++) {
            if (hs->psk_offers[i].hash == c->suite->hash) {
                hs->psk_offers[n++] = hs->psk_offers[i];
            }
        }
        hs->psk_offer_count = n;
    }
    if (hs->psk_offer_count == 0) {
        return CLASP_OK;
    }
    static const uint8_t zeros[CLASP_MAX_HASH_LEN] = {0};
    uint64_t now = clasp_hs_now_ms(conf);
    struct clasp_ext_psk *p = &e->psk;
    for (size_t i = 0; i < hs->psk_offer_count; i++) {
        const struct clasp_psk_offer *o = &hs->psk_offers[i];
        p->identities[i].identity = clasp_span_of(o->identity, o->identity_len);
        p->identities[i].obfuscated_ticket_age = 0;
        if (!o->external) {
            /* §4.2.11.1: age in ms plus ticket_age_add, mod 2^32; the
             * age is rounded down by a margin (psk.h). */
            const struct clasp_psk_state *st = &hs->psk_ticket.st;
            uint64_t since = st->created_ms + CLASP_TICKET_AGE_MARGIN_MS;
            uint64_t age = now > since ? now - since : 0;
            p->identities[i].obfuscated_ticket_age =
                (uint32_t)(age + st->age_add);
        }
        /* The real binders follow once the message is written. */
        p->binders[i] = clasp_span_of(zeros, clasp_hash_len(o->hash));
    }
    p->identities_kept = hs->psk_offer_count;
    p->identities_count = hs->psk_offer_count;
    clasp_exts_set(e, CLASP_EXT_ID_PRE_SHARED_KEY);
    if (CLASP_WITH_TRACE && conf->f_dbg != NULL) {
        clasp_hs_log(c, CLASP_DEBUG_MSG,
                     "  pre_shared_key: %zu identit%s offered (%s%s), "
                     "psk_key_exchange_modes:%s%s",
                     hs->psk_offer_count,
                     hs->psk_offer_count == 1 ? "y" : "ies",
                     hs->psk_offers[0].external ? "external" : "ticket",
                     hs->psk_offer_count > 1 ? ", ..." : "",
                     hs->psk_dhe_offered ? " psk_dhe_ke" : "",
                     hs->psk_ke_offered ? " psk_ke" : "");
    }
    return CLASP_OK;
}

/* The binder of one PSK over th (RFC 8446 §4.2.11.2). */
static int binder_of(const clasp_conn *c, const uint8_t *key, size_t key_len,
                     clasp_hash_id hash, bool external, const uint8_t *th,
                     uint8_t *out)
{
    clasp_ks ks;
    memset(&ks, 0, sizeof(ks));
    int rc = clasp_ks_init(&ks, c->prov, hash);
    if (rc == CLASP_OK) {
        rc = clasp_ks_early(&ks, key, key_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ks_binder(&ks, external, th, out);
    }
    clasp_ks_wipe(&ks);
    return rc;
}

int clasp_hs_cli_psk_binders(clasp_conn *c, clasp_wr *w,
                             struct clasp_ext_psk *psk)
{
    struct clasp_hs *hs = c->hs;
    if (hs->psk_offer_count == 0) {
        return CLASP_OK;
    }
    /* §4.2.11.2: the binders<33..2^16-1> vector is the end of the
     * ClientHello (pre_shared_key comes last); Truncate() drops it, the
     * lengths before it already count binders of the right sizes. */
    size_t tail = 2;
    for (size_t i = 0; i < hs->psk_offer_count; i++) {
        tail += 1 + clasp_hash_len(hs->psk_offers[i].hash);
    }
    ENSURE(tail < w->len, CLASP_ERR_INTERNAL);
    size_t trunc = w->len - tail;
    uint8_t binders[CLASP_MAX_PSK_OFFERS][CLASP_MAX_HASH_LEN];
    for (size_t i = 0; i < hs->psk_offer_count; i++) {
        const struct clasp_psk_offer *o = &hs->psk_offers[i];
        uint8_t th[CLASP_MAX_HASH_LEN];
        /* CH1: Transcript-Hash(Truncate(CH1)); after HRR the transcript
         * already holds message_hash(CH1) and the HRR. */
        TRY(clasp_ts_hash_with(&hs->ts, o->hash, w->buf, trunc, th));
        TRY(binder_of(c, o->key, o->key_len, o->hash, o->external, th,
                      binders[i]));
        psk->binders[i] = clasp_span_of(binders[i], clasp_hash_len(o->hash));
    }
    clasp_wr bw = clasp_wr_init(clasp_buf_at(w->buf, w->cap, trunc), tail);
    TRY(clasp_ext_psk_binders_write(&bw, psk));
    ENSURE(bw.len == tail, CLASP_ERR_INTERNAL);
    return CLASP_OK;
}

/* ---- client: the server's answer ------------------------------------------
 */

int clasp_hs_cli_psk_sh(clasp_conn *c, const struct clasp_sh *sh)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    bool has_ks = clasp_exts_has(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    /* The registry refused a pre_shared_key we did not send. */
    if (!clasp_exts_has(&sh->exts, CLASP_EXT_ID_PRE_SHARED_KEY)) {
        /* A full handshake: certificates and (EC)DHE, if we allow them;
         * the server's share is then mandatory (§4.2.8). */
        ENSURE((conf->kex_modes & MODE_EPH) != 0, CLASP_ERR_HANDSHAKE_FAILURE);
        ENSURE(has_ks, CLASP_ERR_MISSING_EXTENSION);
        c->kex_mode = MODE_EPH;
        return CLASP_OK;
    }
    /* §4.2.11: selected_identity within our list, a suite of the PSK's
     * hash, and a key_share exactly when the mode we offered needs it
     * (§4.2.9); else illegal_parameter (SECURITY-CHECKLIST 43). */
    uint16_t idx = sh->exts.psk.selected_identity;
    ENSURE(idx < hs->psk_offer_count, CLASP_ERR_ILLEGAL_PARAMETER);
    const struct clasp_psk_offer *o = &hs->psk_offers[idx];
    const clasp_suite *s = clasp_suite_find(sh->cipher_suite);
    ENSURE(s != NULL && s->hash == o->hash, CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(has_ks ? hs->psk_dhe_offered : hs->psk_ke_offered,
           CLASP_ERR_ILLEGAL_PARAMETER);
    hs->psk_accepted = true;
    hs->psk_dhe = has_ks;
    hs->psk_external = o->external;
    hs->psk_index = idx;
    hs->psk_key = o->key;
    hs->psk_key_len = o->key_len;
    hs->psk_hash = o->hash;
    c->kex_mode = has_ks ? MODE_PSK_EPH : MODE_PSK;
    c->resumed = !o->external;
    if (o->external) {
        uint8_t *id = clasp_memdup(o->identity, o->identity_len);
        ENSURE(id != NULL, CLASP_ERR_ALLOC_FAILED);
        clasp_mem_free(c->psk_identity);
        c->psk_identity = id;
        c->psk_identity_len = o->identity_len;
    }
    clasp_hs_log(c, CLASP_DEBUG_MSG,
                 "  pre_shared_key: server selected %s %u, %s",
                 o->external ? "external PSK" : "ticket", idx,
                 has_ks ? "psk_dhe_ke" : "psk_ke");
    return CLASP_OK;
}

/* ---- server: choosing a PSK -----------------------------------------------
 */

/* Our preferred suite of this hash that the client offers; after HRR
 * only the suite HRR fixed. */
static const clasp_suite *suite_for_hash(const clasp_conn *c,
                                         const struct clasp_ch *ch,
                                         clasp_hash_id hash)
{
    if (c->hs->hrr_sent) {
        return c->suite != NULL && c->suite->hash == hash ? c->suite : NULL;
    }
    for (size_t i = 0; i < c->conf->suite_count; i++) {
        const clasp_suite *s = clasp_suite_find(c->conf->suites[i]);
        if (s != NULL && s->hash == hash &&
            clasp_ext_u16_list_has(&ch->cipher_suites, s->iana) > 0) {
            return s;
        }
    }
    return NULL;
}

/* May this ticket's state be resumed in this handshake? (RFC 8446 §4.6.1;
 * SECURITY-CHECKLIST 44, 56.) */
static bool state_usable(clasp_conn *c, const struct clasp_ch *ch,
                         const struct clasp_psk_state *st, uint64_t now)
{
    struct clasp_hs *hs = c->hs;
    const clasp_suite *s = clasp_suite_find(st->suite);
    const char *why = NULL;
    const uint8_t both = CLASP_PSK_AUTH_PEER_CERT | CLASP_PSK_AUTH_PEER_OK;
    clasp_span sni = clasp_span_of(NULL, 0);
    if (clasp_exts_has(&ch->exts, CLASP_EXT_ID_SERVER_NAME)) {
        sni = ch->exts.server_name.host_name;
    }
    if (st->version != CLASP_VERSION_TLS1_3 || s == NULL ||
        st->psk_len != s->hash_len ||
        st->max_early_data > CLASP_MAX_EARLY_DATA) {
        /* Not a state we write: our tickets carry at most the setter's
         * cap of max_early_data_size (found by fuzz_server_nc: such a
         * state made 0-RTT acceptance fail with internal_error). */
        why = "inconsistent";
    } else if (st->lifetime > CLASP_TICKET_MAX_LIFETIME ||
               st->created_ms > now + CLASP_TICKET_CLOCK_SKEW_MS ||
               (now > st->created_ms &&
                now - st->created_ms >= (uint64_t)st->lifetime * 1000u)) {
        /* A ticket from up to a minute in the future is a clock skew
         * between servers sharing keys, not a forgery (SECURITY-CHECKLIST
         * "Ticket age skew"). */
        why = "expired";
    } else if (!span_eq_buf(sni, st->sni, st->sni_len)) {
        why = "issued for another server name";
    } else if (st->alpn_len != hs->alpn_len ||
               !clasp_ct_equal(st->alpn, hs->alpn, st->alpn_len)) {
        why = "issued with another ALPN protocol";
    } else if (c->conf->authmode == CLASP_VERIFY_REQUIRED &&
               (st->auth & both) != both) {
        /* A ticket of a connection without a verified client certificate
         * does not satisfy a server that requires one (SECURITY-CHECKLIST
         * 56: the authentication state travels with the ticket). */
        why = "without the client certificate we require";
    }
    if (why != NULL) {
        clasp_hs_log(c, CLASP_DEBUG_MSG, "  pre_shared_key: ticket %s", why);
        return false;
    }
    return true;
}

/* Find the key of one identity: a configured external PSK, one of our
 * tickets, or the application's callback. 1 and hs->psk_key etc. set, 0
 * if the identity is of no use, < 0 on failure. */
static int resolve(clasp_conn *c, const struct clasp_ch *ch, clasp_span id,
                   uint64_t now)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    for (size_t i = 0; i < conf->psk_count; i++) {
        const struct clasp_conf_psk *p = &conf->psks[i];
        if (span_eq_buf(id, p->identity, p->identity_len)) {
            hs->psk_key = p->key;
            hs->psk_key_len = p->key_len;
            hs->psk_hash = p->hash;
            hs->psk_external = true;
            return 1;
        }
    }
    if (conf->ticket_ops != NULL) {
        int rc = conf->ticket_ops->open(conf, now, id, &hs->psk_state);
        if (rc == CLASP_OK) {
            if (!state_usable(c, ch, &hs->psk_state, now)) {
                return 0;
            }
            hs->psk_key = hs->psk_state.psk;
            hs->psk_key_len = hs->psk_state.psk_len;
            hs->psk_hash = clasp_suite_find(hs->psk_state.suite)->hash;
            hs->psk_external = false;
            return 1;
        }
        if (rc != CLASP_ERR_NOT_FOUND) {
            return rc;
        }
    }
    if (conf->f_psk != NULL) {
        hs->cb_psk_len = 0;
        hs->in_psk_cb = true;
        int rc = conf->f_psk(conf->psk_arg, c, id.p, id.len);
        hs->in_psk_cb = false;
        if (rc == 0 && hs->cb_psk_len > 0) {
            hs->psk_key = hs->cb_psk;
            hs->psk_key_len = hs->cb_psk_len;
            hs->psk_hash = hs->cb_psk_hash;
            hs->psk_external = true;
            return 1;
        }
    }
    return 0;
}

/* Does the client offer a group we support (so (EC)DHE can happen, with
 * HelloRetryRequest if needed)? */
static bool common_group(const clasp_conn *c, const struct clasp_ch *ch)
{
    if (!clasp_exts_has(&ch->exts, CLASP_EXT_ID_KEY_SHARE)) {
        return false;
    }
    for (size_t i = 0; i < c->conf->group_count; i++) {
        if (clasp_ext_u16_list_has(&ch->exts.supported_groups,
                                   c->conf->groups[i]) > 0) {
            return true;
        }
    }
    return false;
}

int clasp_hs_srv_psk_choose(clasp_conn *c, const struct clasp_ch *ch,
                            const struct clasp_hs_msg *m,
                            const clasp_suite **suite)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    *suite = NULL;
    hs->psk_accepted = false;
    clasp_mem_free(c->psk_identity);
    c->psk_identity = NULL;
    c->psk_identity_len = 0;
    hs->psk_ke_offered = false;
    hs->psk_dhe_offered = false;
    if (clasp_exts_has(&ch->exts, CLASP_EXT_ID_PSK_KEY_EXCHANGE_MODES)) {
        hs->psk_ke_offered = ch->exts.psk_modes.has_psk_ke;
        hs->psk_dhe_offered = ch->exts.psk_modes.has_psk_dhe_ke;
    }
    if (!clasp_exts_has(&ch->exts, CLASP_EXT_ID_PRE_SHARED_KEY)) {
        return CLASP_OK;
    }
    /* §4.2.9: only a mode the client listed; psk_dhe_ke first (forward
     * secrecy), and only with a group in common. */
    bool dhe_ok = (conf->kex_modes & MODE_PSK_EPH) != 0 &&
                  hs->psk_dhe_offered && common_group(c, ch);
    bool ke_ok = (conf->kex_modes & MODE_PSK) != 0 && hs->psk_ke_offered;
    if (!dhe_ok && !ke_ok) {
        clasp_hs_log(c, CLASP_DEBUG_MSG,
                     "  pre_shared_key: no key exchange mode in common");
        return CLASP_OK;
    }
    const struct clasp_ext_psk *p = &ch->exts.psk;
    uint64_t now = clasp_hs_now_ms(conf);
    for (size_t i = 0; i < p->identities_kept; i++) {
        int found = resolve(c, ch, p->identities[i].identity, now);
        TRY(found);
        const clasp_suite *s =
            found == 1 ? suite_for_hash(c, ch, hs->psk_hash) : NULL;
        if (s == NULL) {
            continue;
        }
        /* §4.2.11: the first acceptable identity; check its binder, and
         * only its (§8.2, App. E.6). A wrong one ends the handshake with
         * decrypt_error (SECURITY-CHECKLIST 41). */
        uint8_t th[CLASP_MAX_HASH_LEN];
        ENSURE(ch->truncated_len > 0 && ch->truncated_len < m->raw.len,
               CLASP_ERR_INTERNAL);
        TRY(clasp_ts_hash_with(&hs->ts, hs->psk_hash, m->raw.p,
                               ch->truncated_len, th));
        clasp_ks ks;
        memset(&ks, 0, sizeof(ks));
        int rc = clasp_ks_init(&ks, c->prov, hs->psk_hash);
        if (rc == CLASP_OK) {
            rc = clasp_ks_early(&ks, hs->psk_key, hs->psk_key_len);
        }
        if (rc == CLASP_OK) {
            rc =
                clasp_ks_check_binder(&ks, hs->psk_external, th, p->binders[i]);
        }
        clasp_ks_wipe(&ks);
        if (CLASP_FUZZ_NO_CHECKS) {
            /* Fuzzing build only (base/fuzzing.h): any binder passes. */
            rc = clasp_hs_fuzz_skip(c, rc, CLASP_FUZZ_MARK("PSK binder"));
        }
        if (rc == CLASP_ERR_DECRYPT_ERROR) {
            return clasp_fail(rc, __FILE__, __LINE__);
        }
        TRY(rc);
        if (hs->psk_external) {
            clasp_span id = p->identities[i].identity;
            uint8_t *copy = clasp_memdup(id.p, id.len);
            ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
            clasp_mem_free(c->psk_identity);
            c->psk_identity = copy;
            c->psk_identity_len = id.len;
        }
        hs->psk_accepted = true;
        hs->psk_dhe = dhe_ok;
        hs->psk_index = (uint16_t)i;
        *suite = s;
        clasp_hs_log(c, CLASP_DEBUG_MSG,
                     "  pre_shared_key: identity %zu of %zu accepted (%s), %s",
                     i, p->identities_count,
                     hs->psk_external ? "external PSK" : "ticket",
                     dhe_ok ? "psk_dhe_ke" : "psk_ke");
        return CLASP_OK;
    }
    clasp_hs_log(c, CLASP_DEBUG_MSG,
                 "  pre_shared_key: no acceptable identity of %zu",
                 p->identities_count);
    return CLASP_OK;
}

/* ---- end of the handshake ---------------------------------------------- */

int clasp_hs_psk_finish(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    clasp_memzero(c->peer_cert_hash, sizeof(c->peer_cert_hash));
    if (hs->psk_accepted && hs->psk_external) {
        /* Whoever knows the external PSK is the peer we expect. */
        c->peer_auth = CLASP_PSK_AUTH_PEER_OK;
    } else if (hs->psk_accepted) {
        /* Resumption: the authentication of the original handshake. */
        const struct clasp_psk_state *st =
            c->is_server ? &hs->psk_state : &hs->psk_ticket.st;
        c->peer_auth = st->auth;
        if (c->is_server) {
            TRY(clasp_copy(c->peer_cert_hash, sizeof(c->peer_cert_hash),
                           st->peer_cert_hash, sizeof(st->peer_cert_hash)));
        }
    } else {
        c->peer_auth = 0;
        if (c->peer_cert != NULL) {
            c->peer_auth = CLASP_PSK_AUTH_PEER_CERT;
            if (hs->peer_chain_ok) {
                c->peer_auth |= CLASP_PSK_AUTH_PEER_OK;
            }
            TRY(c->prov->hash_oneshot(c->prov->ctx, CLASP_HASH_SHA256,
                                      c->peer_cert, c->peer_cert_len,
                                      c->peer_cert_hash, 32));
        }
    }
    if (c->is_server) {
        /* §4.2.9: "Servers SHOULD NOT send NewSessionTicket with tickets
         * that are not compatible with the advertised modes". */
        unsigned modes = c->conf->kex_modes;
        bool usable = (hs->psk_dhe_offered && (modes & MODE_PSK_EPH)) ||
                      (hs->psk_ke_offered && (modes & MODE_PSK));
        c->tickets_pending = usable ? c->conf->ticket_count : 0;
    }
    return CLASP_OK;
}

/* ---- NewSessionTicket ------------------------------------------------------
 */

int clasp_hs_send_nst(clasp_conn *c)
{
    const clasp_config *conf = c->conf;
    ENSURE(c->is_server && c->handshake_done && c->suite != NULL,
           CLASP_ERR_BAD_STATE);
    ENSURE(conf->ticket_ops != NULL, CLASP_ERR_INTERNAL);
    struct clasp_psk_state *st = clasp_mem_calloc(1, sizeof(*st));
    ENSURE(st != NULL, CLASP_ERR_ALLOC_FAILED);
    uint8_t ticket[CLASP_MAX_OWN_TICKET_LEN];
    size_t ticket_len = 0;
    uint8_t nonce[8];
    clasp_be64_put(nonce, c->nst_sent);
    uint64_t now = clasp_hs_now_ms(conf);
    st->version = CLASP_VERSION_TLS1_3;
    st->suite = c->suite->iana;
    st->created_ms = now;
    st->lifetime = conf->ticket_lifetime;
    st->auth = c->peer_auth;
    st->psk_len = c->suite->hash_len;
    st->max_early_data = conf->early_data ? conf->max_early_data : 0;
    /* §4.6.1: a fresh random ticket_age_add for each ticket
     * (SECURITY-CHECKLIST 44: linkable connections otherwise). */
    uint8_t add[4];
    int rc = c->prov->random(c->prov->ctx, add, sizeof(add));
    st->age_add = clasp_be32_get(add);
    if (rc == CLASP_OK) {
        /* §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret,
         * "resumption", ticket_nonce, Hash.length). */
        rc = clasp_ks_ticket_psk(c->prov, c->suite->hash, c->res_master, nonce,
                                 sizeof(nonce), st->psk);
    }
    if (rc == CLASP_OK) {
        rc = clasp_copy(st->peer_cert_hash, sizeof(st->peer_cert_hash),
                        c->peer_cert_hash, sizeof(c->peer_cert_hash));
    }
    if (rc == CLASP_OK && c->hostname != NULL) {
        st->sni_len = strlen(c->hostname);
        rc = clasp_copy(st->sni, sizeof(st->sni), c->hostname, st->sni_len);
    }
    if (rc == CLASP_OK) {
        st->alpn_len = clasp_hs_alpn_len(c);
        rc = clasp_copy(st->alpn, sizeof(st->alpn), c->alpn, st->alpn_len);
    }
    if (rc == CLASP_OK) {
        rc = conf->ticket_ops->seal(conf, now, st, ticket, sizeof(ticket),
                                    &ticket_len);
    }
    uint32_t age_add = st->age_add;
    clasp_free_secret(st, sizeof(*st));
    if (rc == CLASP_ERR_NOT_FOUND) {
        clasp_hs_log(c, CLASP_DEBUG_INFO, "no ticket key: no ticket sent");
        return rc;
    }
    TRY(rc);
    struct clasp_nst nst;
    memset(&nst, 0, sizeof(nst));
    nst.ticket_lifetime = conf->ticket_lifetime;
    nst.ticket_age_add = age_add;
    nst.ticket_nonce = clasp_span_of(nonce, sizeof(nonce));
    nst.ticket = clasp_span_of(ticket, ticket_len);
    if (conf->early_data && conf->max_early_data > 0) {
        /* §4.2.10: early_data in NewSessionTicket allows 0-RTT. */
        nst.exts.early_data.max_early_data_size = conf->max_early_data;
        clasp_exts_set(&nst.exts, CLASP_EXT_ID_EARLY_DATA);
    }
    clasp_wr w;
    TRY(clasp_hs_out_reserve(c, 32 + ticket_len, &w));
    TRY(clasp_nst_write(&w, &nst));
    /* Post-handshake messages are in no transcript. */
    TRY(clasp_hs_out_commit(c, &w, false));
    TRY(clasp_hs_flush(c));
    c->nst_sent++;
    return CLASP_OK;
}

int clasp_engine_send_tickets(clasp_conn *c)
{
    while (c->tickets_pending > 0) {
        c->tickets_pending--;
        int rc = clasp_hs_send_nst(c);
        if (rc == CLASP_ERR_NOT_FOUND) {
            /* No key now: the others would find none either. */
            c->tickets_pending = 0;
            return CLASP_OK;
        }
        TRY(rc);
    }
    return CLASP_OK;
}

int clasp_hs_recv_nst(clasp_conn *c, const struct clasp_hs_msg *m)
{
    /* On the stack: no allocation per message */
    struct clasp_nst nst_msg;
    memset(&nst_msg, 0, sizeof(nst_msg));
    struct clasp_nst *nst = &nst_msg;
    int rc = clasp_nst_parse(&m->body, nst);
    struct clasp_tkt t;
    memset(&t, 0, sizeof(t));
    const clasp_config *conf = c->conf;
    /* §4.6.1: a lifetime of zero says "discard"; clients keep none longer
     * than 7 days whatever the server says. */
    bool keep = rc == CLASP_OK && conf->ticket_count > 0 &&
                nst->ticket_lifetime > 0 &&
                nst->ticket.len <= CLASP_MAX_CLIENT_TICKET_LEN;
    if (keep) {
        struct clasp_psk_state *st = &t.st;
        st->version = CLASP_VERSION_TLS1_3;
        st->suite = c->suite->iana;
        st->created_ms = clasp_hs_now_ms(conf);
        st->lifetime = nst->ticket_lifetime < CLASP_TICKET_MAX_LIFETIME
                           ? nst->ticket_lifetime
                           : CLASP_TICKET_MAX_LIFETIME;
        st->age_add = nst->ticket_age_add;
        if (clasp_exts_has(&nst->exts, CLASP_EXT_ID_EARLY_DATA)) {
            /* Kept for 0-RTT (issue #5). */
            st->max_early_data = nst->exts.early_data.max_early_data_size;
        }
        st->auth = c->peer_auth;
        st->psk_len = c->suite->hash_len;
        rc = clasp_ks_ticket_psk(c->prov, c->suite->hash, c->res_master,
                                 nst->ticket_nonce.p, nst->ticket_nonce.len,
                                 st->psk);
        if (rc == CLASP_OK && c->hostname != NULL) {
            st->sni_len = strlen(c->hostname);
            rc = clasp_copy(st->sni, sizeof(st->sni), c->hostname, st->sni_len);
        }
        if (rc == CLASP_OK) {
            st->alpn_len = clasp_hs_alpn_len(c);
            rc = clasp_copy(st->alpn, sizeof(st->alpn), c->alpn, st->alpn_len);
        }
        if (rc == CLASP_OK) {
            t.ticket = clasp_memdup(nst->ticket.p, nst->ticket.len);
            t.ticket_len = nst->ticket.len;
            rc = t.ticket != NULL ? CLASP_OK : CLASP_ERR_ALLOC_FAILED;
        }
    }
    uint32_t lifetime = rc == CLASP_OK ? nst->ticket_lifetime : 0;
    if (rc < 0 || !keep) {
        clasp_tkt_clear(&t);
        return rc;
    }
    /* At most CLASP_MAX_CLIENT_TICKETS per session (SECURITY-CHECKLIST
     * 46): the oldest makes room. */
    if (c->ticket_count == CLASP_MAX_CLIENT_TICKETS) {
        size_t oldest = 0;
        for (size_t i = 1; i < c->ticket_count; i++) {
            if (c->tickets[i].st.created_ms <
                c->tickets[oldest].st.created_ms) {
                oldest = i;
            }
        }
        ticket_take(c, oldest, NULL);
    }
    rc = tickets_room(c, c->ticket_count + 1);
    if (rc < 0) {
        clasp_tkt_clear(&t);
        return rc;
    }
    c->tickets[c->ticket_count++] = t;
    clasp_hs_log(c, CLASP_DEBUG_MSG,
                 "  ticket: lifetime %u s, %zu bytes, %zu kept", lifetime,
                 t.ticket_len, c->ticket_count);
    clasp_memzero(&t, sizeof(t)); /* the stack copy of the PSK */
    return CLASP_OK;
}
