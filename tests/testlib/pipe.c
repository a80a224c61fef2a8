#include "testlib.h"

#include "pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "crypto/suites.h"
#include "keysched/keysched.h"

/* ---- the pipe
 * ----------------------------------------------------------------- */

void tp_init(tp_pipe *p, size_t max_io, int write_block)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 2; i++) {
        p->q[i].buf = malloc(TP_CAP);
        assert_non_null(p->q[i].buf);
    }
    p->client.out = &p->q[0];
    p->server.in = &p->q[0];
    p->server.out = &p->q[1];
    p->client.in = &p->q[1];
    p->client.max_io = p->server.max_io = max_io;
    p->client.write_block = p->server.write_block = write_block;
}

void tp_free(tp_pipe *p)
{
    for (int i = 0; i < 2; i++) {
        free(p->q[i].buf);
        p->q[i].buf = NULL;
    }
}

int tp_send(void *ctx, const unsigned char *buf, size_t len)
{
    tp_end *e = ctx;
    e->calls++;
    if (e->hold || (e->write_block && (e->calls % 2) == 0)) {
        return CLASP_ERR_WANT_WRITE;
    }
    size_t n = len;
    if (e->max_io > 0 && n > e->max_io) {
        n = e->max_io;
    }
    if (n > TP_CAP - e->out->len) {
        n = TP_CAP - e->out->len;
    }
    if (n == 0) {
        return CLASP_ERR_WANT_WRITE;
    }
    memcpy(e->out->buf + e->out->len, buf, n);
    e->out->len += n;
    return (int)n;
}

