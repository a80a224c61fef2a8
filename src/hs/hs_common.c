/*
 * Certificate, CertificateVerify and Finished, shared by both roles
 * (RFC 8446 §4.4). Owns: building our Certificate from a configured chain,
 * signing and checking the CertificateVerify content (§4.4.3), verifying
 * the peer's chain through the provider, and Finished MACs compared in
 * constant time.
 *
 * Invariant: hs->peer_cv_ok is set only by clasp_hs_recv_cv(), after the
 * signature checked out with a scheme we offered and that fits the key.
 *
 * Never, except in the no-checks fuzzing build (base/fuzzing.h, never
 * libclasp): accepts a wrong Finished.
 */
#include <string.h>

#include "base/mem.h"
#include "base/wr.h"
#include "hs/hs_common.h"
#include "hs/hs_pha.h"

const char *clasp_hs_type_name(uint8_t type)
{
    switch (type) {
    case CLASP_HS_CLIENT_HELLO: return "ClientHello";
    case CLASP_HS_SERVER_HELLO: return "ServerHello";
    case CLASP_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case CLASP_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case CLASP_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case CLASP_HS_CERTIFICATE: return "Certificate";
    case CLASP_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case CLASP_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case CLASP_HS_FINISHED: return "Finished";
    case CLASP_HS_KEY_UPDATE: return "KeyUpdate";
    default: return "unknown";
    }
}

bool clasp_hs_list_has(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v) {
            return true;
        }
    }
    return false;
}

int clasp_hs_send_certificate(clasp_conn *c, const clasp_certkey *ck,
                              clasp_span context)
{
    /* RFC 8446 §4.4.2:
     *   struct {
     *       opaque certificate_request_context<0..2^8-1>;
     *       CertificateEntry certificate_list<0..2^24-1>;
     *   } Certificate;  */
    struct clasp_ct ct;
    memset(&ct, 0, sizeof(ct));
    ct.certificate_request_context = context;
    size_t size = 4 + 1 + context.len + 3;
    size_t n = ck != NULL ? ck->chain_count : 0;
    ENSURE(n <= CLASP_CT_MAX_ENTRIES, CLASP_ERR_BAD_CONFIG);
    for (size_t i = 0; i < n; i++) {
        ct.certificate_list[i].cert_data = ck->chain[i];
        size += 3 + ck->chain[i].len + 2;
    }
    ct.certificate_list_count = n;
    clasp_wr w;
    TRY(clasp_hs_out_reserve(c, size, &w));
    TRY(clasp_ct_write(&w, &ct));
    return clasp_hs_out_commit(c, &w, true);
}

/* RFC 8446 §4.4.3: the signed content is 64 spaces, the context string, a
 * zero byte and the transcript hash. */
static int cv_content(bool server, const uint8_t *th, size_t th_len,
                      uint8_t *out, size_t cap, size_t *len)
{
    static const char srv[] = "TLS 1.3, server CertificateVerify";
    static const char cli[] = "TLS 1.3, client CertificateVerify";
    const char *ctx = server ? srv : cli;
    clasp_wr w = clasp_wr_init(out, cap);
    for (size_t i = 0; i < 64; i++) {
        TRY(clasp_wr_u8(&w, 0x20));
    }
    TRY(clasp_wr_bytes(&w, ctx, sizeof(srv) - 1));
    TRY(clasp_wr_u8(&w, 0));
    TRY(clasp_wr_bytes(&w, th, th_len));
    *len = w.len;
    return clasp_wr_finish(&w);
}

