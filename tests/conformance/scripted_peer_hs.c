/* The scripted peer's handshake messages and role steps
 * (scripted_peer.h): every message is written with clasp's codec
 * (clasp_*_write of src/msg) from values the script chose, added to our
 * transcript, and appended to a flight the script may still break. What
 * the victim sends is parsed with the same codec and checked against
 * RFC 8446 here, so that a wrong victim fails the test even when the
 * script did not look. */
#include "testlib.h"

#include "scripted_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "msg/msg.h"

/* ---- helpers ------------------------------------------------------------- */

static void u16_set(struct clasp_u16_list *l, const uint16_t *v, size_t n)
{
    assert_true(n <= CLASP_U16_LIST_CAP);
    for (size_t i = 0; i < n; i++) {
        l->v[i] = v[i];
    }
    l->kept = n;
    l->count = n;
}

static bool list_has(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == x) {
            return true;
        }
    }
    return false;
}

/* Add a built message to the transcript and the flight. */
static void emit(sp_t *s, tp_flight *f, const uint8_t *m, size_t len)
{
    assert_clasp_ok(clasp_ts_add(&s->ts, m, len));
    sp_flight_add(f, m, len);
}

/* Append raw Extension bytes to a message that ends with its extension
 * block, whose uint16 length is at ext_off. */
static size_t append_exts(uint8_t *m, size_t len, size_t cap, size_t ext_off,
                          const uint8_t *raw, size_t n)
{
    if (n == 0) {
        return len;
    }
    assert_true(len + n <= cap);
    memcpy(m + len, raw, n);
    size_t el = ((size_t)m[ext_off] << 8 | m[ext_off + 1]) + n;
    assert_true(el <= 0xffff);
    m[ext_off] = (uint8_t)(el >> 8);
    m[ext_off + 1] = (uint8_t)el;
    len += n;
    m[1] = (uint8_t)((len - 4) >> 16);
    m[2] = (uint8_t)((len - 4) >> 8);
    m[3] = (uint8_t)(len - 4);
    return len;
}

static void free_shares(sp_t *s)
{
    for (size_t i = 0; i < s->kx_count; i++) {
        s->prov->kx_free(s->kx[i]);
        s->kx[i] = NULL;
    }
    s->kx_count = 0;
}

static void new_share(sp_t *s, uint16_t group)
{
    assert_true(s->kx_count < SP_MAX_SHARES);
    size_t i = s->kx_count++;
    assert_clasp_ok(s->prov->kx_new(s->prov->ctx, group, &s->kx[i],
                                    s->kx_pub[i], CLASP_MAX_KX_PUB_LEN,
                                    &s->kx_pub_len[i]));
    s->kx_group[i] = group;
}

static void load_own(sp_t *s)
{
    if (s->own_key != NULL) {
        return;
    }
    char path[256];
    size_t len;
    uint8_t *data;
    if (s->cfg.chain_file != NULL) {
        snprintf(path, sizeof(path), "%s", s->cfg.chain_file);
    } else {
        snprintf(path, sizeof(path), "pki/%s/chain.pem", s->cfg.kind);
    }
    data = th_read_file(path, &len);
    assert_clasp_ok(s->prov->cert_decode(s->prov->ctx, data, len, &s->own_ders,
                                         &s->own_count));
    th_free(data);
    if (s->cfg.key_file != NULL) {
        snprintf(path, sizeof(path), "%s", s->cfg.key_file);
    } else {
        snprintf(path, sizeof(path), "pki/%s/leaf.key", s->cfg.kind);
    }
    data = th_read_file(path, &len);
    assert_clasp_ok(
        s->prov->pkey_load_private(s->prov->ctx, data, len, NULL, &s->own_key));
    th_free(data);
}

/* RFC 8446 §4.4.3: 64 spaces, the context string, 0, the hash. */
static size_t cv_content(bool server, const uint8_t *th, size_t th_len,
                         uint8_t *out)
{
    static const char srv[] = "TLS 1.3, server CertificateVerify";
    static const char cli[] = "TLS 1.3, client CertificateVerify";
    memset(out, 0x20, 64);
    memcpy(out + 64, server ? srv : cli, sizeof(srv) - 1);
    out[64 + sizeof(srv) - 1] = 0;
    memcpy(out + 64 + sizeof(srv), th, th_len);
    return 64 + sizeof(srv) + th_len;
}