int tp_recv(void *ctx, unsigned char *buf, size_t len)
{
    tp_end *e = ctx;
    if (e->in->len == 0) {
        return e->closed ? 0 : CLASP_ERR_WANT_READ;
    }
    size_t n = len < e->in->len ? len : e->in->len;
    if (e->max_io > 0 && n > e->max_io) {
        n = e->max_io;
    }
    memcpy(buf, e->in->buf, n);
    memmove(e->in->buf, e->in->buf + n, e->in->len - n);
    e->in->len -= n;
    return (int)n;
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

static int fatal(int rc)
{
    return rc < 0 && !retry(rc);
}

/* Bounded: a one-byte pipe needs a few hundred thousand rounds at most for
 * any handshake here. */
#define TP_MAX_ROUNDS 2000000

static int finish_failed(clasp_context *cli, clasp_context *srv, int *cli_rc,
                         int *srv_rc)
{
    /* Let the other side read the alert. */
    if (retry(*cli_rc)) {
        *cli_rc = clasp_handshake(cli);
    }
    if (retry(*srv_rc)) {
        *srv_rc = clasp_handshake(srv);
    }
    return fatal(*cli_rc) ? *cli_rc : *srv_rc;
}

int tp_handshake(clasp_context *cli, clasp_context *srv, int *cli_rc,
                 int *srv_rc)
{
    *cli_rc = *srv_rc = CLASP_ERR_WANT_READ;
    for (int round = 0; round < TP_MAX_ROUNDS; round++) {
        if (retry(*cli_rc)) {
            *cli_rc = clasp_handshake(cli);
        }
        if (retry(*srv_rc)) {
            *srv_rc = clasp_handshake(srv);
        }
        if (*cli_rc == 0 && *srv_rc == 0) {
            return 0;
        }
        if (fatal(*cli_rc) || fatal(*srv_rc)) {
            return finish_failed(cli, srv, cli_rc, srv_rc);
        }
    }
    return CLASP_ERR_INTERNAL;
}

int tp_handshake_shuffled(clasp_context *cli, clasp_context *srv, uint32_t seed,
                          int *cli_rc, int *srv_rc)
{
    uint32_t x = seed != 0 ? seed : 1;
    *cli_rc = *srv_rc = CLASP_ERR_WANT_READ;
    for (int round = 0; round < TP_MAX_ROUNDS; round++) {
        /* xorshift32 */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bool client_turn = (x & 1) != 0;
        if (client_turn && retry(*cli_rc)) {
            *cli_rc = clasp_handshake_step(cli);
            if (*cli_rc == 0 && !clasp_is_handshake_over(cli)) {
                *cli_rc = CLASP_ERR_WANT_READ;
            }
        }
        if (!client_turn && retry(*srv_rc)) {
            *srv_rc = clasp_handshake_step(srv);
            if (*srv_rc == 0 && !clasp_is_handshake_over(srv)) {
                *srv_rc = CLASP_ERR_WANT_READ;
            }
        }
        if (*cli_rc == 0 && *srv_rc == 0) {
            return 0;
        }
        if (fatal(*cli_rc) || fatal(*srv_rc)) {
            return finish_failed(cli, srv, cli_rc, srv_rc);
        }
    }
    return CLASP_ERR_INTERNAL;
}

/* ---- configurations
 * ---------------------------------------------------------- */

const char *const tp_kinds[TP_KIND_COUNT] = {
    "rsa2048",    "rsapss",  "ecdsa-p256", "ecdsa-p384",
    "ecdsa-p521", "ed25519", "ed448",
};

void tp_conf_add_cert(clasp_config *conf, const char *kind)
{
    char chain[512], key[512];
    snprintf(chain, sizeof(chain), TP_PKI "%s/chain.pem", kind);
    snprintf(key, sizeof(key), TP_PKI "%s/leaf.key", kind);
    assert_clasp_ok(clasp_conf_own_cert_file(conf, chain, key, NULL));
}

clasp_config *tp_server_conf(const char *kind)
{
    clasp_config *conf = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(conf);
    if (kind != NULL) {
        tp_conf_add_cert(conf, kind);
    }
    return conf;
}

clasp_config *tp_client_conf(void)
{
    clasp_config *conf = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(conf);
    assert_clasp_ok(clasp_conf_ca_file(conf, TP_PKI "all-roots.pem"));
    return conf;
}

/* ---- pairs
 * ------------------------------------------------------------------------ */

void tp_pair_init(tp_pair *t, clasp_config *cc, clasp_config *sc, size_t max_io,
                  int write_block, const char *hostname)
{
    memset(t, 0, sizeof(*t));
    tp_init(&t->p, max_io, write_block);
    t->cli = clasp_new();
    t->srv = clasp_new();
    assert_non_null(t->cli);
    assert_non_null(t->srv);
    assert_clasp_ok(clasp_setup(t->cli, cc));
    assert_clasp_ok(clasp_setup(t->srv, sc));
    if (hostname != NULL) {
        assert_clasp_ok(clasp_set_hostname(t->cli, hostname));
    }
    clasp_set_bio(t->cli, &t->p.client, tp_send, tp_recv, NULL);
    clasp_set_bio(t->srv, &t->p.server, tp_send, tp_recv, NULL);
    t->crc = t->src = CLASP_ERR_WANT_READ;
}

void tp_pair_free(tp_pair *t)
{
    clasp_free(t->cli);
    clasp_free(t->srv);
    tp_free(&t->p);
    t->cli = t->srv = NULL;
}

int tp_pair_handshake(tp_pair *t)
{
    return tp_handshake(t->cli, t->srv, &t->crc, &t->src);
}

void tp_pair_connect(tp_pair *t)
{
    int rc = tp_pair_handshake(t);
    if (rc != 0) {
        fail_msg("handshake failed: client %s (alert %d), server %s "
                 "(alert %d)",
                 clasp_error_name(t->crc), clasp_get_peer_alert(t->cli),
                 clasp_error_name(t->src), clasp_get_peer_alert(t->srv));
    }
    assert_int_equal(clasp_is_handshake_over(t->cli), 1);
    assert_int_equal(clasp_is_handshake_over(t->srv), 1);
}

/* ---- transfers
 * ------------------------------------------------------------------ */

uint64_t tp_fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Source of the bytes to send: a caller buffer or a generator. */
typedef struct {
    const uint8_t *buf; /* NULL: generate from seed */
    uint64_t seed;
    uint8_t chunk[20000];
    size_t chunk_len;
    size_t chunk_off;
} tp_src;

static int pump(clasp_context *from, clasp_context *to, size_t total,
                tp_src *src, uint64_t *sent_hash, uint64_t *recv_hash,
                uint8_t *recv_copy)
{
    static uint8_t rbuf[40000];
    size_t sent = 0, recvd = 0;
    *sent_hash = *recv_hash = TP_FNV_INIT;
    /* Each round moves at least one byte in one mode or another; the
     * bound is generous for one-byte pipes. */
    size_t max_rounds = 1000000 + total * 20;
    for (size_t round = 0; round < max_rounds; round++) {
        if (sent < total) {
            if (src->chunk_off == src->chunk_len) {
                size_t n = total - sent;
                if (n > sizeof(src->chunk)) {
                    n = sizeof(src->chunk);
                }
                if (src->buf != NULL) {
                    memcpy(src->chunk, src->buf + sent, n);
                } else {
                    for (size_t i = 0; i < n; i += 8) {
                        uint64_t v = splitmix(&src->seed);
                        size_t k = n - i < 8 ? n - i : 8;
                        memcpy(src->chunk + i, &v, k);
                    }
                }
                src->chunk_len = n;
                src->chunk_off = 0;
                *sent_hash = tp_fnv(*sent_hash, src->chunk, n);
            }
            int n = clasp_write(from, src->chunk + src->chunk_off,
                                src->chunk_len - src->chunk_off);
            if (n > 0) {
                src->chunk_off += (size_t)n;
                sent += (size_t)n;
            } else if (fatal(n)) {
                return n;
            }
        } else {
            int n = clasp_write(from, NULL, 0); /* flush */
            if (fatal(n)) {
                return n;
            }
        }
        int n = clasp_read(to, rbuf, sizeof(rbuf));
        if (n > 0) {
            if ((size_t)n > total - recvd) {
                fail_msg("received %d bytes more than sent", n);
            }
            *recv_hash = tp_fnv(*recv_hash, rbuf, (size_t)n);
            if (recv_copy != NULL) {
                memcpy(recv_copy + recvd, rbuf, (size_t)n);
            }
            recvd += (size_t)n;
        } else if (fatal(n)) {
            return n;
        }
        if (sent == total && recvd == total) {
            return 0;
        }
    }
    fail_msg("transfer stalled: sent %zu received %zu of %zu", sent, recvd,
             total);
    return CLASP_ERR_INTERNAL;
}

int tp_transfer(clasp_context *from, clasp_context *to, const uint8_t *buf,
                size_t len)
{
    tp_src *src = calloc(1, sizeof(*src));
    uint8_t *copy = malloc(len + 1);
    assert_non_null(src);
    assert_non_null(copy);
    src->buf = buf;
    uint64_t hs, hr;
    int rc = pump(from, to, len, src, &hs, &hr, copy);
    if (rc == 0) {
        assert_memory_equal(copy, buf, len);
    }
    free(copy);
    free(src);
    return rc;
}

int tp_stream(clasp_context *from, clasp_context *to, size_t total,
              uint64_t seed, uint64_t *sent_hash, uint64_t *recv_hash)
{
    tp_src *src = calloc(1, sizeof(*src));
    assert_non_null(src);
    src->seed = seed;
    int rc = pump(from, to, total, src, sent_hash, recv_hash, NULL);
    free(src);
    return rc;
}

/* ---- raw records
 * ------------------------------------------------------------------ */

void tp_q_push(tp_queue *q, const void *p, size_t n)
{
    assert_true(n <= TP_CAP - q->len);
    if (n == 0) {
        return;
    }
    memcpy(q->buf + q->len, p, n);
    q->len += n;
}

void tp_q_record(tp_queue *q, uint8_t type, const void *body, size_t len)
{
    assert_true(len <= 0xffff);
    uint8_t h[5] = {type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
    tp_q_push(q, h, 5);
    tp_q_push(q, body, len);
}

void tp_q_clear(tp_queue *q)
{
    q->len = 0;
}

size_t tp_q_head_len(const tp_queue *q)
{
    if (q->len < 5) {
        return 0;
    }
    size_t n = 5 + ((size_t)q->buf[3] << 8 | q->buf[4]);
    return n <= q->len ? n : 0;
}

size_t tp_q_pop(tp_queue *q, uint8_t *out, size_t cap)
{
    size_t n = tp_q_head_len(q);
    assert_true(n > 0 && n <= cap);
    memcpy(out, q->buf, n);
    memmove(q->buf, q->buf + n, q->len - n);
    q->len -= n;
    return n;
}

int tp_q_expect_plain_alert(const tp_queue *q)
{
    if (q->len != 7 || q->buf[0] != 21 || q->buf[1] != 3 || q->buf[2] != 3 ||
        q->buf[3] != 0 || q->buf[4] != 2 || q->buf[5] != 2) {
        char hex[64] = "";
        for (size_t i = 0; i < q->len && i < 16; i++) {
            snprintf(hex + 2 * i, 3, "%02x", q->buf[i]);
        }
        fail_msg("expected one plaintext fatal alert record, got %zu bytes "
                 "(%s...)",
                 q->len, hex);
    }
    return q->buf[6];
}

void tp_q_move_plain(tp_queue *q, tp_queue *out)
{
    uint8_t rec[5 + 16384 + 256];
    for (int i = 0; i < 64 && q->len >= 5 && q->buf[0] != 23; i++) {
        size_t n = tp_q_pop(q, rec, sizeof(rec));
        tp_q_push(out, rec, n);
    }
}

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

/* ---- evil peer record protection
 * ----------------------------------------------- */

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

/* ---- flights
 * ---------------------------------------------------------------------- */

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

void tp_flight_seal(tp_dir *d, const tp_flight *f, tp_queue *q)
{
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
        size_t n = total - off > 16384 ? 16384 : total - off;
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

/* ---- the matrix case runner --------------------------------------------- */

uint8_t *tp_pem_der(const char *path, size_t *len)
{
    size_t pem_len;
    uint8_t *pem = th_read_file(path, &pem_len);
    clasp_provider *prov = NULL;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    clasp_span *ders = NULL;
    size_t count = 0;
    assert_clasp_ok(prov->cert_decode(prov->ctx, pem, pem_len, &ders, &count));
    assert_true(count >= 1);
    uint8_t *out = malloc(ders[0].len);
    assert_non_null(out);
    memcpy(out, ders[0].p, ders[0].len);
    *len = ders[0].len;
    clasp_mem_free(ders);
    prov->destroy(prov);
    th_free(pem);
    return out;
}

uint8_t *tp_leaf_der(const char *kind, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "pki/%s/leaf.pem", kind);
    return tp_pem_der(path, len);
}

uint16_t tp_kind_sig_alg(const char *kind)
{
    /* RFC 8446 §4.2.3: ECDSA schemes name the curve; RSA keys sign with
     * RSASSA-PSS in TLS 1.3, rsae for rsaEncryption keys and pss for
     * RSASSA-PSS keys; SHA-256 is first in the default preference list
     * (API.md). */
    static const struct {
        const char *kind;
        uint16_t alg;
    } map[] = {
        {"rsa2048", CLASP_SIG_RSA_PSS_RSAE_SHA256},
        {"rsapss", CLASP_SIG_RSA_PSS_PSS_SHA256},
        {"ecdsa-p256", CLASP_SIG_ECDSA_SECP256R1_SHA256},
        {"ecdsa-p384", CLASP_SIG_ECDSA_SECP384R1_SHA384},
        {"ecdsa-p521", CLASP_SIG_ECDSA_SECP521R1_SHA512},
        {"ed25519", CLASP_SIG_ED25519},
        {"ed448", CLASP_SIG_ED448},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i].kind, kind) == 0) {
            return map[i].alg;
        }
    }
    fail_msg("unknown kind %s", kind);
    return 0;
}

