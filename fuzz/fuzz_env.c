/*
 * Deterministic endpoints and the role-run loop (see fuzz_env.h).
 *
 * Variants (keep docs/FUZZING.md in step):
 *   server 0: defaults, Ed25519 chain, 0-RTT accepted (anti-replay
 *             "store" that finds everything new: replays are the point of
 *             replaying seeds).
 *   server 1: groups {secp384r1} only (a default client gets a
 *             HelloRetryRequest), HRR cookie on, TLS_AES_256_GCM_SHA384.
 *   server 2: client authentication required (test PKI roots), Ed448
 *             chain, TLS_CHACHA20_POLY1305_SHA256, external PSK
 *             "fuzz-psk" (SHA-256).
 *   server 3: RSA-2048 chain (RSA-PSS signature queued: deterministic),
 *             ALPN {h2, http/1.1}, record padding to 64 bytes, compat
 *             mode off, external PSKs "fuzz-psk" (SHA-256) and
 *             "fuzz-psk-384" (SHA-384), key exchange modes psk_ke and
 *             certificates (no psk_dhe_ke).
 *   client 0: defaults (verification required against the test PKI
 *             roots, host "localhost").
 *   client 1: client certificate (ECDSA P-256), ALPN {h2, http/1.1},
 *             two key shares (x25519, secp256r1).
 *   client 2: suites {AES_256_GCM_SHA384, CHACHA20}, groups {secp256r1,
 *             x25519}, compat mode off.
 *   client 3: resumption: offers a ticket of server 0 (obtained once, at
 *             start-up, from a client 0 / server 0 handshake) and the
 *             external PSK "fuzz-psk", and sends 0-RTT data when the
 *             input's flags say so (FZ_FLAG_EARLY); groups {x448,
 * secp521r1}, signature schemes {ed25519, ecdsa_secp256r1_sha256,
 *             rsa_pss_rsae_sha256}, record padding to 32 bytes.
 * Every endpoint: test provider with null AEAD and null verify, a fixed
 * clock (FZ_NOW_MS); every server: the same fixed ticket key, 2 tickets
 * per connection (the default).
 */
#include "fuzz_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/testprov/testprov.h"
#include "fuzz_util.h"
#include "hs/config.h"

static clasp_config *g_conf[2][FZ_VARIANTS];
/* Client variant 3's tickets (see fz_env_init). */
static clasp_session *g_session;

uint8_t *fz_read_pki(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", CLASP_FUZZ_PKI_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz: cannot open %s\n", path);
        abort();
    }
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    FZ_CHECK(buf != NULL);
    *len = fread(buf, 1, cap, f);
    FZ_CHECK(*len > 0 && *len < cap);
    fclose(f);
    return buf;
}

static void must(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "fuzz env: %s: %s\n", what, clasp_error_name(rc));
        abort();
    }
}

static void own_cert(clasp_config *conf, const char *chain, const char *key)
{
    char c[256], k[256];
    snprintf(c, sizeof(c), "%s/%s", CLASP_FUZZ_PKI_DIR, chain);
    snprintf(k, sizeof(k), "%s/%s", CLASP_FUZZ_PKI_DIR, key);
    must(clasp_conf_own_cert_file(conf, c, k, NULL), chain);
}

static void trust_roots(clasp_config *conf)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/all-roots.pem", CLASP_FUZZ_PKI_DIR);
    must(clasp_conf_ca_file(conf, p), "ca file");
}

/* CLASP_FUZZ_DEBUG=1 in the environment: trace every message and the
 * outcome of each run on stderr (for triage). */
static bool g_debug;
/* CLASP_FUZZ_STATS=1: one line per completed handshake (fuzz/run.sh
 * replay counts them: are the recorded seeds still whole handshakes?). */
static bool g_stats;

static void dbg(void *arg, int level, const char *file, int line,
                const char *msg)
{
    (void)level;
    (void)file;
    (void)line;
    fprintf(stderr, "[%s] %s\n", (const char *)arg, msg);
}

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return FZ_NOW_MS;
}

