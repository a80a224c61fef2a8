/*
 * pre_shared_key (RFC 8446 §4.2.11: CH, SH). Pure codec. The registry
 * checks that it is the last extension of a ClientHello; the ClientHello
 * parser turns binders_len into the length of Truncate(ClientHello)
 * (§4.2.11.2). Which identity to pick, and the binder check, belong to the
 * handshake (SECURITY-CHECKLIST row 41).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.11:
 *    struct {
 *        opaque identity<1..2^16-1>;
 *        uint32 obfuscated_ticket_age;
 *    } PskIdentity;
 *
 *    opaque PskBinderEntry<32..255>;
 *
 *    struct {
 *        PskIdentity identities<7..2^16-1>;
 *        PskBinderEntry binders<33..2^16-1>;
 *    } OfferedPsks;
 *
 *    struct {
 *        select (Handshake.msg_type) {
 *            case client_hello: OfferedPsks;
 *            case server_hello: uint16 selected_identity;
 *        };
 *    } PreSharedKeyExtension;
 */
static int parse_offered(clasp_rd *data, struct clasp_ext_psk *out)
{
    clasp_rd identities, binders;
    TRY(clasp_rd_vec16(data, 7, 65535, &identities));
    while (clasp_rd_left(&identities) > 0) {
        struct clasp_psk_identity id;
        clasp_rd identity;
        TRY(clasp_rd_vec16(&identities, 1, 65535, &identity));
        TRY(clasp_rd_rest_span(&identity, &id.identity));
        TRY(clasp_rd_u32(&identities, &id.obfuscated_ticket_age));
        if (out->identities_kept < CLASP_EXT_PSK_IDENTITIES_CAP) {
            out->identities[out->identities_kept++] = id;
        }
        out->identities_count++;
    }

    TRY(clasp_rd_vec16(data, 33, 65535, &binders));
    out->binders_len = clasp_rd_left(&binders);
    size_t binders_count = 0;
    while (clasp_rd_left(&binders) > 0) {
        clasp_rd binder;
        TRY(clasp_rd_vec8(&binders, 32, 255, &binder));
        if (binders_count < out->identities_kept) {
            TRY(clasp_rd_rest_span(&binder, &out->binders[binders_count]));
        }
        binders_count++;
    }
    /* RFC 8446 §4.2.11: binders are "one for each value in the identities
     * list and in the same order"; a count mismatch is a malformed
     * message (SECURITY-CHECKLIST row 41: decode_error). */
    ENSURE(binders_count == out->identities_count, CLASP_ERR_DECODE);
    return clasp_rd_done(data);
}

int clasp_ext_psk_parse(uint8_t in_msg, clasp_rd *data,
                        struct clasp_ext_psk *out)
{
    *out = (struct clasp_ext_psk){0};
    if (in_msg == CLASP_EXT_IN_CH) {
        return parse_offered(data, out);
    }
    ENSURE(in_msg == CLASP_EXT_IN_SH, CLASP_ERR_INTERNAL);
    TRY(clasp_rd_u16(data, &out->selected_identity));
    return clasp_rd_done(data);
}

int clasp_ext_psk_binders_write(clasp_wr *w, const struct clasp_ext_psk *in)
{
    ENSURE(in->identities_kept <= CLASP_EXT_PSK_IDENTITIES_CAP,
           CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    for (size_t i = 0; i < in->identities_kept; i++) {
        clasp_wr_mark b;
        TRY(clasp_wr_vec_open(w, 1, &b));
        TRY(clasp_wr_bytes(w, in->binders[i].p, in->binders[i].len));
        TRY(clasp_wr_vec_close(w, &b, 32, 255));
    }
    return clasp_wr_vec_close(w, &m, 33, 65535);
}

int clasp_ext_psk_write(clasp_wr *w, uint8_t in_msg,
                        const struct clasp_ext_psk *in)
{
    if (in_msg == CLASP_EXT_IN_SH) {
        return clasp_wr_u16(w, in->selected_identity);
    }
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    ENSURE(in->identities_kept <= CLASP_EXT_PSK_IDENTITIES_CAP,
           CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    for (size_t i = 0; i < in->identities_kept; i++) {
        const struct clasp_psk_identity *id = &in->identities[i];
        clasp_wr_mark im;
        TRY(clasp_wr_vec_open(w, 2, &im));
        TRY(clasp_wr_bytes(w, id->identity.p, id->identity.len));
        TRY(clasp_wr_vec_close(w, &im, 1, 65535));
        TRY(clasp_wr_u32(w, id->obfuscated_ticket_age));
    }
    TRY(clasp_wr_vec_close(w, &m, 7, 65535));
    return clasp_ext_psk_binders_write(w, in);
}

int clasp_ext_psk_ch_size(const struct clasp_ext_psk *in, size_t *size)
{
    ENSURE(in->identities_kept <= CLASP_EXT_PSK_IDENTITIES_CAP,
           CLASP_ERR_INTERNAL);
    size_t n = 2 + 2; /* the two vector lengths */
    for (size_t i = 0; i < in->identities_kept; i++) {
        n += 2 + in->identities[i].identity.len + 4;
        n += 1 + in->binders[i].len;
    }
    *size = n;
    return CLASP_OK;
}
