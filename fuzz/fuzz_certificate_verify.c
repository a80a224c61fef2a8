/* libFuzzer target: CertificateVerify codec (RFC 8446 §4.4.3). Input:
 * the message body. Oracle: fz_codec_roundtrip (fuzz_util.h). */
#include "fuzz_util.h"

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_cv_parse(body, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_cv_write(w, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_codec_roundtrip(CLASP_HS_CERTIFICATE_VERIFY, data, size,
                       sizeof(struct clasp_cv), do_parse, do_write, NULL);
    return 0;
}