int clasp_hs_send_cv(clasp_conn *c, const clasp_certkey *ck, uint16_t sig_alg)
{
    /* struct {
     *     SignatureScheme algorithm;
     *     opaque signature<0..2^16-1>;
     * } CertificateVerify;  */
    uint8_t th[CLASP_MAX_HASH_LEN];
    uint8_t tbs[64 + 34 + CLASP_MAX_HASH_LEN];
    uint8_t sig[CLASP_MAX_SIG_LEN];
    size_t sig_len = 0;
    TRY(clasp_ts_hash(&c->hs->ts, th));
    size_t tbs_len = 0;
    TRY(cv_content(c->is_server, th, c->suite->hash_len, tbs, sizeof(tbs),
                   &tbs_len));
    TRY(c->prov->sign(c->prov->ctx, ck->key, sig_alg, tbs, tbs_len, sig,
                      sizeof(sig), &sig_len));
    struct clasp_cv cv = {sig_alg, clasp_span_of(sig, sig_len)};
    clasp_wr w;
    TRY(clasp_hs_out_reserve(c, 8 + sig_len, &w));
    TRY(clasp_cv_write(&w, &cv));
    return clasp_hs_out_commit(c, &w, true);
}

int clasp_hs_send_finished(clasp_conn *c, const uint8_t *base_secret)
{
    /* struct { opaque verify_data[Hash.length]; } Finished; */
    uint8_t th[CLASP_MAX_HASH_LEN];
    uint8_t vd[CLASP_MAX_HASH_LEN];
    TRY(clasp_ts_hash(&c->hs->ts, th));
    TRY(clasp_ks_finished(c->prov, c->suite->hash, base_secret, th, vd));
    struct clasp_fin fin = {clasp_span_of(vd, c->suite->hash_len)};
    clasp_wr w;
    int rc = clasp_hs_out_reserve(c, 4 + CLASP_MAX_HASH_LEN, &w);
    if (rc == CLASP_OK) {
        rc = clasp_fin_write(&w, &fin);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_commit(c, &w, true);
    }
    clasp_memzero(vd, sizeof(vd));
    return rc;
}

int clasp_hs_recv_finished(clasp_conn *c, const struct clasp_hs_msg *m,
                           const uint8_t *base_secret)
{
    struct clasp_fin fin;
    TRY(clasp_fin_parse(&m->body, c->suite->hash_len, &fin));
    uint8_t expect[CLASP_MAX_HASH_LEN];
    TRY(clasp_ks_finished(c->prov, c->suite->hash, base_secret, m->th_before,
                          expect));
    bool ok = fin.verify_data.len == c->suite->hash_len &&
              clasp_ct_equal(expect, fin.verify_data.p, c->suite->hash_len);
    clasp_memzero(expect, sizeof(expect));
    if (CLASP_FUZZ_NO_CHECKS) {
        /* Fuzzing build only (base/fuzzing.h): any verify_data passes. */
        return clasp_hs_fuzz_skip(c, ok ? CLASP_OK : CLASP_ERR_DECRYPT_ERROR,
                                  CLASP_FUZZ_MARK("Finished"));
    }
    /* RFC 8446 §4.4.4: a wrong verify_data is decrypt_error. */
    ENSURE(ok, CLASP_ERR_DECRYPT_ERROR);
    return CLASP_OK;
}

#if CLASP_FUZZ_NO_CHECKS
int clasp_hs_fuzz_skip(const clasp_conn *c, int rc, const char *what)
{
    if (rc != CLASP_ERR_DECRYPT_ERROR) {
        return rc;
    }
    clasp_hs_log(c, CLASP_DEBUG_INFO, "%s (fuzzing build)", what);
    return CLASP_OK;
}
#endif

