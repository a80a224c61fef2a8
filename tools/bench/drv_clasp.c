/*
 * The clasp contender: a client and a server context in one process, joined
 * by two in-memory queues through clasp's send/recv callbacks. Only the
 * public API (clasp/clasp.h) is used, as an application would.
 *
 * A handshake costs each side: clasp_new + clasp_setup (+ hostname on the
 * client) + every clasp_handshake call + clasp_free, each metered for its
 * side. Configurations are made once per figure (not metered): X25519
 * only, one cipher suite, the test PKI's chain and key on the server, its
 * roots on the client (verification REQUIRED, host "localhost").
 *
 * Full handshakes: the server issues no session ticket (as libssl's in
 * drv_libssl.c). Resumed handshakes (psk_dhe_ke, clasp's default mode):
 * the server issues one ticket per handshake, sent right after it
 * (clasp_write(srv, NULL, 0) sends the tickets due), the client reads it
 * (clasp_read until WANT_READ) and keeps it (clasp_get_session), and the
 * next client resumes with it (clasp_set_session): a steady stream of
 * resumptions, as the libssl driver does; all of it metered per side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clasp/clasp.h"

#define QUEUE_HS (64u * 1024u)
#define HOST "localhost"

typedef struct {
    bench_queue *in;
    bench_queue *out;
} q_end;

typedef struct {
    bench_fig fig;
    clasp_config *sconf;
    clasp_config *cconf;
    clasp_session *sess; /* resumed handshakes: the latest ticket */
    int resumed_once;    /* sess holds a ticket (the first one came) */
    bench_queue q[2];    /* [0] client -> server, [1] server -> client */
    q_end srv_end;
    q_end cli_end;
    /* bulk: a connected pair and buffers */
    clasp_context *srv;
    clasp_context *cli;
    uint8_t *wbuf;
    uint8_t *rbuf;
} clasp_fig;

static int q_send(void *ctx, const unsigned char *buf, size_t len)
{
    q_end *e = ctx;
    bench_queue *q = e->out;
    if (q->off == q->len) {
        q->off = q->len = 0;
    }
    size_t room = q->cap - q->len;
    size_t n = len < room ? len : room;
    if (n == 0) {
        return CLASP_ERR_WANT_WRITE;
    }
    if (n > INT32_MAX) {
        n = INT32_MAX;
    }
    memcpy(q->buf + q->len, buf, n);
    q->len += n;
    return (int)n;
}