static const uint8_t k_ticket_name[CLASP_TICKET_KEY_NAME_LEN] =
    "clasp-fuzz-tkt-";
static const uint8_t k_ticket_key[CLASP_TICKET_KEY_LEN] =
    "clasp fuzz ticket key (NO SEC.)";
static const uint8_t k_psk[32] = "clasp fuzz external PSK, public";
static const uint8_t k_psk384[48] =
    "clasp fuzz external PSK for SHA-384, public";

static clasp_config *new_config(bool server)
{
    clasp_config *conf =
        clasp_config_new(server ? CLASP_IS_SERVER : CLASP_IS_CLIENT);
    FZ_CHECK(conf != NULL);
    clasp_provider *prov = NULL;
    must(clasp_testprov_new(&prov), "testprov");
    clasp_testprov_set_null_aead(prov, true);
    clasp_testprov_set_null_verify(prov, true);
    must(clasp_config_set_provider(conf, prov), "set provider");
    /* The HRR cookie key is random per config: fix it, or a recorded
     * second ClientHello would not match. */
    memset(conf->cookie_key, 0xC0, sizeof(conf->cookie_key));
    /* Ticket times, ages and lifetimes: the same in every run. */
    must(clasp_conf_clock(conf, fixed_clock, NULL), "clock");
    if (server) {
        /* Every server opens every server's tickets, in every process. */
        must(clasp_conf_ticket_key(conf, k_ticket_name, sizeof(k_ticket_name),
                                   k_ticket_key, sizeof(k_ticket_key)),
             "ticket key");
    }
    if (g_debug) {
        must(clasp_conf_dbg(conf, dbg, server ? "server" : "client",
                            CLASP_DEBUG_VERBOSE),
             "dbg");
    }
    return conf;
}

static int never_seen(void *arg, const unsigned char *key, size_t key_len,
                      uint64_t expiry_ms)
{
    (void)arg;
    (void)key;
    (void)key_len;
    (void)expiry_ms;
    return 0;
}

static clasp_config *server_variant(unsigned v)
{
    static const char *const alpn[] = {"h2", "http/1.1", NULL};
    clasp_config *conf = new_config(true);
    switch (v) {
    case 0:
        own_cert(conf, "ed25519/chain.pem", "ed25519/leaf.key");
        /* 0-RTT, with a replay "store" that finds every ClientHello new
         * (a replay check would refuse a seed's early data the second
         * time it runs) and a start-up window long past. */
        must(clasp_conf_anti_replay(conf, never_seen, NULL,
                                    FZ_NOW_MS - 86400000ull, 0),
             "anti-replay");
        must(clasp_conf_early_data(conf, CLASP_EARLY_DATA_ENABLED),
             "early data");
        break;
    case 1: {
        static const uint16_t groups[] = {CLASP_GROUP_SECP384R1};
        static const uint16_t suites[] = {CLASP_TLS1_3_AES_256_GCM_SHA384};
        own_cert(conf, "ed25519/chain.pem", "ed25519/leaf.key");
        must(clasp_conf_groups(conf, groups, 1), "groups");
        must(clasp_conf_ciphersuites(conf, suites, 1), "suites");
        must(clasp_conf_hrr_cookie(conf, 1), "cookie");
        break;
    }
    case 2: {
        static const uint16_t suites[] = {
            CLASP_TLS1_3_CHACHA20_POLY1305_SHA256};
        own_cert(conf, "ed448/chain.pem", "ed448/leaf.key");
        trust_roots(conf);
        must(clasp_conf_authmode(conf, CLASP_VERIFY_REQUIRED), "authmode");
        must(clasp_conf_ciphersuites(conf, suites, 1), "suites");
        /* A ticket without a client certificate does not do here; the
         * external PSK does (RFC 8446 §4.3.2: no certificates). */
        must(clasp_conf_psk(conf, k_psk, sizeof(k_psk),
                            (const unsigned char *)"fuzz-psk", 8),
             "psk");
        break;
    }
    default:
        own_cert(conf, "rsa2048/chain.pem", "rsa2048/leaf.key");
        must(clasp_conf_alpn_protocols(conf, alpn), "alpn");
        must(clasp_conf_record_padding(conf, 64), "padding");
        must(clasp_conf_compat_mode(conf, 0), "compat");
        must(clasp_conf_psk(conf, k_psk, sizeof(k_psk),
                            (const unsigned char *)"fuzz-psk", 8),
             "psk");
        /* psk_ke rather than psk_dhe_ke (RFC 8446 §4.2.9). */
        must(clasp_conf_tls13_key_exchange_modes(
                 conf, CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK |
                           CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL),
             "kex modes");
        must(clasp_conf_psk_with_hash(conf, k_psk384, sizeof(k_psk384),
                                      (const unsigned char *)"fuzz-psk-384", 12,
                                      CLASP_PSK_HASH_SHA384),
             "psk-384");
        break;
    }
    return conf;
}

