/*
 * supported_groups (RFC 8446 §4.2.7: CH, EE). Pure codec; unknown groups
 * (GREASE included, RFC 8701) are kept as plain values.
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.7:
 *    struct {
 *        NamedGroup named_group_list<2..2^16-1>;
 *    } NamedGroupList;
 *
 * NamedGroup is a uint16, so an odd length is a decode error. The same
 * form is used in CH and (as the server's preferences) in EE.
 */
int clasp_ext_supported_groups_parse(uint8_t in_msg, clasp_rd *data,
                                     struct clasp_u16_list *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    clasp_rd named_group_list;
    TRY(clasp_rd_vec16(data, 2, 65535, &named_group_list));
    TRY(clasp_ext_u16_list_parse(&named_group_list, out));
    return clasp_rd_done(data);
}

int clasp_ext_supported_groups_write(clasp_wr *w, uint8_t in_msg,
                                     const struct clasp_u16_list *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH || in_msg == CLASP_EXT_IN_EE,
           CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 2, &m));
    TRY(clasp_ext_u16_list_write(w, in));
    return clasp_wr_vec_close(w, &m, 2, 65535);
}
