/*
 * key_share (RFC 8446 §4.2.8: CH, SH, HRR). Pure codec. Whether a group is
 * supported, offered in supported_groups, or the one HRR asked for is
 * checked by the handshake; this file only enforces the wire format and
 * the one rule that needs the whole list at once: no two client shares
 * for the same group (checked in O(n) with a 65,536-bit set, so a list of
 * ~13,000 tiny shares costs no more than a scan: SECURITY-CHECKLIST row
 * 34).
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.8:
 *    struct {
 *        NamedGroup group;
 *        opaque key_exchange<1..2^16-1>;
 *    } KeyShareEntry;
 */
static int parse_entry(clasp_rd *r, struct clasp_key_share_entry *out)
{
    clasp_rd key_exchange;
    TRY(clasp_rd_u16(r, &out->group));
    TRY(clasp_rd_vec16(r, 1, 65535, &key_exchange));
    return clasp_rd_rest_span(&key_exchange, &out->key_exchange);
}

static int write_entry(clasp_wr *w, const struct clasp_key_share_entry *in)
{
    clasp_wr_mark m;
    TRY(clasp_wr_u16(w, in->group));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, in->key_exchange.p, in->key_exchange.len));
    return clasp_wr_vec_close(w, &m, 1, 65535);
}

/*
 * RFC 8446 §4.2.8:
 *    struct {
 *        KeyShareEntry client_shares<0..2^16-1>;
 *    } KeyShareClientHello;
 */
static int parse_client_shares(clasp_rd *data, struct clasp_ext_key_share *out)
{
    clasp_rd client_shares;
    TRY(clasp_rd_vec16(data, 0, 65535, &client_shares));
    out->client_shares_raw = clasp_rd_rest(&client_shares);
    struct clasp_ext_u16_set groups = {{0}};
    while (clasp_rd_left(&client_shares) > 0) {
        struct clasp_key_share_entry e;
        TRY(parse_entry(&client_shares, &e));
        /* RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry
         * values for the same group. ... Servers MAY check for violations
         * of these rules and abort the handshake with an
         * "illegal_parameter" alert." */
        ENSURE(clasp_ext_u16_set_add(&groups, e.group) == 0,
               CLASP_ERR_ILLEGAL_PARAMETER);
        if (out->client_shares_kept < CLASP_EXT_KEY_SHARES_CAP) {
            out->client_shares[out->client_shares_kept++] = e;
        }
        out->client_shares_count++;
    }
    return clasp_rd_done(data);
}

/*
 * RFC 8446 §4.2.8:
 *    struct {
 *        KeyShareEntry server_share;
 *    } KeyShareServerHello;
 *
 *    struct {
 *        NamedGroup selected_group;
 *    } KeyShareHelloRetryRequest;
 */
int clasp_ext_key_share_parse(uint8_t in_msg, clasp_rd *data,
                              struct clasp_ext_key_share *out)
{
    *out = (struct clasp_ext_key_share){0};
    if (in_msg == CLASP_EXT_IN_CH) {
        return parse_client_shares(data, out);
    }
    if (in_msg == CLASP_EXT_IN_SH) {
        TRY(parse_entry(data, &out->server_share));
        return clasp_rd_done(data);
    }
    ENSURE(in_msg == CLASP_EXT_IN_HRR, CLASP_ERR_INTERNAL);
    TRY(clasp_rd_u16(data, &out->selected_group));
    return clasp_rd_done(data);
}

int clasp_ext_key_share_write(clasp_wr *w, uint8_t in_msg,
                              const struct clasp_ext_key_share *in)
{
    if (in_msg == CLASP_EXT_IN_CH) {
        ENSURE(in->client_shares_kept <= CLASP_EXT_KEY_SHARES_CAP,
               CLASP_ERR_INTERNAL);
        clasp_wr_mark m;
        TRY(clasp_wr_vec_open(w, 2, &m));
        for (size_t i = 0; i < in->client_shares_kept; i++) {
            TRY(write_entry(w, &in->client_shares[i]));
        }
        return clasp_wr_vec_close(w, &m, 0, 65535);
    }
    if (in_msg == CLASP_EXT_IN_SH) {
        return write_entry(w, &in->server_share);
    }
    ENSURE(in_msg == CLASP_EXT_IN_HRR, CLASP_ERR_INTERNAL);
    return clasp_wr_u16(w, in->selected_group);
}

int clasp_ext_key_share_find(const struct clasp_ext_key_share *ks,
                             uint16_t group, struct clasp_key_share_entry *out)
{
    if (ks->client_shares_raw.p == NULL) {
        /* Built by us, not parsed: only the array exists. */
        for (size_t i = 0;
             i < ks->client_shares_kept && i < CLASP_EXT_KEY_SHARES_CAP; i++) {
            if (ks->client_shares[i].group == group) {
                *out = ks->client_shares[i];
                return 1;
            }
        }
        return 0;
    }
    clasp_rd r = clasp_rd_of_span(ks->client_shares_raw);
    while (clasp_rd_left(&r) > 0) {
        struct clasp_key_share_entry e;
        TRY(parse_entry(&r, &e));
        if (e.group == group) {
            *out = e;
            return 1;
        }
    }
    return 0;
}
