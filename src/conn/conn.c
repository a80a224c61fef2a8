/*
 * Public entry points of a connection: create, bind a config, drive the
 * handshake, read and write application data, close, reset, and the
 * getters. Every call on a context with a fatal error returns that error
 * again (sticky, DESIGN.md §3.9).
 */
#include <string.h>

#include "base/mem.h"
#include "conn/io.h"
#include "crypto/suites.h"
#include "hs/hs.h"
#include "hs/hs_pha.h"

#define CONN_CHECK(c)                        \
    do {                                     \
        if ((c) == NULL) {                   \
            return CLASP_ERR_BAD_INPUT_DATA; \
        }                                    \
        if ((c)->conf == NULL) {             \
            return CLASP_ERR_BAD_STATE;      \
        }                                    \
        if ((c)->fatal != 0) {               \
            return conn_dead(c);             \
        }                                    \
    } while (0)

/* A context with a fatal error answers every call with it. The alert of
 * that error may still sit in the outbound buffer when the transport
 * refused to take it at once: each call tries to finish sending it
 * (RFC 8446 §6.2), and nothing else is ever added. */
static int conn_dead(clasp_conn *c)
{
    int ignored = clasp_io_flush(c);
    CLASP_UNUSED(ignored);
    return c->fatal;
}

clasp_context *clasp_new(void)
{
    clasp_context *c = clasp_mem_calloc(1, sizeof(*c));
    if (c != NULL) {
        c->peer_alert = -1;
    }
    return c;
}

static void conn_wipe_secrets(clasp_conn *c)
{
    clasp_hs_free(c);
    clasp_hs_pha_clear(c);
    clasp_rec_clear(&c->rd);
    clasp_rec_clear(&c->wr);
    clasp_memzero(c->c_ap, sizeof(c->c_ap));
    clasp_memzero(c->s_ap, sizeof(c->s_ap));
    clasp_memzero(c->exporter, sizeof(c->exporter));
    clasp_memzero(c->res_master, sizeof(c->res_master));
    clasp_hs_early_reset(c);
}

void clasp_free(clasp_context *c)
{
    if (c == NULL) {
        return;
    }
    conn_wipe_secrets(c);
    clasp_free_secret(c->in_buf, c->in_cap);
    clasp_free_secret(c->out_buf, c->out_cap);
    clasp_free_secret(c->hs_buf, c->hs_cap);
    clasp_free_secret(c->hso_buf, c->hso_cap);
    clasp_mem_free(c->peer_cert);
    clasp_mem_free(c->alpn);
    if (c->hostname != NULL) {
        clasp_mem_free(c->hostname);
    }
    clasp_hs_tickets_clear(c);
    clasp_mem_free(c->psk_identity);
    clasp_config_free(c->conf);
    clasp_free_secret(c, sizeof(*c));
}

static int check_config(const clasp_config *conf)
{
    ENSURE(conf->min_version <= conf->max_version, CLASP_ERR_BAD_CONFIG);
    ENSURE(conf->max_version == CLASP_VERSION_TLS1_3, CLASP_ERR_BAD_CONFIG);
    ENSURE(conf->suite_count > 0 && conf->group_count > 0,
           CLASP_ERR_BAD_CONFIG);
    bool is_server = conf->endpoint == CLASP_IS_SERVER;
    ENSURE(is_server ? CLASP_WITH_SERVER : CLASP_WITH_CLIENT,
           CLASP_ERR_BAD_CONFIG);
    unsigned modes = conf->kex_modes;
    bool eph = (modes & CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL) != 0;
    bool psk_modes =
        (modes & (CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK |
                  CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL)) != 0;
    if (is_server) {
        /* Some handshake must be possible: certificates (or an SNI
         * callback to supply them) with the ephemeral mode, or external
         * PSKs with a PSK mode. Tickets alone cannot bootstrap: they come
         * from full handshakes. */
        bool certs = conf->cert_count > 0 || conf->f_sni != NULL;
        bool psks = conf->psk_count > 0 || conf->f_psk != NULL;
        ENSURE((eph && certs) || (psk_modes && psks), CLASP_ERR_BAD_CONFIG);
    }
    if (conf->authmode != CLASP_VERIFY_NONE && !is_server && eph &&
        conf->psk_count == 0) {
        /* A client that may verify a certificate needs trust anchors; one
         * with an external PSK may meet a certificate only if the server
         * refuses the PSK, and then fails closed (unknown_ca). */
        ENSURE(conf->trust != NULL, CLASP_ERR_BAD_CONFIG);
    }
    return CLASP_OK;
}

