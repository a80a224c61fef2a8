/*
 * Provider conformance suite, part 2 (DESIGN.md §3.10): keys, signatures
 * and X.509, on the committed test PKI (tests/pki/README.md). Every case
 * runs once per provider (cmocka group state = the provider under test).
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
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

static const uint16_t all_sig_algs[] = {
    CLASP_SIG_ECDSA_SECP256R1_SHA256,
    CLASP_SIG_ECDSA_SECP384R1_SHA384,
    CLASP_SIG_ECDSA_SECP521R1_SHA512,
    CLASP_SIG_RSA_PSS_RSAE_SHA256,
    CLASP_SIG_RSA_PSS_RSAE_SHA384,
    CLASP_SIG_RSA_PSS_RSAE_SHA512,
    CLASP_SIG_RSA_PSS_PSS_SHA256,
    CLASP_SIG_RSA_PSS_PSS_SHA384,
    CLASP_SIG_RSA_PSS_PSS_SHA512,
    CLASP_SIG_RSA_PKCS1_SHA256,
    CLASP_SIG_RSA_PKCS1_SHA384,
    CLASP_SIG_RSA_PKCS1_SHA512,
    CLASP_SIG_ED25519,
    CLASP_SIG_ED448,
};

/* Which schemes each PKI key type fits (RFC 8446 §4.2.3). */
static const struct {
    const char *dir;
    uint16_t fits[6];
} kinds[] = {
    {"rsa2048",
     {CLASP_SIG_RSA_PSS_RSAE_SHA256, CLASP_SIG_RSA_PSS_RSAE_SHA384,
      CLASP_SIG_RSA_PSS_RSAE_SHA512, CLASP_SIG_RSA_PKCS1_SHA256,
      CLASP_SIG_RSA_PKCS1_SHA384, CLASP_SIG_RSA_PKCS1_SHA512}},
    {"rsapss",
     {CLASP_SIG_RSA_PSS_PSS_SHA256, CLASP_SIG_RSA_PSS_PSS_SHA384,
      CLASP_SIG_RSA_PSS_PSS_SHA512}},
    {"ecdsa-p256", {CLASP_SIG_ECDSA_SECP256R1_SHA256}},
    {"ecdsa-p384", {CLASP_SIG_ECDSA_SECP384R1_SHA384}},
    {"ecdsa-p521", {CLASP_SIG_ECDSA_SECP521R1_SHA512}},
    {"ed25519", {CLASP_SIG_ED25519}},
    {"ed448", {CLASP_SIG_ED448}},
};

static bool kind_fits(size_t k, uint16_t alg)
{
    for (size_t i = 0; i < COUNT(kinds[k].fits); i++) {
        if (kinds[k].fits[i] == alg) {
            return true;
        }
    }
    return false;
}

static clasp_pkey *load_key(clasp_provider *p, const char *path,
                            const char *password)
{
    size_t len = 0;
    uint8_t *data = th_read_file(path, &len);
    clasp_pkey *k = NULL;
    assert_clasp_ok(p->pkey_load_private(p->ctx, data, len, password, &k));
    th_free(data);
    return k;
}

/* Decode a PEM file into DER certificates (count checked by caller). */
static clasp_span *load_certs(clasp_provider *p, const char *path, size_t *n)
{
    size_t len = 0;
    uint8_t *data = th_read_file(path, &len);
    clasp_span *ders = NULL;
    assert_clasp_ok(p->cert_decode(p->ctx, data, len, &ders, n));
    th_free(data);
    return ders;
}

static clasp_pkey *cert_key(clasp_provider *p, const char *path)
{
    size_t n = 0;
    clasp_span *ders = load_certs(p, path, &n);
    clasp_pkey *k = NULL;
    assert_clasp_ok(p->pkey_from_cert(p->ctx, ders[0].p, ders[0].len, &k));
    clasp_mem_free(ders);
    return k;
}

/* ---- signatures ---------------------------------------------------------- */

