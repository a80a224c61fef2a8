/*
 * Key schedule (RFC 8446 §7.1) and the pure derivations built on it.
 *
 * Owns: the one secret of the current stage (Early, Handshake or Master
 * Secret), HKDF-Expand-Label, Derive-Secret, and the label table.
 * Invariants: ks->stage says which secret ks->secret holds; every derive
 * function checks the stage first (CLASP_ERR_INTERNAL on misuse); moving
 * to the next stage overwrites the previous secret, and a failed step
 * wipes the ks (stage KS_NONE) so that a half-derived secret is never
 * used. Stack copies of secrets are wiped before return; outputs of a
 * failed call are wiped.
 * Never: calls OpenSSL (only the provider), touches wire bytes, keeps
 * traffic secrets (they belong to the caller), or allocates.
 */
#include "keysched/keysched.h"

#include <string.h>

#include "base/mem.h"
#include "base/rd.h"
#include "base/wr.h"
#include "clasp/clasp.h"

const clasp_span clasp_ks_label_table[KS_LABEL_COUNT] = {
#define KS_LABEL_ROW_(id, text) {(const uint8_t *)(text), sizeof(text) - 1},
    KS_LABELS(KS_LABEL_ROW_)
#undef KS_LABEL_ROW_
};

const char *const clasp_ks_nss_label_table[KS_NSS_COUNT] = {
#define KS_NSS_ROW_(id, text) text,
    KS_NSS_LABELS(KS_NSS_ROW_)
#undef KS_NSS_ROW_
};

/* RFC 8446 §7.1: HkdfLabel.label = "tls13 " + Label. */
static const char label_prefix[] = "tls13 ";
#define LABEL_PREFIX_LEN (sizeof(label_prefix) - 1)

/* Hash.length zeros: the absent salt, the no-PSK IKM and the 0 IKM of
 * the Master Secret (RFC 8446 §7.1). */
static const uint8_t zeros[CLASP_MAX_HASH_LEN];

/* Hash.length of a supported hash, or 0. */
static size_t hash_len_of(clasp_hash_id hash)
{
    size_t n = clasp_hash_len(hash);
    return n <= CLASP_MAX_HASH_LEN ? n : 0;
}

/* A failed step leaves nothing usable behind. */
static int abort_ks(clasp_ks *ks, int rc)
{
    clasp_memzero(ks->secret, sizeof(ks->secret));
    ks->stage = KS_NONE;
    return rc;
}

static void log_secret(const clasp_ks *ks, clasp_ks_nss_id id,
                       const uint8_t *secret)
{
    if (ks->keylog != NULL) {
        ks->keylog(ks->keylog_arg, clasp_ks_nss_label_table[id],
                   ks->client_random, secret, ks->hash_len);
    }
}

/* ---- HKDF-Expand-Label / Derive-Secret ---------------------------------- */

/*
 * RFC 8446 §7.1:
 *     HKDF-Expand-Label(Secret, Label, Context, Length) =
 *          HKDF-Expand(Secret, HkdfLabel, Length)
 *
 *     struct {
 *         uint16 length = Length;
 *         opaque label<7..255> = "tls13 " + Label;
 *         opaque context<0..255> = Context;
 *     } HkdfLabel;
 */
