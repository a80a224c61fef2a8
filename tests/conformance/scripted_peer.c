/* The scripted peer (scripted_peer.h): life, the victim, records in and
 * out, keys, expectations and flight editing. The message builders and
 * the role steps are in scripted_peer_hs.c, the drivers to each wait
 * state in scripted_peer_drive.c. */
#include "testlib.h"

#include "scripted_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "msg/msg_codes.h"

char sp_note[160];

/* fail_msg with the script's note in front. */
#define SP_FAIL(fmt, ...) fail_msg("[%s] " fmt, sp_note, __VA_ARGS__)

#define SP_HS_IN_CAP (1u << 18)
#define SP_MAX_RECORD (CLASP_RECORD_HEADER_LEN + CLASP_MAX_CIPHERTEXT_LEN)

/* ---- life ---------------------------------------------------------------- */

static const uint16_t default_suites[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256};
static const uint16_t default_groups[] = {
    CLASP_GROUP_X25519, CLASP_GROUP_SECP256R1, CLASP_GROUP_SECP384R1,
    CLASP_GROUP_X448, CLASP_GROUP_SECP521R1};
static const uint16_t default_sig_algs[] = {CLASP_SIG_ECDSA_SECP256R1_SHA256,
                                            CLASP_SIG_ECDSA_SECP384R1_SHA384,
                                            CLASP_SIG_ECDSA_SECP521R1_SHA512,
                                            CLASP_SIG_RSA_PSS_RSAE_SHA256,
                                            CLASP_SIG_RSA_PSS_RSAE_SHA384,
                                            CLASP_SIG_RSA_PSS_RSAE_SHA512,
                                            CLASP_SIG_ED25519,
                                            CLASP_SIG_ED448,
                                            CLASP_SIG_RSA_PSS_PSS_SHA256,
                                            CLASP_SIG_RSA_PSS_PSS_SHA384,
                                            CLASP_SIG_RSA_PSS_PSS_SHA512};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void sp_cfg_defaults(sp_cfg *c, int role)
{
    memset(c, 0, sizeof(*c));
    c->legacy_version = CLASP_VERSION_TLS1_2;
    memcpy(c->suites, default_suites, sizeof(default_suites));
    c->suite_count = COUNT(default_suites);
    c->versions[0] = CLASP_VERSION_TLS1_3;
    c->version_count = 1;
    memcpy(c->groups, default_groups, sizeof(default_groups));
    c->group_count = COUNT(default_groups);
    c->share_groups[0] = CLASP_GROUP_X25519;
    c->share_count = 1;
    memcpy(c->sig_algs, default_sig_algs, sizeof(default_sig_algs));
    c->sig_alg_count = COUNT(default_sig_algs);
    c->compat = true;
    c->kind = role == SP_SERVER ? "ecdsa-p256" : "ed25519";
}

static void scripted_init(sp_t *s)
{
    assert_clasp_ok(clasp_rec_dir_init(&s->rd, s->prov));
    assert_clasp_ok(clasp_rec_dir_init(&s->wr, s->prov));
    assert_clasp_ok(clasp_ts_init(&s->ts, s->prov, 0));
    s->rd_epoch = s->wr_epoch = SP_PLAIN;
}

bool sp_trace;
unsigned long sp_trace_lines;

/* The debug sink: every byte of every message is read. */
static void trace_sink(void *arg, int level, const char *file, int line,
                       const char *msg)
{
    unsigned long *sum = arg;
    size_t n = strlen(msg) + strlen(file);
    *sum += n + (unsigned long)level + (unsigned long)line;
    sp_trace_lines++;
}

static void keylog_sink(void *arg, const char *line)
{
    unsigned long *sum = arg;
    *sum += strlen(line);
}

static void enable_trace(clasp_config *conf)
{
    static unsigned long sum;
    int rc = clasp_conf_dbg(conf, trace_sink, &sum, CLASP_DEBUG_VERBOSE);
    if (rc == CLASP_ERR_BAD_STATE) {
        return; /* in use: set up by an earlier sp_start */
    }
    assert_clasp_ok(rc);
    assert_clasp_ok(clasp_conf_keylog(conf, keylog_sink, &sum));
}