static void test_sig_matrix(void **state)
{
    clasp_provider *p = prov_of(state);
    static const uint8_t tbs[] = "TLS 1.3, server CertificateVerify";
    for (size_t k = 0; k < COUNT(kinds); k++) {
        char path[128];
        snprintf(path, sizeof(path), "pki/%s/leaf.key", kinds[k].dir);
        clasp_pkey *priv = load_key(p, path, NULL);
        snprintf(path, sizeof(path), "pki/%s/leaf.pem", kinds[k].dir);
        clasp_pkey *pub = cert_key(p, path);
        snprintf(path, sizeof(path), "pki/%s/inter.pem", kinds[k].dir);
        clasp_pkey *other = cert_key(p, path); /* same type, other key */
        for (size_t a = 0; a < COUNT(all_sig_algs); a++) {
            uint16_t alg = all_sig_algs[a];
            bool fit = kind_fits(k, alg);
            uint8_t sig[CLASP_MAX_SIG_LEN];
            size_t sig_len = 0;
            if (p->pkey_fits(priv, alg) != fit ||
                p->pkey_fits(pub, alg) != fit) {
                fail_msg("%s: pkey_fits(0x%04x) != %d", kinds[k].dir, alg, fit);
            }
            if (!fit) {
                assert_clasp_err(p->sign(p->ctx, priv, alg, tbs, sizeof(tbs),
                                         sig, sizeof(sig), &sig_len),
                                 CLASP_ERR_ILLEGAL_PARAMETER);
                memset(sig, 1, 64);
                assert_clasp_err(
                    p->verify(p->ctx, pub, alg, tbs, sizeof(tbs), sig, 64),
                    CLASP_ERR_ILLEGAL_PARAMETER);
                continue;
            }
            assert_clasp_ok(p->sign(p->ctx, priv, alg, tbs, sizeof(tbs), sig,
                                    sizeof(sig), &sig_len));
            assert_true(sig_len > 0 && sig_len <= sizeof(sig));
            assert_clasp_ok(
                p->verify(p->ctx, pub, alg, tbs, sizeof(tbs), sig, sig_len));
            /* the private key handle verifies too */
            assert_clasp_ok(
                p->verify(p->ctx, priv, alg, tbs, sizeof(tbs), sig, sig_len));
            /* another key of the same type does not */
            assert_clasp_err(
                p->verify(p->ctx, other, alg, tbs, sizeof(tbs), sig, sig_len),
                CLASP_ERR_DECRYPT_ERROR);
            /* flipped bits in the signature and in the message */
            sig[sig_len / 2] ^= 0x10;
            assert_clasp_err(
                p->verify(p->ctx, pub, alg, tbs, sizeof(tbs), sig, sig_len),
                CLASP_ERR_DECRYPT_ERROR);
            sig[sig_len / 2] ^= 0x10;
            assert_clasp_err(
                p->verify(p->ctx, pub, alg, tbs, sizeof(tbs) - 1, sig, sig_len),
                CLASP_ERR_DECRYPT_ERROR);
            assert_clasp_err(
                p->verify(p->ctx, pub, alg, tbs, sizeof(tbs), sig, sig_len - 1),
                CLASP_ERR_DECRYPT_ERROR);
            assert_clasp_err(
                p->verify(p->ctx, pub, alg, tbs, sizeof(tbs), sig, 0),
                CLASP_ERR_DECRYPT_ERROR);
            /* too small an output buffer */
            assert_clasp_err(
                p->sign(p->ctx, priv, alg, tbs, sizeof(tbs), sig, 8, &sig_len),
                CLASP_ERR_BUFFER_TOO_SMALL);
        }
        p->pkey_free(priv);
        p->pkey_free(pub);
        p->pkey_free(other);
    }
}

/* RSASSA-PSS is "rsae" or "pss" by the key, never both (RFC 8446 §4.2.3),
 * and a PSS signature made with SHA-256 does not verify as SHA-384. */
