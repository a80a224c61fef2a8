/*
 * certificate_authorities (RFC 8446 §4.2.4: CH, CR). Pure codec: the DNs
 * are kept as one span and iterated on demand (a CertificateRequest may
 * list hundreds of them; nothing here needs to hold them all).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.4:
 *    opaque DistinguishedName<1..2^16-1>;
 *
 *    struct {
 *        DistinguishedName authorities<3..2^16-1>;
 *    } CertificateAuthoritiesExtension;
 */
int clasp_ext_certificate_authorities_parse(
    uint8_t in_msg, clasp_rd *data,
    struct clasp_ext_certificate_authorities *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_CR,
           CLASP_ERR_INTERNAL);
    clasp_rd authorities;
    TRY(clasp_rd_vec16(data, 3, 65535, &authorities));
    out->authorities = clasp_rd_rest(&authorities);
    out->authorities_count = 0;
    while (clasp_rd_left(&authorities) > 0) {
        clasp_rd dn;
        TRY(clasp_rd_vec16(&authorities, 1, 65535, &dn));
        out->authorities_count++;
    }
    return clasp_rd_done(data);
}

int clasp_ext_certificate_authorities_write(
    clasp_wr *w, uint8_t in_msg,
    const struct clasp_ext_certificate_authorities *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_CR,
           CLASP_ERR_INTERNAL);
    /* in->authorities was built with clasp_ext_certificate_authorities_add
     * (or parsed): re-check its framing so we never emit a bad list. */
    clasp_rd it = clasp_rd_of_span(in->authorities);
    int more = 1;
    while (more == 1) {
        clasp_span dn;
        more = clasp_ext_certificate_authorities_next(&it, &dn);
    }
    ENSURE(more == 0, CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, in->authorities.p, in->authorities.len));
    return clasp_wr_vec_close(w, &m, 3, 65535);
}

int clasp_ext_certificate_authorities_next(clasp_rd *it, clasp_span *dn)
{
    if (clasp_rd_left(it) == 0) {
        return 0;
    }
    clasp_rd name;
    TRY(clasp_rd_vec16(it, 1, 65535, &name));
    *dn = clasp_rd_rest(&name);
    return 1;
}

int clasp_ext_certificate_authorities_add(clasp_wr *w, clasp_span dn)
{
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, dn.p, dn.len));
    return clasp_wr_vec_close(w, &m, 1, 65535);
}
