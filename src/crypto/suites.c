/*
 * Descriptor tables for TLS 1.3 cipher suites (RFC 8446 §B.4), named
 * groups (§4.2.7) and signature schemes (§4.2.3). Static data, IANA ids.
 */
#include "crypto/suites.h"

#include "clasp/clasp.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 8446 §5.5: AES-GCM 2^24.5 full-size records; ChaCha20-Poly1305 and
 * AES-CCM: 2^23 for CCM per RFC 9147 App. B (CCM_8 likewise counted as
 * CCM for confidentiality); ChaCha20 effectively unlimited, capped at
 * 2^62 here. We switch keys at a margin below each. */
static const clasp_suite suite_rows[] = {
    {CLASP_TLS1_3_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256",
     CLASP_HASH_SHA256, 32, 16, 12, 16, 23726566ull},
    {CLASP_TLS1_3_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384",
     CLASP_HASH_SHA384, 48, 32, 12, 16, 23726566ull},
    {CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256",
     CLASP_HASH_SHA256, 32, 32, 12, 16, 1ull << 62},
    {CLASP_TLS1_3_AES_128_CCM_SHA256, "TLS_AES_128_CCM_SHA256",
     CLASP_HASH_SHA256, 32, 16, 12, 16, 1ull << 23},
    {CLASP_TLS1_3_AES_128_CCM_8_SHA256, "TLS_AES_128_CCM_8_SHA256",
     CLASP_HASH_SHA256, 32, 16, 12, 8, 1ull << 23},
};

static const clasp_group group_rows[] = {
    {CLASP_GROUP_X25519, "x25519", 32, 32},
    {CLASP_GROUP_SECP256R1, "secp256r1", 65, 32},
    {CLASP_GROUP_X448, "x448", 56, 56},
    {CLASP_GROUP_SECP384R1, "secp384r1", 97, 48},
    {CLASP_GROUP_SECP521R1, "secp521r1", 133, 66},
};

static const clasp_sig_alg sig_alg_rows[] = {
    {CLASP_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256",
     CLASP_HASH_SHA256, true},
    {CLASP_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384",
     CLASP_HASH_SHA384, true},
    {CLASP_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512",
     CLASP_HASH_SHA512, true},
    {CLASP_SIG_ED25519, "ed25519", CLASP_HASH_NONE, true},
    {CLASP_SIG_ED448, "ed448", CLASP_HASH_NONE, true},
    {CLASP_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", CLASP_HASH_SHA256,
     true},
    {CLASP_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", CLASP_HASH_SHA384,
     true},
    {CLASP_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", CLASP_HASH_SHA512,
     true},
    {CLASP_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", CLASP_HASH_SHA256,
     true},
    {CLASP_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", CLASP_HASH_SHA384,
     true},
    {CLASP_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", CLASP_HASH_SHA512,
     true},
    /* RFC 8446 §4.2.3: PKCS#1 v1.5 only in certificates, never in a
     * TLS 1.3 CertificateVerify. */
    {CLASP_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", CLASP_HASH_SHA256, false},
    {CLASP_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", CLASP_HASH_SHA384, false},
    {CLASP_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", CLASP_HASH_SHA512, false},
};

const uint16_t clasp_default_suites[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256,       CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256,
};
const size_t clasp_default_suite_count = COUNT(clasp_default_suites);

const uint16_t clasp_default_groups[] = {
    CLASP_GROUP_X25519,    CLASP_GROUP_SECP256R1, CLASP_GROUP_X448,
    CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1,
};
const size_t clasp_default_group_count = COUNT(clasp_default_groups);

const uint16_t clasp_default_sig_algs[] = {
    CLASP_SIG_ECDSA_SECP256R1_SHA256,
    CLASP_SIG_ECDSA_SECP384R1_SHA384,
    CLASP_SIG_ECDSA_SECP521R1_SHA512,
    CLASP_SIG_ED25519,
    CLASP_SIG_ED448,
    CLASP_SIG_RSA_PSS_RSAE_SHA256,
    CLASP_SIG_RSA_PSS_RSAE_SHA384,
    CLASP_SIG_RSA_PSS_RSAE_SHA512,
    CLASP_SIG_RSA_PSS_PSS_SHA256,
    CLASP_SIG_RSA_PSS_PSS_SHA384,
    CLASP_SIG_RSA_PSS_PSS_SHA512,
    CLASP_SIG_RSA_PKCS1_SHA256,
    CLASP_SIG_RSA_PKCS1_SHA384,
    CLASP_SIG_RSA_PKCS1_SHA512,
};
const size_t clasp_default_sig_alg_count = COUNT(clasp_default_sig_algs);

const clasp_suite *clasp_suite_find(uint16_t iana)
{
    for (size_t i = 0; i < COUNT(suite_rows); i++) {
        if (suite_rows[i].iana == iana) {
            return &suite_rows[i];
        }
    }
    return NULL;
}

const clasp_group *clasp_group_find(uint16_t iana)
{
    for (size_t i = 0; i < COUNT(group_rows); i++) {
        if (group_rows[i].iana == iana) {
            return &group_rows[i];
        }
    }
    return NULL;
}

const clasp_sig_alg *clasp_sig_alg_find(uint16_t iana)
{
    for (size_t i = 0; i < COUNT(sig_alg_rows); i++) {
        if (sig_alg_rows[i].iana == iana) {
            return &sig_alg_rows[i];
        }
    }
    return NULL;
}

size_t clasp_hash_len(clasp_hash_id id)
{
    switch (id) {
    case CLASP_HASH_NONE: return 0;
    case CLASP_HASH_SHA256: return 32;
    case CLASP_HASH_SHA384: return 48;
    case CLASP_HASH_SHA512: return 64;
    }
    return 0;
}