void sp_start(sp_t *s, int role, clasp_config *vconf)
{
    memset(s, 0, sizeof(*s));
    s->role = role;
    sp_cfg_defaults(&s->cfg, role);
    tp_init(&s->p, 0, 0);
    s->vconf = vconf;
    if (vconf == NULL) {
        s->vconf =
            role == SP_CLIENT ? tp_server_conf("ecdsa-p256") : tp_client_conf();
        s->own_vconf = true;
    }
    if (sp_trace) {
        enable_trace(s->vconf);
    }
    s->v = clasp_new();
    assert_non_null(s->v);
    assert_clasp_ok(clasp_setup(s->v, s->vconf));
    if (role == SP_CLIENT) {
        /* The victim is the server: it reads q[0], writes q[1]. */
        clasp_set_bio(s->v, &s->p.server, tp_send, tp_recv, NULL);
        s->out = &s->p.q[0];
        s->in = &s->p.q[1];
    } else {
        assert_clasp_ok(clasp_set_hostname(s->v, "localhost"));
        clasp_set_bio(s->v, &s->p.client, tp_send, tp_recv, NULL);
        s->out = &s->p.q[1];
        s->in = &s->p.q[0];
    }
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &s->prov));
    s->hs_in = malloc(SP_HS_IN_CAP);
    assert_non_null(s->hs_in);
    scripted_init(s);
}

static void scripted_clear(sp_t *s)
{
    for (size_t i = 0; i < s->kx_count; i++) {
        s->prov->kx_free(s->kx[i]);
        s->kx[i] = NULL;
    }
    s->kx_count = 0;
    if (s->peer_key != NULL) {
        s->prov->pkey_free(s->peer_key);
        s->peer_key = NULL;
    }
    clasp_ks_wipe(&s->ks);
    clasp_ts_free(&s->ts);
    clasp_rec_clear(&s->rd);
    clasp_rec_clear(&s->wr);
}

void sp_forget_own(sp_t *s)
{
    if (s->own_key != NULL) {
        s->prov->pkey_free(s->own_key);
        s->own_key = NULL;
    }
    clasp_mem_free(s->own_ders);
    s->own_ders = NULL;
    s->own_count = 0;
}

void sp_free(sp_t *s)
{
    scripted_clear(s);
    sp_forget_own(s);
    s->prov->destroy(s->prov);
    clasp_free(s->v);
    if (s->own_vconf) {
        clasp_config_free(s->vconf);
    }
    tp_free(&s->p);
    free(s->hs_in);
}

void sp_restart(sp_t *s)
{
    scripted_clear(s);
    /* Everything of the old connection goes, but not the victim, the
     * pipe, the provider, our certificate or the configuration. */
    size_t off = offsetof(sp_t, rd);
    size_t end = offsetof(sp_t, own_ders);
    memset((uint8_t *)s + off, 0, end - off);
    s->hs_in_len = 0;
    s->ccs_seen = 0;
    s->key_updates_seen = 0;
    s->ku_requested = false;
    s->app_len = 0;
    s->vrc = 0;
    tp_q_clear(s->out);
    tp_q_clear(s->in);
    scripted_init(s);
}

/* ---- the victim ---------------------------------------------------------- */

int sp_victim(sp_t *s)
{
    if (!clasp_is_handshake_over(s->v)) {
        s->vrc = clasp_handshake(s->v);
        return s->vrc;
    }
    s->vrc = clasp_read(s->v, s->app, sizeof(s->app));
    s->app_len = s->vrc > 0 ? (size_t)s->vrc : 0;
    return s->vrc;
}

void sp_victim_wants_read(sp_t *s)
{
    int rc = sp_victim(s);
    if (rc != CLASP_ERR_WANT_READ) {
        SP_FAIL("victim: expected CLASP_ERR_WANT_READ, got %s (peer alert "
                "%d)",
                clasp_error_name(rc), clasp_get_peer_alert(s->v));
    }
}

void sp_victim_done(sp_t *s)
{
    int rc = clasp_handshake(s->v);
    if (rc != 0) {
        SP_FAIL("victim: handshake failed with %s (peer alert %d)",
                clasp_error_name(rc), clasp_get_peer_alert(s->v));
    }
    assert_int_equal(clasp_is_handshake_over(s->v), 1);
}

