/*
 * libFuzzer target: a clasp server fed an arbitrary client byte stream
 * through the public API (clasp_handshake, clasp_read, clasp_write,
 * clasp_key_update, ...) over an in-memory BIO, on the deterministic test
 * provider (null AEAD, null verify). Input: flags byte + client bytes
 * (fuzz_env.h). Seeds recorded by gen_corpus replay whole handshakes,
 * Finished included, so the fuzzer starts from connected states.
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
