/*
 * EncryptedExtensions (RFC 8446 §4.3.1). Pure codec: the registry rejects
 * forbidden (§4.3.1) and unsolicited (§4.2) extensions; what the answers
 * mean is the handshake's.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.3.1:
 *    struct {
 *        Extension extensions<0..2^16-1>;
 *    } EncryptedExtensions;
 */
int clasp_ee_parse(const clasp_span *body, uint64_t ext_sent,
                   struct clasp_ee *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd extensions;

    *out = (struct clasp_ee){0};
    TRY(clasp_rd_vec16(&r, 0, 65535, &extensions));
    TRY(clasp_rd_done(&r));
    out->extensions = clasp_rd_rest(&extensions);
    return clasp_ext_parse_block(&extensions, CLASP_EXT_IN_EE, ext_sent,
                                 &out->exts);
}

int clasp_ee_write(clasp_wr *w, const struct clasp_ee *in)
{
    size_t msg_start = w->len;
    clasp_wr_mark msg, m;

    TRY(clasp_hs_msg_open(w, CLASP_HS_ENCRYPTED_EXTENSIONS, &msg));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_write_block(w, CLASP_EXT_IN_EE, &in->exts, msg_start));
    TRY(clasp_wr_vec_close(w, &m, 0, 65535));
    return clasp_hs_msg_close(w, &msg);
}
