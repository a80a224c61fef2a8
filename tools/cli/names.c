/*
 * Names on the command line -> IANA code points. The library names every
 * group, suite and signature scheme (clasp_group_name() ...); the tool
 * only knows which code points to ask about, plus a few OpenSSL aliases
 * for groups so that the same -groups argument works for both tools.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

typedef const char *name_fn(uint16_t id);

static const uint16_t group_ids[] = {
    CLASP_GROUP_X25519,    CLASP_GROUP_SECP256R1, CLASP_GROUP_X448,
    CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1,
};

static const uint16_t suite_ids[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256,       CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256,
};

static const uint16_t sig_alg_ids[] = {
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

/* OpenSSL's spellings of the NIST curves. */
static const struct {
    const char *alias;
    uint16_t id;
} group_aliases[] = {
    {"P-256", CLASP_GROUP_SECP256R1}, {"prime256v1", CLASP_GROUP_SECP256R1},
    {"P-384", CLASP_GROUP_SECP384R1}, {"P-521", CLASP_GROUP_SECP521R1},
    {"X25519", CLASP_GROUP_X25519},   {"X448", CLASP_GROUP_X448},
};

static const char *group_name(uint16_t id)
{
    return clasp_group_name(id);
}

static const char *suite_name(uint16_t id)
{
    return clasp_ciphersuite_name(id);
}

static const char *sig_alg_name(uint16_t id)
{
    return clasp_sig_alg_name(id);
}

static int find_name(const char *name, size_t len, const uint16_t *ids,
                     size_t id_count, name_fn *fn, uint16_t *out)
{
    for (size_t i = 0; i < id_count; i++) {
        const char *n = fn(ids[i]);
        if (n != NULL && strlen(n) == len && strncasecmp(n, name, len) == 0) {
            *out = ids[i];
            return 0;
        }
    }
    if (fn == group_name) {
        size_t alias_count = sizeof(group_aliases) / sizeof(group_aliases[0]);
        for (size_t i = 0; i < alias_count; i++) {
            const char *a = group_aliases[i].alias;
            if (strlen(a) == len && strncasecmp(a, name, len) == 0) {
                *out = group_aliases[i].id;
                return 0;
            }
        }
    }
    return CLASP_ERR_NOT_FOUND;
}

static int parse_list(const char *what, const char *list, const uint16_t *ids,
                      size_t id_count, name_fn *fn, uint16_t *out,
                      size_t *count)
{
    size_t n = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ":,");
        if (len == 0) {
            fprintf(stderr, "clasp: empty name in %s list \"%s\"\n", what,
                    list);
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        if (n == CLI_MAX_LIST) {
            fprintf(stderr, "clasp: too many %s names (at most %d)\n", what,
                    CLI_MAX_LIST);
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        if (find_name(p, len, ids, id_count, fn, &out[n]) != 0) {
            fprintf(stderr, "clasp: unknown %s \"%.*s\" (see clasp help)\n",
                    what, (int)len, p);
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        n++;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    *count = n;
    return 0;
}

int cli_parse_groups(const char *list, uint16_t *out, size_t *count)
{
    return parse_list("group", list, group_ids,
                      sizeof(group_ids) / sizeof(group_ids[0]), group_name, out,
                      count);
}

int cli_parse_suites(const char *list, uint16_t *out, size_t *count)
{
    return parse_list("cipher suite", list, suite_ids,
                      sizeof(suite_ids) / sizeof(suite_ids[0]), suite_name, out,
                      count);
}

int cli_parse_sig_algs(const char *list, uint16_t *out, size_t *count)
{
    return parse_list("signature scheme", list, sig_alg_ids,
                      sizeof(sig_alg_ids) / sizeof(sig_alg_ids[0]),
                      sig_alg_name, out, count);
}

static void print_kind(FILE *f, const char *title, const uint16_t *ids,
                       size_t id_count, name_fn *fn)
{
    fprintf(f, "  %s:\n   ", title);
    size_t col = 3;
    for (size_t i = 0; i < id_count; i++) {
        const char *n = fn(ids[i]);
        if (n == NULL) {
            continue;
        }
        if (col + strlen(n) + 1 > 78) {
            fprintf(f, "\n   ");
            col = 3;
        }
        col += (size_t)fprintf(f, " %s", n);
    }
    fprintf(f, "\n");
}

void cli_print_names(FILE *f)
{
    print_kind(f, "groups (-groups)", group_ids,
               sizeof(group_ids) / sizeof(group_ids[0]), group_name);
    print_kind(f, "cipher suites (-ciphersuites)", suite_ids,
               sizeof(suite_ids) / sizeof(suite_ids[0]), suite_name);
    print_kind(f, "signature schemes (-sigalgs)", sig_alg_ids,
               sizeof(sig_alg_ids) / sizeof(sig_alg_ids[0]), sig_alg_name);
}
