/*
 * Certificate (RFC 8446 §4.4.2). Pure codec: the chain is returned as
 * borrowed spans, each entry's extensions are checked by the registry
 * (in_msg CT: answers to what we sent, §4.4.2). "The server's
 * certificate_list MUST always be non-empty" depends on the role and is
 * the handshake's check (§4.4.2.4: decode_error); so is certificate
 * validation.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.4.2:
 *    struct {
 *        select (certificate_type) {
 *            case RawPublicKey:
 *              -- From RFC 7250 ASN.1_subjectPublicKeyInfo
 *              opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
 *
 *            case X509:
 *              opaque cert_data<1..2^24-1>;
 *        };
 *        Extension extensions<0..2^16-1>;
 *    } CertificateEntry;
 *
 *    struct {
 *        opaque certificate_request_context<0..2^8-1>;
 *        CertificateEntry certificate_list<0..2^24-1>;
 *    } Certificate;
 */
static int parse_entry(clasp_rd *list, struct clasp_ct_entry *out)
{
    clasp_rd cert_data, extensions;
    TRY(clasp_rd_vec24(list, 1, 0xFFFFFF, &cert_data));
    TRY(clasp_rd_rest_span(&cert_data, &out->cert_data));
    TRY(clasp_rd_vec16(list, 0, 65535, &extensions));
    out->extensions = clasp_rd_rest(&extensions);
    return CLASP_OK;
}

/* The registry's rules for one entry's extensions (§4.4.2: answers to
 * what we sent; in_msg CT). */
static int check_entry_extensions(uint64_t ext_sent, struct clasp_ct_entry *e)
{
    clasp_rd r = clasp_rd_of_span(e->extensions);
    struct clasp_exts exts;
    TRY(clasp_ext_parse_block(&r, CLASP_EXT_IN_CT, ext_sent, &exts));
    e->ext_present = exts.present;
    return CLASP_OK;
}

int clasp_ct_parse(const clasp_span *body, uint64_t ext_sent,
                   struct clasp_ct *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd context, certificate_list;

    *out = (struct clasp_ct){0};
    TRY(clasp_rd_vec8(&r, 0, 255, &context));
    TRY(clasp_rd_rest_span(&context, &out->certificate_request_context));
    TRY(clasp_rd_vec24(&r, 0, 0xFFFFFF, &certificate_list));
    TRY(clasp_rd_done(&r));

    /* The framing of every entry is checked before the length cap is
     * applied, so a malformed long chain is a decode error, not a policy
     * one. The extension rules run on the kept entries only: a chain past
     * the cap is refused anyway, and this keeps a 16 MiB list of tiny
     * entries from costing one registry pass each. */
    size_t count = 0;
    while (clasp_rd_left(&certificate_list) > 0) {
        struct clasp_ct_entry e = {0};
        TRY(parse_entry(&certificate_list, &e));
        if (count < CLASP_CT_MAX_ENTRIES) {
            TRY(check_entry_extensions(ext_sent, &e));
            out->certificate_list[count] = e;
        }
        count++;
    }
    /* SECURITY-CHECKLIST row 52: cap the chain depth. The message is well
     * formed, but we refuse the certificate chain: bad_certificate. */
    ENSURE(count <= CLASP_CT_MAX_ENTRIES, CLASP_ERR_BAD_CERTIFICATE);
    out->certificate_list_count = count;
    return CLASP_OK;
}

int clasp_ct_write(clasp_wr *w, const struct clasp_ct *in)
{
    clasp_wr_mark msg, m, list;

    ENSURE(in->certificate_list_count <= CLASP_CT_MAX_ENTRIES,
           CLASP_ERR_INTERNAL);
    TRY(clasp_hs_msg_open(w, CLASP_HS_CERTIFICATE, &msg));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->certificate_request_context.p,
                       in->certificate_request_context.len));
    TRY(clasp_wr_vec_close(w, &m, 0, 255));
    TRY(clasp_wr_vec_open(w, 3, &list));
    for (size_t i = 0; i < in->certificate_list_count; i++) {
        const struct clasp_ct_entry *e = &in->certificate_list[i];
        TRY(clasp_wr_vec_open(w, 3, &m));
        TRY(clasp_wr_bytes(w, e->cert_data.p, e->cert_data.len));
        TRY(clasp_wr_vec_close(w, &m, 1, 0xFFFFFF));
        TRY(clasp_wr_vec_open(w, 2, &m));
        TRY(clasp_wr_bytes(w, e->extensions.p, e->extensions.len));
        TRY(clasp_wr_vec_close(w, &m, 0, 65535));
    }
    TRY(clasp_wr_vec_close(w, &list, 0, 0xFFFFFF));
    return clasp_hs_msg_close(w, &msg);
}
