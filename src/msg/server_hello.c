/*
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): one wire
 * format, told apart by the random. Pure codec. Checking the echo, the
 * suite and the selected version against what the client sent is the
 * handshake's (SECURITY-CHECKLIST rows 25, 26, 29).
 */
#include <string.h>

#include "base/mem.h"
#include "msg/msg.h"

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"). */
const uint8_t clasp_msg_hrr_random[CLASP_RANDOM_LEN] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
    0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
    0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

/* RFC 8446 §4.1.3: "DOWNGRD" followed by 01 (TLS 1.2) or 00 (older). */
const uint8_t clasp_msg_downgrade_tls12[CLASP_DOWNGRADE_SENTINEL_LEN] = {
    0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
const uint8_t clasp_msg_downgrade_tls11[CLASP_DOWNGRADE_SENTINEL_LEN] = {
    0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00};

#define RANDOM_TAIL (CLASP_RANDOM_LEN - CLASP_DOWNGRADE_SENTINEL_LEN)

/*
 * RFC 8446 §4.1.3:
 *    struct {
 *        ProtocolVersion legacy_version = 0x0303;    -- TLS v1.2
 *        Random random;
 *        opaque legacy_session_id_echo<0..32>;
 *        CipherSuite cipher_suite;
 *        uint8 legacy_compression_method = 0;
 *        Extension extensions<6..2^16-1>;
 *    } ServerHello;
 *
 * §4.1.4: HelloRetryRequest "has the same format as a ServerHello message"
 * with random set to clasp_msg_hrr_random.
 */
int clasp_sh_parse(const clasp_span *body, uint64_t ext_sent,
                   struct clasp_sh *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd legacy_session_id_echo, extensions;

    *out = (struct clasp_sh){0};
    TRY(clasp_rd_u16(&r, &out->legacy_version));
    TRY(clasp_rd_copy(&r, out->random, CLASP_RANDOM_LEN));
    /* §4.1.3: "Upon receiving a message with type server_hello,
     * implementations MUST first examine the Random value and, if it
     * matches this value, process it as described in Section 4.1.4". The
     * random is public: a plain comparison is fine. */
    out->is_hrr =
        clasp_ct_equal(out->random, clasp_msg_hrr_random, CLASP_RANDOM_LEN);
    TRY(clasp_rd_vec8(&r, 0, CLASP_LEGACY_SESSION_ID_MAX,
                      &legacy_session_id_echo));
    TRY(clasp_rd_rest_span(&legacy_session_id_echo,
                           &out->legacy_session_id_echo));
    TRY(clasp_rd_u16(&r, &out->cipher_suite));
    TRY(clasp_rd_u8(&r, &out->legacy_compression_method));
    /* §4.1.3: "legacy_compression_method: A single byte which MUST have
     * the value 0." We never offer anything else, on any version
     * (SECURITY-CHECKLIST row 26: illegal_parameter). */
    ENSURE(out->legacy_compression_method == 0, CLASP_ERR_ILLEGAL_PARAMETER);

    /* A TLS 1.2-or-older server may omit the extensions field. */
    if (clasp_rd_left(&r) == 0) {
        return CLASP_OK;
    }
    out->has_extensions = true;
    TRY(clasp_rd_vec16(&r, 6, 65535, &extensions));
    TRY(clasp_rd_done(&r));
    out->extensions = clasp_rd_rest(&extensions);

    /* §4.2.1: "Clients MUST check for this extension prior to processing
     * the rest of the ServerHello". Without it this is not a TLS 1.3
     * ServerHello, and the TLS 1.3 extension rules do not apply. */
    clasp_span sv;
    int found = clasp_ext_block_find(out->extensions,
                                     CLASP_EXT_SUPPORTED_VERSIONS, &sv);
    TRY(found);
    if (found == 0) {
        return CLASP_OK;
    }
    out->has_supported_versions = true;
    uint8_t in_msg = out->is_hrr ? CLASP_EXT_IN_HRR : CLASP_EXT_IN_SH;
    return clasp_ext_parse_block(&extensions, in_msg, ext_sent, &out->exts);
}

int clasp_sh_write(clasp_wr *w, const struct clasp_sh *in)
{
    size_t msg_start = w->len;
    clasp_wr_mark msg, m;

    ENSURE(in->legacy_compression_method == 0, CLASP_ERR_INTERNAL);
    TRY(clasp_hs_msg_open(w, CLASP_HS_SERVER_HELLO, &msg));
    TRY(clasp_wr_u16(w, in->legacy_version));
    TRY(clasp_wr_bytes(w, in->is_hrr ? clasp_msg_hrr_random : in->random,
                       CLASP_RANDOM_LEN));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->legacy_session_id_echo.p,
                       in->legacy_session_id_echo.len));
    TRY(clasp_wr_vec_close(w, &m, 0, CLASP_LEGACY_SESSION_ID_MAX));
    TRY(clasp_wr_u16(w, in->cipher_suite));
    TRY(clasp_wr_u8(w, in->legacy_compression_method));
    if (in->has_extensions) {
        uint8_t in_msg = in->is_hrr ? CLASP_EXT_IN_HRR : CLASP_EXT_IN_SH;
        TRY(clasp_wr_vec_open(w, 2, &m));
        TRY(clasp_ext_write_block(w, in_msg, &in->exts, msg_start));
        TRY(clasp_wr_vec_close(w, &m, 6, 65535));
    }
    return clasp_hs_msg_close(w, &msg);
}

int clasp_sh_downgrade(const struct clasp_sh *sh)
{
    const uint8_t *tail = &sh->random[RANDOM_TAIL];
    if (clasp_ct_equal(tail, clasp_msg_downgrade_tls12,
                       CLASP_DOWNGRADE_SENTINEL_LEN)) {
        return CLASP_SH_DOWNGRADE_TLS12;
    }
    if (clasp_ct_equal(tail, clasp_msg_downgrade_tls11,
                       CLASP_DOWNGRADE_SENTINEL_LEN)) {
        return CLASP_SH_DOWNGRADE_TLS11;
    }
    return CLASP_SH_DOWNGRADE_NONE;
}
