/* Record layer unit tests (RFC 8446 §5): header checks before decryption,
 * seal/open round trips for the five TLS 1.3 AEADs, tampering (tag,
 * ciphertext, header, truncation, sequence number) -> BAD_RECORD_MAC,
 * TLSInnerPlaintext rules (padding, all-zero, size limits, inner type),
 * sequence-number exhaustion, KeyUpdate signal, change_cipher_spec,
 * plaintext mode. Hostile inner plaintexts are sealed here directly with
 * the provider (nonce and AAD built by hand), not with clasp_rec_seal. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "record/record.h"

static clasp_provider *prov;

#define MAXREC (CLASP_MAX_RECORD_LEN + 64)
static uint8_t rec[MAXREC];
static uint8_t content[CLASP_MAX_INNER_PLAINTEXT_LEN + 16];

static const uint8_t test_key[32] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
    0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x12, 0x23, 0x34, 0x45, 0x56,
    0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0,
};
static const uint8_t test_iv[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

static int setup(void **state)
{
    (void)state;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    for (size_t i = 0; i < sizeof(content); i++) {
        content[i] = (uint8_t)(i % 251 + 1); /* never 0 */
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prov->destroy(prov);
    return 0;
}

static const clasp_suite *suite_of(uint16_t id)
{
    const clasp_suite *s = clasp_suite_find(id);
    assert_non_null(s);
    return s;
}

static void protected_dir(clasp_rec_dir *d, const clasp_suite *s)
{
    assert_clasp_ok(clasp_rec_dir_init(d, prov));
    assert_clasp_ok(clasp_rec_install(d, s, test_key, test_iv));
}

/* An encrypted record built without the record layer: header
 * 17 03 03 len, nonce = iv XOR seq (RFC 8446 §5.3), AAD = header. */
static size_t seal_raw(const clasp_suite *s, uint64_t seq, const uint8_t *inner,
                       size_t inner_len, uint8_t *out)
{
    clasp_aead *a = NULL;
    assert_clasp_ok(
        prov->aead_new(prov->ctx, s->iana, test_key, s->key_len, &a));
    size_t len = inner_len + s->tag_len;
    out[0] = 23;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    uint8_t nonce[12];
    memcpy(nonce, test_iv, 12);
    for (size_t i = 0; i < 8; i++) {
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    }
    memmove(out + 5, inner, inner_len);
    assert_clasp_ok(
        prov->aead_seal(a, nonce, out, 5, out + 5, inner_len, out + 5));
    prov->aead_free(a);
    return 5 + len;
}

static size_t seal(clasp_rec_dir *d, uint8_t type, size_t len, size_t pad)
{
    clasp_wr w = clasp_wr_init(rec, sizeof(rec));
    assert_clasp_ok(clasp_rec_seal(d, type, content, len, pad, &w));
    return w.len;
}

/* ---- round trips, all five AEADs ----------------------------------------- */

static void round_trip_every_suite(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 100, 1000, CLASP_MAX_FRAGMENT_LEN};
    static const size_t pads[] = {0, 1, 255};
    for (size_t k = 0; k < clasp_default_suite_count; k++) {
        const clasp_suite *s = suite_of(clasp_default_suites[k]);
        clasp_rec_dir w, r;
        protected_dir(&w, s);
        protected_dir(&r, s);
        uint64_t n = 0;
        for (size_t i = 0; i < 5; i++) {
            for (size_t j = 0; j < 3; j++) {
                size_t len = lens[i], pad = pads[j];
                if (len + 1 + pad > CLASP_MAX_INNER_PLAINTEXT_LEN) {
                    continue;
                }
                uint8_t type = len == 0 ? CLASP_CT_APPLICATION_DATA
                                        : (uint8_t)(21 + (i + j) % 3);
                size_t rec_len = seal(&w, type, len, pad);
                /* seal output = header + len + 1 + pad + tag */
                assert_int_equal(rec_len, 5 + len + 1 + pad + s->tag_len);
                assert_int_equal(rec_len, clasp_rec_sealed_len(&w, len, pad));
                assert_int_equal(rec[0], 23);
                assert_int_equal(rec[1] << 8 | rec[2], 0x0303);
                assert_int_equal((size_t)(rec[3] << 8 | rec[4]), rec_len - 5);
                clasp_rec_plain pt;
                assert_clasp_ok(clasp_rec_open(&r, rec, rec_len, &pt));
                assert_int_equal(pt.type, type);
                assert_int_equal(pt.content.len, len);
                if (len > 0) {
                    assert_memory_equal(pt.content.p, content, len);
                }
                n++;
                assert_true(w.seq == n && r.seq == n);
            }
        }
        clasp_rec_clear(&w);
        clasp_rec_clear(&r);
    }
}