/* Put a context in the state of a fresh connection (buffers kept). */
static int conn_start(clasp_conn *c)
{
    conn_wipe_secrets(c);
    c->is_server = c->conf->endpoint == CLASP_IS_SERVER;
    c->prov = c->conf->prov;
    c->fatal = 0;
    c->peer_alert = -1;
    c->peer_closed = false;
    c->sent_close = false;
    c->handshake_done = false;
    c->in_off = c->in_len = 0;
    c->in_eof = false;
    c->app.len = 0;
    c->hs_off = c->hs_len = 0;
    c->out_len = c->out_sent = 0;
    c->hso_len = 0;
    c->rd_key_changed = false;
    c->rd_plain_alert_ok = false;
    c->suite = NULL;
    c->group = 0;
    c->peer_sig_alg = 0;
    c->version = 0;
    c->hrr_used = false;
    clasp_mem_free(c->peer_cert);
    c->peer_cert = NULL;
    if (c->conf->endpoint == CLASP_IS_SERVER) {
        /* A server learns the name from each client's hello; it never
         * carries over to the next connection (SECURITY-CHECKLIST 56). */
        clasp_mem_free(c->hostname);
        c->hostname = NULL;
    }
    c->peer_cert_len = 0;
    clasp_mem_free(c->alpn);
    c->alpn = NULL;
    c->empty_records = 0;
    c->warning_alerts = 0;
    c->key_updates_in_row = 0;
    c->key_update_pending = false;
    c->key_update_request = false;
    /* The client's tickets stay: a reset context may resume. */
    c->tickets_pending = 0;
    c->nst_sent = 0;
    c->kex_mode = 0;
    c->resumed = false;
    c->peer_auth = 0;
    clasp_memzero(c->peer_cert_hash, sizeof(c->peer_cert_hash));
    clasp_mem_free(c->psk_identity);
    c->psk_identity = NULL;
    c->psk_identity_len = 0;
    TRY(clasp_rec_dir_init(&c->rd, c->prov));
    TRY(clasp_rec_dir_init(&c->wr, c->prov));
    return clasp_hs_start(c);
}

int clasp_setup(clasp_context *c, clasp_config *conf)
{
    ENSURE(c != NULL && conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf == NULL, CLASP_ERR_BAD_STATE);
    TRY(check_config(conf));
    /* The input buffer comes with the first read (src/conn/io.c). */
    atomic_store(&conf->frozen, true);
    atomic_fetch_add(&conf->refs, 1);
    c->conf = conf;
    int rc = conn_start(c);
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    return CLASP_OK;
}

void clasp_set_bio(clasp_context *c, void *p_bio, clasp_send_t *f_send,
                   clasp_recv_t *f_recv, clasp_recv_timeout_t *f_recv_timeout)
{
    if (c == NULL) {
        return;
    }
    c->bio = p_bio;
    c->f_send = f_send;
    c->f_recv = f_recv;
    c->f_recv_timeout = f_recv_timeout;
}

int clasp_set_hostname(clasp_context *c, const char *hostname)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    /* RFC 6066 §3: HostName<1..2^16-1>; DNS names are at most 253. */
    ENSURE(hostname == NULL || (hostname[0] != '\0' && strlen(hostname) <= 253),
           CLASP_ERR_BAD_INPUT_DATA);
    char *copy = NULL;
    if (hostname != NULL) {
        copy = clasp_strdup(hostname);
        ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
    }
    clasp_mem_free(c->hostname);
    c->hostname = copy;
    return CLASP_OK;
}

int clasp_set_hs_own_cert(clasp_context *c, const clasp_config *cert_source)
{
    CONN_CHECK(c);
    ENSURE(c->hs != NULL && cert_source != NULL, CLASP_ERR_BAD_STATE);
    ENSURE(cert_source->cert_count > 0, CLASP_ERR_BAD_INPUT_DATA);
    c->hs->cert_source = cert_source;
    return CLASP_OK;
}

static int op_handshake(clasp_conn *c)
{
    while (!c->handshake_done) {
        TRY(clasp_hs_step(c));
    }
    return CLASP_OK;
}

static int op_step(clasp_conn *c)
{
    if (c->handshake_done) {
        return CLASP_OK;
    }
    return clasp_hs_step(c);
}

int clasp_handshake(clasp_context *c)
{
    CONN_CHECK(c);
    return clasp_io_run(c, op_handshake);
}

int clasp_handshake_step(clasp_context *c)
{
    CONN_CHECK(c);
    return clasp_io_run(c, op_step);
}

int clasp_is_handshake_over(const clasp_context *c)
{
    return c != NULL && c->handshake_done ? 1 : 0;
}

/* Server: the NewSessionTickets due after the handshake go out with the
 * first read or write (clasp_conf_session_tickets), never after our
 * close_notify (RFC 8446 §6.1). */