static clasp_config *client_variant(unsigned v)
{
    static const char *const alpn[] = {"h2", "http/1.1", NULL};
    clasp_config *conf = new_config(false);
    trust_roots(conf);
    switch (v) {
    case 0: break;
    case 1: {
        static const uint16_t groups[] = {CLASP_GROUP_X25519,
                                          CLASP_GROUP_SECP256R1};
        own_cert(conf, "client/client-chain.pem", "client/client.key");
        must(clasp_conf_alpn_protocols(conf, alpn), "alpn");
        must(clasp_conf_groups(conf, groups, 2), "groups");
        must(clasp_conf_key_share_count(conf, 2), "key shares");
        break;
    }
    case 2: {
        static const uint16_t suites[] = {
            CLASP_TLS1_3_AES_256_GCM_SHA384,
            CLASP_TLS1_3_CHACHA20_POLY1305_SHA256};
        static const uint16_t groups[] = {CLASP_GROUP_SECP256R1,
                                          CLASP_GROUP_X25519};
        must(clasp_conf_ciphersuites(conf, suites, 2), "suites");
        must(clasp_conf_groups(conf, groups, 2), "groups");
        must(clasp_conf_compat_mode(conf, 0), "compat");
        break;
    }
    default: {
        static const uint16_t groups[] = {CLASP_GROUP_X448,
                                          CLASP_GROUP_SECP521R1};
        static const uint16_t algs[] = {CLASP_SIG_ED25519,
                                        CLASP_SIG_ECDSA_SECP256R1_SHA256,
                                        CLASP_SIG_RSA_PSS_RSAE_SHA256};
        must(clasp_conf_groups(conf, groups, 2), "groups");
        must(clasp_conf_sig_algs(conf, algs, 3), "sig algs");
        must(clasp_conf_record_padding(conf, 32), "padding");
        must(clasp_conf_early_data(conf, CLASP_EARLY_DATA_ENABLED),
             "early data");
        must(clasp_conf_psk(conf, k_psk, sizeof(k_psk),
                            (const unsigned char *)"fuzz-psk", 8),
             "psk");
        break;
    }
    }
    return conf;
}

void fz_env_init(void)
{
    if (g_conf[0][0] != NULL) {
        return;
    }
    g_debug = getenv("CLASP_FUZZ_DEBUG") != NULL;
    g_stats = getenv("CLASP_FUZZ_STATS") != NULL;
    for (unsigned v = 0; v < FZ_VARIANTS; v++) {
        g_conf[0][v] = client_variant(v);
        g_conf[1][v] = server_variant(v);
    }
    /* Client variant 3 resumes: the tickets of a client 0 / server 0
     * connection, deterministic like everything here. */
    g_session = clasp_session_new();
    FZ_CHECK(g_session != NULL);
    fz_pair pair;
    fz_pair_run(0, 0, g_session, &pair);
    FZ_CHECK(pair.crc == CLASP_OK && pair.src == CLASP_OK);
    FZ_CHECK(clasp_session_ticket_count(g_session) > 0);
    fz_pair_free(&pair);
}

const clasp_session *fz_session(void)
{
    fz_env_init();
    return g_session;
}