static void check_no_downgrade_sentinel(const uint8_t *random)
{
    /* RFC 8446 §4.1.3: the sentinel goes only into a ServerHello that
     * negotiates TLS 1.2 or below (SECURITY-CHECKLIST 31). */
    static const uint8_t sentinel[7] = {0x44, 0x4F, 0x57, 0x4E,
                                        0x47, 0x52, 0x44};
    assert_false(memcmp(random + 24, sentinel, 7) == 0 &&
                 (random[31] == 0 || random[31] == 1));
}

/* ---- the scripted client ------------------------------------------------- */

void sp_cli_hello(sp_t *s, tp_flight *f)
{
    const sp_cfg *c = &s->cfg;
    bool second = s->hrr;
    struct clasp_ch *ch = calloc(1, sizeof(*ch));
    assert_non_null(ch);
    static const uint8_t null_compression[1] = {0};
    if (!second) {
        assert_clasp_ok(s->prov->random(s->prov->ctx, s->client_random, 32));
        s->session_id_len = 0;
        if (c->compat) {
            assert_clasp_ok(s->prov->random(s->prov->ctx, s->session_id, 32));
            s->session_id_len = 32;
        }
    }
    ch->legacy_version = c->legacy_version;
    memcpy(ch->random, s->client_random, 32);
    ch->legacy_session_id = clasp_span_of(s->session_id, s->session_id_len);
    u16_set(&ch->cipher_suites, c->suites, c->suite_count);
    ch->legacy_compression_methods = clasp_span_of(null_compression, 1);
    ch->has_extensions = true;
    struct clasp_exts *e = &ch->exts;
    u16_set(&e->supported_versions.versions, c->versions, c->version_count);
    clasp_exts_set(e, CLASP_EXT_ID_SUPPORTED_VERSIONS);
    u16_set(&e->supported_groups, c->groups, c->group_count);
    clasp_exts_set(e, CLASP_EXT_ID_SUPPORTED_GROUPS);
    u16_set(&e->sig_alg, c->sig_algs, c->sig_alg_count);
    clasp_exts_set(e, CLASP_EXT_ID_SIG_ALG);

    /* RFC 8446 §4.1.2: after a HelloRetryRequest with a key_share, one
     * share for its group; without one, the same shares again. */
    if (!second) {
        free_shares(s);
        for (size_t i = 0; i < c->share_count; i++) {
            new_share(s, c->share_groups[i]);
        }
    } else if (s->hrr_group != 0) {
        free_shares(s);
        new_share(s, s->hrr_group);
        if (c->ch2_extra_share != 0) {
            new_share(s, c->ch2_extra_share);
        }
    }
    for (size_t i = 0; i < s->kx_count; i++) {
        e->key_share.client_shares[i].group = s->kx_group[i];
        e->key_share.client_shares[i].key_exchange =
            clasp_span_of(s->kx_pub[i], s->kx_pub_len[i]);
    }
    e->key_share.client_shares_kept = s->kx_count;
    e->key_share.client_shares_count = s->kx_count;
    clasp_exts_set(e, CLASP_EXT_ID_KEY_SHARE);
    if (c->sni != NULL) {
        e->server_name.host_name = clasp_span_of(c->sni, strlen(c->sni));
        clasp_exts_set(e, CLASP_EXT_ID_SERVER_NAME);
    }
    if (c->alpn != NULL) {
        e->alpn.protocol_name_list[0] = clasp_span_of(c->alpn, strlen(c->alpn));
        e->alpn.protocol_name_list_kept = 1;
        e->alpn.protocol_name_list_count = 1;
        clasp_exts_set(e, CLASP_EXT_ID_ALPN);
    }
    if (second && s->hrr_cookie_len > 0) {
        e->cookie.cookie = clasp_span_of(s->hrr_cookie, s->hrr_cookie_len);
        clasp_exts_set(e, CLASP_EXT_ID_COOKIE);
    }
    s->ext_sent = e->present;

    size_t cap = 8192 + c->ch_ext_len;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    clasp_wr w = clasp_wr_init(buf, cap);
    assert_clasp_ok(clasp_ch_write(&w, ch));
    free(ch);
    tp_hello h;
    tp_hello_parse(buf, w.len, &h);
    size_t len =
        append_exts(buf, w.len, cap, h.extensions, c->ch_ext, c->ch_ext_len);
    emit(s, f, buf, len);
    free(buf);
}

