/*
 * Deterministic endpoints and the role-run loop (see fuzz_env.h).
 *
 * Variants (keep docs/FUZZING.md in step):
 *   server 0: defaults, Ed25519 chain.
 *   server 1: groups {secp384r1} only (a default client gets a
 *             HelloRetryRequest), HRR cookie on, TLS_AES_256_GCM_SHA384.
 *   server 2: client authentication required (test PKI roots), Ed448
 *             chain, TLS_CHACHA20_POLY1305_SHA256.
 *   server 3: RSA-2048 chain (RSA-PSS signature queued: deterministic),
 *             ALPN {h2, http/1.1}, record padding to 64 bytes, compat
 *             mode off.
 *   client 0: defaults (verification required against the test PKI
 *             roots, host "localhost").
 *   client 1: client certificate (ECDSA P-256), ALPN {h2, http/1.1},
 *             two key shares (x25519, secp256r1).
 *   client 2: suites {AES_256_GCM_SHA384, CHACHA20}, groups {secp256r1,
 *             x25519}, compat mode off.
 *   client 3: groups {x448, secp521r1}, signature schemes {ed25519,
 *             ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256}, record
 *             padding to 32 bytes.
 * Every endpoint: test provider with null AEAD and null verify.
 */
#include "fuzz_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/testprov/testprov.h"
#include "fuzz_util.h"
#include "hs/config.h"

static clasp_config *g_conf[2][FZ_VARIANTS];

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
/* CLASP_FUZZ_STRICT=1: no exception for the known findings. */
static bool g_strict;
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
    if (g_debug) {
        must(clasp_conf_dbg(conf, dbg, server ? "server" : "client",
                            CLASP_DEBUG_VERBOSE),
             "dbg");
    }
    return conf;
}

static clasp_config *server_variant(unsigned v)
{
    static const char *const alpn[] = {"h2", "http/1.1", NULL};
    clasp_config *conf = new_config(true);
    switch (v) {
    case 0: own_cert(conf, "ed25519/chain.pem", "ed25519/leaf.key"); break;
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
        break;
    }
    default:
        own_cert(conf, "rsa2048/chain.pem", "rsa2048/leaf.key");
        must(clasp_conf_alpn_protocols(conf, alpn), "alpn");
        must(clasp_conf_record_padding(conf, 64), "padding");
        must(clasp_conf_compat_mode(conf, 0), "compat");
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
    g_strict = getenv("CLASP_FUZZ_STRICT") != NULL;
    g_stats = getenv("CLASP_FUZZ_STATS") != NULL;
    for (unsigned v = 0; v < FZ_VARIANTS; v++) {
        g_conf[0][v] = client_variant(v);
        g_conf[1][v] = server_variant(v);
    }
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
static void check_peer_error(int rc, bool server)
{
    FZ_CHECK(fz_is_clasp_err(rc));
    /* Known (docs/FUZZING.md, finding F2): a server_name that starts with
     * a NUL byte makes the server fail with CLASP_ERR_BAD_INPUT_DATA (no
     * alert). Remove this exception once F2 is fixed. */
    if (server && rc == CLASP_ERR_BAD_INPUT_DATA && !g_strict) {
        return;
    }
    int cls = (-rc) >> 8;
    if (cls != CLASP_ERRCLASS_PROTO && cls != CLASP_ERRCLASS_PEER &&
        cls != CLASP_ERRCLASS_CERT && cls != CLASP_ERRCLASS_CRYPTO) {
        fprintf(stderr, "fuzz: peer input caused %s (%s)\n",
                clasp_error_name(rc), clasp_strerror(rc));
        abort();
    }
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
    if (!server || conf->authmode == CLASP_VERIFY_REQUIRED) {
        /* A verified peer has a certificate. */
        FZ_CHECK(prc == CLASP_OK && der != NULL && der_len > 0);
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
            check_peer_error(n, server);
            /* Sticky. */
            FZ_CHECK(clasp_read(ctx, buf, sizeof(buf)) == n);
        }
        break;
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

    clasp_config *conf = fz_config(server, FZ_FLAG_VARIANT(flags));
    clasp_context *ctx = clasp_new();
    FZ_CHECK(ctx != NULL);
    must(clasp_setup(ctx, conf), "setup");
    if (!server) {
        must(clasp_set_hostname(ctx, "localhost"), "hostname");
    }
    clasp_set_bio(ctx, &bio, bio_send, bio_recv, NULL);

    int rc = CLASP_ERR_WANT_READ;
    /* Bounded: every call moves bytes or ends (recv returns 0 at the end
     * of the input, WANT_WRITE alternates with progress). */
    for (int i = 0; i < 1000000 && is_retry(rc); i++) {
        rc = clasp_handshake(ctx);
    }
    res->hs_rc = rc;
    if (g_debug) {
        const char *host = clasp_get_hostname(ctx);
        fprintf(stderr, "fuzz: handshake: %s, over %d, hostname %s%s%s\n",
                clasp_error_name(rc), clasp_is_handshake_over(ctx),
                host != NULL ? "\"" : "", host != NULL ? host : "(none)",
                host != NULL ? "\"" : "");
    }
    FZ_CHECK(!is_retry(rc));
    if (rc == CLASP_OK) {
        res->done = true;
        if (g_stats) {
            fprintf(stderr, "fuzz-stats: handshake completed\n");
        }
        after_handshake(ctx, conf, server, flags, res);
    } else {
        check_peer_error(rc, server);
        /* Known (docs/FUZZING.md, finding F1): a Finished that does not
         * end its record fails the key-change boundary check after the
         * handshake was marked complete, so clasp_is_handshake_over() is
         * 1 although clasp_handshake() failed. The connection is dead all
         * the same, which is what is checked below. */
        FZ_CHECK(clasp_is_handshake_over(ctx) == 0 ||
                 (rc == CLASP_ERR_UNEXPECTED_MESSAGE && !g_strict));
        /* The error sticks: no data flows on a failed connection. */
        FZ_CHECK(clasp_handshake(ctx) == rc);
        unsigned char b[16];
        FZ_CHECK(clasp_read(ctx, b, sizeof(b)) == rc);
        FZ_CHECK(clasp_write(ctx, b, sizeof(b)) == rc);
    }
    res->sent_bytes = bio.sent;
    clasp_free(ctx);
}
