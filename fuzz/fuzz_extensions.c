/*
 * libFuzzer target: the extension registry and every extension codec
 * (ext/ext.h), in each message an extension block can appear in.
 *
 * Input: byte 0 selects the message (CH, SH, HRR, EE, CR, CT, NST: low
 * bits modulo 7); if its top bit is set, the next 8 bytes are the mask of
 * extensions "sent" (for the responses SH, HRR, EE, CT), else everything
 * counts as sent. The rest is the body of an extensions<..> vector.
 *
 * Oracle: parse -> write -> parse -> write is a fixed point; a parse that
 * lost nothing writes the input back byte for byte (except the padding
 * extension: its content is ignored and it moves to its place before
 * pre_shared_key; see enum fz_fidelity).
 */
#include "fuzz_util.h"

static int roundtrip(clasp_wr *w, uint8_t in_msg, uint64_t sent,
                     const uint8_t *p, size_t n, struct clasp_exts *e)
{
    clasp_rd r = clasp_rd_init(p, n);
    int rc = clasp_ext_parse_block(&r, in_msg, sent, e);
    if (rc < 0) {
        return rc;
    }
    return clasp_ext_write_block(w, in_msg, e, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct clasp_exts e1, e2;
    if (size < 1) {
        return 0;
    }
    uint8_t sel = data[0];
    uint8_t in_msg = (uint8_t)(1u << ((sel & 0x7f) % 7));
    uint64_t sent = ~(uint64_t)0;
    data++;
    size--;
    if (sel & 0x80) {
        if (size < 8) {
            return 0;
        }
        sent = 0;
        for (int i = 0; i < 8; i++) {
            sent = (sent << 8) | data[i];
        }
        data += 8;
        size -= 8;
    }

    size_t cap = size + 1024;
    uint8_t *b1 = malloc(cap);
    uint8_t *b2 = malloc(cap);
    FZ_CHECK(b1 != NULL && b2 != NULL);
    clasp_wr w1 = clasp_wr_init(b1, cap);
    clasp_rd r = clasp_rd_init(data, size);
    int rc = clasp_ext_parse_block(&r, in_msg, sent, &e1);
    if (rc < 0) {
        FZ_CHECK(fz_is_clasp_err(rc));
        goto done;
    }
    /* Every present extension is allowed in this message and was sent. */
    for (unsigned id = 0; id < CLASP_EXT_ID__COUNT; id++) {
        if (!clasp_exts_has(&e1, (enum clasp_ext_id)id)) {
            continue;
        }
        const struct clasp_ext_row *row = clasp_ext_row_by_id(id);
        FZ_CHECK(row != NULL && (row->allowed_in & in_msg) != 0);
    }
    enum fz_fidelity fid = fz_exts_fidelity(&e1);
    bool lost = fid == FZ_LOSSY;
    rc = clasp_ext_write_block(&w1, in_msg, &e1, 0);
    if (rc < 0) {
        FZ_CHECK(lost && fz_is_clasp_err(rc));
        goto done;
    }
    FZ_CHECK(clasp_wr_finish(&w1) == CLASP_OK);
    if (fid == FZ_EXACT) {
        FZ_CHECK(w1.len == size && (size == 0 || memcmp(b1, data, size) == 0));
    }
    clasp_wr w2 = clasp_wr_init(b2, cap);
    rc = roundtrip(&w2, in_msg, sent, b1, w1.len, &e2);
    FZ_CHECK(rc == CLASP_OK && clasp_wr_finish(&w2) == CLASP_OK);
    FZ_CHECK(e2.present == e1.present);
    FZ_CHECK(w2.len == w1.len && memcmp(b1, b2, w1.len) == 0);
done:
    free(b1);
    free(b2);
    return 0;
}
