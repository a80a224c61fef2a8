/*
 * cookie (RFC 8446 §4.2.2: CH, HRR). Pure codec. The registry lets it
 * through in HelloRetryRequest unasked; checking that CH2 echoes it is the
 * handshake's job.
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.2:
 *    struct {
 *        opaque cookie<1..2^16-1>;
 *    } Cookie;
 */
int clasp_ext_cookie_parse(uint8_t in_msg, clasp_rd *data,
                           struct clasp_ext_cookie *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_HRR,
           CLASP_ERR_INTERNAL);
    clasp_rd cookie;
    TRY(clasp_rd_vec16(data, 1, 65535, &cookie));
    TRY(clasp_rd_rest_span(&cookie, &out->cookie));
    return clasp_rd_done(data);
}

int clasp_ext_cookie_write(clasp_wr *w, uint8_t in_msg,
                           const struct clasp_ext_cookie *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_HRR,
           CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, in->cookie.p, in->cookie.len));
    return clasp_wr_vec_close(w, &m, 1, 65535);
}