static void check_peer_cert(const clasp_context *c, const char *kind)
{
    const unsigned char *der;
    size_t len;
    if (kind == NULL) {
        assert_clasp_err(clasp_get_peer_cert(c, &der, &len),
                         CLASP_ERR_NOT_FOUND);
        return;
    }
    assert_clasp_ok(clasp_get_peer_cert(c, &der, &len));
    size_t want_len;
    uint8_t *want = tp_leaf_der(kind, &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(want);
}

void tp_run_case(const tp_case *c)
{
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf(c->srv_kind);
    assert_clasp_ok(clasp_conf_ciphersuites(cc, &c->suite, 1));
    assert_clasp_ok(clasp_conf_groups(cc, &c->group, 1));
    if (c->cli_kind != NULL) {
        tp_conf_add_cert(cc, c->cli_kind);
        assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    }
    tp_pair t;
    tp_pair_init(&t, cc, sc, c->max_io, c->write_block, "localhost");
    int rc;
    if (c->shuffle_seed != 0) {
        rc = tp_handshake_shuffled(t.cli, t.srv, c->shuffle_seed, &t.crc,
                                   &t.src);
    } else {
        rc = tp_pair_handshake(&t);
    }
    if (rc != 0) {
        fail_msg("%s/%s/%s/%s io %zu/%d: client %s server %s",
                 clasp_ciphersuite_name(c->suite), clasp_group_name(c->group),
                 c->srv_kind, c->cli_kind != NULL ? c->cli_kind : "-",
                 c->max_io, c->write_block, clasp_error_name(t.crc),
                 clasp_error_name(t.src));
    }
    clasp_context *both[2] = {t.cli, t.srv};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(clasp_is_handshake_over(both[i]), 1);
        assert_int_equal(clasp_get_version_number(both[i]),
                         CLASP_VERSION_TLS1_3);
        assert_string_equal(clasp_get_version(both[i]), "TLSv1.3");
        assert_int_equal(clasp_get_ciphersuite_id(both[i]), c->suite);
        assert_string_equal(clasp_get_ciphersuite(both[i]),
                            clasp_ciphersuite_name(c->suite));
        assert_int_equal(clasp_get_group(both[i]), c->group);
        assert_int_equal(clasp_get_hrr_used(both[i]), 0);
        assert_int_equal(clasp_get_peer_alert(both[i]), -1);
    }
    assert_int_equal(clasp_get_peer_sig_alg(t.cli),
                     tp_kind_sig_alg(c->srv_kind));
    assert_int_equal(clasp_get_peer_sig_alg(t.srv),
                     c->cli_kind != NULL ? tp_kind_sig_alg(c->cli_kind) : 0);
    check_peer_cert(t.cli, c->srv_kind);
    check_peer_cert(t.srv, c->cli_kind);

    /* Application data both ways: a short message, then one larger than a
     * record (several records, a partial last one). */
    static uint8_t data[40000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7 + c->suite + c->group);
    }
    assert_clasp_ok(tp_transfer(t.cli, t.srv, data, 17));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, data + 1, 33));
    size_t big = c->max_io == 1 ? 20000 : sizeof(data);
    assert_clasp_ok(tp_transfer(t.cli, t.srv, data, big));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, data, big));
    assert_int_equal(clasp_get_bytes_avail(t.cli), 0);
    assert_int_equal(clasp_get_bytes_avail(t.srv), 0);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
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
