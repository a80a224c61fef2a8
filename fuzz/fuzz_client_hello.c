/* libFuzzer target: ClientHello codec (RFC 8446 §4.1.2). Input: the
 * message body. Oracle: fz_codec_roundtrip (fuzz_util.h). */
#include "fuzz_util.h"

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_ch_parse(body, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_ch_write(w, in);
}

static enum fz_fidelity fidelity(const void *in)
{
    const struct clasp_ch *ch = in;
    /* E.g. an extensions block of unknown types only is written back
     * empty, below its <8..> minimum. */
    if (fz_u16_lossy(&ch->cipher_suites)) {
        return FZ_LOSSY;
    }
    return fz_exts_fidelity(&ch->exts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_codec_roundtrip(CLASP_HS_CLIENT_HELLO, data, size,
                       sizeof(struct clasp_ch), do_parse, do_write, fidelity);
    /* The PSK binder offset lies inside the message. */
    struct clasp_ch ch;
    clasp_span in = clasp_span_of(data, size);
    if (clasp_ch_parse(&in, &ch) == CLASP_OK && ch.truncated_len > 0) {
        FZ_CHECK(ch.truncated_len <= CLASP_HS_HEADER_LEN + size);
    }
    return 0;
}
