/*
 * Handshake message framing (RFC 8446 §4): the 4-byte header in front of
 * every message. Reassembly across records is the record layer's job; this
 * file only reads and writes the header.
 */
#include "msg/msg.h"

/*
 * RFC 8446 §4:
 *    struct {
 *        HandshakeType msg_type;    -- handshake type
 *        uint24 length;             -- remaining bytes in message
 *        select (Handshake.msg_type) { ... };
 *    } Handshake;
 */
int clasp_hs_header_parse(clasp_rd *r, struct clasp_hs_header *out)
{
    ENSURE(clasp_rd_left(r) >= CLASP_HS_HEADER_LEN, CLASP_ERR_DECODE);
    TRY(clasp_rd_u8(r, &out->msg_type));
    return clasp_rd_u24(r, &out->length);
}

int clasp_hs_msg_parse(clasp_rd *r, uint8_t *msg_type, clasp_span *body)
{
    clasp_rd save = *r;
    struct clasp_hs_header h;
    TRY(clasp_hs_header_parse(r, &h));
    if (clasp_rd_span(r, h.length, body) < 0) {
        *r = save;
        BAIL(CLASP_ERR_DECODE);
    }
    *msg_type = h.msg_type;
    return CLASP_OK;
}

int clasp_hs_msg_open(clasp_wr *w, uint8_t msg_type, clasp_wr_mark *m)
{
    TRY(clasp_wr_u8(w, msg_type));
    return clasp_wr_vec_open(w, 3, m);
}

int clasp_hs_msg_close(clasp_wr *w, const clasp_wr_mark *m)
{
    return clasp_wr_vec_close(w, m, 0, 0xFFFFFF);
}
