/*
 * ClientHello (RFC 8446 §4.1.2). Pure codec: the encoding, the generic
 * extension rules (through the registry) and the PSK binder offset. Version
 * negotiation, suite selection and the CH1/CH2 comparison after HRR are the
 * handshake's.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.1.2:
 *    uint16 ProtocolVersion;
 *    opaque Random[32];
 *
 *    uint8 CipherSuite[2];    -- Cryptographic suite selector
 *
 *    struct {
 *        ProtocolVersion legacy_version = 0x0303;    -- TLS v1.2
 *        Random random;
 *        opaque legacy_session_id<0..32>;
 *        CipherSuite cipher_suites<2..2^16-2>;
 *        opaque legacy_compression_methods<1..2^8-1>;
 *        Extension extensions<8..2^16-1>;
 *    } ClientHello;
 */
int clasp_ch_parse(const clasp_span *body, struct clasp_ch *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd legacy_session_id, cipher_suites, legacy_compression_methods;
    clasp_rd extensions;

    *out = (struct clasp_ch){0};
    TRY(clasp_rd_u16(&r, &out->legacy_version));
    TRY(clasp_rd_copy(&r, out->random, CLASP_RANDOM_LEN));
    TRY(clasp_rd_vec8(&r, 0, CLASP_LEGACY_SESSION_ID_MAX, &legacy_session_id));
    TRY(clasp_rd_rest_span(&legacy_session_id, &out->legacy_session_id));
    TRY(clasp_rd_vec16(&r, 2, 65534, &cipher_suites));
    TRY(clasp_ext_u16_list_parse(&cipher_suites, &out->cipher_suites));
    TRY(clasp_rd_vec8(&r, 1, 255, &legacy_compression_methods));
    TRY(clasp_rd_rest_span(&legacy_compression_methods,
                           &out->legacy_compression_methods));
    uint8_t method0 = 1;
    if (out->legacy_compression_methods.len == 1) {
        TRY(clasp_span_at(out->legacy_compression_methods, 0, &method0));
    }
    out->has_null_compression_only = (method0 == 0);

    /* §4.1.2: "TLS 1.3 servers might receive ClientHello messages without
     * an extensions field from prior versions of TLS. The presence of
     * extensions can be detected by determining whether there are bytes
     * following the compression_methods field". The caller decides (such
     * a hello has no supported_versions, so it is not TLS 1.3). */
    if (clasp_rd_left(&r) == 0) {
        return CLASP_OK;
    }
    out->has_extensions = true;
    TRY(clasp_rd_vec16(&r, 8, 65535, &extensions));
    /* §4.1.2: "...or that it contains a valid extensions block with no
     * data following. If not, then it MUST abort the handshake with a
     * "decode_error" alert." */
    TRY(clasp_rd_done(&r));
    out->extensions = clasp_rd_rest(&extensions);
    TRY(clasp_ext_parse_block(&extensions, CLASP_EXT_IN_CH, 0, &out->exts));

    if (clasp_exts_has(&out->exts, CLASP_EXT_ID_PRE_SHARED_KEY)) {
        /* pre_shared_key is the last extension (checked by the registry)
         * and binders<33..2^16-1> the last field of it, and nothing
         * follows the extensions: the binders vector is the last
         * 2 + binders_len bytes of the body (§4.2.11.2 Truncate()). */
        size_t binders_vec = 2 + out->exts.psk.binders_len;
        ENSURE(binders_vec <= body->len, CLASP_ERR_INTERNAL);
        out->truncated_len = CLASP_HS_HEADER_LEN + body->len - binders_vec;
    }
    return CLASP_OK;
}

int clasp_ch_write(clasp_wr *w, const struct clasp_ch *in)
{
    size_t msg_start = w->len;
    clasp_wr_mark msg, m;

    TRY(clasp_hs_msg_open(w, CLASP_HS_CLIENT_HELLO, &msg));
    TRY(clasp_wr_u16(w, in->legacy_version));
    TRY(clasp_wr_bytes(w, in->random, CLASP_RANDOM_LEN));

    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->legacy_session_id.p, in->legacy_session_id.len));
    TRY(clasp_wr_vec_close(w, &m, 0, CLASP_LEGACY_SESSION_ID_MAX));

    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_u16_list_write(w, &in->cipher_suites));
    TRY(clasp_wr_vec_close(w, &m, 2, 65534));

    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->legacy_compression_methods.p,
                       in->legacy_compression_methods.len));
    TRY(clasp_wr_vec_close(w, &m, 1, 255));

    if (in->has_extensions) {
        TRY(clasp_wr_vec_open(w, 2, &m));
        TRY(clasp_ext_write_block(w, CLASP_EXT_IN_CH, &in->exts, msg_start));
        TRY(clasp_wr_vec_close(w, &m, 8, 65535));
    }
    return clasp_hs_msg_close(w, &msg);
}
