/*
 * The client state machine (RFC 8446 Appendix A.1): its table and
 * handlers. Each handler parses (pure codec), checks against what we
 * offered, applies, and returns the next state; the dispatcher in
 * engine.c moves the state after checking the edge against this table.
 *
 * Never: derives a secret from an unset key share (SECURITY-CHECKLIST row
 * 27), accepts Finished without a verified CertificateVerify (row 19), or
 * accepts a ServerHello field we did not offer (rows 25-30).
 */
#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs_common.h"
#include "hs/hs_pha.h"

static void free_shares(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    for (size_t i = 0; i < hs->kx_count; i++) {
        c->prov->kx_free(hs->kx[i]);
        hs->kx[i] = NULL;
    }
    hs->kx_count = 0;
}

static int make_share(clasp_conn *c, uint16_t group,
                      struct clasp_key_share_entry *e)
{
    struct clasp_hs *hs = c->hs;
    size_t i = hs->kx_count;
    size_t pub_len = 0;
    ENSURE(i < CLASP_MAX_KEY_SHARES, CLASP_ERR_INTERNAL);
    TRY(c->prov->kx_new(c->prov->ctx, group, &hs->kx[i], hs->kx_pub[i],
                        CLASP_MAX_KX_PUB_LEN, &pub_len));
    hs->kx_group[i] = group;
    hs->kx_pub_len[i] = pub_len;
    hs->kx_count++;
    e->group = group;
    e->key_exchange = clasp_span_of(hs->kx_pub[i], pub_len);
    return CLASP_OK;
}

static void u16_list_set(struct clasp_u16_list *l, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n && i < CLASP_U16_LIST_CAP; i++) {
        l->v[i] = v[i];
    }
    l->kept = n;
    l->count = n;
}

/* RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in
 * server_name. */
static bool is_ip_literal(const char *s)
{
    bool v4 = true;
    for (size_t i = 0; s[i] != '\0'; i++) {
        char ch = s[i];
        if (ch == ':') {
            return true;
        }
        if ((ch < '0' || ch > '9') && ch != '.') {
            v4 = false;
        }
    }
    return v4;
}

/* Write ClientHello (RFC 8446 §4.1.2) with fresh shares for the given
 * groups (first flight) or the HRR group (second). */