/* Any change to tag, ciphertext, header (AAD) or nonce fails
 * authentication: BAD_RECORD_MAC, sequence number unchanged. */
static void tampering_is_bad_record_mac(void **state)
{
    (void)state;
    for (size_t k = 0; k < clasp_default_suite_count; k++) {
        const clasp_suite *s = suite_of(clasp_default_suites[k]);
        clasp_rec_dir w, r;
        protected_dir(&w, s);
        protected_dir(&r, s);
        size_t rec_len = seal(&w, CLASP_CT_APPLICATION_DATA, 50, 3);
        uint8_t orig[128];
        memcpy(orig, rec, rec_len);
        clasp_rec_plain pt;

        rec[rec_len - 1] ^= 0x01; /* tag */
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        assert_true(r.seq == 0);
        memcpy(rec, orig, rec_len);
        rec[7] ^= 0x80; /* ciphertext */
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        memcpy(rec, orig, rec_len);
        rec[2] = 0x01; /* legacy_record_version: ignored, but in the AAD */
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        /* truncated by one byte (header length adjusted) */
        memcpy(rec, orig, rec_len);
        rec[4] = (uint8_t)(rec[4] - 1);
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len - 1, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        /* shorter than the tag: refused before decryption */
        memcpy(rec, orig, rec_len);
        rec[3] = 0;
        rec[4] = (uint8_t)(s->tag_len - 1);
        assert_clasp_err(clasp_rec_open(&r, rec, 5 + s->tag_len - 1, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        /* wrong sequence number (nonce) */
        r.seq = 1;
        memcpy(rec, orig, rec_len);
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        assert_true(r.seq == 1);
        /* the right one still works afterwards */
        r.seq = 0;
        memcpy(rec, orig, rec_len);
        assert_clasp_ok(clasp_rec_open(&r, rec, rec_len, &pt));
        assert_int_equal(pt.content.len, 50);
        /* replaying it: seq moved on */
        memcpy(rec, orig, rec_len);
        assert_clasp_err(clasp_rec_open(&r, rec, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        clasp_rec_clear(&w);
        clasp_rec_clear(&r);
    }
}

/* The nonce is iv XOR the left-padded sequence number (RFC 8446 §5.3):
 * a record sealed by hand at seq 0x0102030405060708 opens there. */
static void nonce_is_iv_xor_seq(void **state)
{
    (void)state;
    const clasp_suite *s = suite_of(CLASP_TLS1_3_CHACHA20_POLY1305_SHA256);
    uint8_t inner[] = {'h', 'i', CLASP_CT_APPLICATION_DATA};
    size_t n = seal_raw(s, 0x0102030405060708ull, inner, sizeof(inner), rec);
    clasp_rec_dir r;
    protected_dir(&r, s);
    r.seq = 0x0102030405060708ull;
    clasp_rec_plain pt;
    assert_clasp_ok(clasp_rec_open(&r, rec, n, &pt));
    assert_int_equal(pt.content.len, 2);
    assert_memory_equal(pt.content.p, "hi", 2);
    clasp_rec_clear(&r);
}

/* ---- header checks ---------------------------------------------------------
 */

static int parse_header(const clasp_rec_dir *d, uint8_t type, uint16_t version,
                        uint16_t length)
{
    uint8_t h[5] = {type, (uint8_t)(version >> 8), (uint8_t)version,
                    (uint8_t)(length >> 8), (uint8_t)length};
    clasp_rd r = clasp_rd_init(h, sizeof(h));
    clasp_rec_header hdr;
    int rc = clasp_rec_header_parse(d, &r, &hdr);
    if (rc == CLASP_OK) {
        assert_int_equal(clasp_rd_left(&r), 0);
        assert_int_equal(hdr.type, type);
        assert_int_equal(hdr.length, length);
        assert_int_equal(hdr.legacy_record_version, version);
    }
    return rc;
}

static void header_checks_before_decryption(void **state)
{
    (void)state;
    clasp_rec_dir plain, prot;
    assert_clasp_ok(clasp_rec_dir_init(&plain, prov));
    protected_dir(&prot, suite_of(CLASP_TLS1_3_AES_128_GCM_SHA256));

    /* RFC 8446 §5.2: 2^14 + 256 is the largest TLSCiphertext */
    assert_clasp_ok(parse_header(&prot, 23, 0x0303, 16384 + 256));
    assert_clasp_err(parse_header(&prot, 23, 0x0303, 16384 + 257),
                     CLASP_ERR_RECORD_OVERFLOW);
    assert_clasp_err(parse_header(&prot, 23, 0x0303, 0xFFFF),
                     CLASP_ERR_RECORD_OVERFLOW);
    /* RFC 8446 §5.1: 2^14 for TLSPlaintext */
    assert_clasp_ok(parse_header(&plain, 22, 0x0303, 16384));
    assert_clasp_err(parse_header(&plain, 22, 0x0303, 16385),
                     CLASP_ERR_RECORD_OVERFLOW);
    /* RFC 8446 §5: unknown content types */
    static const uint8_t bad_types[] = {0, 1, 19, 24, 25, 128, 255};
    for (size_t i = 0; i < sizeof(bad_types); i++) {
        assert_clasp_err(parse_header(&plain, bad_types[i], 0x0303, 10),
                         CLASP_ERR_UNEXPECTED_MESSAGE);
        assert_clasp_err(parse_header(&prot, bad_types[i], 0x0303, 10),
                         CLASP_ERR_UNEXPECTED_MESSAGE);
    }
    /* unknown type wins over length */
    assert_clasp_err(parse_header(&prot, 24, 0x0303, 0xFFFF),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    /* protected: opaque_type 23, or the unprotected CCS */
    assert_clasp_ok(parse_header(&prot, 20, 0x0303, 1));
    assert_clasp_err(parse_header(&prot, 22, 0x0303, 10),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_clasp_err(parse_header(&prot, 21, 0x0303, 2),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    /* plaintext: every known type (23 is left to the caller: skipped as
     * rejected 0-RTT data, or refused by clasp_rec_open) */
    assert_clasp_ok(parse_header(&plain, 20, 0x0303, 1));
    assert_clasp_ok(parse_header(&plain, 21, 0x0303, 2));
    assert_clasp_ok(parse_header(&plain, 23, 0x0303, 100));
    /* RFC 8446 §5.1: no empty handshake fragments; alerts and CCS are
     * never empty */
    assert_clasp_err(parse_header(&plain, 22, 0x0303, 0),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_clasp_err(parse_header(&plain, 21, 0x0303, 0),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_clasp_err(parse_header(&plain, 20, 0x0303, 0),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    /* RFC 8446 §5.1: legacy_record_version "MUST be ignored for all
     * purposes" */
    static const uint16_t versions[] = {0x0301, 0x0303, 0x0300, 0x0302,
                                        0x0304, 0x0000, 0xFFFF};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        assert_clasp_ok(parse_header(&plain, 22, versions[i], 5));
        assert_clasp_ok(parse_header(&prot, 23, versions[i], 17));
    }
    /* fewer than 5 bytes: DECODE, reader untouched */
    uint8_t h4[4] = {23, 3, 3, 0};
    clasp_rd r = clasp_rd_init(h4, sizeof(h4));
    clasp_rec_header hdr;
    assert_clasp_err(clasp_rec_header_parse(&prot, &r, &hdr), CLASP_ERR_DECODE);
    assert_int_equal(clasp_rd_left(&r), 4);
    clasp_rec_clear(&prot);
}

/* clasp_rec_open runs the same header checks, and wants exactly one
 * record. */
static void open_rechecks_header_and_framing(void **state)
{
    (void)state;
    const clasp_suite *s = suite_of(CLASP_TLS1_3_AES_128_GCM_SHA256);
    clasp_rec_dir w, r;
    protected_dir(&w, s);
    protected_dir(&r, s);
    clasp_rec_plain pt;
    size_t n = seal(&w, CLASP_CT_HANDSHAKE, 10, 0);
    assert_clasp_err(clasp_rec_open(&r, rec, n - 1, &pt), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_open(&r, rec, n + 1, &pt), CLASP_ERR_INTERNAL);
    rec[0] = 22;
    assert_clasp_err(clasp_rec_open(&r, rec, n, &pt),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_true(r.seq == 0);
    uint8_t big[5] = {23, 3, 3, 0x41, 0x01};
    assert_clasp_err(clasp_rec_open(&r, big, sizeof(big), &pt),
                     CLASP_ERR_RECORD_OVERFLOW);
    clasp_rec_clear(&w);
    clasp_rec_clear(&r);
}

/* ---- TLSInnerPlaintext ----------------------------------------------------
 */

static int open_inner(const uint8_t *inner, size_t inner_len,
                      clasp_rec_plain *pt)
{
    const clasp_suite *s = suite_of(CLASP_TLS1_3_AES_128_GCM_SHA256);
    size_t n = seal_raw(s, 0, inner, inner_len, rec);
    clasp_rec_dir r;
    protected_dir(&r, s);
    int rc = clasp_rec_open(&r, rec, n, pt);
    clasp_rec_clear(&r);
    return rc;
}

static void inner_plaintext_rules(void **state)
{
    (void)state;
    clasp_rec_plain pt;
    static uint8_t inner[CLASP_MAX_INNER_PLAINTEXT_LEN + 2];

    /* RFC 8446 §5.4: padding is stripped from the end */
    memset(inner, 0, sizeof(inner));
    memcpy(inner, "hello", 5);
    inner[5] = CLASP_CT_APPLICATION_DATA;
    assert_clasp_ok(open_inner(inner, 5 + 1 + 300, &pt));
    assert_int_equal(pt.type, CLASP_CT_APPLICATION_DATA);
    assert_int_equal(pt.content.len, 5);
    assert_memory_equal(pt.content.p, "hello", 5);
    /* zero bytes inside the content are content */
    uint8_t z[] = {0, 0, CLASP_CT_HANDSHAKE, 0, 0};
    assert_clasp_ok(open_inner(z, sizeof(z), &pt));
    assert_int_equal(pt.type, CLASP_CT_HANDSHAKE);
    assert_int_equal(pt.content.len, 2);

    /* all zeros / empty: no content type */
    memset(inner, 0, 64);
    assert_clasp_err(open_inner(inner, 64, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_clasp_err(open_inner(inner, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_clasp_err(open_inner(inner, 0, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);

    /* inner types: CCS protected, unknown, empty handshake/alert */
    uint8_t t[1];
    t[0] = CLASP_CT_CHANGE_CIPHER_SPEC;
    assert_clasp_err(open_inner(t, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    t[0] = 24;
    assert_clasp_err(open_inner(t, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    t[0] = 0xFF;
    assert_clasp_err(open_inner(t, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    t[0] = CLASP_CT_HANDSHAKE;
    assert_clasp_err(open_inner(t, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    t[0] = CLASP_CT_ALERT;
    assert_clasp_err(open_inner(t, 1, &pt), CLASP_ERR_UNEXPECTED_MESSAGE);
    t[0] = CLASP_CT_APPLICATION_DATA; /* empty app data is allowed */
    assert_clasp_ok(open_inner(t, 1, &pt));
    assert_int_equal(pt.content.len, 0);

    /* RFC 8446 §5.4: TLSInnerPlaintext <= 2^14 + 1 (content + type +
     * padding) */
    memcpy(inner, content, CLASP_MAX_FRAGMENT_LEN);
    inner[CLASP_MAX_FRAGMENT_LEN] = CLASP_CT_APPLICATION_DATA;
    assert_clasp_ok(open_inner(inner, CLASP_MAX_FRAGMENT_LEN + 1, &pt));
    assert_int_equal(pt.content.len, CLASP_MAX_FRAGMENT_LEN);
    inner[CLASP_MAX_FRAGMENT_LEN + 1] = 0;
    assert_clasp_err(open_inner(inner, CLASP_MAX_FRAGMENT_LEN + 2, &pt),
                     CLASP_ERR_RECORD_OVERFLOW);
    memcpy(inner, content, CLASP_MAX_FRAGMENT_LEN + 1);
    inner[CLASP_MAX_FRAGMENT_LEN + 1] = CLASP_CT_APPLICATION_DATA;
    assert_clasp_err(open_inner(inner, CLASP_MAX_FRAGMENT_LEN + 2, &pt),
                     CLASP_ERR_RECORD_OVERFLOW);
    /* padding alone may fill the record */
    memset(inner, 0, sizeof(inner));
    inner[0] = CLASP_CT_APPLICATION_DATA;
    assert_clasp_ok(open_inner(inner, CLASP_MAX_FRAGMENT_LEN + 1, &pt));
    assert_int_equal(pt.content.len, 0);
}

/* What we must never send is refused with INTERNAL, before anything is
 * written; a full buffer is BUFFER_TOO_SMALL with the writer untouched. */
static void seal_refuses_what_must_not_be_sent(void **state)
{
    (void)state;
    const clasp_suite *s = suite_of(CLASP_TLS1_3_AES_128_GCM_SHA256);
    clasp_rec_dir d, plain;
    protected_dir(&d, s);
    assert_clasp_ok(clasp_rec_dir_init(&plain, prov));
    clasp_wr w = clasp_wr_init(rec, sizeof(rec));
    const size_t max = CLASP_MAX_FRAGMENT_LEN;

    assert_clasp_ok(clasp_rec_seal(&d, 23, content, max, 0, &w));
    w.len = 0;
    assert_clasp_ok(clasp_rec_seal(&d, 23, content, max - 10, 10, &w));
    w.len = 0;
    assert_clasp_err(clasp_rec_seal(&d, 23, content, max, 1, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 23, content, max + 1, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 23, content, 1, SIZE_MAX, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 22, content, 0, 5, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 21, content, 0, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 20, content, 1, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&d, 24, content, 1, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&plain, 23, content, 1, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&plain, 22, content, 1, 1, &w),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_seal(&plain, 22, content, max + 1, 0, &w),
                     CLASP_ERR_INTERNAL);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, 0);
    assert_true(d.seq == 2);

    /* buffer one byte short */
    uint8_t small[5 + 10 + 1 + 16];
    clasp_wr ws = clasp_wr_init(small, sizeof(small) - 1);
    assert_clasp_err(clasp_rec_seal(&d, 23, content, 10, 0, &ws),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(ws.len, 0);
    assert_int_equal(ws.err, 0);
    assert_true(d.seq == 2);
    ws = clasp_wr_init(small, sizeof(small));
    assert_clasp_ok(clasp_rec_seal(&d, 23, content, 10, 0, &ws));
    assert_int_equal(ws.len, sizeof(small));
    ws = clasp_wr_init(small, 5 + 9);
    assert_clasp_err(clasp_rec_seal(&plain, 22, content, 10, 0, &ws),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(ws.len, 0);
    clasp_rec_clear(&d);
}

/* RFC 8446 §5.3: the sequence number never wraps; 2^64-1 is never used. */
static void sequence_number_never_wraps(void **state)
{
    (void)state;
    const clasp_suite *s = suite_of(CLASP_TLS1_3_AES_256_GCM_SHA384);
    clasp_rec_dir w, r;
    protected_dir(&w, s);
    protected_dir(&r, s);
    w.seq = UINT64_MAX - 1;
    r.seq = UINT64_MAX - 1;
    size_t n = seal(&w, 23, 10, 0);
    assert_true(w.seq == UINT64_MAX);
    clasp_rec_plain pt;
    assert_clasp_ok(clasp_rec_open(&r, rec, n, &pt));
    assert_true(r.seq == UINT64_MAX);
    clasp_wr wr = clasp_wr_init(rec, sizeof(rec));
    assert_clasp_err(clasp_rec_seal(&w, 23, content, 10, 0, &wr),
                     CLASP_ERR_INTERNAL);
    assert_int_equal(wr.len, 0);
    assert_true(w.seq == UINT64_MAX);
    /* a record sealed by hand under 2^64-1 is refused before the AEAD */
    uint8_t inner[] = {'x', 23};
    n = seal_raw(s, UINT64_MAX, inner, sizeof(inner), rec);
    assert_clasp_err(clasp_rec_open(&r, rec, n, &pt), CLASP_ERR_INTERNAL);
    assert_true(r.seq == UINT64_MAX);
    /* a new key starts again at 0 (RFC 8446 §5.3) */
    assert_clasp_ok(clasp_rec_install(&w, s, test_key, test_iv));
    assert_true(w.seq == 0);
    clasp_rec_clear(&w);
    clasp_rec_clear(&r);
}

/* RFC 8446 §5.5: rekey once the suite's limit is reached. */
static void should_rekey_at_the_suite_limit(void **state)
{
    (void)state;
    for (size_t k = 0; k < clasp_default_suite_count; k++) {
        const clasp_suite *s = suite_of(clasp_default_suites[k]);
        clasp_rec_dir w;
        protected_dir(&w, s);
        assert_false(clasp_rec_should_rekey(&w));
        w.seq = s->conf_limit - 1;
        assert_false(clasp_rec_should_rekey(&w));
        (void)seal(&w, 23, 1, 0);
        assert_true(clasp_rec_should_rekey(&w));
        clasp_rec_clear(&w);
        assert_false(clasp_rec_should_rekey(&w));
    }
    clasp_rec_dir plain;
    assert_clasp_ok(clasp_rec_dir_init(&plain, prov));
    plain.seq = UINT64_MAX;
    assert_false(clasp_rec_should_rekey(&plain));
}

/* RFC 8446 §5: CCS is 0x01 only, unprotected, in either state. */
static void change_cipher_spec_records(void **state)
{
    (void)state;
    clasp_rec_dir plain, prot;
    assert_clasp_ok(clasp_rec_dir_init(&plain, prov));
    protected_dir(&prot, suite_of(CLASP_TLS1_3_AES_128_CCM_SHA256));
    clasp_rec_plain pt;
    clasp_wr w = clasp_wr_init(rec, sizeof(rec));
    assert_clasp_ok(clasp_rec_write_ccs(&w));
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    assert_int_equal(w.len, sizeof(ccs));
    assert_memory_equal(rec, ccs, sizeof(ccs));
    for (int i = 0; i < 2; i++) {
        clasp_rec_dir *d = i == 0 ? &plain : &prot;
        memcpy(rec, ccs, sizeof(ccs));
        assert_clasp_ok(clasp_rec_open(d, rec, sizeof(ccs), &pt));
        assert_int_equal(pt.type, CLASP_CT_CHANGE_CIPHER_SPEC);
        assert_true(d->seq == 0);
        uint8_t bad_value[] = {20, 3, 3, 0, 1, 2};
        assert_clasp_err(clasp_rec_open(d, bad_value, 6, &pt),
                         CLASP_ERR_UNEXPECTED_MESSAGE);
        uint8_t two[] = {20, 3, 3, 0, 2, 1, 1};
        assert_clasp_err(clasp_rec_open(d, two, 7, &pt),
                         CLASP_ERR_UNEXPECTED_MESSAGE);
        uint8_t empty[] = {20, 3, 3, 0, 0};
        assert_clasp_err(clasp_rec_open(d, empty, 5, &pt),
                         CLASP_ERR_UNEXPECTED_MESSAGE);
    }
    clasp_wr tiny = clasp_wr_init(rec, 5);
    assert_clasp_err(clasp_rec_write_ccs(&tiny), CLASP_ERR_BUFFER_TOO_SMALL);
    clasp_rec_clear(&prot);
}

/* Plaintext mode: records as they are, version as configured;
 * application_data is never plaintext. */
static void plaintext_mode(void **state)
{
    (void)state;
    clasp_rec_dir d;
    assert_clasp_ok(clasp_rec_dir_init(&d, prov));
    assert_false(clasp_rec_is_protected(&d));
    d.plain_version = CLASP_LEGACY_RECORD_VERSION_INITIAL_CH;
    size_t n = seal(&d, CLASP_CT_HANDSHAKE, 7, 0);
    assert_int_equal(n, 12);
    assert_int_equal(clasp_rec_sealed_len(&d, 7, 0), 12);
    static const uint8_t hdr[] = {22, 3, 1, 0, 7};
    assert_memory_equal(rec, hdr, 5);
    assert_memory_equal(rec + 5, content, 7);
    clasp_rec_plain pt;
    assert_clasp_ok(clasp_rec_open(&d, rec, n, &pt));
    assert_int_equal(pt.type, CLASP_CT_HANDSHAKE);
    assert_int_equal(pt.content.len, 7);
    assert_ptr_equal(pt.content.p, rec + 5); /* in place */
    assert_true(d.seq == 0);
    uint8_t ad[] = {23, 3, 3, 0, 2, 'h', 'i'};
    assert_clasp_err(clasp_rec_open(&d, ad, sizeof(ad), &pt),
                     CLASP_ERR_UNEXPECTED_MESSAGE);
}

/* install replaces the key; clear wipes the IV and goes back to
 * plaintext. */
static void install_and_clear(void **state)
{
    (void)state;
    const clasp_suite *s = suite_of(CLASP_TLS1_3_AES_128_CCM_8_SHA256);
    clasp_rec_dir d;
    protected_dir(&d, s);
    assert_true(clasp_rec_is_protected(&d));
    assert_memory_equal(d.iv, test_iv, 12);
    d.seq = 42;
    assert_clasp_ok(clasp_rec_install(&d, s, test_key, test_iv));
    assert_true(d.seq == 0);
    clasp_rec_clear(&d);
    assert_false(clasp_rec_is_protected(&d));
    assert_null(d.aead);
    assert_null(d.suite);
    static const uint8_t zero[12];
    assert_memory_equal(d.iv, zero, 12);
    clasp_rec_clear(&d); /* twice is fine */
    assert_clasp_err(clasp_rec_install(&d, NULL, test_key, test_iv),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_rec_dir_init(&d, NULL), CLASP_ERR_INTERNAL);
    /* CCM_8: 8-byte tag */
    protected_dir(&d, s);
    assert_int_equal(clasp_rec_sealed_len(&d, 10, 2), 5 + 10 + 1 + 2 + 8);
    clasp_rec_clear(&d);
}

/* The base helper behind padding removal (src/base/rd.c): the last
 * non-zero byte at every position, none in all-zero or empty input. */
static void last_nonzero_helper(void **state)
{
    (void)state;
    uint8_t buf[40] = {0};
    size_t idx = 99;
    assert_clasp_err(clasp_span_last_nonzero(clasp_span_of(buf, 0), &idx),
                     CLASP_ERR_NOT_FOUND);
    memset(buf, 0, sizeof(buf));
    assert_clasp_err(
        clasp_span_last_nonzero(clasp_span_of(buf, sizeof(buf)), &idx),
        CLASP_ERR_NOT_FOUND);
    assert_int_equal(idx, 99);
    for (size_t i = 0; i < sizeof(buf); i++) {
        memset(buf, 0, sizeof(buf));
        buf[0] = 0xFF; /* an earlier non-zero byte must not win */
        buf[i] = (uint8_t)(i == 0 ? 1 : 0x80 | i);
        assert_clasp_ok(
            clasp_span_last_nonzero(clasp_span_of(buf, sizeof(buf)), &idx));
        assert_int_equal(idx, i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_suite),
        cmocka_unit_test(tampering_is_bad_record_mac),
        cmocka_unit_test(nonce_is_iv_xor_seq),
        cmocka_unit_test(header_checks_before_decryption),
        cmocka_unit_test(open_rechecks_header_and_framing),
        cmocka_unit_test(inner_plaintext_rules),
        cmocka_unit_test(seal_refuses_what_must_not_be_sent),
        cmocka_unit_test(sequence_number_never_wraps),
        cmocka_unit_test(should_rekey_at_the_suite_limit),
        cmocka_unit_test(change_cipher_spec_records),
        cmocka_unit_test(plaintext_mode),
        cmocka_unit_test(install_and_clear),
        cmocka_unit_test(last_nonzero_helper),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
