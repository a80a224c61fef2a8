/*
 * Life after the handshake: application data in and out, KeyUpdate
 * (RFC 8446 §4.6.3) both ways, NewSessionTicket on the client, and the
 * allocation/release of the handshake-only state.
 *
 * Invariants: application data is sealed directly into the outbound
 * buffer (no per-record allocation once it has grown to one record);
 * the write key is updated right after the KeyUpdate that announces it is
 * sealed; the read key right after the peer's KeyUpdate, which must end
 * its record.
 */
#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs.h"
#include "hs/hs_pha.h"
#include "msg/msg_codes.h"

int clasp_hs_start(clasp_conn *c)
{
    ENSURE(c->hs == NULL, CLASP_ERR_INTERNAL);
    struct clasp_hs *hs = clasp_mem_calloc(1, sizeof(*hs));
    ENSURE(hs != NULL, CLASP_ERR_ALLOC_FAILED);
    c->hs = hs;
    TRY(clasp_ts_init(&hs->ts, c->prov, 0));
    c->rows = c->is_server ? clasp_server_rows : clasp_client_rows;
    c->state = 0;
    return CLASP_OK;
}

void clasp_hs_free(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    if (hs == NULL) {
        return;
    }
    for (size_t i = 0; i < hs->kx_count; i++) {
        if (hs->kx[i] != NULL) {
            c->prov->kx_free(hs->kx[i]);
        }
    }
    if (hs->peer_key != NULL) {
        c->prov->pkey_free(hs->peer_key);
    }
    clasp_mem_free(hs->cookie);
    clasp_mem_free(hs->ca_names);
    clasp_tkt_clear(&hs->psk_ticket);
    clasp_ks_wipe(&hs->ks);
    clasp_ts_free(&hs->ts);
    clasp_free_secret(hs, sizeof(*hs));
    c->hs = NULL;
}

int clasp_engine_write_app(clasp_conn *c, const uint8_t *buf, size_t len)
{
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    if (c->key_update_pending || clasp_rec_should_rekey(&c->wr)) {
        /* RFC 8446 §5.5: change keys before the AEAD limits. */
        TRY(clasp_engine_key_update(c, c->key_update_request));
    }
    size_t n = len > CLASP_MAX_FRAGMENT_LEN ? CLASP_MAX_FRAGMENT_LEN : len;
    TRY(clasp_engine_seal(c, CLASP_CT_APPLICATION_DATA, buf, n));
    return (int)n;
}

int clasp_engine_read_app(clasp_conn *c)
{
    /* Each round consumes a record or a message, or returns. */
    for (;;) {
        if (c->fatal != 0) {
            return c->fatal;
        }
        if (c->app.len > 0) {
            return CLASP_OK;
        }
        if (c->peer_closed) {
            return CLASP_ERR_PEER_CLOSE_NOTIFY;
        }
        TRY(clasp_hs_step(c));
    }
}

/* KeyUpdate {request_update}: RFC 8446 §4.6.3. */
int clasp_engine_key_update(clasp_conn *c, bool request)
{
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    clasp_wr w;
    TRY(clasp_hs_out_reserve(c, 5, &w));
    TRY(clasp_wr_u8(&w, CLASP_HS_KEY_UPDATE));
    TRY(clasp_wr_u24(&w, 1));
    TRY(clasp_wr_u8(&w, request ? 1 : 0));
    TRY(clasp_hs_out_commit(c, &w, false));
    /* clasp_hs_install_write() seals the KeyUpdate under the old key only
     * once the new one is ready, so a failure cannot leave the peer
     * reading under a key we never use. */
    uint8_t *secret = c->is_server ? c->s_ap : c->c_ap;
    TRY(clasp_ks_next_traffic_secret(c->prov, c->suite->hash, secret));
    TRY(clasp_hs_install_write(c, secret));
    c->key_update_pending = false;
    c->key_update_request = false;
    return CLASP_OK;
}

static int recv_key_update(clasp_conn *c, const struct clasp_hs_msg *m)
{
    /* RFC 8446 §4.6.3:
     *   enum { update_not_requested(0), update_requested(1), (255)
     *   } KeyUpdateRequest;
     *   struct { KeyUpdateRequest request_update; } KeyUpdate; */
    clasp_rd r = clasp_rd_of_span(m->body);
    uint8_t request_update;
    TRY(clasp_rd_u8(&r, &request_update));
    TRY(clasp_rd_done(&r));
    ENSURE(request_update <= 1, CLASP_ERR_ILLEGAL_PARAMETER);
    /* SECURITY-CHECKLIST B10 row 49: allow 32 in a row, refuse more. */
    c->key_updates_in_row++;
    ENSURE(c->key_updates_in_row <= CLASP_MAX_KEY_UPDATES,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    uint8_t *secret = c->is_server ? c->c_ap : c->s_ap;
    TRY(clasp_ks_next_traffic_secret(c->prov, c->suite->hash, secret));
    TRY(clasp_hs_install_read(c, secret));
    /* The key change must fall on a record boundary (§5.1). */
    c->rd_key_changed = false;
    ENSURE(c->hs_off == c->hs_len, CLASP_ERR_UNEXPECTED_MESSAGE);
    if (request_update == 1 && !c->sent_close) {
        /* Answer once, before our next application data; several requests
         * may be merged into one reply. After our close_notify no data
         * follows, so no answer is owed and none may be sent (§6.1). */
        TRY(clasp_engine_key_update(c, false));
    }
    return CLASP_OK;
}

int clasp_hs_recv_post(clasp_conn *c, const struct clasp_hs_msg *m, int *next)
{
    *next = c->state;
    switch (m->type) {
    case CLASP_HS_KEY_UPDATE: return recv_key_update(c, m);
    case CLASP_HS_NEW_SESSION_TICKET:
        /* RFC 8446 §4.6.1: only servers send tickets (the server's row
         * does not accept them). Storage comes with the resumption issue
         * (#4); until then a well-formed ticket is accepted and ignored. */
        c->key_updates_in_row++;
        ENSURE(c->key_updates_in_row <= CLASP_MAX_KEY_UPDATES,
               CLASP_ERR_UNEXPECTED_MESSAGE);
        return clasp_hs_recv_nst(c, m);
    case CLASP_HS_CERTIFICATE_REQUEST:
    case CLASP_HS_CERTIFICATE:
    case CLASP_HS_CERTIFICATE_VERIFY:
    case CLASP_HS_FINISHED: return clasp_hs_pha_recv(c, m);
    default:
        /* §4.1.2: no renegotiation; everything else is out of place. */
        BAIL(CLASP_ERR_UNEXPECTED_MESSAGE);
    }
}
