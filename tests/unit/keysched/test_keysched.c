/* Key schedule unit tests: HkdfLabel encoding against RFC 8448's "info"
 * bytes, stage discipline (misuse -> CLASP_ERR_INTERNAL), wiping, input
 * bounds, SHA-384, KeyUpdate, exporter, key log lines. Values the RFCs do
 * not give are checked against literals computed outside clasp (Python's
 * hmac/hashlib, straight from the RFC 5869 / RFC 8446 §7.1 formulas) and
 * against the raw HKDF of the provider with HkdfLabel built by hand. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vectors/rfc8448/tv.h"

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "keysched/keysched.h"

#define SHA256 CLASP_HASH_SHA256
#define SHA384 CLASP_HASH_SHA384
#define HL 32

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

/* ---- a provider wrapper that records HKDF-Expand's info, or fails ------ */

static clasp_provider spy;
static uint8_t last_info[600];
static size_t last_info_len;
static int fail_extract;

static int spy_expand(void *ctx, clasp_hash_id id, const uint8_t *prk,
                      size_t prk_len, const uint8_t *info, size_t info_len,
                      uint8_t *out, size_t out_len)
{
    assert_true(info_len <= sizeof(last_info));
    memcpy(last_info, info, info_len);
    last_info_len = info_len;
    return prov->hkdf_expand(ctx, id, prk, prk_len, info, info_len, out,
                             out_len);
}

static int spy_extract(void *ctx, clasp_hash_id id, const uint8_t *salt,
                       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                       uint8_t *prk, size_t prk_len)
{
    if (fail_extract) {
        return CLASP_ERR_CRYPTO;
    }
    return prov->hkdf_extract(ctx, id, salt, salt_len, ikm, ikm_len, prk,
                              prk_len);
}

static void make_spy(void)
{
    spy = *prov;
    spy.hkdf_expand = spy_expand;
    spy.hkdf_extract = spy_extract;
    fail_extract = 0;
}

/* ---- HkdfLabel ------------------------------------------------------------
 */

/* RFC 8446 §7.1 HkdfLabel, byte for byte as RFC 8448 §3 prints it in the
 * "info" of each derivation. */
static void hkdf_label_matches_rfc8448_info(void **state)
{
    (void)state;
    make_spy();
    tv_file f = tv_load("simple");
    uint8_t secret[HL], th[HL], out[HL];
    struct {
        const char *step;
        clasp_span label;
    } derives[] = {
        {"server.derive_secret_for_handshake_derived", KS_LABEL(derived)},
        {"server.derive_secret_c_hs_traffic", KS_LABEL(c_hs_traffic)},
        {"server.derive_secret_s_hs_traffic", KS_LABEL(s_hs_traffic)},
        {"server.derive_secret_for_master_derived", KS_LABEL(derived)},
        {"server.derive_secret_c_ap_traffic", KS_LABEL(c_ap_traffic)},
        {"server.derive_secret_s_ap_traffic", KS_LABEL(s_ap_traffic)},
        {"server.derive_secret_exp_master", KS_LABEL(exp_master)},
        {"client.derive_secret_res_master", KS_LABEL(res_master)},
    };
    char key[160];
    for (size_t i = 0; i < sizeof(derives) / sizeof(derives[0]); i++) {
        snprintf(key, sizeof(key), "%s.prk", derives[i].step);
        tv_get(&f, key, secret, HL);
        snprintf(key, sizeof(key), "%s.hash", derives[i].step);
        tv_get(&f, key, th, HL);
        assert_clasp_ok(clasp_ks_derive_secret(&spy, SHA256, secret,
                                               derives[i].label, th, out));
        snprintf(key, sizeof(key), "%s.info", derives[i].step);
        tv_expect(&f, key, last_info, last_info_len);
        snprintf(key, sizeof(key), "%s.expanded", derives[i].step);
        tv_expect(&f, key, out, HL);
    }

    /* traffic keys: "key" and "iv" with empty context */
    const clasp_suite *suite = clasp_suite_find(0x1301);
    uint8_t k[16], iv[12];
    tv_get(&f, "server.derive_write_traffic_keys_for_handshake_data.prk",
           secret, HL);
    assert_clasp_ok(clasp_ks_expand_label(&spy, SHA256, secret, KS_LABEL(key),
                                          NULL, 0, k, suite->key_len));
    tv_expect(&f,
              "server.derive_write_traffic_keys_for_handshake_data.key_info",
              last_info, last_info_len);
    assert_clasp_ok(clasp_ks_expand_label(&spy, SHA256, secret, KS_LABEL(iv),
                                          NULL, 0, iv, suite->iv_len));
    tv_expect(&f, "server.derive_write_traffic_keys_for_handshake_data.iv_info",
              last_info, last_info_len);

    /* finished_key: "finished", empty context */
    tv_get(&f, "server.calculate_finished_finished.prk", secret, HL);
    assert_clasp_ok(clasp_ks_finished_key(&spy, SHA256, secret, out));
    tv_expect(&f, "server.calculate_finished_finished.info", last_info,
              last_info_len);

    /* ticket PSK: "resumption" with the ticket nonce as context */
    uint8_t nonce[2];
    tv_get(&f, "server.generate_resumption_secret_resumption.prk", secret, HL);
    tv_get(&f, "server.generate_resumption_secret_resumption.hash", nonce, 2);
    assert_clasp_ok(clasp_ks_ticket_psk(&spy, SHA256, secret, nonce, 2, out));
    tv_expect(&f, "server.generate_resumption_secret_resumption.info",
              last_info, last_info_len);
    tv_expect(&f, "server.generate_resumption_secret_resumption.expanded", out,
              HL);
    tv_free(&f);
}

