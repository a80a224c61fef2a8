/*
 * application_layer_protocol_negotiation (RFC 7301 §3.1; RFC 8446 §4.2:
 * CH, EE). Pure codec. Empty lists and empty names are rejected here
 * (SECURITY-CHECKLIST row 61); choosing a protocol is the handshake's job.
 */
#include "ext/ext.h"

/*
 * RFC 7301 §3.1:
 *    opaque ProtocolName<1..2^8-1>;
 *
 *    struct {
 *        ProtocolName protocol_name_list<2..2^16-1>
 *    } ProtocolNameList;
 *
 * "The "extension_data" field of the ("application_layer_protocol_
 * negotiation(16)") extension SHALL contain a "ProtocolNameList" value."
 * The server's answer has the same form "except that the
 * "ProtocolNameList" MUST contain exactly one "ProtocolName"" (RFC 7301
 * §3.1); in TLS 1.3 that answer is in EncryptedExtensions.
 */
int clasp_ext_alpn_parse(uint8_t in_msg, clasp_rd *data,
                         struct clasp_ext_alpn *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    *out = (struct clasp_ext_alpn){0};
    clasp_rd protocol_name_list;
    TRY(clasp_rd_vec16(data, 2, 65535, &protocol_name_list));
    out->protocol_name_list_raw = clasp_rd_rest(&protocol_name_list);
    while (clasp_rd_left(&protocol_name_list) > 0) {
        clasp_rd name;
        TRY(clasp_rd_vec8(&protocol_name_list, 1, 255, &name));
        if (out->protocol_name_list_kept < CLASP_EXT_ALPN_CAP) {
            TRY(clasp_rd_rest_span(
                &name, &out->protocol_name_list[out->protocol_name_list_kept]));
            out->protocol_name_list_kept++;
        }
        out->protocol_name_list_count++;
    }
    if (in_msg == CLASP_EXT_IN_EE) {
        ENSURE(out->protocol_name_list_count == 1, CLASP_ERR_DECODE);
    }
    return clasp_rd_done(data);
}

int clasp_ext_alpn_write(clasp_wr *w, uint8_t in_msg,
                         const struct clasp_ext_alpn *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    ENSURE(in->protocol_name_list_kept <= CLASP_EXT_ALPN_CAP,
           CLASP_ERR_INTERNAL);
    if (in_msg == CLASP_EXT_IN_EE) {
        ENSURE(in->protocol_name_list_kept == 1, CLASP_ERR_INTERNAL);
    }
    clasp_wr_mark list;
    TRY(clasp_wr_vec_open(w, 2, &list));
    for (size_t i = 0; i < in->protocol_name_list_kept; i++) {
        const clasp_span *name = &in->protocol_name_list[i];
        clasp_wr_mark m;
        TRY(clasp_wr_vec_open(w, 1, &m));
        TRY(clasp_wr_bytes(w, name->p, name->len));
        TRY(clasp_wr_vec_close(w, &m, 1, 255));
    }
    return clasp_wr_vec_close(w, &list, 2, 65535);
}

int clasp_ext_alpn_has(const struct clasp_ext_alpn *a, clasp_span name)
{
    if (a->protocol_name_list_raw.p == NULL) {
        for (size_t i = 0;
             i < a->protocol_name_list_kept && i < CLASP_EXT_ALPN_CAP; i++) {
            if (clasp_ext_span_eq(a->protocol_name_list[i], name)) {
                return 1;
            }
        }
        return 0;
    }
    clasp_rd r = clasp_rd_of_span(a->protocol_name_list_raw);
    while (clasp_rd_left(&r) > 0) {
        clasp_rd n;
        TRY(clasp_rd_vec8(&r, 1, 255, &n));
        if (clasp_ext_span_eq(clasp_rd_rest(&n), name)) {
            return 1;
        }
    }
    return 0;
}
