/*
 * The server state machine (RFC 8446 Appendix A.2): its table and
 * handlers. The ClientHello handler only parses, checks and records the
 * client's offer; S_RECVD_CH chooses (suite, group or HelloRetryRequest,
 * certificate, ALPN); S_NEGOTIATED writes the whole first flight.
 *
 * Never: changes server-wide state because of a ClientHello (SECURITY-
 * CHECKLIST 32), accepts a second ClientHello that differs from the first
 * in what §4.1.2 forbids (row 39), or finishes without the client's
 * Finished verified.
 */
#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs_common.h"
#include "hs/hs_pha.h"

/* What a second ClientHello must repeat (§4.1.2): everything but
 * key_share, cookie, pre_shared_key (ticket age and binders), padding and
 * the removal of early_data. The digest covers the fixed fields and every
 * other extension, type and data, in wire order: adding, dropping,
 * reordering or changing one changes it. */
static bool ext_may_change(uint16_t type)
{
    return type == CLASP_EXT_KEY_SHARE || type == CLASP_EXT_COOKIE ||
           type == CLASP_EXT_PRE_SHARED_KEY || type == CLASP_EXT_PADDING ||
           type == CLASP_EXT_EARLY_DATA;
}

static int digest_part(const clasp_provider *prov, clasp_hash *h, uint16_t tag,
                       clasp_span d)
{
    uint8_t hdr[4] = {(uint8_t)(tag >> 8), (uint8_t)tag, (uint8_t)(d.len >> 8),
                      (uint8_t)d.len};
    TRY(prov->hash_update(h, hdr, sizeof(hdr)));
    return prov->hash_update(h, d.p, d.len);
}

static int ch_digest_into(clasp_conn *c, const struct clasp_ch *ch,
                          clasp_hash *h)
{
    const clasp_provider *prov = c->prov;
    uint8_t v[2] = {(uint8_t)(ch->legacy_version >> 8),
                    (uint8_t)ch->legacy_version};
    TRY(digest_part(prov, h, 0, clasp_span_of(v, 2)));
    TRY(digest_part(prov, h, 1, clasp_span_of(ch->random, 32)));
    TRY(digest_part(prov, h, 2, ch->legacy_session_id));
    TRY(digest_part(prov, h, 3, ch->cipher_suites.raw));
    TRY(digest_part(prov, h, 4, ch->legacy_compression_methods));
    clasp_rd block = clasp_rd_of_span(ch->extensions);
    for (;;) {
        uint16_t type = 0;
        clasp_rd data;
        int more = clasp_ext_next(&block, &type, &data);
        TRY(more);
        if (more == 0) {
            return CLASP_OK;
        }
        if (!ext_may_change(type)) {
            TRY(digest_part(prov, h, type, clasp_rd_rest(&data)));
        }
    }
}

static int ch_digest(clasp_conn *c, const struct clasp_ch *ch, uint8_t *out)
{
    clasp_hash *h = NULL;
    TRY(c->prov->hash_new(c->prov->ctx, CLASP_HASH_SHA256, &h));
    int rc = ch_digest_into(c, ch, h);
    if (rc == CLASP_OK) {
        rc = c->prov->hash_final(h, out, 32);
    }
    c->prov->hash_free(h);
    return rc;
}

/* Check the ClientHello's version, compression and mandatory extensions
 * (RFC 8446 §4.1.2, §4.2, §9.2, App. D). */