static int q_recv(void *ctx, unsigned char *buf, size_t len)
{
    q_end *e = ctx;
    bench_queue *q = e->in;
    size_t avail = q->len - q->off;
    size_t n = len < avail ? len : avail;
    if (n == 0) {
        return CLASP_ERR_WANT_READ;
    }
    if (n > INT32_MAX) {
        n = INT32_MAX;
    }
    memcpy(buf, q->buf + q->off, n);
    q->off += n;
    if (q->off == q->len) {
        q->off = q->len = 0;
    }
    return (int)n;
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

static int fail(const char *what, int rc)
{
    bench_err("clasp", "%s: %s", what, clasp_error_name(rc));
    return -1;
}

static clasp_config *make_conf(const bench_fig *fig, int endpoint)
{
    uint16_t group = CLASP_GROUP_X25519;
    uint16_t suite = fig->suite;
    char chain[1024], key[1024];
    clasp_config *conf = clasp_config_new(endpoint);
    if (conf == NULL) {
        bench_err("clasp", "clasp_config_new failed");
        return NULL;
    }
    int rc = clasp_conf_ciphersuites(conf, &suite, 1);
    if (rc == 0) {
        rc = clasp_conf_groups(conf, &group, 1);
    }
    if (rc == 0 && endpoint == CLASP_IS_SERVER) {
        /* One ticket per resumed handshake; none on full handshakes. */
        rc = clasp_conf_session_tickets(conf, fig->kind == FIG_RESUMED);
    }
    if (rc == 0 && endpoint == CLASP_IS_SERVER) {
        snprintf(chain, sizeof(chain), "%s/%s/chain.pem", fig->pki,
                 bench_key_dir(fig->key));
        snprintf(key, sizeof(key), "%s/%s/leaf.key", fig->pki,
                 bench_key_dir(fig->key));
        rc = clasp_conf_own_cert_file(conf, chain, key, NULL);
    }
    if (rc == 0 && endpoint == CLASP_IS_CLIENT) {
        snprintf(chain, sizeof(chain), "%s/all-roots.pem", fig->pki);
        rc = clasp_conf_ca_file(conf, chain);
    }
    if (rc != 0) {
        fail("configuration", rc);
        clasp_config_free(conf);
        return NULL;
    }
    return conf;
}

/* Resumed handshakes: the server sends the ticket due, the client reads
 * it and keeps it for the next handshake (which must have resumed, after
 * the first). */
static int next_ticket(clasp_fig *f, bench_meter *m, clasp_context *srv,
                       clasp_context *cli)
{
    unsigned char b[1];
    meter_on(m, BENCH_SERVER);
    int rc = clasp_write(srv, b, 0);
    meter_off(m);
    if (rc != 0) {
        return fail("server ticket", rc);
    }
    meter_on(m, BENCH_CLIENT);
    rc = clasp_read(cli, b, sizeof(b));
    if (rc == CLASP_ERR_WANT_READ) {
        rc = clasp_get_session(cli, f->sess);
    }
    meter_off(m);
    if (rc != 0) {
        return fail("client ticket", rc);
    }
    if (f->resumed_once && (clasp_is_session_resumed(cli) != 1 ||
                            clasp_is_session_resumed(srv) != 1 ||
                            clasp_get_tls13_key_exchange_mode(cli) !=
                                CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL)) {
        bench_err("clasp", "session was not resumed with psk_dhe_ke");
        return -1;
    }
    f->resumed_once = 1;
    return 0;
}

/* One full handshake. With keep != NULL the connected pair is returned
 * instead of freed (bulk setup, heap figures). */
static int hs_one(clasp_fig *f, bench_meter *m, clasp_context **keep_srv,
                  clasp_context **keep_cli)
{
    int rc = 0, crc = CLASP_ERR_WANT_READ, src = CLASP_ERR_WANT_READ;
    f->q[0].off = f->q[0].len = 0;
    f->q[1].off = f->q[1].len = 0;

    meter_on(m, BENCH_SERVER);
    clasp_context *srv = clasp_new();
    if (srv != NULL) {
        rc = clasp_setup(srv, f->sconf);
        clasp_set_bio(srv, &f->srv_end, q_send, q_recv, NULL);
    }
    meter_off(m);
    meter_on(m, BENCH_CLIENT);
    clasp_context *cli = clasp_new();
    if (cli != NULL && rc == 0) {
        rc = clasp_setup(cli, f->cconf);
        clasp_set_bio(cli, &f->cli_end, q_send, q_recv, NULL);
        if (rc == 0) {
            rc = clasp_set_hostname(cli, HOST);
        }
        if (rc == 0 && f->sess != NULL) {
            rc = clasp_set_session(cli, f->sess);
        }
    }
    meter_off(m);
    if (srv == NULL || cli == NULL || rc != 0) {
        rc = fail("context setup", rc != 0 ? rc : CLASP_ERR_ALLOC_FAILED);
        goto cleanup;
    }
    /* A full handshake takes two calls per side; bounded well above. */
    for (int i = 0; i < 16 && (crc != 0 || src != 0); i++) {
        if (crc != 0) {
            meter_on(m, BENCH_CLIENT);
            crc = clasp_handshake(cli);
            meter_off(m);
            if (crc != 0 && !retry(crc)) {
                rc = fail("client handshake", crc);
                goto cleanup;
            }
        }
        if (src != 0) {
            meter_on(m, BENCH_SERVER);
            src = clasp_handshake(srv);
            meter_off(m);
            if (src != 0 && !retry(src)) {
                rc = fail("server handshake", src);
                goto cleanup;
            }
        }
    }
    if (crc != 0 || src != 0) {
        bench_err("clasp", "handshake did not complete");
        rc = -1;
        goto cleanup;
    }
    if (f->fig.kind == FIG_RESUMED) {
        rc = next_ticket(f, m, srv, cli);
        if (rc != 0) {
            goto cleanup;
        }
    }
    if (f->q[0].len != f->q[0].off || f->q[1].len != f->q[1].off) {
        bench_err("clasp", "bytes left over after the handshake");
        rc = -1;
        goto cleanup;
    }
    if (keep_srv != NULL) {
        *keep_srv = srv;
        *keep_cli = cli;
        return 0;
    }
cleanup:
    meter_on(m, BENCH_SERVER);
    clasp_free(srv);
    meter_off(m);
    meter_on(m, BENCH_CLIENT);
    clasp_free(cli);
    meter_off(m);
    return rc;
}

static const char *clasp_unavailable(bench_fig_kind kind)
{
    (void)kind;
    return NULL;
}

static void clasp_fig_free(void *p)
{
    clasp_fig *f = p;
    if (f == NULL) {
        return;
    }
    clasp_free(f->srv);
    clasp_free(f->cli);
    clasp_config_free(f->sconf);
    clasp_config_free(f->cconf);
    clasp_session_free(f->sess);
    bench_queue_free(&f->q[0]);
    bench_queue_free(&f->q[1]);
    free(f->wbuf);
    free(f->rbuf);
    free(f);
}

/* Write batch records of rec_len bytes (sender), then read them all back
 * (receiver). */
static int bulk_batch(clasp_fig *f, bench_meter *m)
{
    size_t len = f->fig.rec_len;
    size_t total = len * f->fig.batch;
    meter_on(m, BENCH_SENDER);
    for (size_t i = 0; i < f->fig.batch; i++) {
        int n = clasp_write(f->cli, f->wbuf, len);
        if (n != (int)len) {
            meter_off(m);
            return fail("clasp_write", n);
        }
    }
    meter_off(m);
    size_t got = 0;
    meter_on(m, BENCH_RECEIVER);
    /* Each read returns at least one byte, or fails. */
    for (size_t i = 0; i <= total && got < total; i++) {
        int n = clasp_read(f->srv, f->rbuf, CLASP_BENCH_READ_LEN);
        if (n <= 0) {
            meter_off(m);
            return fail("clasp_read", n);
        }
        got += (size_t)n;
    }
    meter_off(m);
    if (got != total) {
        bench_err("clasp", "read %zu of %zu bytes", got, total);
        return -1;
    }
    return 0;
}

static void *clasp_fig_new(const bench_fig *fig)
{
    clasp_fig *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->fig = *fig;
    size_t qcap = QUEUE_HS;
    if (fig->kind == FIG_BULK) {
        qcap = fig->batch * (fig->rec_len + 64) + QUEUE_HS;
    }
    if (bench_queue_init(&f->q[0], qcap) != 0 ||
        bench_queue_init(&f->q[1], qcap) != 0) {
        clasp_fig_free(f);
        return NULL;
    }
    f->cli_end = (q_end){&f->q[1], &f->q[0]};
    f->srv_end = (q_end){&f->q[0], &f->q[1]};
    f->sconf = make_conf(fig, CLASP_IS_SERVER);
    f->cconf = make_conf(fig, CLASP_IS_CLIENT);
    if (f->sconf == NULL || f->cconf == NULL) {
        clasp_fig_free(f);
        return NULL;
    }
    bench_meter m;
    meter_reset(&m);
    if (fig->kind == FIG_RESUMED) {
        /* A first full handshake yields the first ticket. */
        f->sess = clasp_session_new();
        if (f->sess == NULL || hs_one(f, &m, NULL, NULL) != 0) {
            clasp_fig_free(f);
            return NULL;
        }
        return f;
    }
    if (fig->kind != FIG_BULK) {
        return f;
    }
    f->wbuf = malloc(fig->rec_len);
    f->rbuf = malloc(CLASP_BENCH_READ_LEN);
    if (f->wbuf == NULL || f->rbuf == NULL ||
        hs_one(f, &m, &f->srv, &f->cli) != 0) {
        clasp_fig_free(f);
        return NULL;
    }
    for (size_t i = 0; i < fig->rec_len; i++) {
        f->wbuf[i] = (uint8_t)(i * 7u + 1u);
    }
    /* One checked record first: the bytes arrive intact. */
    int n = clasp_write(f->cli, f->wbuf, fig->rec_len);
    size_t got = 0;
    for (int i = 0; i < 64 && n > 0 && got < fig->rec_len; i++) {
        int r = clasp_read(f->srv, f->rbuf + got, CLASP_BENCH_READ_LEN - got);
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    if (n != (int)fig->rec_len || got != fig->rec_len ||
        memcmp(f->wbuf, f->rbuf, got) != 0 ||
        clasp_get_ciphersuite_id(f->cli) != fig->suite) {
        bench_err("clasp", "bulk check failed");
        clasp_fig_free(f);
        return NULL;
    }
    return f;
}

static int clasp_fig_run(void *p, int n, bench_meter *m)
{
    clasp_fig *f = p;
    for (int i = 0; i < n; i++) {
        int rc = f->fig.kind == FIG_BULK ? bulk_batch(f, m)
                                         : hs_one(f, m, NULL, NULL);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

const bench_impl bench_clasp = {
    "clasp", clasp_unavailable, clasp_fig_new, clasp_fig_run, clasp_fig_free,
};

/* ---- heap figures ---------------------------------------------------------
 */

/* One full-size record each way on a connected pair. */
static int exchange(clasp_fig *f, bench_meter *m, clasp_context *from,
                    int from_side, clasp_context *to, int to_side)
{
    meter_on(m, from_side);
    int n = clasp_write(from, f->wbuf, CLASP_BENCH_READ_LEN);
    meter_off(m);
    size_t got = 0;
    for (int i = 0; i < 64 && n > 0 && got < CLASP_BENCH_READ_LEN; i++) {
        meter_on(m, to_side);
        int r = clasp_read(to, f->rbuf, CLASP_BENCH_READ_LEN);
        meter_off(m);
        if (r <= 0) {
            return fail("clasp_read", r);
        }
        got += (size_t)r;
    }
    return n == CLASP_BENCH_READ_LEN && got == CLASP_BENCH_READ_LEN ? 0 : -1;
}

int bench_clasp_heap(const bench_fig *fig, bench_heap_result *out)
{
    memset(out, 0, sizeof(*out));
    bench_fig hf = *fig;
    hf.kind = FIG_FULL;
    heap_set_owner(BENCH_HARNESS);
    clasp_fig *f = clasp_fig_new(&hf);
    if (f == NULL) {
        return -1;
    }
    f->wbuf = calloc(1, CLASP_BENCH_READ_LEN);
    f->rbuf = calloc(1, CLASP_BENCH_READ_LEN);
    bench_meter m;
    meter_reset(&m);
    int rc = f->wbuf != NULL && f->rbuf != NULL ? 0 : -1;
    /* Warm up: libcrypto's lazily built caches are not per connection. */
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = hs_one(f, &m, NULL, NULL);
    }
    heap_stats before, after_hs, after_io, after_rel;
    clasp_context *srv = NULL, *cli = NULL;
    if (rc == 0) {
        heap_get(&before);
        heap_reset_peak(BENCH_SERVER);
        heap_reset_peak(BENCH_CLIENT);
        rc = hs_one(f, &m, &srv, &cli);
    }
    if (rc == 0) {
        heap_get(&after_hs);
        rc = exchange(f, &m, cli, BENCH_CLIENT, srv, BENCH_SERVER);
    }
    if (rc == 0) {
        rc = exchange(f, &m, srv, BENCH_SERVER, cli, BENCH_CLIENT);
    }
    if (rc == 0) {
        heap_get(&after_io);
        /* Idle again: release the record buffers (clasp_release_buffers),
         * as libssl's SSL_MODE_RELEASE_BUFFERS does on its own. */
        meter_on(&m, BENCH_SERVER);
        int srel = clasp_release_buffers(srv);
        meter_off(&m);
        meter_on(&m, BENCH_CLIENT);
        int crel = clasp_release_buffers(cli);
        meter_off(&m);
        if (srel != 0 || crel != 0) {
            rc = fail("clasp_release_buffers", srel != 0 ? srel : crel);
        }
        heap_get(&after_rel);
    }
    if (rc == 0) {
        for (int s = 0; s < BENCH_SIDES; s++) {
            for (int k = 0; k < HEAP_SRCS; k++) {
                out->calls[s][k] =
                    (double)(after_hs.calls[s][k] - before.calls[s][k]);
            }
            long long base = heap_live(&before, s);
            out->peak[s] = after_hs.peak[s] - base;
            out->idle[s] = heap_live(&after_hs, s) - base;
            out->active[s] = heap_live(&after_io, s) - base;
            out->released[s] = heap_live(&after_rel, s) - base;
        }
        out->valid = 1;
    }
    meter_on(&m, BENCH_SERVER);
    clasp_free(srv);
    meter_off(&m);
    meter_on(&m, BENCH_CLIENT);
    clasp_free(cli);
    meter_off(&m);
    clasp_fig_free(f);
    return rc;
}
