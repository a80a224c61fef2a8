/*
 * KeyUpdate (RFC 8446 §4.6.3). Pure codec; rate limits and the reply are
 * the handshake's (SECURITY-CHECKLIST row 49).
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.6.3:
 *    enum {
 *        update_not_requested(0), update_requested(1), (255)
 *    } KeyUpdateRequest;
 *
 *    struct {
 *        KeyUpdateRequest request_update;
 *    } KeyUpdate;
 */
int clasp_ku_parse(const clasp_span *body, struct clasp_ku *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    uint8_t request_update;

    /* SECURITY-CHECKLIST row 49: a bad length is decode_error. */
    TRY(clasp_rd_u8(&r, &request_update));
    TRY(clasp_rd_done(&r));
    /* §4.6.3: "If an implementation receives any other value, it MUST
     * terminate the connection with an "illegal_parameter" alert." */
    ENSURE(request_update == CLASP_KEY_UPDATE_NOT_REQUESTED ||
               request_update == CLASP_KEY_UPDATE_REQUESTED,
           CLASP_ERR_ILLEGAL_PARAMETER);
    out->request_update = request_update;
    return CLASP_OK;
}

int clasp_ku_write(clasp_wr *w, const struct clasp_ku *in)
{
    clasp_wr_mark msg;

    ENSURE(in->request_update == CLASP_KEY_UPDATE_NOT_REQUESTED ||
               in->request_update == CLASP_KEY_UPDATE_REQUESTED,
           CLASP_ERR_INTERNAL);
    TRY(clasp_hs_msg_open(w, CLASP_HS_KEY_UPDATE, &msg));
    TRY(clasp_wr_u8(w, in->request_update));
    return clasp_hs_msg_close(w, &msg);
}
