/*
 * libFuzzer target: a clasp client fed an arbitrary server byte stream
 * through the public API over an in-memory BIO, on the deterministic test
 * provider (null AEAD, null verify; the certificate chain is still
 * verified against the test PKI roots). Input: flags byte + server bytes
 * (fuzz_env.h). Seeds recorded by gen_corpus replay whole handshakes.
 *
 * Built twice: fuzz_client on the library as it is, and fuzz_client_nc on the
 * no-checks copy (CLASP_FUZZ_NO_CHECKS, src/base/fuzzing.h: Finished and
 * PSK binders are not checked), where mutated transcripts go on to the
 * connected state.
 */
#include "fuzz_env.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_result res;
    fz_run_role(false, data, size, &res);
    return 0;
}