static void test_sig_cross_scheme(void **state)
{
    clasp_provider *p = prov_of(state);
    static const uint8_t tbs[] = "abc";
    uint8_t sig[CLASP_MAX_SIG_LEN];
    size_t sig_len = 0;
    clasp_pkey *rsa = load_key(p, "pki/rsa2048/leaf.key", NULL);
    assert_clasp_ok(p->sign(p->ctx, rsa, CLASP_SIG_RSA_PSS_RSAE_SHA256, tbs, 3,
                            sig, sizeof(sig), &sig_len));
    assert_int_equal(sig_len, 256);
    assert_clasp_err(p->verify(p->ctx, rsa, CLASP_SIG_RSA_PSS_RSAE_SHA384, tbs,
                               3, sig, sig_len),
                     CLASP_ERR_DECRYPT_ERROR);
    assert_clasp_err(p->verify(p->ctx, rsa, CLASP_SIG_RSA_PKCS1_SHA256, tbs, 3,
                               sig, sig_len),
                     CLASP_ERR_DECRYPT_ERROR);
    /* PSS is randomised: two signatures differ, both verify */
    uint8_t sig2[CLASP_MAX_SIG_LEN];
    size_t sig2_len = 0;
    assert_clasp_ok(p->sign(p->ctx, rsa, CLASP_SIG_RSA_PSS_RSAE_SHA256, tbs, 3,
                            sig2, sizeof(sig2), &sig2_len));
    assert_memory_not_equal(sig, sig2, 256);
    p->pkey_free(rsa);

    clasp_pkey *ec = load_key(p, "pki/ecdsa-p256/leaf.key", NULL);
    assert_false(p->pkey_fits(ec, 0x0203)); /* ecdsa_sha1: unknown here */
    assert_clasp_err(
        p->sign(p->ctx, ec, 0x0203, tbs, 3, sig, sizeof(sig), &sig_len),
        CLASP_ERR_UNSUPPORTED_ALG);
    p->pkey_free(ec);
}

/* An RSASSA-PSS key with parameters (RFC 4055 §3.1) fits only the
 * scheme with its hash; salt >= 48 allows TLS's salt = 48 for SHA-384. */
static void test_sig_pss_restricted(void **state)
{
    clasp_provider *p = prov_of(state);
    static const uint8_t tbs[] = "restricted";
    uint8_t sig[CLASP_MAX_SIG_LEN];
    size_t sig_len = 0;
    clasp_pkey *k = load_key(p, "pki/rsapss/restricted-sha384.key", NULL);
    for (size_t a = 0; a < COUNT(all_sig_algs); a++) {
        bool want = all_sig_algs[a] == CLASP_SIG_RSA_PSS_PSS_SHA384;
        if (p->pkey_fits(k, all_sig_algs[a]) != want) {
            fail_msg("restricted PSS key, scheme 0x%04x", all_sig_algs[a]);
        }
    }
    assert_clasp_ok(p->sign(p->ctx, k, CLASP_SIG_RSA_PSS_PSS_SHA384, tbs,
                            sizeof(tbs), sig, sizeof(sig), &sig_len));
    assert_clasp_ok(p->verify(p->ctx, k, CLASP_SIG_RSA_PSS_PSS_SHA384, tbs,
                              sizeof(tbs), sig, sig_len));
    assert_clasp_err(p->sign(p->ctx, k, CLASP_SIG_RSA_PSS_PSS_SHA256, tbs,
                             sizeof(tbs), sig, sizeof(sig), &sig_len),
                     CLASP_ERR_ILLEGAL_PARAMETER);
    p->pkey_free(k);
}

/* RFC 8032 §7.1 TEST 1: Ed25519 with an empty message; the key is given
 * as PKCS#8 DER (RFC 8410 §7: 302e020100300506032b657004220420 || seed). */