static int check_client_hello(const struct clasp_ch *ch)
{
    /* App. D.5: SSL 3.0 hellos are refused with protocol_version. */
    ENSURE(ch->legacy_version >= 0x0301, CLASP_ERR_PROTOCOL_VERSION);
    /* A hello without supported_versions (including 1.2-only and
     * extension-less ones) asks for TLS 1.2 or older (App. D.2). */
    ENSURE(ch->has_extensions &&
               clasp_exts_has(&ch->exts, CLASP_EXT_ID_SUPPORTED_VERSIONS),
           CLASP_ERR_PROTOCOL_VERSION);
    ENSURE(clasp_ext_u16_list_has(&ch->exts.supported_versions.versions,
                                  CLASP_VERSION_TLS1_3) > 0,
           CLASP_ERR_PROTOCOL_VERSION);
    /* §4.1.2: exactly one compression method, null. */
    ENSURE(ch->has_null_compression_only, CLASP_ERR_ILLEGAL_PARAMETER);
    /* §9.2: key_share and supported_groups come together; without a PSK
     * offer both, and signature_algorithms, are mandatory (a psk_ke-only
     * client sends neither). */
    bool ks = clasp_exts_has(&ch->exts, CLASP_EXT_ID_KEY_SHARE);
    bool sg = clasp_exts_has(&ch->exts, CLASP_EXT_ID_SUPPORTED_GROUPS);
    bool psk = clasp_exts_has(&ch->exts, CLASP_EXT_ID_PRE_SHARED_KEY);
    ENSURE(ks == sg, CLASP_ERR_MISSING_EXTENSION);
    ENSURE(ks || psk, CLASP_ERR_MISSING_EXTENSION);
    ENSURE(psk || clasp_exts_has(&ch->exts, CLASP_EXT_ID_SIG_ALG),
           CLASP_ERR_MISSING_EXTENSION);
    /* §4.2.9: a PSK offer needs psk_key_exchange_modes ("servers MUST
     * abort the handshake"; SECURITY-CHECKLIST B8: missing_extension). */
    ENSURE(!psk ||
               clasp_exts_has(&ch->exts, CLASP_EXT_ID_PSK_KEY_EXCHANGE_MODES),
           CLASP_ERR_MISSING_EXTENSION);
    /* §4.2.8: every share is for a group listed in supported_groups. */
    const struct clasp_ext_key_share *k = &ch->exts.key_share;
    for (size_t i = 0; i < k->client_shares_kept; i++) {
        ENSURE(clasp_ext_u16_list_has(&ch->exts.supported_groups,
                                      k->client_shares[i].group) > 0,
               CLASP_ERR_ILLEGAL_PARAMETER);
    }
    return CLASP_OK;
}

static int choose_alpn(clasp_conn *c, const struct clasp_ch *ch)
{
    const clasp_config *conf = c->conf;
    struct clasp_hs *hs = c->hs;
    if (!clasp_exts_has(&ch->exts, CLASP_EXT_ID_ALPN) ||
        (conf->alpn_len == 0 && conf->f_alpn == NULL)) {
        return CLASP_OK;
    }
    clasp_span offered = ch->exts.alpn.protocol_name_list_raw;
    if (conf->f_alpn != NULL) {
        const unsigned char *sel = NULL;
        size_t sel_len = 0;
        int rc = conf->f_alpn(conf->alpn_arg, c, offered.p, offered.len, &sel,
                              &sel_len);
        ENSURE(rc == 0, CLASP_ERR_NO_APPLICATION_PROTOCOL);
        ENSURE(sel != NULL && sel_len >= 1 && sel_len <= 255,
               CLASP_ERR_NO_APPLICATION_PROTOCOL);
        ENSURE(clasp_ext_alpn_has(&ch->exts.alpn, clasp_span_of(sel, sel_len)) >
                   0,
               CLASP_ERR_NO_APPLICATION_PROTOCOL);
        TRY(clasp_copy(hs->alpn, sizeof(hs->alpn), sel, sel_len));
        hs->alpn_len = sel_len;
        return CLASP_OK;
    }
    /* Our preference order, first one the client offered. */
    clasp_rd r = clasp_rd_init(conf->alpn, conf->alpn_len);
    while (clasp_rd_left(&r) > 0) {
        clasp_rd name;
        TRY(clasp_rd_vec8(&r, 1, 255, &name));
        clasp_span n = clasp_rd_rest(&name);
        if (clasp_ext_alpn_has(&ch->exts.alpn, n) > 0) {
            TRY(clasp_span_copy(n, hs->alpn, sizeof(hs->alpn)));
            hs->alpn_len = n.len;
            return CLASP_OK;
        }
    }
    /* RFC 7301 §3.2: no overlap is no_application_protocol. */
    BAIL(CLASP_ERR_NO_APPLICATION_PROTOCOL);
}

