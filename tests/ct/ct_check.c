/*
 * Constant-time check (issue #8), run under valgrind memcheck by
 * tests/ct/ct.test.sh: secrets are marked undefined with the memcheck
 * client requests, then clasp code runs on them; memcheck reports every
 * conditional jump or move, and every memory address, that depends on an
 * undefined (secret) value. Outside valgrind the requests do nothing and
 * only the functional results are checked.
 *
 * What is secret, and where the result becomes public (declassification):
 *  - clasp_ct_equal(a, b, n): a and b secret; its boolean result is public
 *    (it is what the caller branches on). The wrapper below marks the
 *    result defined after the real function ran under memcheck.
 *  - record padding removal (clasp_rec_open, RFC 8446 §5.4) on a
 *    protected record whose content and padding are secret: the scan must
 *    not depend on them. The position it finds (the length of the
 *    content) is public by design (it is the record's content length);
 *    the wrapper of clasp_span_last_nonzero declassifies it. The content
 *    type byte is left defined (the receiver dispatches on it). The test
 *    provider's null AEAD is used so that the plaintext stays secret
 *    through "decryption" (with a real AEAD, valgrind cannot tell which
 *    bytes of decrypted output are secret: we could only mark the key).
 *  - Finished verification (clasp_ks_check_finished) with a secret base
 *    key: the expected verify_data is derived from it in libcrypto (HMAC,
 *    HKDF), then compared with clasp_ct_equal.
 *  - PSK binder verification (clasp_ks_check_binder) with a secret PSK.
 *  - ticket decryption (clasp_tk_ops.open: key lookup, AEAD open, the
 *    state parser) of a ticket whose resumption PSK is secret; the null
 *    AEAD again keeps it secret through "decryption".
 * libcrypto internals are not clasp's code: ct.test.sh passes a
 * suppression file that hides reports whose innermost frame is in
 * libcrypto (none are expected for SHA-2/HMAC/HKDF; it is a guard).
 *
 * Controls (proof that the check can fail): "--control-harness" runs an
 * early-exit comparison of this file on secrets; "--control-clasp" runs
 * clasp_rec_header_parse on a secret header (a parser of public data,
 * which branches on it by design). ct.test.sh requires memcheck to report
 * both, with the offending function named.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include "base/mem.h"
#include "base/rd.h"
#include "clasp/clasp.h"
#include "crypto/provider.h"
#include "crypto/suites.h"
#include "crypto/testprov/testprov.h"
#include "hs/config.h"
#include "hs/psk.h"
#include "keysched/keysched.h"
#include "record/record.h"
#include "tickets/tickets.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* ---- declassification points (valgrind function wrapping) ---------------
 * I_WRAP_SONAME_FNNAME_ZU(NONE, f) replaces f of the main executable (the
 * library is linked statically); the original runs under memcheck, then
 * its results are marked defined. */

bool I_WRAP_SONAME_FNNAME_ZU(NONE, clasp_ct_equal)(const void *a, const void *b,
                                                   size_t n);
bool I_WRAP_SONAME_FNNAME_ZU(NONE, clasp_ct_equal)(const void *a, const void *b,
                                                   size_t n)
{
    OrigFn fn;
    unsigned long r;
    VALGRIND_GET_ORIG_FN(fn);
    CALL_FN_W_WWW(r, fn, a, b, n);
    PUBLIC(&r, sizeof(r));
    return (r & 1) != 0;
}

/* clasp_span is {p, len}: two words in registers, as CALL_FN_W_WWW
 * passes them (x86-64 and AArch64 calling conventions). */
int I_WRAP_SONAME_FNNAME_ZU(NONE, clasp_span_last_nonzero)(clasp_span s,
                                                           size_t *idx);
int I_WRAP_SONAME_FNNAME_ZU(NONE, clasp_span_last_nonzero)(clasp_span s,
                                                           size_t *idx)
{
    OrigFn fn;
    unsigned long r;
    VALGRIND_GET_ORIG_FN(fn);
    CALL_FN_W_WWW(r, fn, s.p, s.len, idx);
    PUBLIC(&r, sizeof(r));
    PUBLIC(idx, sizeof(*idx));
    return (int)r;
}

static int g_fail;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "ct_check: %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                              \
            g_fail = 1;                                                  \
        }                                                                \
    } while (0)

/* ---- the checks ------------------------------------------------------------
 */