void sp_victim_write(sp_t *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t done = 0;
    for (int i = 0; i < 64 && done < len; i++) {
        int n = clasp_write(s->v, p + done, len - done);
        if (n <= 0) {
            SP_FAIL("victim: clasp_write returned %s", clasp_error_name(n));
        }
        done += (size_t)n;
    }
    assert_int_equal(done, len);
}

/* ---- records out --------------------------------------------------------- */

static uint16_t record_version(const sp_t *s)
{
    return s->cfg.record_version != 0 ? s->cfg.record_version : 0x0303;
}

static void plain_record(sp_t *s, uint8_t type, const void *content, size_t len)
{
    assert_true(len <= 0xffff);
    uint16_t v = record_version(s);
    uint8_t h[5] = {type, (uint8_t)(v >> 8), (uint8_t)v, (uint8_t)(len >> 8),
                    (uint8_t)len};
    tp_q_push(s->out, h, 5);
    tp_q_push(s->out, content, len);
}

/* Seal whatever inner plaintext the script wants, with the direction's
 * key, IV and sequence number (RFC 8446 §5.2, §5.3). */
static void seal_raw(sp_t *s, const uint8_t *inner, size_t inner_len)
{
    clasp_rec_dir *d = &s->wr;
    assert_true(clasp_rec_is_protected(d));
    size_t len = inner_len + d->suite->tag_len;
    assert_true(len <= 0xffff);
    uint16_t v = record_version(s);
    uint8_t h[5] = {23, (uint8_t)(v >> 8), (uint8_t)v, (uint8_t)(len >> 8),
                    (uint8_t)len};
    uint8_t *body = malloc(len);
    assert_non_null(body);
    uint8_t nonce[12];
    memcpy(nonce, d->iv, sizeof(nonce));
    for (int i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
    }
    assert_clasp_ok(
        d->prov->aead_seal(d->aead, nonce, h, 5, inner, inner_len, body));
    d->seq++;
    tp_q_push(s->out, h, 5);
    tp_q_push(s->out, body, len);
    free(body);
}

void sp_rec(sp_t *s, uint8_t type, const void *content, size_t len)
{
    if (!clasp_rec_is_protected(&s->wr)) {
        plain_record(s, type, content, len);
        return;
    }
    bool legal = (type == CLASP_CT_HANDSHAKE || type == CLASP_CT_ALERT ||
                  type == CLASP_CT_APPLICATION_DATA) &&
                 (len > 0 || type == CLASP_CT_APPLICATION_DATA) &&
                 len <= CLASP_MAX_FRAGMENT_LEN && s->cfg.record_version == 0;
    if (legal) {
        /* What clasp's record layer seals, it seals. */
        static uint8_t rec[SP_MAX_RECORD];
        size_t pad = s->cfg.pad;
        if (pad > CLASP_MAX_INNER_PLAINTEXT_LEN - len - 1) {
            pad = CLASP_MAX_INNER_PLAINTEXT_LEN - len - 1;
        }
        clasp_wr w = clasp_wr_init(rec, sizeof(rec));
        assert_clasp_ok(clasp_rec_seal(&s->wr, type, content, len, pad, &w));
        tp_q_push(s->out, rec, w.len);
        return;
    }
    uint8_t *inner = malloc(len + 1);
    assert_non_null(inner);
    if (len > 0) {
        memcpy(inner, content, len);
    }
    inner[len] = type;
    seal_raw(s, inner, len + 1);
    free(inner);
}

void sp_rec_inner(sp_t *s, const void *inner, size_t len)
{
    seal_raw(s, inner, len);
}

void sp_rec_hex(sp_t *s, uint8_t type, const char *hex)
{
    uint8_t b[2048];
    size_t n = th_hex_into(hex, b, sizeof(b));
    sp_rec(s, type, b, n);
}

void sp_raw(sp_t *s, const void *p, size_t len)
{
    tp_q_push(s->out, p, len);
}

void sp_ccs(sp_t *s)
{
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    tp_q_push(s->out, ccs, sizeof(ccs));
    s->ccs_sent = true;
}

void sp_alert(sp_t *s, uint8_t level, uint8_t desc)
{
    uint8_t a[2] = {level, desc};
    sp_rec(s, CLASP_CT_ALERT, a, 2);
}

