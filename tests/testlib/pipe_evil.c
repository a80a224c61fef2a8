/* The evil peer's half of the pipe library (declared in pipe.h): key log
 * capture, record protection built on the provider, flights opened and
 * resealed, hello layouts, and a handshake stopped at a flight so that a
 * test can change it before delivery. */
#include "testlib.h"

#include "pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/suites.h"
#include "keysched/keysched.h"

/* ---- key log ---------------------------------------------------------------
 */

static int hexv(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void tp_keylog_cb(void *arg, const char *line)
{
    tp_keylog *kl = arg;
    const char *sp1 = strchr(line, ' ');
    assert_non_null(sp1);
    const char *sp2 = strchr(sp1 + 1, ' ');
    assert_non_null(sp2);
    /* "<label> <64 hex client_random> <secret hex>" */
    assert_int_equal(sp2 - sp1 - 1, 64);
    assert_true(kl->n < TP_KEYLOG_MAX);
    tp_secret *s = &kl->s[kl->n++];
    size_t ll = (size_t)(sp1 - line);
    assert_true(ll < sizeof(s->label));
    memcpy(s->label, line, ll);
    s->label[ll] = '\0';
    const char *h = sp2 + 1;
    size_t hl = strlen(h);
    assert_true(hl % 2 == 0 && hl / 2 <= sizeof(s->secret));
    for (size_t i = 0; i < hl / 2; i++) {
        int a = hexv(h[2 * i]), b = hexv(h[2 * i + 1]);
        assert_true(a >= 0 && b >= 0);
        s->secret[i] = (uint8_t)(a << 4 | b);
    }
    s->len = hl / 2;
}

size_t tp_keylog_get(const tp_keylog *kl, const char *label, uint8_t *out)
{
    for (size_t i = kl->n; i > 0; i--) {
        const tp_secret *s = &kl->s[i - 1];
        if (strcmp(s->label, label) == 0) {
            memcpy(out, s->secret, s->len);
            return s->len;
        }
    }
    fail_msg("no %s in the key log", label);
    return 0;
}

/* ---- evil peer record protection ----------------------------------------- */

static void dir_key(tp_dir *d)
{
    const clasp_suite *s = clasp_suite_find(d->suite);
    assert_non_null(s);
    uint8_t key[32], iv[12];
    assert_clasp_ok(clasp_ks_traffic_keys(d->prov, s, d->secret, key, iv));
    if (d->aead != NULL) {
        d->prov->aead_free(d->aead);
    }
    assert_clasp_ok(
        d->prov->aead_new(d->prov->ctx, d->suite, key, s->key_len, &d->aead));
    memcpy(d->iv, iv, sizeof(iv));
    d->tag_len = s->tag_len;
    d->seq = 0;
}

void tp_dir_init(tp_dir *d, uint16_t suite, const uint8_t *secret)
{
    memset(d, 0, sizeof(*d));
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &d->prov));
    const clasp_suite *s = clasp_suite_find(suite);
    assert_non_null(s);
    d->suite = suite;
    memcpy(d->secret, secret, s->hash_len);
    dir_key(d);
}

void tp_dir_update(tp_dir *d)
{
    const clasp_suite *s = clasp_suite_find(d->suite);
    assert_clasp_ok(clasp_ks_next_traffic_secret(d->prov, s->hash, d->secret));
    dir_key(d);
}

void tp_dir_free(tp_dir *d)
{
    if (d->aead != NULL) {
        d->prov->aead_free(d->aead);
    }
    if (d->prov != NULL) {
        d->prov->destroy(d->prov);
    }
    memset(d, 0, sizeof(*d));
}

static void nonce_of(const tp_dir *d, uint8_t nonce[12])
{
    memcpy(nonce, d->iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
    }
}