static int send_due_tickets(clasp_conn *c)
{
    if (c->tickets_pending == 0 || c->sent_close) {
        return CLASP_OK;
    }
    int rc = clasp_engine_send_tickets(c);
    return rc < 0 ? clasp_engine_fail(c, rc) : CLASP_OK;
}

int clasp_read(clasp_context *c, unsigned char *buf, size_t len)
{
    CONN_CHECK(c);
    ENSURE(buf != NULL || len == 0, CLASP_ERR_BAD_INPUT_DATA);
    if (!c->handshake_done) {
        TRY(clasp_handshake(c));
    }
    TRY(send_due_tickets(c));
    if (c->app.len == 0) {
        TRY(clasp_io_run(c, clasp_engine_read_app));
    }
    size_t n = len < c->app.len ? len : c->app.len;
    if (n > INT32_MAX) {
        n = INT32_MAX;
    }
    clasp_span take;
    TRY(clasp_span_sub(c->app, 0, n, &take));
    TRY(clasp_span_copy(take, buf, len));
    TRY(clasp_span_sub(c->app, n, c->app.len - n, &c->app));
    return (int)n;
}

size_t clasp_get_bytes_avail(const clasp_context *c)
{
    return c != NULL ? c->app.len : 0;
}

int clasp_write(clasp_context *c, const unsigned char *buf, size_t len)
{
    CONN_CHECK(c);
    ENSURE(buf != NULL || len == 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!c->sent_close, CLASP_ERR_BAD_STATE);
    if (!c->handshake_done) {
        TRY(clasp_handshake(c));
    }
    TRY(send_due_tickets(c));
    TRY(clasp_io_flush(c));
    if (len == 0) {
        return 0;
    }
    /* The output buffer first (it may have been released): failing to
     * get it back consumes nothing and leaves the connection usable. */
    TRY(clasp_engine_reserve_app(c, len));
    int n = clasp_engine_write_app(c, buf, len);
    if (n < 0) {
        return clasp_engine_fail(c, n);
    }
    /* The bytes are ours now; a blocked flush is finished by the next
     * call. */
    int rc = clasp_io_flush(c);
    if (rc < 0 && !clasp_err_is_retry(rc)) {
        return rc;
    }
    return n;
}

int clasp_release_buffers(clasp_context *c)
{
    CONN_CHECK(c);
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    /* Records not yet taken by the transport (a WANT_WRITE pending). */
    ENSURE(c->out_sent == c->out_len && c->hso_len == 0, CLASP_ERR_WANT_WRITE);
    /* Received bytes not processed yet: a partial record, whole records
     * not yet read, decrypted data not yet returned, part of a
     * handshake message. */
    ENSURE(c->in_off == c->in_len && c->app.len == 0 && c->hs_off == c->hs_len,
           CLASP_ERR_BAD_STATE);
    clasp_free_secret(c->in_buf, c->in_cap);
    clasp_free_secret(c->out_buf, c->out_cap);
    clasp_free_secret(c->hs_buf, c->hs_cap);
    clasp_free_secret(c->hso_buf, c->hso_cap);
    c->in_buf = c->out_buf = c->hs_buf = c->hso_buf = NULL;
    c->in_cap = c->in_off = c->in_len = 0;
    c->out_cap = c->out_sent = c->out_len = 0;
    c->hs_cap = c->hs_off = c->hs_len = 0;
    c->hso_cap = 0;
    return CLASP_OK;
}

int clasp_close_notify(clasp_context *c)
{
    CONN_CHECK(c);
    if (!c->sent_close) {
        c->sent_close = true;
        TRY(clasp_engine_send_alert(c, CLASP_ALERT_CLOSE_NOTIFY));
    }
    return clasp_io_flush(c);
}

int clasp_session_reset(clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf != NULL, CLASP_ERR_BAD_STATE);
    int rc = conn_start(c);
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    return CLASP_OK;
}

int clasp_send_new_session_ticket(clasp_context *c)
{
    CONN_CHECK(c);
    ENSURE(c->is_server && c->handshake_done && !c->sent_close,
           CLASP_ERR_BAD_STATE);
    TRY(send_due_tickets(c));
    int rc = clasp_hs_send_nst(c);
    if (rc == CLASP_ERR_NOT_FOUND) {
        return rc;
    }
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    return clasp_io_flush(c);
}

