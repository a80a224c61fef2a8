/*
 * record_size_limit (RFC 8449 §4; CH, EE). Pure codec. The one value rule
 * that needs no context (the 64-byte floor) is enforced here; clamping a
 * large value to the protocol maximum is the record layer's business.
 */
#include "ext/ext.h"

/* RFC 8449 §4: the smallest legal limit. */
#define RECORD_SIZE_LIMIT_MIN 64

/*
 * RFC 8449 §4:
 *    uint16 RecordSizeLimit;
 *
 * "Endpoints MUST NOT send a "record_size_limit" extension with a value
 * smaller than 64. An endpoint MUST treat receipt of a smaller value as a
 * fatal error and generate an "illegal_parameter" alert."
 */
int clasp_ext_record_size_limit_parse(uint8_t in_msg, clasp_rd *data,
                                      uint16_t *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    uint16_t limit;
    TRY(clasp_rd_u16(data, &limit));
    TRY(clasp_rd_done(data));
    ENSURE(limit >= RECORD_SIZE_LIMIT_MIN, CLASP_ERR_ILLEGAL_PARAMETER);
    *out = limit;
    return CLASP_OK;
}

int clasp_ext_record_size_limit_write(clasp_wr *w, uint8_t in_msg, uint16_t in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    ENSURE(in >= RECORD_SIZE_LIMIT_MIN, CLASP_ERR_INTERNAL);
    return clasp_wr_u16(w, in);
}