int sp_cli_recv_hello(sp_t *s)
{
    const uint8_t *m;
    size_t len;
    int type = sp_recv_msg(s, &m, &len, NULL, false);
    assert_int_equal(type, CLASP_HS_SERVER_HELLO);
    struct clasp_sh *sh = calloc(1, sizeof(*sh));
    assert_non_null(sh);
    clasp_span body = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(clasp_sh_parse(&body, s->ext_sent, sh));
    /* RFC 8446 §4.1.3, §4.2.1: what a TLS 1.3 server must send. */
    assert_true(sh->has_supported_versions);
    assert_int_equal(sh->exts.supported_versions.selected_version,
                     CLASP_VERSION_TLS1_3);
    assert_int_equal(sh->legacy_version, CLASP_VERSION_TLS1_2);
    assert_int_equal(sh->legacy_session_id_echo.len, s->session_id_len);
    assert_memory_equal(sh->legacy_session_id_echo.p, s->session_id,
                        s->session_id_len);
    assert_true(list_has(s->cfg.suites, s->cfg.suite_count, sh->cipher_suite));
    const clasp_suite *suite = clasp_suite_find(sh->cipher_suite);
    assert_non_null(suite);
    if (sh->is_hrr) {
        /* §4.1.4: one HelloRetryRequest at most, and one that changes
         * something. */
        assert_false(s->hrr);
        bool ks = clasp_exts_has(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
        bool ck = clasp_exts_has(&sh->exts, CLASP_EXT_ID_COOKIE);
        assert_true(ks || ck);
        s->hrr = true;
        s->hrr_group = ks ? sh->exts.key_share.selected_group : 0;
        if (ck) {
            clasp_span cookie = sh->exts.cookie.cookie;
            assert_true(cookie.len <= sizeof(s->hrr_cookie));
            memcpy(s->hrr_cookie, cookie.p, cookie.len);
            s->hrr_cookie_len = cookie.len;
        }
        s->suite = suite;
        assert_clasp_ok(clasp_ts_set_hash(&s->ts, s->prov, suite->hash));
        assert_clasp_ok(clasp_ts_hrr_rewrite(&s->ts));
        assert_clasp_ok(clasp_ts_add(&s->ts, m, len));
        free(sh);
        /* App. D.4: the server's CCS may follow right away. */
        sp_skip_ccs(s);
        return 1;
    }
    check_no_downgrade_sentinel(sh->random);
    assert_true(s->suite == NULL || s->suite == suite);
    s->suite = suite;
    assert_true(clasp_exts_has(&sh->exts, CLASP_EXT_ID_KEY_SHARE));
    const struct clasp_key_share_entry *ks = &sh->exts.key_share.server_share;
    assert_true(s->hrr_group == 0 || ks->group == s->hrr_group);
    size_t idx = s->kx_count;
    for (size_t i = 0; i < s->kx_count; i++) {
        if (s->kx_group[i] == ks->group) {
            idx = i;
        }
    }
    assert_true(idx < s->kx_count);
    uint8_t ecdhe[CLASP_MAX_KX_SECRET_LEN];
    size_t ecdhe_len = 0;
    assert_clasp_ok(s->prov->kx_derive(s->kx[idx], ks->key_exchange.p,
                                       ks->key_exchange.len, ecdhe,
                                       sizeof(ecdhe), &ecdhe_len));
    s->group = ks->group;
    memcpy(s->server_random, sh->random, 32);
    free(sh);
    free_shares(s);
    assert_clasp_ok(clasp_ts_set_hash(&s->ts, s->prov, suite->hash));
    assert_clasp_ok(clasp_ts_add(&s->ts, m, len));
    uint8_t th[CLASP_MAX_HASH_LEN];
    assert_clasp_ok(clasp_ks_init(&s->ks, s->prov, suite->hash));
    assert_clasp_ok(clasp_ks_early(&s->ks, NULL, 0));
    assert_clasp_ok(clasp_ks_handshake(&s->ks, ecdhe, ecdhe_len));
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    assert_clasp_ok(clasp_ks_hs_traffic(&s->ks, th, s->c_hs, s->s_hs));
    sp_set_read(s, SP_HS);
    s->victim_flight = true;
    return 0;
}

/* The peer's Certificate: its leaf's key (chain checks are the victim's
 * business; ours is the protocol). */
static void recv_certificate(sp_t *s, const uint8_t *m, size_t len,
                             bool allow_empty)
{
    struct clasp_ct *ct = calloc(1, sizeof(*ct));
    assert_non_null(ct);
    clasp_span body = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(clasp_ct_parse(&body, 0, ct));
    assert_int_equal(ct->certificate_request_context.len, 0);
    if (ct->certificate_list_count == 0) {
        assert_true(allow_empty);
        free(ct);
        return;
    }
    s->peer_sent_cert = true;
    clasp_span leaf = ct->certificate_list[0].cert_data;
    assert_clasp_ok(
        s->prov->pkey_from_cert(s->prov->ctx, leaf.p, leaf.len, &s->peer_key));
    free(ct);
}

static void recv_cv(sp_t *s, const uint8_t *m, size_t len,
                    const uint8_t *th_before)
{
    struct clasp_cv cv;
    clasp_span body = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(clasp_cv_parse(&body, &cv));
    /* §4.4.3: a scheme we offered (signature_algorithms, or the CR's). */
    assert_true(list_has(s->cfg.sig_algs, s->cfg.sig_alg_count, cv.algorithm));
    assert_non_null(s->peer_key);
    uint8_t tbs[64 + 34 + CLASP_MAX_HASH_LEN];
    size_t tbs_len =
        cv_content(s->role == SP_CLIENT, th_before, s->suite->hash_len, tbs);
    assert_clasp_ok(s->prov->verify(s->prov->ctx, s->peer_key, cv.algorithm,
                                    tbs, tbs_len, cv.signature.p,
                                    cv.signature.len));
    s->peer_cv_alg = cv.algorithm;
}

static void recv_finished(sp_t *s, const uint8_t *m, size_t len,
                          const uint8_t *th_before, const uint8_t *base)
{
    clasp_span vd = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(
        clasp_ks_check_finished(s->prov, s->suite->hash, base, th_before, vd));
}

void sp_cli_recv_flight(sp_t *s)
{
    const uint8_t *m;
    size_t len;
    uint8_t th[CLASP_MAX_HASH_LEN];
    int type = sp_recv_msg(s, &m, &len, NULL, true);
    assert_int_equal(type, CLASP_HS_ENCRYPTED_EXTENSIONS);
    struct clasp_ee *ee = calloc(1, sizeof(*ee));
    assert_non_null(ee);
    clasp_span body = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(clasp_ee_parse(&body, s->ext_sent, ee));
    free(ee);
    type = sp_recv_msg(s, &m, &len, NULL, true);
    if (type == CLASP_HS_CERTIFICATE_REQUEST) {
        struct clasp_cr *cr = calloc(1, sizeof(*cr));
        assert_non_null(cr);
        body = clasp_span_of(m + 4, len - 4);
        assert_clasp_ok(clasp_cr_parse(&body, cr));
        assert_int_equal(cr->certificate_request_context.len, 0);
        assert_true(clasp_exts_has(&cr->exts, CLASP_EXT_ID_SIG_ALG));
        size_t n = cr->exts.sig_alg.kept;
        for (size_t i = 0; i < n && i < SP_MAX_LIST; i++) {
            s->peer_sig_algs[i] = cr->exts.sig_alg.v[i];
        }
        s->peer_sig_alg_count = n < SP_MAX_LIST ? n : SP_MAX_LIST;
        s->cert_requested = true;
        free(cr);
        type = sp_recv_msg(s, &m, &len, NULL, true);
    }
    assert_int_equal(type, CLASP_HS_CERTIFICATE);
    recv_certificate(s, m, len, false);
    type = sp_recv_msg(s, &m, &len, th, true);
    assert_int_equal(type, CLASP_HS_CERTIFICATE_VERIFY);
    recv_cv(s, m, len, th);
    type = sp_recv_msg(s, &m, &len, th, true);
    assert_int_equal(type, CLASP_HS_FINISHED);
    recv_finished(s, m, len, th, s->s_hs);
    assert_clasp_ok(clasp_ks_master(&s->ks));
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    assert_clasp_ok(clasp_ks_app_traffic(&s->ks, th, s->c_ap, s->s_ap, NULL));
    sp_set_read(s, SP_AP);
}

void sp_cli_flight2(sp_t *s, tp_flight *f)
{
    if (s->wr_epoch != SP_HS) {
        sp_set_write(s, SP_HS);
    }
    if (s->cert_requested) {
        sp_cert(s, f);
        if (s->cfg.client_cert) {
            sp_cv(s, f);
        }
    }
    sp_fin(s, f);
}

void sp_cli_handshake(sp_t *s)
{
    tp_flight f = {0};
    sp_cli_hello(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_victim_wants_read(s);
    if (sp_cli_recv_hello(s) == 1) {
        if (s->cfg.compat) {
            sp_ccs(s);
        }
        sp_cli_hello(s, &f);
        sp_send(s, &f);
        tp_flight_free(&f);
        sp_victim_wants_read(s);
        assert_int_equal(sp_cli_recv_hello(s), 0);
    }
    sp_cli_recv_flight(s);
    if (s->cfg.compat && !s->ccs_sent) {
        sp_ccs(s);
    }
    sp_cli_flight2(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
}

/* ---- both roles ---------------------------------------------------------- */

void sp_cert(sp_t *s, tp_flight *f)
{
    bool empty = s->role == SP_CLIENT && !s->cfg.client_cert;
    struct clasp_ct *ct = calloc(1, sizeof(*ct));
    assert_non_null(ct);
    size_t size = 64;
    if (!empty) {
        load_own(s);
        const clasp_span *chain =
            s->cfg.chain != NULL ? s->cfg.chain : s->own_ders;
        size_t n = s->cfg.chain != NULL ? s->cfg.chain_count : s->own_count;
        assert_true(n <= CLASP_CT_MAX_ENTRIES);
        for (size_t i = 0; i < n; i++) {
            ct->certificate_list[i].cert_data = chain[i];
            size += 5 + chain[i].len;
        }
        ct->certificate_list_count = n;
    }
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    clasp_wr w = clasp_wr_init(buf, size);
    assert_clasp_ok(clasp_ct_write(&w, ct));
    emit(s, f, buf, w.len);
    free(buf);
    free(ct);
}

void sp_cv(sp_t *s, tp_flight *f)
{
    load_own(s);
    uint16_t alg =
        s->cfg.sig_alg != 0 ? s->cfg.sig_alg : tp_kind_sig_alg(s->cfg.kind);
    uint8_t th[CLASP_MAX_HASH_LEN];
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    uint8_t tbs[64 + 34 + CLASP_MAX_HASH_LEN];
    size_t tbs_len =
        cv_content(s->role == SP_SERVER, th, s->suite->hash_len, tbs);
    uint8_t sig[CLASP_MAX_SIG_LEN];
    size_t sig_len = 0;
    assert_clasp_ok(s->prov->sign(s->prov->ctx, s->own_key, alg, tbs, tbs_len,
                                  sig, sizeof(sig), &sig_len));
    struct clasp_cv cv = {alg, clasp_span_of(sig, sig_len)};
    uint8_t buf[16 + CLASP_MAX_SIG_LEN];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_cv_write(&w, &cv));
    emit(s, f, buf, w.len);
}

void sp_fin(sp_t *s, tp_flight *f)
{
    const uint8_t *base = s->role == SP_CLIENT ? s->c_hs : s->s_hs;
    uint8_t th[CLASP_MAX_HASH_LEN], vd[CLASP_MAX_HASH_LEN];
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    assert_clasp_ok(clasp_ks_finished(s->prov, s->suite->hash, base, th, vd));
    struct clasp_fin fin = {clasp_span_of(vd, s->suite->hash_len)};
    uint8_t buf[4 + CLASP_MAX_HASH_LEN];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_fin_write(&w, &fin));
    emit(s, f, buf, w.len);
}

/* ---- the scripted server ------------------------------------------------- */

void sp_srv_recv_hello(sp_t *s)
{
    const uint8_t *m;
    size_t len;
    int type = sp_recv_msg(s, &m, &len, NULL, false);
    assert_int_equal(type, CLASP_HS_CLIENT_HELLO);
    struct clasp_ch *ch = calloc(1, sizeof(*ch));
    assert_non_null(ch);
    clasp_span body = clasp_span_of(m + 4, len - 4);
    assert_clasp_ok(clasp_ch_parse(&body, ch));
    /* RFC 8446 §4.1.2: what a TLS 1.3 client must send. */
    assert_int_equal(ch->legacy_version, CLASP_VERSION_TLS1_2);
    assert_true(ch->has_null_compression_only);
    assert_int_equal(
        clasp_ext_u16_list_has(&ch->exts.supported_versions.versions,
                               CLASP_VERSION_TLS1_3),
        1);
    if (s->hrr) {
        /* §4.1.2: CH2 repeats the random and the session id. */
        assert_memory_equal(ch->random, s->ch1_random, 32);
        assert_int_equal(ch->legacy_session_id.len, s->session_id_len);
        assert_memory_equal(ch->legacy_session_id.p, s->session_id,
                            s->session_id_len);
    } else {
        memcpy(s->ch1_random, ch->random, 32);
        memcpy(s->client_random, ch->random, 32);
        assert_true(ch->legacy_session_id.len <= 32);
        memcpy(s->session_id, ch->legacy_session_id.p,
               ch->legacy_session_id.len);
        s->session_id_len = ch->legacy_session_id.len;
    }
    const struct clasp_u16_list *l = &ch->cipher_suites;
    s->ch_suite_count = l->kept < SP_MAX_LIST ? l->kept : SP_MAX_LIST;
    memcpy(s->ch_suites, l->v, s->ch_suite_count * sizeof(uint16_t));
    l = &ch->exts.supported_groups;
    s->ch_group_count = l->kept < SP_MAX_LIST ? l->kept : SP_MAX_LIST;
    memcpy(s->ch_groups, l->v, s->ch_group_count * sizeof(uint16_t));
    l = &ch->exts.sig_alg;
    s->peer_sig_alg_count = l->kept < SP_MAX_LIST ? l->kept : SP_MAX_LIST;
    memcpy(s->peer_sig_algs, l->v, s->peer_sig_alg_count * sizeof(uint16_t));
    const struct clasp_ext_key_share *k = &ch->exts.key_share;
    s->ch_share_count = k->client_shares_kept < 8 ? k->client_shares_kept : 8;
    for (size_t i = 0; i < s->ch_share_count; i++) {
        clasp_span pub = k->client_shares[i].key_exchange;
        assert_true(pub.len <= CLASP_MAX_KX_PUB_LEN);
        s->ch_share_group[i] = k->client_shares[i].group;
        memcpy(s->ch_share[i], pub.p, pub.len);
        s->ch_share_len[i] = pub.len;
    }
    s->ch_sni = clasp_exts_has(&ch->exts, CLASP_EXT_ID_SERVER_NAME);
    free(ch);
    assert_clasp_ok(clasp_ts_add(&s->ts, m, len));
}

static const clasp_suite *pick_suite(sp_t *s)
{
    if (s->suite != NULL) {
        return s->suite;
    }
    uint16_t want = s->cfg.suite;
    for (size_t i = 0; want == 0 && i < s->cfg.suite_count; i++) {
        if (list_has(s->ch_suites, s->ch_suite_count, s->cfg.suites[i])) {
            want = s->cfg.suites[i];
        }
    }
    const clasp_suite *suite = clasp_suite_find(want);
    assert_non_null(suite);
    return suite;
}

static void write_sh(sp_t *s, tp_flight *f, struct clasp_sh *sh)
{
    sh->legacy_version = CLASP_VERSION_TLS1_2;
    sh->legacy_session_id_echo =
        clasp_span_of(s->session_id, s->session_id_len);
    sh->cipher_suite = s->suite->iana;
    sh->has_extensions = true;
    sh->has_supported_versions = true;
    sh->exts.supported_versions.selected_version = CLASP_VERSION_TLS1_3;
    clasp_exts_set(&sh->exts, CLASP_EXT_ID_SUPPORTED_VERSIONS);
    uint8_t buf[2048];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_sh_write(&w, sh));
    emit(s, f, buf, w.len);
}

