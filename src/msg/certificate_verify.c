/*
 * CertificateVerify (RFC 8446 §4.4.3). Pure codec: whether the scheme was
 * offered, fits the key and verifies is the handshake's
 * (SECURITY-CHECKLIST row 51).
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.4.3:
 *    struct {
 *        SignatureScheme algorithm;
 *        opaque signature<0..2^16-1>;
 *    } CertificateVerify;
 */
int clasp_cv_parse(const clasp_span *body, struct clasp_cv *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd signature;

    *out = (struct clasp_cv){0};
    TRY(clasp_rd_u16(&r, &out->algorithm));
    TRY(clasp_rd_vec16(&r, 0, 65535, &signature));
    TRY(clasp_rd_rest_span(&signature, &out->signature));
    return clasp_rd_done(&r);
}

int clasp_cv_write(clasp_wr *w, const struct clasp_cv *in)
{
    clasp_wr_mark msg, m;

    TRY(clasp_hs_msg_open(w, CLASP_HS_CERTIFICATE_VERIFY, &msg));
    TRY(clasp_wr_u16(w, in->algorithm));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, in->signature.p, in->signature.len));
    TRY(clasp_wr_vec_close(w, &m, 0, 65535));
    return clasp_hs_msg_close(w, &msg);
}
