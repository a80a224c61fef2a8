/*
 * gen_corpus OUTDIR: write seed inputs for every fuzz target into
 * OUTDIR/<target>/ (fuzz/run.sh gen then minimises them into
 * fuzz/corpora/<target>/ with libFuzzer's -merge=1).
 *
 * Seeds come from two sources:
 *  1. real clasp handshakes between the deterministic endpoints of
 *     fuzz_env.c, run in memory: every byte each side sends is recorded.
 *     Each recorded stream is a role seed (flags byte + the peer's bytes)
 *     and is checked to replay to a completed handshake (or to the same
 *     failure); the records are record-layer seeds; the handshake messages
 *     in them (null AEAD: readable) are message and extension seeds; the
 *     certificate chains are x509 seeds; the NewSessionTickets carry
 *     ticket seeds (and, opened, state seeds); client variant 3 resumes
 *     with a ticket or an external PSK; its saved session is a seed too;
 *  2. the RFC 8448 traces (tests/vectors/rfc8448/NAME.txt): every handshake
 *     message, every plaintext record and the simple trace's first
 *     encrypted server record (fuzz_record mode 2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_env.h"
#include "fuzz_util.h"
#include "hs/psk.h"
#include "record/record.h"
#include "tickets/tickets.h"

static const char *g_out;
static unsigned g_count;

/* ---- output ----------------------------------------------------------------
 */