static int choose_cert(clasp_conn *c, const struct clasp_ch *ch)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *src =
        hs->cert_source != NULL ? hs->cert_source : c->conf;
    const struct clasp_u16_list *l = &ch->exts.sig_alg;
    /* §4.2.4: prefer a chain the client's certificate_authorities names
     * (hs_ca.c). */
    clasp_span ca = clasp_span_of(NULL, 0);
    if (clasp_exts_has(&ch->exts, CLASP_EXT_ID_CERTIFICATE_AUTHORITIES)) {
        ca = ch->exts.certificate_authorities.authorities;
    }
    int rc = clasp_hs_ca_pick(c, src, l->v, l->kept, ca, &hs->certkey,
                              &hs->cert_sig_alg);
    /* §4.4.2.2: no certificate fits the client's schemes. */
    ENSURE(rc != CLASP_ERR_NOT_FOUND, CLASP_ERR_HANDSHAKE_FAILURE);
    return rc;
}

/* Server name (RFC 6066 §3): the application's callback may pick the
 * certificates; the name is what clasp_get_hostname() reports (RFC 8446
 * §4.6.1: the one of this ClientHello, also on resumption). */
static int apply_sni(clasp_conn *c, const struct clasp_ch *ch)
{
    const clasp_config *conf = c->conf;
    if (!clasp_exts_has(&ch->exts, CLASP_EXT_ID_SERVER_NAME)) {
        return clasp_set_hostname(c, NULL);
    }
    clasp_span name = ch->exts.server_name.host_name;
    /* A second ClientHello repeats the name (§4.1.2, checked): the
     * callback ran for the first and its choice stands. */
    bool again = c->hs->sni_seen;
    c->hs->sni_seen = true;
    /* RFC 6066 §3: HostName is an ASCII host name; a NUL byte in it can
     * only be an attempt to confuse name checks. */
    for (size_t i = 0; i < name.len; i++) {
        uint8_t b = 0;
        TRY(clasp_span_at(name, i, &b));
        ENSURE(b != 0, CLASP_ERR_ILLEGAL_PARAMETER);
    }
    if (conf->f_sni != NULL && !again) {
        int rc = conf->f_sni(conf->sni_arg, c, name.p, name.len);
        if (rc < 0) {
            return clasp_fail(rc, __FILE__, __LINE__);
        }
    }
    if (name.len > 253) {
        /* Longer than any DNS name: not recorded. */
        return clasp_set_hostname(c, NULL);
    }
    char host[254] = {0};
    TRY(clasp_span_copy(name, host, sizeof(host) - 1));
    return clasp_set_hostname(c, host);
}

/* Group: our preference among the client's shares; else among its
 * supported_groups through HelloRetryRequest (§4.1.4). */
static int choose_group(clasp_conn *c, const struct clasp_ch *ch)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    uint16_t group = 0;
    hs->hrr_needed = false;
    const struct clasp_ext_key_share *k = &ch->exts.key_share;
    /* §4.1.2: after a HelloRetryRequest the client replaces "the list of
     * shares with a list containing a single KeyShareEntry from the
     * indicated group" (its group is checked below). */
    ENSURE(!hs->hrr_sent || k->client_shares_count == 1,
           CLASP_ERR_ILLEGAL_PARAMETER);
    for (size_t i = 0; i < conf->group_count && group == 0; i++) {
        struct clasp_key_share_entry e;
        if (clasp_ext_key_share_find(k, conf->groups[i], &e) > 0) {
            ENSURE(e.key_exchange.len <= sizeof(hs->peer_share),
                   CLASP_ERR_ILLEGAL_PARAMETER);
            TRY(clasp_span_copy(e.key_exchange, hs->peer_share,
                                sizeof(hs->peer_share)));
            hs->peer_share_len = e.key_exchange.len;
            group = conf->groups[i];
        }
    }
    if (group == 0) {
        /* After HRR the client must answer with the requested share. */
        ENSURE(!hs->hrr_sent, CLASP_ERR_ILLEGAL_PARAMETER);
        for (size_t i = 0; i < conf->group_count && group == 0; i++) {
            if (clasp_ext_u16_list_has(&ch->exts.supported_groups,
                                       conf->groups[i]) > 0) {
                group = conf->groups[i];
                hs->hrr_needed = true;
            }
        }
        ENSURE(group != 0, CLASP_ERR_HANDSHAKE_FAILURE);
    }
    ENSURE(!hs->hrr_sent || group == hs->hrr_group,
           CLASP_ERR_ILLEGAL_PARAMETER);
    c->group = group;
    return CLASP_OK;
}

