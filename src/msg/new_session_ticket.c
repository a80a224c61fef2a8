/*
 * NewSessionTicket (RFC 8446 §4.6.1). Pure codec. Lifetime policy (the
 * 7-day cap), storing the ticket and the early_data limit are the
 * handshake's and the ticket store's.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4.6.1:
 *    struct {
 *        uint32 ticket_lifetime;
 *        uint32 ticket_age_add;
 *        opaque ticket_nonce<0..255>;
 *        opaque ticket<1..2^16-1>;
 *        Extension extensions<0..2^16-2>;
 *    } NewSessionTicket;
 */
int clasp_nst_parse(const clasp_span *body, struct clasp_nst *out)
{
    clasp_rd r = clasp_rd_of_span(*body);
    clasp_rd ticket_nonce, ticket, extensions;

    *out = (struct clasp_nst){0};
    TRY(clasp_rd_u32(&r, &out->ticket_lifetime));
    TRY(clasp_rd_u32(&r, &out->ticket_age_add));
    TRY(clasp_rd_vec8(&r, 0, 255, &ticket_nonce));
    TRY(clasp_rd_rest_span(&ticket_nonce, &out->ticket_nonce));
    TRY(clasp_rd_vec16(&r, 1, 65535, &ticket));
    TRY(clasp_rd_rest_span(&ticket, &out->ticket));
    TRY(clasp_rd_vec16(&r, 0, 65534, &extensions));
    TRY(clasp_rd_done(&r));
    out->extensions = clasp_rd_rest(&extensions);
    /* §4.6.1: "Clients MUST ignore unrecognized extensions." */
    return clasp_ext_parse_block(&extensions, CLASP_EXT_IN_NST, 0, &out->exts);
}

int clasp_nst_write(clasp_wr *w, const struct clasp_nst *in)
{
    size_t msg_start = w->len;
    clasp_wr_mark msg, m;

    TRY(clasp_hs_msg_open(w, CLASP_HS_NEW_SESSION_TICKET, &msg));
    TRY(clasp_wr_u32(w, in->ticket_lifetime));
    TRY(clasp_wr_u32(w, in->ticket_age_add));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, in->ticket_nonce.p, in->ticket_nonce.len));
    TRY(clasp_wr_vec_close(w, &m, 0, 255));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_wr_bytes(w, in->ticket.p, in->ticket.len));
    TRY(clasp_wr_vec_close(w, &m, 1, 65535));
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_write_block(w, CLASP_EXT_IN_NST, &in->exts, msg_start));
    TRY(clasp_wr_vec_close(w, &m, 0, 65534));
    return clasp_hs_msg_close(w, &msg);
}
