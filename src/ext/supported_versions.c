/*
 * supported_versions (RFC 8446 §4.2.1: CH, SH, HRR). Pure codec: which
 * version to pick, and whether the server's choice was offered, is the
 * handshake's business.
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.1:
 *    struct {
 *        select (Handshake.msg_type) {
 *            case client_hello:
 *                 ProtocolVersion versions<2..254>;
 *
 *            case server_hello: (and HelloRetryRequest)
 *                 ProtocolVersion selected_version;
 *        };
 *    } SupportedVersions;
 *
 * Unknown versions (GREASE included, RFC 8701) are kept as values: "MUST
 * ignore any unknown versions" is the selection's job.
 */
int clasp_ext_supported_versions_parse(uint8_t in_msg, clasp_rd *data,
                                       struct clasp_ext_supported_versions *out)
{
    out->versions = (struct clasp_u16_list){0};
    out->selected_version = 0;
    if (in_msg == CLASP_EXT_IN_CH) {
        clasp_rd versions;
        TRY(clasp_rd_vec8(data, 2, 254, &versions));
        TRY(clasp_ext_u16_list_parse(&versions, &out->versions));
        return clasp_rd_done(data);
    }
    ENSURE(in_msg == CLASP_EXT_IN_SH || in_msg == CLASP_EXT_IN_HRR,
           CLASP_ERR_INTERNAL);
    TRY(clasp_rd_u16(data, &out->selected_version));
    return clasp_rd_done(data);
}

int clasp_ext_supported_versions_write(
    clasp_wr *w, uint8_t in_msg, const struct clasp_ext_supported_versions *in)
{
    if (in_msg == CLASP_EXT_IN_CH) {
        clasp_wr_mark m;
        TRY(clasp_wr_vec_open(w, 1, &m));
        TRY(clasp_ext_u16_list_write(w, &in->versions));
        return clasp_wr_vec_close(w, &m, 2, 254);
    }
    ENSURE(in_msg == CLASP_EXT_IN_SH || in_msg == CLASP_EXT_IN_HRR,
           CLASP_ERR_INTERNAL);
    return clasp_wr_u16(w, in->selected_version);
}