void sp_app(sp_t *s, const void *data, size_t len)
{
    sp_rec(s, CLASP_CT_APPLICATION_DATA, data, len);
}

void sp_send_hs(sp_t *s, const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t frag = s->cfg.frag != 0 ? s->cfg.frag : CLASP_MAX_FRAGMENT_LEN;
    for (size_t off = 0; off < len; off += frag) {
        size_t n = len - off < frag ? len - off : frag;
        sp_rec(s, CLASP_CT_HANDSHAKE, b + off, n);
    }
}

void sp_send(sp_t *s, const tp_flight *f)
{
    size_t total = sp_flight_bytes(f);
    uint8_t *all = malloc(total + 1);
    assert_non_null(all);
    size_t off = 0;
    for (size_t i = 0; i < f->n; i++) {
        memcpy(all + off, f->msg[i], f->len[i]);
        off += f->len[i];
    }
    sp_send_hs(s, all, total);
    free(all);
}

void sp_send_each(sp_t *s, const tp_flight *f)
{
    for (size_t i = 0; i < f->n; i++) {
        sp_send_hs(s, f->msg[i], f->len[i]);
    }
}

/* ---- keys ---------------------------------------------------------------- */

static uint8_t *secret_of(sp_t *s, bool write, enum sp_epoch e)
{
    /* Our writing direction is our role's; reading is the other one. */
    bool client_side = write == (s->role == SP_CLIENT);
    if (e == SP_HS) {
        return client_side ? s->c_hs : s->s_hs;
    }
    return client_side ? s->c_ap : s->s_ap;
}

static void install(sp_t *s, clasp_rec_dir *d, const uint8_t *secret)
{
    assert_non_null(s->suite);
    uint8_t key[CLASP_MAX_AEAD_KEY_LEN], iv[CLASP_AEAD_NONCE_LEN];
    assert_clasp_ok(clasp_ks_traffic_keys(s->prov, s->suite, secret, key, iv));
    assert_clasp_ok(clasp_rec_install(d, s->suite, key, iv));
}

void sp_set_write(sp_t *s, enum sp_epoch e)
{
    if (e == SP_PLAIN) {
        clasp_rec_clear(&s->wr);
    } else {
        install(s, &s->wr, secret_of(s, true, e));
    }
    s->wr_epoch = e;
}

void sp_set_read(sp_t *s, enum sp_epoch e)
{
    if (e == SP_PLAIN) {
        clasp_rec_clear(&s->rd);
    } else {
        install(s, &s->rd, secret_of(s, false, e));
    }
    s->rd_epoch = e;
}

void sp_update_write(sp_t *s)
{
    uint8_t *secret = secret_of(s, true, SP_AP);
    assert_clasp_ok(
        clasp_ks_next_traffic_secret(s->prov, s->suite->hash, secret));
    install(s, &s->wr, secret);
}

void sp_update_read(sp_t *s)
{
    uint8_t *secret = secret_of(s, false, SP_AP);
    assert_clasp_ok(
        clasp_ks_next_traffic_secret(s->prov, s->suite->hash, secret));
    install(s, &s->rd, secret);
}

void sp_key_update(sp_t *s, int request)
{
    uint8_t ku[5] = {CLASP_HS_KEY_UPDATE, 0, 0, 1, (uint8_t)request};
    sp_rec(s, CLASP_CT_HANDSHAKE, ku, sizeof(ku));
    sp_update_write(s);
}

/* ---- records in ---------------------------------------------------------- */

