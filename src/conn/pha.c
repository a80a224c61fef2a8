/*
 * Public API of post-handshake client authentication (RFC 8446 §4.6.2);
 * the protocol lives in src/hs/hs_pha.c.
 */
#include "conn/io.h"
#include "hs/hs.h"
#include "hs/hs_pha.h"

int clasp_conf_post_handshake_auth(clasp_config *conf, int enable)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    conf->post_hs_auth = enable != 0;
    return CLASP_OK;
}

int clasp_verify_client_post_handshake(clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf != NULL && c->fatal == 0, CLASP_ERR_BAD_STATE);
    /* RFC 8446 §4.6.2: only to a client that offered it; §6.1: nothing
     * after our close_notify; one request at a time. */
    ENSURE(c->is_server && c->handshake_done && !c->sent_close &&
               c->pha_offered && c->pha_state == PHA_IDLE && c->hs == NULL,
           CLASP_ERR_BAD_STATE);
    ENSURE(c->conf->authmode != CLASP_VERIFY_NONE, CLASP_ERR_BAD_CONFIG);
    int rc = clasp_hs_pha_request(c);
    if (rc < 0) {
        return clasp_engine_fail(c, rc);
    }
    rc = clasp_io_flush(c);
    return rc == CLASP_ERR_WANT_WRITE ? CLASP_OK : rc;
}

int clasp_get_post_handshake_auth(const clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    return c->pha_result;
}

int clasp_conf_cert_req_ca_list(clasp_config *conf, int enable)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    conf->cr_ca_list_off = enable == 0;
    return CLASP_OK;
}

int clasp_conf_ca_names_in_hello(clasp_config *conf, int enable)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    conf->ch_ca_list = enable != 0;
    return CLASP_OK;
}

int clasp_conf_verify(clasp_config *conf, clasp_verify_t *f_verify, void *arg)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    conf->f_verify = f_verify;
    conf->verify_arg = arg;
    return CLASP_OK;
}

int clasp_conf_client_cert_cb(clasp_config *conf,
                              clasp_client_cert_t *f_client_cert, void *arg)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    conf->f_client_cert = f_client_cert;
    conf->client_cert_arg = arg;
    return CLASP_OK;
}

int clasp_get_verify_result(const clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    if (c->peer_cert == NULL || (c->peer_verify == 0 && !c->peer_verified)) {
        return CLASP_ERR_NOT_FOUND;
    }
    return c->peer_verify;
}
