/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1) and the pure derivations around
 * it: traffic keys (§7.3), Finished (§4.4.4), binders (§4.2.11.2), ticket
 * PSKs (§4.6.1), KeyUpdate (§7.2) and exporters (§7.5). DESIGN.md §3.7.
 *
 * A clasp_ks walks KS_NONE -> KS_EARLY -> KS_HANDSHAKE -> KS_MASTER; it
 * holds only the secret of its current stage (the previous one is
 * overwritten and wiped on every move). Every derive function checks its
 * stage and returns CLASP_ERR_INTERNAL on misuse.
 *
 * Sizes: every secret, transcript hash and Finished value named below is
 * exactly Hash.length bytes of the hash given at init (CLASP_MAX_HASH_LEN
 * buffers always suffice). Transcript hashes are passed in already
 * computed (see transcript.h).
 */
#ifndef CLASP_KEYSCHED_KEYSCHED_H
#define CLASP_KEYSCHED_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/span.h"
#include "crypto/provider.h"
#include "crypto/suites.h"
#include "keysched/labels.h"

/* Random.random of the ClientHello, which names a session in a key log. */
#define CLASP_KS_CLIENT_RANDOM_LEN 32
/* Longest label a caller may give to HKDF-Expand-Label: HkdfLabel.label is
 * <7..255> and includes "tls13 " (RFC 8446 §7.1). */
#define CLASP_KS_MAX_LABEL_LEN 249
/* HkdfLabel.context is <0..255> (RFC 8446 §7.1). */
#define CLASP_KS_MAX_CONTEXT_LEN 255
/* Longest external PSK we accept as key-schedule input. */
#define CLASP_KS_MAX_PSK_LEN 1024
/* Longest NSS key log line: label, client random, 64-byte secret, two
 * spaces and the terminating NUL. */
#define CLASP_KS_KEYLOG_LINE_MAX 256

typedef enum {
    KS_NONE = 0,  /* no secret */
    KS_EARLY,     /* holds the Early Secret */
    KS_HANDSHAKE, /* holds the Handshake Secret */
    KS_MASTER,    /* holds the Master Secret */
} clasp_ks_stage;

/* Key log hook: called once per secret with its NSS key log label
 * (CLIENT_HANDSHAKE_TRAFFIC_SECRET, ...). secret is len bytes and valid
 * only during the call. */
typedef void (*clasp_ks_keylog_fn)(void *arg, const char *nss_label,
                                   const uint8_t client_random[32],
                                   const uint8_t *secret, size_t len);

typedef struct {
    const clasp_provider *prov;
    clasp_hash_id hash;
    size_t hash_len;
    clasp_ks_stage stage;
    /* The secret of the current stage. */
    uint8_t secret[CLASP_MAX_HASH_LEN];
    /* Transcript-Hash("") for Derive-Secret(., ., ""). */
    uint8_t empty_hash[CLASP_MAX_HASH_LEN];
    clasp_ks_keylog_fn keylog;
    void *keylog_arg;
    uint8_t client_random[CLASP_KS_CLIENT_RANDOM_LEN];
} clasp_ks;

/* ---- the staged schedule ------------------------------------------------ */

/* Start a schedule with the hash of the negotiated (or, for a client's PSK
 * binders, the PSK's) cipher suite; stage KS_NONE. A ks must be wiped
 * before it is initialised again (e.g. with another hash). */
CLASP_MUST_USE int clasp_ks_init(clasp_ks *ks, const clasp_provider *prov,
                                 clasp_hash_id hash);
/* Wipe every secret; stage KS_NONE. Safe on a zeroed or wiped ks. */
void clasp_ks_wipe(clasp_ks *ks);
/* Install the key log hook (fn may be NULL: no logging). client_random
 * names the session in each line; it must be set before the first secret
 * is derived. */
CLASP_MUST_USE int clasp_ks_set_keylog(clasp_ks *ks, clasp_ks_keylog_fn fn,
                                       void *arg,
                                       const uint8_t client_random[32]);

/* KS_NONE -> KS_EARLY: Early Secret = HKDF-Extract(0, PSK). psk NULL means
 * no PSK (Hash.length zeros). */