void fz_setup(clasp_context *ctx, bool server, unsigned variant)
{
    must(clasp_setup(ctx, fz_config(server, variant)), "setup");
    if (!server) {
        must(clasp_set_hostname(ctx, "localhost"), "hostname");
        if (variant % FZ_VARIANTS == 3 && g_session != NULL) {
            must(clasp_set_session(ctx, g_session), "session");
        }
    }
}

void fz_start(clasp_context *ctx, bool server, uint8_t flags)
{
    if (server || FZ_FLAG_VARIANT(flags) != 3 || !(flags & FZ_FLAG_EARLY)) {
        return;
    }
    /* Client variant 3 sends 0-RTT data when its ticket allows it. */
    static const unsigned char early[] = "early data from the fuzz client";
    int rc = CLASP_ERR_WANT_WRITE;
    for (int i = 0; i < 64 && rc == CLASP_ERR_WANT_WRITE; i++) {
        rc = clasp_write_early_data(ctx, early, sizeof(early));
    }
    FZ_CHECK(rc == (int)sizeof(early) ||
             rc == CLASP_ERR_CANNOT_WRITE_EARLY_DATA || rc < 0);
}

clasp_config *fz_config(bool server, unsigned variant)
{
    fz_env_init();
    clasp_config *conf = g_conf[server ? 1 : 0][variant % FZ_VARIANTS];
    clasp_testprov_reset(conf->prov);
    if (server && variant % FZ_VARIANTS == 3) {
        /* RSA-PSS signing is randomised: queue a fixed "signature" (the
         * peers run null verify). */
        static uint8_t sig[256];
        memset(sig, 0x5A, sizeof(sig));
        must(clasp_testprov_queue_signature(conf->prov, sig, sizeof(sig)),
             "queue signature");
    }
    return conf;
}

/* ---- recorded connections --------------------------------------------------
 */

void fz_buf_add(fz_buf *b, const uint8_t *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 1024;
        b->p = realloc(b->p, cap);
        FZ_CHECK(b->p != NULL);
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, p, n);
    }
    b->len += n;
}

typedef struct {
    fz_buf *in;
    size_t in_off;
    fz_buf *out; /* the peer's inbox, and the record of what we sent */
} pipe_end;

static int pipe_send(void *ctx, const unsigned char *buf, size_t len)
{
    pipe_end *e = ctx;
    fz_buf_add(e->out, buf, len);
    return (int)len;
}

static int pipe_recv(void *ctx, unsigned char *buf, size_t len)
{
    pipe_end *e = ctx;
    size_t left = e->in->len - e->in_off;
    if (left == 0) {
        return CLASP_ERR_WANT_READ;
    }
    size_t n = len < left ? len : left;
    memcpy(buf, e->in->p + e->in_off, n);
    e->in_off += n;
    return (int)n;
}

static bool pair_retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

/* Read whatever has arrived (bounded). */
static void drain(clasp_context *c)
{
    unsigned char buf[1024];
    for (int i = 0; i < 64; i++) {
        if (clasp_read(c, buf, sizeof(buf)) <= 0) {
            return;
        }
    }
}

