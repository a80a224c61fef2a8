/*
 * 0-RTT early data (RFC 8446 §2.3, §4.2.10, §4.6.1, §8), both roles.
 *
 * Owns: the decision to offer 0-RTT (client) and to accept it (server:
 * ticket checks, freshness of the ticket age, anti-replay through the
 * config's store), the client_early_traffic_secret and its keys, the
 * client's 0-RTT records and EndOfEarlyData, the server's buffer of
 * accepted early bytes (bounded by max_early_data_size).
 *
 * Invariants: 0-RTT is accepted only for the first identity of the
 * first ClientHello, a ticket of ours that allows it, with the same
 * suite, ALPN and server name, a fresh ticket age, and a store that says
 * "new" for both the ClientHello and the ticket; any doubt rejects (the
 * handshake goes on as a 1-RTT one). Early bytes never reach c->app.
 *
 * Never: accepts 0-RTT after HelloRetryRequest, with an external PSK, or
 * when the store cannot answer (fail closed).
 */
#include <string.h>

#include "base/mem.h"
#include "hs/hs.h"
#include "hs/hs_common.h"
#include "msg/msg.h"
#include "msg/msg_codes.h"

/* Upper bound of a server's early-data buffer: a ticket it uses carries
 * at most CLASP_MAX_EARLY_DATA (hs_psk.c state_usable). */
#define EARLY_BUF_MAX CLASP_MAX_EARLY_DATA

void clasp_hs_early_reset(clasp_conn *c)
{
    if (c->early_buf != NULL) {
        clasp_free_secret(c->early_buf, c->early_max);
    }
    c->early_buf = NULL;
    c->early_want = false;
    c->early_status = CLASP_EARLY_DATA_STATUS_NOT_SENT;
    c->early_max = 0;
    c->early_sent = 0;
    c->early_len = 0;
    c->early_off = 0;
}

/* Keys of a traffic secret under a given suite (the ticket's: on the
 * client, c->suite is not known before ServerHello). */
static int install_write_with(clasp_conn *c, const clasp_suite *suite,
                              const uint8_t *secret)
{
    uint8_t key[CLASP_MAX_AEAD_KEY_LEN];
    uint8_t iv[CLASP_AEAD_NONCE_LEN];
    clasp_rec_dir next;
    int rc = clasp_rec_dir_init(&next, c->prov);
    if (rc == CLASP_OK) {
        rc = clasp_ks_traffic_keys(c->prov, suite, secret, key, iv);
    }
    if (rc == CLASP_OK) {
        rc = clasp_rec_install(&next, suite, key, iv);
    }
    clasp_memzero(key, sizeof(key));
    clasp_memzero(iv, sizeof(iv));
    if (rc == CLASP_OK) {
        rc = clasp_hs_flush(c);
    }
    if (rc != CLASP_OK) {
        clasp_rec_clear(&next);
        return rc;
    }
    clasp_rec_clear(&c->wr);
    c->wr = next;
    clasp_memzero(&next, sizeof(next));
    return CLASP_OK;
}

/* client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
 * ClientHello) (RFC 8446 §7.1), for the PSK key of the given hash. */
