/*
 * libFuzzer target: the record layer (record/record.h), one direction fed
 * a stream of records: header check, then open.
 *
 * Input: byte 0 = mode (bits 0-1) and suite (bits 2-4, modulo 5, for the
 * null-AEAD modes); the rest is the record stream.
 *   mode 0: plaintext direction (before any key);
 *   mode 1: protected, test provider in null-AEAD mode (the fuzzer can
 *           write "ciphertext": plaintext || type || padding || zero tag);
 *   mode 2: protected, real AES-128-GCM with a fixed key: the server
 *           handshake key of the RFC 8448 simple trace (§3), so that the
 *           trace's encrypted server flight is a valid input;
 *   mode 3: as mode 1, starting 3 records before the sequence number
 *           limit.
 *
 * Oracles: only the documented error codes (record.h) come back; a
 * failed open leaves seq unchanged, a successful protected open moves it
 * by one; the content lies inside the record and within the RFC 8446
 * §5.4 limit; and sealing the opened content again with the same key,
 * sequence number and padding reproduces the record (byte for byte when
 * its legacy_record_version is 0x0303; AEADs are deterministic).
 */
#include "crypto/testprov/testprov.h"
#include "fuzz_util.h"
#include "record/record.h"

static clasp_provider *g_null; /* test provider, null AEAD */
static clasp_provider *g_real; /* OpenSSL provider */

/* RFC 8448 §3: server_handshake_traffic_secret -> write key and iv. */
static const uint8_t k_rfc8448_key[16] = {0x4d, 0x15, 0xc0, 0x0e, 0x47, 0x31,
                                          0x7f, 0xe9, 0x9c, 0x71, 0x4f, 0x8e,
                                          0xbd, 0x92, 0xc4, 0xd1};
static const uint8_t k_rfc8448_iv[12] = {0x18, 0x22, 0x30, 0x84, 0x73, 0x5f,
                                         0x2f, 0x2d, 0x85, 0x88, 0xca, 0xaa};

static const uint16_t k_suites[5] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FZ_CHECK(clasp_testprov_new(&g_null) == CLASP_OK);
    clasp_testprov_set_null_aead(g_null, true);
    FZ_CHECK(clasp_ossl_provider_new(NULL, NULL, &g_real) == CLASP_OK);
    return 0;
}

static int setup(clasp_rec_dir *d, int mode, const clasp_suite *suite)
{
    static const uint8_t zero_key[CLASP_MAX_AEAD_KEY_LEN] = {0};
    static const uint8_t zero_iv[CLASP_AEAD_NONCE_LEN] = {0};
    if (mode == 0) {
        return clasp_rec_dir_init(d, g_null);
    }
    if (mode == 2) {
        TRY(clasp_rec_dir_init(d, g_real));
        return clasp_rec_install(d, suite, k_rfc8448_key, k_rfc8448_iv);
    }
    TRY(clasp_rec_dir_init(d, g_null));
    TRY(clasp_rec_install(d, suite, zero_key, zero_iv));
    if (mode == 3) {
        d->seq = UINT64_MAX - 3;
    }
    return CLASP_OK;
}

