/*
 * The handshake engine: records in, handshake messages out, and the one
 * dispatcher that moves the state machine.
 *
 * Owns: the inbound record loop (header check before decryption, CCS and
 * alert rules, empty-record and warning caps), handshake reassembly
 * (bounded per message type), the dispatcher (expected-type mask, record
 * boundary at key changes, transcript, next-state check against the
 * table), handshake output (messages accumulate in hso_buf and are sealed
 * into records at a flush, under the write key in force then), fatal
 * errors (sticky; the alert of the error is queued once).
 *
 * Invariants: c->state changes only in dispatch(); a read key is never
 * installed while handshake bytes of the old epoch are pending; nothing
 * here calls the user's I/O callbacks (src/conn/io.c does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/be.h"
#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs.h"
#include "hs/hs_pha.h"
#include "msg/msg_codes.h"

/* ---- buffers ------------------------------------------------------------- */

static int out_reserve(clasp_conn *c, size_t n)
{
    if (c->out_sent == c->out_len) {
        c->out_sent = 0;
        c->out_len = 0;
    }
    if (c->out_cap - c->out_len >= n) {
        return CLASP_OK;
    }
    if (c->out_sent > 0) {
        clasp_buf_compact(c->out_buf, c->out_cap, &c->out_sent, &c->out_len);
    }
    /* Doubling from small sizes (handshake flights grow in few steps),
     * but what one record needs once it is large: application data is
     * flushed record by record, and a 16 KiB write needs 16,406 bytes,
     * not the 32 KiB doubling would give. */
    size_t need = c->out_len + n;
    size_t max = (size_t)1 << 24;
    if (need <= CLASP_MAX_RECORD_LEN) {
        max = need > CLASP_MAX_RECORD_LEN / 2 ? need : CLASP_MAX_RECORD_LEN;
    }
    return clasp_buf_grow(&c->out_buf, &c->out_cap, c->out_len, need, max);
}

/* Padding of a record of len content bytes (clasp_conf_record_padding). */
static size_t pad_for(const clasp_conn *c, size_t len)
{
    size_t pad = 0;
    size_t block = c->conf->record_padding;
    if (block > 1 && clasp_rec_is_protected(&c->wr)) {
        pad = (block - (len + 1) % block) % block;
        if (len + 1 + pad > CLASP_MAX_INNER_PLAINTEXT_LEN) {
            pad = CLASP_MAX_INNER_PLAINTEXT_LEN - len - 1;
        }
    }
    return pad;
}

int clasp_engine_reserve_app(clasp_conn *c, size_t len)
{
    size_t n = len > CLASP_MAX_FRAGMENT_LEN ? CLASP_MAX_FRAGMENT_LEN : len;
    return out_reserve(c, clasp_rec_sealed_len(&c->wr, n, pad_for(c, n)));
}

/* Seal one record of content into the outbound buffer. */
int clasp_engine_seal(clasp_conn *c, uint8_t type, const uint8_t *p, size_t len)
{
    size_t pad = pad_for(c, len);
    size_t need = clasp_rec_sealed_len(&c->wr, len, pad);
    TRY(out_reserve(c, need));
    clasp_wr w = clasp_wr_init(clasp_buf_at(c->out_buf, c->out_cap, c->out_len),
                               c->out_cap - c->out_len);
    TRY(clasp_rec_seal(&c->wr, type, p, len, pad, &w));
    c->out_len += w.len;
    return CLASP_OK;
}

int clasp_hs_out_reserve(clasp_conn *c, size_t n, clasp_wr *w)
{
    TRY(clasp_buf_grow(&c->hso_buf, &c->hso_cap, c->hso_len, c->hso_len + n,
                       (size_t)1 << 24));
    *w = clasp_wr_init(clasp_buf_at(c->hso_buf, c->hso_cap, c->hso_len),
                       c->hso_cap - c->hso_len);
    return CLASP_OK;
}

int clasp_hs_out_commit(clasp_conn *c, const clasp_wr *w, bool transcript)
{
    TRY(clasp_wr_finish(w));
    if (transcript) {
        TRY(clasp_ts_add(&c->hs->ts, w->buf, w->len));
    }
    if (c->conf->f_dbg != NULL && w->len >= 4) {
        clasp_hs_log(c, CLASP_DEBUG_MSG, "> %s (%zu bytes)",
                     clasp_hs_type_name(w->buf[0]), w->len);
    }
    c->hso_len += w->len;
    return CLASP_OK;
}

