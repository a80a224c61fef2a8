/*
 * padding (RFC 7685; RFC 8446 §4.2: CH only). The client fills it with
 * zero bytes; a server gives the content no meaning, so the parser skips
 * it without looking (checking it could only add a way to fail).
 *
 * Sizing rule (the one the RFC 8448 traces follow): a ClientHello whose
 * unpadded length, header included, is in [256, target) is padded to
 * exactly target bytes (target is usually 512). Shorter hellos never hit
 * the middlebox bug RFC 7685 §1 works around, and longer ones need nothing.
 */
#include "ext/ext.h"

/* RFC 7685 §1: hellos of 256..511 bytes trip some middleboxes. */
#define PADDING_MIN_UNPADDED 256

/*
 * RFC 7685 §3:
 *    The "extension_data" for the extension consists of an arbitrary
 *    number of zero bytes.
 */
int clasp_ext_padding_parse(uint8_t in_msg, clasp_rd *data,
                            struct clasp_ext_padding *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    out->data_len = clasp_rd_left(data);
    out->target_len = 0;
    return clasp_rd_skip(data, out->data_len);
}

int clasp_ext_padding_write(clasp_wr *w, size_t data_len)
{
    return clasp_wr_zeros(w, data_len);
}

int clasp_ext_padding_size(const struct clasp_ext_padding *p,
                           size_t unpadded_len, size_t *data_len)
{
    if (p->target_len == 0) {
        *data_len = p->data_len;
        return 1;
    }
    /* The extension header (type + length) takes 4 bytes. */
    if (p->target_len < 4 || unpadded_len < PADDING_MIN_UNPADDED ||
        unpadded_len > p->target_len - 4) {
        return 0;
    }
    *data_len = p->target_len - 4 - unpadded_len;
    return 1;
}