void tp_dir_seal_inner(tp_dir *d, const uint8_t *inner, size_t inner_len,
                       tp_queue *q)
{
    size_t len = inner_len + d->tag_len;
    assert_true(len <= 0xffff);
    uint8_t hdr[5] = {23, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
    uint8_t *out = malloc(len);
    assert_non_null(out);
    uint8_t nonce[12];
    nonce_of(d, nonce);
    assert_clasp_ok(
        d->prov->aead_seal(d->aead, nonce, hdr, 5, inner, inner_len, out));
    d->seq++;
    tp_q_push(q, hdr, 5);
    tp_q_push(q, out, len);
    free(out);
}

void tp_dir_seal(tp_dir *d, uint8_t type, const void *content, size_t len,
                 tp_queue *q)
{
    uint8_t *inner = malloc(len + 1);
    assert_non_null(inner);
    if (len > 0) {
        memcpy(inner, content, len);
    }
    inner[len] = type;
    tp_dir_seal_inner(d, inner, len + 1, q);
    free(inner);
}

int tp_dir_open(tp_dir *d, tp_queue *q, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t rec[5 + 16384 + 256];
    size_t n = tp_q_pop(q, rec, sizeof(rec));
    assert_int_equal(rec[0], 23);
    assert_true(n - 5 >= d->tag_len && n - 5 - d->tag_len <= cap);
    uint8_t nonce[12];
    nonce_of(d, nonce);
    int rc = d->prov->aead_open(d->aead, nonce, rec, 5, rec + 5, n - 5, out);
    if (rc < 0) {
        return rc;
    }
    d->seq++;
    size_t m = n - 5 - d->tag_len;
    while (m > 0 && out[m - 1] == 0) {
        m--;
    }
    if (m == 0) {
        *len = 0;
        return 0;
    }
    *len = m - 1;
    return out[m - 1];
}

/* ---- flights ------------------------------------------------------------- */

void tp_flight_open(tp_dir *d, tp_queue *q, tp_flight *f)
{
    memset(f, 0, sizeof(*f));
    size_t cap = 1 << 18, used = 0;
    uint8_t *hs = malloc(cap);
    assert_non_null(hs);
    for (int i = 0; i < 64 && q->len >= 5 && q->buf[0] == 23; i++) {
        size_t n;
        assert_true(cap - used >= 16384 + 256);
        int type = tp_dir_open(d, q, hs + used, cap - used, &n);
        assert_int_equal(type, 22);
        used += n;
    }
    size_t off = 0;
    while (off < used) {
        assert_true(used - off >= 4 && f->n < TP_FLIGHT_MAX);
        size_t l = 4 + ((size_t)hs[off + 1] << 16 | (size_t)hs[off + 2] << 8 |
                        hs[off + 3]);
        assert_true(l <= used - off);
        f->msg[f->n] = malloc(l);
        assert_non_null(f->msg[f->n]);
        memcpy(f->msg[f->n], hs + off, l);
        f->len[f->n++] = l;
        off += l;
    }
    free(hs);
}

void tp_flight_seal(tp_dir *d, const tp_flight *f, tp_queue *q, size_t frag)
{
    if (frag == 0) {
        frag = 16384;
    }
    size_t total = 0;
    for (size_t i = 0; i < f->n; i++) {
        total += f->len[i];
    }
    uint8_t *all = malloc(total + 1);
    assert_non_null(all);
    size_t off = 0;
    for (size_t i = 0; i < f->n; i++) {
        memcpy(all + off, f->msg[i], f->len[i]);
        off += f->len[i];
    }
    for (off = 0; off < total;) {
        size_t n = total - off > frag ? frag : total - off;
        tp_dir_seal(d, 22, all + off, n, q);
        off += n;
    }
    free(all);
}

int tp_flight_find(const tp_flight *f, uint8_t type)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->msg[i][0] == type) {
            return (int)i;
        }
    }
    return -1;
}

void tp_flight_drop(tp_flight *f, size_t i)
{
    assert_true(i < f->n);
    free(f->msg[i]);
    for (size_t j = i + 1; j < f->n; j++) {
        f->msg[j - 1] = f->msg[j];
        f->len[j - 1] = f->len[j];
    }
    f->n--;
}

void tp_flight_free(tp_flight *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->msg[i]);
    }
    f->n = 0;
}

/* ---- hello layout ----------------------------------------------------------
 */

