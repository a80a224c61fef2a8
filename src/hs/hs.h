/*
 * The connection context and the handshake engine's internal interface.
 * The engine is sans-I/O (DESIGN.md §3.3): it consumes bytes from the
 * inbound buffer and appends sealed records to the outbound buffer; only
 * src/conn/io.c calls the user's callbacks.
 */
#ifndef CLASP_HS_HS_H
#define CLASP_HS_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/span.h"
#include "crypto/suites.h"
#include "hs/config.h"
#include "keysched/keysched.h"
#include "keysched/transcript.h"
#include "record/record.h"

/* States, named after RFC 8446 Appendix A. */
enum clasp_cstate {
    C_START,    /* send ClientHello */
    C_WAIT_SH,  /* ServerHello or HelloRetryRequest */
    C_SEND_CH2, /* send the second ClientHello after HRR */
    C_WAIT_EE,
    C_WAIT_CERT_CR,
    C_WAIT_CERT,
    C_WAIT_CV,
    C_WAIT_FINISHED,
    C_SEND_FLIGHT2, /* [Certificate, CertificateVerify,] Finished */
    C_CONNECTED,
    C__COUNT
};

enum clasp_sstate {
    S_START,    /* wait for ClientHello */
    S_RECVD_CH, /* choose parameters */
    S_SEND_HRR,
    S_NEGOTIATED, /* send SH, EE, [CR, Certificate, CV], Finished */
    S_WAIT_EOED,
    S_WAIT_FLIGHT2,
    S_WAIT_CERT,
    S_WAIT_CV,
    S_WAIT_FINISHED,
    S_CONNECTED,
    S__COUNT
};

/* Row flags (DESIGN.md §3.6). */
#define HS_END_OF_RECORD (1u << 0) /* the message must end its record */
#define HS_CCS_OK (1u << 1)        /* a compatibility CCS may arrive */
#define HS_APPDATA_IN (1u << 2)    /* application data may arrive */
#define HS_APPDATA_OUT (1u << 3)   /* application data may be sent */
#define HS_TS_MANUAL                                             \
    (1u << 4)                 /* handler adds the message to the \
                               * transcript itself */
#define HS_EARLY_IN (1u << 5) /* 0-RTT data may arrive */
#define HS_TH_BEFORE                               \
    (1u << 6) /* handler needs the transcript hash \
               * before the message (CV, Finished) */

#define HS_BIT(type) ((uint32_t)1 << ((type)&31))
#define ST_BIT(state) ((uint32_t)1 << (state))

/* A received handshake message: header included in raw. */
struct clasp_hs_msg {
    uint8_t type;
    clasp_span raw; /* header + body */
    clasp_span body;
    uint8_t th_before[CLASP_MAX_HASH_LEN]; /* with HS_TH_BEFORE */
};

typedef struct clasp_context clasp_conn;

struct clasp_hs_row {
    const char *name;
    uint32_t expect;  /* HS_BIT of accepted types; 0 = send state */
    uint32_t next_ok; /* ST_BIT of the states this row may move to */
    uint16_t flags;
    int (*run)(clasp_conn *c, const struct clasp_hs_msg *m, int *next);
};

/* One PSK a client offers (RFC 8446 §4.2.11): its identity and key are
 * borrowed from the config or from hs->psk_ticket. */
struct clasp_psk_offer {
    const uint8_t *identity;
    size_t identity_len;
    const uint8_t *key;
    size_t key_len;
    clasp_hash_id hash;
    bool external;
};

#define CLASP_MAX_KEY_SHARES 5
#define CLASP_MAX_CHAIN 10

/* Handshake-only state: allocated at the first step, wiped and freed at
 * CONNECTED (DESIGN.md §3.12). */
struct clasp_hs {
    clasp_ks ks;
    clasp_ts ts;
    uint8_t client_random[32];
    uint8_t server_random[32];
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t c_hs[CLASP_MAX_HASH_LEN];
    uint8_t s_hs[CLASP_MAX_HASH_LEN];
    uint8_t th[CLASP_MAX_HASH_LEN]; /* scratch transcript hash */

