/*
 * EndOfEarlyData (RFC 8446 §4.5). Pure codec: an empty body. Who may send
 * it, and when, is the state machine's (a client receiving it:
 * unexpected_message).
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.5:
 *    struct {} EndOfEarlyData;
 */
int clasp_eoed_parse(const clasp_span *body, struct clasp_eoed *out)
{
    /* SECURITY-CHECKLIST row 48: a non-empty EndOfEarlyData cannot be
     * decoded. */
    ENSURE(body->len == 0, CLASP_ERR_DECODE);
    out->unused = 0;
    return CLASP_OK;
}

int clasp_eoed_write(clasp_wr *w, const struct clasp_eoed *in)
{
    clasp_wr_mark msg;

    CLASP_UNUSED(in);
    TRY(clasp_hs_msg_open(w, CLASP_HS_END_OF_EARLY_DATA, &msg));
    return clasp_hs_msg_close(w, &msg);
}
