/* libFuzzer target: CertificateRequest codec (RFC 8446 §4.3.2). Input:
 * the message body. Oracle: fz_codec_roundtrip (fuzz_util.h). */
#include "fuzz_util.h"

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_cr_parse(body, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_cr_write(w, in);
}

static enum fz_fidelity fidelity(const void *in)
{
    const struct clasp_cr *cr = in;
    return fz_exts_fidelity(&cr->exts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_codec_roundtrip(CLASP_HS_CERTIFICATE_REQUEST, data, size,
                       sizeof(struct clasp_cr), do_parse, do_write, fidelity);
    return 0;
}
