/*
 * Public configuration calls. A config is created with secure defaults
 * (API.md), mutated by the clasp_conf_* setters, and frozen the first time
 * a context binds it: later setters fail with CLASP_ERR_BAD_STATE so a
 * config shared by live connections never changes under them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/wr.h"
#include "crypto/suites.h"
#include "hs/config.h"
#include "tickets/anti_replay.h"
#include "tickets/tickets.h"

#define CONF_CHECK(conf)                     \
    do {                                     \
        if ((conf) == NULL) {                \
            return CLASP_ERR_BAD_INPUT_DATA; \
        }                                    \
        if (atomic_load(&(conf)->frozen)) {  \
            return CLASP_ERR_BAD_STATE;      \
        }                                    \
    } while (0)

static void set_list(uint16_t *dst, size_t *count, const uint16_t *src,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
    *count = n;
}

clasp_config *clasp_config_new(int endpoint)
{
    if (endpoint != CLASP_IS_CLIENT && endpoint != CLASP_IS_SERVER) {
        return NULL;
    }
    clasp_config *conf = clasp_mem_calloc(1, sizeof(*conf));
    if (conf == NULL) {
        return NULL;
    }
    atomic_init(&conf->refs, 1);
    atomic_init(&conf->frozen, false);
    conf->endpoint = endpoint;
    if (clasp_ossl_provider_new(NULL, NULL, &conf->prov) < 0) {
        clasp_mem_free(conf);
        return NULL;
    }
    conf->min_version = CLASP_VERSION_TLS1_3;
    conf->max_version = CLASP_VERSION_TLS1_3;
    set_list(conf->suites, &conf->suite_count, clasp_default_suites,
             clasp_default_suite_count);
    set_list(conf->groups, &conf->group_count, clasp_default_groups,
             clasp_default_group_count);
    set_list(conf->sig_algs, &conf->sig_alg_count, clasp_default_sig_algs,
             clasp_default_sig_alg_count);
    conf->key_share_count = 1;
    conf->kex_modes = CLASP_TLS1_3_KEY_EXCHANGE_MODE_ALL;
    conf->authmode =
        endpoint == CLASP_IS_CLIENT ? CLASP_VERIFY_REQUIRED : CLASP_VERIFY_NONE;
    conf->compat_mode = true;
    conf->max_cert_list = CLASP_DEFAULT_MAX_CERT_LIST;
    conf->ticket_count = CLASP_DEFAULT_TICKETS;
    conf->ticket_lifetime = CLASP_TICKET_DEFAULT_LIFETIME;
    conf->max_early_data = CLASP_DEFAULT_MAX_EARLY_DATA;
    conf->replay_window_ms = CLASP_DEFAULT_REPLAY_WINDOW_MS;
    conf->ticket_rotation = CLASP_TICKET_DEFAULT_ROTATION;
    /* The handshake seals and opens tickets through these (hs/psk.h);
     * a server's first ticket key is drawn before its first ticket. */
    conf->ticket_ops = &clasp_tk_ops;
    if ((endpoint == CLASP_IS_SERVER &&
         clasp_tk_ring_new(&conf->ticket_keys) < 0) ||
        conf->prov->random(conf->prov->ctx, conf->cookie_key,
                           sizeof(conf->cookie_key)) < 0) {
        clasp_tk_ring_free(conf->ticket_keys);
        conf->prov->destroy(conf->prov);
        clasp_mem_free(conf);
        return NULL;
    }
    return conf;
}

static void certkey_clear(const clasp_provider *prov, clasp_certkey *ck)
{
    clasp_mem_free(ck->chain);
    if (ck->key != NULL) {
        prov->pkey_free(ck->key);
    }
    memset(ck, 0, sizeof(*ck));
}

void clasp_config_free(clasp_config *conf)
{
    if (conf == NULL) {
        return;
    }
    if (atomic_fetch_sub(&conf->refs, 1) != 1) {
        return;
    }
    for (size_t i = 0; i < conf->cert_count; i++) {
        certkey_clear(conf->prov, &conf->certs[i]);
    }
    if (conf->trust != NULL) {
        conf->prov->trust_free(conf->trust);
    }
    for (size_t i = 0; i < conf->psk_count; i++) {
        clasp_mem_free(conf->psks[i].identity);
        clasp_free_secret(conf->psks[i].key, conf->psks[i].key_len);
    }
    clasp_tk_ring_free(conf->ticket_keys);
    clasp_replay_mem_free(conf->replay_mem);
    conf->prov->destroy(conf->prov);
    clasp_free_secret(conf, sizeof(*conf));
}