/* The labels are exactly the RFC 8446 strings. */
static void label_table_holds_rfc_strings(void **state)
{
    (void)state;
    assert_int_equal(KS_LABEL_COUNT, 17);
    clasp_span l = KS_LABEL(c_e_traffic);
    assert_int_equal(l.len, 11);
    assert_memory_equal(l.p, "c e traffic", 11);
    l = KS_LABEL(traffic_upd);
    assert_int_equal(l.len, 11);
    assert_memory_equal(l.p, "traffic upd", 11);
    l = KS_LABEL(iv);
    assert_int_equal(l.len, 2);
    assert_memory_equal(l.p, "iv", 2);
    assert_string_equal(KS_NSS_LABEL(client_hs),
                        "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    assert_string_equal(KS_NSS_LABEL(early_exporter), "EARLY_EXPORTER_SECRET");
}

/* HkdfLabel bounds (RFC 8446 §7.1: label<7..255> with "tls13 ",
 * context<0..255>; RFC 5869: L <= 255 * HashLen). */
static void expand_label_enforces_bounds(void **state)
{
    (void)state;
    uint8_t secret[HL] = {1}, ctx[256] = {0}, label[250];
    uint8_t *out = malloc(255 * HL + 1);
    assert_non_null(out);
    memset(label, 'a', sizeof(label));
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret,
                                           clasp_span_of(label, 0), NULL, 0,
                                           out, HL),
                     CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ks_expand_label(
        prov, SHA256, secret, clasp_span_of(label, 249), NULL, 0, out, HL));
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret,
                                           clasp_span_of(label, 250), NULL, 0,
                                           out, HL),
                     CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                          ctx, 255, out, HL));
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                           ctx, 256, out, HL),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                           NULL, 1, out, HL),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                           NULL, 0, out, 0),
                     CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                          NULL, 0, out, 255 * HL));
    assert_clasp_err(clasp_ks_expand_label(prov, SHA256, secret, KS_LABEL(key),
                                           NULL, 0, out, 255 * HL + 1),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_expand_label(prov, CLASP_HASH_NONE, secret,
                                           KS_LABEL(key), NULL, 0, out, HL),
                     CLASP_ERR_INTERNAL);
    free(out);
}

/* ---- stage discipline ------------------------------------------------- */

