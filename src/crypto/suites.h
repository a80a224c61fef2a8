/*
 * Static descriptors of what TLS 1.3 negotiates (IANA ids): cipher suites,
 * named groups, signature schemes. Data only; availability is decided at
 * run time by the provider.
 */
#ifndef CLASP_CRYPTO_SUITES_H
#define CLASP_CRYPTO_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/provider.h"

typedef struct {
    uint16_t iana;
    const char *name; /* "TLS_AES_128_GCM_SHA256" */
    clasp_hash_id hash;
    uint8_t hash_len;
    uint8_t key_len;
    uint8_t iv_len; /* always 12 in TLS 1.3 */
    uint8_t tag_len;
    /* RFC 8446 §5.5 / RFC 9147 App. B: records per key before KeyUpdate. */
    uint64_t conf_limit;
} clasp_suite;

typedef struct {
    uint16_t iana;
    const char *name; /* "x25519" */
    uint16_t pub_len; /* encoded key share length */
    uint16_t secret_len;
} clasp_group;

typedef struct {
    uint16_t iana;
    const char *name;   /* "ecdsa_secp256r1_sha256" */
    clasp_hash_id hash; /* NONE for EdDSA */
    bool tls13_cv_ok;   /* allowed in a TLS 1.3 CertificateVerify */
} clasp_sig_alg;

/* Lookup by IANA id; NULL if unknown. */
const clasp_suite *clasp_suite_find(uint16_t iana);
const clasp_group *clasp_group_find(uint16_t iana);
const clasp_sig_alg *clasp_sig_alg_find(uint16_t iana);

/* Default preference lists (API.md: all five suites; x25519 first). */
extern const uint16_t clasp_default_suites[];
extern const size_t clasp_default_suite_count;
extern const uint16_t clasp_default_groups[];
extern const size_t clasp_default_group_count;
extern const uint16_t clasp_default_sig_algs[];
extern const size_t clasp_default_sig_alg_count;

size_t clasp_hash_len(clasp_hash_id id);

#endif