    /* Client: our key shares (one per offered group). */
    clasp_kx *kx[CLASP_MAX_KEY_SHARES];
    uint16_t kx_group[CLASP_MAX_KEY_SHARES];
    size_t kx_count;
    uint64_t ext_sent; /* CLASP_EXT_BIT of what we sent */
    bool hrr_seen;
    uint16_t hrr_group; /* group asked for by HRR, or 0 */
    uint16_t hrr_suite;
    uint8_t *cookie; /* clasp_mem_calloc'd: cookie<1..2^16-1> */
    size_t cookie_len;
    /* Client: the public shares sent, repeated after a cookie-only HRR
     * (RFC 8446 §4.1.2: key_share changes only when HRR names a group). */
    uint8_t kx_pub[CLASP_MAX_KEY_SHARES][CLASP_MAX_KX_PUB_LEN];
    size_t kx_pub_len[CLASP_MAX_KEY_SHARES];
    bool cert_requested;
    bool peer_cv_ok; /* set only by the CV handler */
    clasp_pkey *peer_key;

    /* Server. */
    const clasp_certkey *certkey; /* chosen certificate */
    uint16_t cert_sig_alg;        /* scheme for our CertificateVerify */
    uint8_t peer_share[CLASP_MAX_KX_PUB_LEN];
    size_t peer_share_len;
    uint8_t ch1_hash[CLASP_MAX_HASH_LEN]; /* CH1 summary, for CH2 checks */
    uint16_t ch1_suite_sel;
    const clasp_config *cert_source; /* set by the SNI callback */
    uint8_t sent_ccs;
    uint8_t recv_ccs;
    bool hrr_sent;
    bool hrr_needed;
    uint8_t ch1_digest[32]; /* fields CH2 must repeat (RFC 8446 §4.1.2) */
    uint8_t cr_context[255];
    size_t cr_context_len;
    uint16_t client_sig_algs[CLASP_MAX_PREFS];
    size_t client_sig_alg_count;
    uint8_t alpn[256]; /* server: selected protocol */
    size_t alpn_len;
    bool sni_seen;
    bool early_skip;        /* server: skip the client's 0-RTT records */
    size_t early_skip_left; /* bytes still allowed to be skipped */
    bool peer_chain_ok;     /* the peer's chain verified (clasp_hs_recv_cert) */

    /* PSKs (hs_psk.c). Client: the identities the ClientHello offers (a
     * ticket first, then the config's external PSKs); the offered ticket
     * is taken out of the context (each ticket is used once, RFC 8446
     * App. C.4). Server: what it found for the identity it selected. */
    struct clasp_psk_offer psk_offers[CLASP_MAX_PSK_OFFERS];
    size_t psk_offer_count;
    struct clasp_tkt psk_ticket; /* client: the ticket offered (owned) */
    bool psk_ke_offered;         /* client: modes sent; server: received */
    bool psk_dhe_offered;
    bool psk_accepted; /* both: this handshake uses a PSK */
    bool psk_dhe;      /* ... with (EC)DHE (psk_dhe_ke) */
    bool psk_external; /* ... an external one */
    uint16_t psk_index;
    const uint8_t *psk_key; /* the selected key (borrowed) */
    size_t psk_key_len;
    clasp_hash_id psk_hash;
    struct clasp_psk_state psk_state; /* server: the ticket's state */
    /* Server: the key clasp_set_hs_psk() gives the PSK callback. */
    bool in_psk_cb;
    uint8_t cb_psk[CLASP_KS_MAX_PSK_LEN];
    size_t cb_psk_len;
    clasp_hash_id cb_psk_hash;

    /* 0-RTT (hs_early.c). */
    bool early_offered;  /* early_data in the first ClientHello */
    bool early_accepted; /* the server accepted it */
    uint8_t c_early[CLASP_MAX_HASH_LEN]; /* client_early_traffic_secret */
    /* Client: our certificate_authorities list (hs_ca.c, owned). */
    uint8_t *ca_names;
    size_t ca_names_len;
};