int clasp_hs_recv_certificate(clasp_conn *c, const struct clasp_hs_msg *m,
                              bool *empty)
{
    struct clasp_ct ct;
    TRY(clasp_ct_parse(&m->body, 0, &ct));
    struct clasp_hs *hs = c->hs;
    /* RFC 8446 §4.4.2: in the handshake the context is empty for the
     * server, and echoes the CertificateRequest's for the client. */
    size_t want = c->is_server ? hs->cr_context_len : 0;
    ENSURE(ct.certificate_request_context.len == want,
           CLASP_ERR_ILLEGAL_PARAMETER);
    *empty = ct.certificate_list_count == 0;
    if (*empty) {
        /* §4.4.2.4: a server must send a certificate (decode_error). */
        ENSURE(c->is_server, CLASP_ERR_DECODE);
        return CLASP_OK;
    }
    clasp_span leaf = ct.certificate_list[0].cert_data;
    uint8_t *copy = clasp_memdup(leaf.p, leaf.len);
    ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_mem_free(c->peer_cert);
    c->peer_cert = copy;
    c->peer_cert_len = leaf.len;

    /* The leaf's key: from chain verification when it succeeds (the leaf
     * is parsed once), else parsed here. */
    clasp_pkey *key = NULL;
    const clasp_config *conf = c->conf;
    if (conf->authmode != CLASP_VERIFY_NONE) {
        clasp_span chain[CLASP_CT_MAX_ENTRIES];
        for (size_t i = 0; i < ct.certificate_list_count; i++) {
            chain[i] = ct.certificate_list[i].cert_data;
        }
        clasp_verify_opts opts = {
            .host = c->is_server ? NULL : c->hostname,
            .purpose =
                c->is_server ? CLASP_PURPOSE_CLIENT : CLASP_PURPOSE_SERVER,
            .max_depth = CLASP_MAX_CHAIN,
            .now = 0,
        };
        /* Fail closed: verifying without a name is refused (SECURITY-
         * CHECKLIST row 54). */
        ENSURE(c->is_server || c->hostname != NULL, CLASP_ERR_NO_HOSTNAME);
        ENSURE(conf->trust != NULL, CLASP_ERR_UNKNOWN_CA);
        int rc = c->prov->verify_chain(c->prov->ctx, conf->trust, chain,
                                       ct.certificate_list_count, &opts, &key);
        rc = clasp_hs_verify_cb(c, chain, ct.certificate_list_count, rc);
        if (rc < 0 && conf->authmode == CLASP_VERIFY_REQUIRED) {
            if (key != NULL) {
                c->prov->pkey_free(key);
            }
            return rc;
        }
        hs->peer_chain_ok = rc == CLASP_OK;
        if (rc < 0) {
            clasp_hs_log(c, CLASP_DEBUG_INFO,
                         "peer certificate not verified (%s), going on",
                         clasp_error_name(rc));
        }
    }
    if (hs->peer_key != NULL) {
        c->prov->pkey_free(hs->peer_key);
        hs->peer_key = NULL;
    }
    if (key != NULL) {
        hs->peer_key = key;
        return CLASP_OK;
    }
    return c->prov->pkey_from_cert(c->prov->ctx, leaf.p, leaf.len,
                                   &hs->peer_key);
}

