/*
 * post_handshake_auth (RFC 8446 §4.2.6: CH only). Presence is the whole
 * message; "Servers MUST NOT send this extension" is enforced by the
 * registry's allowed_in (CH only).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.6:
 *    struct {} PostHandshakeAuth;
 *
 * "The "extension_data" field of the "post_handshake_auth" extension is
 * zero length."
 */
int clasp_ext_post_handshake_auth_parse(uint8_t in_msg, clasp_rd *data)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    return clasp_rd_done(data);
}

int clasp_ext_post_handshake_auth_write(clasp_wr *w, uint8_t in_msg)
{
    CLASP_UNUSED(w);
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    return CLASP_OK;
}
