/*
 * Stateless HelloRetryRequest cookies (RFC 8446 §4.2.2, §4.4.1).
 *
 * The cookie carries everything the server needs to go on from a second
 * ClientHello without the state of the first: the suite and group the
 * HRR named, Hash(ClientHello1) for the synthetic message_hash, and the
 * digest of the CH1 fields CH2 must repeat; an HMAC-SHA256 under the
 * config's cookie key (random per config, or shared across a fleet)
 * protects it. Layout:
 *
 *   u8 version(1) | u16 suite | u16 group | u8 hash_len | hash_len bytes
 *   Hash(CH1) | 32 bytes CH1 digest | 32 bytes HMAC over all before
 *
 * A context that receives it rebuilds the transcript as message_hash ||
 * HelloRetryRequest (the HRR is re-created from the cookie and CH2's
 * session id, byte for byte what was sent) and continues as if it had
 * sent the HRR itself. A cookie that does not verify is illegal_parameter.
 */
#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "base/wr.h"
#include "hs/hs_common.h"

#define COOKIE_VERSION 1
#define COOKIE_MAC_LEN 32
#define COOKIE_MAX (6 + CLASP_MAX_HASH_LEN + 32 + COOKIE_MAC_LEN)

int clasp_hs_cookie_make(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    uint8_t th[CLASP_MAX_HASH_LEN];
    TRY(clasp_ts_hash(&hs->ts, th)); /* Hash(ClientHello1) */
    uint8_t *cookie = clasp_mem_calloc(1, COOKIE_MAX);
    ENSURE(cookie != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_wr w = clasp_wr_init(cookie, COOKIE_MAX);
    int rc = clasp_wr_u8(&w, COOKIE_VERSION);
    if (rc == CLASP_OK) {
        rc = clasp_wr_u16(&w, c->suite->iana);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_u16(&w, c->group);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_u8(&w, c->suite->hash_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_bytes(&w, th, c->suite->hash_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_wr_bytes(&w, hs->ch1_digest, 32);
    }
    uint8_t *mac = NULL;
    size_t body_len = w.len;
    if (rc == CLASP_OK) {
        rc = clasp_wr_reserve(&w, COOKIE_MAC_LEN, &mac);
    }
    if (rc == CLASP_OK) {
        rc = c->prov->hmac(c->prov->ctx, CLASP_HASH_SHA256, c->conf->cookie_key,
                           sizeof(c->conf->cookie_key), cookie, body_len, mac,
                           COOKIE_MAC_LEN);
    }
    if (rc < 0) {
        clasp_mem_free(cookie);
        return rc;
    }
    clasp_mem_free(hs->cookie);
    hs->cookie = cookie;
    hs->cookie_len = w.len;
    return CLASP_OK;
}

int clasp_hs_cookie_restore(clasp_conn *c, const struct clasp_ch *ch)
{
    struct clasp_hs *hs = c->hs;
    clasp_span ck = ch->exts.cookie.cookie;
    /* Check the MAC before reading anything else from it. */
    ENSURE(ck.len > COOKIE_MAC_LEN && ck.len <= COOKIE_MAX,
           CLASP_ERR_ILLEGAL_PARAMETER);
    clasp_span body, mac;
    TRY(clasp_span_sub(ck, 0, ck.len - COOKIE_MAC_LEN, &body));
    TRY(clasp_span_sub(ck, ck.len - COOKIE_MAC_LEN, COOKIE_MAC_LEN, &mac));
    uint8_t want[COOKIE_MAC_LEN];
    TRY(c->prov->hmac(c->prov->ctx, CLASP_HASH_SHA256, c->conf->cookie_key,
                      sizeof(c->conf->cookie_key), body.p, body.len, want,
                      sizeof(want)));
    bool ok = clasp_ct_equal(want, mac.p, COOKIE_MAC_LEN);
    clasp_memzero(want, sizeof(want));
    ENSURE(ok, CLASP_ERR_ILLEGAL_PARAMETER);

    clasp_rd r = clasp_rd_of_span(body);
    uint8_t version, hash_len;
    uint16_t suite_id, group;
    clasp_span ch1_hash, digest;
    TRY(clasp_rd_u8(&r, &version));
    TRY(clasp_rd_u16(&r, &suite_id));
    TRY(clasp_rd_u16(&r, &group));
    TRY(clasp_rd_u8(&r, &hash_len));
    TRY(clasp_rd_span(&r, hash_len, &ch1_hash));
    TRY(clasp_rd_span(&r, 32, &digest));
    TRY(clasp_rd_done(&r));
    const clasp_suite *suite = clasp_suite_find(suite_id);
    /* Our own MAC'd data: anything odd means another key or version. */
    ENSURE(version == COOKIE_VERSION && suite != NULL &&
               suite->hash_len == hash_len &&
               clasp_hs_list_has(c->conf->suites, c->conf->suite_count,
                                 suite_id) &&
               clasp_hs_list_has(c->conf->groups, c->conf->group_count, group),
           CLASP_ERR_ILLEGAL_PARAMETER);

    c->suite = suite;
    c->group = group;
    hs->hrr_group = group;
    TRY(clasp_span_copy(digest, hs->ch1_digest, sizeof(hs->ch1_digest)));
    TRY(clasp_span_copy(ch->legacy_session_id, hs->session_id,
                        sizeof(hs->session_id)));
    hs->session_id_len = ch->legacy_session_id.len;
    uint8_t *copy = clasp_memdup(ck.p, ck.len);
    ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_mem_free(hs->cookie);
    hs->cookie = copy;
    hs->cookie_len = ck.len;

    /* §4.4.1: message_hash(Hash(CH1)), then the HelloRetryRequest, which
     * is re-created exactly as sent and then taken back out of the flight
     * buffer (it went out long ago, from another context). */
    uint8_t mh[4 + CLASP_MAX_HASH_LEN];
    clasp_wr w = clasp_wr_init(mh, sizeof(mh));
    TRY(clasp_wr_u8(&w, CLASP_HS_MESSAGE_HASH));
    TRY(clasp_wr_u24(&w, hash_len));
    TRY(clasp_wr_bytes(&w, ch1_hash.p, ch1_hash.len));
    TRY(clasp_ts_set_hash(&hs->ts, c->prov, suite->hash));
    TRY(clasp_ts_add(&hs->ts, mh, w.len));
    size_t mark = c->hso_len;
    TRY(clasp_hs_write_sh(c, true, NULL, 0));
    clasp_memzero(clasp_buf_at(c->hso_buf, c->hso_cap, mark),
                  c->hso_len - mark);
    c->hso_len = mark;

    hs->hrr_sent = true;
    c->hrr_used = true;
    /* App. D.4: the compatibility CCS followed that HRR already. */
    if (c->conf->compat_mode && hs->session_id_len > 0) {
        hs->sent_ccs = 1;
    }
    return CLASP_OK;
}