int clasp_ks_expand_label(const clasp_provider *prov, clasp_hash_id hash,
                          const uint8_t *secret, clasp_span label,
                          const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len)
{
    size_t hash_len = hash_len_of(hash);
    ENSURE(prov != NULL && secret != NULL && out != NULL && hash_len != 0,
           CLASP_ERR_INTERNAL);
    ENSURE(label.p != NULL && label.len >= 1 &&
               label.len <= CLASP_KS_MAX_LABEL_LEN,
           CLASP_ERR_INTERNAL);
    ENSURE(context_len <= CLASP_KS_MAX_CONTEXT_LEN &&
               (context != NULL || context_len == 0),
           CLASP_ERR_INTERNAL);
    /* RFC 5869 §2.3: L <= 255 * HashLen; HkdfLabel.length is a uint16. */
    ENSURE(out_len >= 1 && out_len <= 255 * hash_len && out_len <= UINT16_MAX,
           CLASP_ERR_INTERNAL);

    uint8_t info[2 + 1 + 255 + 1 + 255];
    clasp_wr w = clasp_wr_init(info, sizeof(info));
    clasp_wr_mark m;
    TRY(clasp_wr_u16(&w, (uint16_t)out_len));
    TRY(clasp_wr_vec_open(&w, 1, &m));
    TRY(clasp_wr_bytes(&w, label_prefix, LABEL_PREFIX_LEN));
    TRY(clasp_wr_bytes(&w, label.p, label.len));
    TRY(clasp_wr_vec_close(&w, &m, 7, 255));
    TRY(clasp_wr_vec_open(&w, 1, &m));
    TRY(clasp_wr_bytes(&w, context, context_len));
    TRY(clasp_wr_vec_close(&w, &m, 0, 255));
    TRY(clasp_wr_finish(&w));

    int rc = prov->hkdf_expand(prov->ctx, hash, secret, hash_len, info, w.len,
                               out, out_len);
    if (rc < 0) {
        clasp_memzero(out, out_len);
    }
    return rc;
}

/*
 * RFC 8446 §7.1:
 *     Derive-Secret(Secret, Label, Messages) =
 *          HKDF-Expand-Label(Secret, Label,
 *                            Transcript-Hash(Messages), Hash.length)
 */
int clasp_ks_derive_secret(const clasp_provider *prov, clasp_hash_id hash,
                           const uint8_t *secret, clasp_span label,
                           const uint8_t *th, uint8_t *out)
{
    size_t hash_len = hash_len_of(hash);
    ENSURE(th != NULL && hash_len != 0, CLASP_ERR_INTERNAL);
    return clasp_ks_expand_label(prov, hash, secret, label, th, hash_len, out,
                                 hash_len);
}

/* ---- the staged schedule --------------------------------------------------
 */

int clasp_ks_init(clasp_ks *ks, const clasp_provider *prov, clasp_hash_id hash)
{
    ENSURE(ks != NULL && prov != NULL, CLASP_ERR_INTERNAL);
    size_t hash_len = hash_len_of(hash);
    ENSURE(hash_len != 0, CLASP_ERR_INTERNAL);
    clasp_ks_wipe(ks);
    ks->prov = prov;
    ks->hash = hash;
    ks->hash_len = hash_len;
    /* Transcript-Hash("") = Hash(""), used by every Derive-Secret(., ., "")
     * (RFC 8446 §7.1). */
    int rc =
        prov->hash_oneshot(prov->ctx, hash, zeros, 0, ks->empty_hash, hash_len);
    if (rc < 0) {
        clasp_ks_wipe(ks);
    }
    return rc;
}

void clasp_ks_wipe(clasp_ks *ks)
{
    if (ks != NULL) {
        clasp_memzero(ks, sizeof(*ks));
        ks->stage = KS_NONE;
    }
}

int clasp_ks_set_keylog(clasp_ks *ks, clasp_ks_keylog_fn fn, void *arg,
                        const uint8_t client_random[32])
{
    ENSURE(ks != NULL && (fn == NULL || client_random != NULL),
           CLASP_ERR_INTERNAL);
    ks->keylog = fn;
    ks->keylog_arg = arg;
    if (fn != NULL) {
        TRY(clasp_copy(ks->client_random, sizeof(ks->client_random),
                       client_random, CLASP_KS_CLIENT_RANDOM_LEN));
    }
    return CLASP_OK;
}

/* RFC 8446 §7.1: Early Secret = HKDF-Extract(0, PSK); "If a given secret
 * is not available, then the 0-value consisting of a string of
 * Hash.length bytes set to zeros is used." */
