/* libFuzzer target: ServerHello and HelloRetryRequest codec (RFC 8446
 * §4.1.3, §4.1.4). Input: the message body. Every extension counts as
 * sent (so that the registry's value parsers run); the second pass checks
 * the unsolicited-extension rule with the mask of what was present.
 * Oracle: fz_codec_roundtrip (fuzz_util.h). */
#include "fuzz_util.h"

static uint64_t g_sent;

static int do_parse(const clasp_span *body, void *out)
{
    return clasp_sh_parse(body, g_sent, out);
}

static int do_write(clasp_wr *w, const void *in)
{
    return clasp_sh_write(w, in);
}

static enum fz_fidelity fidelity(const void *in)
{
    const struct clasp_sh *sh = in;
    /* Without supported_versions the extensions are framing-checked only
     * (not kept in exts), so they cannot be written back. */
    if (sh->has_extensions && !sh->has_supported_versions) {
        return FZ_LOSSY;
    }
    return fz_exts_fidelity(&sh->exts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_sent = ~(uint64_t)0;
    fz_codec_roundtrip(CLASP_HS_SERVER_HELLO, data, size,
                       sizeof(struct clasp_sh), do_parse, do_write, fidelity);

    struct clasp_sh sh;
    clasp_span in = clasp_span_of(data, size);
    if (clasp_sh_parse(&in, g_sent, &sh) == CLASP_OK) {
        int d = clasp_sh_downgrade(&sh);
        FZ_CHECK(d >= CLASP_SH_DOWNGRADE_NONE && d <= CLASP_SH_DOWNGRADE_TLS11);
        /* A client that sent exactly what was answered accepts it too. */
        uint64_t present = sh.exts.present;
        struct clasp_sh again;
        FZ_CHECK(clasp_sh_parse(&in, present, &again) == CLASP_OK);
        FZ_CHECK(again.exts.present == present);
        /* One fewer extension sent: unsupported_extension, unless it was
         * a cookie in a HelloRetryRequest (RFC 8446 §4.2). */
        if (present != 0) {
            uint64_t low = present & (~present + 1);
            bool cookie_hrr =
                sh.is_hrr && low == CLASP_EXT_BIT(CLASP_EXT_ID_COOKIE);
            int rc = clasp_sh_parse(&in, present & ~low, &again);
            FZ_CHECK(cookie_hrr ? rc == CLASP_OK
                                : rc == CLASP_ERR_UNSUPPORTED_EXTENSION);
        }
    }
    return 0;
}