static int set_hs_psk(clasp_conn *c, const unsigned char *psk, size_t len,
                      int hash)
{
    ENSURE(c != NULL && psk != NULL && len >= 1 && len <= CLASP_KS_MAX_PSK_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(hash == CLASP_PSK_HASH_SHA256 || hash == CLASP_PSK_HASH_SHA384,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->hs != NULL && c->hs->in_psk_cb, CLASP_ERR_BAD_STATE);
    TRY(clasp_copy(c->hs->cb_psk, sizeof(c->hs->cb_psk), psk, len));
    c->hs->cb_psk_len = len;
    c->hs->cb_psk_hash =
        hash == CLASP_PSK_HASH_SHA256 ? CLASP_HASH_SHA256 : CLASP_HASH_SHA384;
    return CLASP_OK;
}

int clasp_set_hs_psk(clasp_context *c, const unsigned char *psk, size_t psk_len)
{
    return set_hs_psk(c, psk, psk_len, CLASP_PSK_HASH_SHA256);
}

int clasp_set_hs_psk_with_hash(clasp_context *c, const unsigned char *psk,
                               size_t psk_len, int hash)
{
    return set_hs_psk(c, psk, psk_len, hash);
}

int clasp_key_update(clasp_context *c, int request_peer)
{
    CONN_CHECK(c);
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    /* RFC 8446 §6.1: nothing follows our close_notify. */
    ENSURE(!c->sent_close, CLASP_ERR_BAD_STATE);
    int rc = clasp_engine_key_update(c, request_peer != 0);
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    rc = clasp_io_flush(c);
    return rc == CLASP_ERR_WANT_WRITE ? CLASP_OK : rc;
}

int clasp_export_keying_material(clasp_context *c, unsigned char *out,
                                 size_t out_len, const char *label,
                                 const unsigned char *context,
                                 size_t context_len)
{
    CONN_CHECK(c);
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    ENSURE(out != NULL && label != NULL, CLASP_ERR_BAD_INPUT_DATA);
    return clasp_ks_export(c->prov, c->suite->hash, c->exporter,
                           (const uint8_t *)label, strlen(label), context,
                           context_len, out, out_len);
}

/* ---- getters
 * ------------------------------------------------------------------ */

const char *clasp_get_version(const clasp_context *c)
{
    if (c != NULL && c->version == CLASP_VERSION_TLS1_3) {
        return "TLSv1.3";
    }
    return "unknown";
}

int clasp_get_version_number(const clasp_context *c)
{
    return c != NULL ? c->version : 0;
}

const char *clasp_get_ciphersuite(const clasp_context *c)
{
    return c != NULL && c->suite != NULL ? c->suite->name : NULL;
}

int clasp_get_ciphersuite_id(const clasp_context *c)
{
    return c != NULL && c->suite != NULL ? c->suite->iana : 0;
}

int clasp_get_group(const clasp_context *c)
{
    return c != NULL ? c->group : 0;
}

const char *clasp_group_name(uint16_t group)
{
    const clasp_group *g = clasp_group_find(group);
    return g != NULL ? g->name : NULL;
}

const char *clasp_ciphersuite_name(uint16_t suite)
{
    const clasp_suite *s = clasp_suite_find(suite);
    return s != NULL ? s->name : NULL;
}

const char *clasp_sig_alg_name(uint16_t sig_alg)
{
    const clasp_sig_alg *s = clasp_sig_alg_find(sig_alg);
    return s != NULL ? s->name : NULL;
}

int clasp_get_peer_sig_alg(const clasp_context *c)
{
    return c != NULL ? c->peer_sig_alg : 0;
}

const char *clasp_get_alpn_protocol(const clasp_context *c)
{
    return c != NULL ? c->alpn : NULL;
}

const char *clasp_get_hostname(const clasp_context *c)
{
    return c != NULL ? c->hostname : NULL;
}

int clasp_get_peer_cert(const clasp_context *c, const unsigned char **der,
                        size_t *len)
{
    ENSURE(c != NULL && der != NULL && len != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->peer_cert != NULL, CLASP_ERR_NOT_FOUND);
    *der = c->peer_cert;
    *len = c->peer_cert_len;
    return CLASP_OK;
}

int clasp_get_tls13_key_exchange_mode(const clasp_context *c)
{
    return c != NULL ? c->kex_mode : 0;
}

int clasp_is_session_resumed(const clasp_context *c)
{
    return c != NULL && c->resumed ? 1 : 0;
}

int clasp_get_psk_identity(const clasp_context *c,
                           const unsigned char **identity, size_t *len)
{
    ENSURE(c != NULL && identity != NULL && len != NULL,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->psk_identity != NULL, CLASP_ERR_NOT_FOUND);
    *identity = c->psk_identity;
    *len = c->psk_identity_len;
    return CLASP_OK;
}

int clasp_get_hrr_used(const clasp_context *c)
{
    return c != NULL && c->hrr_used ? 1 : 0;
}

int clasp_get_peer_alert(const clasp_context *c)
{
    return c != NULL ? c->peer_alert : -1;
}