int clasp_ks_early(clasp_ks *ks, const uint8_t *psk, size_t psk_len)
{
    ENSURE(ks != NULL && ks->stage == KS_NONE && ks->prov != NULL,
           CLASP_ERR_INTERNAL);
    if (psk == NULL) {
        psk = zeros;
        psk_len = ks->hash_len;
    }
    ENSURE(psk_len >= 1 && psk_len <= CLASP_KS_MAX_PSK_LEN, CLASP_ERR_INTERNAL);
    int rc =
        ks->prov->hkdf_extract(ks->prov->ctx, ks->hash, zeros, ks->hash_len,
                               psk, psk_len, ks->secret, ks->hash_len);
    if (rc < 0) {
        return abort_ks(ks, rc);
    }
    ks->stage = KS_EARLY;
    return CLASP_OK;
}

int clasp_ks_binder_key(clasp_ks *ks, bool external, uint8_t *out)
{
    ENSURE(ks != NULL && ks->stage == KS_EARLY, CLASP_ERR_INTERNAL);
    clasp_span label = external ? KS_LABEL(ext_binder) : KS_LABEL(res_binder);
    return clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret, label,
                                  ks->empty_hash, out);
}

/* RFC 8446 §4.2.11.2: "The PskBinderEntry is computed in the same way as
 * the Finished message (Section 4.4.4) but with the BaseKey being the
 * binder_key derived via the key schedule". */
int clasp_ks_binder(clasp_ks *ks, bool external, const uint8_t *th,
                    uint8_t *out)
{
    ENSURE(ks != NULL && ks->stage == KS_EARLY, CLASP_ERR_INTERNAL);
    uint8_t binder_key[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_binder_key(ks, external, binder_key);
    if (rc < 0) {
        goto cleanup;
    }
    rc = clasp_ks_finished(ks->prov, ks->hash, binder_key, th, out);
cleanup:
    clasp_memzero(binder_key, sizeof(binder_key));
    return rc;
}

/* Constant-time equality of expected[0..len) and received, whose length
 * may differ (then unequal). */
static int check_equal(const uint8_t *expected, size_t len, clasp_span received)
{
    ENSURE(received.len == len && received.p != NULL, CLASP_ERR_DECRYPT_ERROR);
    ENSURE(clasp_ct_equal(expected, received.p, len), CLASP_ERR_DECRYPT_ERROR);
    return CLASP_OK;
}

int clasp_ks_check_binder(clasp_ks *ks, bool external, const uint8_t *th,
                          clasp_span received)
{
    uint8_t expected[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_binder(ks, external, th, expected);
    if (rc == CLASP_OK) {
        rc = check_equal(expected, ks->hash_len, received);
    }
    clasp_memzero(expected, sizeof(expected));
    return rc;
}

int clasp_ks_early_traffic(clasp_ks *ks, const uint8_t *th,
                           uint8_t *c_e_traffic, uint8_t *e_exp_master)
{
    ENSURE(ks != NULL && ks->stage == KS_EARLY, CLASP_ERR_INTERNAL);
    int rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                    KS_LABEL(c_e_traffic), th, c_e_traffic);
    if (rc < 0) {
        return rc;
    }
    log_secret(ks, KS_NSS_ID_client_early, c_e_traffic);
    if (e_exp_master == NULL) {
        return CLASP_OK;
    }
    rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                KS_LABEL(e_exp_master), th, e_exp_master);
    if (rc < 0) {
        clasp_memzero(c_e_traffic, ks->hash_len);
        return rc;
    }
    log_secret(ks, KS_NSS_ID_early_exporter, e_exp_master);
    return CLASP_OK;
}

/* Next stage: secret = HKDF-Extract(Derive-Secret(secret, "derived", ""),
 * ikm), RFC 8446 §7.1. */