int clasp_hs_recv_cv(clasp_conn *c, const struct clasp_hs_msg *m)
{
    struct clasp_cv cv;
    TRY(clasp_cv_parse(&m->body, &cv));
    struct clasp_hs *hs = c->hs;
    const clasp_sig_alg *alg = clasp_sig_alg_find(cv.algorithm);
    /* RFC 8446 §4.4.3: a scheme we did not offer, one unfit for the key,
     * or RSASSA-PKCS1-v1_5 (never valid in a TLS 1.3 CertificateVerify)
     * is illegal_parameter; a bad signature decrypt_error. */
    ENSURE(alg != NULL && alg->tls13_cv_ok, CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(clasp_hs_list_has(c->conf->sig_algs, c->conf->sig_alg_count,
                             cv.algorithm),
           CLASP_ERR_ILLEGAL_PARAMETER);
    ENSURE(hs->peer_key != NULL, CLASP_ERR_INTERNAL);
    ENSURE(c->prov->pkey_fits(hs->peer_key, cv.algorithm),
           CLASP_ERR_ILLEGAL_PARAMETER);
    uint8_t tbs[64 + 34 + CLASP_MAX_HASH_LEN];
    size_t tbs_len = 0;
    TRY(cv_content(!c->is_server, m->th_before, c->suite->hash_len, tbs,
                   sizeof(tbs), &tbs_len));
    TRY(c->prov->verify(c->prov->ctx, hs->peer_key, cv.algorithm, tbs, tbs_len,
                        cv.signature.p, cv.signature.len));
    hs->peer_cv_ok = true;
    c->peer_sig_alg = cv.algorithm;
    return CLASP_OK;
}

int clasp_hs_pick_sig_alg(const clasp_conn *c, const clasp_certkey *ck,
                          const uint16_t *peer, size_t peer_count,
                          uint16_t *out)
{
    /* Our preference order, restricted to what the peer offered, to
     * schemes valid in a TLS 1.3 CertificateVerify, and to the key. */
    const clasp_config *conf = c->conf;
    for (size_t i = 0; i < conf->sig_alg_count; i++) {
        uint16_t s = conf->sig_algs[i];
        const clasp_sig_alg *alg = clasp_sig_alg_find(s);
        if (alg == NULL || !alg->tls13_cv_ok ||
            !clasp_hs_list_has(peer, peer_count, s) ||
            !c->prov->pkey_fits(ck->key, s)) {
            continue;
        }
        *out = s;
        return CLASP_OK;
    }
    return CLASP_ERR_HANDSHAKE_FAILURE;
}

static void keylog_cb(void *arg, const char *label,
                      const uint8_t client_random[32], const uint8_t *secret,
                      size_t len)
{
    const clasp_config *conf = arg;
    char line[CLASP_KS_KEYLOG_LINE_MAX];
    if (clasp_ks_keylog_line(line, sizeof(line), label, client_random, secret,
                             len) >= 0) {
        conf->f_keylog(conf->keylog_arg, line);
    }
}

int clasp_hs_ks_start(clasp_conn *c, const uint8_t *client_random,
                      const uint8_t *psk, size_t psk_len)
{
    struct clasp_hs *hs = c->hs;
    TRY(clasp_ks_init(&hs->ks, c->prov, c->suite->hash));
    if (CLASP_WITH_KEYLOG && c->conf->f_keylog != NULL) {
        TRY(clasp_ks_set_keylog(&hs->ks, keylog_cb, c->conf, client_random));
    }
    return clasp_ks_early(&hs->ks, psk, psk != NULL ? psk_len : 0);
}

int clasp_hs_ks_keylog(clasp_conn *c, clasp_ks *ks)
{
    if (CLASP_WITH_KEYLOG && c->conf->f_keylog != NULL) {
        TRY(clasp_ks_set_keylog(ks, keylog_cb, c->conf, c->hs->client_random));
    }
    return CLASP_OK;
}

int clasp_hs_set_alpn(clasp_conn *c, const uint8_t *p, size_t len)
{
    /* RFC 7301 §3.1: ProtocolName<1..2^8-1>. */
    ENSURE(len >= 1 && len <= 255, CLASP_ERR_INTERNAL);
    char *copy = clasp_mem_calloc(1, len + 1);
    ENSURE(copy != NULL, CLASP_ERR_ALLOC_FAILED);
    int rc = clasp_copy(copy, len, p, len);
    if (rc < 0) {
        clasp_mem_free(copy);
        return rc;
    }
    clasp_mem_free(c->alpn);
    c->alpn = copy;
    return CLASP_OK;
}

size_t clasp_hs_alpn_len(const clasp_conn *c)
{
    return c->alpn != NULL ? strlen(c->alpn) : 0;
}

int clasp_hs_finish(clasp_conn *c)
{
    TRY(clasp_hs_pha_keep(c));
    clasp_hs_free(c);
    clasp_hs_log(c, CLASP_DEBUG_INFO, "handshake done: %s %s %s",
                 clasp_get_version(c), c->suite->name,
                 c->group != 0 ? clasp_group_name(c->group) : "-");
    return CLASP_OK;
}
