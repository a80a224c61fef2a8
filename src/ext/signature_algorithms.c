/*
 * signature_algorithms and signature_algorithms_cert (RFC 8446 §4.2.3: CH,
 * CR). Pure codecs; unknown schemes (GREASE included) are kept as values
 * and skipped by the selection (SECURITY-CHECKLIST row 37).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.3:
 *    struct {
 *        SignatureScheme supported_signature_algorithms<2..2^16-2>;
 *    } SignatureSchemeList;
 *
 * Both extensions carry a SignatureSchemeList.
 */
static int parse_list(uint8_t in_msg, clasp_rd *data,
                      struct clasp_u16_list *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_CR,
           CLASP_ERR_INTERNAL);
    clasp_rd supported_signature_algorithms;
    TRY(clasp_rd_vec16(data, 2, 65534, &supported_signature_algorithms));
    TRY(clasp_ext_u16_list_parse(&supported_signature_algorithms, out));
    return clasp_rd_done(data);
}

static int write_list(clasp_wr *w, uint8_t in_msg,
                      const struct clasp_u16_list *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_CR,
           CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_u16_list_write(w, in));
    return clasp_wr_vec_close(w, &m, 2, 65534);
}

int clasp_ext_sig_alg_parse(uint8_t in_msg, clasp_rd *data,
                            struct clasp_u16_list *out)
{
    return parse_list(in_msg, data, out);
}

int clasp_ext_sig_alg_write(clasp_wr *w, uint8_t in_msg,
                            const struct clasp_u16_list *in)
{
    return write_list(w, in_msg, in);
}

int clasp_ext_sig_alg_cert_parse(uint8_t in_msg, clasp_rd *data,
                                 struct clasp_u16_list *out)
{
    return parse_list(in_msg, data, out);
}

int clasp_ext_sig_alg_cert_write(clasp_wr *w, uint8_t in_msg,
                                 const struct clasp_u16_list *in)
{
    return write_list(w, in_msg, in);
}