struct clasp_context {
    clasp_config *conf;
    const clasp_provider *prov;
    bool is_server;
    int state;
    const struct clasp_hs_row *rows;
    int fatal;        /* sticky fatal error, 0 if none */
    int peer_alert;   /* last alert received, -1 if none */
    bool peer_closed; /* close_notify received */
    bool sent_close;  /* close_notify queued */
    bool handshake_done;
    bool in_eof;
    bool rd_key_changed;    /* set when a read key is installed */
    bool rd_plain_alert_ok; /* server: a plaintext alert may still come
                             * (engine.c, clasp_engine_read_record) */

    /* I/O callbacks. */
    void *bio;
    clasp_send_t *f_send;
    clasp_recv_t *f_recv;
    clasp_recv_timeout_t *f_recv_timeout;

    /* Inbound: raw bytes from the transport, [in_off, in_len) unread. */
    uint8_t *in_buf;
    size_t in_cap;
    size_t in_off;
    size_t in_len;
    /* Decrypted application data not yet returned by clasp_read. */
    clasp_span app;
    /* Handshake reassembly: [hs_off, hs_len) pending bytes. */
    uint8_t *hs_buf;
    size_t hs_cap;
    size_t hs_off;
    size_t hs_len;
    /* Outbound: sealed records, [out_sent, out_len) still to send. */
    uint8_t *out_buf;
    size_t out_cap;
    size_t out_len;
    size_t out_sent;
    /* Pending handshake plaintext, sealed into records at a flush. */
    uint8_t *hso_buf;
    size_t hso_cap;
    size_t hso_len;

    clasp_rec_dir rd;
    clasp_rec_dir wr;
    const clasp_suite *suite;
    uint16_t group;
    uint16_t peer_sig_alg;
    uint16_t version;
    bool hrr_used;

    /* Secrets kept after the handshake. */
    uint8_t c_ap[CLASP_MAX_HASH_LEN];
    uint8_t s_ap[CLASP_MAX_HASH_LEN];
    uint8_t exporter[CLASP_MAX_HASH_LEN];
    uint8_t res_master[CLASP_MAX_HASH_LEN];

    struct clasp_hs *hs;

    char *hostname;
    uint8_t *peer_cert; /* leaf DER */
    size_t peer_cert_len;
    char *alpn; /* negotiated ALPN protocol (NUL-terminated, owned), or
                 * NULL: kept out of the context, which idles small */

    /* Resumption and PSKs (hs_psk.c, src/tickets/). */
    /* Client: up to CLASP_MAX_CLIENT_TICKETS, allocated as they come
     * (a context without tickets holds none: the idle-memory target). */
    struct clasp_tkt *tickets; /* tickets_cap slots, or NULL */
    size_t tickets_cap;
    size_t ticket_count;        /* tickets[0..ticket_count) are used */
    unsigned tickets_pending;   /* server: NewSessionTickets still due */
    int kex_mode;               /* CLASP_TLS1_3_KEY_EXCHANGE_MODE_* */
    uint64_t nst_sent;          /* server: tickets sent (ticket_nonce) */
    bool resumed;               /* a ticket's PSK was accepted */
    uint8_t peer_auth;          /* CLASP_PSK_AUTH_* of the peer */
    uint8_t peer_cert_hash[32]; /* server: SHA-256 of the client's leaf */
    uint8_t *psk_identity;      /* the external PSK identity used */
    size_t psk_identity_len;

    /* Hardening counters (SECURITY-CHECKLIST resource limits). */
    unsigned empty_records;
    unsigned warning_alerts;
    unsigned key_updates_in_row;
    bool key_update_pending;
    bool key_update_request;

    /* 0-RTT (hs_early.c, src/conn/early.c). */
    bool early_want;    /* client: clasp_write_early_data() was called */
    int early_status;   /* CLASP_EARLY_DATA_STATUS_* */
    uint32_t early_max; /* client: the ticket's max_early_data_size */
    size_t early_sent;  /* client: 0-RTT bytes sealed */
    uint8_t *early_buf; /* server: 0-RTT bytes received (owned) */
    size_t early_len;   /* server: bytes in early_buf */
    size_t early_off;   /* server: bytes already read */
    /* Post-handshake authentication (hs_pha.c, RFC 8446 §4.6.2). */
    bool pha_offered;   /* client: sent post_handshake_auth; server: got */
    int pha_state;      /* server: enum clasp_pha_state */
    int pha_result;     /* CLASP_PHA_* of the last request */
    uint32_t pha_count; /* server: requests sent */
    clasp_ts pha_ts;    /* hash state through the client Finished */
    int peer_verify;    /* last verdict on the peer's chain (hs_verify.c) */
    bool peer_verified; /* ... and it was a success */
};