static void test_sig_ed25519_rfc8032(void **state)
{
    clasp_provider *p = prov_of(state);
    uint8_t der[48], want[64], sig[CLASP_MAX_SIG_LEN];
    size_t der_len = th_hex_into(
        "302e020100300506032b657004220420"
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        der, sizeof(der));
    th_hex_into("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522"
                "4901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe246551"
                "41438e7a100b",
                want, sizeof(want));
    clasp_pkey *k = NULL;
    size_t sig_len = 0;
    assert_clasp_ok(p->pkey_load_private(p->ctx, der, der_len, NULL, &k));
    assert_true(p->pkey_fits(k, CLASP_SIG_ED25519));
    assert_clasp_ok(p->sign(p->ctx, k, CLASP_SIG_ED25519, (const uint8_t *)"",
                            0, sig, sizeof(sig), &sig_len));
    assert_int_equal(sig_len, 64);
    assert_memory_equal(sig, want, 64);
    assert_clasp_ok(p->verify(p->ctx, k, CLASP_SIG_ED25519, NULL, 0, want, 64));
    p->pkey_free(k);
}

static void test_key_loading(void **state)
{
    clasp_provider *p = prov_of(state);
    clasp_pkey *k = NULL;
    /* PKCS#8 DER and encrypted PKCS#8 PEM of the same P-256 key */
    k = load_key(p, "pki/ecdsa-p256/leaf.key.der", NULL);
    assert_true(p->pkey_fits(k, CLASP_SIG_ECDSA_SECP256R1_SHA256));
    p->pkey_free(k);
    k = load_key(p, "pki/ecdsa-p256/leaf.enc.key", "clasp-test");
    assert_true(p->pkey_fits(k, CLASP_SIG_ECDSA_SECP256R1_SHA256));
    p->pkey_free(k);

    size_t len = 0;
    uint8_t *data = th_read_file("pki/ecdsa-p256/leaf.enc.key", &len);
    k = NULL;
    assert_clasp_err(p->pkey_load_private(p->ctx, data, len, NULL, &k),
                     CLASP_ERR_BAD_PEM);
    assert_clasp_err(p->pkey_load_private(p->ctx, data, len, "wrong", &k),
                     CLASP_ERR_BAD_PEM);
    assert_null(k);
    th_free(data);
    /* a certificate is not a private key; nor is garbage */
    data = th_read_file("pki/ecdsa-p256/leaf.pem", &len);
    assert_clasp_err(p->pkey_load_private(p->ctx, data, len, NULL, &k),
                     CLASP_ERR_BAD_PEM);
    th_free(data);
    static const uint8_t junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n";
    assert_clasp_err(p->pkey_load_private(p->ctx, junk, sizeof(junk), NULL, &k),
                     CLASP_ERR_BAD_PEM);
    /* explicit EC parameters are refused */
    data = th_read_file("pki/neg/explicit-ec.key", &len);
    assert_clasp_err(p->pkey_load_private(p->ctx, data, len, NULL, &k),
                     CLASP_ERR_BAD_PEM);
    th_free(data);
    size_t n = 0;
    clasp_span *ders = load_certs(p, "pki/neg/explicit-ec.pem", &n);
    assert_clasp_err(p->pkey_from_cert(p->ctx, ders[0].p, ders[0].len, &k),
                     CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    assert_clasp_err(p->pkey_from_cert(p->ctx, ders[0].p, ders[0].len - 1, &k),
                     CLASP_ERR_BAD_CERTIFICATE);
    assert_clasp_err(p->pkey_from_cert(p->ctx, junk, sizeof(junk), &k),
                     CLASP_ERR_BAD_CERTIFICATE);
    clasp_mem_free(ders);
}

/* ---- certificates ---------------------------------------------------------
 */

static clasp_trust *trust_from(clasp_provider *p, const char *path)
{
    clasp_trust *t = NULL;
    assert_clasp_ok(p->trust_new(p->ctx, &t));
    if (path != NULL) {
        size_t len = 0;
        uint8_t *data = th_read_file(path, &len);
        assert_clasp_ok(p->trust_add(t, data, len));
        th_free(data);
    }
    return t;
}

/* Verify the chain in a PEM file; returns the provider's result. */
static int verify_file(clasp_provider *p, const clasp_trust *t,
                       const char *path, const char *host, int purpose,
                       int64_t now)
{
    size_t n = 0;
    clasp_span *ders = load_certs(p, path, &n);
    clasp_verify_opts opts = {host, purpose, 10, now};
    int rc = p->verify_chain(p->ctx, t, ders, n, &opts, NULL);
    clasp_mem_free(ders);
    return rc;
}

static void test_x509_good_chains(void **state)
{
    clasp_provider *p = prov_of(state);
    clasp_trust *t = trust_from(p, "pki/all-roots.pem");
    static const char *const hosts[] = {"localhost", "server.test", "LocalHost",
                                        "127.0.0.1", "::1",         NULL};
    for (size_t k = 0; k < COUNT(kinds); k++) {
        char path[128];
        snprintf(path, sizeof(path), "pki/%s/chain.pem", kinds[k].dir);
        for (size_t h = 0; h < COUNT(hosts); h++) {
            int rc = verify_file(p, t, path, hosts[h], CLASP_PURPOSE_SERVER, 0);
            if (rc != 0) {
                fail_msg("%s for %s: %d", path, hosts[h] ? hosts[h] : "-", rc);
            }
        }
        /* the leaf also has clientAuth */
        assert_clasp_ok(verify_file(p, t, path, NULL, CLASP_PURPOSE_CLIENT, 0));
        assert_clasp_err(
            verify_file(p, t, path, "other.test", CLASP_PURPOSE_SERVER, 0),
            CLASP_ERR_HOSTNAME_MISMATCH);
        assert_clasp_err(
            verify_file(p, t, path, "127.0.0.2", CLASP_PURPOSE_SERVER, 0),
            CLASP_ERR_HOSTNAME_MISMATCH);
        assert_clasp_err(
            verify_file(p, t, path, "::2", CLASP_PURPOSE_SERVER, 0),
            CLASP_ERR_HOSTNAME_MISMATCH);
        /* no partial match of a longer or shorter name */
        assert_clasp_err(
            verify_file(p, t, path, "localhost.test", CLASP_PURPOSE_SERVER, 0),
            CLASP_ERR_HOSTNAME_MISMATCH);
        /* validity window 2020-01-01 .. 2120-01-01 via opts.now */
        assert_clasp_ok(verify_file(p, t, path, "localhost",
                                    CLASP_PURPOSE_SERVER, 4102444800));
        assert_clasp_err(verify_file(p, t, path, "localhost",
                                     CLASP_PURPOSE_SERVER, 1514764800),
                         CLASP_ERR_CERTIFICATE_EXPIRED); /* 2018 */
        assert_clasp_err(verify_file(p, t, path, "localhost",
                                     CLASP_PURPOSE_SERVER, 4733510400),
                         CLASP_ERR_CERTIFICATE_EXPIRED); /* 2120 */
        /* the leaf alone: the intermediate is missing */
        snprintf(path, sizeof(path), "pki/%s/leaf.pem", kinds[k].dir);
        assert_clasp_err(
            verify_file(p, t, path, "localhost", CLASP_PURPOSE_SERVER, 0),
            CLASP_ERR_UNKNOWN_CA);
    }
    p->trust_free(t);
}

/* verify_chain hands back the leaf's public key on success (the leaf is
 * parsed once per handshake), and nothing on failure. */
static void test_x509_leaf_key(void **state)
{
    clasp_provider *p = prov_of(state);
    clasp_trust *t = trust_from(p, "pki/all-roots.pem");
    clasp_pkey *sentinel = (clasp_pkey *)(uintptr_t)1;
    for (size_t k = 0; k < COUNT(kinds); k++) {
        char path[128];
        snprintf(path, sizeof(path), "pki/%s/chain.pem", kinds[k].dir);
        size_t n = 0;
        clasp_span *ders = load_certs(p, path, &n);
        clasp_verify_opts opts = {"localhost", CLASP_PURPOSE_SERVER, 10, 0};
        clasp_pkey *key = sentinel;
        assert_clasp_ok(p->verify_chain(p->ctx, t, ders, n, &opts, &key));
        assert_non_null(key);
        assert_ptr_not_equal(key, sentinel);
        /* the same key as the leaf certificate's and the private key's */
        snprintf(path, sizeof(path), "pki/%s/leaf.pem", kinds[k].dir);
        clasp_pkey *from_cert = cert_key(p, path);
        assert_true(p->pkey_same_public(key, from_cert));
        assert_true(p->pkey_fits(key, kinds[k].fits[0]));
        p->pkey_free(from_cert);
        p->pkey_free(key);
        /* a failed verification gives no key */
        opts.host = "other.test";
        key = sentinel;
        assert_clasp_err(p->verify_chain(p->ctx, t, ders, n, &opts, &key),
                         CLASP_ERR_HOSTNAME_MISMATCH);
        assert_null(key);
        key = sentinel;
        assert_clasp_err(p->verify_chain(p->ctx, t, ders, 1, &opts, &key),
                         CLASP_ERR_UNKNOWN_CA);
        assert_null(key);
        clasp_mem_free(ders);
    }
    /* another hierarchy's leaf is not the key of this one */
    size_t n = 0;
    clasp_span *ders = load_certs(p, "pki/ecdsa-p256/chain.pem", &n);
    clasp_verify_opts opts = {"localhost", CLASP_PURPOSE_SERVER, 10, 0};
    clasp_pkey *key = NULL;
    assert_clasp_ok(p->verify_chain(p->ctx, t, ders, n, &opts, &key));
    clasp_pkey *other = cert_key(p, "pki/ecdsa-p384/leaf.pem");
    assert_false(p->pkey_same_public(key, other));
    p->pkey_free(other);
    p->pkey_free(key);
    clasp_mem_free(ders);
    p->trust_free(t);
}

static void test_x509_bad_chains(void **state)
{
    clasp_provider *p = prov_of(state);
    clasp_trust *t = trust_from(p, "pki/all-roots.pem");
    clasp_trust *empty = trust_from(p, NULL);
    clasp_trust *wrong = trust_from(p, "pki/ed448/root.pem");
    const int S = CLASP_PURPOSE_SERVER, C = CLASP_PURPOSE_CLIENT;

    assert_clasp_err(
        verify_file(p, empty, "pki/rsa2048/chain.pem", "localhost", S, 0),
        CLASP_ERR_UNKNOWN_CA);
    assert_clasp_err(
        verify_file(p, wrong, "pki/rsa2048/chain.pem", "localhost", S, 0),
        CLASP_ERR_UNKNOWN_CA);
    assert_clasp_ok(
        verify_file(p, wrong, "pki/ed448/chain.pem", "localhost", S, 0));
    /* a self-signed certificate that is not an anchor */
    assert_clasp_err(verify_file(p, wrong, "pki/rsa2048/root.pem", NULL, S, 0),
                     CLASP_ERR_UNKNOWN_CA);
    assert_clasp_err(
        verify_file(p, t, "pki/neg/expired-chain.pem", "localhost", S, 0),
        CLASP_ERR_CERTIFICATE_EXPIRED);
    assert_clasp_err(verify_file(p, t, "pki/neg/client-eku-only-chain.pem",
                                 "localhost", S, 0),
                     CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    assert_clasp_ok(
        verify_file(p, t, "pki/neg/client-eku-only-chain.pem", NULL, C, 0));
    assert_clasp_err(verify_file(p, t, "pki/neg/ku-keyenc-only-chain.pem",
                                 "localhost", S, 0),
                     CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    assert_clasp_err(
        verify_file(p, t, "pki/neg/other-host-chain.pem", "localhost", S, 0),
        CLASP_ERR_HOSTNAME_MISMATCH);
    assert_clasp_ok(
        verify_file(p, t, "pki/neg/other-host-chain.pem", "other.test", S, 0));
    assert_clasp_ok(
        verify_file(p, t, "pki/neg/other-host-chain.pem", "192.0.2.1", S, 0));
    assert_clasp_err(
        verify_file(p, t, "pki/neg/explicit-ec-chain.pem", "localhost", S, 0),
        CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    assert_clasp_ok(
        verify_file(p, t, "pki/client/client-chain.pem", NULL, C, 0));
    assert_clasp_err(
        verify_file(p, t, "pki/client/client-chain.pem", "client.test", S, 0),
        CLASP_ERR_UNSUPPORTED_CERTIFICATE);

    /* depth: leaf + one intermediate needs max_depth >= 2 */
    size_t n = 0;
    clasp_span *ders = load_certs(p, "pki/ecdsa-p256/chain.pem", &n);
    assert_int_equal(n, 2);
    clasp_verify_opts opts = {"localhost", S, 2, 0};
    assert_clasp_ok(p->verify_chain(p->ctx, t, ders, n, &opts, NULL));
    opts.max_depth = 1;
    assert_clasp_err(p->verify_chain(p->ctx, t, ders, n, &opts, NULL),
                     CLASP_ERR_CERTIFICATE_UNKNOWN);
    opts.max_depth = 10;

    /* garbage, truncated and padded DER */
    uint8_t buf[4096];
    assert_true(ders[0].len + 1 <= sizeof(buf));
    memcpy(buf, ders[0].p, ders[0].len);
    clasp_span bad[2] = {{buf, ders[0].len - 1}, ders[1]};
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_BAD_CERTIFICATE);
    buf[ders[0].len] = 0;
    bad[0].len = ders[0].len + 1;
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_BAD_CERTIFICATE);
    memset(buf, 0x30, 64);
    bad[0].len = 64;
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_BAD_CERTIFICATE);
    /* a garbage intermediate is a bad certificate too */
    bad[0] = ders[0];
    bad[1].p = buf;
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_BAD_CERTIFICATE);
    /* a corrupted signature on the leaf */
    memcpy(buf, ders[0].p, ders[0].len);
    buf[ders[0].len - 3] ^= 0x01;
    bad[0].p = buf;
    bad[0].len = ders[0].len;
    bad[1] = ders[1];
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_BAD_CERTIFICATE);
    /* an intermediate of another hierarchy */
    size_t n2 = 0;
    clasp_span *other = load_certs(p, "pki/ecdsa-p384/chain.pem", &n2);
    bad[0] = ders[0];
    bad[1] = other[1];
    assert_clasp_err(p->verify_chain(p->ctx, t, bad, 2, &opts, NULL),
                     CLASP_ERR_UNKNOWN_CA);
    /* extra unrelated certificates are ignored */
    clasp_span extra[3] = {ders[0], ders[1], other[0]};
    assert_clasp_ok(p->verify_chain(p->ctx, t, extra, 3, &opts, NULL));
    clasp_mem_free(other);
    clasp_mem_free(ders);

    p->trust_free(t);
    p->trust_free(empty);
    p->trust_free(wrong);
}

