#include "testlib.h"

#include "pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "crypto/suites.h"
#include "keysched/keysched.h"

/* ---- the pipe ------------------------------------------------------------ */

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

/* ---- configurations ------------------------------------------------------ */

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

/* ---- pairs --------------------------------------------------------------- */

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

/* ---- transfers ----------------------------------------------------------- */

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
    static _Thread_local uint8_t rbuf[40000]; /* test_threads */
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

/* ---- raw records --------------------------------------------------------- */

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

/* ---- the matrix case runner ---------------------------------------------- */

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
