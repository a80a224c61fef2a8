/* libFuzzer target: the small messages: KeyUpdate (RFC 8446 §4.6.3),
 * Finished (§4.4.4) and EndOfEarlyData (§4.5). Input: first byte selects
 * the message (and, for Finished, the hash length), the rest is the
 * body. Oracle: fz_codec_roundtrip (fuzz_util.h). */
#include "fuzz_util.h"

static size_t g_hash_len;

static int ku_parse(const clasp_span *body, void *out)
{
    return clasp_ku_parse(body, out);
}

static int ku_write(clasp_wr *w, const void *in)
{
    return clasp_ku_write(w, in);
}

static int fin_parse(const clasp_span *body, void *out)
{
    return clasp_fin_parse(body, g_hash_len, out);
}

static int fin_write(clasp_wr *w, const void *in)
{
    return clasp_fin_write(w, in);
}

static int eoed_parse(const clasp_span *body, void *out)
{
    return clasp_eoed_parse(body, out);
}

static int eoed_write(clasp_wr *w, const void *in)
{
    return clasp_eoed_write(w, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    uint8_t sel = data[0];
    data++;
    size--;
    switch (sel % 4) {
    case 0:
        fz_codec_roundtrip(CLASP_HS_KEY_UPDATE, data, size,
                           sizeof(struct clasp_ku), ku_parse, ku_write, NULL);
        break;
    case 1:
    case 2:
        g_hash_len = sel % 4 == 1 ? 32 : 48;
        fz_codec_roundtrip(CLASP_HS_FINISHED, data, size,
                           sizeof(struct clasp_fin), fin_parse, fin_write,
                           NULL);
        break;
    default:
        fz_codec_roundtrip(CLASP_HS_END_OF_EARLY_DATA, data, size,
                           sizeof(struct clasp_eoed), eoed_parse, eoed_write,
                           NULL);
        break;
    }
    return 0;
}