void fz_pair_run(uint8_t cflags, unsigned sv, clasp_session *save, fz_pair *out)
{
    unsigned cv = FZ_FLAG_VARIANT(cflags);
    memset(out, 0, sizeof(*out));
    pipe_end ce = {&out->s2c, 0, &out->c2s};
    pipe_end se = {&out->c2s, 0, &out->s2c};
    clasp_context *cli = clasp_new();
    clasp_context *srv = clasp_new();
    FZ_CHECK(cli != NULL && srv != NULL);
    fz_setup(cli, false, cv);
    fz_setup(srv, true, sv);
    clasp_set_bio(cli, &ce, pipe_send, pipe_recv, NULL);
    clasp_set_bio(srv, &se, pipe_send, pipe_recv, NULL);
    fz_start(cli, false, cflags);

    int crc = CLASP_ERR_WANT_READ, src = CLASP_ERR_WANT_READ;
    for (int i = 0; i < 100 && (pair_retry(crc) || pair_retry(src)); i++) {
        if (pair_retry(crc)) {
            crc = clasp_handshake(cli);
        }
        if (pair_retry(src)) {
            src = clasp_handshake(srv);
        }
        if ((crc < 0 && !pair_retry(crc)) || (src < 0 && !pair_retry(src))) {
            /* Deliver the alert to the other side, then stop. */
            if (pair_retry(crc)) {
                crc = clasp_handshake(cli);
            }
            if (pair_retry(src)) {
                src = clasp_handshake(srv);
            }
            break;
        }
    }
    out->crc = crc;
    out->src = src;
    out->suite = clasp_get_ciphersuite_id(cli);
    if (crc == CLASP_OK && src == CLASP_OK) {
        static const unsigned char to_cli[] = "hello client";
        static const unsigned char to_srv[] = "hello server";
        FZ_CHECK(clasp_write(srv, to_cli, sizeof(to_cli)) ==
                 (int)sizeof(to_cli));
        FZ_CHECK(clasp_key_update(srv, 1) == CLASP_OK);
        drain(cli);
        FZ_CHECK(clasp_write(cli, to_srv, sizeof(to_srv)) ==
                 (int)sizeof(to_srv));
        drain(srv);
        FZ_CHECK(clasp_write(srv, to_cli, sizeof(to_cli)) ==
                 (int)sizeof(to_cli));
        drain(cli);
        if (save != NULL) {
            FZ_CHECK(clasp_get_session(cli, save) == CLASP_OK);
        }
        FZ_CHECK(clasp_close_notify(cli) == CLASP_OK);
        FZ_CHECK(clasp_close_notify(srv) == CLASP_OK);
    } else {
        /* A client that finished first still reads the server's alert. */
        drain(cli);
    }
    clasp_free(cli);
    clasp_free(srv);
}

void fz_pair_free(fz_pair *p)
{
    free(p->c2s.p);
    free(p->s2c.p);
    memset(p, 0, sizeof(*p));
}

/* ---- the role run ---------------------------------------------------------
 */

typedef struct {
    const uint8_t *in;
    size_t in_len;
    size_t in_off;
    size_t max_io;
    bool write_block;
    unsigned sends;
    size_t sent;
} fz_bio;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    fz_bio *b = ctx;
    (void)buf;
    FZ_CHECK(len > 0);
    if (b->write_block && (b->sends++ % 2) == 0) {
        return CLASP_ERR_WANT_WRITE;
    }
    size_t n = len > 65536 ? 65536 : len;
    b->sent += n;
    return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    fz_bio *b = ctx;
    size_t left = b->in_len - b->in_off;
    if (left == 0) {
        return 0; /* the peer's stream ends: EOF */
    }
    size_t n = len < left ? len : left;
    if (b->max_io > 0 && n > b->max_io) {
        n = b->max_io;
    }
    memcpy(buf, b->in + b->in_off, n);
    b->in_off += n;
    return (int)n;
}

static bool is_retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

/* Errors a peer may cause: protocol, peer and certificate classes, crypto
 * provider verdicts on peer data. Never usage errors (the API is used
 * correctly here) and never CLASP_ERR_INTERNAL (a table or bound that
 * peer input could break). */
static void check_peer_error(int rc)
{
    FZ_CHECK(fz_is_clasp_err(rc));
    int cls = (-rc) >> 8;
    if (cls != CLASP_ERRCLASS_PROTO && cls != CLASP_ERRCLASS_PEER &&
        cls != CLASP_ERRCLASS_CERT && cls != CLASP_ERRCLASS_CRYPTO) {
        fprintf(stderr, "fuzz: peer input caused %s (%s)\n",
                clasp_error_name(rc), clasp_strerror(rc));
        abort();
    }
}