void sp_srv_hrr(sp_t *s, tp_flight *f, uint16_t group)
{
    s->suite = pick_suite(s);
    if (!s->hrr) {
        /* §4.4.1: ClientHello1 becomes message_hash (a second HRR, which
         * scripts may send, just follows). */
        assert_clasp_ok(clasp_ts_set_hash(&s->ts, s->prov, s->suite->hash));
        assert_clasp_ok(clasp_ts_hrr_rewrite(&s->ts));
    }
    struct clasp_sh *sh = calloc(1, sizeof(*sh));
    assert_non_null(sh);
    sh->is_hrr = true;
    if (group != 0) {
        sh->exts.key_share.selected_group = group;
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    }
    if (s->cfg.cookie != NULL) {
        sh->exts.cookie.cookie =
            clasp_span_of(s->cfg.cookie, s->cfg.cookie_len);
        clasp_exts_set(&sh->exts, CLASP_EXT_ID_COOKIE);
    }
    write_sh(s, f, sh);
    free(sh);
    s->hrr = true;
    s->hrr_group = group;
}

void sp_srv_hello(sp_t *s, tp_flight *f)
{
    s->suite = pick_suite(s);
    uint16_t group = s->cfg.group;
    size_t idx = s->ch_share_count;
    for (size_t i = 0; i < s->ch_share_count && idx == s->ch_share_count; i++) {
        if (group == 0 ? list_has(s->cfg.groups, s->cfg.group_count,
                                  s->ch_share_group[i])
                       : s->ch_share_group[i] == group) {
            idx = i;
        }
    }
    assert_true(idx < s->ch_share_count);
    group = s->ch_share_group[idx];
    free_shares(s);
    new_share(s, group);
    uint8_t ecdhe[CLASP_MAX_KX_SECRET_LEN];
    size_t ecdhe_len = 0;
    assert_clasp_ok(s->prov->kx_derive(s->kx[0], s->ch_share[idx],
                                       s->ch_share_len[idx], ecdhe,
                                       sizeof(ecdhe), &ecdhe_len));
    s->group = group;
    assert_clasp_ok(s->prov->random(s->prov->ctx, s->server_random, 32));
    struct clasp_sh *sh = calloc(1, sizeof(*sh));
    assert_non_null(sh);
    memcpy(sh->random, s->server_random, 32);
    sh->exts.key_share.server_share.group = group;
    sh->exts.key_share.server_share.key_exchange =
        clasp_span_of(s->kx_pub[0], s->kx_pub_len[0]);
    clasp_exts_set(&sh->exts, CLASP_EXT_ID_KEY_SHARE);
    if (!clasp_ts_has_hash(&s->ts)) {
        assert_clasp_ok(clasp_ts_set_hash(&s->ts, s->prov, s->suite->hash));
    }
    write_sh(s, f, sh);
    free(sh);
    free_shares(s);
    uint8_t th[CLASP_MAX_HASH_LEN];
    assert_clasp_ok(clasp_ks_init(&s->ks, s->prov, s->suite->hash));
    assert_clasp_ok(clasp_ks_early(&s->ks, NULL, 0));
    assert_clasp_ok(clasp_ks_handshake(&s->ks, ecdhe, ecdhe_len));
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    assert_clasp_ok(clasp_ks_hs_traffic(&s->ks, th, s->c_hs, s->s_hs));
}