static void test_x509_decode(void **state)
{
    clasp_provider *p = prov_of(state);
    size_t n = 0;
    clasp_span *ders = load_certs(p, "pki/rsa2048/chain.pem", &n);
    assert_int_equal(n, 2);
    /* one allocation: the spans, then the bytes */
    assert_ptr_equal(ders[0].p, (const uint8_t *)(ders + 2));
    assert_ptr_equal(ders[1].p, ders[0].p + ders[0].len);
    assert_int_equal(ders[0].p[0], 0x30);
    clasp_mem_free(ders);

    ders = load_certs(p, "pki/all-roots.pem", &n);
    assert_int_equal(n, 7);
    clasp_mem_free(ders);

    /* the DER file decodes to the same bytes as the PEM */
    size_t len = 0;
    uint8_t *der = th_read_file("pki/ecdsa-p256/leaf.der", &len);
    clasp_span *a = NULL;
    assert_clasp_ok(p->cert_decode(p->ctx, der, len, &a, &n));
    assert_int_equal(n, 1);
    clasp_span *b = load_certs(p, "pki/ecdsa-p256/leaf.pem", &n);
    assert_int_equal(a[0].len, b[0].len);
    assert_memory_equal(a[0].p, b[0].p, a[0].len);
    clasp_mem_free(a);
    clasp_mem_free(b);

    /* failures */
    a = NULL;
    assert_clasp_err(p->cert_decode(p->ctx, der, len - 1, &a, &n),
                     CLASP_ERR_BAD_PEM);
    assert_null(a);
    th_free(der);
    uint8_t *key = th_read_file("pki/ecdsa-p256/leaf.key", &len);
    assert_clasp_err(p->cert_decode(p->ctx, key, len, &a, &n),
                     CLASP_ERR_BAD_PEM); /* no CERTIFICATE block */
    th_free(key);
    static const char broken[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
                                 "-----END CERTIFICATE-----\n";
    assert_clasp_err(p->cert_decode(p->ctx, (const uint8_t *)broken,
                                    sizeof(broken) - 1, &a, &n),
                     CLASP_ERR_BAD_PEM);
    clasp_trust *t = trust_from(p, NULL);
    assert_clasp_err(
        p->trust_add(t, (const uint8_t *)broken, sizeof(broken) - 1),
        CLASP_ERR_BAD_PEM);
    assert_clasp_ok(p->trust_add_default(t));
    p->trust_free(t);
}

typedef struct {
    int calls;
    int stop_at;
    bool all_seq;
} names_seen;

static int on_name(void *arg, const uint8_t *dn, size_t len)
{
    names_seen *s = arg;
    s->calls++;
    if (len < 2 || dn[0] != 0x30) {
        s->all_seq = false;
    }
    return s->calls == s->stop_at ? CLASP_ERR_INTERNAL : 0;
}

static void test_x509_trust_names(void **state)
{
    clasp_provider *p = prov_of(state);
    clasp_trust *t = trust_from(p, "pki/all-roots.pem");
    names_seen s = {0, -1, true};
    assert_clasp_ok(p->trust_names(t, on_name, &s));
    assert_int_equal(s.calls, 7);
    assert_true(s.all_seq);
    /* an error from the callback stops the walk and is returned */
    names_seen s2 = {0, 3, true};
    assert_clasp_err(p->trust_names(t, on_name, &s2), CLASP_ERR_INTERNAL);
    assert_int_equal(s2.calls, 3);
    p->trust_free(t);
}

#define PKI_TESTS                                   \
    cmocka_unit_test(test_sig_matrix),              \
        cmocka_unit_test(test_sig_cross_scheme),    \
        cmocka_unit_test(test_sig_ed25519_rfc8032), \
        cmocka_unit_test(test_sig_pss_restricted),  \
        cmocka_unit_test(test_key_loading),         \
        cmocka_unit_test(test_x509_good_chains),    \
        cmocka_unit_test(test_x509_bad_chains),     \
        cmocka_unit_test(test_x509_leaf_key),       \
        cmocka_unit_test(test_x509_decode),         \
        cmocka_unit_test(test_x509_trust_names)

/* The same cases, once per provider. */
int main(void)
{
    const struct CMUnitTest tests[] = {PKI_TESTS};
    int failed =
        cmocka_run_group_tests_name("ossl", tests, setup_ossl, teardown_prov);
    failed += cmocka_run_group_tests_name("testprov", tests, setup_testprov,
                                          teardown_prov);
    return failed;
}