static void check_session(const clasp_context *ctx)
{
    clasp_session *a = clasp_session_new();
    clasp_session *b = clasp_session_new();
    FZ_CHECK(a != NULL && b != NULL);
    int rc = clasp_get_session(ctx, a);
    FZ_CHECK(rc == CLASP_OK || rc == CLASP_ERR_NOT_FOUND);
    if (rc == CLASP_OK) {
        size_t n1 = 0, n2 = 0;
        FZ_CHECK(clasp_session_save(a, NULL, 0, &n1) ==
                 CLASP_ERR_BUFFER_TOO_SMALL);
        unsigned char *b1 = malloc(n1), *b2 = malloc(n1);
        FZ_CHECK(b1 != NULL && b2 != NULL);
        FZ_CHECK(clasp_session_save(a, b1, n1, &n1) == CLASP_OK);
        FZ_CHECK(clasp_session_load(b, b1, n1) == CLASP_OK);
        FZ_CHECK(clasp_session_ticket_count(b) ==
                 clasp_session_ticket_count(a));
        FZ_CHECK(clasp_session_save(b, b2, n1, &n2) == CLASP_OK);
        FZ_CHECK(n2 == n1 && memcmp(b1, b2, n1) == 0);
        free(b1);
        free(b2);
    }
    clasp_session_free(a);
    clasp_session_free(b);
}

static void after_handshake(clasp_context *ctx, const clasp_config *conf,
                            bool server, uint8_t flags, fz_result *res)
{
    /* Getters on a completed handshake. */
    FZ_CHECK(clasp_is_handshake_over(ctx) == 1);
    FZ_CHECK(clasp_get_version_number(ctx) == CLASP_VERSION_TLS1_3);
    FZ_CHECK(clasp_get_ciphersuite(ctx) != NULL);
    FZ_CHECK(clasp_get_ciphersuite_id(ctx) != 0);
    const unsigned char *der = NULL;
    size_t der_len = 0;
    int prc = clasp_get_peer_cert(ctx, &der, &der_len);
    int mode = clasp_get_tls13_key_exchange_mode(ctx);
    if (mode == CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL) {
        if (!server || conf->authmode == CLASP_VERIFY_REQUIRED) {
            /* A verified peer has a certificate. */
            FZ_CHECK(prc == CLASP_OK && der != NULL && der_len > 0);
        }
        FZ_CHECK(clasp_is_session_resumed(ctx) == 0);
    } else {
        /* A PSK handshake: a ticket or an external PSK, and no
         * certificate (RFC 8446 §4.3.2). */
        FZ_CHECK(mode == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK ||
                 mode == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL);
        const unsigned char *id = NULL;
        size_t id_len = 0;
        bool ext = clasp_get_psk_identity(ctx, &id, &id_len) == CLASP_OK;
        FZ_CHECK(ext != (clasp_is_session_resumed(ctx) == 1));
        FZ_CHECK(prc == CLASP_ERR_NOT_FOUND);
    }
    const char *alpn = clasp_get_alpn_protocol(ctx);
    if (alpn != NULL) {
        FZ_CHECK(strlen(alpn) > 0 && strlen(alpn) < 256);
    }

    if (flags & FZ_FLAG_POST) {
        static const unsigned char msg[] = "fuzz says hello";
        for (int i = 0; i < 16; i++) {
            int n = clasp_write(ctx, msg, sizeof(msg));
            if (n != CLASP_ERR_WANT_WRITE) {
                FZ_CHECK(n == (int)sizeof(msg) || n < 0);
                break;
            }
        }
        int rc = clasp_key_update(ctx, 1);
        FZ_CHECK(rc == CLASP_OK || rc < 0);
        uint8_t ekm[32];
        rc = clasp_export_keying_material(ctx, ekm, sizeof(ekm),
                                          "EXPORTER-clasp-fuzz", NULL, 0);
        FZ_CHECK(rc == CLASP_OK || rc < 0);
    }

    static unsigned char buf[16384];
    for (int i = 0; i < 100000; i++) {
        int n = clasp_read(ctx, buf, sizeof(buf));
        res->read_rc = n;
        if (g_debug) {
            fprintf(stderr, "fuzz: read: %d (%s)\n", n,
                    n < 0 ? clasp_error_name(n) : "bytes");
        }
        if (n > 0) {
            FZ_CHECK((size_t)n <= sizeof(buf));
            res->app_bytes += (size_t)n;
            continue;
        }
        if (n == CLASP_ERR_WANT_WRITE) {
            continue;
        }
        FZ_CHECK(n != CLASP_ERR_WANT_READ && n != 0);
        if (n != CLASP_ERR_PEER_CLOSE_NOTIFY) {
            check_peer_error(n);
            /* Sticky. */
            FZ_CHECK(clasp_read(ctx, buf, sizeof(buf)) == n);
        }
        break;
    }
    int eds = clasp_get_early_data_status(ctx);
    FZ_CHECK(eds == CLASP_EARLY_DATA_STATUS_NOT_SENT ||
             eds == CLASP_EARLY_DATA_STATUS_ACCEPTED ||
             eds == CLASP_EARLY_DATA_STATUS_REJECTED);
    if (server) {
        /* 0-RTT data never comes out of clasp_read(): read it here. */
        for (int i = 0; i < 64; i++) {
            int n = clasp_read_early_data(ctx, buf, sizeof(buf));
            if (n <= 0) {
                FZ_CHECK(n == CLASP_ERR_CANNOT_READ_EARLY_DATA ||
                         fz_is_clasp_err(n));
                break;
            }
            FZ_CHECK(eds == CLASP_EARLY_DATA_STATUS_ACCEPTED);
        }
    }
    if (!server) {
        /* The tickets the peer sent (fuzzed NewSessionTickets): into a
         * session, saved, loaded, saved again: the same bytes. */
        check_session(ctx);
    }
    int ignored = clasp_close_notify(ctx);
    (void)ignored;
}

