/*
 * The libssl contender: OpenSSL's own TLS 1.3, configured to do the same
 * work as clasp, its two ends joined by a BIO pair (in-memory ring
 * buffers). This file is the only one that calls SSL_* functions; libssl
 * is linked into clasp-bench alone, never into libclasp.
 *
 * Same work as clasp: TLS 1.3 only, one cipher suite, X25519 only, the
 * same chain and key, the client verifying the chain against the same
 * roots with X509_V_FLAG_X509_STRICT, host "localhost" (SNI and name
 * check), middlebox compatibility on (both default). For full handshakes
 * the server issues no session tickets (clasp does not yet); for resumed
 * handshakes it issues one per handshake and the client reads it, as a
 * steady stream of resumptions would (psk_dhe_ke, libssl's default).
 *
 * A handshake costs each side: SSL_new + setup + every SSL_do_handshake
 * call (+ the client's read of the ticket when resuming) + SSL_free, each
 * metered for its side. The BIO pair belongs to the harness.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define PAIR_HS (64u * 1024u)
#define HOST "localhost"

typedef struct {
    bench_fig fig;
    SSL_CTX *sctx;
    SSL_CTX *cctx;
    SSL_SESSION *sess; /* resumed handshakes: the latest ticket */
    int release_buffers;
    /* bulk: a connected pair */
    SSL *srv;
    SSL *cli;
    BIO *sbio;
    BIO *cbio;
    uint8_t *wbuf;
    uint8_t *rbuf;
} ossl_fig;

static int ossl_fail(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    bench_err("libssl", "%s: %s", what, e != 0 ? buf : "failed");
    ERR_clear_error();
    return -1;
}