CLASP_MUST_USE int clasp_ks_early(clasp_ks *ks, const uint8_t *psk,
                                  size_t psk_len);
/* KS_EARLY: binder_key = Derive-Secret(es, "ext binder" | "res binder",
 * ""). */
CLASP_MUST_USE int clasp_ks_binder_key(clasp_ks *ks, bool external,
                                       uint8_t *out);
/* KS_EARLY: the PSK binder value (RFC 8446 §4.2.11.2) over the transcript
 * hash th of the truncated ClientHello (plus, after HelloRetryRequest, the
 * messages before it): HMAC(finished_key(binder_key), th). */
CLASP_MUST_USE int clasp_ks_binder(clasp_ks *ks, bool external,
                                   const uint8_t *th, uint8_t *out);
/* KS_EARLY: check a received binder against the expected one in constant
 * time; mismatch or wrong length -> CLASP_ERR_DECRYPT_ERROR (RFC 8446
 * §6.2: "validate [...] a PSK binder"). */
CLASP_MUST_USE int clasp_ks_check_binder(clasp_ks *ks, bool external,
                                         const uint8_t *th,
                                         clasp_span received);
/* KS_EARLY: client_early_traffic_secret and early_exporter_master_secret
 * over th = Transcript-Hash(ClientHello). e_exp_master may be NULL. */
CLASP_MUST_USE int clasp_ks_early_traffic(clasp_ks *ks, const uint8_t *th,
                                          uint8_t *c_e_traffic,
                                          uint8_t *e_exp_master);
/* KS_EARLY -> KS_HANDSHAKE: Handshake Secret = HKDF-Extract(
 * Derive-Secret(es, "derived", ""), (EC)DHE). ecdhe NULL means psk_ke
 * (Hash.length zeros). */
CLASP_MUST_USE int clasp_ks_handshake(clasp_ks *ks, const uint8_t *ecdhe,
                                      size_t ecdhe_len);
/* KS_HANDSHAKE: {client,server}_handshake_traffic_secret over
 * th = Transcript-Hash(ClientHello..ServerHello). */
CLASP_MUST_USE int clasp_ks_hs_traffic(clasp_ks *ks, const uint8_t *th,
                                       uint8_t *c_hs, uint8_t *s_hs);
/* KS_HANDSHAKE -> KS_MASTER: Master Secret = HKDF-Extract(
 * Derive-Secret(hs, "derived", ""), 0). */
CLASP_MUST_USE int clasp_ks_master(clasp_ks *ks);
/* KS_MASTER: {client,server}_application_traffic_secret_0 and
 * exporter_master_secret over th = Transcript-Hash(ClientHello..server
 * Finished). exp_master may be NULL. */
CLASP_MUST_USE int clasp_ks_app_traffic(clasp_ks *ks, const uint8_t *th,
                                        uint8_t *c_ap, uint8_t *s_ap,
                                        uint8_t *exp_master);
/* KS_MASTER: resumption_master_secret over th = Transcript-Hash(
 * ClientHello..client Finished). */
CLASP_MUST_USE int clasp_ks_resumption_master(clasp_ks *ks, const uint8_t *th,
                                              uint8_t *out);

/* ---- pure derivations ---------------------------------------------------- */

/* HKDF-Expand-Label(secret, label, context, out_len), RFC 8446 §7.1.
 * secret is Hash.length bytes; label (without "tls13 ") is 1..249 bytes;
 * context 0..255 bytes (NULL if empty); out_len <= 255 * Hash.length. */
CLASP_MUST_USE int
clasp_ks_expand_label(const clasp_provider *prov, clasp_hash_id hash,
                      const uint8_t *secret, clasp_span label,
                      const uint8_t *context, size_t context_len, uint8_t *out,
                      size_t out_len);
/* Derive-Secret(secret, label, Messages) with th = Transcript-Hash(
 * Messages): HKDF-Expand-Label(secret, label, th, Hash.length). */
