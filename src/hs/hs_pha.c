/*
 * Post-handshake client authentication (RFC 8446 §4.6.2), both roles.
 *
 * Owns: the transcript hash state kept after the handshake (through the
 * client Finished, c->pha_ts: the hash only, never the messages); the
 * server's one open request (c->pha_state, its context in a short-lived
 * c->hs); the client's immediate answer to a CertificateRequest.
 *
 * Invariants: each exchange hashes on a copy of c->pha_ts, so every
 * request is bound to the handshake alone (§4.4: "client Finished +
 * CertificateRequest"); the Finished MAC uses the client application
 * traffic secret in force (§4.4: client_application_traffic_secret_N);
 * a server accepts Certificate, then CertificateVerify (when the list is
 * not empty), then Finished, each only while a request is open
 * (SECURITY-CHECKLIST 24); at most one request is open at a time.
 *
 * Never: sends a CertificateRequest to a client that did not offer
 * post_handshake_auth, nor answers one without having offered it.
 */
#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs_common.h"
#include "hs/hs_pha.h"
#include "msg/msg_codes.h"

#define PHA_CONTEXT_LEN 8

int clasp_hs_pha_keep(clasp_conn *c)
{
    clasp_ts_free(&c->pha_ts);
    if (!c->pha_offered) {
        return CLASP_OK;
    }
    struct clasp_hs *hs = c->hs;
    ENSURE(clasp_ts_has_hash(&hs->ts), CLASP_ERR_INTERNAL);
    /* Take the running hash; hs->ts is left empty for clasp_hs_free(). */
    c->pha_ts = hs->ts;
    memset(&hs->ts, 0, sizeof(hs->ts));
    return CLASP_OK;
}

void clasp_hs_pha_clear(clasp_conn *c)
{
    clasp_ts_free(&c->pha_ts);
    memset(&c->pha_ts, 0, sizeof(c->pha_ts));
    c->pha_offered = false;
    c->pha_state = PHA_IDLE;
    c->pha_result = CLASP_PHA_NONE;
    c->pha_count = 0;
    c->peer_verify = 0;
    c->peer_verified = false;
}

/* A fresh c->hs whose transcript continues the handshake's. */
static int exchange_start(clasp_conn *c)
{
    ENSURE(c->hs == NULL, CLASP_ERR_BAD_STATE);
    ENSURE(c->pha_ts.h != NULL && c->pha_ts.buf == NULL, CLASP_ERR_INTERNAL);
    struct clasp_hs *hs = clasp_mem_calloc(1, sizeof(*hs));
    ENSURE(hs != NULL, CLASP_ERR_ALLOC_FAILED);
    hs->ts = c->pha_ts;
    hs->ts.h = NULL;
    c->hs = hs;
    return c->prov->hash_dup(c->pha_ts.h, &hs->ts.h);
}

int clasp_hs_pha_request(clasp_conn *c)
{
    /* RFC 8446 §4.6.2: only to a client that offered post_handshake_auth;
     * one request at a time (SECURITY-CHECKLIST 24). */
    ENSURE(c->is_server && c->handshake_done && c->pha_offered,
           CLASP_ERR_BAD_STATE);
    ENSURE(c->pha_state == PHA_IDLE && c->hs == NULL, CLASP_ERR_BAD_STATE);
    TRY(exchange_start(c));
    struct clasp_hs *hs = c->hs;
    /* §4.3.2: the context "SHALL be unique within the scope of this
     * connection": a request counter, then random bytes. */
    c->pha_count++;
    hs->cr_context[0] = (uint8_t)(c->pha_count >> 24);
    hs->cr_context[1] = (uint8_t)(c->pha_count >> 16);
    hs->cr_context[2] = (uint8_t)(c->pha_count >> 8);
    hs->cr_context[3] = (uint8_t)c->pha_count;
    TRY(c->prov->random(c->prov->ctx, hs->cr_context + 4, PHA_CONTEXT_LEN - 4));
    hs->cr_context_len = PHA_CONTEXT_LEN;
    TRY(clasp_hs_write_cr(c, clasp_span_of(hs->cr_context, PHA_CONTEXT_LEN)));
    hs->cert_requested = true;
    TRY(clasp_hs_flush(c));
    c->pha_state = PHA_WAIT_CERT;
    c->pha_result = CLASP_PHA_PENDING;
    clasp_hs_log(c, CLASP_DEBUG_INFO, "post-handshake auth requested");
    return CLASP_OK;
}

