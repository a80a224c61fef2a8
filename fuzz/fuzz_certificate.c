/* libFuzzer target: Certificate codec (RFC 8446 §4.4.2), the message
 * framing only (certificate contents: fuzz_x509). Input: the message
 * body. Oracle: fz_codec_roundtrip (fuzz_util.h), every extension counted
 * as sent. */
#include "fuzz_util.h"

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_ct_parse(body, ~(uint64_t)0, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_ct_write(w, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Entries and their extension blocks are kept verbatim: never lossy. */
    fz_codec_roundtrip(CLASP_HS_CERTIFICATE, data, size,
                       sizeof(struct clasp_ct), do_parse, do_write, NULL);
    struct clasp_ct ct;
    clasp_span in = clasp_span_of(data, size);
    if (clasp_ct_parse(&in, ~(uint64_t)0, &ct) == CLASP_OK) {
        FZ_CHECK(ct.certificate_list_count <= CLASP_CT_MAX_ENTRIES);
        for (size_t i = 0; i < ct.certificate_list_count; i++) {
            FZ_CHECK(ct.certificate_list[i].cert_data.len >= 1);
        }
    }
    return 0;
}