void sp_srv_keys_hs(sp_t *s)
{
    /* App. D.4: the server's CCS right after its first ServerHello or
     * HelloRetryRequest, when the client sent a session id. */
    if (s->cfg.compat && s->session_id_len > 0 && !s->ccs_sent) {
        sp_ccs(s);
    }
    sp_set_write(s, SP_HS);
    sp_set_read(s, SP_HS);
}

void sp_srv_ee(sp_t *s, tp_flight *f)
{
    struct clasp_ee *ee = calloc(1, sizeof(*ee));
    assert_non_null(ee);
    if (s->cfg.alpn != NULL) {
        ee->exts.alpn.protocol_name_list[0] =
            clasp_span_of(s->cfg.alpn, strlen(s->cfg.alpn));
        ee->exts.alpn.protocol_name_list_kept = 1;
        ee->exts.alpn.protocol_name_list_count = 1;
        clasp_exts_set(&ee->exts, CLASP_EXT_ID_ALPN);
    }
    size_t cap = 1024 + s->cfg.ee_ext_len;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    clasp_wr w = clasp_wr_init(buf, cap);
    assert_clasp_ok(clasp_ee_write(&w, ee));
    free(ee);
    size_t len =
        append_exts(buf, w.len, cap, 4, s->cfg.ee_ext, s->cfg.ee_ext_len);
    emit(s, f, buf, len);
    free(buf);
}