/* Calls every stage-bound function; expect[] says which may succeed. */
static void expect_only(clasp_ks *ks, const char *allowed)
{
    uint8_t a[HL], b[HL], c[HL], th[HL] = {0};
    struct {
        const char *name;
        int rc;
    } calls[] = {
        {"binder_key", clasp_ks_binder_key(ks, false, a)},
        {"binder", clasp_ks_binder(ks, true, th, a)},
        {"early_traffic", clasp_ks_early_traffic(ks, th, a, b)},
        {"hs_traffic", clasp_ks_hs_traffic(ks, th, a, b)},
        {"app_traffic", clasp_ks_app_traffic(ks, th, a, b, c)},
        {"resumption_master", clasp_ks_resumption_master(ks, th, a)},
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        if (strstr(allowed, calls[i].name) != NULL) {
            assert_clasp_ok(calls[i].rc);
        } else {
            assert_clasp_err(calls[i].rc, CLASP_ERR_INTERNAL);
        }
    }
}

static void stages_refuse_misuse_with_internal(void **state)
{
    (void)state;
    clasp_ks ks;
    uint8_t ecdhe[32] = {7};

    assert_clasp_ok(clasp_ks_init(&ks, prov, SHA256));
    assert_int_equal(ks.stage, KS_NONE);
    expect_only(&ks, "");
    assert_clasp_err(clasp_ks_handshake(&ks, ecdhe, 32), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_master(&ks), CLASP_ERR_INTERNAL);

    assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    expect_only(&ks, "binder_key binder early_traffic");
    assert_clasp_err(clasp_ks_early(&ks, NULL, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_master(&ks), CLASP_ERR_INTERNAL);

    assert_clasp_ok(clasp_ks_handshake(&ks, ecdhe, 32));
    expect_only(&ks, "hs_traffic");
    assert_clasp_err(clasp_ks_early(&ks, NULL, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_handshake(&ks, ecdhe, 32), CLASP_ERR_INTERNAL);

    assert_clasp_ok(clasp_ks_master(&ks));
    expect_only(&ks, "app_traffic resumption_master");
    assert_clasp_err(clasp_ks_early(&ks, NULL, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_handshake(&ks, ecdhe, 32), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_master(&ks), CLASP_ERR_INTERNAL);

    clasp_ks_wipe(&ks);
    assert_int_equal(ks.stage, KS_NONE);
    expect_only(&ks, "");
    /* a wiped ks has no provider: even the first step is refused */
    assert_clasp_err(clasp_ks_early(&ks, NULL, 0), CLASP_ERR_INTERNAL);
    /* a zeroed, never initialised ks likewise */
    clasp_ks zero = {0};
    assert_clasp_err(clasp_ks_early(&zero, NULL, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_init(&ks, prov, CLASP_HASH_NONE),
                     CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_init(NULL, prov, SHA256), CLASP_ERR_INTERNAL);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Each move overwrites the previous secret; wipe clears everything; a
 * failed step leaves stage KS_NONE and no secret. */
static void moving_and_failing_wipe_secrets(void **state)
{
    (void)state;
    clasp_ks ks;
    uint8_t early[HL], hs[HL], ecdhe[32] = {9};
    make_spy();
    assert_clasp_ok(clasp_ks_init(&ks, &spy, SHA256));
    assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    memcpy(early, ks.secret, HL);
    assert_clasp_ok(clasp_ks_handshake(&ks, ecdhe, sizeof(ecdhe)));
    memcpy(hs, ks.secret, HL);
    assert_memory_not_equal(early, hs, HL);
    assert_clasp_ok(clasp_ks_master(&ks));
    assert_memory_not_equal(hs, ks.secret, HL);
    assert_memory_not_equal(early, ks.secret, HL);
    clasp_ks_wipe(&ks);
    assert_true(all_zero((const uint8_t *)&ks, sizeof(ks)));

    assert_clasp_ok(clasp_ks_init(&ks, &spy, SHA256));
    assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    fail_extract = 1;
    assert_clasp_err(clasp_ks_handshake(&ks, ecdhe, sizeof(ecdhe)),
                     CLASP_ERR_CRYPTO);
    assert_int_equal(ks.stage, KS_NONE);
    assert_true(all_zero(ks.secret, sizeof(ks.secret)));
    /* and nothing can be derived from the remains */
    expect_only(&ks, "");
    fail_extract = 0;
    clasp_ks_wipe(&ks);
}

/* Input bounds of the stage moves. */
static void stage_inputs_are_bounded(void **state)
{
    (void)state;
    clasp_ks ks;
    uint8_t big[CLASP_KS_MAX_PSK_LEN + 1] = {0};
    assert_clasp_ok(clasp_ks_init(&ks, prov, SHA256));
    assert_clasp_err(clasp_ks_early(&ks, big, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_early(&ks, big, sizeof(big)), CLASP_ERR_INTERNAL);
    assert_clasp_ok(clasp_ks_early(&ks, big, CLASP_KS_MAX_PSK_LEN));
    assert_clasp_err(clasp_ks_handshake(&ks, big, 0), CLASP_ERR_INTERNAL);
    assert_clasp_err(clasp_ks_handshake(&ks, big, CLASP_MAX_KX_SECRET_LEN + 1),
                     CLASP_ERR_INTERNAL);
    assert_int_equal(ks.stage, KS_EARLY);
    assert_clasp_ok(clasp_ks_handshake(&ks, big, CLASP_MAX_KX_SECRET_LEN));
    clasp_ks_wipe(&ks);
    /* removing the hook needs no random */
    assert_clasp_ok(clasp_ks_set_keylog(&ks, NULL, NULL, NULL));
}

/* psk_ke: ecdhe NULL is the 0-value of Hash.length zeros; no PSK is
 * likewise zeros (RFC 8446 §7.1). */
static void null_inputs_are_the_zero_value(void **state)
{
    (void)state;
    clasp_ks a, b;
    uint8_t zeros[HL] = {0};
    assert_clasp_ok(clasp_ks_init(&a, prov, SHA256));
    assert_clasp_ok(clasp_ks_init(&b, prov, SHA256));
    assert_clasp_ok(clasp_ks_early(&a, NULL, 0));
    assert_clasp_ok(clasp_ks_early(&b, zeros, HL));
    assert_memory_equal(a.secret, b.secret, HL);
    assert_clasp_ok(clasp_ks_handshake(&a, NULL, 0));
    assert_clasp_ok(clasp_ks_handshake(&b, zeros, HL));
    assert_memory_equal(a.secret, b.secret, HL);
    clasp_ks_wipe(&a);
    clasp_ks_wipe(&b);
}

/* ---- SHA-384 ------------------------------------------------------------ */

static void sha384_schedule(void **state)
{
    (void)state;
    /* Literals computed with Python hmac/hashlib from RFC 5869 and
     * RFC 8446 §7.1 (no SHA-384 trace exists in RFC 8448):
     * es = HKDF-Extract(0^48, 0^48); hs with ecdhe = 01 02 .. 30;
     * th = SHA-384("transcript"). */
    static const char es[] =
        "7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e7169"
        "71f9362f2c2fe2a76bfd78dfec4ea9b5";
    static const char hs[] =
        "48c650affee3293e57591b978b45afe555814102deb1d35a9c1cc935f2090829"
        "0454c4bccd820b33d1b499da6e7b6c90";
    static const char ms[] =
        "9c4bcb67268f8b38a02d462087c52f05a452e3ece93fd0806bb61302fa7892af"
        "8c5cbaee18685854327f78cb6fd2e276";
    static const char c_hs_hex[] =
        "7f91256453ff6573fbd3e8f56962533d65e134259bb975868cd1ce1d495f7133"
        "320eaaef319a040f32315f6dcf1f6220";
    static const char key_hex[] =
        "2c3d4b5f13556ef3984b1a339ef031da2e8819d9b1cdca44864f868b82cddd8f";
    static const char iv_hex[] = "3583310f4d33c4cda09a237b";
    uint8_t want[48], ecdhe[48], th[48], c_hs[48], s_hs[48];
    for (size_t i = 0; i < 48; i++) {
        ecdhe[i] = (uint8_t)(i + 1);
    }
    clasp_ks ks;
    assert_clasp_ok(clasp_ks_init(&ks, prov, SHA384));
    assert_int_equal(ks.hash_len, 48);
    assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    th_hex_into(es, want, sizeof(want));
    assert_memory_equal(ks.secret, want, 48);
    assert_clasp_ok(clasp_ks_handshake(&ks, ecdhe, 48));
    th_hex_into(hs, want, sizeof(want));
    assert_memory_equal(ks.secret, want, 48);
    assert_clasp_ok(prov->hash_oneshot(
        prov->ctx, SHA384, (const uint8_t *)"transcript", 10, th, 48));
    assert_clasp_ok(clasp_ks_hs_traffic(&ks, th, c_hs, s_hs));
    th_hex_into(c_hs_hex, want, sizeof(want));
    assert_memory_equal(c_hs, want, 48);
    const clasp_suite *suite = clasp_suite_find(0x1302);
    uint8_t key[32], iv[12];
    assert_clasp_ok(clasp_ks_traffic_keys(prov, suite, c_hs, key, iv));
    th_hex_into(key_hex, want, sizeof(want));
    assert_memory_equal(key, want, 32);
    th_hex_into(iv_hex, want, sizeof(want));
    assert_memory_equal(iv, want, 12);
    assert_clasp_ok(clasp_ks_master(&ks));
    th_hex_into(ms, want, sizeof(want));
    assert_memory_equal(ks.secret, want, 48);
    clasp_ks_wipe(&ks);
}

/* Key and IV lengths follow the suite table for all five suites. */
static void traffic_keys_for_every_suite(void **state)
{
    (void)state;
    uint8_t secret[48] = {3};
    for (size_t i = 0; i < clasp_default_suite_count; i++) {
        const clasp_suite *s = clasp_suite_find(clasp_default_suites[i]);
        assert_non_null(s);
        uint8_t key[CLASP_MAX_AEAD_KEY_LEN + 1], iv[13];
        memset(key, 0xAA, sizeof(key));
        memset(iv, 0xAA, sizeof(iv));
        assert_clasp_ok(clasp_ks_traffic_keys(prov, s, secret, key, iv));
        /* nothing written past key_len / 12 */
        assert_int_equal(key[s->key_len], 0xAA);
        assert_int_equal(iv[12], 0xAA);
        /* an independent HKDF-Expand with a hand-built HkdfLabel */
        uint8_t info[] = {0,   s->key_len, 9,   't', 'l', 's', '1',
                          '3', ' ',        'k', 'e', 'y', 0};
        uint8_t want[CLASP_MAX_AEAD_KEY_LEN];
        assert_clasp_ok(prov->hkdf_expand(prov->ctx, s->hash, secret,
                                          s->hash_len, info, sizeof(info), want,
                                          s->key_len));
        assert_memory_equal(key, want, s->key_len);
    }
    assert_clasp_err(clasp_ks_traffic_keys(prov, NULL, secret, secret, secret),
                     CLASP_ERR_INTERNAL);
}

/* ---- KeyUpdate, exporter ------------------------------------------------ */

/* RFC 8446 §7.2. No RFC vector: a literal computed with Python from the
 * RFC formula on RFC 8448's server_application_traffic_secret_0, and the
 * raw HKDF with a hand-built HkdfLabel. */
static void next_traffic_secret_is_traffic_upd(void **state)
{
    (void)state;
    uint8_t secret[HL], want[HL], raw[HL];
    th_hex_into("49033ff303eef5739d1376cb6d27ebd695733f3c3f617e7fc76d02a6"
                "fac6277f",
                secret, HL);
    static const uint8_t info[] = {0,   32,  17,  't', 'l', 's', '1',
                                   '3', ' ', 't', 'r', 'a', 'f', 'f',
                                   'i', 'c', ' ', 'u', 'p', 'd', 0};
    assert_clasp_ok(prov->hkdf_expand(prov->ctx, SHA256, secret, HL, info,
                                      sizeof(info), raw, HL));
    assert_clasp_ok(clasp_ks_next_traffic_secret(prov, SHA256, secret));
    th_hex_into("f17ec74a3e4e46354b1387fa4e8e2c6f9424cf7166b98db70475ee31"
                "1738b65d",
                want, HL);
    assert_memory_equal(secret, want, HL);
    assert_memory_equal(secret, raw, HL);
}

/* RFC 8446 §7.5. RFC 8448 has no exporter output: literals computed with
 * Python from the RFC formula, on RFC 8448 §3's exporter_master_secret,
 * plus the raw HKDF here with hand-built HkdfLabels. */
static void exporter_follows_rfc8446_7_5(void **state)
{
    (void)state;
    uint8_t exp[HL], out[HL], want[HL];
    th_hex_into("319b2e433f189fc5a1d81ea369e3af838cbecb0db8fffd5b9ab205af"
                "cdb999d9",
                exp, HL);
    static const char label[] = "EXPERIMENTAL clasp";
    static const char context[] = "context";
    assert_clasp_ok(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                    18, (const uint8_t *)context, 7, out, 32));
    th_hex_into("516032bba53bf402415aa2d76a2d18638533cf0ad233b4d3c1b8631687"
                "977060",
                want, HL);
    assert_memory_equal(out, want, 32);

    /* the same by hand: secret = Expand(exp, HkdfLabel(32, "tls13 " +
     * label, Hash(""))); out = Expand(secret, HkdfLabel(32, "tls13
     * exporter", Hash(context))) */
    uint8_t info[2 + 1 + 6 + 18 + 1 + HL], secret[HL], raw[HL];
    size_t n = 0;
    info[n++] = 0;
    info[n++] = 32;
    info[n++] = 6 + 18;
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, 18);
    n += 18;
    info[n++] = HL;
    assert_clasp_ok(prov->hash_oneshot(prov->ctx, SHA256, (const uint8_t *)"",
                                       0, info + n, HL));
    n += HL;
    assert_clasp_ok(
        prov->hkdf_expand(prov->ctx, SHA256, exp, HL, info, n, secret, HL));
    uint8_t info2[2 + 1 + 14 + 1 + HL];
    n = 0;
    info2[n++] = 0;
    info2[n++] = 32;
    info2[n++] = 14;
    memcpy(info2 + n, "tls13 exporter", 14);
    n += 14;
    info2[n++] = HL;
    assert_clasp_ok(prov->hash_oneshot(
        prov->ctx, SHA256, (const uint8_t *)context, 7, info2 + n, HL));
    n += HL;
    assert_clasp_ok(
        prov->hkdf_expand(prov->ctx, SHA256, secret, HL, info2, n, raw, 32));
    assert_memory_equal(out, raw, 32);

    /* no context == empty context (RFC 8446 §7.5); other lengths */
    uint8_t a[20], b[20];
    assert_clasp_ok(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                    18, NULL, 0, a, 20));
    assert_clasp_ok(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                    18, (const uint8_t *)"", 0, b, 20));
    assert_memory_equal(a, b, 20);
    th_hex_into("6a466a25de2f02b21c4d08ea3fd228d85d609f5d", want, 20);
    assert_memory_equal(a, want, 20);

    /* application inputs are checked: BAD_INPUT_DATA */
    uint8_t longlabel[250];
    memset(longlabel, 'x', sizeof(longlabel));
    assert_clasp_err(
        clasp_ks_export(prov, SHA256, exp, longlabel, 0, NULL, 0, out, 32),
        CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(
        clasp_ks_export(prov, SHA256, exp, longlabel, 250, NULL, 0, out, 32),
        CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(
        clasp_ks_export(prov, SHA256, exp, longlabel, 249, NULL, 0, out, 32));
    assert_clasp_err(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                     18, NULL, 1, out, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                     18, NULL, 0, out, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    uint8_t *big = malloc(255 * HL + 1);
    assert_non_null(big);
    assert_clasp_ok(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                    18, NULL, 0, big, 255 * HL));
    assert_clasp_err(clasp_ks_export(prov, SHA256, exp, (const uint8_t *)label,
                                     18, NULL, 0, big, 255 * HL + 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    free(big);
}

/* ---- key log ------------------------------------------------------------ */

static void keylog_line_format_and_bounds(void **state)
{
    (void)state;
    uint8_t random[32], secret[48];
    for (size_t i = 0; i < 32; i++) {
        random[i] = (uint8_t)i;
    }
    for (size_t i = 0; i < 48; i++) {
        secret[i] = (uint8_t)(0xF0 + (i & 0x0F));
    }
    char line[CLASP_KS_KEYLOG_LINE_MAX];
    int rc = clasp_ks_keylog_line(line, sizeof(line), "EXPORTER_SECRET", random,
                                  secret, 4);
    static const char want[] =
        "EXPORTER_SECRET "
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "
        "f0f1f2f3";
    assert_int_equal(rc, (int)strlen(want));
    assert_string_equal(line, want);

    /* the longest line (64-byte secret, longest label) fits the max */
    uint8_t s64[64] = {0};
    rc = clasp_ks_keylog_line(
        line, sizeof(line), "CLIENT_HANDSHAKE_TRAFFIC_SECRET", random, s64, 64);
    assert_int_equal(rc, 31 + 1 + 64 + 1 + 128);
    /* exactly enough room (line + NUL), and one byte less */
    char exact[sizeof(want)];
    assert_int_equal(clasp_ks_keylog_line(exact, sizeof(exact),
                                          "EXPORTER_SECRET", random, secret, 4),
                     (int)strlen(want));
    assert_clasp_err(clasp_ks_keylog_line(exact, sizeof(exact) - 1,
                                          "EXPORTER_SECRET", random, secret, 4),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_clasp_err(
        clasp_ks_keylog_line(line, sizeof(line), "X", random, secret, 65),
        CLASP_ERR_INTERNAL);
}

static unsigned hook_calls;
static void count_hook(void *arg, const char *label, const uint8_t r[32],
                       const uint8_t *secret, size_t len)
{
    (void)label;
    (void)secret;
    assert_ptr_equal(arg, &hook_calls);
    assert_int_equal(r[0], 0x5A);
    assert_int_equal(len, HL);
    hook_calls++;
}

/* The hook sees every secret of a full schedule (7), and nothing once it
 * is removed. */
static void keylog_hook_sees_every_secret(void **state)
{
    (void)state;
    clasp_ks ks;
    uint8_t random[32] = {0x5A}, th[HL] = {0}, a[HL], b[HL], c[HL];
    hook_calls = 0;
    assert_clasp_ok(clasp_ks_init(&ks, prov, SHA256));
    assert_clasp_ok(clasp_ks_set_keylog(&ks, count_hook, &hook_calls, random));
    assert_clasp_ok(clasp_ks_early(&ks, NULL, 0));
    assert_clasp_ok(clasp_ks_early_traffic(&ks, th, a, b));
    assert_int_equal(hook_calls, 2);
    assert_clasp_ok(clasp_ks_early_traffic(&ks, th, a, NULL));
    assert_int_equal(hook_calls, 3);
    assert_clasp_ok(clasp_ks_handshake(&ks, NULL, 0));
    assert_clasp_ok(clasp_ks_hs_traffic(&ks, th, a, b));
    assert_int_equal(hook_calls, 5);
    assert_clasp_ok(clasp_ks_master(&ks));
    assert_clasp_ok(clasp_ks_app_traffic(&ks, th, a, b, c));
    assert_int_equal(hook_calls, 8);
    assert_clasp_ok(clasp_ks_set_keylog(&ks, NULL, NULL, NULL));
    assert_clasp_ok(clasp_ks_app_traffic(&ks, th, a, b, c));
    assert_int_equal(hook_calls, 8);
    assert_clasp_err(clasp_ks_set_keylog(&ks, count_hook, NULL, NULL),
                     CLASP_ERR_INTERNAL);
    clasp_ks_wipe(&ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hkdf_label_matches_rfc8448_info),
        cmocka_unit_test(label_table_holds_rfc_strings),
        cmocka_unit_test(expand_label_enforces_bounds),
        cmocka_unit_test(stages_refuse_misuse_with_internal),
        cmocka_unit_test(moving_and_failing_wipe_secrets),
        cmocka_unit_test(stage_inputs_are_bounded),
        cmocka_unit_test(null_inputs_are_the_zero_value),
        cmocka_unit_test(sha384_schedule),
        cmocka_unit_test(traffic_keys_for_every_suite),
        cmocka_unit_test(next_traffic_secret_is_traffic_upd),
        cmocka_unit_test(exporter_follows_rfc8446_7_5),
        cmocka_unit_test(keylog_line_format_and_bounds),
        cmocka_unit_test(keylog_hook_sees_every_secret),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
