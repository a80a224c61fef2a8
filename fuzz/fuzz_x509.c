/*
 * libFuzzer target: the certificate paths of the OpenSSL provider that
 * see peer (or configured) bytes: cert_decode (PEM or DER), pkey_from_cert,
 * pkey_fits and verify on the key, and verify_chain against the test PKI
 * roots (tests/pki/all-roots.pem) at a fixed time.
 *
 * Input: byte 0: bit 0 selects the form of the rest: 0 = PEM/DER text for
 * cert_decode; 1 = a chain as in a Certificate message's list
 * (uint24-length-prefixed DER entries, at most 12). Bits 1-2 pick the
 * host name checked (localhost, server.test, 127.0.0.1, none), bit 3 the
 * purpose (server / client), bit 4 whether verify_chain hands back the
 * leaf's key.
 *
 * Oracles: only CLASP_ERR_* codes come back; a signature made of input
 * bytes never verifies; a chain verifies only if its leaf is a leaf of
 * the test PKI (the fuzzer cannot forge a CA's signature).
 */
#include "base/mem.h"
#include "crypto/provider.h"
#include "fuzz_env.h"
#include "fuzz_util.h"

static clasp_provider *g_prov;
static clasp_trust *g_trust;

/* Every certificate of the test PKI (DER), for the "no forgery" oracle. */
static const char *const k_pki_files[] = {"rsa2048/chain.pem",
                                          "rsapss/chain.pem",
                                          "ecdsa-p256/chain.pem",
                                          "ecdsa-p384/chain.pem",
                                          "ecdsa-p521/chain.pem",
                                          "ed25519/chain.pem",
                                          "ed448/chain.pem",
                                          "all-roots.pem",
                                          "client/client-chain.pem",
                                          "neg/client-eku-only-chain.pem",
                                          "neg/expired-chain.pem",
                                          "neg/explicit-ec-chain.pem",
                                          "neg/ku-keyenc-only-chain.pem",
                                          "neg/other-host-chain.pem"};
#define N_PKI (sizeof(k_pki_files) / sizeof(k_pki_files[0]))
static clasp_span *g_known[N_PKI];
static size_t g_known_count[N_PKI];

static bool is_known(const clasp_span *der)
{
    for (size_t f = 0; f < N_PKI; f++) {
        for (size_t i = 0; i < g_known_count[f]; i++) {
            const clasp_span *k = &g_known[f][i];
            if (k->len == der->len && memcmp(k->p, der->p, k->len) == 0) {
                return true;
            }
        }
    }
    return false;
}

static const uint16_t k_algs[] = {CLASP_SIG_RSA_PKCS1_SHA256,
                                  CLASP_SIG_ECDSA_SECP256R1_SHA256,
                                  CLASP_SIG_ECDSA_SECP384R1_SHA384,
                                  CLASP_SIG_ECDSA_SECP521R1_SHA512,
                                  CLASP_SIG_RSA_PSS_RSAE_SHA256,
                                  CLASP_SIG_RSA_PSS_PSS_SHA256,
                                  CLASP_SIG_ED25519,
                                  CLASP_SIG_ED448};

static int count_name(void *arg, const uint8_t *dn, size_t len)
{
    FZ_CHECK(dn != NULL && len > 0);
    (*(size_t *)arg)++;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FZ_CHECK(clasp_ossl_provider_new(NULL, NULL, &g_prov) == CLASP_OK);
    FZ_CHECK(g_prov->trust_new(g_prov->ctx, &g_trust) == CLASP_OK);
    size_t len = 0;
    uint8_t *pem = fz_read_pki("all-roots.pem", &len);
    FZ_CHECK(g_prov->trust_add(g_trust, pem, len) == CLASP_OK);
    free(pem);
    size_t names = 0;
    FZ_CHECK(g_prov->trust_names(g_trust, count_name, &names) == CLASP_OK);
    FZ_CHECK(names == 7);
    for (size_t f = 0; f < N_PKI; f++) {
        uint8_t *p = fz_read_pki(k_pki_files[f], &len);
        FZ_CHECK(g_prov->cert_decode(g_prov->ctx, p, len, &g_known[f],
                                     &g_known_count[f]) == CLASP_OK);
        free(p);
    }
    return 0;
}

static void check_key(const clasp_span *leaf)
{
    clasp_pkey *k = NULL;
    int rc = g_prov->pkey_from_cert(g_prov->ctx, leaf->p, leaf->len, &k);
    if (rc < 0) {
        FZ_CHECK(fz_is_clasp_err(rc) && k == NULL);
        return;
    }
    static const uint8_t tbs[] = "clasp fuzz: nothing signed this";
    for (size_t i = 0; i < sizeof(k_algs) / sizeof(k_algs[0]); i++) {
        if (!g_prov->pkey_fits(k, k_algs[i])) {
            continue;
        }
        /* The certificate's own bytes as a "signature": never valid. */
        size_t n = leaf->len < 512 ? leaf->len : 512;
        rc = g_prov->verify(g_prov->ctx, k, k_algs[i], tbs, sizeof(tbs),
                            leaf->p, n);
        FZ_CHECK(rc < 0 && fz_is_clasp_err(rc));
    }
    g_prov->pkey_free(k);
}

static void check_chain(const clasp_span *chain, size_t n, uint8_t sel)
{
    static const char *const hosts[] = {"localhost", "server.test", "127.0.0.1",
                                        NULL};
    if (n == 0) {
        return;
    }
    check_key(&chain[0]);
    clasp_verify_opts opts = {hosts[(sel >> 1) & 3],
                              (sel & 8) ? CLASP_PURPOSE_CLIENT
                                        : CLASP_PURPOSE_SERVER,
                              10, 1700000000};
    clasp_pkey *leaf_key = NULL;
    int rc = g_prov->verify_chain(g_prov->ctx, g_trust, chain, n, &opts,
                                  (sel & 16) ? &leaf_key : NULL);
    FZ_CHECK(rc == CLASP_OK || fz_is_clasp_err(rc));
    /* The leaf's key comes back with a success only, when asked for. */
    FZ_CHECK((leaf_key != NULL) == (rc == CLASP_OK && (sel & 16) != 0));
    if (rc == CLASP_OK) {
        FZ_CHECK(is_known(&chain[0]));
    }
    if (leaf_key != NULL) {
        g_prov->pkey_free(leaf_key);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t sel = data[0];
    data++;
    size--;
    if ((sel & 1) == 0) {
        clasp_span *ders = NULL;
        size_t count = 0;
        int rc = g_prov->cert_decode(g_prov->ctx, data, size, &ders, &count);
        if (rc < 0) {
            FZ_CHECK(fz_is_clasp_err(rc));
            return 0;
        }
        FZ_CHECK(ders != NULL && count > 0);
        check_chain(ders, count, sel);
        clasp_mem_free(ders);
        return 0;
    }
    clasp_span chain[12];
    size_t n = 0;
    clasp_rd r = clasp_rd_init(data, size);
    while (n < 12 && clasp_rd_left(&r) > 0) {
        clasp_rd cert;
        if (clasp_rd_vec24(&r, 1, 0xFFFFFF, &cert) < 0) {
            break;
        }
        chain[n++] = clasp_rd_rest(&cert);
    }
    check_chain(chain, n, sel);
    return 0;
}