void fz_run_role(bool server, const uint8_t *data, size_t size, fz_result *res)
{
    memset(res, 0, sizeof(*res));
    if (size < 1) {
        return;
    }
    uint8_t flags = data[0];
    static const size_t max_io[4] = {0, 1, 7, 0};
    fz_bio bio = {data + 1,
                  size - 1,
                  0,
                  max_io[FZ_FLAG_IO(flags)],
                  FZ_FLAG_IO(flags) == 3,
                  0,
                  0};

    clasp_context *ctx = clasp_new();
    FZ_CHECK(ctx != NULL);
    fz_setup(ctx, server, FZ_FLAG_VARIANT(flags));
    const clasp_config *conf = g_conf[server ? 1 : 0][FZ_FLAG_VARIANT(flags)];
    clasp_set_bio(ctx, &bio, bio_send, bio_recv, NULL);
    fz_start(ctx, server, flags);

    int rc = CLASP_ERR_WANT_READ;
    /* Bounded: every call moves bytes or ends (recv returns 0 at the end
     * of the input, WANT_WRITE alternates with progress). */
    for (int i = 0; i < 1000000 && is_retry(rc); i++) {
        rc = clasp_handshake(ctx);
    }
    res->hs_rc = rc;
    if (g_debug) {
        const char *host = clasp_get_hostname(ctx);
        fprintf(stderr,
                "fuzz: handshake: %s, over %d, kex mode %d, resumed %d, "
                "hostname %s%s%s\n",
                clasp_error_name(rc), clasp_is_handshake_over(ctx),
                clasp_get_tls13_key_exchange_mode(ctx),
                clasp_is_session_resumed(ctx), host != NULL ? "\"" : "",
                host != NULL ? host : "(none)", host != NULL ? "\"" : "");
    }
    FZ_CHECK(!is_retry(rc));
    if (rc == CLASP_OK) {
        res->done = true;
        if (g_stats) {
            fprintf(stderr, "fuzz-stats: handshake completed\n");
        }
        after_handshake(ctx, conf, server, flags, res);
    } else {
        check_peer_error(rc);
        FZ_CHECK(clasp_is_handshake_over(ctx) == 0);
        /* The error sticks: no data flows on a failed connection. */
        FZ_CHECK(clasp_handshake(ctx) == rc);
        unsigned char b[16];
        FZ_CHECK(clasp_read(ctx, b, sizeof(b)) == rc);
        FZ_CHECK(clasp_write(ctx, b, sizeof(b)) == rc);
    }
    res->sent_bytes = bio.sent;
    clasp_free(ctx);
}