static size_t be(const uint8_t *p, size_t n)
{
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

void tp_hello_parse(const uint8_t *msg, size_t len, tp_hello *h)
{
    assert_true(len >= 4 && (msg[0] == 1 || msg[0] == 2));
    size_t end = 4 + be(msg + 1, 3);
    assert_true(end <= len);
    bool ch = msg[0] == 1;
    size_t o = 4 + 2;
    h->random = o;
    o += 32;
    h->session_id = o;
    assert_true(o < end);
    o += 1 + msg[o];
    h->suites = o;
    assert_true(o + 2 <= end);
    o += ch ? 2 + be(msg + o, 2) : 2;
    h->compression = o;
    assert_true(o < end);
    o += ch ? 1 + msg[o] : 1;
    h->extensions = o;
    h->end = end;
    assert_true(o <= end);
    if (o < end) {
        assert_true(o + 2 + be(msg + o, 2) == end);
    }
}

int tp_hello_ext(const uint8_t *msg, size_t len, uint16_t type, size_t *off,
                 size_t *data_len)
{
    tp_hello h;
    tp_hello_parse(msg, len, &h);
    if (h.extensions == h.end) {
        return 0;
    }
    size_t o = h.extensions + 2;
    while (o + 4 <= h.end) {
        size_t t = be(msg + o, 2), l = be(msg + o + 2, 2);
        assert_true(o + 4 + l <= h.end);
        if (t == type) {
            *off = o + 4;
            *data_len = l;
            return 1;
        }
        o += 4 + l;
    }
    return 0;
}

/* ---- a handshake stopped at a flight ------------------------------------- */

void tp_evil_start(tp_evil *e, const tp_evil_opts *o)
{
    static const tp_evil_opts none = {0};
    if (o == NULL) {
        o = &none;
    }
    memset(e, 0, sizeof(*e));
    e->cc = tp_client_conf();
    e->sc = tp_server_conf(o->kind != NULL ? o->kind : "ecdsa-p256");
    assert_clasp_ok(clasp_conf_keylog(e->cc, tp_keylog_cb, &e->ckl));
    assert_clasp_ok(clasp_conf_keylog(e->sc, tp_keylog_cb, &e->skl));
    if (o->client_auth) {
        assert_clasp_ok(clasp_conf_authmode(e->sc, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(e->sc, TP_PKI "all-roots.pem"));
        tp_conf_add_cert(e->cc, "ed25519");
    }
    if (o->suites != NULL) {
        assert_clasp_ok(
            clasp_conf_ciphersuites(e->cc, o->suites, o->suite_count));
    }
    if (o->groups != NULL) {
        assert_clasp_ok(clasp_conf_groups(e->sc, o->groups, o->group_count));
    }
    if (o->sig_algs != NULL) {
        assert_clasp_ok(
            clasp_conf_sig_algs(e->cc, o->sig_algs, o->sig_alg_count));
    }
    tp_pair_init(&e->t, e->cc, e->sc, 0, 0, "localhost");
    e->plain.buf = malloc(TP_CAP);
    assert_non_null(e->plain.buf);
    assert_clasp_err(clasp_handshake(e->t.cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(e->t.srv), CLASP_ERR_WANT_READ);
}

void tp_evil_free(tp_evil *e)
{
    tp_pair_free(&e->t);
    clasp_config_free(e->cc);
    clasp_config_free(e->sc);
    free(e->plain.buf);
    e->plain.buf = NULL;
}

void tp_requeue(tp_queue *plain, tp_queue *q)
{
    tp_q_push(plain, q->buf, q->len);
    tp_q_clear(q);
    tp_q_push(q, plain->buf, plain->len);
    tp_q_clear(plain);
}

static void take_flight(tp_evil *e, tp_queue *q, const tp_keylog *kl,
                        const char *label, tp_dir *d, tp_flight *f)
{
    tp_q_move_plain(q, &e->plain);
    uint8_t secret[64];
    tp_keylog_get(kl, label, secret);
    e->suite = (uint16_t)clasp_get_ciphersuite_id(e->t.srv);
    tp_dir_init(d, e->suite, secret);
    tp_flight_open(d, q, f);
    assert_int_equal(q->len, 0);
}

static void put_flight(tp_evil *e, tp_queue *q, tp_dir *d, tp_flight *f,
                       size_t frag)
{
    tp_dir fresh;
    tp_dir_init(&fresh, d->suite, d->secret);
    tp_flight_seal(&fresh, f, q, frag);
    tp_requeue(&e->plain, q);
    tp_dir_free(&fresh);
    tp_dir_free(d);
    tp_flight_free(f);
}

void tp_evil_take_server_flight(tp_evil *e, tp_dir *d, tp_flight *f)
{
    take_flight(e, &e->t.p.q[1], &e->skl, "SERVER_HANDSHAKE_TRAFFIC_SECRET", d,
                f);
}

void tp_evil_put_server_flight(tp_evil *e, tp_dir *d, tp_flight *f, size_t frag)
{
    put_flight(e, &e->t.p.q[1], d, f, frag);
}

void tp_evil_take_client_flight(tp_evil *e, tp_dir *d, tp_flight *f)
{
    assert_clasp_ok(clasp_handshake(e->t.cli));
    take_flight(e, &e->t.p.q[0], &e->ckl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", d,
                f);
}

void tp_evil_put_client_flight(tp_evil *e, tp_dir *d, tp_flight *f, size_t frag)
{
    put_flight(e, &e->t.p.q[0], d, f, frag);
}

void tp_evil_client_fails(tp_evil *e, int err)
{
    tp_q_clear(&e->t.p.q[0]);
    assert_clasp_err(clasp_handshake(e->t.cli), err);
    int alert = clasp_error_alert(err);
    unsigned char b[4];
    assert_clasp_err(clasp_handshake(e->t.cli), err);
    assert_clasp_err(clasp_read(e->t.cli, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(e->t.cli, b, sizeof(b)), err);
    if (alert == CLASP_ALERT_NONE) {
        assert_int_equal(e->t.p.q[0].len, 0);
        return;
    }
    assert_int_equal(tp_q_expect_plain_alert(&e->t.p.q[0]), alert);
    tp_q_clear(&e->t.p.q[1]);
    assert_clasp_err(clasp_handshake(e->t.srv), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(e->t.srv), alert);
}

void tp_evil_server_fails(tp_evil *e, int err)
{
    tp_q_clear(&e->t.p.q[1]);
    assert_clasp_err(clasp_handshake(e->t.srv), err);
    unsigned char b[4];
    assert_clasp_err(clasp_read(e->t.srv, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(e->t.srv, b, 1), err);
    assert_clasp_err(clasp_read(e->t.cli, b, sizeof(b)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(e->t.cli), clasp_error_alert(err));
}
