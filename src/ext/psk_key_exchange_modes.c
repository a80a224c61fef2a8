/*
 * psk_key_exchange_modes (RFC 8446 §4.2.9: CH only). Pure codec. Unknown
 * modes (GREASE included, RFC 8701) are kept and otherwise ignored; the
 * has_* flags cover the whole list, not only the kept entries.
 */
#include "ext/ext.h"

/*
 * RFC 8446 §4.2.9:
 *    enum { psk_ke(0), psk_dhe_ke(1), (255) } PskKeyExchangeMode;
 *
 *    struct {
 *        PskKeyExchangeMode ke_modes<1..255>;
 *    } PskKeyExchangeModes;
 */
int clasp_ext_psk_modes_parse(uint8_t in_msg, clasp_rd *data,
                              struct clasp_ext_psk_modes *out)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    *out = (struct clasp_ext_psk_modes){0};
    clasp_rd ke_modes;
    TRY(clasp_rd_vec8(data, 1, 255, &ke_modes));
    while (clasp_rd_left(&ke_modes) > 0) {
        uint8_t mode;
        TRY(clasp_rd_u8(&ke_modes, &mode));
        out->has_psk_ke |= (mode == CLASP_PSK_KE);
        out->has_psk_dhe_ke |= (mode == CLASP_PSK_DHE_KE);
        if (out->ke_modes_kept < CLASP_EXT_PSK_MODES_CAP) {
            out->ke_modes[out->ke_modes_kept++] = mode;
        }
        out->ke_modes_count++;
    }
    return clasp_rd_done(data);
}

int clasp_ext_psk_modes_write(clasp_wr *w, uint8_t in_msg,
                              const struct clasp_ext_psk_modes *in)
{
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    ENSURE(in->ke_modes_kept <= CLASP_EXT_PSK_MODES_CAP, CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_vec_open(w, 1, &m));
    for (size_t i = 0; i < in->ke_modes_kept; i++) {
        TRY(clasp_wr_u8(w, in->ke_modes[i]));
    }
    return clasp_wr_vec_close(w, &m, 1, 255);
}