static SSL_CTX *make_ctx(const bench_fig *fig, int server)
{
    char chain[1024], key[1024];
    const char *suite = bench_suite_name(fig->suite);
    SSL_CTX *ctx = SSL_CTX_new_ex(
        NULL, NULL, server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL || suite == NULL) {
        ossl_fail("SSL_CTX_new");
        SSL_CTX_free(ctx);
        return NULL;
    }
    int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
             SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
             SSL_CTX_set_ciphersuites(ctx, suite) == 1 &&
             SSL_CTX_set1_groups_list(ctx, "X25519") == 1;
    if (ok && server) {
        snprintf(chain, sizeof(chain), "%s/%s/chain.pem", fig->pki,
                 bench_key_dir(fig->key));
        snprintf(key, sizeof(key), "%s/%s/leaf.key", fig->pki,
                 bench_key_dir(fig->key));
        ok =
            SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 &&
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
            SSL_CTX_check_private_key(ctx) == 1 &&
            SSL_CTX_set_num_tickets(ctx, fig->kind == FIG_RESUMED ? 1 : 0) == 1;
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    if (ok && !server) {
        snprintf(chain, sizeof(chain), "%s/all-roots.pem", fig->pki);
        ok = SSL_CTX_load_verify_locations(ctx, chain, NULL) == 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
        /* clasp's verification settings (src/crypto/ossl/ossl_x509.c). */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
        X509_VERIFY_PARAM_set_hostflags(
            param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    }
    if (!ok) {
        ossl_fail("configuration");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int want(SSL *s, int rc)
{
    int e = SSL_get_error(s, rc);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* SSL_free (the BIO pair survives: the harness holds a reference). The
 * connection is marked shut down without sending close_notify (clasp's
 * connections are freed the same way): libssl would otherwise take an
 * unfinished connection for a failed one and make its session
 * unresumable. */
static void free_ssl(bench_meter *m, int side, SSL *s)
{
    meter_on(m, side);
    if (s != NULL) {
        SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    SSL_free(s);
    meter_off(m);
}

/* One handshake (full, or resumed with f->sess). With keep != NULL the
 * connected pair and its BIOs are returned instead of freed. */
static int hs_one(ossl_fig *f, bench_meter *m, size_t pair_len, SSL **keep_srv,
                  SSL **keep_cli)
{
    int rc = -1;
    SSL *srv = NULL, *cli = NULL;
    BIO *sbio = NULL, *cbio = NULL;
    if (BIO_new_bio_pair(&sbio, pair_len, &cbio, pair_len) != 1) {
        return ossl_fail("BIO_new_bio_pair");
    }
    long mode = f->release_buffers ? SSL_MODE_RELEASE_BUFFERS : 0;

    meter_on(m, BENCH_SERVER);
    srv = SSL_new(f->sctx);
    /* The SSL takes one reference, the harness keeps its own. */
    if (srv != NULL && BIO_up_ref(sbio) == 1) {
        SSL_set_bio(srv, sbio, sbio);
        SSL_set_accept_state(srv);
        SSL_set_mode(srv, mode);
    }
    meter_off(m);
    meter_on(m, BENCH_CLIENT);
    cli = SSL_new(f->cctx);
    int ok = cli != NULL && BIO_up_ref(cbio) == 1;
    if (ok) {
        SSL_set_bio(cli, cbio, cbio);
        SSL_set_mode(cli, mode);
        ok = SSL_set_tlsext_host_name(cli, HOST) == 1 &&
             SSL_set1_host(cli, HOST) == 1 &&
             (f->sess == NULL || SSL_set_session(cli, f->sess) == 1);
        SSL_set_connect_state(cli);
    }
    meter_off(m);
    if (srv == NULL || !ok) {
        ossl_fail("SSL_new");
        goto cleanup;
    }
    int cdone = 0, sdone = 0;
    /* Two calls per side; bounded well above. */
    for (int i = 0; i < 16 && !(cdone && sdone); i++) {
        if (!cdone) {
            meter_on(m, BENCH_CLIENT);
            int r = SSL_do_handshake(cli);
            meter_off(m);
            if (r == 1) {
                cdone = 1;
            } else if (!want(cli, r)) {
                ossl_fail("client handshake");
                goto cleanup;
            }
        }
        if (!sdone) {
            meter_on(m, BENCH_SERVER);
            int r = SSL_do_handshake(srv);
            meter_off(m);
            if (r == 1) {
                sdone = 1;
            } else if (!want(srv, r)) {
                ossl_fail("server handshake");
                goto cleanup;
            }
        }
    }
    if (!cdone || !sdone) {
        bench_err("libssl", "handshake did not complete");
        goto cleanup;
    }
    if (f->fig.kind == FIG_RESUMED) {
        /* The client takes the server's NewSessionTicket: it is part of
         * a resumption's cost, and the next handshake uses it. */
        unsigned char b[1];
        meter_on(m, BENCH_CLIENT);
        int r = SSL_read(cli, b, sizeof(b));
        SSL_SESSION *next =
            r <= 0 && want(cli, r) ? SSL_get1_session(cli) : NULL;
        meter_off(m);
        if (next == NULL) {
            ossl_fail("ticket");
            goto cleanup;
        }
        if (f->sess != NULL && SSL_session_reused(cli) != 1) {
            bench_err("libssl", "session was not resumed");
            SSL_SESSION_free(next);
            goto cleanup;
        }
        SSL_SESSION_free(f->sess);
        f->sess = next;
    }
    if (BIO_ctrl_pending(sbio) != 0 || BIO_ctrl_pending(cbio) != 0) {
        bench_err("libssl", "bytes left over after the handshake");
        goto cleanup;
    }
    if (keep_srv != NULL) {
        *keep_srv = srv;
        *keep_cli = cli;
        f->sbio = sbio;
        f->cbio = cbio;
        return 0;
    }
    rc = 0;
cleanup:
    free_ssl(m, BENCH_SERVER, srv);
    free_ssl(m, BENCH_CLIENT, cli);
    BIO_free(sbio);
    BIO_free(cbio);
    return rc;
}

static const char *ossl_unavailable(bench_fig_kind kind)
{
    (void)kind;
    return NULL;
}

static void ossl_fig_free(void *p)
{
    ossl_fig *f = p;
    if (f == NULL) {
        return;
    }
    SSL_free(f->srv);
    SSL_free(f->cli);
    BIO_free(f->sbio);
    BIO_free(f->cbio);
    SSL_SESSION_free(f->sess);
    SSL_CTX_free(f->sctx);
    SSL_CTX_free(f->cctx);
    free(f->wbuf);
    free(f->rbuf);
    free(f);
}

static int bulk_batch(ossl_fig *f, bench_meter *m)
{
    size_t len = f->fig.rec_len;
    size_t total = len * f->fig.batch;
    meter_on(m, BENCH_SENDER);
    for (size_t i = 0; i < f->fig.batch; i++) {
        int n = SSL_write(f->cli, f->wbuf, (int)len);
        if (n != (int)len) {
            meter_off(m);
            return ossl_fail("SSL_write");
        }
    }
    meter_off(m);
    size_t got = 0;
    meter_on(m, BENCH_RECEIVER);
    for (size_t i = 0; i <= total && got < total; i++) {
        int n = SSL_read(f->srv, f->rbuf, CLASP_BENCH_READ_LEN);
        if (n <= 0) {
            meter_off(m);
            return ossl_fail("SSL_read");
        }
        got += (size_t)n;
    }
    meter_off(m);
    return got == total ? 0 : -1;
}

static void *ossl_fig_new(const bench_fig *fig)
{
    ossl_fig *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->fig = *fig;
    f->sctx = make_ctx(fig, 1);
    f->cctx = make_ctx(fig, 0);
    if (f->sctx == NULL || f->cctx == NULL) {
        ossl_fig_free(f);
        return NULL;
    }
    bench_meter m;
    meter_reset(&m);
    if (fig->kind == FIG_RESUMED) {
        /* A first full handshake yields the first ticket. */
        if (hs_one(f, &m, PAIR_HS, NULL, NULL) != 0) {
            ossl_fig_free(f);
            return NULL;
        }
        return f;
    }
    if (fig->kind != FIG_BULK) {
        return f;
    }
    size_t pair = fig->batch * (fig->rec_len + 64) + PAIR_HS;
    f->wbuf = malloc(fig->rec_len);
    f->rbuf = malloc(CLASP_BENCH_READ_LEN);
    if (f->wbuf == NULL || f->rbuf == NULL ||
        hs_one(f, &m, pair, &f->srv, &f->cli) != 0) {
        ossl_fig_free(f);
        return NULL;
    }
    for (size_t i = 0; i < fig->rec_len; i++) {
        f->wbuf[i] = (uint8_t)(i * 7u + 1u);
    }
    int n = SSL_write(f->cli, f->wbuf, (int)fig->rec_len);
    size_t got = 0;
    for (int i = 0; i < 64 && n > 0 && got < fig->rec_len; i++) {
        int r =
            SSL_read(f->srv, f->rbuf + got, (int)(CLASP_BENCH_READ_LEN - got));
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    const SSL_CIPHER *c = SSL_get_current_cipher(f->cli);
    if (n != (int)fig->rec_len || got != fig->rec_len ||
        memcmp(f->wbuf, f->rbuf, got) != 0 || c == NULL ||
        (SSL_CIPHER_get_id(c) & 0xFFFFu) != fig->suite) {
        bench_err("libssl", "bulk check failed");
        ossl_fig_free(f);
        return NULL;
    }
    return f;
}

static int ossl_fig_run(void *p, int n, bench_meter *m)
{
    ossl_fig *f = p;
    for (int i = 0; i < n; i++) {
        int rc = f->fig.kind == FIG_BULK ? bulk_batch(f, m)
                                         : hs_one(f, m, PAIR_HS, NULL, NULL);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

const bench_impl bench_libssl = {
    "libssl", ossl_unavailable, ossl_fig_new, ossl_fig_run, ossl_fig_free,
};

/* ---- heap figures ---------------------------------------------------------
 */

static int exchange(ossl_fig *f, bench_meter *m, SSL *from, int from_side,
                    SSL *to, int to_side)
{
    meter_on(m, from_side);
    int n = SSL_write(from, f->wbuf, CLASP_BENCH_READ_LEN);
    meter_off(m);
    size_t got = 0;
    for (int i = 0; i < 64 && n > 0 && got < CLASP_BENCH_READ_LEN; i++) {
        meter_on(m, to_side);
        int r = SSL_read(to, f->rbuf, CLASP_BENCH_READ_LEN);
        meter_off(m);
        if (r <= 0) {
            return ossl_fail("SSL_read");
        }
        got += (size_t)r;
    }
    return n == CLASP_BENCH_READ_LEN && got == CLASP_BENCH_READ_LEN ? 0 : -1;
}

/* Heap of one connection: default buffers, or released when idle. */
static int heap_pass(ossl_fig *f, bench_heap_result *out, int release)
{
    bench_meter m;
    meter_reset(&m);
    f->release_buffers = release;
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = hs_one(f, &m, PAIR_HS, NULL, NULL);
    }
    heap_stats before, after_hs, after_io;
    SSL *srv = NULL, *cli = NULL;
    if (rc == 0) {
        heap_get(&before);
        heap_reset_peak(BENCH_SERVER);
        heap_reset_peak(BENCH_CLIENT);
        rc = hs_one(f, &m, PAIR_HS, &srv, &cli);
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
        for (int s = 0; s < BENCH_SIDES; s++) {
            long long base = heap_live(&before, s);
            if (release) {
                out->released[s] = heap_live(&after_io, s) - base;
                continue;
            }
            for (int k = 0; k < HEAP_SRCS; k++) {
                out->calls[s][k] =
                    (double)(after_hs.calls[s][k] - before.calls[s][k]);
            }
            out->peak[s] = after_hs.peak[s] - base;
            out->idle[s] = heap_live(&after_hs, s) - base;
            out->active[s] = heap_live(&after_io, s) - base;
        }
    }
    free_ssl(&m, BENCH_SERVER, srv);
    free_ssl(&m, BENCH_CLIENT, cli);
    BIO_free(f->sbio);
    BIO_free(f->cbio);
    f->sbio = f->cbio = NULL;
    return rc;
}

int bench_libssl_heap(const bench_fig *fig, bench_heap_result *out)
{
    memset(out, 0, sizeof(*out));
    bench_fig hf = *fig;
    hf.kind = FIG_FULL;
    heap_set_owner(BENCH_HARNESS);
    ossl_fig *f = ossl_fig_new(&hf);
    if (f == NULL) {
        return -1;
    }
    f->wbuf = calloc(1, CLASP_BENCH_READ_LEN);
    f->rbuf = calloc(1, CLASP_BENCH_READ_LEN);
    int rc = f->wbuf != NULL && f->rbuf != NULL ? 0 : -1;
    if (rc == 0) {
        rc = heap_pass(f, out, 0);
    }
    if (rc == 0) {
        rc = heap_pass(f, out, 1);
    }
    out->valid = rc == 0;
    ossl_fig_free(f);
    return rc;
}