/* The key exchange (RFC 8446 §2, §4.2.9): a PSK the client offered (psk_ke
 * or psk_dhe_ke), else certificates with (EC)DHE if both sides allow
 * them. Sets c->suite, c->group (0 for psk_ke) and c->kex_mode. */
static int choose_kex(clasp_conn *c, const struct clasp_ch *ch,
                      const struct clasp_hs_msg *m)
{
    struct clasp_hs *hs = c->hs;
    const clasp_config *conf = c->conf;
    const clasp_suite *suite = NULL;
    TRY(clasp_hs_srv_psk_choose(c, ch, m, &suite));
    bool offered_psk = clasp_exts_has(&ch->exts, CLASP_EXT_ID_PRE_SHARED_KEY);
    if (!hs->psk_accepted) {
        /* A full handshake. A client that wanted a PSK and cannot have a
         * full handshake gets unknown_psk_identity (§6.2). */
        const clasp_config *src =
            hs->cert_source != NULL ? hs->cert_source : conf;
        bool full_ok =
            (conf->kex_modes & CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL) != 0 &&
            src->cert_count > 0 &&
            clasp_exts_has(&ch->exts, CLASP_EXT_ID_KEY_SHARE) &&
            clasp_exts_has(&ch->exts, CLASP_EXT_ID_SIG_ALG);
        ENSURE(full_ok || !offered_psk, CLASP_ERR_UNKNOWN_PSK_IDENTITY);
        ENSURE(full_ok, CLASP_ERR_HANDSHAKE_FAILURE);
        /* Suite: our preference among the client's; after HRR the one it
         * named (which a PSK of CH1 may have chosen). */
        if (hs->hrr_sent) {
            suite = c->suite;
        }
        for (size_t i = 0; i < conf->suite_count && suite == NULL; i++) {
            if (clasp_ext_u16_list_has(&ch->cipher_suites, conf->suites[i]) >
                0) {
                suite = clasp_suite_find(conf->suites[i]);
            }
        }
        ENSURE(suite != NULL, CLASP_ERR_HANDSHAKE_FAILURE);
    }
    ENSURE(!hs->hrr_sent || suite == c->suite, CLASP_ERR_ILLEGAL_PARAMETER);
    c->suite = suite;
    c->group = 0;
    hs->hrr_needed = false;
    if (!hs->psk_accepted || hs->psk_dhe) {
        TRY(choose_group(c, ch));
    }
    c->kex_mode = !hs->psk_accepted ? CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
                  : hs->psk_dhe ? CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL
                                : CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK;
    c->resumed = hs->psk_accepted && !hs->psk_external;
    return CLASP_OK;
}