int clasp_hs_write_cr(clasp_conn *c, clasp_span context)
{
    /* RFC 8446 §4.3.2:
     *   struct {
     *       opaque certificate_request_context<0..2^8-1>;
     *       Extension extensions<2..2^16-1>;
     *   } CertificateRequest;
     * signature_algorithms: the schemes valid in a CertificateVerify. */
    struct clasp_cr *cr = clasp_mem_calloc(1, sizeof(*cr));
    ENSURE(cr != NULL, CLASP_ERR_ALLOC_FAILED);
    const clasp_config *conf = c->conf;
    cr->certificate_request_context = context;
    size_t n = 0;
    for (size_t i = 0; i < conf->sig_alg_count; i++) {
        const clasp_sig_alg *a = clasp_sig_alg_find(conf->sig_algs[i]);
        if (a != NULL && a->tls13_cv_ok) {
            cr->exts.sig_alg.v[n++] = conf->sig_algs[i];
        }
    }
    cr->exts.sig_alg.kept = n;
    cr->exts.sig_alg.count = n;
    clasp_exts_set(&cr->exts, CLASP_EXT_ID_SIG_ALG);
    /* §4.2.4: the names of our trust anchors (unless turned off). */
    uint8_t *names = NULL;
    size_t names_len = 0;
    int rc = CLASP_OK;
    if (!conf->cr_ca_list_off) {
        rc = clasp_hs_ca_list(c, &names, &names_len);
    }
    if (names != NULL) {
        cr->exts.certificate_authorities.authorities =
            clasp_span_of(names, names_len);
        clasp_exts_set(&cr->exts, CLASP_EXT_ID_CERTIFICATE_AUTHORITIES);
    }
    clasp_wr w;
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_reserve(c, 512 + context.len + names_len, &w);
    }
    if (rc == CLASP_OK) {
        rc = clasp_cr_write(&w, cr);
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_out_commit(c, &w, true);
    }
    clasp_mem_free(names);
    clasp_mem_free(cr);
    return rc;
}

bool clasp_hs_pha_allows(const clasp_conn *c, uint8_t type)
{
    if (!c->handshake_done) {
        return true;
    }
    switch (type) {
    case CLASP_HS_CERTIFICATE_REQUEST: return !c->is_server && c->pha_offered;
    case CLASP_HS_CERTIFICATE: return c->pha_state == PHA_WAIT_CERT;
    case CLASP_HS_CERTIFICATE_VERIFY: return c->pha_state == PHA_WAIT_CV;
    case CLASP_HS_FINISHED: return c->pha_state == PHA_WAIT_FINISHED;
    default: return true;
    }
}

size_t clasp_hs_pha_msg_limit(const clasp_conn *c, uint8_t type)
{
    if (!c->is_server) {
        return type == CLASP_HS_CERTIFICATE_REQUEST ? CLASP_MAX_CR_LEN
                                                    : CLASP_MAX_HS_MSG_LEN;
    }
    if (type == CLASP_HS_KEY_UPDATE) {
        return 1;
    }
    if (type == CLASP_HS_CERTIFICATE && c->pha_state == PHA_WAIT_CERT) {
        return c->conf->max_cert_list;
    }
    return CLASP_MAX_HS_MSG_LEN;
}

/* §4.4.2: the Certificate echoes the request's context. */
static int check_context(const clasp_conn *c, const struct clasp_hs_msg *m)
{
    /* struct {
     *     opaque certificate_request_context<0..2^8-1>;
     *     CertificateEntry certificate_list<0..2^24-1>;
     * } Certificate;  */
    clasp_rd r = clasp_rd_of_span(m->body);
    clasp_rd ctx;
    TRY(clasp_rd_vec8(&r, 0, 255, &ctx));
    clasp_span got = clasp_rd_rest(&ctx);
    const struct clasp_hs *hs = c->hs;
    ENSURE(got.len == hs->cr_context_len &&
               clasp_ct_equal(got.p, hs->cr_context, got.len),
           CLASP_ERR_ILLEGAL_PARAMETER);
    return CLASP_OK;
}

/* The request is answered: record the outcome, drop the exchange. */
static int srv_done(clasp_conn *c)
{
    struct clasp_hs *hs = c->hs;
    if (!hs->peer_cv_ok) {
        c->pha_result = CLASP_PHA_NO_CERT;
    } else {
        c->pha_result =
            hs->peer_chain_ok ? CLASP_PHA_VERIFIED : CLASP_PHA_NOT_VERIFIED;
        /* Tickets sent from now on carry this authentication. */
        c->peer_auth = CLASP_PSK_AUTH_PEER_CERT;
        if (hs->peer_chain_ok) {
            c->peer_auth |= CLASP_PSK_AUTH_PEER_OK;
        }
        TRY(c->prov->hash_oneshot(c->prov->ctx, CLASP_HASH_SHA256, c->peer_cert,
                                  c->peer_cert_len, c->peer_cert_hash, 32));
    }
    c->pha_state = PHA_IDLE;
    clasp_hs_free(c);
    clasp_hs_log(c, CLASP_DEBUG_INFO, "post-handshake auth done (%d)",
                 c->pha_result);
    return CLASP_OK;
}

