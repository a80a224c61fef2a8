/*
 * The configuration object, shared by contexts (reference counted, frozen
 * once a context uses it). Defined at the hs layer because the handshake
 * reads it; the public setters live in src/conn/config.c.
 */
#ifndef CLASP_HS_CONFIG_H
#define CLASP_HS_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"
#include "crypto/provider.h"
#include "hs/psk.h"

struct clasp_replay_mem;

#define CLASP_MAX_PREFS 32
#define CLASP_MAX_CERTS 8
#define CLASP_MAX_ALPN_LIST 1024
#define CLASP_DEFAULT_MAX_CERT_LIST (100u * 1024u)
/* 0-RTT defaults (SECURITY-CHECKLIST resource limits, RFC 8446 §8). */
#define CLASP_DEFAULT_MAX_EARLY_DATA 14336u
/* Largest max_early_data_size a server may advertise (the setter's cap),
 * so the most a ticket of ours carries; also the largest buffer a
 * connection allocates for accepted 0-RTT. */
#define CLASP_MAX_EARLY_DATA (1u << 20)
#define CLASP_DEFAULT_REPLAY_WINDOW_MS 10000u

/* A certificate chain (DER, leaf first) with its private key. */
typedef struct {
    clasp_span *chain; /* one allocation holding spans and bytes */
    size_t chain_count;
    clasp_pkey *key;
} clasp_certkey;

struct clasp_config {
    atomic_int refs;
    atomic_bool frozen;
    int endpoint;
    clasp_provider *prov;

    uint16_t min_version;
    uint16_t max_version;
    uint16_t suites[CLASP_MAX_PREFS];
    size_t suite_count;
    uint16_t groups[CLASP_MAX_PREFS];
    size_t group_count;
    uint16_t sig_algs[CLASP_MAX_PREFS];
    size_t sig_alg_count;
    size_t key_share_count;
    unsigned kex_modes;

    clasp_certkey certs[CLASP_MAX_CERTS];
    size_t cert_count;
    clasp_trust *trust;
    size_t trust_count;
    int authmode;

    /* ALPN: the wire ProtocolNameList body (length-prefixed names). */
    uint8_t alpn[CLASP_MAX_ALPN_LIST];
    size_t alpn_len;
    clasp_alpn_select_t *f_alpn;
    void *alpn_arg;
    clasp_sni_t *f_sni;
    void *sni_arg;
    clasp_dbg_t *f_dbg;
    void *dbg_arg;
    int dbg_level;
    clasp_keylog_t *f_keylog;
    void *keylog_arg;

    bool compat_mode;
    bool hrr_cookie;
    size_t record_padding;
    size_t max_cert_list;
    /* Key for stateless HRR cookies (random per config). */
    uint8_t cookie_key[32];

    /* Resumption and PSKs (src/hs/psk.h). ticket_count: server, tickets
     * per handshake; client, 0 means "keep and offer no ticket". */
    unsigned ticket_count;
    uint32_t ticket_lifetime; /* seconds */
    uint32_t ticket_rotation; /* seconds between automatic key changes */
    const struct clasp_ticket_ops *ticket_ops; /* set by src/conn */
    struct clasp_tk_ring *ticket_keys;         /* owned by src/tickets */
    clasp_ticket_key_t *f_ticket_key;
    void *ticket_key_arg;
    struct clasp_conf_psk psks[CLASP_MAX_EXT_PSKS];
    size_t psk_count;
    clasp_psk_cb_t *f_psk;
    void *psk_arg;
    clasp_clock_t *f_clock;
    void *clock_arg;

    /* 0-RTT (src/hs/hs_early.c, src/conn/early.c). */
    bool early_data;
    uint32_t max_early_data; /* server: max_early_data_size of tickets */
    uint32_t replay_window_ms;
    uint64_t replay_started_ms;
    clasp_replay_check_t *f_replay;
    void *replay_arg;
    struct clasp_replay_mem *replay_mem; /* owned: the default store */
    /* Client: offer post_handshake_auth; server: defer the request
     * (src/conn/pha.c). */
    bool post_hs_auth;
    /* certificate_authorities (hs_ca.c): left out of CertificateRequest;
     * sent in ClientHello. */
    bool cr_ca_list_off;
    bool ch_ca_list;
    /* The application's verify callback (hs_verify.c). */
    clasp_verify_t *f_verify;
    void *verify_arg;
    /* Client: the application picks the certificate (hs_ca.c). */
    clasp_client_cert_t *f_client_cert;
    void *client_cert_arg;
};

/* Tests and tools: replace the config's provider (the config takes
 * ownership and destroys the previous one). */
CLASP_MUST_USE int clasp_config_set_provider(clasp_config *conf,
                                             clasp_provider *prov);

#endif
