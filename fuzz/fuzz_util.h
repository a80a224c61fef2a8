/*
 * Helpers shared by the libFuzzer targets (header-only; see
 * docs/FUZZING.md). Fuzz code is test code: it may use memcpy/memcmp on
 * its own buffers, and it aborts (a crash for libFuzzer) when an oracle
 * fails.
 */
#ifndef CLASP_FUZZ_UTIL_H
#define CLASP_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "base/wr.h"
#include "clasp/clasp.h"
#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An oracle failed: report and crash, so that libFuzzer keeps the input. */
#define FZ_CHECK(cond)                                                        \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* An error code must be one of ours (never a stray value). */
static inline bool fz_is_clasp_err(int rc)
{
    return rc < 0 && strcmp(clasp_error_name(rc), "CLASP_ERR_UNKNOWN") != 0;
}

static inline bool fz_u16_lossy(const struct clasp_u16_list *l)
{
    return l->kept < l->count;
}

/* Did parsing drop anything a writer cannot reproduce? Unknown
 * extensions are skipped, and lists keep only their first entries in
 * fixed arrays (ext/ext.h). */
static inline bool fz_exts_lossy(const struct clasp_exts *e)
{
    return e->unknown_count > 0 ||
           fz_u16_lossy(&e->supported_versions.versions) ||
           fz_u16_lossy(&e->supported_groups) || fz_u16_lossy(&e->sig_alg) ||
           fz_u16_lossy(&e->sig_alg_cert) ||
           e->key_share.client_shares_kept < e->key_share.client_shares_count ||
           e->alpn.protocol_name_list_kept < e->alpn.protocol_name_list_count ||
           e->psk_modes.ke_modes_kept < e->psk_modes.ke_modes_count ||
           e->psk.identities_kept < e->psk.identities_count;
}

/* How faithfully a parsed message can be written back. */
enum fz_fidelity {
    FZ_EXACT,      /* the writer reproduces the input byte for byte */
    FZ_EQUIVALENT, /* the writer succeeds; bytes the parser ignores (the
                    * padding extension's content, RFC 7685) may differ or
                    * move (padding goes just before pre_shared_key) */
    FZ_LOSSY,      /* parsing dropped something (fz_exts_lossy): the
                    * writer may refuse what is left */
};

static inline enum fz_fidelity fz_exts_fidelity(const struct clasp_exts *e)
{
    if (fz_exts_lossy(e)) {
        return FZ_LOSSY;
    }
    return clasp_exts_has(e, CLASP_EXT_ID_PADDING) ? FZ_EQUIVALENT : FZ_EXACT;
}

/* Parse / write / fidelity callbacks of one message codec. */
typedef int (*fz_parse_fn)(const clasp_span *body, void *out);
typedef int (*fz_write_fn)(clasp_wr *w, const void *in);
typedef enum fz_fidelity (*fz_fidelity_fn)(const void *in);

/*
 * The codec oracle of every message target:
 *  1. parse(input) may fail (with one of our codes), nothing more;
 *  2. if it succeeds, write(parse(input)) succeeds unless parsing was
 *     lossy (then the writer may refuse what is left, with an error);
 *  3. the written message has the right header; when the parse was
 *     FZ_EXACT it is the input again, byte for byte (our encodings are
 *     canonical);
 *  4. parse(write(...)) succeeds and writing that again gives the same
 *     bytes: parse -> write -> parse is a fixed point.
 */
static inline void fz_codec_roundtrip(uint8_t msg_type, const uint8_t *data,
                                      size_t size, size_t struct_size,
                                      fz_parse_fn parse, fz_write_fn write,
                                      fz_fidelity_fn fidelity)
{
    void *p1 = calloc(1, struct_size);
    void *p2 = calloc(1, struct_size);
    size_t cap = size + CLASP_HS_HEADER_LEN + 1024;
    uint8_t *b1 = malloc(cap);
    uint8_t *b2 = malloc(cap);
    FZ_CHECK(p1 != NULL && p2 != NULL && b1 != NULL && b2 != NULL);

    clasp_span in = clasp_span_of(data, size);
    int rc = parse(&in, p1);
    if (rc < 0) {
        FZ_CHECK(fz_is_clasp_err(rc));
        goto done;
    }
    enum fz_fidelity fid = fidelity != NULL ? fidelity(p1) : FZ_EXACT;
    bool lost = fid == FZ_LOSSY;
    clasp_wr w1 = clasp_wr_init(b1, cap);
    rc = write(&w1, p1);
    if (rc < 0) {
        FZ_CHECK(lost && fz_is_clasp_err(rc));
        goto done;
    }
    FZ_CHECK(clasp_wr_finish(&w1) == CLASP_OK);
    FZ_CHECK(w1.len >= CLASP_HS_HEADER_LEN && b1[0] == msg_type);
    size_t body_len = ((size_t)b1[1] << 16) | ((size_t)b1[2] << 8) | b1[3];
    FZ_CHECK(body_len == w1.len - CLASP_HS_HEADER_LEN);
    if (fid == FZ_EXACT) {
        FZ_CHECK(
            body_len == size &&
            (size == 0 || memcmp(b1 + CLASP_HS_HEADER_LEN, data, size) == 0));
    }

    clasp_span body1 = clasp_span_of(b1 + CLASP_HS_HEADER_LEN, body_len);
    rc = parse(&body1, p2);
    FZ_CHECK(rc == CLASP_OK);
    clasp_wr w2 = clasp_wr_init(b2, cap);
    rc = write(&w2, p2);
    FZ_CHECK(rc == CLASP_OK && clasp_wr_finish(&w2) == CLASP_OK);
    FZ_CHECK(w2.len == w1.len && memcmp(b1, b2, w1.len) == 0);
done:
    free(p1);
    free(p2);
    free(b1);
    free(b2);
}

#endif