void sp_srv_cr(sp_t *s, tp_flight *f)
{
    struct clasp_cr *cr = calloc(1, sizeof(*cr));
    assert_non_null(cr);
    u16_set(&cr->exts.sig_alg, s->cfg.sig_algs, s->cfg.sig_alg_count);
    clasp_exts_set(&cr->exts, CLASP_EXT_ID_SIG_ALG);
    uint8_t buf[1024];
    clasp_wr w = clasp_wr_init(buf, sizeof(buf));
    assert_clasp_ok(clasp_cr_write(&w, cr));
    free(cr);
    emit(s, f, buf, w.len);
    s->cert_requested = true;
}

void sp_srv_secrets_ap(sp_t *s)
{
    uint8_t th[CLASP_MAX_HASH_LEN];
    assert_clasp_ok(clasp_ks_master(&s->ks));
    assert_clasp_ok(clasp_ts_hash(&s->ts, th));
    assert_clasp_ok(clasp_ks_app_traffic(&s->ks, th, s->c_ap, s->s_ap, NULL));
}

void sp_srv_flight(sp_t *s, tp_flight *f)
{
    sp_srv_ee(s, f);
    if (s->cfg.cert_request) {
        sp_srv_cr(s, f);
    }
    sp_cert(s, f);
    sp_cv(s, f);
    sp_fin(s, f);
    sp_srv_secrets_ap(s);
}