CLASP_MUST_USE int clasp_ks_derive_secret(const clasp_provider *prov,
                                          clasp_hash_id hash,
                                          const uint8_t *secret,
                                          clasp_span label, const uint8_t *th,
                                          uint8_t *out);
/* finished_key = HKDF-Expand-Label(base_secret, "finished", "",
 * Hash.length), RFC 8446 §4.4.4. */
CLASP_MUST_USE int clasp_ks_finished_key(const clasp_provider *prov,
                                         clasp_hash_id hash,
                                         const uint8_t *base_secret,
                                         uint8_t *out);
/* verify_data = HMAC(finished_key, th), RFC 8446 §4.4.4. */
CLASP_MUST_USE int clasp_ks_verify_data(const clasp_provider *prov,
                                        clasp_hash_id hash,
                                        const uint8_t *finished_key,
                                        const uint8_t *th, uint8_t *out);
/* Both steps: the Finished verify_data of base_secret over th (the
 * finished_key never leaves this function). */
CLASP_MUST_USE int clasp_ks_finished(const clasp_provider *prov,
                                     clasp_hash_id hash,
                                     const uint8_t *base_secret,
                                     const uint8_t *th, uint8_t *out);
/* Check a received Finished.verify_data in constant time (RFC 8446
 * §4.4.4: "Recipients of Finished messages MUST verify that the contents
 * are correct and if incorrect MUST terminate the connection with a
 * "decrypt_error" alert."): mismatch or wrong length ->
 * CLASP_ERR_DECRYPT_ERROR. */
CLASP_MUST_USE int clasp_ks_check_finished(const clasp_provider *prov,
                                           clasp_hash_id hash,
                                           const uint8_t *base_secret,
                                           const uint8_t *th,
                                           clasp_span received);
/* Traffic keys of a traffic secret, RFC 8446 §7.3: key (suite->key_len
 * bytes) and iv (suite->iv_len = 12 bytes). */
CLASP_MUST_USE int clasp_ks_traffic_keys(const clasp_provider *prov,
                                         const clasp_suite *suite,
                                         const uint8_t *secret, uint8_t *key,
                                         uint8_t *iv);
/* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
 * "traffic upd", "", Hash.length), RFC 8446 §7.2; in place. */
CLASP_MUST_USE int clasp_ks_next_traffic_secret(const clasp_provider *prov,
                                                clasp_hash_id hash,
                                                uint8_t *secret);
/* The PSK of a ticket, RFC 8446 §4.6.1: HKDF-Expand-Label(
 * resumption_master_secret, "resumption", ticket_nonce, Hash.length).
 * nonce is 0..255 bytes. */
CLASP_MUST_USE int clasp_ks_ticket_psk(const clasp_provider *prov,
                                       clasp_hash_id hash,
                                       const uint8_t *res_master,
                                       const uint8_t *nonce, size_t nonce_len,
                                       uint8_t *out);
/* TLS-Exporter(label, context_value, out_len), RFC 8446 §7.5, from the
 * (early_)exporter_master_secret. label is 1..249 bytes; context may be
 * NULL (RFC 8446 §7.5: no context is the same as an empty one);
 * out_len <= 255 * Hash.length. A bad label or length is
 * CLASP_ERR_BAD_INPUT_DATA (they come from the application). */
CLASP_MUST_USE int clasp_ks_export(const clasp_provider *prov,
                                   clasp_hash_id hash,
                                   const uint8_t *exporter_master,
                                   const uint8_t *label, size_t label_len,
                                   const uint8_t *context, size_t context_len,
                                   uint8_t *out, size_t out_len);

/* Format one NSS key log line "<label> <client_random hex> <secret hex>"
 * (no newline, NUL-terminated) into buf. Returns the line length (without
 * the NUL) or CLASP_ERR_BUFFER_TOO_SMALL (CLASP_KS_KEYLOG_LINE_MAX
 * always suffices for secrets up to CLASP_MAX_HASH_LEN). */
CLASP_MUST_USE int clasp_ks_keylog_line(char *buf, size_t cap,
                                        const char *nss_label,
                                        const uint8_t client_random[32],
                                        const uint8_t *secret, size_t len);

#endif