static void check_ct_equal(void)
{
    uint8_t a[48], b[48];
    for (size_t i = 0; i < sizeof(a); i++) {
        a[i] = b[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t diff = 0; diff <= sizeof(a); diff += 16) {
        memcpy(b, a, sizeof(a));
        if (diff < sizeof(a)) {
            b[diff] ^= 0x80;
        }
        SECRET(a, sizeof(a));
        SECRET(b, sizeof(b));
        bool eq = clasp_ct_equal(a, b, sizeof(a));
        PUBLIC(a, sizeof(a));
        PUBLIC(b, sizeof(b));
        CHECK(eq == (diff == sizeof(a)));
    }
    printf("clasp_ct_equal: 48-byte secrets, equal and differing at 0, "
           "16, 32\n");
}

static void check_padding_strip(const clasp_provider *null_prov)
{
    static const uint8_t key[32] = {0};
    static const uint8_t iv[12] = {0};
    const clasp_suite *suite =
        clasp_suite_find(CLASP_TLS1_3_AES_128_GCM_SHA256);
    CHECK(suite != NULL);
    static const size_t contents[] = {0, 1, 100};
    static const size_t pads[] = {0, 1, 255};
    uint8_t rec[512];
    for (size_t ci = 0; ci < 3; ci++) {
        for (size_t pi = 0; pi < 3; pi++) {
            size_t clen = contents[ci], pad = pads[pi];
            size_t inner = clen + 1 + pad;
            size_t body = inner + suite->tag_len;
            /* TLSCiphertext: 23 03 03 len, then (null AEAD) content ||
             * type || zeros || zero tag. */
            memset(rec, 0, sizeof(rec));
            rec[0] = CLASP_CT_APPLICATION_DATA;
            rec[1] = 3;
            rec[2] = 3;
            rec[3] = (uint8_t)(body >> 8);
            rec[4] = (uint8_t)body;
            for (size_t i = 0; i < clen; i++) {
                rec[5 + i] = (uint8_t)(0xA0 + i); /* non-zero content */
            }
            rec[5 + clen] = CLASP_CT_APPLICATION_DATA;
            clasp_rec_dir d;
            CHECK(clasp_rec_dir_init(&d, null_prov) == CLASP_OK);
            CHECK(clasp_rec_install(&d, suite, key, iv) == CLASP_OK);
            /* Secret: the content and the padding (not the type byte). */
            SECRET(rec + 5, clen);
            SECRET(rec + 5 + clen + 1, pad);
            clasp_rec_plain pl;
            int rc = clasp_rec_open(&d, rec, 5 + body, &pl);
            PUBLIC(rec, sizeof(rec));
            CHECK(rc == CLASP_OK);
            CHECK(pl.type == CLASP_CT_APPLICATION_DATA);
            CHECK(pl.content.len == clen);
            clasp_rec_clear(&d);
        }
    }
    printf("clasp_rec_open: padding removal with secret content (0, 1, 100 "
           "bytes) and padding (0, 1, 255 bytes)\n");
}

static void check_finished(const clasp_provider *prov)
{
    uint8_t base[32], th[32], good[32], bad[32];
    for (size_t i = 0; i < 32; i++) {
        base[i] = (uint8_t)(0x11 * i + 3);
        th[i] = (uint8_t)(0x5A ^ i);
    }
    CHECK(clasp_ks_finished(prov, CLASP_HASH_SHA256, base, th, good) ==
          CLASP_OK);
    memcpy(bad, good, sizeof(bad));
    bad[31] ^= 1;

    SECRET(base, sizeof(base));
    int ok = clasp_ks_check_finished(prov, CLASP_HASH_SHA256, base, th,
                                     clasp_span_of(good, sizeof(good)));
    int ko = clasp_ks_check_finished(prov, CLASP_HASH_SHA256, base, th,
                                     clasp_span_of(bad, sizeof(bad)));
    PUBLIC(base, sizeof(base));
    PUBLIC(&ok, sizeof(ok));
    PUBLIC(&ko, sizeof(ko));
    CHECK(ok == CLASP_OK);
    CHECK(ko == CLASP_ERR_DECRYPT_ERROR);
    printf("clasp_ks_check_finished: secret base key, right and wrong "
           "verify_data\n");
}

static void check_binder(const clasp_provider *prov)
{
    uint8_t psk[32], th[32], good[32], bad[32];
    for (size_t i = 0; i < 32; i++) {
        psk[i] = (uint8_t)(0x23 * i + 9);
        th[i] = (uint8_t)(0xC3 ^ i);
    }
    clasp_ks ks;
    memset(&ks, 0, sizeof(ks));
    CHECK(clasp_ks_init(&ks, prov, CLASP_HASH_SHA256) == CLASP_OK);
    CHECK(clasp_ks_early(&ks, psk, sizeof(psk)) == CLASP_OK);
    CHECK(clasp_ks_binder(&ks, false, th, good) == CLASP_OK);
    clasp_ks_wipe(&ks);
    memcpy(bad, good, sizeof(bad));
    bad[0] ^= 0x40;

    memset(&ks, 0, sizeof(ks));
    SECRET(psk, sizeof(psk));
    CHECK(clasp_ks_init(&ks, prov, CLASP_HASH_SHA256) == CLASP_OK);
    int rc = clasp_ks_early(&ks, psk, sizeof(psk));
    PUBLIC(&rc, sizeof(rc));
    CHECK(rc == CLASP_OK);
    int ok = clasp_ks_check_binder(&ks, false, th,
                                   clasp_span_of(good, sizeof(good)));
    int ko =
        clasp_ks_check_binder(&ks, false, th, clasp_span_of(bad, sizeof(bad)));
    clasp_ks_wipe(&ks);
    PUBLIC(psk, sizeof(psk));
    PUBLIC(&ok, sizeof(ok));
    PUBLIC(&ko, sizeof(ko));
    CHECK(ok == CLASP_OK);
    CHECK(ko == CLASP_ERR_DECRYPT_ERROR);
    printf("clasp_ks_check_binder: secret PSK, right and wrong binder\n");
}

static void check_ticket_open(void)
{
    static const uint8_t name[CLASP_TICKET_KEY_NAME_LEN] = "ct-ticket-name!";
    static const uint8_t key[CLASP_TICKET_KEY_LEN] =
        "ct ticket key (null AEAD here)";
    const uint64_t now = 1700000000000ull;
    clasp_config *conf = clasp_config_new(CLASP_IS_SERVER);
    clasp_provider *tp = NULL;
    CHECK(conf != NULL && clasp_testprov_new(&tp) == CLASP_OK);
    clasp_testprov_set_null_aead(tp, true);
    CHECK(clasp_config_set_provider(conf, tp) == CLASP_OK);
    CHECK(clasp_conf_ticket_key(conf, name, sizeof(name), key, sizeof(key)) ==
          CLASP_OK);

    static struct clasp_psk_state st, out;
    memset(&st, 0, sizeof(st));
    st.version = CLASP_VERSION_TLS1_3;
    st.suite = CLASP_TLS1_3_AES_128_GCM_SHA256;
    st.created_ms = now;
    st.lifetime = 3600;
    st.age_add = 0x01020304;
    st.psk_len = 32;
    memset(st.psk, 0xA5, st.psk_len);
    memcpy(st.sni, "localhost", 9);
    st.sni_len = 9;
    uint8_t t[CLASP_MAX_OWN_TICKET_LEN + 64];
    size_t len = 0;
    CHECK(clasp_tk_ops.seal(conf, now, &st, t, sizeof(t), &len) == CLASP_OK);
    /* Null AEAD: the state is in the clear in the ticket; find the PSK. */
    size_t at = 0;
    for (size_t i = 0; i + st.psk_len <= len && at == 0; i++) {
        if (memcmp(t + i, st.psk, st.psk_len) == 0) {
            at = i;
        }
    }
    CHECK(at > 0);
    SECRET(t + at, st.psk_len);
    int rc = clasp_tk_ops.open(conf, now, clasp_span_of(t, len), &out);
    PUBLIC(t, sizeof(t));
    PUBLIC(&out, sizeof(out));
    PUBLIC(&rc, sizeof(rc));
    CHECK(rc == CLASP_OK);
    CHECK(out.psk_len == 32 && memcmp(out.psk, st.psk, 32) == 0);
    clasp_config_free(conf);
    printf("clasp_tk_ops.open: ticket with a secret resumption PSK\n");
}

/* ---- controls
 * ----------------------------------------------------------------- */

/* Deliberately leaky: returns at the first difference. */
static __attribute__((noinline)) bool leaky_equal(const uint8_t *a,
                                                  const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

static void control_harness(void)
{
    uint8_t a[16] = {1, 2, 3}, b[16] = {1, 2, 4};
    SECRET(a, sizeof(a));
    bool eq = leaky_equal(a, b, sizeof(a));
    PUBLIC(&eq, sizeof(eq));
    PUBLIC(a, sizeof(a));
    printf("control: leaky_equal -> %d\n", eq);
}

static void control_clasp(const clasp_provider *prov)
{
    uint8_t hdr[5] = {CLASP_CT_HANDSHAKE, 3, 3, 0, 10};
    clasp_rec_dir d;
    CHECK(clasp_rec_dir_init(&d, prov) == CLASP_OK);
    SECRET(hdr, sizeof(hdr));
    clasp_rd r = clasp_rd_init(hdr, sizeof(hdr));
    clasp_rec_header h;
    int rc = clasp_rec_header_parse(&d, &r, &h);
    PUBLIC(&rc, sizeof(rc));
    PUBLIC(hdr, sizeof(hdr));
    printf("control: clasp_rec_header_parse on a secret header -> %d\n", rc);
}

int main(int argc, char **argv)
{
    clasp_provider *ossl = NULL, *null_prov = NULL;
    if (clasp_ossl_provider_new(NULL, NULL, &ossl) < 0 ||
        clasp_testprov_new(&null_prov) < 0) {
        fprintf(stderr, "ct_check: no provider\n");
        return 2;
    }
    clasp_testprov_set_null_aead(null_prov, true);
    printf("ct_check: %s valgrind\n",
           RUNNING_ON_VALGRIND ? "running under" : "NOT running under");

    if (argc > 1 && strcmp(argv[1], "--control-harness") == 0) {
        control_harness();
    } else if (argc > 1 && strcmp(argv[1], "--control-clasp") == 0) {
        control_clasp(ossl);
    } else {
        check_ct_equal();
        check_padding_strip(null_prov);
        check_finished(ossl);
        check_binder(ossl);
        check_ticket_open();
    }
    null_prov->destroy(null_prov);
    ossl->destroy(ossl);
    if (g_fail) {
        fprintf(stderr, "ct_check: functional check FAILED\n");
        return 1;
    }
    printf("ct_check: functional checks passed\n");
    return 0;
}