static int srv_recv_client_hello(clasp_conn *c, const struct clasp_hs_msg *m,
                                 int *next)
{
    struct clasp_hs *hs = c->hs;
    /* On the stack: no allocation per message */
    struct clasp_ch ch_msg;
    memset(&ch_msg, 0, sizeof(ch_msg));
    struct clasp_ch *ch = &ch_msg;
    int rc = clasp_ch_parse(&m->body, ch);
    if (rc == CLASP_OK) {
        rc = check_client_hello(ch);
        /* §4.2.6: the client accepts post-handshake auth. */
        c->pha_offered =
            clasp_exts_has(&ch->exts, CLASP_EXT_ID_POST_HANDSHAKE_AUTH);
    }
    if (rc == CLASP_OK && !hs->hrr_sent && c->conf->hrr_cookie &&
        clasp_exts_has(&ch->exts, CLASP_EXT_ID_COOKIE)) {
        /* A second ClientHello reaching a context that sent no HRR: the
         * stateless cookie restores what the HRR left (RFC 8446 §4.2.2). */
        rc = clasp_hs_cookie_restore(c, ch);
    }
    /* The digest of what CH2 must repeat is needed only around an HRR:
     * for CH2 now, for CH1 once we know we send one (below). */
    uint8_t digest[32];
    if (rc == CLASP_OK && hs->hrr_sent) {
        rc = ch_digest(c, ch, digest);
    }
    if (rc == CLASP_OK && hs->hrr_sent &&
        !clasp_ct_equal(digest, hs->ch1_digest, 32)) {
        /* §4.1.2: CH2 changed what it may not. */
        rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
    }
    if (rc == CLASP_OK && hs->hrr_sent &&
        clasp_exts_has(&ch->exts, CLASP_EXT_ID_EARLY_DATA)) {
        /* §4.2.10: no early_data in the ClientHello that answers HRR. */
        rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
    }
    if (rc == CLASP_OK && !hs->hrr_sent) {
        /* Early data is not accepted (0-RTT arrives with issue #5): the
         * client's 0-RTT records are skipped (§4.2.10), until the second
         * ClientHello after HRR or the first record that opens under the
         * handshake key. */
        hs->early_skip = clasp_exts_has(&ch->exts, CLASP_EXT_ID_EARLY_DATA);
        hs->early_skip_left = CLASP_MAX_EARLY_SKIP;
    } else if (rc == CLASP_OK) {
        hs->early_skip = false;
    }
    if (rc == CLASP_OK && hs->hrr_sent) {
        /* §4.2.2: the cookie comes back unchanged. */
        bool has = clasp_exts_has(&ch->exts, CLASP_EXT_ID_COOKIE);
        clasp_span ck = ch->exts.cookie.cookie;
        if (has != (hs->cookie_len > 0) ||
            (has && (ck.len != hs->cookie_len ||
                     !clasp_ct_equal(ck.p, hs->cookie, ck.len)))) {
            rc = clasp_fail(CLASP_ERR_ILLEGAL_PARAMETER, __FILE__, __LINE__);
        }
    }
    /* Server name and ALPN first: a ticket is bound to both. */
    if (rc == CLASP_OK) {
        rc = apply_sni(c, ch);
    }
    if (rc == CLASP_OK) {
        hs->alpn_len = 0;
        rc = choose_alpn(c, ch);
    }
    if (rc == CLASP_OK) {
        rc = choose_kex(c, ch, m);
    }
    if (rc == CLASP_OK && !hs->psk_accepted) {
        rc = choose_cert(c, ch);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_srv_early_decide(c, ch);
    }
    if (rc == CLASP_OK) {
        clasp_span random = clasp_span_of(ch->random, 32);
        rc = clasp_span_copy(random, hs->client_random, 32);
        if (rc == CLASP_OK) {
            rc = clasp_span_copy(ch->legacy_session_id, hs->session_id,
                                 sizeof(hs->session_id));
        }
        hs->session_id_len = ch->legacy_session_id.len;
        if (rc == CLASP_OK && hs->hrr_needed) {
            rc = ch_digest(c, ch, hs->ch1_digest);
        }
    }
    TRY(rc);
    TRY(clasp_ts_set_hash(&hs->ts, c->prov, c->suite->hash));
    TRY(clasp_ts_add(&hs->ts, m->raw.p, m->raw.len));
    *next = S_RECVD_CH;
    return CLASP_OK;
}

static int srv_decide(clasp_conn *c, const struct clasp_hs_msg *m, int *next)
{
    CLASP_UNUSED(m);
    *next = c->hs->hrr_needed ? S_SEND_HRR : S_NEGOTIATED;
    return CLASP_OK;
}

static int send_compat_ccs(clasp_conn *c)
{
    /* App. D.4: in compatibility mode (the client sent a session id) the
     * server's CCS follows its first ServerHello or HRR. */
    struct clasp_hs *hs = c->hs;
    if (c->conf->compat_mode && hs->session_id_len > 0 && hs->sent_ccs == 0) {
        TRY(clasp_hs_send_ccs(c));
        hs->sent_ccs = 1;
    }
    return CLASP_OK;
}

