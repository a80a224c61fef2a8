/*
 * libFuzzer target: a clasp server fed an arbitrary client byte stream
 * through the public API (clasp_handshake, clasp_read, clasp_write,
 * clasp_key_update, ...) over an in-memory BIO, on the deterministic test
 * provider (null AEAD, null verify). Input: flags byte + client bytes
 * (fuzz_env.h). Seeds recorded by gen_corpus replay whole handshakes,
 * Finished included, so the fuzzer starts from connected states.
 *
 * Built twice: fuzz_server on the library as it is, and fuzz_server_nc on the
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
    fz_run_role(true, data, size, &res);
    return 0;
}
