/* libFuzzer target: EncryptedExtensions codec (RFC 8446 §4.3.1). Input:
 * the message body. Oracle: fz_codec_roundtrip (fuzz_util.h), with every
 * extension counted as sent. */
#include "fuzz_util.h"

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_ee_parse(body, ~(uint64_t)0, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_ee_write(w, in);
}

static enum fz_fidelity fidelity(const void *in)
{
    const struct clasp_ee *ee = in;
    return fz_exts_fidelity(&ee->exts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_codec_roundtrip(CLASP_HS_ENCRYPTED_EXTENSIONS, data, size,
                       sizeof(struct clasp_ee), do_parse, do_write, fidelity);
    /* Nothing sent: any extension at all is unsupported_extension. */
    struct clasp_ee ee;
    clasp_span in = clasp_span_of(data, size);
    if (clasp_ee_parse(&in, ~(uint64_t)0, &ee) == CLASP_OK &&
        ee.exts.present != 0) {
        FZ_CHECK(clasp_ee_parse(&in, 0, &ee) ==
                 CLASP_ERR_UNSUPPORTED_EXTENSION);
    }
    return 0;
}