int clasp_hs_flush(clasp_conn *c)
{
    size_t off = 0;
    while (off < c->hso_len) {
        size_t n = c->hso_len - off;
        if (n > CLASP_MAX_FRAGMENT_LEN) {
            n = CLASP_MAX_FRAGMENT_LEN;
        }
        TRY(clasp_engine_seal(c, CLASP_CT_HANDSHAKE,
                              clasp_buf_at(c->hso_buf, c->hso_cap, off), n));
        off += n;
    }
    clasp_memzero(c->hso_buf, c->hso_len);
    c->hso_len = 0;
    return CLASP_OK;
}

int clasp_hs_send_ccs(clasp_conn *c)
{
    TRY(clasp_hs_flush(c));
    TRY(out_reserve(c, CLASP_RECORD_HEADER_LEN + 1));
    clasp_wr w = clasp_wr_init(clasp_buf_at(c->out_buf, c->out_cap, c->out_len),
                               c->out_cap - c->out_len);
    TRY(clasp_rec_write_ccs(&w));
    c->out_len += w.len;
    return CLASP_OK;
}

static int install(clasp_conn *c, clasp_rec_dir *d, const uint8_t *secret)
{
    uint8_t key[CLASP_MAX_AEAD_KEY_LEN];
    uint8_t iv[CLASP_AEAD_NONCE_LEN];
    int rc = clasp_ks_traffic_keys(c->prov, c->suite, secret, key, iv);
    if (rc == CLASP_OK) {
        clasp_rec_clear(d);
        rc = clasp_rec_install(d, c->suite, key, iv);
    }
    clasp_memzero(key, sizeof(key));
    clasp_memzero(iv, sizeof(iv));
    return rc;
}

int clasp_hs_install_read(clasp_conn *c, const uint8_t *secret)
{
    TRY(install(c, &c->rd, secret));
    c->rd_key_changed = true;
    return CLASP_OK;
}

int clasp_hs_install_write(clasp_conn *c, const uint8_t *secret)
{
    /* Records are sealed when queued (DESIGN.md §3.3): seal what is
     * pending under the old key first. The new key is made ready before
     * that, so that the switch cannot fail half-way: once a message that
     * announces the key change (ServerHello, Finished, KeyUpdate) is
     * sealed, the peer reads under the new key, and so must our alert. */
    clasp_rec_dir next;
    TRY(clasp_rec_dir_init(&next, c->prov));
    int rc = install(c, &next, secret);
    if (rc == CLASP_OK) {
        rc = clasp_hs_flush(c);
    }
    if (rc != CLASP_OK) {
        clasp_rec_clear(&next);
        return rc;
    }
    clasp_rec_clear(&c->wr);
    c->wr = next;
    clasp_memzero(&next, sizeof(next)); /* the stack copy of the IV */
    return CLASP_OK;
}