void sp_srv_recv_flight2(sp_t *s)
{
    const uint8_t *m;
    size_t len;
    uint8_t th[CLASP_MAX_HASH_LEN];
    if (s->cert_requested) {
        int type = sp_recv_msg(s, &m, &len, NULL, true);
        assert_int_equal(type, CLASP_HS_CERTIFICATE);
        recv_certificate(s, m, len, true);
        if (s->peer_sent_cert) {
            type = sp_recv_msg(s, &m, &len, th, true);
            assert_int_equal(type, CLASP_HS_CERTIFICATE_VERIFY);
            recv_cv(s, m, len, th);
        }
    }
    int type = sp_recv_msg(s, &m, &len, th, true);
    assert_int_equal(type, CLASP_HS_FINISHED);
    recv_finished(s, m, len, th, s->c_hs);
    sp_set_read(s, SP_AP);
}

void sp_srv_handshake(sp_t *s)
{
    tp_flight f = {0};
    sp_victim_wants_read(s);
    sp_srv_recv_hello(s);
    bool share = false;
    for (size_t i = 0; i < s->ch_share_count; i++) {
        uint16_t g = s->ch_share_group[i];
        share = share || (s->cfg.group != 0
                              ? g == s->cfg.group
                              : list_has(s->cfg.groups, s->cfg.group_count, g));
    }
    if (!share) {
        uint16_t g = s->cfg.group;
        for (size_t i = 0; g == 0 && i < s->cfg.group_count; i++) {
            if (list_has(s->ch_groups, s->ch_group_count, s->cfg.groups[i])) {
                g = s->cfg.groups[i];
            }
        }
        sp_srv_hrr(s, &f, g);
        sp_send(s, &f);
        tp_flight_free(&f);
        if (s->cfg.compat && s->session_id_len > 0) {
            sp_ccs(s);
        }
        sp_victim_wants_read(s);
        sp_srv_recv_hello(s);
    }
    sp_srv_hello(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_srv_keys_hs(s);
    sp_srv_flight(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
    sp_srv_recv_flight2(s);
}

/* ---- post-handshake messages --------------------------------------------- */

void sp_nst(tp_flight *f, size_t ticket_len, const uint8_t *ext, size_t ext_len)
{
    /* RFC 8446 §4.6.1. */
    struct clasp_nst nst;
    memset(&nst, 0, sizeof(nst));
    uint8_t *ticket = calloc(1, ticket_len + 1);
    assert_non_null(ticket);
    nst.ticket_lifetime = 3600;
    nst.ticket_age_add = 0x01020304;
    nst.ticket_nonce = clasp_span_of("\x01", 1);
    nst.ticket = clasp_span_of(ticket, ticket_len);
    size_t cap = 64 + ticket_len + ext_len;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    clasp_wr w = clasp_wr_init(buf, cap);
    assert_clasp_ok(clasp_nst_write(&w, &nst));
    size_t len = append_exts(buf, w.len, cap, w.len - 2, ext, ext_len);
    sp_flight_add(f, buf, len);
    free(buf);
    free(ticket);
}

void sp_ku(tp_flight *f, uint8_t request)
{
    uint8_t ku[5] = {CLASP_HS_KEY_UPDATE, 0, 0, 1, request};
    sp_flight_add(f, ku, sizeof(ku));
}
