/*
 * CertificateRequest (RFC 8446 §4.3.2). Pure codec. "The
 * signature_algorithms extension MUST be specified" is a missing-extension
 * check for the handshake (clasp_exts_require); unknown extensions are
 * ignored by the registry ("Clients MUST ignore unrecognized extensions").
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.3.2:
 *    struct {
 *        opaque certificate_request_context<0..2^8-1>;
 *        Extension extensions<2..2^16-1>;
 *    } CertificateRequest;
 */
int clasp_cr_parse(const clasp_span *body, struct clasp_cr *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd context, extensions;

    *out = (struct clasp_cr){0};
    TRY(clasp_rd_vec8(&r, 0, 255, &context));
    TRY(clasp_rd_rest_span(&context, &out->certificate_request_context));
    TRY(clasp_rd_vec16(&r, 2, 65535, &extensions));
    TRY(clasp_rd_done(&r));
    out->extensions = clasp_rd_rest(&extensions);
    return clasp_ext_parse_block(&extensions, CLASP_EXT_IN_CR, 0, &out->exts);
}

int clasp_cr_write(clasp_wr *w, const struct clasp_cr *in)
{
    size_t msg_start = w->len;
    clasp_wr_mark msg, m;

    TRY(clasp_hs_msg_open(w, CLASP_HS_CERTIFICATE_REQUEST, &msg));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->certificate_request_context.p,
                       in->certificate_request_context.len));
    TRY(clasp_wr_vec_close(w, &m, 0, 255));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_write_block(w, CLASP_EXT_IN_CR, &in->exts, msg_start));
    TRY(clasp_wr_vec_close(w, &m, 2, 65535));
    return clasp_hs_msg_close(w, &msg);
}