/* Limits (SECURITY-CHECKLIST "Resource limits"). */
#define CLASP_MAX_EMPTY_RECORDS 32
#define CLASP_MAX_WARNING_ALERTS 4
#define CLASP_MAX_KEY_UPDATES 32
#define CLASP_MAX_CH_LEN (64u * 1024u)
#define CLASP_MAX_HS_MSG_LEN (16u * 1024u)
#define CLASP_MAX_EARLY_SKIP (16u * 1024u)

extern const struct clasp_hs_row clasp_client_rows[C__COUNT];
extern const struct clasp_hs_row clasp_server_rows[S__COUNT];

/* engine.c */
CLASP_MUST_USE int clasp_hs_step(clasp_conn *c);
CLASP_MUST_USE int clasp_hs_start(clasp_conn *c);
void clasp_hs_free(clasp_conn *c);
CLASP_MUST_USE int clasp_engine_read_record(clasp_conn *c);
CLASP_MUST_USE int clasp_engine_fail(clasp_conn *c, int err);
CLASP_MUST_USE int clasp_engine_send_alert(clasp_conn *c, int alert);
CLASP_MUST_USE int clasp_engine_write_app(clasp_conn *c, const uint8_t *buf,
                                          size_t len);
CLASP_MUST_USE int clasp_engine_key_update(clasp_conn *c, bool request);
CLASP_MUST_USE int clasp_engine_read_app(clasp_conn *c);
CLASP_MUST_USE int clasp_engine_seal(clasp_conn *c, uint8_t type,
                                     const uint8_t *p, size_t len);
/* Room in the outbound buffer for the record of an application write of
 * len bytes (the buffer comes back after clasp_release_buffers). */
CLASP_MUST_USE int clasp_engine_reserve_app(clasp_conn *c, size_t len);
/* Run function of the CONNECTED rows (hs_post.c). */
CLASP_MUST_USE int clasp_hs_recv_post(clasp_conn *c,
                                      const struct clasp_hs_msg *m, int *next);
/* Client: a NewSessionTicket after the handshake. */
CLASP_MUST_USE int clasp_hs_recv_nst(clasp_conn *c,
                                     const struct clasp_hs_msg *m);
/* hs_common.c: the negotiated ALPN protocol (copied, NUL-terminated), and
 * the length of the one kept (0: none). */
CLASP_MUST_USE int clasp_hs_set_alpn(clasp_conn *c, const uint8_t *p,
                                     size_t len);
size_t clasp_hs_alpn_len(const clasp_conn *c);
/* Name of a handshake message type, for logs. */
const char *clasp_hs_type_name(uint8_t type);

/* hs_psk.c: PSKs, binders and tickets (RFC 8446 §4.2.11, §4.6.1). */
struct clasp_ch;
struct clasp_sh;
struct clasp_exts;
struct clasp_ext_psk;
/* Wall-clock milliseconds (the config's clock, else the system's). */
uint64_t clasp_hs_now_ms(const clasp_config *conf);
/* Client, first ClientHello: choose what to offer. */
CLASP_MUST_USE int clasp_hs_cli_psk_prepare(clasp_conn *c);
/* Client: psk_key_exchange_modes and pre_shared_key (binders zeroed)
 * into a ClientHello being built. */
CLASP_MUST_USE int clasp_hs_cli_psk_exts(clasp_conn *c, struct clasp_exts *e);
/* Client: the binders over Truncate(ClientHello) written by w. */
CLASP_MUST_USE int clasp_hs_cli_psk_binders(clasp_conn *c, clasp_wr *w,
                                            struct clasp_ext_psk *psk);
/* Client: ServerHello's choice of key exchange (§4.2.9, §4.2.11). */
CLASP_MUST_USE int clasp_hs_cli_psk_sh(clasp_conn *c,
                                       const struct clasp_sh *sh);