int sp_read_rec(sp_t *s, uint8_t *out, size_t cap, size_t *len, bool *plain)
{
    size_t n = tp_q_head_len(s->in);
    if (n == 0) {
        return -1;
    }
    static uint8_t rec[SP_MAX_RECORD + 16];
    assert_true(n <= sizeof(rec));
    tp_q_pop(s->in, rec, sizeof(rec));
    clasp_rec_dir clear;
    clasp_rec_dir *d = &s->rd;
    if (rec[0] == CLASP_CT_ALERT && clasp_rec_is_protected(d)) {
        /* RFC 8446 §6: an alert is protected as its sender's current
         * write state says, which may still be the initial one. */
        assert_clasp_ok(clasp_rec_dir_init(&clear, s->prov));
        d = &clear;
    }
    *plain = !clasp_rec_is_protected(d) || rec[0] != CLASP_CT_APPLICATION_DATA;
    clasp_rd r = clasp_rd_init(rec, n);
    clasp_rec_header h;
    int rc = clasp_rec_header_parse(d, &r, &h);
    if (rc < 0) {
        SP_FAIL("victim sent a record with a bad header (%02x %02x%02x "
                "len %zu): %s",
                rec[0], rec[1], rec[2], n - 5, clasp_error_name(rc));
    }
    assert_int_equal(5 + (size_t)h.length, n);
    clasp_rec_plain pl;
    rc = clasp_rec_open(d, rec, n, &pl);
    if (rc < 0) {
        SP_FAIL("victim's record (type %u, %zu bytes) does not open with "
                "our read epoch %d: %s",
                rec[0], n, (int)s->rd_epoch, clasp_error_name(rc));
    }
    assert_true(pl.content.len <= cap);
    if (pl.content.len > 0) {
        memcpy(out, pl.content.p, pl.content.len);
    }
    *len = pl.content.len;
    return pl.type;
}

