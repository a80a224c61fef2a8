/*
 * Finished (RFC 8446 §4.4.4). Pure codec: the body is verify_data and
 * nothing else. Comparing it (in constant time) is the handshake's; a
 * wrong value is decrypt_error, a wrong length decode_error.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.4.4:
 *    struct {
 *        opaque verify_data[Hash.length];
 *    } Finished;
 */
int clasp_fin_parse(const clasp_span *body, size_t hash_len,
                    struct clasp_fin *out)
{
    ENSURE(hash_len > 0, CLASP_ERR_INTERNAL);
    /* A fixed-length field: any other length cannot be decoded. */
    ENSURE(body->len == hash_len, CLASP_ERR_DECODE);
    out->verify_data = *body;
    return CLASP_OK;
}

int clasp_fin_write(clasp_wr *w, const struct clasp_fin *in)
{
    clasp_wr_mark msg;

    ENSURE(in->verify_data.len > 0, CLASP_ERR_INTERNAL);
    TRY(clasp_hs_msg_open(w, CLASP_HS_FINISHED, &msg));
    TRY(clasp_wr_bytes(w, in->verify_data.p, in->verify_data.len));
    return clasp_hs_msg_close(w, &msg);
}