int clasp_hs_write_sh(clasp_conn *c, bool hrr, const uint8_t *pub,
                      size_t pub_len)
{
    struct clasp_hs *hs = c->hs;
    /* On the stack: no allocation per message */
    struct clasp_sh sh_msg;
    memset(&sh_msg, 0, sizeof(sh_msg));
    struct clasp_sh *sh = &sh_msg;
    sh->legacy_version = CLASP_VERSION_TLS1_2;
    sh->is_hrr = hrr;
    int rc = clasp_copy(sh->random, sizeof(sh->random), hs->server_random, 32);
    sh->legacy_session_id_echo =
        clasp_span_of(hs->session_id, hs->session_id_len);
    sh->cipher_suite = c->suite->iana;
    sh->has_extensions = true;
    sh->has_supported_versions = true;
    sh->exts.supported_versions.selected_version = CLASP_VERSION_TLS1_3;
    clasp_exts_set(&sh->exts, CLASP_EXT_ID_SUPPORTED_VERSIONS);
    if (hrr) {
        sh->exts.key_share.selected_group = c->group;
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    } else if (pub_len > 0) {
        sh->exts.key_share.server_share.group = c->group;
        sh->exts.key_share.server_share.key_exchange =
            clasp_span_of(pub, pub_len);
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    }
    if (!hrr && hs->psk_accepted) {
        /* §4.2.11: the index of the identity we accepted. */
        sh->exts.psk.selected_identity = hs->psk_index;
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_PRE_SHARED_KEY);
    }
    if (hrr && hs->cookie_len > 0) {
        sh->exts.cookie.cookie = clasp_span_of(hs->cookie, hs->cookie_len);
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_COOKIE);
    }
    clasp_wr w;
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_reserve(c, 512, &w);
    }
    if (rc == CLASP_OK) {
        rc = clasp_sh_write(&w, sh);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_commit(c, &w, true);
    }
    return rc;
}

static int srv_send_hello_retry_request(clasp_conn *c,
                                        const struct clasp_hs_msg *m, int *next)
{
    CLASP_UNUSED(m);
    struct clasp_hs *hs = c->hs;
    if (c->conf->hrr_cookie) {
        /* A stateless cookie (hs_cookie.c): CH2 must echo it exactly, and
         * a fresh context can go on from it alone. */
        TRY(clasp_hs_cookie_make(c));
    }
    TRY(clasp_ts_hrr_rewrite(&hs->ts));
    TRY(clasp_hs_write_sh(c, true, NULL, 0));
    TRY(clasp_hs_flush(c));
    TRY(send_compat_ccs(c));
    hs->hrr_sent = true;
    hs->recv_ccs = 0; /* a new client flight: one CCS again (engine.c) */
    hs->hrr_group = c->group;
    c->hrr_used = true;
    *next = S_START;
    return CLASP_OK;
}

static int write_ee(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    /* On the stack: no allocation per message */
    struct clasp_ee ee_msg;
    memset(&ee_msg, 0, sizeof(ee_msg));
    struct clasp_ee *ee = &ee_msg;
    if (hs->alpn_len > 0) {
        ee->exts.alpn.protocol_name_list[0] =
            clasp_span_of(hs->alpn, hs->alpn_len);
        ee->exts.alpn.protocol_name_list_kept = 1;
        ee->exts.alpn.protocol_name_list_count = 1;
        clasp_exts_set(&ee->exts, CLASP_EXT_ID_ALPN);
    }
    if (hs->sni_seen) {
        /* RFC 6066 §3: an empty server_name says the name was used. */
        clasp_exts_set(&ee->exts, CLASP_EXT_ID_SERVER_NAME);
    }
    if (hs->early_accepted) {
        /* §4.2.10: the server accepts 0-RTT. */
        clasp_exts_set(&ee->exts, CLASP_EXT_ID_EARLY_DATA);
    }
    clasp_wr w;
    int rc = clasp_hs_out_reserve(c, 512, &w);
    if (rc == CLASP_OK) {
        rc = clasp_ee_write(&w, ee);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_commit(c, &w, true);
    }
    if (rc == CLASP_OK && hs->alpn_len > 0) {
        rc = clasp_hs_set_alpn(c, hs->alpn, hs->alpn_len);
    }
    return rc;
}