void clasp_hs_log(const clasp_conn *c, int level, const char *fmt, ...)
{
    const clasp_config *conf = c->conf;
    if (!CLASP_WITH_TRACE || conf == NULL || conf->f_dbg == NULL ||
        level > conf->dbg_level) {
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    conf->f_dbg(conf->dbg_arg, level, __FILE__, __LINE__, msg);
}

/* ---- alerts and fatal errors ------------------------------------------ */

int clasp_engine_send_alert(clasp_conn *c, int alert)
{
    /* RFC 8446 §6: level is ignored in TLS 1.3 but we send warning(1) for
     * close_notify and fatal(2) otherwise, as the RFC's examples do. */
    uint8_t body[2] = {alert == CLASP_ALERT_CLOSE_NOTIFY ? 1 : 2,
                       (uint8_t)alert};
    return clasp_engine_seal(c, CLASP_CT_ALERT, body, sizeof(body));
}

int clasp_engine_fail(clasp_conn *c, int err)
{
    if (err >= 0 || clasp_err_is_retry(err)) {
        return err;
    }
    if (c->fatal != 0) {
        return c->fatal;
    }
    c->fatal = err;
    clasp_hs_log(c, CLASP_DEBUG_ERROR, "fatal: %s (%s)", clasp_error_name(err),
                 clasp_strerror(err));
    int alert = clasp_err_alert(err);
    int cls = clasp_err_class(err);
    /* A half-built flight is never sent; the alert goes out alone. */
    clasp_memzero(c->hso_buf, c->hso_len);
    c->hso_len = 0;
    /* RFC 8446 §6.2: the alert goes out even when nothing was sent before
     * (a server refusing the first ClientHello); only a context whose
     * write direction never got set up has no way to send it. */
    if (alert != CLASP_ALERT_NONE && cls != CLASP_ERRCLASS_PEER &&
        c->wr.prov != NULL) {
        /* Best effort: a failure to queue it changes nothing. */
        int ignored = clasp_engine_send_alert(c, alert);
        CLASP_UNUSED(ignored);
    }
    clasp_hs_free(c);
    clasp_memzero(c->c_ap, sizeof(c->c_ap));
    clasp_memzero(c->s_ap, sizeof(c->s_ap));
    clasp_memzero(c->exporter, sizeof(c->exporter));
    clasp_memzero(c->res_master, sizeof(c->res_master));
    c->app.len = 0;
    return err;
}

/* ---- inbound records --------------------------------------------------------
 */

static bool hs_pending(const clasp_conn *c)
{
    return c->hs_len > c->hs_off;
}

static int on_ccs(clasp_conn *c)
{
    /* RFC 8446 §5: an unprotected change_cipher_spec of one byte 0x01
     * received between the first ClientHello and the peer's Finished is
     * dropped; anywhere else it is unexpected_message. Hardening: one per
     * flight of the peer (SECURITY-CHECKLIST 13): the count restarts when
     * a HelloRetryRequest or the second ClientHello is sent, so at most
     * two with HRR and never two in a row. */
    ENSURE(c->hs != NULL && (c->rows[c->state].flags & HS_CCS_OK) != 0,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    /* A server waiting for its first ClientHello takes no CCS, unless it
     * runs stateless HRR cookies: then a fresh context may be the one the
     * second ClientHello (and the CCS before it) reaches. */
    ENSURE(!c->is_server || c->state != S_START || c->hs->hrr_sent ||
               c->conf->hrr_cookie,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    ENSURE(!hs_pending(c), CLASP_ERR_UNEXPECTED_MESSAGE);
    ENSURE(c->hs->recv_ccs == 0, CLASP_ERR_UNEXPECTED_MESSAGE);
    c->hs->recv_ccs++;
    return CLASP_OK;
}

static int on_alert(clasp_conn *c, clasp_span body)
{
    /* RFC 8446 §5.1: an alert record carries exactly one alert; alerts are
     * never fragmented. */
    ENSURE(body.len == 2, CLASP_ERR_DECODE);
    ENSURE(!hs_pending(c), CLASP_ERR_UNEXPECTED_MESSAGE);
    clasp_rd r = clasp_rd_of_span(body);
    uint8_t level, desc;
    TRY(clasp_rd_u8(&r, &level));
    TRY(clasp_rd_u8(&r, &desc));
    c->peer_alert = desc;
    if (desc == CLASP_ALERT_CLOSE_NOTIFY) {
        /* RFC 8446 §6.1: data after close_notify is ignored. */
        c->peer_closed = true;
        return CLASP_ERR_PEER_CLOSE_NOTIFY;
    }
    if (desc == CLASP_ALERT_USER_CANCELED) {
        /* Not fatal by itself (§6.1), but a flood is cut short. */
        c->warning_alerts++;
        ENSURE(c->warning_alerts <= CLASP_MAX_WARNING_ALERTS,
               CLASP_ERR_UNEXPECTED_MESSAGE);
        return CLASP_OK;
    }
    /* RFC 8446 §6.2: every other alert is fatal, whatever its level. */
    clasp_hs_log(c, CLASP_DEBUG_ERROR, "peer alert %s (level %u)",
                 clasp_alert_description(desc), level);
    return CLASP_ERR_PEER_ALERT;
}

static int on_handshake(clasp_conn *c, clasp_span body)
{
    if (c->hs_off == c->hs_len) {
        c->hs_off = 0;
        c->hs_len = 0;
    } else {
        clasp_buf_compact(c->hs_buf, c->hs_cap, &c->hs_off, &c->hs_len);
    }
    /* Records are appended only while no complete message is pending, so
     * what is pending stays below one message at its limit plus one
     * record; each message's own limit is checked from its header in
     * next_msg(). */
    size_t max_msg = c->conf->max_cert_list;
    if (max_msg < CLASP_MAX_CR_LEN) {
        max_msg = CLASP_MAX_CR_LEN; /* >= CLASP_MAX_CH_LEN */
    }
    size_t max = 4 + max_msg + CLASP_MAX_FRAGMENT_LEN;
    ENSURE(body.len <= max - c->hs_len, CLASP_ERR_DECODE);
    TRY(clasp_buf_grow(&c->hs_buf, &c->hs_cap, c->hs_len, c->hs_len + body.len,
                       max));
    TRY(clasp_span_copy(body, clasp_buf_at(c->hs_buf, c->hs_cap, c->hs_len),
                        c->hs_cap - c->hs_len));
    c->hs_len += body.len;
    return CLASP_OK;
}

static int on_appdata(clasp_conn *c, clasp_span body)
{
    if ((c->rows[c->state].flags & HS_EARLY_IN) != 0 && c->hs != NULL &&
        c->hs->early_accepted) {
        /* RFC 8446 §2.3: accepted 0-RTT data (hs_early.c). */
        ENSURE(!hs_pending(c), CLASP_ERR_UNEXPECTED_MESSAGE);
        return clasp_hs_srv_early_data(c, body);
    }
    ENSURE((c->rows[c->state].flags & HS_APPDATA_IN) != 0,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    /* RFC 8446 §5.1: handshake messages may not be interleaved with other
     * record types. */
    ENSURE(!hs_pending(c), CLASP_ERR_UNEXPECTED_MESSAGE);
    if (body.len == 0) {
        c->empty_records++;
        ENSURE(c->empty_records <= CLASP_MAX_EMPTY_RECORDS,
               CLASP_ERR_UNEXPECTED_MESSAGE);
        return CLASP_OK;
    }
    c->empty_records = 0;
    c->key_updates_in_row = 0;
    c->app = body;
    return CLASP_OK;
}

/* RFC 8446 §4.2.10: a server that does not accept the client's early
 * data skips it: after HelloRetryRequest every application_data record
 * until the second ClientHello, otherwise every record that fails to open
 * under the handshake key, until one opens. At most
 * CLASP_MAX_EARLY_SKIP bytes (SECURITY-CHECKLIST resource limits); more is
 * unexpected_message. Returns 1 when the record at the head was skipped,
 * 0 when it must be processed normally. */
static int skip_early_record(clasp_conn *c, uint8_t *rec, size_t avail)
{
    struct clasp_hs *hs = c->hs;
    if (hs == NULL || !hs->early_skip) {
        return 0;
    }
    clasp_rd r = clasp_rd_init(rec, avail);
    uint8_t type;
    uint16_t version, length;
    TRY(clasp_rd_u8(&r, &type));
    TRY(clasp_rd_u16(&r, &version));
    TRY(clasp_rd_u16(&r, &length));
    if (type != CLASP_CT_APPLICATION_DATA) {
        return 0;
    }
    ENSURE(length <= CLASP_MAX_CIPHERTEXT_LEN, CLASP_ERR_RECORD_OVERFLOW);
    size_t rec_len = CLASP_RECORD_HEADER_LEN + (size_t)length;
    if (avail < rec_len) {
        return CLASP_ERR_WANT_READ;
    }
    if (clasp_rec_is_protected(&c->rd)) {
        /* Trial decryption; rec_open leaves seq unchanged on failure. The
         * record is opened in place, so a success is processed from the
         * opened bytes by the normal path: work on a copy. */
        clasp_rec_dir probe = c->rd;
        uint8_t tmp[CLASP_MAX_RECORD_LEN];
        TRY(clasp_copy(tmp, sizeof(tmp), rec, rec_len));
        clasp_rec_plain plain;
        int rc = clasp_rec_open(&probe, tmp, rec_len, &plain);
        clasp_memzero(tmp, rec_len);
        if (rc != CLASP_ERR_BAD_RECORD_MAC) {
            hs->early_skip = false;
            return 0;
        }
    }
    ENSURE(rec_len <= hs->early_skip_left, CLASP_ERR_UNEXPECTED_MESSAGE);
    hs->early_skip_left -= rec_len;
    c->in_off += rec_len;
    return 1;
}

int clasp_engine_read_record(clasp_conn *c)
{
    size_t avail = c->in_len - c->in_off;
    uint8_t *rec = clasp_buf_at(c->in_buf, c->in_cap, c->in_off);
    if (avail < CLASP_RECORD_HEADER_LEN) {
        return CLASP_ERR_WANT_READ;
    }
    int skipped = skip_early_record(c, rec, avail);
    TRY(skipped);
    if (skipped == 1) {
        return CLASP_OK;
    }
    clasp_rd r = clasp_rd_init(rec, avail);
    clasp_rec_dir *dir = &c->rd;
    clasp_rec_dir clear;
    if (c->rd_plain_alert_ok) {
        /* RFC 8446 App. A.1: a client switches its sending key only after
         * the server's Finished, so the alert of a client that refuses the
         * server's first flight comes unprotected although our read key
         * has changed (§6: alerts are protected as the *sender's* current
         * state says). Until the client's first protected record, a
         * plaintext alert record is read as one; any other plaintext
         * record is still unexpected_message (§5). */
        clasp_rd peek = r;
        uint8_t type;
        TRY(clasp_rd_u8(&peek, &type));
        if (type == CLASP_CT_ALERT) {
            TRY(clasp_rec_dir_init(&clear, c->prov));
            dir = &clear;
        }
    }
    clasp_rec_header h;
    TRY(clasp_rec_header_parse(dir, &r, &h));
    size_t rec_len = CLASP_RECORD_HEADER_LEN + (size_t)h.length;
    if (avail < rec_len) {
        return CLASP_ERR_WANT_READ;
    }
    c->in_off += rec_len;
    clasp_rec_plain plain;
    TRY(clasp_rec_open(dir, rec, rec_len, &plain));
    if (dir == &c->rd && h.type == CLASP_CT_APPLICATION_DATA &&
        clasp_rec_is_protected(dir)) {
        /* The client's first protected record: the window is closed (an
         * unprotected CCS passing through does not count). */
        c->rd_plain_alert_ok = false;
    }
    if (plain.type != CLASP_CT_ALERT) {
        c->warning_alerts = 0;
    }
    switch (plain.type) {
    case CLASP_CT_CHANGE_CIPHER_SPEC: return on_ccs(c);
    case CLASP_CT_ALERT: return on_alert(c, plain.content);
    case CLASP_CT_HANDSHAKE: return on_handshake(c, plain.content);
    case CLASP_CT_APPLICATION_DATA: return on_appdata(c, plain.content);
    default: BAIL(CLASP_ERR_UNEXPECTED_MESSAGE);
    }
}

/* Largest acceptable body for a message type in the current phase
 * (SECURITY-CHECKLIST resource limits). */
static size_t msg_limit(const clasp_conn *c, uint8_t type)
{
    if (c->handshake_done) {
        /* After the handshake a server takes KeyUpdate (1 byte) and
         * post-handshake auth messages; a client NewSessionTicket (16
         * KiB) and CertificateRequest (hs_pha.c). */
        return clasp_hs_pha_msg_limit(c, type);
    }
    switch (type) {
    case CLASP_HS_CLIENT_HELLO: return CLASP_MAX_CH_LEN;
    case CLASP_HS_CERTIFICATE_REQUEST: return CLASP_MAX_CR_LEN;
    case CLASP_HS_CERTIFICATE: return c->conf->max_cert_list;
    default: return CLASP_MAX_HS_MSG_LEN;
    }
}

/* Next complete handshake message, reading records as needed. Returns
 * WANT_READ when the inbound buffer holds no complete record; app data
 * or an alert in between returns to the caller with *got = false. */
static int next_msg(clasp_conn *c, struct clasp_hs_msg *m, bool *got)
{
    *got = false;
    for (;;) {
        clasp_span pend =
            clasp_span_of(clasp_buf_at(c->hs_buf, c->hs_cap, c->hs_off),
                          c->hs_len - c->hs_off);
        if (pend.len >= 4) {
            clasp_rd r = clasp_rd_of_span(pend);
            uint8_t type;
            uint32_t len;
            TRY(clasp_rd_u8(&r, &type));
            TRY(clasp_rd_u24(&r, &len));
            /* Refuse an unexpected type before buffering its body, and
             * before its size: after the handshake too, a ClientHello to
             * a server is unexpected_message (RFC 8446 §4.1.2, §4.6), not
             * an oversized KeyUpdate. */
            ENSURE(type < 32 && (c->rows[c->state].expect & HS_BIT(type)) != 0,
                   CLASP_ERR_UNEXPECTED_MESSAGE);
            /* The CONNECTED rows narrowed by post-handshake auth. */
            ENSURE(clasp_hs_pha_allows(c, type), CLASP_ERR_UNEXPECTED_MESSAGE);
            ENSURE(len <= msg_limit(c, type), CLASP_ERR_DECODE);
            if (pend.len >= 4 + (size_t)len) {
                m->type = type;
                TRY(clasp_span_sub(pend, 0, 4 + (size_t)len, &m->raw));
                TRY(clasp_span_sub(pend, 4, len, &m->body));
                c->hs_off += 4 + (size_t)len;
                *got = true;
                return CLASP_OK;
            }
        }
        size_t before = c->app.len;
        TRY(clasp_engine_read_record(c));
        if (c->app.len != before) {
            return CLASP_OK;
        }
    }
}

/* At the end of the handshake the handshake message buffers go (they are
 * sized for the handshake's flights; post-handshake messages are rare and
 * small, and get a buffer again when they come). Only when empty: nothing
 * pending is ever dropped. */
static void drop_hs_buffers(clasp_conn *c)
{
    if (c->hs_off == c->hs_len) {
        clasp_free_secret(c->hs_buf, c->hs_cap);
        c->hs_buf = NULL;
        c->hs_cap = c->hs_off = c->hs_len = 0;
    }
    if (c->hso_len == 0) {
        clasp_free_secret(c->hso_buf, c->hso_cap);
        c->hso_buf = NULL;
        c->hso_cap = 0;
    }
}

/* ---- the dispatcher
 * ----------------------------------------------------------- */

static int dispatch(clasp_conn *c)
{
    const struct clasp_hs_row *row = &c->rows[c->state];
    int next = -1;
    if (row->expect == 0) {
        TRY(row->run(c, NULL, &next));
    } else {
        struct clasp_hs_msg m;
        bool got;
        TRY(next_msg(c, &m, &got));
        if (!got) {
            /* Application data arrived where the row allows it. */
            return CLASP_OK;
        }
        ENSURE(m.type < 32 && (row->expect & HS_BIT(m.type)) != 0,
               CLASP_ERR_UNEXPECTED_MESSAGE);
        clasp_hs_log(c, CLASP_DEBUG_MSG, "< %s (%zu bytes)",
                     clasp_hs_type_name(m.type), m.raw.len);
        if (row->flags & HS_TH_BEFORE) {
            TRY(clasp_ts_hash(&c->hs->ts, m.th_before));
        }
        if (!(row->flags & HS_TS_MANUAL)) {
            TRY(clasp_ts_add(&c->hs->ts, m.raw.p, m.raw.len));
        }
        TRY(row->run(c, &m, &next));
        /* RFC 8446 §5.1: ServerHello, Finished, EndOfEarlyData (and the
         * ClientHello before the server's key change) must end their
         * record. Checked after the message itself parsed, so a malformed
         * message still gets its own error. */
        ENSURE(!(row->flags & HS_END_OF_RECORD) || !hs_pending(c),
               CLASP_ERR_UNEXPECTED_MESSAGE);
    }
    /* The table is the law (DESIGN.md §3.6). */
    ENSURE(next >= 0 && (row->next_ok & ST_BIT(next)) != 0, CLASP_ERR_INTERNAL);
    /* RFC 8446 §5.1: a message that precedes a key change must end its
     * record. */
    if (c->rd_key_changed) {
        c->rd_key_changed = false;
        ENSURE(!hs_pending(c), CLASP_ERR_UNEXPECTED_MESSAGE);
    }
    clasp_hs_log(c, CLASP_DEBUG_VERBOSE, "state %s -> %s", row->name,
                 c->rows[next].name);
    c->state = next;
    /* Only the dispatcher declares the handshake over, once every check
     * on the last message has passed. */
    if ((c->rows[next].flags & HS_APPDATA_IN) != 0 && !c->handshake_done) {
        c->handshake_done = true;
        drop_hs_buffers(c);
    }
    return CLASP_OK;
}

int clasp_hs_step(clasp_conn *c)
{
    if (c->fatal != 0) {
        return c->fatal;
    }
    int rc = dispatch(c);
    if (rc == CLASP_ERR_PEER_CLOSE_NOTIFY && c->handshake_done) {
        /* RFC 8446 §6.1: close_notify closes the peer's write side only;
         * ours stays open, and nothing more is read (peer_closed). During
         * the handshake it ends the connection (it cannot complete). */
        return rc;
    }
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    return rc;
}
