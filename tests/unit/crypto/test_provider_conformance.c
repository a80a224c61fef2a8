/*
 * Provider conformance suite, part 1 (DESIGN.md §3.10): hashes, HMAC,
 * HKDF, AEAD and key exchange. Every case runs once per provider (cmocka
 * group state = the provider under test). Expected values are transcribed
 * from the cited RFCs / NIST publications, never from our own output.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "crypto/testprov/testprov.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static clasp_provider *prov_of(void **state)
{
    return *state;
}

static int setup_ossl(void **state)
{
    clasp_provider *p = NULL;
    if (clasp_ossl_provider_new(NULL, NULL, &p) != 0) {
        return -1;
    }
    *state = p;
    return 0;
}

static int setup_testprov(void **state)
{
    clasp_provider *p = NULL;
    if (clasp_testprov_new(&p) != 0) {
        return -1;
    }
    *state = p;
    return 0;
}

static int teardown_prov(void **state)
{
    clasp_provider *p = *state;
    p->destroy(p);
    return 0;
}

/* ---- hashes: FIPS 180-4 examples ("abc") ----------------------------------
 */

static const struct {
    clasp_hash_id id;
    const char *abc;
} sha_abc[] = {
    {CLASP_HASH_SHA256,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CLASP_HASH_SHA384,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
     "8086072ba1e7cc2358baeca134c825a7"},
    {CLASP_HASH_SHA512,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
};

static void test_hash_abc(void **state)
{
    clasp_provider *p = prov_of(state);
    for (size_t i = 0; i < COUNT(sha_abc); i++) {
        uint8_t want[64], got[64];
        size_t n = th_hex_into(sha_abc[i].abc, want, sizeof(want));
        assert_int_equal(n, clasp_hash_len(sha_abc[i].id));
        assert_clasp_ok(p->hash_oneshot(p->ctx, sha_abc[i].id,
                                        (const uint8_t *)"abc", 3, got, n));
        assert_memory_equal(got, want, n);

        clasp_hash *h = NULL;
        assert_clasp_ok(p->hash_new(p->ctx, sha_abc[i].id, &h));
        assert_clasp_ok(p->hash_update(h, (const uint8_t *)"a", 1));
        assert_clasp_ok(p->hash_update(h, (const uint8_t *)"bc", 2));
        memset(got, 0, sizeof(got));
        assert_clasp_ok(p->hash_final(h, got, n));
        assert_memory_equal(got, want, n);
        /* final does not consume: a second final gives the same value */
        memset(got, 0, sizeof(got));
        assert_clasp_ok(p->hash_final(h, got, n));
        assert_memory_equal(got, want, n);
        /* wrong output length is refused */
        assert_clasp_err(p->hash_final(h, got, n - 1),
                         CLASP_ERR_BAD_INPUT_DATA);
        p->hash_free(h);
    }
}

/* SHA-256("") (FIPS 180-4 / NIST CAVS short message, Len = 0). */
static void test_hash_empty_and_dup(void **state)
{
    clasp_provider *p = prov_of(state);
    uint8_t want[32], got[32], got2[32];
    th_hex_into("e3b0c44298fc1c149afbf4c8996fb924"
                "27ae41e4649b934ca495991b7852b855",
                want, sizeof(want));
    clasp_hash *h = NULL;
    assert_clasp_ok(p->hash_new(p->ctx, CLASP_HASH_SHA256, &h));
    assert_clasp_ok(p->hash_final(h, got, 32));
    assert_memory_equal(got, want, 32);
    assert_clasp_ok(
        p->hash_oneshot(p->ctx, CLASP_HASH_SHA256, NULL, 0, got, 32));
    assert_memory_equal(got, want, 32);

    /* dup is a snapshot: both continue independently */
    assert_clasp_ok(p->hash_update(h, (const uint8_t *)"ab", 2));
    clasp_hash *d = NULL;
    assert_clasp_ok(p->hash_dup(h, &d));
    assert_clasp_ok(p->hash_update(h, (const uint8_t *)"c", 1));
    assert_clasp_ok(p->hash_update(d, (const uint8_t *)"x", 1));
    assert_clasp_ok(p->hash_final(h, got, 32));
    th_hex_into(sha_abc[0].abc, want, sizeof(want));
    assert_memory_equal(got, want, 32);
    assert_clasp_ok(p->hash_final(d, got2, 32));
    uint8_t abx[32];
    assert_clasp_ok(p->hash_oneshot(p->ctx, CLASP_HASH_SHA256,
                                    (const uint8_t *)"abx", 3, abx, 32));
    assert_memory_equal(got2, abx, 32);
    assert_memory_not_equal(got, got2, 32);
    p->hash_free(h);
    p->hash_free(d);

    assert_clasp_err(p->hash_oneshot(p->ctx, CLASP_HASH_SHA256,
                                     (const uint8_t *)"abc", 3, got, 31),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(p->hash_new(p->ctx, CLASP_HASH_NONE, &h),
                     CLASP_ERR_UNSUPPORTED_ALG);
}

/* ---- HMAC: RFC 4231 §4.2 and §4.3 -------------------------------------- */

static void test_hmac_rfc4231(void **state)
{
    clasp_provider *p = prov_of(state);
    static const struct {
        clasp_hash_id id;
        int tc;
        const char *mac;
    } v[] = {
        {CLASP_HASH_SHA256, 1,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {CLASP_HASH_SHA384, 1,
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
         "faea9ea9076ede7f4af152e8b2fa9cb6"},
        {CLASP_HASH_SHA512, 1,
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
         "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
        {CLASP_HASH_SHA256, 2,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {CLASP_HASH_SHA384, 2,
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
         "8e2240ca5e69e2c78b3239ecfab21649"},
        {CLASP_HASH_SHA512, 2,
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
         "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
    };
    uint8_t key1[20];
    memset(key1, 0x0b, sizeof(key1));
    for (size_t i = 0; i < COUNT(v); i++) {
        uint8_t want[64], got[64];
        size_t n = th_hex_into(v[i].mac, want, sizeof(want));
        if (v[i].tc == 1) {
            assert_clasp_ok(p->hmac(p->ctx, v[i].id, key1, sizeof(key1),
                                    (const uint8_t *)"Hi There", 8, got, n));
        } else {
            const char *data = "what do ya want for nothing?";
            assert_clasp_ok(p->hmac(p->ctx, v[i].id, (const uint8_t *)"Jefe", 4,
                                    (const uint8_t *)data, strlen(data), got,
                                    n));
        }
        assert_memory_equal(got, want, n);
    }
    uint8_t out[32];
    assert_clasp_err(
        p->hmac(p->ctx, CLASP_HASH_SHA256, key1, 20, key1, 20, out, 31),
        CLASP_ERR_BAD_INPUT_DATA);
}

/* ---- HKDF: RFC 5869 Appendix A.1-A.3 (SHA-256) --------------------------- */

static void check_hkdf(clasp_provider *p, const char *ikm_hex,
                       const char *salt_hex, const char *info_hex,
                       const char *prk_hex, const char *okm_hex)
{
    uint8_t ikm[80], salt[80], info[80], prk[32], okm[82], want[82];
    size_t ikm_len = th_hex_into(ikm_hex, ikm, sizeof(ikm));
    size_t salt_len = th_hex_into(salt_hex, salt, sizeof(salt));
    size_t info_len = th_hex_into(info_hex, info, sizeof(info));
    th_hex_into(prk_hex, want, sizeof(want));
    assert_clasp_ok(p->hkdf_extract(p->ctx, CLASP_HASH_SHA256,
                                    salt_len ? salt : NULL, salt_len, ikm,
                                    ikm_len, prk, 32));
    assert_memory_equal(prk, want, 32);
    size_t okm_len = th_hex_into(okm_hex, want, sizeof(want));
    assert_clasp_ok(p->hkdf_expand(p->ctx, CLASP_HASH_SHA256, prk, 32,
                                   info_len ? info : NULL, info_len, okm,
                                   okm_len));
    assert_memory_equal(okm, want, okm_len);
}

static void test_hkdf_rfc5869(void **state)
{
    clasp_provider *p = prov_of(state);
    /* A.1 */
    check_hkdf(
        p, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        "34007208d5b887185865");
    /* A.2 */
    check_hkdf(
        p,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f",
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    /* A.3: zero-length salt (= HashLen zeros) and info */
    check_hkdf(
        p, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        "9d201395faa4b61a96c8");
}

/* RFC 8448 §3 "{server} derive secret for handshake": the early secret
 * HKDF-Extract(salt 0, IKM = 32 zero bytes) of a full handshake. */
static void test_hkdf_tls_edges(void **state)
{
    clasp_provider *p = prov_of(state);
    uint8_t zeros[32] = {0}, prk[32], want[32];
    th_hex_into("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10"
                "f170f92a",
                want, sizeof(want));
    assert_clasp_ok(p->hkdf_extract(p->ctx, CLASP_HASH_SHA256, NULL, 0, zeros,
                                    32, prk, 32));
    assert_memory_equal(prk, want, 32);
    assert_clasp_ok(p->hkdf_extract(p->ctx, CLASP_HASH_SHA256, zeros, 32, zeros,
                                    32, prk, 32));
    assert_memory_equal(prk, want, 32);

    /* Zero-length IKM and salt: HMAC-SHA256 with an empty key over the
     * empty string (the well-known b613679a... value; an empty key and
     * HashLen zeros are the same HMAC key, RFC 2104 §2). */
    th_hex_into("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c71214"
                "4292c5ad",
                want, sizeof(want));
    assert_clasp_ok(
        p->hkdf_extract(p->ctx, CLASP_HASH_SHA256, NULL, 0, NULL, 0, prk, 32));
    assert_memory_equal(prk, want, 32);

    uint8_t big[255 * 32 + 1];
    assert_clasp_ok(p->hkdf_expand(p->ctx, CLASP_HASH_SHA256, prk, 32, NULL, 0,
                                   big, 255 * 32));
    assert_clasp_err(p->hkdf_expand(p->ctx, CLASP_HASH_SHA256, prk, 32, NULL, 0,
                                    big, 255 * 32 + 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(
        p->hkdf_extract(p->ctx, CLASP_HASH_SHA256, NULL, 0, NULL, 0, prk, 31),
        CLASP_ERR_BAD_INPUT_DATA);
}

/* ---- AEAD -----------------------------------------------------------------
 */

typedef struct {
    const char *what;
    uint16_t suite;
    const char *key, *nonce, *aad, *pt, *ct_tag;
} aead_kat;

static const aead_kat aead_kats[] = {
    /* RFC 8439 §2.8.2 */
    {"rfc8439 2.8.2", CLASP_TLS1_3_CHACHA20_POLY1305_SHA256,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
     "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
     "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
     "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
     "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
     "637265656e20776f756c642062652069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
     "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
     "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
     "3ff4def08e4b7a9de576d26586cec64b6116"
     "1ae10b594f09e26a7e902ecbd0600691"},
    /* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 3
     * (AES-128, no AAD) */
    {"gcm tc3", CLASP_TLS1_3_AES_128_GCM_SHA256,
     "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    /* test case 4 (AES-128, with AAD) */
    {"gcm tc4", CLASP_TLS1_3_AES_128_GCM_SHA256,
     "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
     "5bc94fbc3221a5db94fae95ae7121a47"},
    /* test case 16 (AES-256, with AAD) */
    {"gcm tc16", CLASP_TLS1_3_AES_256_GCM_SHA384,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    /* NIST SP 800-38C Appendix C, Example 3: 12-byte nonce, 8-byte tag,
     * i.e. exactly the TLS_AES_128_CCM_8_SHA256 parameters. */
    {"sp800-38c ex3", CLASP_TLS1_3_AES_128_CCM_8_SHA256,
     "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b",
     "000102030405060708090a0b0c0d0e0f10111213",
     "202122232425262728292a2b2c2d2e2f3031323334353637",
     "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5"
     "484392fbc1b09951"},
};

static void test_aead_kat(void **state)
{
    clasp_provider *p = prov_of(state);
    for (size_t i = 0; i < COUNT(aead_kats); i++) {
        const aead_kat *v = &aead_kats[i];
        uint8_t key[32], nonce[12], aad[64], pt[128], want[160], buf[160];
        size_t key_len = th_hex_into(v->key, key, sizeof(key));
        th_hex_into(v->nonce, nonce, sizeof(nonce));
        size_t aad_len = th_hex_into(v->aad, aad, sizeof(aad));
        size_t pt_len = th_hex_into(v->pt, pt, sizeof(pt));
        size_t ct_len = th_hex_into(v->ct_tag, want, sizeof(want));
        clasp_aead *a = NULL;
        assert_clasp_ok(p->aead_new(p->ctx, v->suite, key, key_len, &a));
        assert_clasp_ok(p->aead_seal(a, nonce, aad, aad_len, pt, pt_len, buf));
        if (memcmp(buf, want, ct_len) != 0) {
            fail_msg("%s: seal mismatch", v->what);
        }
        /* in place */
        memcpy(buf, want, ct_len);
        assert_clasp_ok(p->aead_open(a, nonce, aad, aad_len, buf, ct_len, buf));
        assert_memory_equal(buf, pt, pt_len);
        p->aead_free(a);
    }
}

/* The CTR part of CCM does not depend on the tag length (SP 800-38C §6.1:
 * only B0 carries t), so the 16-byte-tag suite must give the same body as
 * the Example 3 vector above, with a different (16-byte) tag. */
static void test_aead_ccm16_body(void **state)
{
    clasp_provider *p = prov_of(state);
    const aead_kat *v = &aead_kats[COUNT(aead_kats) - 1];
    uint8_t key[16], nonce[12], aad[20], pt[24], want[32], buf[40];
    th_hex_into(v->key, key, sizeof(key));
    th_hex_into(v->nonce, nonce, sizeof(nonce));
    th_hex_into(v->aad, aad, sizeof(aad));
    th_hex_into(v->pt, pt, sizeof(pt));
    th_hex_into(v->ct_tag, want, sizeof(want));
    clasp_aead *a = NULL;
    assert_clasp_ok(
        p->aead_new(p->ctx, CLASP_TLS1_3_AES_128_CCM_SHA256, key, 16, &a));
    assert_clasp_ok(p->aead_seal(a, nonce, aad, 20, pt, 24, buf));
    assert_memory_equal(buf, want, 24);
    assert_memory_not_equal(buf + 24, want + 24, 8);
    assert_clasp_ok(p->aead_open(a, nonce, aad, 20, buf, 40, buf));
    assert_memory_equal(buf, pt, 24);
    p->aead_free(a);
}

static const uint16_t all_suites[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256};

static void expect_open_fails(clasp_provider *p, clasp_aead *a,
                              const uint8_t *nonce, const uint8_t *aad,
                              size_t aad_len, const uint8_t *in, size_t len)
{
    uint8_t out[256];
    memset(out, 0xee, sizeof(out));
    assert_clasp_err(p->aead_open(a, nonce, aad, aad_len, in, len, out),
                     CLASP_ERR_BAD_RECORD_MAC);
    /* out is wiped on failure */
    for (size_t i = 0; len > 16 && i < len - 16; i++) {
        assert_int_equal(out[i], 0);
    }
}

/* aead_seal2 (content and a tail sealed without being put together)
 * gives exactly aead_seal's record, at every split, in place or not; the
 * test provider leaves it out (records then go through aead_seal). */
static void test_aead_seal2(void **state)
{
    clasp_provider *p = prov_of(state);
    if (strcmp(p->name, "openssl") != 0) {
        assert_null(p->aead_seal2);
        return;
    }
    assert_non_null(p->aead_seal2);
    static const size_t splits[] = {0, 1, 15, 16, 17, 64, 99, 100};
    for (size_t s = 0; s < COUNT(all_suites); s++) {
        const clasp_suite *suite = clasp_suite_find(all_suites[s]);
        assert_non_null(suite);
        uint8_t key[32], nonce[12], aad[5] = {23, 3, 3, 0, 0};
        uint8_t pt[100], want[116], ct[116], buf[116], out[116];
        for (size_t i = 0; i < sizeof(key); i++) {
            key[i] = (uint8_t)(i * 5 + s);
        }
        for (size_t i = 0; i < sizeof(pt); i++) {
            pt[i] = (uint8_t)(i * 3 + 1);
        }
        memset(nonce, 0xa5, sizeof(nonce));
        size_t tag = suite->tag_len, len = sizeof(pt) + tag;
        aad[4] = (uint8_t)len;
        clasp_aead *a = NULL;
        assert_clasp_ok(
            p->aead_new(p->ctx, all_suites[s], key, suite->key_len, &a));
        assert_clasp_ok(p->aead_seal(a, nonce, aad, 5, pt, sizeof(pt), want));
        for (size_t k = 0; k < COUNT(splits); k++) {
            size_t n = splits[k];
            memset(ct, 0, sizeof(ct));
            assert_clasp_ok(p->aead_seal2(a, nonce, aad, 5, pt, n, pt + n,
                                          sizeof(pt) - n, ct));
            assert_memory_equal(ct, want, len);
            /* in place: the content already where the record goes */
            memset(buf, 0, sizeof(buf));
            memcpy(buf, pt, n);
            assert_clasp_ok(p->aead_seal2(a, nonce, aad, 5, buf, n, pt + n,
                                          sizeof(pt) - n, buf));
            assert_memory_equal(buf, want, len);
            assert_clasp_ok(p->aead_open(a, nonce, aad, 5, buf, len, out));
            assert_memory_equal(out, pt, sizeof(pt));
        }
        /* nothing at all: a tag alone, as aead_seal makes it */
        assert_clasp_ok(p->aead_seal(a, nonce, aad, 5, NULL, 0, want));
        assert_clasp_ok(p->aead_seal2(a, nonce, aad, 5, NULL, 0, NULL, 0, ct));
        assert_memory_equal(ct, want, tag);
        /* bad arguments */
        assert_clasp_err(p->aead_seal2(a, nonce, aad, 5, pt, 10, NULL, 1, ct),
                         CLASP_ERR_BAD_INPUT_DATA);
        assert_clasp_err(p->aead_seal2(a, nonce, aad, 5, NULL, 1, pt, 1, ct),
                         CLASP_ERR_BAD_INPUT_DATA);
        assert_clasp_err(p->aead_seal2(a, nonce, aad, 5, pt, 1, pt, 1, NULL),
                         CLASP_ERR_BAD_INPUT_DATA);
        p->aead_free(a);
    }
}

static void test_aead_tamper(void **state)
{
    clasp_provider *p = prov_of(state);
    for (size_t s = 0; s < COUNT(all_suites); s++) {
        const clasp_suite *suite = clasp_suite_find(all_suites[s]);
        assert_non_null(suite);
        uint8_t key[32], nonce[12], aad[5] = {23, 3, 3, 0, 0};
        uint8_t pt[100], ct[116], bad[116], out[116];
        for (size_t i = 0; i < sizeof(key); i++) {
            key[i] = (uint8_t)(i * 7 + s);
        }
        for (size_t i = 0; i < sizeof(pt); i++) {
            pt[i] = (uint8_t)i;
        }
        memset(nonce, 0x5a, sizeof(nonce));
        size_t tag = suite->tag_len, len = sizeof(pt) + tag;
        aad[4] = (uint8_t)len;
        clasp_aead *a = NULL;
        assert_clasp_ok(
            p->aead_new(p->ctx, all_suites[s], key, suite->key_len, &a));
        assert_clasp_ok(p->aead_seal(a, nonce, aad, 5, pt, sizeof(pt), ct));
        assert_memory_not_equal(ct, pt, sizeof(pt));

        memcpy(bad, ct, len);
        bad[len - 1] ^= 1; /* tag */
        expect_open_fails(p, a, nonce, aad, 5, bad, len);
        memcpy(bad, ct, len);
        bad[3] ^= 0x80; /* body */
        expect_open_fails(p, a, nonce, aad, 5, bad, len);
        aad[0] ^= 1; /* AAD */
        expect_open_fails(p, a, nonce, aad, 5, ct, len);
        aad[0] ^= 1;
        nonce[11] ^= 1; /* nonce */
        expect_open_fails(p, a, nonce, aad, 5, ct, len);
        nonce[11] ^= 1;
        expect_open_fails(p, a, nonce, aad, 5, ct, len - 1); /* truncated */
        expect_open_fails(p, a, nonce, aad, 5, ct, tag - 1); /* short */
        expect_open_fails(p, a, nonce, aad, 5, ct, 0);
        /* the handle still works after failures */
        assert_clasp_ok(p->aead_open(a, nonce, aad, 5, ct, len, out));
        assert_memory_equal(out, pt, sizeof(pt));

        /* a different key does not open it */
        clasp_aead *b = NULL;
        key[0] ^= 1;
        assert_clasp_ok(
            p->aead_new(p->ctx, all_suites[s], key, suite->key_len, &b));
        expect_open_fails(p, b, nonce, aad, 5, ct, len);

        /* empty plaintext: only a tag */
        assert_clasp_ok(p->aead_seal(b, nonce, aad, 5, NULL, 0, out));
        assert_clasp_ok(p->aead_open(b, nonce, aad, 5, out, tag, out));
        out[0] ^= 1;
        expect_open_fails(p, b, nonce, aad, 5, out, tag);

        /* many records on one handle, alternating seal/open */
        for (uint8_t r = 0; r < 20; r++) {
            nonce[11] = r;
            assert_clasp_ok(p->aead_seal(a, nonce, aad, 5, pt, r, ct));
            assert_clasp_ok(p->aead_open(a, nonce, aad, 5, ct, r + tag, out));
            assert_memory_equal(out, pt, r);
        }
        p->aead_free(a);
        p->aead_free(b);

        assert_clasp_err(
            p->aead_new(p->ctx, all_suites[s], key, suite->key_len - 1, &a),
            CLASP_ERR_BAD_INPUT_DATA);
    }
    clasp_aead *a = NULL;
    uint8_t key[16] = {0};
    assert_clasp_err(p->aead_new(p->ctx, 0x1306, key, 16, &a),
                     CLASP_ERR_UNSUPPORTED_ALG);
}

/* ---- key exchange ---------------------------------------------------------
 */

/* One side of a known-answer exchange: private key -> expected public
 * share, and the secret with the peer's share. */
static void check_kx_side(clasp_provider *p, uint16_t group,
                          const char *priv_hex, const char *pub_hex,
                          const char *peer_hex, const char *ss_hex)
{
    uint8_t priv[66], pub[133], want_pub[133], peer[133], ss[66], want[66];
    size_t priv_len = th_hex_into(priv_hex, priv, sizeof(priv));
    size_t want_pub_len = th_hex_into(pub_hex, want_pub, sizeof(want_pub));
    size_t peer_len = th_hex_into(peer_hex, peer, sizeof(peer));
    size_t ss_want_len = th_hex_into(ss_hex, want, sizeof(want));
    size_t pub_len = 0, ss_len = 0;
    clasp_kx *kx = NULL;
    assert_clasp_ok(p->kx_from_private(p->ctx, group, priv, priv_len, &kx, pub,
                                       sizeof(pub), &pub_len));
    assert_int_equal(pub_len, want_pub_len);
    assert_memory_equal(pub, want_pub, pub_len);
    assert_clasp_ok(p->kx_derive(kx, peer, peer_len, ss, sizeof(ss), &ss_len));
    assert_int_equal(ss_len, ss_want_len);
    assert_memory_equal(ss, want, ss_len);
    p->kx_free(kx);
}

/* RFC 7748 §6.1 (X25519) and §6.2 (X448). */
static void test_kx_rfc7748(void **state)
{
    clasp_provider *p = prov_of(state);
    const char *a25 =
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const char *A25 =
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const char *b25 =
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const char *B25 =
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const char *K25 =
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    check_kx_side(p, CLASP_GROUP_X25519, a25, A25, B25, K25);
    check_kx_side(p, CLASP_GROUP_X25519, b25, B25, A25, K25);

    const char *a448 =
        "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
        "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b";
    const char *A448 =
        "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
        "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0";
    const char *b448 =
        "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
        "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d";
    const char *B448 =
        "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
        "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609";
    const char *K448 =
        "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
        "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";
    check_kx_side(p, CLASP_GROUP_X448, a448, A448, B448, K448);
    check_kx_side(p, CLASP_GROUP_X448, b448, B448, A448, K448);
}

/* RFC 5903 §8.1 (256-bit random ECP group): the ECDH secret is the
 * x-coordinate of g^ir, as RFC 8446 §7.4.1 uses it. */
static void test_kx_rfc5903_p256(void **state)
{
    clasp_provider *p = prov_of(state);
    const char *i =
        "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
    const char *gi =
        "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
        "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
    const char *r =
        "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53";
    const char *gr =
        "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
        "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
    const char *gir =
        "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";
    check_kx_side(p, CLASP_GROUP_SECP256R1, i, gi, gr, gir);
    check_kx_side(p, CLASP_GROUP_SECP256R1, r, gr, gi, gir);
}

static const uint16_t all_groups[] = {
    CLASP_GROUP_X25519, CLASP_GROUP_X448, CLASP_GROUP_SECP256R1,
    CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1};

static void expect_derive_illegal(clasp_provider *p, clasp_kx *kx,
                                  const uint8_t *peer, size_t len)
{
    uint8_t ss[66];
    size_t ss_len = 0;
    assert_clasp_err(p->kx_derive(kx, peer, len, ss, sizeof(ss), &ss_len),
                     CLASP_ERR_ILLEGAL_PARAMETER);
}

static void test_kx_agree_and_reject(void **state)
{
    clasp_provider *p = prov_of(state);
    for (size_t gi = 0; gi < COUNT(all_groups); gi++) {
        const clasp_group *g = clasp_group_find(all_groups[gi]);
        assert_non_null(g);
        bool nist = g->pub_len != g->secret_len;
        uint8_t pa[133], pb[133], sa[66], sb[66], bad[134];
        size_t la = 0, lb = 0, ssa = 0, ssb = 0;
        clasp_kx *a = NULL, *b = NULL;
        /* a few exchanges: lengths never vary (leading zeros kept) */
        for (int round = 0; round < 4; round++) {
            assert_clasp_ok(
                p->kx_new(p->ctx, g->iana, &a, pa, sizeof(pa), &la));
            assert_clasp_ok(
                p->kx_new(p->ctx, g->iana, &b, pb, sizeof(pb), &lb));
            assert_int_equal(la, g->pub_len);
            assert_int_equal(lb, g->pub_len);
            assert_memory_not_equal(pa, pb, la);
            if (nist) {
                assert_int_equal(pa[0], 0x04);
            }
            assert_clasp_ok(p->kx_derive(a, pb, lb, sa, sizeof(sa), &ssa));
            assert_clasp_ok(p->kx_derive(b, pa, la, sb, sizeof(sb), &ssb));
            assert_int_equal(ssa, g->secret_len);
            assert_int_equal(ssb, g->secret_len);
            assert_memory_equal(sa, sb, ssa);
            if (g->iana == CLASP_GROUP_SECP521R1) {
                assert_true(sa[0] <= 1); /* 521-bit field, 66 bytes */
            }
            if (round < 3) {
                p->kx_free(a);
                p->kx_free(b);
            }
        }

        /* wrong lengths */
        memset(bad, 0, sizeof(bad));
        memcpy(bad, pb, lb);
        expect_derive_illegal(p, a, bad, lb - 1);
        expect_derive_illegal(p, a, bad, lb + 1);
        expect_derive_illegal(p, a, bad, 0);
        if (nist) {
            /* compressed form (RFC 8446 §4.2.8.2 allows only 4) */
            bad[0] = 0x02;
            expect_derive_illegal(p, a, bad, lb);
            expect_derive_illegal(p, a, bad, (lb - 1) / 2 + 1);
            bad[0] = 0x04;
            /* off the curve */
            bad[lb - 1] ^= 0x01;
            expect_derive_illegal(p, a, bad, lb);
            memset(bad + 1, 0, lb - 1);
            expect_derive_illegal(p, a, bad, lb);
            memset(bad, 0, lb); /* not even the 0x04 */
            expect_derive_illegal(p, a, bad, lb);
        } else {
            /* u = 0 and u = 1: small-order points, all-zero secret
             * (RFC 7748 §6, RFC 8446 §7.4.2) */
            memset(bad, 0, lb);
            expect_derive_illegal(p, a, bad, lb);
            bad[0] = 1;
            expect_derive_illegal(p, a, bad, lb);
        }
        /* the handle still works after rejected shares */
        assert_clasp_ok(p->kx_derive(a, pb, lb, sa, sizeof(sa), &ssa));
        assert_memory_equal(sa, sb, ssa);
        /* output buffers too small */
        assert_clasp_err(p->kx_derive(a, pb, lb, sa, g->secret_len - 1, &ssa),
                         CLASP_ERR_BUFFER_TOO_SMALL);
        p->kx_free(a);
        p->kx_free(b);
        assert_clasp_err(
            p->kx_new(p->ctx, g->iana, &a, pa, g->pub_len - 1, &la),
            CLASP_ERR_BUFFER_TOO_SMALL);

        /* private keys of the wrong size / out of range */
        uint8_t priv[67];
        memset(priv, 0x11, sizeof(priv));
        assert_clasp_err(p->kx_from_private(p->ctx, g->iana, priv,
                                            g->secret_len + 1, &a, pa,
                                            sizeof(pa), &la),
                         CLASP_ERR_BAD_INPUT_DATA);
        if (nist) {
            memset(priv, 0, sizeof(priv));
            assert_clasp_err(p->kx_from_private(p->ctx, g->iana, priv,
                                                g->secret_len, &a, pa,
                                                sizeof(pa), &la),
                             CLASP_ERR_BAD_INPUT_DATA);
            memset(priv, 0xff, sizeof(priv)); /* >= group order */
            assert_clasp_err(p->kx_from_private(p->ctx, g->iana, priv,
                                                g->secret_len, &a, pa,
                                                sizeof(pa), &la),
                             CLASP_ERR_BAD_INPUT_DATA);
        }
    }
    clasp_kx *kx = NULL;
    uint8_t pub[133];
    size_t len = 0;
    assert_clasp_err(
        p->kx_new(p->ctx, 0x0100 /* ffdhe2048 */, &kx, pub, sizeof(pub), &len),
        CLASP_ERR_UNSUPPORTED_ALG);
}

#define PROVIDER_TESTS                                                         \
    cmocka_unit_test(test_hash_abc),                                           \
        cmocka_unit_test(test_hash_empty_and_dup),                             \
        cmocka_unit_test(test_hmac_rfc4231),                                   \
        cmocka_unit_test(test_hkdf_rfc5869),                                   \
        cmocka_unit_test(test_hkdf_tls_edges),                                 \
        cmocka_unit_test(test_aead_kat),                                       \
        cmocka_unit_test(test_aead_ccm16_body),                                \
        cmocka_unit_test(test_aead_seal2), cmocka_unit_test(test_aead_tamper), \
        cmocka_unit_test(test_kx_rfc7748),                                     \
        cmocka_unit_test(test_kx_rfc5903_p256),                                \
        cmocka_unit_test(test_kx_agree_and_reject)

/* The same cases, once per provider. */
int main(void)
{
    const struct CMUnitTest tests[] = {PROVIDER_TESTS};
    int failed =
        cmocka_run_group_tests_name("ossl", tests, setup_ossl, teardown_prov);
    failed += cmocka_run_group_tests_name("testprov", tests, setup_testprov,
                                          teardown_prov);
    return failed;
}