static int srv_recv(clasp_conn *c, const struct clasp_hs_msg *m)
{
    /* SECURITY-CHECKLIST 24: nothing of an authentication without an
     * open request, and in the order of §4.4 only. */
    ENSURE(c->pha_state != PHA_IDLE && c->hs != NULL,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    struct clasp_hs *hs = c->hs;
    struct clasp_hs_msg mm = *m;
    TRY(clasp_ts_hash(&hs->ts, mm.th_before));
    TRY(clasp_ts_add(&hs->ts, m->raw.p, m->raw.len));
    switch (m->type) {
    case CLASP_HS_CERTIFICATE: {
        ENSURE(c->pha_state == PHA_WAIT_CERT, CLASP_ERR_UNEXPECTED_MESSAGE);
        TRY(check_context(c, m));
        bool empty;
        TRY(clasp_hs_recv_certificate(c, &mm, &empty));
        if (empty) {
            /* §4.4.2.4: certificate_required when we insist. */
            ENSURE(c->conf->authmode != CLASP_VERIFY_REQUIRED,
                   CLASP_ERR_CERTIFICATE_REQUIRED);
        }
        c->pha_state = empty ? PHA_WAIT_FINISHED : PHA_WAIT_CV;
        return CLASP_OK;
    }
    case CLASP_HS_CERTIFICATE_VERIFY:
        ENSURE(c->pha_state == PHA_WAIT_CV, CLASP_ERR_UNEXPECTED_MESSAGE);
        TRY(clasp_hs_recv_cv(c, &mm));
        c->pha_state = PHA_WAIT_FINISHED;
        return CLASP_OK;
    case CLASP_HS_FINISHED:
        ENSURE(c->pha_state == PHA_WAIT_FINISHED, CLASP_ERR_UNEXPECTED_MESSAGE);
        TRY(clasp_hs_recv_finished(c, &mm, c->c_ap));
        return srv_done(c);
    default: BAIL(CLASP_ERR_UNEXPECTED_MESSAGE);
    }
}

static int cli_answer(clasp_conn *c, const struct clasp_hs_msg *m)
{
    /* §4.6.2: "A client that receives a CertificateRequest message
     * without having sent the "post_handshake_auth" extension MUST send
     * an "unexpected_message" fatal alert." */
    ENSURE(c->pha_offered, CLASP_ERR_UNEXPECTED_MESSAGE);
    struct clasp_cr *cr = clasp_mem_calloc(1, sizeof(*cr));
    ENSURE(cr != NULL, CLASP_ERR_ALLOC_FAILED);
    int rc = clasp_cr_parse(&m->body, cr);
    /* §4.3.2: signature_algorithms MUST be specified. */
    if (rc == CLASP_OK && !clasp_exts_has(&cr->exts, CLASP_EXT_ID_SIG_ALG)) {
        rc = clasp_fail(CLASP_ERR_MISSING_EXTENSION, __FILE__, __LINE__);
    }
    if (rc == CLASP_OK) {
        rc = exchange_start(c);
    }
    struct clasp_hs *hs = c->hs;
    if (rc == CLASP_OK) {
        clasp_span ctx = cr->certificate_request_context;
        rc = clasp_span_copy(ctx, hs->cr_context, sizeof(hs->cr_context));
        hs->cr_context_len = ctx.len;
    }
    if (rc == CLASP_OK) {
        rc = clasp_hs_take_cert_request(c, cr);
    }
    clasp_mem_free(cr);
    TRY(rc);
    TRY(clasp_ts_add(&hs->ts, m->raw.p, m->raw.len));
    if (c->sent_close) {
        /* §6.1: nothing follows our close_notify. */
        clasp_hs_free(c);
        return CLASP_OK;
    }
    /* §4.4: Certificate (echoing the context), CertificateVerify when the
     * list is not empty, Finished under the current client application
     * traffic secret; all sealed under the application keys. */
    uint16_t alg = hs->cert_sig_alg;
    const clasp_certkey *ck = hs->certkey;
    TRY(clasp_hs_send_certificate(
        c, ck, clasp_span_of(hs->cr_context, hs->cr_context_len)));
    if (ck != NULL) {
        TRY(clasp_hs_send_cv(c, ck, alg));
    }
    TRY(clasp_hs_send_finished(c, c->c_ap));
    TRY(clasp_hs_flush(c));
    c->pha_result = ck != NULL ? CLASP_PHA_ANSWERED : CLASP_PHA_NO_CERT;
    clasp_hs_free(c);
    clasp_hs_log(c, CLASP_DEBUG_INFO, "post-handshake auth answered");
    return CLASP_OK;
}

int clasp_hs_pha_recv(clasp_conn *c, const struct clasp_hs_msg *m)
{
    return c->is_server ? srv_recv(c, m) : cli_answer(c, m);
}
