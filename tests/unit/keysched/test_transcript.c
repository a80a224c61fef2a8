/* Transcript: buffer-then-hash equals the one-shot hash of the messages;
 * reading the hash does not end the transcript; the pre-hash buffer is
 * bounded; the HelloRetryRequest rewrite (RFC 8446 §4.4.1) against both a
 * hand-built message_hash and RFC 8448 §5; misuse -> CLASP_ERR_INTERNAL. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "../../vectors/rfc8448/tv.h"

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "keysched/transcript.h"

#define SHA256 CLASP_HASH_SHA256
#define SHA384 CLASP_HASH_SHA384

static clasp_provider *prov;

static int setup(void **state)
{
    (void)state;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prov->destroy(prov);
    return 0;
}

static void oneshot(clasp_hash_id h, const uint8_t *p, size_t n, uint8_t *out)
{
    assert_clasp_ok(
        prov->hash_oneshot(prov->ctx, h, p, n, out, clasp_hash_len(h)));
}

static uint8_t msgs[5000];

static void fill_msgs(void)
{
    for (size_t i = 0; i < sizeof(msgs); i++) {
        msgs[i] = (uint8_t)(i * 7 + 3);
    }
}

/* Messages added before and after the hash is known hash like one string;
 * clasp_ts_hash can be read at any point and the transcript goes on. */
static void buffered_then_hashed_equals_oneshot(void **state)
{
    (void)state;
    fill_msgs();
    static const clasp_hash_id hashes[] = {SHA256, SHA384};
    for (size_t k = 0; k < 2; k++) {
        clasp_hash_id h = hashes[k];
        size_t hl = clasp_hash_len(h);
        clasp_ts ts;
        uint8_t got[64], want[64];
        assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
        assert_false(clasp_ts_has_hash(&ts));
        /* 50 messages of 60 bytes: the buffer grows past its first size */
        size_t off = 0;
        for (size_t i = 0; i < 50; i++, off += 60) {
            assert_clasp_ok(clasp_ts_add(&ts, msgs + off, 60));
        }
        assert_clasp_err(clasp_ts_hash(&ts, got), CLASP_ERR_INTERNAL);
        assert_clasp_ok(clasp_ts_set_hash(&ts, prov, h));
        assert_true(clasp_ts_has_hash(&ts));
        assert_null(ts.buf);
        assert_clasp_ok(clasp_ts_hash(&ts, got));
        oneshot(h, msgs, off, want);
        assert_memory_equal(got, want, hl);
        /* reading twice gives the same value */
        assert_clasp_ok(clasp_ts_hash(&ts, got));
        assert_memory_equal(got, want, hl);
        assert_clasp_ok(clasp_ts_add(&ts, msgs + off, 1000));
        off += 1000;
        assert_clasp_ok(clasp_ts_add(&ts, msgs + off, 0));
        assert_clasp_ok(clasp_ts_hash(&ts, got));
        oneshot(h, msgs, off, want);
        assert_memory_equal(got, want, hl);
        assert_int_equal(ts.msg_count, 52);
        clasp_ts_free(&ts);
        clasp_ts_free(&ts); /* idempotent */
    }
}

