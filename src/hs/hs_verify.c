/*
 * The application's verify callback (clasp_conf_verify): called with the
 * peer's chain and the library's verdict after every chain verification,
 * in the handshake and in post-handshake authentication; its answer is the
 * verdict. Never called when authmode is NONE (nothing is verified). The
 * last verdict is kept for clasp_get_verify_result() (SECURITY-CHECKLIST
 * 55: an OPTIONAL refusal is reported, not hidden).
 */
#include "hs/hs_pha.h"
#include "msg/msg.h"

static int verdict_of(clasp_conn *c, const clasp_span *chain, size_t n,
                      int result)
{
    const clasp_config *conf = c->conf;
    if (conf->f_verify == NULL) {
        return result;
    }
    const unsigned char *der[CLASP_CT_MAX_ENTRIES];
    size_t len[CLASP_CT_MAX_ENTRIES];
    ENSURE(n <= CLASP_CT_MAX_ENTRIES, CLASP_ERR_INTERNAL);
    for (size_t i = 0; i < n; i++) {
        der[i] = chain[i].p;
        len[i] = chain[i].len;
    }
    int rc = conf->f_verify(conf->verify_arg, c, der, len, n, result);
    if (rc >= 0) {
        return CLASP_OK;
    }
    /* Only a CLASP_ERR_* of the certificate class (or access_denied)
     * becomes the alert; anything else is bad_certificate. */
    if (clasp_err_class(rc) == CLASP_ERRCLASS_CERT ||
        rc == CLASP_ERR_ACCESS_DENIED) {
        return rc;
    }
    return CLASP_ERR_BAD_CERTIFICATE;
}

int clasp_hs_verify_cb(clasp_conn *c, const clasp_span *chain, size_t n,
                       int result)
{
    int verdict = verdict_of(c, chain, n, result);
    c->peer_verify = verdict;
    c->peer_verified = verdict == CLASP_OK;
    return verdict;
}