static int early_secret(clasp_conn *c, clasp_hash_id hash, const uint8_t *psk,
                        size_t psk_len, uint8_t *out)
{
    struct clasp_hs *hs = c->hs;
    uint8_t th[CLASP_MAX_HASH_LEN];
    clasp_ks ks;
    memset(&ks, 0, sizeof(ks));
    int rc = clasp_ts_hash_with(&hs->ts, hash, NULL, 0, th);
    if (rc == CLASP_OK) {
        rc = clasp_ks_init(&ks, c->prov, hash);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_ks_keylog(c, &ks);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ks_early(&ks, psk, psk_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ks_early_traffic(&ks, th, out, NULL);
    }
    clasp_ks_wipe(&ks);
    return rc;
}

/* Is protocol name (alpn, len) in the config's ALPN list? */
static bool alpn_offered(const clasp_conn *c, const uint8_t *alpn, size_t len)
{
    clasp_rd r = clasp_rd_init(c->conf->alpn, c->conf->alpn_len);
    while (clasp_rd_left(&r) > 0) {
        clasp_rd name;
        if (clasp_rd_vec8(&r, 1, 255, &name) < 0) {
            return false;
        }
        clasp_span s = clasp_rd_rest(&name);
        if (s.len == len && clasp_ct_equal(s.p, alpn, len)) {
            return true;
        }
    }
    return false;
}

/* ---- client --------------------------------------------------------------
 */

int clasp_hs_cli_early_ext(clasp_conn *c, struct clasp_exts *e)
{
    struct clasp_hs *hs = c->hs;
    const struct clasp_psk_state *st = &hs->psk_ticket.st;
    hs->early_offered = false;
    /* §4.2.10: only in the first ClientHello, with the first identity a
     * ticket that allows 0-RTT, of a suite and ALPN we still offer. */
    if (!c->early_want || !c->conf->early_data || hs->hrr_seen ||
        hs->psk_offer_count == 0 || hs->psk_offers[0].external ||
        st->max_early_data == 0 ||
        !clasp_hs_list_has(c->conf->suites, c->conf->suite_count, st->suite) ||
        (st->alpn_len > 0 && !alpn_offered(c, st->alpn, st->alpn_len))) {
        return CLASP_OK;
    }
    e->early_data.max_early_data_size = 0;
    clasp_exts_set(e, CLASP_EXT_ID_EARLY_DATA);
    hs->early_offered = true;
    c->early_max = st->max_early_data;
    c->early_sent = 0;
    return CLASP_OK;
}

int clasp_hs_cli_early_start(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    if (!hs->early_offered) {
        return CLASP_OK;
    }
    const struct clasp_psk_offer *o = &hs->psk_offers[0];
    const clasp_suite *suite = clasp_suite_find(hs->psk_ticket.st.suite);
    ENSURE(suite != NULL, CLASP_ERR_INTERNAL);
    if (c->conf->compat_mode && hs->sent_ccs == 0) {
        /* App. D.4: with early data, the CCS follows the first
         * ClientHello at once. */
        TRY(clasp_hs_send_ccs(c));
        hs->sent_ccs = 1;
    }
    TRY(early_secret(c, o->hash, o->key, o->key_len, hs->c_early));
    TRY(install_write_with(c, suite, hs->c_early));
    clasp_hs_log(c, CLASP_DEBUG_MSG, "  early_data offered (max %u bytes)",
                 (unsigned)c->early_max);
    return CLASP_OK;
}

int clasp_hs_cli_early_hrr(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    if (!hs->early_offered) {
        return CLASP_OK;
    }
    /* §4.2.10: HelloRetryRequest rejects 0-RTT; the second ClientHello
     * goes out unprotected (§5: the record layer is still in clear). */
    TRY(clasp_hs_flush(c));
    clasp_rec_clear(&c->wr);
    TRY(clasp_rec_dir_init(&c->wr, c->prov));
    c->early_status = CLASP_EARLY_DATA_STATUS_REJECTED;
    clasp_memzero(hs->c_early, sizeof(hs->c_early));
    return CLASP_OK;
}

int clasp_hs_cli_early_ee(clasp_conn *c, const struct clasp_exts *ee)
{
    struct clasp_hs *hs = c->hs;
    if (!hs->early_offered) {
        return CLASP_OK;
    }
    if (!clasp_exts_has(ee, CLASP_EXT_ID_EARLY_DATA) || hs->hrr_seen) {
        c->early_status = CLASP_EARLY_DATA_STATUS_REJECTED;
        /* Rejected: no EndOfEarlyData; anything we send from now on (an
         * alert) goes under the handshake key the server reads with. */
        if (!hs->hrr_seen) {
            TRY(clasp_hs_install_write(c, hs->c_hs));
        }
        return CLASP_OK;
    }
    /* §4.2.10: accepted 0-RTT needs the first identity; its suite and
     * ALPN are those of the ticket (§4.2.10 "MUST ... same"). */
    const struct clasp_psk_state *st = &hs->psk_ticket.st;
    size_t alpn_len = clasp_hs_alpn_len(c);
    ENSURE(hs->psk_accepted && hs->psk_index == 0 &&
               c->suite->iana == st->suite && alpn_len == st->alpn_len &&
               clasp_ct_equal(c->alpn, st->alpn, alpn_len),
           CLASP_ERR_ILLEGAL_PARAMETER);
    hs->early_accepted = true;
    c->early_status = CLASP_EARLY_DATA_STATUS_ACCEPTED;
    return CLASP_OK;
}

/*
 * RFC 8446 §4.5:
 *    struct {} EndOfEarlyData;
 */
int clasp_hs_cli_early_eoed(clasp_conn *c)
{
    if (!c->hs->early_accepted) {
        return CLASP_OK;
    }
    struct clasp_eoed eoed = {0};
    clasp_wr w;
    TRY(clasp_hs_out_reserve(c, 8, &w));
    TRY(clasp_eoed_write(&w, &eoed));
    return clasp_hs_out_commit(c, &w, true);
}

int clasp_hs_cli_early_write(clasp_conn *c, const uint8_t *buf, size_t len)
{
    struct clasp_hs *hs = c->hs;
    ENSURE(hs != NULL && c->state == C_WAIT_SH && hs->early_offered &&
               !hs->hrr_seen &&
               c->early_status != CLASP_EARLY_DATA_STATUS_REJECTED,
           CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    size_t room = c->early_max - c->early_sent;
    size_t n = len < room ? len : room;
    if (n > CLASP_MAX_FRAGMENT_LEN) {
        n = CLASP_MAX_FRAGMENT_LEN;
    }
    ENSURE(n > 0 || len == 0, CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    if (n == 0) {
        return 0;
    }
    TRY(clasp_engine_seal(c, CLASP_CT_APPLICATION_DATA, buf, n));
    c->early_sent += n;
    return (int)n;
}

/* ---- server --------------------------------------------------------------
 */

/* One key of the anti-replay store: SHA-256(label || data). */
/* The key the anti-replay store records for data: SHA-256 over a label
 * and the data. A failure here is our own (the provider's), never the
 * store's. */
static int replay_key(clasp_conn *c, const char *label, clasp_span data,
                      uint8_t key[32])
{
    uint8_t in[64 + CLASP_MAX_OWN_TICKET_LEN];
    size_t label_len = strlen(label);
    ENSURE(label_len + data.len <= sizeof(in), CLASP_ERR_INTERNAL);
    TRY(clasp_copy(in, sizeof(in), label, label_len));
    TRY(clasp_span_copy(data, clasp_buf_at(in, sizeof(in), label_len),
                        sizeof(in) - label_len));
    return c->prov->hash_oneshot(c->prov->ctx, CLASP_HASH_SHA256, in,
                                 label_len + data.len, key, 32);
}

/* Why 0-RTT is refused, or NULL to accept (may query the store). */
static const char *early_refusal(clasp_conn *c, const struct clasp_ch *ch,
                                 int *err)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    const struct clasp_psk_state *st = &hs->psk_state;
    *err = CLASP_OK;
    if (!conf->early_data) {
        return "disabled";
    }
    if (hs->hrr_needed) {
        return "HelloRetryRequest";
    }
    if (!hs->psk_accepted || hs->psk_external || hs->psk_index != 0) {
        return "not the first identity, a ticket";
    }
    if (st->max_early_data == 0) {
        return "the ticket does not allow it";
    }
    if (c->suite->iana != st->suite) {
        return "another cipher suite";
    }
    /* SNI and ALPN were checked when the ticket was accepted
     * (hs_psk.c state_usable: the same as the ticket's). */
    uint64_t now = clasp_hs_now_ms(conf);
    uint64_t window = conf->replay_window_ms;
    /* §8.2: a store that started empty knows nothing of the ClientHellos
     * of the window before it: refuse 0-RTT for one window. */
    if (now < conf->replay_started_ms + window) {
        return "the anti-replay store is younger than one window";
    }
    /* §8.3: the client's view of the ticket age against ours. */
    uint32_t obf = ch->exts.psk.identities[0].obfuscated_ticket_age;
    uint64_t client_age = (uint32_t)(obf - st->age_add);
    uint64_t server_age = now > st->created_ms ? now - st->created_ms : 0;
    uint64_t skew = server_age > client_age ? server_age - client_age
                                            : client_age - server_age;
    if (skew > window) {
        return "ticket age outside the freshness window";
    }
    /* §8.2 ClientHello recording (keyed by the binder, which covers the
     * whole ClientHello but itself) and §8.1 single-use tickets. */
    uint64_t expiry = now + 2 * window;
    uint8_t ch_key[32], ticket_key[32];
    int rc = replay_key(c, "clasp 0-RTT CH", ch->exts.psk.binders[0], ch_key);
    if (rc == CLASP_OK) {
        rc = replay_key(c, "clasp 0-RTT ticket",
                        ch->exts.psk.identities[0].identity, ticket_key);
    }
    if (rc != CLASP_OK) {
        /* A failure of our own ends the connection. */
        *err = rc;
        return "the anti-replay key could not be computed";
    }
    if (conf->f_replay == NULL) {
        /* Fail closed (src/conn always sets a store with 0-RTT on). */
        return "no anti-replay store";
    }
    rc = conf->f_replay(conf->replay_arg, ch_key, sizeof(ch_key), expiry);
    if (rc == 0) {
        rc = conf->f_replay(conf->replay_arg, ticket_key, sizeof(ticket_key),
                            expiry);
    }
    if (rc == 1) {
        return "replayed (seen by the anti-replay store)";
    }
    if (rc != 0) {
        /* Whatever the store's failure: fail closed, 0-RTT refused, the
         * handshake goes on. */
        return "the anti-replay store cannot answer";
    }
    return NULL;
}

int clasp_hs_srv_early_decide(clasp_conn *c, const struct clasp_ch *ch)
{
    struct clasp_hs *hs = c->hs;
    hs->early_accepted = false;
    if (hs->hrr_sent || !clasp_exts_has(&ch->exts, CLASP_EXT_ID_EARLY_DATA)) {
        return CLASP_OK;
    }
    hs->early_offered = true;
    int err;
    const char *why = early_refusal(c, ch, &err);
    TRY(err);
    if (why != NULL) {
        /* Rejected: skipped by trial decryption (engine.c). */
        clasp_hs_log(c, CLASP_DEBUG_MSG, "  early_data rejected: %s", why);
        c->early_status = CLASP_EARLY_DATA_STATUS_REJECTED;
        return CLASP_OK;
    }
    uint32_t max = hs->psk_state.max_early_data;
    ENSURE(max <= EARLY_BUF_MAX, CLASP_ERR_INTERNAL);
    clasp_hs_early_reset(c);
    c->early_buf = clasp_mem_calloc(1, max);
    ENSURE(c->early_buf != NULL, CLASP_ERR_ALLOC_FAILED);
    c->early_max = max;
    hs->early_accepted = true;
    hs->early_skip = false;
    c->early_status = CLASP_EARLY_DATA_STATUS_ACCEPTED;
    clasp_hs_log(c, CLASP_DEBUG_MSG, "  early_data accepted (max %u bytes)",
                 (unsigned)max);
    return CLASP_OK;
}

int clasp_hs_srv_early_keys(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    if (!hs->early_accepted) {
        return CLASP_OK;
    }
    return early_secret(c, hs->psk_hash, hs->psk_key, hs->psk_key_len,
                        hs->c_early);
}

int clasp_hs_srv_early_data(clasp_conn *c, clasp_span body)
{
    /* §4.2.10: more than max_early_data_size is unexpected_message. */
    ENSURE(body.len <= c->early_max - c->early_len,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    TRY(clasp_span_copy(body,
                        clasp_buf_at(c->early_buf, c->early_max, c->early_len),
                        c->early_max - c->early_len));
    c->early_len += body.len;
    return CLASP_OK;
}

int clasp_hs_srv_recv_eoed(clasp_conn *c, const struct clasp_hs_msg *m,
                           int *next)
{
    struct clasp_eoed eoed;
    /* §4.5: EndOfEarlyData is empty (decode_error otherwise). */
    TRY(clasp_eoed_parse(&m->body, &eoed));
    /* §4.5: from here on the client writes under its handshake key. */
    TRY(clasp_hs_install_read(c, c->hs->c_hs));
    clasp_memzero(c->hs->c_early, sizeof(c->hs->c_early));
    *next = S_WAIT_FLIGHT2;
    return CLASP_OK;
}
