/*
 * early_data (RFC 8446 §4.2.10: CH, EE, NST). Pure codec; whether 0-RTT
 * is accepted is decided by the handshake (SECURITY-CHECKLIST row 48).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.10:
 *    struct {} Empty;
 *
 *    struct {
 *        select (Handshake.msg_type) {
 *            case new_session_ticket:   uint32 max_early_data_size;
 *            case client_hello:         Empty;
 *            case encrypted_extensions: Empty;
 *        };
 *    } EarlyDataIndication;
 */
int clasp_ext_early_data_parse(uint8_t in_msg, clasp_rd *data,
                               struct clasp_ext_early_data *out)
{
    out->max_early_data_size = 0;
    if (in_msg == CLASP_EXT_IN_NST) {
        TRY(clasp_rd_u32(data, &out->max_early_data_size));
        return clasp_rd_done(data);
    }
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    return clasp_rd_done(data);
}

int clasp_ext_early_data_write(clasp_wr *w, uint8_t in_msg,
                               const struct clasp_ext_early_data *in)
{
    if (in_msg == CLASP_EXT_IN_NST) {
        return clasp_wr_u32(w, in->max_early_data_size);
    }
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    return CLASP_OK;
}