static size_t hs_msg_len(const uint8_t *p)
{
    return 4 + ((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
}

int sp_recv_msg(sp_t *s, const uint8_t **msg, size_t *len, uint8_t *th_before,
                bool add_ts)
{
    static uint8_t rbuf[SP_MAX_RECORD];
    for (int i = 0; i < 4096; i++) {
        if (s->hs_in_len >= 4 && s->hs_in_len >= hs_msg_len(s->hs_in)) {
            break;
        }
        size_t n;
        bool plain;
        int type = sp_read_rec(s, rbuf, sizeof(rbuf), &n, &plain);
        if (type < 0) {
            SP_FAIL("victim sent no complete handshake message (%zu bytes "
                    "pending; victim rc %s)",
                    s->hs_in_len, clasp_error_name(s->vrc));
        }
        if (type == CLASP_CT_CHANGE_CIPHER_SPEC) {
            assert_int_equal(s->hs_in_len, 0);
            s->ccs_seen++;
            continue;
        }
        if (type == CLASP_CT_ALERT) {
            SP_FAIL("victim sent alert %u (%s) instead of a handshake "
                    "message; victim rc %s",
                    rbuf[1], clasp_alert_description(rbuf[1]),
                    clasp_error_name(s->vrc));
        }
        assert_int_equal(type, CLASP_CT_HANDSHAKE);
        assert_true(n <= SP_HS_IN_CAP - s->hs_in_len);
        memcpy(s->hs_in + s->hs_in_len, rbuf, n);
        s->hs_in_len += n;
    }
    size_t l = hs_msg_len(s->hs_in);
    assert_true(s->hs_in_len >= l);
    /* The message moves out; the rest stays for the next call. */
    static uint8_t cur[SP_HS_IN_CAP];
    memcpy(cur, s->hs_in, l);
    memmove(s->hs_in, s->hs_in + l, s->hs_in_len - l);
    s->hs_in_len -= l;
    if (th_before != NULL) {
        assert_true(clasp_ts_has_hash(&s->ts));
        assert_clasp_ok(clasp_ts_hash(&s->ts, th_before));
    }
    if (add_ts) {
        assert_clasp_ok(clasp_ts_add(&s->ts, cur, l));
    }
    *msg = cur;
    *len = l;
    return cur[0];
}

void sp_skip_ccs(sp_t *s)
{
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    for (int i = 0; i < 8 && s->in->len >= 6 && memcmp(s->in->buf, ccs, 6) == 0;
         i++) {
        uint8_t b[8];
        tp_q_pop(s->in, b, sizeof(b));
        s->ccs_seen++;
    }
}

size_t sp_recv_app(sp_t *s, uint8_t *out, size_t cap)
{
    static uint8_t rbuf[SP_MAX_RECORD];
    for (int i = 0; i < 256; i++) {
        size_t n;
        bool plain;
        int type = sp_read_rec(s, rbuf, sizeof(rbuf), &n, &plain);
        if (type < 0) {
            SP_FAIL("%s", "victim sent no application data");
        }
        assert_false(plain);
        if (type == CLASP_CT_APPLICATION_DATA) {
            assert_true(n <= cap);
            memcpy(out, rbuf, n);
            return n;
        }
        if (type == CLASP_CT_ALERT) {
            SP_FAIL("victim sent alert %u instead of data", rbuf[1]);
        }
        assert_int_equal(type, CLASP_CT_HANDSHAKE);
        /* Post-handshake messages, one per record here. */
        assert_true(n >= 4 && hs_msg_len(rbuf) == n);
        if (rbuf[0] == CLASP_HS_KEY_UPDATE) {
            assert_int_equal(n, 5);
            assert_true(rbuf[4] <= 1);
            if (rbuf[4] == 1) {
                s->ku_requested = true;
            }
            s->key_updates_seen++;
            sp_update_read(s);
        } else {
            /* NewSessionTicket (issue #4): not ours to judge here. */
            assert_int_equal(rbuf[0], CLASP_HS_NEW_SESSION_TICKET);
        }
    }
    SP_FAIL("%s", "no application data in 256 records");
    return 0;
}

void sp_check_victim_sends(sp_t *s, const char *text)
{
    size_t n = strlen(text);
    sp_victim_write(s, text, n);
    static uint8_t buf[SP_MAX_RECORD];
    size_t got = sp_recv_app(s, buf, sizeof(buf));
    assert_int_equal(got, n);
    assert_memory_equal(buf, text, n);
}

void sp_check_victim_reads(sp_t *s, const char *text)
{
    size_t n = strlen(text);
    sp_app(s, text, n);
    int rc = sp_victim(s);
    if (rc != (int)n) {
        SP_FAIL("victim read returned %s (%d), expected %zu bytes",
                clasp_error_name(rc), rc, n);
    }
    assert_memory_equal(s->app, text, n);
}

/* ---- expectations -------------------------------------------------------- */

void sp_victim_fails(sp_t *s, int err)
{
    bool was_over = clasp_is_handshake_over(s->v) != 0;
    int rc = sp_victim(s);
    if (rc == 0 && !was_over && clasp_is_handshake_over(s->v)) {
        /* The handshake completed; what follows is read next. */
        rc = sp_victim(s);
    }
    if (rc != err) {
        SP_FAIL("victim: expected %s, got %s (%d; peer alert %d)",
                clasp_error_name(err), clasp_error_name(rc), rc,
                clasp_get_peer_alert(s->v));
    }
}

/* Has the victim switched its write key away from the initial one? A
 * client does so with its second flight (RFC 8446 App. A.1), a server
 * with its ServerHello (A.2). */
static bool victim_protected(const sp_t *s)
{
    if (s->role == SP_SERVER) {
        return clasp_is_handshake_over(s->v) != 0;
    }
    return s->victim_flight;
}

void sp_expect_alert(sp_t *s, int alert)
{
    if (alert == CLASP_ALERT_NONE) {
        if (s->in->len != 0) {
            SP_FAIL("victim sent %zu bytes (type %u) where it must send "
                    "nothing",
                    s->in->len, s->in->buf[0]);
        }
        return;
    }
    size_t n = tp_q_head_len(s->in);
    if (n == 0 || n != s->in->len) {
        SP_FAIL("expected exactly one alert record from the victim, "
                "queue holds %zu bytes (first record %zu, type %u)",
                s->in->len, n, s->in->len > 0 ? s->in->buf[0] : 0);
    }
    uint8_t b[SP_MAX_RECORD];
    size_t len;
    bool plain;
    int type = sp_read_rec(s, b, sizeof(b), &len, &plain);
    assert_int_equal(type, CLASP_CT_ALERT);
    assert_int_equal(len, 2);
    /* RFC 8446 §6: every alert of §6.2 is sent with AlertLevel fatal. */
    assert_int_equal(b[0], 2);
    if (b[1] != alert) {
        SP_FAIL("victim sent alert %u (%s), expected %d (%s)", b[1],
                clasp_alert_description(b[1]), alert,
                clasp_alert_description(alert));
    }
    bool want_protected = victim_protected(s);
    if (plain == want_protected) {
        SP_FAIL("victim's alert is %s, expected %s",
                plain ? "in clear" : "protected",
                want_protected ? "protected" : "in clear");
    }
}

void sp_expect_dead(sp_t *s, int err)
{
    static const uint8_t probe[] = {21, 3, 3, 0, 2, 1, 0};
    size_t unread = s->out->len + sizeof(probe);
    tp_q_push(s->out, probe, sizeof(probe));
    unsigned char b[16] = {0};
    assert_clasp_err(clasp_handshake(s->v), err);
    assert_clasp_err(clasp_handshake_step(s->v), err);
    assert_clasp_err(clasp_read(s->v, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(s->v, b, 1), err);
    assert_clasp_err(clasp_key_update(s->v, 1), err);
    assert_clasp_err(clasp_close_notify(s->v), err);
    /* RFC 8446 §6.2: nothing more is read or written. */
    assert_int_equal(s->in->len, 0);
    assert_int_equal(s->out->len, unread);
}

void sp_expect_fail(sp_t *s, int err)
{
    sp_victim_fails(s, err);
    sp_expect_alert(s, clasp_error_alert(err));
    sp_expect_dead(s, err);
}

/* ---- flights ------------------------------------------------------------- */

static uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *m = malloc(n + 1);
    assert_non_null(m);
    if (n > 0) {
        memcpy(m, p, n);
    }
    return m;
}

void sp_flight_insert(tp_flight *f, size_t at, const void *msg, size_t len)
{
    assert_true(f->n < TP_FLIGHT_MAX && at <= f->n);
    for (size_t j = f->n; j > at; j--) {
        f->msg[j] = f->msg[j - 1];
        f->len[j] = f->len[j - 1];
    }
    f->msg[at] = dup_bytes(msg, len);
    f->len[at] = len;
    f->n++;
}

void sp_flight_add(tp_flight *f, const void *msg, size_t len)
{
    sp_flight_insert(f, f->n, msg, len);
}

void sp_flight_insert_hex(tp_flight *f, size_t at, const char *hex)
{
    uint8_t b[4096];
    size_t n = th_hex_into(hex, b, sizeof(b));
    sp_flight_insert(f, at, b, n);
}

void sp_flight_add_hex(tp_flight *f, const char *hex)
{
    sp_flight_insert_hex(f, f->n, hex);
}

void sp_flight_dup(tp_flight *f, size_t i)
{
    assert_true(i < f->n);
    sp_flight_insert(f, i + 1, f->msg[i], f->len[i]);
}

void sp_flight_swap(tp_flight *f, size_t i, size_t j)
{
    assert_true(i < f->n && j < f->n);
    uint8_t *m = f->msg[i];
    size_t l = f->len[i];
    f->msg[i] = f->msg[j];
    f->len[i] = f->len[j];
    f->msg[j] = m;
    f->len[j] = l;
}

void sp_flight_replace(tp_flight *f, size_t i, const void *msg, size_t len)
{
    assert_true(i < f->n);
    free(f->msg[i]);
    f->msg[i] = dup_bytes(msg, len);
    f->len[i] = len;
}

static void set_len(uint8_t *m, size_t body)
{
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
}

void sp_msg_append(tp_flight *f, size_t i, const void *p, size_t n)
{
    assert_true(i < f->n);
    uint8_t *m = malloc(f->len[i] + n + 1);
    assert_non_null(m);
    memcpy(m, f->msg[i], f->len[i]);
    memcpy(m + f->len[i], p, n);
    free(f->msg[i]);
    f->msg[i] = m;
    f->len[i] += n;
    set_len(m, f->len[i] - 4);
}

void sp_msg_truncate(tp_flight *f, size_t i, size_t n)
{
    assert_true(i < f->n && f->len[i] >= 4 + n);
    f->len[i] -= n;
    set_len(f->msg[i], f->len[i] - 4);
}

void sp_msg_set_len(tp_flight *f, size_t i, uint32_t len)
{
    assert_true(i < f->n && f->len[i] >= 4);
    set_len(f->msg[i], len);
}

size_t sp_flight_bytes(const tp_flight *f)
{
    size_t total = 0;
    for (size_t i = 0; i < f->n; i++) {
        total += f->len[i];
    }
    return total;
}