/* Server: pick the first acceptable identity and check its binder; sets
 * hs->psk_* and *suite (NULL when no PSK is accepted). */
CLASP_MUST_USE int clasp_hs_srv_psk_choose(clasp_conn *c,
                                           const struct clasp_ch *ch,
                                           const struct clasp_hs_msg *m,
                                           const clasp_suite **suite);
/* Both: record the peer's authentication at the end of the handshake. */
CLASP_MUST_USE int clasp_hs_psk_finish(clasp_conn *c);
/* Server: one NewSessionTicket, sealed and queued. CLASP_ERR_NOT_FOUND:
 * the ticket key callback had no key (nothing sent). */
CLASP_MUST_USE int clasp_hs_send_nst(clasp_conn *c);
/* Server: the NewSessionTickets still due (c->tickets_pending). */
CLASP_MUST_USE int clasp_engine_send_tickets(clasp_conn *c);
/* Client: drop every ticket of the context (and their storage). */
void clasp_hs_tickets_clear(clasp_conn *c);
/* Client: replace the context's tickets by t[0..n) (n <= the maximum),
 * taken over on success; on failure nothing changes. */
CLASP_MUST_USE int clasp_hs_tickets_set(clasp_conn *c, struct clasp_tkt *t,
                                        size_t n);

/* hs_early.c: 0-RTT (RFC 8446 §2.3, §4.2.10, §8). */
struct clasp_ee;
/* Free and forget the 0-RTT state of the context. */
void clasp_hs_early_reset(clasp_conn *c);
/* Client, first ClientHello: the early_data extension, if 0-RTT goes. */
CLASP_MUST_USE int clasp_hs_cli_early_ext(clasp_conn *c, struct clasp_exts *e);
/* Client, after the first ClientHello is queued: compat CCS, early key. */
CLASP_MUST_USE int clasp_hs_cli_early_start(clasp_conn *c);
/* Client: HelloRetryRequest ends 0-RTT (CH2 goes unprotected). */
CLASP_MUST_USE int clasp_hs_cli_early_hrr(clasp_conn *c);
/* Client: the server's EncryptedExtensions decide 0-RTT. */
CLASP_MUST_USE int clasp_hs_cli_early_ee(clasp_conn *c,
                                         const struct clasp_exts *ee);
/* Client, second flight: EndOfEarlyData under the early key. */
CLASP_MUST_USE int clasp_hs_cli_early_eoed(clasp_conn *c);
/* Client: seal up to len bytes of 0-RTT data; bytes sealed. */
CLASP_MUST_USE int clasp_hs_cli_early_write(clasp_conn *c, const uint8_t *buf,
                                            size_t len);
/* Server, ClientHello: accept or reject the offered 0-RTT. */
CLASP_MUST_USE int clasp_hs_srv_early_decide(clasp_conn *c,
                                             const struct clasp_ch *ch);
/* Server, before ServerHello: the early read key, if accepted. */
CLASP_MUST_USE int clasp_hs_srv_early_keys(clasp_conn *c);
/* Server: one record of accepted 0-RTT data. */
CLASP_MUST_USE int clasp_hs_srv_early_data(clasp_conn *c, clasp_span body);
/* Server row S_WAIT_EOED. */
CLASP_MUST_USE int
clasp_hs_srv_recv_eoed(clasp_conn *c, const struct clasp_hs_msg *m, int *next);

/* Output helpers for handlers. */
CLASP_MUST_USE int clasp_hs_out_reserve(clasp_conn *c, size_t n, clasp_wr *w);
CLASP_MUST_USE int clasp_hs_out_commit(clasp_conn *c, const clasp_wr *w,
                                       bool transcript);
CLASP_MUST_USE int clasp_hs_flush(clasp_conn *c);
CLASP_MUST_USE int clasp_hs_send_ccs(clasp_conn *c);
CLASP_MUST_USE int clasp_hs_install_read(clasp_conn *c, const uint8_t *secret);
CLASP_MUST_USE int clasp_hs_install_write(clasp_conn *c, const uint8_t *secret);
void clasp_hs_log(const clasp_conn *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