int clasp_config_set_provider(clasp_config *conf, clasp_provider *prov)
{
    CONF_CHECK(conf);
    ENSURE(prov != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(conf->cert_count == 0 && conf->trust == NULL, CLASP_ERR_BAD_STATE);
    conf->prov->destroy(conf->prov);
    conf->prov = prov;
    return CLASP_OK;
}

int clasp_conf_min_tls_version(clasp_config *conf, uint16_t v)
{
    CONF_CHECK(conf);
    ENSURE(v == CLASP_VERSION_TLS1_2 || v == CLASP_VERSION_TLS1_3,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->min_version = v;
    return CLASP_OK;
}

int clasp_conf_max_tls_version(clasp_config *conf, uint16_t v)
{
    CONF_CHECK(conf);
    ENSURE(v == CLASP_VERSION_TLS1_2 || v == CLASP_VERSION_TLS1_3,
           CLASP_ERR_BAD_INPUT_DATA);
    /* TLS 1.2 is a later issue: a 1.2-only maximum cannot work yet. */
    ENSURE(v == CLASP_VERSION_TLS1_3 || CLASP_WITH_TLS1_2,
           CLASP_ERR_UNSUPPORTED);
    conf->max_version = v;
    return CLASP_OK;
}

/* Validate a preference list: known ids, no duplicates, within the cap. */
static int check_list(const uint16_t *list, size_t n, bool (*known)(uint16_t))
{
    ENSURE(list != NULL && n > 0 && n <= CLASP_MAX_PREFS,
           CLASP_ERR_BAD_INPUT_DATA);
    for (size_t i = 0; i < n; i++) {
        ENSURE(known(list[i]), CLASP_ERR_BAD_INPUT_DATA);
        for (size_t j = 0; j < i; j++) {
            ENSURE(list[i] != list[j], CLASP_ERR_BAD_INPUT_DATA);
        }
    }
    return CLASP_OK;
}

static bool suite_known(uint16_t v)
{
    return clasp_suite_find(v) != NULL;
}

static bool group_known(uint16_t v)
{
    return clasp_group_find(v) != NULL;
}

static bool sig_alg_known(uint16_t v)
{
    return clasp_sig_alg_find(v) != NULL;
}

int clasp_conf_ciphersuites(clasp_config *conf, const uint16_t *suites,
                            size_t count)
{
    CONF_CHECK(conf);
    TRY(check_list(suites, count, suite_known));
    set_list(conf->suites, &conf->suite_count, suites, count);
    return CLASP_OK;
}

int clasp_conf_groups(clasp_config *conf, const uint16_t *groups, size_t count)
{
    CONF_CHECK(conf);
    TRY(check_list(groups, count, group_known));
    set_list(conf->groups, &conf->group_count, groups, count);
    if (conf->key_share_count > count) {
        conf->key_share_count = count;
    }
    return CLASP_OK;
}

int clasp_conf_sig_algs(clasp_config *conf, const uint16_t *algs, size_t count)
{
    CONF_CHECK(conf);
    TRY(check_list(algs, count, sig_alg_known));
    set_list(conf->sig_algs, &conf->sig_alg_count, algs, count);
    return CLASP_OK;
}

int clasp_conf_key_share_count(clasp_config *conf, size_t n)
{
    CONF_CHECK(conf);
    ENSURE(n >= 1 && n <= 5, CLASP_ERR_BAD_INPUT_DATA);
    conf->key_share_count = n;
    return CLASP_OK;
}

int clasp_conf_tls13_key_exchange_modes(clasp_config *conf, unsigned modes)
{
    CONF_CHECK(conf);
    ENSURE(modes != 0 && (modes & ~CLASP_TLS1_3_KEY_EXCHANGE_MODE_ALL) == 0,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->kex_modes = modes;
    return CLASP_OK;
}

int clasp_conf_own_cert(clasp_config *conf, const unsigned char *chain,
                        size_t chain_len, const unsigned char *key,
                        size_t key_len, const char *password)
{
    CONF_CHECK(conf);
    ENSURE(chain != NULL && chain_len > 0 && key != NULL && key_len > 0,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(conf->cert_count < CLASP_MAX_CERTS, CLASP_ERR_BAD_INPUT_DATA);
    clasp_certkey ck = {0};
    const clasp_provider *prov = conf->prov;
    int rc = prov->cert_decode(prov->ctx, chain, chain_len, &ck.chain,
                               &ck.chain_count);
    if (rc < 0) {
        return rc;
    }
    rc = CLASP_ERR_BAD_PEM;
    if (ck.chain_count == 0) {
        goto cleanup;
    }
    rc = prov->pkey_load_private(prov->ctx, key, key_len, password, &ck.key);
    if (rc < 0) {
        goto cleanup;
    }
    /* The key must belong to the leaf: a mismatch would only show later as
     * a CertificateVerify every peer rejects. */
    clasp_pkey *leaf_pub = NULL;
    rc = prov->pkey_from_cert(prov->ctx, ck.chain[0].p, ck.chain[0].len,
                              &leaf_pub);
    if (rc < 0) {
        goto cleanup;
    }
    bool same = prov->pkey_same_public(ck.key, leaf_pub);
    prov->pkey_free(leaf_pub);
    rc = CLASP_ERR_BAD_INPUT_DATA;
    if (!same) {
        goto cleanup;
    }
    conf->certs[conf->cert_count++] = ck;
    return CLASP_OK;
cleanup:
    certkey_clear(prov, &ck);
    return rc;
}

/* Read a whole file through the allocator hooks (at most 16 MiB). */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    ENSURE(path != NULL, CLASP_ERR_BAD_INPUT_DATA);
    FILE *f = fopen(path, "rb");
    ENSURE(f != NULL, CLASP_ERR_FILE_IO);
    int rc = CLASP_ERR_FILE_IO;
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        size = ftell(f);
    }
    if (size < 0 || size > (16l << 20) || fseek(f, 0, SEEK_SET) != 0) {
        goto cleanup;
    }
    rc = CLASP_ERR_ALLOC_FAILED;
    buf = clasp_mem_calloc(1, (size_t)size + 1);
    if (buf == NULL) {
        goto cleanup;
    }
    rc = CLASP_ERR_FILE_IO;
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        goto cleanup;
    }
    *out = buf;
    *len = (size_t)size;
    buf = NULL;
    rc = CLASP_OK;
cleanup:
    fclose(f);
    if (buf != NULL) {
        clasp_free_secret(buf, (size_t)size + 1);
    }
    return rc;
}

int clasp_conf_own_cert_file(clasp_config *conf, const char *chain_path,
                             const char *key_path, const char *password)
{
    CONF_CHECK(conf);
    uint8_t *chain = NULL, *key = NULL;
    size_t chain_len = 0, key_len = 0;
    int rc = read_file(chain_path, &chain, &chain_len);
    if (rc == CLASP_OK) {
        rc = read_file(key_path, &key, &key_len);
    }
    if (rc == CLASP_OK) {
        rc =
            clasp_conf_own_cert(conf, chain, chain_len, key, key_len, password);
    }
    clasp_mem_free(chain);
    clasp_free_secret(key, key_len);
    return rc;
}

static int ensure_trust(clasp_config *conf)
{
    if (conf->trust == NULL) {
        TRY(conf->prov->trust_new(conf->prov->ctx, &conf->trust));
    }
    return CLASP_OK;
}

int clasp_conf_ca_chain(clasp_config *conf, const unsigned char *pem,
                        size_t len)
{
    CONF_CHECK(conf);
    ENSURE(pem != NULL && len > 0, CLASP_ERR_BAD_INPUT_DATA);
    TRY(ensure_trust(conf));
    TRY(conf->prov->trust_add(conf->trust, pem, len));
    conf->trust_count++;
    return CLASP_OK;
}

int clasp_conf_ca_file(clasp_config *conf, const char *path)
{
    CONF_CHECK(conf);
    uint8_t *pem = NULL;
    size_t len = 0;
    TRY(read_file(path, &pem, &len));
    int rc = clasp_conf_ca_chain(conf, pem, len);
    clasp_mem_free(pem);
    return rc;
}

int clasp_conf_ca_default(clasp_config *conf)
{
    CONF_CHECK(conf);
    TRY(ensure_trust(conf));
    TRY(conf->prov->trust_add_default(conf->trust));
    conf->trust_count++;
    return CLASP_OK;
}

int clasp_conf_authmode(clasp_config *conf, int authmode)
{
    CONF_CHECK(conf);
    ENSURE(authmode == CLASP_VERIFY_NONE || authmode == CLASP_VERIFY_OPTIONAL ||
               authmode == CLASP_VERIFY_REQUIRED,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->authmode = authmode;
    return CLASP_OK;
}

int clasp_conf_alpn_protocols(clasp_config *conf, const char *const *protos)
{
    CONF_CHECK(conf);
    ENSURE(protos != NULL, CLASP_ERR_BAD_INPUT_DATA);
    uint8_t list[CLASP_MAX_ALPN_LIST];
    size_t len = 0;
    for (size_t i = 0; protos[i] != NULL; i++) {
        size_t n = strlen(protos[i]);
        /* RFC 7301 §3.1: ProtocolName<1..2^8-1> */
        ENSURE(n >= 1 && n <= 255, CLASP_ERR_BAD_INPUT_DATA);
        clasp_wr w = clasp_wr_init(list, sizeof(list));
        w.len = len;
        ENSURE(clasp_wr_u8(&w, (uint8_t)n) == 0 &&
                   clasp_wr_bytes(&w, protos[i], n) == 0,
               CLASP_ERR_BAD_INPUT_DATA);
        len = w.len;
    }
    TRY(clasp_copy(conf->alpn, sizeof(conf->alpn), list, len));
    conf->alpn_len = len;
    return CLASP_OK;
}

int clasp_conf_alpn_select(clasp_config *conf, clasp_alpn_select_t *f_select,
                           void *arg)
{
    CONF_CHECK(conf);
    conf->f_alpn = f_select;
    conf->alpn_arg = arg;
    return CLASP_OK;
}

int clasp_conf_sni(clasp_config *conf, clasp_sni_t *f_sni, void *arg)
{
    CONF_CHECK(conf);
    conf->f_sni = f_sni;
    conf->sni_arg = arg;
    return CLASP_OK;
}

int clasp_conf_dbg(clasp_config *conf, clasp_dbg_t *f_dbg, void *arg,
                   int max_level)
{
    CONF_CHECK(conf);
    conf->f_dbg = f_dbg;
    conf->dbg_arg = arg;
    conf->dbg_level = max_level;
    return CLASP_OK;
}

int clasp_conf_keylog(clasp_config *conf, clasp_keylog_t *f_keylog, void *arg)
{
    CONF_CHECK(conf);
    ENSURE(CLASP_WITH_KEYLOG || f_keylog == NULL, CLASP_ERR_UNSUPPORTED);
    conf->f_keylog = f_keylog;
    conf->keylog_arg = arg;
    return CLASP_OK;
}

int clasp_conf_compat_mode(clasp_config *conf, int enable)
{
    CONF_CHECK(conf);
    conf->compat_mode = enable != 0;
    return CLASP_OK;
}

int clasp_conf_hrr_cookie(clasp_config *conf, int enable)
{
    CONF_CHECK(conf);
    conf->hrr_cookie = enable != 0;
    return CLASP_OK;
}

int clasp_conf_record_padding(clasp_config *conf, size_t block)
{
    CONF_CHECK(conf);
    ENSURE(block <= 16384, CLASP_ERR_BAD_INPUT_DATA);
    conf->record_padding = block;
    return CLASP_OK;
}

int clasp_conf_max_cert_list(clasp_config *conf, size_t bytes)
{
    CONF_CHECK(conf);
    ENSURE(bytes >= 1024 && bytes <= 0xFFFFFF, CLASP_ERR_BAD_INPUT_DATA);
    conf->max_cert_list = bytes;
    return CLASP_OK;
}