static void emit2(const char *target, const char *name, const uint8_t *pre,
                  size_t pre_len, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", g_out, target);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s-%u", g_out, target, name, g_count++);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    if ((pre_len > 0 && fwrite(pre, 1, pre_len, f) != pre_len) ||
        (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void emit(const char *target, const char *name, uint8_t sel,
                 const uint8_t *p, size_t n)
{
    emit2(target, name, &sel, 1, p, n);
}

static void emit_raw(const char *target, const char *name, const uint8_t *p,
                     size_t n)
{
    emit2(target, name, NULL, 0, p, n);
}

/* ---- messages and records of a recorded stream ----------------------------
 */

static const char *msg_target(uint8_t type, uint8_t *sel, size_t body_len)
{
    *sel = 0;
    switch (type) {
    case CLASP_HS_CLIENT_HELLO: return "client_hello";
    case CLASP_HS_SERVER_HELLO: return "server_hello";
    case CLASP_HS_ENCRYPTED_EXTENSIONS: return "encrypted_extensions";
    case CLASP_HS_CERTIFICATE: return "certificate";
    case CLASP_HS_CERTIFICATE_REQUEST: return "certificate_request";
    case CLASP_HS_CERTIFICATE_VERIFY: return "certificate_verify";
    case CLASP_HS_NEW_SESSION_TICKET: return "new_session_ticket";
    case CLASP_HS_KEY_UPDATE: *sel = 0; return "key_update";
    case CLASP_HS_FINISHED: *sel = body_len == 48 ? 2 : 1; return "key_update";
    case CLASP_HS_END_OF_EARLY_DATA: *sel = 3; return "key_update";
    default: return NULL;
    }
}

/* Extension-block seed of a message body (fuzz_extensions selector =
 * index of the CLASP_EXT_IN_* bit). */
static void ext_seed(const char *name, uint8_t type, const uint8_t *body,
                     size_t len)
{
    static struct clasp_ch ch;
    static struct clasp_sh sh;
    static struct clasp_ee ee;
    static struct clasp_cr cr;
    static struct clasp_nst nst;
    clasp_span b = clasp_span_of(body, len);
    clasp_span ext = {NULL, 0};
    uint8_t sel = 0;
    switch (type) {
    case CLASP_HS_CLIENT_HELLO:
        if (clasp_ch_parse(&b, &ch) == CLASP_OK) {
            ext = ch.extensions;
        }
        sel = 0;
        break;
    case CLASP_HS_SERVER_HELLO:
        if (clasp_sh_parse(&b, ~(uint64_t)0, &sh) == CLASP_OK) {
            ext = sh.extensions;
        }
        sel = sh.is_hrr ? 2 : 1;
        break;
    case CLASP_HS_ENCRYPTED_EXTENSIONS:
        if (clasp_ee_parse(&b, ~(uint64_t)0, &ee) == CLASP_OK) {
            ext = ee.extensions;
        }
        sel = 3;
        break;
    case CLASP_HS_CERTIFICATE_REQUEST:
        if (clasp_cr_parse(&b, &cr) == CLASP_OK) {
            ext = cr.extensions;
        }
        sel = 4;
        break;
    case CLASP_HS_NEW_SESSION_TICKET:
        if (clasp_nst_parse(&b, &nst) == CLASP_OK) {
            ext = nst.extensions;
        }
        sel = 6;
        break;
    default: return;
    }
    if (ext.p != NULL && ext.len > 0) {
        emit("extensions", name, sel, ext.p, ext.len);
    }
}

/* x509 seed: the chain of a Certificate body as a uint24 list. */
static void chain_seed(const char *name, const uint8_t *body, size_t len,
                       bool client_cert)
{
    static struct clasp_ct ct;
    clasp_span b = clasp_span_of(body, len);
    if (clasp_ct_parse(&b, ~(uint64_t)0, &ct) != CLASP_OK) {
        return;
    }
    fz_buf g = {0};
    for (size_t i = 0; i < ct.certificate_list_count; i++) {
        const clasp_span *d = &ct.certificate_list[i].cert_data;
        uint8_t l[3] = {(uint8_t)(d->len >> 16), (uint8_t)(d->len >> 8),
                        (uint8_t)d->len};
        fz_buf_add(&g, l, 3);
        fz_buf_add(&g, d->p, d->len);
    }
    if (g.len > 0) {
        emit("x509", name, client_cert ? 0x09 : 0x01, g.p, g.len);
    }
    free(g.p);
}

/* fuzz_ticket seeds from a NewSessionTicket body: the ticket (selector
 * 1) and, when it is one of the fuzz servers', its state (selector 0). */
static void ticket_seeds(const char *name, const uint8_t *body, size_t len)
{
    static struct clasp_nst nst;
    static struct clasp_psk_state st;
    clasp_span b = clasp_span_of(body, len);
    if (clasp_nst_parse(&b, &nst) != CLASP_OK) {
        return;
    }
    emit("ticket", name, 1, nst.ticket.p, nst.ticket.len);
    if (clasp_tk_ops.open(fz_config(true, 0), FZ_NOW_MS, nst.ticket, &st) ==
        CLASP_OK) {
        uint8_t buf[2048];
        clasp_wr w = clasp_wr_init(buf, sizeof(buf));
        FZ_CHECK(clasp_tk_state_write(&w, &st) == CLASP_OK);
        emit("ticket", name, 0, buf, w.len);
    }
}

static void message_seeds(const char *name, const uint8_t *msgs, size_t len,
                          bool from_client)
{
    size_t off = 0;
    while (len - off >= CLASP_HS_HEADER_LEN) {
        const uint8_t *m = msgs + off;
        size_t blen = ((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3];
        if (blen > len - off - CLASP_HS_HEADER_LEN) {
            break;
        }
        uint8_t sel;
        const char *t = msg_target(m[0], &sel, blen);
        if (t != NULL) {
            if (strcmp(t, "key_update") == 0) {
                emit(t, name, sel, m + CLASP_HS_HEADER_LEN, blen);
            } else {
                emit_raw(t, name, m + CLASP_HS_HEADER_LEN, blen);
            }
            ext_seed(name, m[0], m + CLASP_HS_HEADER_LEN, blen);
            if (m[0] == CLASP_HS_NEW_SESSION_TICKET) {
                ticket_seeds(name, m + CLASP_HS_HEADER_LEN, blen);
            }
            if (m[0] == CLASP_HS_CERTIFICATE) {
                chain_seed(name, m + CLASP_HS_HEADER_LEN, blen, from_client);
            }
        }
        off += CLASP_HS_HEADER_LEN + blen;
    }
}

static uint8_t suite_index(int suite)
{
    static const int k[5] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    for (uint8_t i = 0; i < 5; i++) {
        if (k[i] == suite) {
            return i;
        }
    }
    return 0;
}

/* Split a recorded stream (null AEAD) into record seeds and handshake
 * message seeds. */
static void stream_seeds(const char *name, const fz_buf *s, int suite,
                         bool from_client)
{
    size_t tag = suite == CLASP_TLS1_3_AES_128_CCM_8_SHA256 ? 8 : 16;
    fz_buf plain = {0}, prot = {0}, hs = {0};
    size_t off = 0;
    while (s->len - off >= 5) {
        const uint8_t *r = s->p + off;
        size_t n = ((size_t)r[3] << 8) | r[4];
        if (n > s->len - off - 5) {
            break;
        }
        const uint8_t *body = r + 5;
        if (r[0] == CLASP_CT_APPLICATION_DATA && n >= tag + 1) {
            fz_buf_add(&prot, r, 5 + n);
            size_t inner = n - tag;
            while (inner > 0 && body[inner - 1] == 0) {
                inner--;
            }
            if (inner > 0 && body[inner - 1] == CLASP_CT_HANDSHAKE) {
                fz_buf_add(&hs, body, inner - 1);
            }
        } else {
            fz_buf_add(&plain, r, 5 + n);
            if (r[0] == CLASP_CT_HANDSHAKE) {
                fz_buf_add(&hs, body, n);
            }
        }
        off += 5 + n;
    }
    if (plain.len > 0) {
        emit("record", name, 0, plain.p, plain.len);
    }
    if (prot.len > 0) {
        emit("record", name, (uint8_t)(1 | (suite_index(suite) << 2)), prot.p,
             prot.len);
    }
    message_seeds(name, hs.p, hs.len, from_client);
    free(plain.p);
    free(prot.p);
    free(hs.p);
}

/* ---- one recorded handshake -----------------------------------------------
 */

static void check_replay(bool server, const uint8_t *flags_and_peer, size_t len,
                         bool expect_done, bool expect_app, const char *name)
{
    fz_result res;
    fz_run_role(server, flags_and_peer, len, &res);
    if (res.done != expect_done || (expect_app && res.app_bytes == 0)) {
        fprintf(stderr,
                "gen_corpus: %s: %s replay: done %d (want %d), rc %s, "
                "app bytes %zu\n",
                name, server ? "server" : "client", res.done, expect_done,
                clasp_error_name(res.hs_rc), res.app_bytes);
        exit(1);
    }
}

static void pair(const char *name, uint8_t cflags, unsigned sv, bool expect_ok)
{
    unsigned cv = FZ_FLAG_VARIANT(cflags);
    uint8_t early = cflags & FZ_FLAG_EARLY;
    fz_pair pr;
    fz_pair_run(cflags, sv, NULL, &pr);
    bool ok = pr.crc == CLASP_OK && pr.src == CLASP_OK;
    if (ok != expect_ok) {
        fprintf(stderr, "gen_corpus: %s: client %s, server %s\n", name,
                clasp_error_name(pr.crc), clasp_error_name(pr.src));
        exit(1);
    }

    char n[128];
    uint8_t f;
    snprintf(n, sizeof(n), "hs-%s", name);
    f = FZ_FLAGS(sv, 0, 1);
    emit2("server", n, &f, 1, pr.c2s.p, pr.c2s.len);
    f = (uint8_t)(FZ_FLAGS(cv, 0, 1) | early);
    emit2("client", n, &f, 1, pr.s2c.p, pr.s2c.len);

    /* The seeds replay: determinism is what makes them worth having. */
    fz_buf in = {0};
    f = FZ_FLAGS(sv, 0, 1);
    fz_buf_add(&in, &f, 1);
    fz_buf_add(&in, pr.c2s.p, pr.c2s.len);
    check_replay(true, in.p, in.len, pr.src == CLASP_OK, ok, name);
    in.len = 0;
    f = (uint8_t)(FZ_FLAGS(cv, 0, 1) | early);
    fz_buf_add(&in, &f, 1);
    fz_buf_add(&in, pr.s2c.p, pr.s2c.len);
    check_replay(false, in.p, in.len, pr.crc == CLASP_OK, ok, name);
    if (cv == 0 && sv == 0) {
        /* The other I/O modes of the default pair. */
        for (unsigned io = 1; io < 4; io++) {
            in.p[0] = FZ_FLAGS(cv, io, 0);
            check_replay(false, in.p, in.len, true, true, name);
            emit_raw("client", n, in.p, in.len);
        }
    }
    free(in.p);

    snprintf(n, sizeof(n), "c2s-%s", name);
    stream_seeds(n, &pr.c2s, pr.suite, true);
    snprintf(n, sizeof(n), "s2c-%s", name);
    stream_seeds(n, &pr.s2c, pr.suite, false);
    fz_pair_free(&pr);
}

/* ---- RFC 8448 -------------------------------------------------------------
 */

static size_t unhex(const char *h, size_t hl, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < hl && n < cap; i += 2) {
        unsigned v;
        if (sscanf(h + i, "%2x", &v) != 1) {
            break;
        }
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void rfc8448_seeds(const char *trace)
{
    static const char *const msgs[] = {
        ".clienthello.clienthello =",
        ".serverhello.serverhello =",
        ".encryptedextensions.encryptedextensions =",
        ".certificate.certificate =",
        ".certificaterequest.certificaterequest =",
        ".certificateverify.certificateverify =",
        ".newsessionticket.newsessionticket =",
        ".finished.finished =",
        ".endofearlydata.endofearlydata ="};
    char path[512], name[64];
    snprintf(path, sizeof(path), "%s/../vectors/rfc8448/%s.txt",
             CLASP_FUZZ_PKI_DIR, trace);
    snprintf(name, sizeof(name), "rfc8448-%s", trace);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    static char line[1 << 16];
    static uint8_t bin[1 << 15];
    int enc_seen = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *eq = strstr(line, " = ");
        if (line[0] == '#' || eq == NULL) {
            continue;
        }
        char *hex = eq + 3;
        size_t hl = strcspn(hex, "\r\n");
        size_t n = unhex(hex, hl, bin, sizeof(bin));
        bool is_msg = false;
        for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
            /* Match "<step>.<field> =" at the end of the name. */
            size_t ml = strlen(msgs[i]) - 2;
            if ((size_t)(eq - line) >= ml &&
                strncmp(eq - ml, msgs[i], ml) == 0) {
                is_msg = true;
            }
        }
        if (is_msg) {
            message_seeds(name, bin, n, strncmp(line, "client", 6) == 0);
        }
        if (strstr(line, ".complete_record =") != NULL && n >= 5) {
            if (bin[0] != CLASP_CT_APPLICATION_DATA) {
                emit("record", name, 0, bin, n);
            } else if (strcmp(trace, "simple") == 0 &&
                       strncmp(line, "server.send_handshake_record", 28) == 0 &&
                       enc_seen++ == 0) {
                /* Encrypted under the key fuzz_record mode 2 uses. */
                emit("record", name, 2, bin, n);
            }
        }
    }
    fclose(f);
}

static void pem_seeds(void)
{
    static const char *const files[] = {
        "ecdsa-p256/chain.pem", "ed25519/chain.pem",   "rsapss/chain.pem",
        "rsa2048/leaf.pem",     "ecdsa-p256/leaf.der", "all-roots.pem",
        "neg/explicit-ec.pem"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len = 0;
        uint8_t *p = fz_read_pki(files[i], &len);
        emit("x509", "pki", 0, p, len);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus OUTDIR\n");
        return 2;
    }
    g_out = argv[1];
    if (mkdir(g_out, 0777) != 0 && errno != EEXIST) {
        perror(g_out);
        return 1;
    }
    fz_env_init();
    pair("c0s0-default", 0, 0, true);
    pair("c0s1-hrr-cookie", 0, 1, true);
    pair("c1s2-client-auth", 1, 2, true);
    pair("c1s3-alpn-rsa-padding", 1, 3, true);
    pair("c2s0-sha384-nocompat", 2, 0, true);
    pair("c3s3-resumption-rsa-padding", 3, 3, true);
    pair("c2s2-no-client-cert", 2, 2, false);
    pair("c3s1-no-common-group", 3, 1, false);
    pair("c3s0-resumption-0rtt", 3 | FZ_FLAG_EARLY, 0, true);
    pair("c3s0-resumption", 3, 0, true);
    pair("c3s2-external-psk", 3, 2, true);

    /* A saved session (fuzz_ticket selector 2). */
    size_t slen = 0;
    static uint8_t sbuf[16384];
    FZ_CHECK(clasp_session_save(fz_session(), sbuf, sizeof(sbuf), &slen) ==
             CLASP_OK);
    emit("ticket", "session", 2, sbuf, slen);

    static const char *const traces[] = {"simple", "hrr", "client_auth",
                                         "compat", "resumed_0rtt"};
    for (size_t i = 0; i < 5; i++) {
        rfc8448_seeds(traces[i]);
    }
    pem_seeds();
    printf("gen_corpus: %u seeds in %s\n", g_count, g_out);
    return 0;
}