static int next_stage(clasp_ks *ks, const uint8_t *ikm, size_t ikm_len,
                      clasp_ks_stage next)
{
    uint8_t derived[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                    KS_LABEL(derived), ks->empty_hash, derived);
    if (rc < 0) {
        goto cleanup;
    }
    rc = ks->prov->hkdf_extract(ks->prov->ctx, ks->hash, derived, ks->hash_len,
                                ikm, ikm_len, ks->secret, ks->hash_len);
    if (rc < 0) {
        goto cleanup;
    }
    ks->stage = next;
cleanup:
    clasp_memzero(derived, sizeof(derived));
    if (rc < 0) {
        return abort_ks(ks, rc);
    }
    return CLASP_OK;
}

int clasp_ks_handshake(clasp_ks *ks, const uint8_t *ecdhe, size_t ecdhe_len)
{
    ENSURE(ks != NULL && ks->stage == KS_EARLY, CLASP_ERR_INTERNAL);
    if (ecdhe == NULL) {
        /* psk_ke: no (EC)DHE input, the 0-value. */
        ecdhe = zeros;
        ecdhe_len = ks->hash_len;
    }
    ENSURE(ecdhe_len >= 1 && ecdhe_len <= CLASP_MAX_KX_SECRET_LEN,
           CLASP_ERR_INTERNAL);
    return next_stage(ks, ecdhe, ecdhe_len, KS_HANDSHAKE);
}

int clasp_ks_hs_traffic(clasp_ks *ks, const uint8_t *th, uint8_t *c_hs,
                        uint8_t *s_hs)
{
    ENSURE(ks != NULL && ks->stage == KS_HANDSHAKE, CLASP_ERR_INTERNAL);
    int rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                    KS_LABEL(c_hs_traffic), th, c_hs);
    if (rc < 0) {
        return rc;
    }
    rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                KS_LABEL(s_hs_traffic), th, s_hs);
    if (rc < 0) {
        clasp_memzero(c_hs, ks->hash_len);
        return rc;
    }
    log_secret(ks, KS_NSS_ID_client_hs, c_hs);
    log_secret(ks, KS_NSS_ID_server_hs, s_hs);
    return CLASP_OK;
}

int clasp_ks_master(clasp_ks *ks)
{
    ENSURE(ks != NULL && ks->stage == KS_HANDSHAKE, CLASP_ERR_INTERNAL);
    return next_stage(ks, zeros, ks->hash_len, KS_MASTER);
}

int clasp_ks_app_traffic(clasp_ks *ks, const uint8_t *th, uint8_t *c_ap,
                         uint8_t *s_ap, uint8_t *exp_master)
{
    ENSURE(ks != NULL && ks->stage == KS_MASTER, CLASP_ERR_INTERNAL);
    int rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                    KS_LABEL(c_ap_traffic), th, c_ap);
    if (rc < 0) {
        return rc;
    }
    rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                KS_LABEL(s_ap_traffic), th, s_ap);
    if (rc < 0) {
        goto fail;
    }
    if (exp_master != NULL) {
        rc = clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                    KS_LABEL(exp_master), th, exp_master);
        if (rc < 0) {
            goto fail;
        }
    }
    log_secret(ks, KS_NSS_ID_client_ap0, c_ap);
    log_secret(ks, KS_NSS_ID_server_ap0, s_ap);
    if (exp_master != NULL) {
        log_secret(ks, KS_NSS_ID_exporter, exp_master);
    }
    return CLASP_OK;
fail:
    clasp_memzero(c_ap, ks->hash_len);
    clasp_memzero(s_ap, ks->hash_len);
    return rc;
}

int clasp_ks_resumption_master(clasp_ks *ks, const uint8_t *th, uint8_t *out)
{
    ENSURE(ks != NULL && ks->stage == KS_MASTER, CLASP_ERR_INTERNAL);
    return clasp_ks_derive_secret(ks->prov, ks->hash, ks->secret,
                                  KS_LABEL(res_master), th, out);
}

/* ---- pure derivations ------------------------------------------------------
 */