/* The hash is fixed once: the same again is fine, another is a bug. */
static void hash_is_fixed_once(void **state)
{
    (void)state;
    clasp_ts ts;
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    assert_clasp_err(clasp_ts_set_hash(&ts, prov, CLASP_HASH_NONE),
                     CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    assert_clasp_ok(clasp_ts_set_hash(&ts, NULL, SHA256));
    assert_clasp_err(clasp_ts_set_hash(&ts, prov, SHA384), CLASP_ERR_INTERNAL);
    clasp_provider other = *prov;
    assert_clasp_err(clasp_ts_set_hash(&ts, &other, SHA256),
                     CLASP_ERR_INTERNAL);
    clasp_ts_free(&ts);
    assert_clasp_err(clasp_ts_init(&ts, NULL, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ts_init(NULL, prov, 0), CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    assert_clasp_err(clasp_ts_add(&ts, NULL, 1), CLASP_ERR_INTERNAL);
    clasp_ts_free(&ts);
}

/* Before the hash is known at most max_buffer bytes are kept. */
static void pre_hash_buffer_is_bounded(void **state)
{
    (void)state;
    fill_msgs();
    clasp_ts ts;
    uint8_t got[32], want[32];
    assert_clasp_ok(clasp_ts_init(&ts, prov, 100));
    assert_clasp_ok(clasp_ts_add(&ts, msgs, 60));
    assert_clasp_err(clasp_ts_add(&ts, msgs + 60, 41), CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ts_add(&ts, msgs + 60, 40)); /* exactly 100 */
    assert_true(ts.w.cap <= 100);
    assert_clasp_err(clasp_ts_add(&ts, msgs + 100, 1), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ts_add(&ts, msgs, SIZE_MAX), CLASP_ERR_INTERNAL);
    assert_int_equal(ts.msg_count, 2);
    /* once hashed, no bound applies */
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    assert_clasp_ok(clasp_ts_add(&ts, msgs + 100, 4000));
    assert_clasp_ok(clasp_ts_hash(&ts, got));
    oneshot(SHA256, msgs, 4100, want);
    assert_memory_equal(got, want, 32);
    clasp_ts_free(&ts);

    /* default bound */
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    assert_int_equal(ts.max_buffer, CLASP_TS_DEFAULT_MAX_BUFFER);
    clasp_ts_free(&ts);
}

/* Transcript-Hash(messages || extra) without adding extra, before and
 * after the hash is known (PSK binders, RFC 8446 §4.2.11.2). */
static void hash_with_extra_does_not_add(void **state)
{
    (void)state;
    fill_msgs();
    clasp_ts ts;
    uint8_t got[48], want[48];
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    /* empty transcript, hash unknown: Hash(extra) with any hash */
    assert_clasp_ok(clasp_ts_hash_with(&ts, SHA384, msgs, 77, got));
    oneshot(SHA384, msgs, 77, want);
    assert_memory_equal(got, want, 48);
    assert_clasp_ok(clasp_ts_add(&ts, msgs, 10));
    assert_clasp_ok(clasp_ts_hash_with(&ts, SHA256, msgs + 10, 20, got));
    oneshot(SHA256, msgs, 30, want);
    assert_memory_equal(got, want, 32);
    assert_int_equal(ts.msg_count, 1);
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    assert_clasp_ok(clasp_ts_hash_with(&ts, SHA256, msgs + 10, 20, got));
    assert_memory_equal(got, want, 32);
    assert_clasp_ok(clasp_ts_hash_with(&ts, SHA256, NULL, 0, got));
    oneshot(SHA256, msgs, 10, want);
    assert_memory_equal(got, want, 32);
    assert_clasp_err(clasp_ts_hash_with(&ts, SHA384, NULL, 0, got),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ts_hash_with(&ts, SHA256, NULL, 3, got),
                     CLASP_ERR_INTERNAL);
    clasp_ts_free(&ts);
}

/* RFC 8446 §4.4.1: Hash(message_hash || 00 00 Hash.length ||
 * Hash(ClientHello1) || HelloRetryRequest || ...), built by hand here. */
static void hrr_rewrite_builds_message_hash(void **state)
{
    (void)state;
    fill_msgs();
    static const clasp_hash_id hashes[] = {SHA256, SHA384};
    for (size_t k = 0; k < 2; k++) {
        clasp_hash_id h = hashes[k];
        size_t hl = clasp_hash_len(h);
        uint8_t synthetic[4 + 64 + 300], got[64], want[64];
        clasp_ts ts;
        assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
        assert_clasp_ok(clasp_ts_add(&ts, msgs, 200)); /* CH1 */
        assert_clasp_err(clasp_ts_hrr_rewrite(&ts), CLASP_ERR_INTERNAL);
        assert_clasp_ok(clasp_ts_set_hash(&ts, prov, h));
        assert_clasp_ok(clasp_ts_hrr_rewrite(&ts));
        assert_clasp_ok(clasp_ts_add(&ts, msgs + 200, 300)); /* HRR, CH2 */
        synthetic[0] = 0xFE;
        synthetic[1] = 0;
        synthetic[2] = 0;
        synthetic[3] = (uint8_t)hl;
        oneshot(h, msgs, 200, synthetic + 4);
        memcpy(synthetic + 4 + hl, msgs + 200, 300);
        oneshot(h, synthetic, 4 + hl + 300, want);
        assert_clasp_ok(clasp_ts_hash(&ts, got));
        assert_memory_equal(got, want, hl);
        /* only one HelloRetryRequest per handshake */
        assert_clasp_err(clasp_ts_hrr_rewrite(&ts), CLASP_ERR_INTERNAL);
        clasp_ts_free(&ts);
    }

    /* not right after ClientHello1: a bug in the caller */
    clasp_ts ts;
    assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
    assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
    assert_clasp_err(clasp_ts_hrr_rewrite(&ts), CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ts_add(&ts, msgs, 10));
    assert_clasp_ok(clasp_ts_add(&ts, msgs, 10));
    assert_clasp_err(clasp_ts_hrr_rewrite(&ts), CLASP_ERR_INTERNAL);
    clasp_ts_free(&ts);
}

/* RFC 8448 §5: with the rewrite, the transcript of CH1, HRR, CH2, SH
 * hashes to the trace's hash for "c hs traffic"; without it, it does
 * not. */
static void hrr_rewrite_matches_rfc8448(void **state)
{
    (void)state;
    tv_file f = tv_load("hrr");
    static const char *const names[] = {
        "client.clienthello.clienthello",
        "server.serverhello.serverhello",
        "client.clienthello~2.clienthello",
        "server.serverhello~2.serverhello",
    };
    uint8_t msg[1024], got[32];
    for (int rewrite = 1; rewrite >= 0; rewrite--) {
        clasp_ts ts;
        assert_clasp_ok(clasp_ts_init(&ts, prov, 0));
        for (size_t i = 0; i < 4; i++) {
            size_t n = tv_get(&f, names[i], msg, sizeof(msg));
            assert_clasp_ok(clasp_ts_add(&ts, msg, n));
            if (i == 0) {
                assert_clasp_ok(clasp_ts_set_hash(&ts, prov, SHA256));
                if (rewrite) {
                    assert_clasp_ok(clasp_ts_hrr_rewrite(&ts));
                }
            }
        }
        assert_clasp_ok(clasp_ts_hash(&ts, got));
        uint8_t want[32];
        tv_get(&f, "server.derive_secret_c_hs_traffic.hash", want, 32);
        if (rewrite) {
            assert_memory_equal(got, want, 32);
        } else {
            assert_memory_not_equal(got, want, 32);
        }
        clasp_ts_free(&ts);
    }
    tv_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffered_then_hashed_equals_oneshot),
        cmocka_unit_test(hash_is_fixed_once),
        cmocka_unit_test(pre_hash_buffer_is_bounded),
        cmocka_unit_test(hash_with_extra_does_not_add),
        cmocka_unit_test(hrr_rewrite_builds_message_hash),
        cmocka_unit_test(hrr_rewrite_matches_rfc8448),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