static int srv_send_flight(clasp_conn *c, const struct clasp_hs_msg *m,
                           int *next)
{
    CLASP_UNUSED(m);
    struct clasp_hs *hs = c->hs;
    /* The client's next flight may bring its compatibility CCS even if one
     * came before its second ClientHello (RFC 8446 §5, App. D.4). */
    hs->recv_ccs = 0;
    uint8_t pub[CLASP_MAX_KX_PUB_LEN];
    size_t pub_len = 0;
    uint8_t ecdhe[CLASP_MAX_KX_SECRET_LEN];
    size_t ecdhe_len = 0;
    clasp_kx *kx = NULL;
    int rc = CLASP_OK;
    /* psk_ke has no (EC)DHE and no key_share (§4.2.9). */
    bool dhe = !hs->psk_accepted || hs->psk_dhe;
    if (dhe) {
        rc = c->prov->kx_new(c->prov->ctx, c->group, &kx, pub, sizeof(pub),
                             &pub_len);
    }
    if (rc == CLASP_OK && dhe) {
        rc = c->prov->kx_derive(kx, hs->peer_share, hs->peer_share_len, ecdhe,
                                sizeof(ecdhe), &ecdhe_len);
    }
    if (kx != NULL) {
        c->prov->kx_free(kx);
    }
    if (rc == CLASP_OK) {
        rc = c->prov->random(c->prov->ctx, hs->server_random, 32);
    }
    /* ServerHello stays unsealed in hso_buf until the handshake keys
     * exist: if anything fails before, clasp_engine_fail() drops it and
     * the alert goes out alone in clear, which the client (still reading
     * in clear) can take; once it is sealed, the next key is installed
     * right after it, so later alerts are protected as the client expects
     * (RFC 8446 §5, App. A.1). */
    if (rc == CLASP_OK) {
        rc = clasp_hs_srv_early_keys(c); /* over ClientHello alone */
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_write_sh(c, false, pub, pub_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_ks_start(c, hs->client_random,
                               hs->psk_accepted ? hs->psk_key : NULL,
                               hs->psk_key_len);
    }
    if (rc == CLASP_OK) {
        rc = clasp_ks_handshake(&hs->ks, dhe ? ecdhe : NULL, ecdhe_len);
    }
    clasp_memzero(ecdhe, sizeof(ecdhe));
    TRY(rc);
    c->version = CLASP_VERSION_TLS1_3;
    TRY(clasp_ts_hash(&hs->ts, hs->th));
    TRY(clasp_ks_hs_traffic(&hs->ks, hs->th, hs->c_hs, hs->s_hs));
    /* Seals ServerHello and switches keys in one step; the compatibility
     * CCS (App. D.4) is always written unprotected, right after it. */
    TRY(clasp_hs_install_write(c, hs->s_hs));
    TRY(send_compat_ccs(c));
    /* §2.3: accepted 0-RTT and EndOfEarlyData come under the early key. */
    TRY(clasp_hs_install_read(c, hs->early_accepted ? hs->c_early : hs->c_hs));
    c->rd_plain_alert_ok = true;
    TRY(write_ee(c));
    if (!hs->psk_accepted) {
        /* §4.3.2: "Servers which are authenticating with a PSK MUST NOT
         * send the CertificateRequest message in the main handshake";
         * §2.2: nor Certificate and CertificateVerify. */
        /* A server set for post-handshake auth asks a client that offered
         * it later (clasp_verify_client_post_handshake), not now. */
        if (c->conf->authmode != CLASP_VERIFY_NONE &&
            !(c->conf->post_hs_auth && c->pha_offered)) {
            TRY(clasp_hs_write_cr(c, clasp_span_of(NULL, 0)));
            hs->cert_requested = true;
        }
        TRY(clasp_hs_send_certificate(c, hs->certkey, clasp_span_of(NULL, 0)));
        TRY(clasp_hs_send_cv(c, hs->certkey, hs->cert_sig_alg));
    }
    TRY(clasp_hs_send_finished(c, hs->s_hs));
    TRY(clasp_ks_master(&hs->ks));
    TRY(clasp_ts_hash(&hs->ts, hs->th));
    TRY(clasp_ks_app_traffic(&hs->ks, hs->th, c->c_ap, c->s_ap, c->exporter));
    TRY(clasp_hs_install_write(c, c->s_ap));
    *next = hs->early_accepted ? S_WAIT_EOED : S_WAIT_FLIGHT2;
    return CLASP_OK;
}

static int srv_wait_flight2(clasp_conn *c, const struct clasp_hs_msg *m,
                            int *next)
{
    CLASP_UNUSED(m);
    *next = c->hs->cert_requested ? S_WAIT_CERT : S_WAIT_FINISHED;
    return CLASP_OK;
}

static int srv_recv_certificate(clasp_conn *c, const struct clasp_hs_msg *m,
                                int *next)
{
    bool empty;
    TRY(clasp_hs_recv_certificate(c, m, &empty));
    if (empty) {
        /* §4.4.2.4: certificate_required when we insist. */
        ENSURE(c->conf->authmode != CLASP_VERIFY_REQUIRED,
               CLASP_ERR_CERTIFICATE_REQUIRED);
        *next = S_WAIT_FINISHED;
        return CLASP_OK;
    }
    *next = S_WAIT_CV;
    return CLASP_OK;
}

static int srv_recv_certificate_verify(clasp_conn *c,
                                       const struct clasp_hs_msg *m, int *next)
{
    TRY(clasp_hs_recv_cv(c, m));
    *next = S_WAIT_FINISHED;
    return CLASP_OK;
}

static int srv_recv_finished(clasp_conn *c, const struct clasp_hs_msg *m,
                             int *next)
{
    struct clasp_hs *hs = c->hs;
    /* A client certificate, if sent, was proven by its CV. */
    ENSURE(c->peer_cert == NULL || hs->peer_cv_ok,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    TRY(clasp_hs_recv_finished(c, m, hs->c_hs));
    TRY(clasp_ts_hash(&hs->ts, hs->th));
    TRY(clasp_ks_resumption_master(&hs->ks, hs->th, c->res_master));
    TRY(clasp_hs_install_read(c, c->c_ap));
    TRY(clasp_hs_psk_finish(c));
    TRY(clasp_hs_finish(c));
    *next = S_CONNECTED;
    return CLASP_OK;
}

#define ROW(st, ex, nx, fl, fn) [st] = {#st, ex, nx, fl, fn}

const struct clasp_hs_row clasp_server_rows[S__COUNT] = {
    /* §5.1: ClientHello precedes a key change: it must end its record
     * (checked on arrival, before the flight is written). */
    ROW(S_START, HS_BIT(CLASP_HS_CLIENT_HELLO), ST_BIT(S_RECVD_CH),
        HS_END_OF_RECORD | HS_CCS_OK | HS_TS_MANUAL, srv_recv_client_hello),
    ROW(S_RECVD_CH, 0, ST_BIT(S_SEND_HRR) | ST_BIT(S_NEGOTIATED), 0,
        srv_decide),
    ROW(S_SEND_HRR, 0, ST_BIT(S_START), 0, srv_send_hello_retry_request),
    ROW(S_NEGOTIATED, 0, ST_BIT(S_WAIT_EOED) | ST_BIT(S_WAIT_FLIGHT2), 0,
        srv_send_flight),
    ROW(S_WAIT_EOED, HS_BIT(CLASP_HS_END_OF_EARLY_DATA), ST_BIT(S_WAIT_FLIGHT2),
        HS_END_OF_RECORD | HS_CCS_OK | HS_EARLY_IN, clasp_hs_srv_recv_eoed),
    ROW(S_WAIT_FLIGHT2, 0, ST_BIT(S_WAIT_CERT) | ST_BIT(S_WAIT_FINISHED),
        HS_CCS_OK, srv_wait_flight2),
    ROW(S_WAIT_CERT, HS_BIT(CLASP_HS_CERTIFICATE),
        ST_BIT(S_WAIT_CV) | ST_BIT(S_WAIT_FINISHED), HS_CCS_OK,
        srv_recv_certificate),
    ROW(S_WAIT_CV, HS_BIT(CLASP_HS_CERTIFICATE_VERIFY), ST_BIT(S_WAIT_FINISHED),
        HS_CCS_OK | HS_TH_BEFORE, srv_recv_certificate_verify),
    ROW(S_WAIT_FINISHED, HS_BIT(CLASP_HS_FINISHED), ST_BIT(S_CONNECTED),
        HS_END_OF_RECORD | HS_CCS_OK | HS_TH_BEFORE, srv_recv_finished),
    ROW(S_CONNECTED,
        HS_BIT(CLASP_HS_KEY_UPDATE) | HS_BIT(CLASP_HS_CERTIFICATE) |
            HS_BIT(CLASP_HS_CERTIFICATE_VERIFY) | HS_BIT(CLASP_HS_FINISHED),
        ST_BIT(S_CONNECTED), HS_APPDATA_IN | HS_TS_MANUAL, clasp_hs_recv_post),
};