static int write_client_hello(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    /* On the stack: no allocation per message */
    struct clasp_ch ch_msg;
    memset(&ch_msg, 0, sizeof(ch_msg));
    struct clasp_ch *ch = &ch_msg;
    static const uint8_t null_compression[1] = {0};
    int rc = CLASP_OK;

    ch->legacy_version = CLASP_VERSION_TLS1_2;
    rc = clasp_copy(ch->random, sizeof(ch->random), hs->client_random, 32);
    ch->legacy_session_id = clasp_span_of(hs->session_id, hs->session_id_len);
    u16_list_set(&ch->cipher_suites, conf->suites, conf->suite_count);
    ch->legacy_compression_methods = clasp_span_of(null_compression, 1);
    ch->has_extensions = true;
    struct clasp_exts *e = &ch->exts;

    uint16_t tls13 = CLASP_VERSION_TLS1_3;
    u16_list_set(&e->supported_versions.versions, &tls13, 1);
    clasp_exts_set(e, CLASP_EXT_ID_SUPPORTED_VERSIONS);
    u16_list_set(&e->sig_alg, conf->sig_algs, conf->sig_alg_count);
    clasp_exts_set(e, CLASP_EXT_ID_SIG_ALG);

    /* §4.2.9: a client that allows only psk_ke sends no key share (and,
     * §9.2, then needs no supported_groups either). */
    unsigned dhe_modes = CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL |
                         CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL;
    if ((conf->kex_modes & dhe_modes) != 0) {
        u16_list_set(&e->supported_groups, conf->groups, conf->group_count);
        clasp_exts_set(e, CLASP_EXT_ID_SUPPORTED_GROUPS);
        if (hs->kx_count > 0) {
            /* The second ClientHello after an HRR that named no group:
             * the same shares again (§4.1.2). */
            for (size_t i = 0; i < hs->kx_count; i++) {
                e->key_share.client_shares[i].group = hs->kx_group[i];
                e->key_share.client_shares[i].key_exchange =
                    clasp_span_of(hs->kx_pub[i], hs->kx_pub_len[i]);
            }
            e->key_share.client_shares_kept = hs->kx_count;
        } else if (hs->hrr_group != 0) {
            rc = make_share(c, hs->hrr_group, &e->key_share.client_shares[0]);
            e->key_share.client_shares_kept = 1;
        } else {
            size_t n = conf->key_share_count;
            for (size_t i = 0; i < n && rc == CLASP_OK; i++) {
                rc = make_share(c, conf->groups[i],
                                &e->key_share.client_shares[i]);
            }
            e->key_share.client_shares_kept = n;
        }
        e->key_share.client_shares_count = e->key_share.client_shares_kept;
        clasp_exts_set(e, CLASP_EXT_ID_KEY_SHARE);
    }

    if (c->hostname != NULL && !is_ip_literal(c->hostname)) {
        e->server_name.host_name =
            clasp_span_of(c->hostname, strlen(c->hostname));
        clasp_exts_set(e, CLASP_EXT_ID_SERVER_NAME);
    }
    if (conf->alpn_len > 0) {
        clasp_rd r = clasp_rd_init(conf->alpn, conf->alpn_len);
        size_t n = 0;
        while (rc == CLASP_OK && clasp_rd_left(&r) > 0 &&
               n < CLASP_EXT_ALPN_CAP) {
            clasp_rd name;
            rc = clasp_rd_vec8(&r, 1, 255, &name);
            if (rc == CLASP_OK) {
                e->alpn.protocol_name_list[n++] = clasp_rd_rest(&name);
            }
        }
        e->alpn.protocol_name_list_kept = n;
        e->alpn.protocol_name_list_count = n;
        clasp_exts_set(e, CLASP_EXT_ID_ALPN);
    }
    if (hs->cookie_len > 0) {
        e->cookie.cookie = clasp_span_of(hs->cookie, hs->cookie_len);
        clasp_exts_set(e, CLASP_EXT_ID_COOKIE);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_cli_psk_exts(c, e);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_cli_early_ext(c, e);
    }
    /* RFC 7685 §4: pad a ClientHello of 256..511 bytes to 512, which some
     * middleboxes mishandle (the padding goes before pre_shared_key). */
    e->padding.target_len = 512;
    clasp_exts_set(e, CLASP_EXT_ID_PADDING);
    /* §4.2.6: post-handshake auth when configured. */
    c->pha_offered = c->conf->post_hs_auth;
    if (c->pha_offered) {
        clasp_exts_set(e, CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_ca_ch_ext(c, e);
    }
    hs->ext_sent = e->present;

    clasp_wr w;
    size_t psk_size = 0;
    for (size_t i = 0; i < hs->psk_offer_count; i++) {
        psk_size += 2 + hs->psk_offers[i].identity_len + 4 + 1 + 64;
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_reserve(c, 4096 + conf->alpn_len + psk_size, &w);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ch_write(&w, ch);
    }
    if (rc == CLASP_OK) {
        /* §4.2.11.2: binders over Truncate(ClientHello), written in place
         * before the message joins the transcript. */
        rc = clasp_hs_cli_psk_binders(c, &w, &e->psk);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_commit(c, &w, true);
    }
    return rc;
}

static int cli_send_client_hello(clasp_conn *c, const struct clasp_hs_msg *m,
                                 int *next)
{
    CLASP_UNUSED(m);
    struct clasp_hs *hs = c->hs;
    TRY(c->prov->random(c->prov->ctx, hs->client_random, 32));
    if (c->conf->compat_mode) {
        /* RFC 8446 App. D.4: a non-empty legacy_session_id. */
        TRY(c->prov->random(c->prov->ctx, hs->session_id, 32));
        hs->session_id_len = 32;
    }
    unsigned modes = c->conf->kex_modes;
    if (c->conf->authmode != CLASP_VERIFY_NONE &&
        (modes & CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL) != 0) {
        /* Fail closed before sending anything (SECURITY-CHECKLIST 54);
         * a client limited to PSK modes checks no certificate. */
        ENSURE(c->hostname != NULL, CLASP_ERR_NO_HOSTNAME);
    }
    TRY(clasp_hs_cli_psk_prepare(c));
    /* Only PSK modes allowed, and no PSK to offer: no handshake can
     * succeed; nothing has been sent. */
    ENSURE((modes & CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL) != 0 ||
               hs->psk_offer_count > 0,
           CLASP_ERR_BAD_CONFIG);
    TRY(write_client_hello(c));
    TRY(clasp_hs_flush(c));
    TRY(clasp_hs_cli_early_start(c));
    *next = C_WAIT_SH;
    return CLASP_OK;
}

static int cli_send_client_hello2(clasp_conn *c, const struct clasp_hs_msg *m,
                                  int *next)
{
    CLASP_UNUSED(m);
    if (c->conf->compat_mode && c->hs->sent_ccs == 0) {
        /* App. D.4: the client's CCS goes before its second flight. */
        TRY(clasp_hs_send_ccs(c));
        c->hs->sent_ccs = 1;
    }
    TRY(write_client_hello(c));
    TRY(clasp_hs_flush(c));
    c->hs->recv_ccs = 0; /* a new server flight: one CCS again */
    *next = C_WAIT_SH;
    return CLASP_OK;
}

/* Checks common to ServerHello and HelloRetryRequest (§4.1.3, §4.1.4). */
static int check_server_hello(clasp_conn *c, const struct clasp_sh *sh)
{
    struct clasp_hs *hs = c->hs;
    /* §4.2.1 / App. D.1: no supported_versions means TLS 1.2 or older,
     * which this build does not speak. */
    ENSURE(sh->has_supported_versions, CLASP_ERR_PROTOCOL_VERSION);
    ENSURE(sh->exts.supported_versions.selected_version == CLASP_VERSION_TLS1_3,
           CLASP_ERR_ILLEGAL_PARAMETER);
    /* §4.2.1: with supported_versions present the client ignores
     * legacy_version, except that App. D.5 makes SSL 3.0 (or older) a
     * protocol_version abort. */
    ENSURE(sh->legacy_version > 0x0300, CLASP_ERR_PROTOCOL_VERSION);
    ENSURE(sh->legacy_session_id_echo.len == hs->session_id_len &&
               clasp_ct_equal(sh->legacy_session_id_echo.p, hs->session_id,
                              hs->session_id_len),
           CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(clasp_hs_list_has(c->conf->suites, c->conf->suite_count,
                             sh->cipher_suite),
           CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(clasp_suite_find(sh->cipher_suite) != NULL,
           CLASP_ERR_ILLEGAL_PARAMETER);
    /* §4.1.4: the suite of ServerHello must be the one HRR named. */
    ENSURE(hs->hrr_suite == 0 || hs->hrr_suite == sh->cipher_suite,
           CLASP_ERR_ILLEGAL_PARAMETER);
    return CLASP_OK;
}

static int recv_hrr(clasp_conn *c, const struct clasp_hs_msg *m,
                    const struct clasp_sh *sh, int *next)
{
    struct clasp_hs *hs = c->hs;
    /* §4.1.4: a second HelloRetryRequest is unexpected_message. */
    ENSURE(!hs->hrr_seen, CLASP_ERR_UNEXPECTED_MESSAGE);
    bool has_ks = clasp_exts_has(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    bool has_cookie = clasp_exts_has(&sh->exts, CLASP_EXT_ID_COOKIE);
    /* An HRR that would change nothing is illegal_parameter. */
    ENSURE(has_ks || has_cookie, CLASP_ERR_ILLEGAL_PARAMETER);
    if (has_ks) {
        uint16_t g = sh->exts.key_share.selected_group;
        /* §4.2.8: a group we support and did not already send. */
        ENSURE(clasp_hs_list_has(c->conf->groups, c->conf->group_count, g),
               CLASP_ERR_ILLEGAL_PARAMETER);
        ENSURE(!clasp_hs_list_has(hs->kx_group, hs->kx_count, g),
               CLASP_ERR_ILLEGAL_PARAMETER);
        free_shares(c);
        hs->hrr_group = g;
    }
    if (has_cookie) {
        /* §4.2.2: Cookie cookie<1..2^16-1>, echoed as is. */
        clasp_span ck = sh->exts.cookie.cookie;
        uint8_t *copy = clasp_memdup(ck.p, ck.len);
        ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
        clasp_mem_free(hs->cookie);
        hs->cookie = copy;
        hs->cookie_len = ck.len;
    }
    hs->hrr_seen = true;
    hs->hrr_suite = sh->cipher_suite;
    c->hrr_used = true;
    c->suite = clasp_suite_find(sh->cipher_suite);
    /* §4.4.1: CH1 becomes message_hash, then HRR follows it. */
    TRY(clasp_ts_set_hash(&hs->ts, c->prov, c->suite->hash));
    TRY(clasp_ts_hrr_rewrite(&hs->ts));
    TRY(clasp_ts_add(&hs->ts, m->raw.p, m->raw.len));
    TRY(clasp_hs_cli_early_hrr(c));
    *next = C_SEND_CH2;
    return CLASP_OK;
}

static int cli_recv_server_hello(clasp_conn *c, const struct clasp_hs_msg *m,
                                 int *next)
{
    struct clasp_hs *hs = c->hs;
    /* On the stack: no allocation per message */
    struct clasp_sh sh_msg;
    memset(&sh_msg, 0, sizeof(sh_msg));
    struct clasp_sh *sh = &sh_msg;
    int rc = clasp_sh_parse(&m->body, hs->ext_sent, sh);
    if (rc == CLASP_OK) {
        rc = check_server_hello(c, sh);
    }
    if (rc == CLASP_OK && sh->is_hrr) {
        rc = recv_hrr(c, m, sh, next);
        return rc;
    }
    /* The key exchange the server chose: certificates, psk_ke or
     * psk_dhe_ke, each checked against what we offered (hs_psk.c). A
     * share must be for a group we sent (§4.2.8, SECURITY-CHECKLIST 27). */
    size_t idx = hs->kx_count;
    if (rc == CLASP_OK) {
        rc = clasp_hs_cli_psk_sh(c, sh);
    }
    bool has_ks = clasp_exts_has(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    if (rc == CLASP_OK && has_ks) {
        uint16_t g = sh->exts.key_share.server_share.group;
        for (size_t i = 0; i < hs->kx_count; i++) {
            if (hs->kx_group[i] == g) {
                idx = i;
            }
        }
        if (idx == hs->kx_count) {
            rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
        }
    }
    uint8_t ecdhe[CLASP_MAX_KX_SECRET_LEN];
    size_t ecdhe_len = 0;
    if (rc == CLASP_OK && has_ks) {
        clasp_span pub = sh->exts.key_share.server_share.key_exchange;
        rc = c->prov->kx_derive(hs->kx[idx], pub.p, pub.len, ecdhe,
                                sizeof(ecdhe), &ecdhe_len);
        if (rc == CLASP_OK && ecdhe_len == 0) {
            rc = clasp_fail(CLASP_ERR_INTERNAL, __FILE__, __LINE__);
        }
    }
    if (rc == CLASP_OK) {
        c->suite = clasp_suite_find(sh->cipher_suite);
        c->group = has_ks ? hs->kx_group[idx] : 0;
        c->version = CLASP_VERSION_TLS1_3;
        rc = clasp_copy(hs->server_random, sizeof(hs->server_random),
                        sh->random, 32);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ts_set_hash(&hs->ts, c->prov, c->suite->hash);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ts_add(&hs->ts, m->raw.p, m->raw.len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_ks_start(c, hs->client_random,
                               hs->psk_accepted ? hs->psk_key : NULL,
                               hs->psk_key_len);
    }
    if (rc == CLASP_OK) {
        /* psk_ke: no (EC)DHE input (RFC 8446 §7.1: zeros). */
        rc = clasp_ks_handshake(&hs->ks, has_ks ? ecdhe : NULL, ecdhe_len);
    }
    clasp_memzero(ecdhe, sizeof(ecdhe));
    if (rc == CLASP_OK) {
        rc = clasp_ts_hash(&hs->ts, hs->th);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ks_hs_traffic(&hs->ks, hs->th, hs->c_hs, hs->s_hs);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_install_read(c, hs->s_hs);
    }
    free_shares(c);
    *next = C_WAIT_EE;
    return rc;
}

static int cli_recv_encrypted_extensions(clasp_conn *c,
                                         const struct clasp_hs_msg *m,
                                         int *next)
{
    struct clasp_hs *hs = c->hs;
    /* On the stack: no allocation per message */
    struct clasp_ee ee_msg;
    memset(&ee_msg, 0, sizeof(ee_msg));
    struct clasp_ee *ee = &ee_msg;
    int rc = clasp_ee_parse(&m->body, hs->ext_sent, ee);
    if (rc == CLASP_OK && clasp_exts_has(&ee->exts, CLASP_EXT_ID_ALPN)) {
        /* RFC 7301 §3.1: exactly one name, one we offered. */
        const struct clasp_ext_alpn *a = &ee->exts.alpn;
        rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
        if (a->protocol_name_list_kept == 1) {
            clasp_span name = a->protocol_name_list[0];
            clasp_rd r = clasp_rd_init(c->conf->alpn, c->conf->alpn_len);
            while (clasp_rd_left(&r) > 0) {
                clasp_rd ours;
                if (clasp_rd_vec8(&r, 1, 255, &ours) < 0) {
                    break;
                }
                clasp_span o = clasp_rd_rest(&ours);
                if (o.len == name.len && clasp_ct_equal(o.p, name.p, o.len)) {
                    rc = clasp_hs_set_alpn(c, name.p, name.len);
                    break;
                }
            }
        }
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_cli_early_ee(c, &ee->exts);
    }
    /* §2.2: with a PSK the server authenticates by its Finished alone. */
    *next = hs->psk_accepted ? C_WAIT_FINISHED : C_WAIT_CERT_CR;
    return rc;
}

static int cli_recv_cert_or_cr(clasp_conn *c, const struct clasp_hs_msg *m,
                               int *next)
{
    struct clasp_hs *hs = c->hs;
    if (m->type == CLASP_HS_CERTIFICATE) {
        bool empty;
        TRY(clasp_hs_recv_certificate(c, m, &empty));
        *next = C_WAIT_CV;
        return CLASP_OK;
    }
    /* On the stack: no allocation per message */
    struct clasp_cr cr_msg;
    memset(&cr_msg, 0, sizeof(cr_msg));
    struct clasp_cr *cr = &cr_msg;
    int rc = clasp_cr_parse(&m->body, cr);
    /* §4.3.2: empty context in the handshake; signature_algorithms is
     * mandatory. */
    if (rc == CLASP_OK && cr->certificate_request_context.len != 0) {
        rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
    }
    if (rc == CLASP_OK && !clasp_exts_has(&cr->exts, CLASP_EXT_ID_SIG_ALG)) {
        rc = clasp_fail(CLASP_ERR_MISSING_EXTENSION, __FILE__, __LINE__);
    }
    if (rc == CLASP_OK) {
        hs->cert_requested = true;
        rc = clasp_hs_take_cert_request(c, cr);
    }
    *next = C_WAIT_CERT;
    return rc;
}

static int cli_recv_certificate(clasp_conn *c, const struct clasp_hs_msg *m,
                                int *next)
{
    bool empty;
    TRY(clasp_hs_recv_certificate(c, m, &empty));
    *next = C_WAIT_CV;
    return CLASP_OK;
}

static int cli_recv_certificate_verify(clasp_conn *c,
                                       const struct clasp_hs_msg *m, int *next)
{
    TRY(clasp_hs_recv_cv(c, m));
    *next = C_WAIT_FINISHED;
    return CLASP_OK;
}

static int cli_recv_finished(clasp_conn *c, const struct clasp_hs_msg *m,
                             int *next)
{
    struct clasp_hs *hs = c->hs;
    /* Authentication before Finished, always (SECURITY-CHECKLIST 19):
     * a verified CertificateVerify, or the PSK the server proved it
     * knows. */
    ENSURE(hs->peer_cv_ok || hs->psk_accepted, CLASP_ERR_UNEXPECTED_MESSAGE);
    TRY(clasp_hs_recv_finished(c, m, hs->s_hs));
    TRY(clasp_ks_master(&hs->ks));
    TRY(clasp_ts_hash(&hs->ts, hs->th));
    TRY(clasp_ks_app_traffic(&hs->ks, hs->th, c->c_ap, c->s_ap, c->exporter));
    TRY(clasp_hs_install_read(c, c->s_ap));
    *next = C_SEND_FLIGHT2;
    return CLASP_OK;
}

static int cli_send_flight2(clasp_conn *c, const struct clasp_hs_msg *m,
                            int *next)
{
    CLASP_UNUSED(m);
    struct clasp_hs *hs = c->hs;
    TRY(clasp_hs_cli_early_eoed(c)); /* §4.5, under the early key */
    if (c->conf->compat_mode && hs->sent_ccs == 0) {
        TRY(clasp_hs_send_ccs(c));
        hs->sent_ccs = 1;
    }
    TRY(clasp_hs_install_write(c, hs->c_hs));
    if (hs->cert_requested) {
        /* §4.4.2: our chain if one fits the server's schemes, else an
         * empty Certificate. */
        const clasp_certkey *ck = hs->certkey;
        uint16_t alg = hs->cert_sig_alg;
        TRY(clasp_hs_send_certificate(c, ck, clasp_span_of(NULL, 0)));
        if (ck != NULL) {
            TRY(clasp_hs_send_cv(c, ck, alg));
        }
    }
    TRY(clasp_hs_send_finished(c, hs->c_hs));
    TRY(clasp_ts_hash(&hs->ts, hs->th));
    TRY(clasp_ks_resumption_master(&hs->ks, hs->th, c->res_master));
    TRY(clasp_hs_install_write(c, c->c_ap));
    TRY(clasp_hs_psk_finish(c));
    TRY(clasp_hs_finish(c));
    *next = C_CONNECTED;
    return CLASP_OK;
}

#define ROW(st, ex, nx, fl, fn) [st] = {#st, ex, nx, fl, fn}

const struct clasp_hs_row clasp_client_rows[C__COUNT] = {
    ROW(C_START, 0, ST_BIT(C_WAIT_SH), 0, cli_send_client_hello),
    ROW(C_WAIT_SH, HS_BIT(CLASP_HS_SERVER_HELLO),
        ST_BIT(C_SEND_CH2) | ST_BIT(C_WAIT_EE),
        HS_END_OF_RECORD | HS_CCS_OK | HS_TS_MANUAL, cli_recv_server_hello),
    ROW(C_SEND_CH2, 0, ST_BIT(C_WAIT_SH), HS_CCS_OK, cli_send_client_hello2),
    ROW(C_WAIT_EE, HS_BIT(CLASP_HS_ENCRYPTED_EXTENSIONS),
        ST_BIT(C_WAIT_CERT_CR) | ST_BIT(C_WAIT_FINISHED), HS_CCS_OK,
        cli_recv_encrypted_extensions),
    ROW(C_WAIT_CERT_CR,
        HS_BIT(CLASP_HS_CERTIFICATE) | HS_BIT(CLASP_HS_CERTIFICATE_REQUEST),
        ST_BIT(C_WAIT_CV) | ST_BIT(C_WAIT_CERT), HS_CCS_OK,
        cli_recv_cert_or_cr),
    ROW(C_WAIT_CERT, HS_BIT(CLASP_HS_CERTIFICATE), ST_BIT(C_WAIT_CV), HS_CCS_OK,
        cli_recv_certificate),
    ROW(C_WAIT_CV, HS_BIT(CLASP_HS_CERTIFICATE_VERIFY), ST_BIT(C_WAIT_FINISHED),
        HS_CCS_OK | HS_TH_BEFORE, cli_recv_certificate_verify),
    ROW(C_WAIT_FINISHED, HS_BIT(CLASP_HS_FINISHED), ST_BIT(C_SEND_FLIGHT2),
        HS_END_OF_RECORD | HS_CCS_OK | HS_TH_BEFORE, cli_recv_finished),
    ROW(C_SEND_FLIGHT2, 0, ST_BIT(C_CONNECTED), 0, cli_send_flight2),
    ROW(C_CONNECTED,
        HS_BIT(CLASP_HS_NEW_SESSION_TICKET) | HS_BIT(CLASP_HS_KEY_UPDATE) |
            HS_BIT(CLASP_HS_CERTIFICATE_REQUEST),
        ST_BIT(C_CONNECTED), HS_APPDATA_IN | HS_TS_MANUAL, clasp_hs_recv_post),
};