/* RFC 8446 §4.4.4: finished_key =
 *     HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) */
int clasp_ks_finished_key(const clasp_provider *prov, clasp_hash_id hash,
                          const uint8_t *base_secret, uint8_t *out)
{
    return clasp_ks_expand_label(prov, hash, base_secret, KS_LABEL(finished),
                                 NULL, 0, out, hash_len_of(hash));
}

/* RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(
 *     Handshake Context, Certificate*, CertificateVerify*)) */
int clasp_ks_verify_data(const clasp_provider *prov, clasp_hash_id hash,
                         const uint8_t *finished_key, const uint8_t *th,
                         uint8_t *out)
{
    size_t hash_len = hash_len_of(hash);
    ENSURE(prov != NULL && finished_key != NULL && th != NULL && out != NULL &&
               hash_len != 0,
           CLASP_ERR_INTERNAL);
    return prov->hmac(prov->ctx, hash, finished_key, hash_len, th, hash_len,
                      out, hash_len);
}

int clasp_ks_finished(const clasp_provider *prov, clasp_hash_id hash,
                      const uint8_t *base_secret, const uint8_t *th,
                      uint8_t *out)
{
    uint8_t finished_key[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_finished_key(prov, hash, base_secret, finished_key);
    if (rc < 0) {
        goto cleanup;
    }
    rc = clasp_ks_verify_data(prov, hash, finished_key, th, out);
cleanup:
    clasp_memzero(finished_key, sizeof(finished_key));
    return rc;
}

int clasp_ks_check_finished(const clasp_provider *prov, clasp_hash_id hash,
                            const uint8_t *base_secret, const uint8_t *th,
                            clasp_span received)
{
    uint8_t expected[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_finished(prov, hash, base_secret, th, expected);
    if (rc == CLASP_OK) {
        rc = check_equal(expected, hash_len_of(hash), received);
    }
    clasp_memzero(expected, sizeof(expected));
    return rc;
}

/* RFC 8446 §7.3:
 *     [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
 *     [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length) */
int clasp_ks_traffic_keys(const clasp_provider *prov, const clasp_suite *suite,
                          const uint8_t *secret, uint8_t *key, uint8_t *iv)
{
    ENSURE(suite != NULL && suite->key_len <= CLASP_MAX_AEAD_KEY_LEN &&
               suite->iv_len == CLASP_AEAD_NONCE_LEN,
           CLASP_ERR_INTERNAL);
    TRY(clasp_ks_expand_label(prov, suite->hash, secret, KS_LABEL(key), NULL, 0,
                              key, suite->key_len));
    int rc = clasp_ks_expand_label(prov, suite->hash, secret, KS_LABEL(iv),
                                   NULL, 0, iv, suite->iv_len);
    if (rc < 0) {
        clasp_memzero(key, suite->key_len);
    }
    return rc;
}

/* RFC 8446 §7.2: application_traffic_secret_N+1 =
 *     HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "",
 *                       Hash.length) */
int clasp_ks_next_traffic_secret(const clasp_provider *prov, clasp_hash_id hash,
                                 uint8_t *secret)
{
    size_t hash_len = hash_len_of(hash);
    uint8_t next[CLASP_MAX_HASH_LEN];
    int rc = clasp_ks_expand_label(prov, hash, secret, KS_LABEL(traffic_upd),
                                   NULL, 0, next, hash_len);
    if (rc < 0) {
        goto cleanup;
    }
    rc = clasp_copy(secret, hash_len, next, hash_len);
cleanup:
    clasp_memzero(next, sizeof(next));
    return rc;
}

/* RFC 8446 §4.6.1:
 *     HKDF-Expand-Label(resumption_master_secret,
 *                       "resumption", ticket_nonce, Hash.length) */
int clasp_ks_ticket_psk(const clasp_provider *prov, clasp_hash_id hash,
                        const uint8_t *res_master, const uint8_t *nonce,
                        size_t nonce_len, uint8_t *out)
{
    return clasp_ks_expand_label(prov, hash, res_master, KS_LABEL(resumption),
                                 nonce, nonce_len, out, hash_len_of(hash));
}

/* RFC 8446 §7.5:
 *     TLS-Exporter(label, context_value, key_length) =
 *         HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
 *                           "exporter", Hash(context_value), key_length) */
int clasp_ks_export(const clasp_provider *prov, clasp_hash_id hash,
                    const uint8_t *exporter_master, const uint8_t *label,
                    size_t label_len, const uint8_t *context,
                    size_t context_len, uint8_t *out, size_t out_len)
{
    size_t hash_len = hash_len_of(hash);
    ENSURE(prov != NULL && exporter_master != NULL && hash_len != 0,
           CLASP_ERR_INTERNAL);
    ENSURE(label != NULL && label_len >= 1 &&
               label_len <= CLASP_KS_MAX_LABEL_LEN,
           CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(context != NULL || context_len == 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(out != NULL && out_len >= 1 && out_len <= 255 * hash_len &&
               out_len <= UINT16_MAX,
           CLASP_ERR_BAD_INPUT_DATA);

    uint8_t empty_hash[CLASP_MAX_HASH_LEN];
    uint8_t context_hash[CLASP_MAX_HASH_LEN];
    uint8_t secret[CLASP_MAX_HASH_LEN];
    int rc =
        prov->hash_oneshot(prov->ctx, hash, zeros, 0, empty_hash, hash_len);
    if (rc < 0) {
        goto cleanup;
    }
    rc = prov->hash_oneshot(prov->ctx, hash, context != NULL ? context : zeros,
                            context_len, context_hash, hash_len);
    if (rc < 0) {
        goto cleanup;
    }
    rc = clasp_ks_derive_secret(prov, hash, exporter_master,
                                clasp_span_of(label, label_len), empty_hash,
                                secret);
    if (rc < 0) {
        goto cleanup;
    }
    rc = clasp_ks_expand_label(prov, hash, secret, KS_LABEL(exporter),
                               context_hash, hash_len, out, out_len);
cleanup:
    clasp_memzero(secret, sizeof(secret));
    return rc;
}

/* ---- key log ------------------------------------------------------------- */

static int put_hex(clasp_wr *w, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    clasp_rd r = clasp_rd_init(p, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = 0;
        TRY(clasp_rd_u8(&r, &b));
        TRY(clasp_wr_u8(w, (uint8_t)digits[b >> 4]));
        TRY(clasp_wr_u8(w, (uint8_t)digits[b & 0x0F]));
    }
    return clasp_rd_done(&r);
}

/* NSS key log format: "<label> <64 hex digits of client_random> <secret
 * in hex>". */
int clasp_ks_keylog_line(char *buf, size_t cap, const char *nss_label,
                         const uint8_t client_random[32], const uint8_t *secret,
                         size_t len)
{
    ENSURE(buf != NULL && nss_label != NULL && client_random != NULL &&
               secret != NULL && len <= CLASP_MAX_HASH_LEN,
           CLASP_ERR_INTERNAL);
    size_t label_len = strlen(nss_label);
    ENSURE(label_len <= 64, CLASP_ERR_INTERNAL);
    clasp_wr w = clasp_wr_init(buf, cap);
    TRY(clasp_wr_bytes(&w, nss_label, label_len));
    TRY(clasp_wr_u8(&w, ' '));
    TRY(put_hex(&w, client_random, CLASP_KS_CLIENT_RANDOM_LEN));
    TRY(clasp_wr_u8(&w, ' '));
    TRY(put_hex(&w, secret, len));
    size_t line_len = w.len;
    TRY(clasp_wr_u8(&w, 0));
    TRY(clasp_wr_finish(&w));
    ENSURE(line_len <= INT32_MAX, CLASP_ERR_INTERNAL);
    return (int)line_len;
}