/* Seal the opened record again and compare with the original. */
static void reseal(int mode, const clasp_suite *suite, uint64_t seq,
                   const uint8_t *orig, size_t orig_len,
                   const clasp_rec_plain *pl)
{
    clasp_rec_dir w;
    FZ_CHECK(setup(&w, mode, suite) == CLASP_OK);
    w.seq = seq;
    uint8_t *out = malloc(orig_len + 64);
    FZ_CHECK(out != NULL);
    clasp_wr wr = clasp_wr_init(out, orig_len + 64);
    int rc;
    bool exact = orig[1] == 0x03 && orig[2] == 0x03;
    if (pl->type == CLASP_CT_CHANGE_CIPHER_SPEC) {
        rc = clasp_rec_write_ccs(&wr);
    } else if (!clasp_rec_is_protected(&w)) {
        rc = clasp_rec_seal(&w, pl->type, pl->content.p, pl->content.len, 0,
                            &wr);
    } else {
        size_t inner = orig_len - CLASP_RECORD_HEADER_LEN - suite->tag_len;
        size_t pad = inner - pl->content.len - 1;
        rc = clasp_rec_seal(&w, pl->type, pl->content.p, pl->content.len, pad,
                            &wr);
        /* The AAD is the header as received: another version there
         * changes a real tag. */
        if (mode == 2 && !exact) {
            rc = -1;
        }
    }
    if (rc == CLASP_OK) {
        FZ_CHECK(wr.len == orig_len);
        size_t from = exact ? 0 : 3;
        FZ_CHECK(memcmp(out + from, orig + from, orig_len - from) == 0);
    }
    clasp_rec_clear(&w);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    int mode = data[0] & 3;
    const clasp_suite *suite =
        clasp_suite_find(mode == 2 ? CLASP_TLS1_3_AES_128_GCM_SHA256
                                   : k_suites[((data[0] >> 2) & 7) % 5]);
    FZ_CHECK(suite != NULL);
    clasp_rec_dir d;
    FZ_CHECK(setup(&d, mode, suite) == CLASP_OK);
    bool prot = clasp_rec_is_protected(&d);

    clasp_rd r = clasp_rd_init(data + 1, size - 1);
    for (int n = 0; n < 64; n++) {
        clasp_rd before = r;
        clasp_rec_header h;
        int rc = clasp_rec_header_parse(&d, &r, &h);
        if (rc == CLASP_ERR_DECODE) {
            FZ_CHECK(clasp_rd_left(&before) < CLASP_RECORD_HEADER_LEN &&
                     r.p == before.p);
            break;
        }
        if (rc < 0) {
            FZ_CHECK(rc == CLASP_ERR_UNEXPECTED_MESSAGE ||
                     rc == CLASP_ERR_RECORD_OVERFLOW);
            break;
        }
        FZ_CHECK(h.length <=
                 (prot ? CLASP_MAX_CIPHERTEXT_LEN : CLASP_MAX_FRAGMENT_LEN));
        clasp_span body;
        if (clasp_rd_span(&r, h.length, &body) < 0) {
            break; /* incomplete record */
        }
        /* An exact heap copy: ASan sees any read past the record. */
        size_t rec_len = CLASP_RECORD_HEADER_LEN + h.length;
        uint8_t *rec = malloc(rec_len);
        uint8_t *orig = malloc(rec_len);
        FZ_CHECK(rec != NULL && orig != NULL);
        memcpy(rec, before.p, rec_len);
        memcpy(orig, before.p, rec_len);
        uint64_t seq = d.seq;
        clasp_rec_plain pl;
        rc = clasp_rec_open(&d, rec, rec_len, &pl);
        if (rc < 0) {
            FZ_CHECK(rc == CLASP_ERR_BAD_RECORD_MAC ||
                     rc == CLASP_ERR_RECORD_OVERFLOW ||
                     rc == CLASP_ERR_UNEXPECTED_MESSAGE ||
                     (rc == CLASP_ERR_INTERNAL && seq == UINT64_MAX));
            if (rc == CLASP_ERR_BAD_RECORD_MAC) {
                FZ_CHECK(d.seq == seq);
            }
            free(rec);
            free(orig);
            break;
        }
        FZ_CHECK(pl.content.len == 0 ||
                 (pl.content.p >= rec + CLASP_RECORD_HEADER_LEN &&
                  pl.content.p + pl.content.len <= rec + rec_len));
        if (pl.type == CLASP_CT_CHANGE_CIPHER_SPEC) {
            FZ_CHECK(d.seq == seq && pl.content.len == 1);
        } else if (prot) {
            FZ_CHECK(d.seq == seq + 1);
            FZ_CHECK(pl.content.len <= CLASP_MAX_FRAGMENT_LEN);
            FZ_CHECK(pl.type == CLASP_CT_HANDSHAKE ||
                     pl.type == CLASP_CT_ALERT ||
                     pl.type == CLASP_CT_APPLICATION_DATA);
        } else {
            FZ_CHECK(pl.type == CLASP_CT_HANDSHAKE ||
                     pl.type == CLASP_CT_ALERT);
        }
        reseal(mode, suite, seq, orig, rec_len, &pl);
        free(rec);
        free(orig);
    }
    clasp_rec_clear(&d);
    return 0;
}
