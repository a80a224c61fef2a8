/* The scripted peer of the conformance suite (issue #7): a TLS 1.3 client
 * or server that sends exactly the messages a test script lists, built on
 * clasp's codec (src/msg, src/ext), key schedule (src/keysched) and record
 * layer (src/record), but never on its state machines. Its opposite number
 * ("the victim") is a real clasp context on an in-memory pipe
 * (tests/testlib/pipe.h).
 *
 * A script is a sequence of calls:
 *
 *     sp_start(&s, SP_CLIENT, NULL);      scripted client vs clasp server
 *     sp_cli_hello(&s, &f);               build ClientHello into flight f
 *     sp_send(&s, &f);                    seal and queue it
 *     sp_victim_wants_read(&s);           the server answers
 *     sp_cli_recv_hello(&s);              read ServerHello, derive keys
 *     sp_cli_recv_flight(&s);             EE..Finished, all checked
 *     sp_cli_flight2(&s, &f);             [Certificate, CV,] Finished
 *     tp_flight_drop(&f, 0);              ... break it at will ...
 *     sp_send(&s, &f);
 *     sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
 *
 * Builders add each message to the scripted side's transcript as built;
 * the flight (tp_flight of pipe.h) can then be edited before sending:
 * dropped, duplicated, reordered, fragmented, lengths and fields changed,
 * trailing bytes added, foreign records inserted. Records are sealed by
 * hand when clasp's record layer would refuse them (empty handshake
 * records, protected change_cipher_spec, oversized inner plaintext).
 *
 * Expectations read the victim's alert off the wire (decrypted with the
 * scripted side's keys when it is protected), compare the victim's return
 * code, and check that a dead victim neither reads nor writes anything
 * more (RFC 8446 §6.2). Every loop is bounded. */
#ifndef CLASP_TEST_SCRIPTED_PEER_H
#define CLASP_TEST_SCRIPTED_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "keysched/keysched.h"
#include "keysched/transcript.h"
#include "msg/msg_codes.h"
#include "pipe.h"
#include "record/record.h"

/* The role the scripted peer plays (the victim plays the other one). */
#define SP_CLIENT 0
#define SP_SERVER 1

/* Key epochs of one direction. */
enum sp_epoch { SP_PLAIN, SP_HS, SP_AP };

#define SP_MAX_LIST 64
#define SP_MAX_SHARES 4
#define SP_MAX_CHAIN 16

/* What the scripted side offers or picks. sp_start() fills defaults; a
 * script changes fields before the builders run. */
typedef struct {
    /* Client: ClientHello contents. */
    uint16_t legacy_version; /* 0x0303 */
    uint16_t suites[SP_MAX_LIST];
    size_t suite_count;
    uint16_t versions[8]; /* supported_versions */
    size_t version_count;
    uint16_t groups[SP_MAX_LIST]; /* supported_groups */
    size_t group_count;
    uint16_t share_groups[SP_MAX_SHARES]; /* key_share entries (CH1) */
    size_t share_count;
    uint16_t sig_algs[SP_MAX_LIST]; /* signature_algorithms */
    size_t sig_alg_count;
    bool compat;              /* 32-byte legacy_session_id and a CCS */
    const char *sni;          /* server_name (NULL: none) */
    const char *alpn;         /* client: the one name offered; server: sent */
    bool client_cert;         /* client: answer a CertificateRequest */
    uint16_t ch2_extra_share; /* CH2: another share, this group (0: no) */
    const uint8_t *ch_ext;    /* raw Extension bytes appended to CH */
    size_t ch_ext_len;

    /* Server: choices. 0 = automatic. */
    uint16_t suite;        /* from the client's list, our order */
    uint16_t group;        /* key share group (must be offered) */
    bool cert_request;     /* send CertificateRequest */
    const uint8_t *cookie; /* HRR cookie (NULL: none) */
    size_t cookie_len;
    const uint8_t *ee_ext; /* raw Extension bytes appended to EE */
    size_t ee_ext_len;

    /* Own certificate (both roles). kind: a tests/pki directory;
     * chain_file / key_file override its files; chain (DER spans owned
     * by the script) overrides the chain sent. */
    const char *kind;
    const char *chain_file; /* PEM chain, path relative to tests/ */
    const char *key_file;   /* PEM key, path relative to tests/ */
    const clasp_span *chain;
    size_t chain_count;
    uint16_t sig_alg; /* CertificateVerify scheme (0: from kind) */

    size_t frag; /* handshake bytes per record (0: 2^14) */
    /* legacy_record_version of every record we send (0: 0x0303); RFC
     * 8446 §5.1 says it "MUST be ignored for all purposes". */
    uint16_t record_version;
    /* Zero bytes of padding after the type of every protected record
     * (RFC 8446 §5.4; capped at the 2^14 + 1 inner plaintext limit). */
    size_t pad;
} sp_cfg;

typedef struct {
    int role; /* SP_CLIENT or SP_SERVER: the scripted side */
    sp_cfg cfg;

    /* The victim. */
    tp_pipe p;
    clasp_config *vconf;
    bool own_vconf;
    clasp_context *v;
    tp_queue *out;        /* scripted -> victim */
    tp_queue *in;         /* victim -> scripted */
    int vrc;              /* last result of the victim */
    uint8_t app[1 << 15]; /* application data the victim read */
    size_t app_len;

    /* The scripted side. */
    clasp_provider *prov;
    clasp_rec_dir rd;
    clasp_rec_dir wr;
    enum sp_epoch rd_epoch;
    enum sp_epoch wr_epoch;
    clasp_ts ts;
    clasp_ks ks;
    const clasp_suite *suite;
    uint16_t group;
    uint8_t client_random[32];
    uint8_t server_random[32];
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t c_hs[CLASP_MAX_HASH_LEN];
    uint8_t s_hs[CLASP_MAX_HASH_LEN];
    uint8_t c_ap[CLASP_MAX_HASH_LEN];
    uint8_t s_ap[CLASP_MAX_HASH_LEN];
    clasp_kx *kx[SP_MAX_SHARES];
    uint16_t kx_group[SP_MAX_SHARES];
    uint8_t kx_pub[SP_MAX_SHARES][CLASP_MAX_KX_PUB_LEN];
    size_t kx_pub_len[SP_MAX_SHARES];
    size_t kx_count;
    uint8_t peer_share[CLASP_MAX_KX_PUB_LEN];
    size_t peer_share_len;
    uint64_t ext_sent; /* client: CLASP_EXT_BIT()s of the CH */
    bool hrr;          /* a HelloRetryRequest happened */
    uint16_t hrr_group;
    uint8_t hrr_cookie[1024];
    size_t hrr_cookie_len;
    bool cert_requested; /* client: got a CR; server: sent one */
    bool peer_sent_cert; /* server: the client sent a non-empty chain */
    uint16_t peer_sig_algs[SP_MAX_LIST]; /* their signature_algorithms */
    size_t peer_sig_alg_count;
    clasp_pkey *peer_key;
    uint16_t peer_cv_alg;
    bool victim_flight; /* client: the victim server's SH was read */
    bool ccs_sent;      /* our compatibility CCS went out */

    /* Server: what the victim's ClientHello offered. */
    uint16_t ch_suites[SP_MAX_LIST];
    size_t ch_suite_count;
    uint16_t ch_groups[SP_MAX_LIST];
    size_t ch_group_count;
    uint16_t ch_share_group[8];
    uint8_t ch_share[8][CLASP_MAX_KX_PUB_LEN];
    size_t ch_share_len[8];
    size_t ch_share_count;
    bool ch_sni;
    uint8_t ch1_random[32];

    /* Own certificate, loaded on first use. */
    clasp_span *own_ders;
    size_t own_count;
    clasp_pkey *own_key;

    /* Handshake reassembly and what was seen. */
    uint8_t *hs_in;
    size_t hs_in_len;
    unsigned ccs_seen;
    unsigned key_updates_seen;
    bool ku_requested; /* the victim asked us for a KeyUpdate */
} sp_t;

/* ---- life ---------------------------------------------------------------- */

/* When set, sp_start() turns on the victim config's debug callback at
 * CLASP_DEBUG_VERBOSE (a sink that reads every message) and its key log,
 * so that trace code runs on hostile input (SECURITY-CHECKLIST 60). A
 * config already in use keeps what it has. */
extern bool sp_trace;
extern unsigned long sp_trace_lines;

/* What the script is doing, printed before every failure of the peer's
 * own checks (set it in loops: "state WAIT_CV, type 20"). */
extern char sp_note[160];
#define sp_notef(...) snprintf(sp_note, sizeof(sp_note), __VA_ARGS__)

/* A scripted peer in role (SP_CLIENT / SP_SERVER) against a fresh clasp
 * context on vconf (NULL: tp_server_conf("ecdsa-p256") for a victim server,
 * tp_client_conf() with host name "localhost" for a victim client). The
 * config is referenced, not owned (a default one is). */
void sp_start(sp_t *s, int role, clasp_config *vconf);
void sp_free(sp_t *s);
/* Forget the scripted side's handshake state (secrets, transcript, keys,
 * queues) so that the same victim context, after clasp_session_reset(),
 * can be scripted again. */
void sp_restart(sp_t *s);
/* The default configuration of a role (what sp_start puts in s->cfg). */
void sp_cfg_defaults(sp_cfg *c, int role);
/* Drop our loaded certificate and key: the next use loads them again
 * from s->cfg (after a script changed kind or files). */
void sp_forget_own(sp_t *s);

/* ---- the victim ---------------------------------------------------------- */

/* One call into the victim: clasp_handshake() until it is over, then
 * clasp_read() (what it reads goes to s->app). Returns its result. */
int sp_victim(sp_t *s);
void sp_victim_wants_read(sp_t *s);
/* The victim completes its handshake now (returns 0). */
void sp_victim_done(sp_t *s);
/* The victim writes data (clasp_write, all of it). */
void sp_victim_write(sp_t *s, const void *data, size_t len);

/* ---- records out --------------------------------------------------------- */

/* One record of content type `type` under the current write epoch: in
 * clear a TLSPlaintext as is (any type, any length), protected a
 * TLSCiphertext of inner plaintext content || type. */
void sp_rec(sp_t *s, uint8_t type, const void *content, size_t len);
/* Protected only: one TLSCiphertext of the given inner plaintext bytes
 * (content, type, padding: whatever the script wants). */
void sp_rec_inner(sp_t *s, const void *inner, size_t len);
/* The same from hex. */
void sp_rec_hex(sp_t *s, uint8_t type, const char *hex);
/* Raw bytes onto the wire. */
void sp_raw(sp_t *s, const void *p, size_t len);
/* An unprotected change_cipher_spec 0x01 (RFC 8446 §5, App. D.4). */
void sp_ccs(sp_t *s);
void sp_alert(sp_t *s, uint8_t level, uint8_t desc);
void sp_app(sp_t *s, const void *data, size_t len);
/* Handshake bytes cut into records of cfg.frag bytes. */
void sp_send_hs(sp_t *s, const void *p, size_t len);
/* A flight: all its messages as one handshake stream (sp_send_hs). */
void sp_send(sp_t *s, const tp_flight *f);
/* Each message in its own record(s). */
void sp_send_each(sp_t *s, const tp_flight *f);

/* ---- keys ---------------------------------------------------------------- */

void sp_set_write(sp_t *s, enum sp_epoch e);
void sp_set_read(sp_t *s, enum sp_epoch e);
/* RFC 8446 §7.2: next application traffic secret for our writing /
 * reading direction. */
void sp_update_write(sp_t *s);
void sp_update_read(sp_t *s);
/* Send KeyUpdate(request) in its own record and move our write key. */
void sp_key_update(sp_t *s, int request);

/* ---- records in ---------------------------------------------------------- */

/* Open the next record of the victim with the read epoch (a plaintext
 * alert is read as such even when the epoch is protected, and *plain is
 * set). Returns the content type, or -1 if no whole record is queued.
 * The record must be valid: anything clasp_rec_open refuses fails the
 * test (the victim must never send it). */
int sp_read_rec(sp_t *s, uint8_t *out, size_t cap, size_t *len, bool *plain);
/* The next handshake message of the victim (unprotected CCS records are
 * counted and skipped; anything else fails the test). *msg points into
 * s->hs_in until the next call. th_before (may be NULL) receives the
 * transcript hash before the message; add_ts adds it to the transcript.
 * Returns the message type. */
int sp_recv_msg(sp_t *s, const uint8_t **msg, size_t *len, uint8_t *th_before,
                bool add_ts);
/* Consume unprotected CCS records at the head of the victim's output
 * (counted in ccs_seen). */
void sp_skip_ccs(sp_t *s);
/* Application data from the victim: handles its KeyUpdates on the way.
 * Returns the data length. */
size_t sp_recv_app(sp_t *s, uint8_t *out, size_t cap);
/* The victim sends data (clasp_write) and it arrives intact. */
void sp_check_victim_sends(sp_t *s, const char *text);
/* We send data and the victim reads exactly it. */
void sp_check_victim_reads(sp_t *s, const char *text);

/* ---- expectations -------------------------------------------------------- */

/* The victim returns err now, sends exactly its alert (RFC 8446 §6.2:
 * clasp_error_alert(err), fatal level) and nothing else, and is dead:
 * every later call returns err, reads no input and writes no output. */
void sp_expect_fail(sp_t *s, int err);
/* The same in steps: the victim returns err (it may have written other
 * records before its alert). */
void sp_victim_fails(sp_t *s, int err);
/* The queue from the victim holds exactly one alert record with this
 * description (CLASP_ALERT_NONE: nothing at all). Protected iff the
 * victim had switched its write key, decrypted with our read epoch. */
void sp_expect_alert(sp_t *s, int alert);
/* Dead: later calls return err; input stays unread, nothing is written. */
void sp_expect_dead(sp_t *s, int err);

/* ---- flights ------------------------------------------------------------- */

/* Append a copy of a message (no transcript). */
void sp_flight_add(tp_flight *f, const void *msg, size_t len);
void sp_flight_add_hex(tp_flight *f, const char *hex);
void sp_flight_insert(tp_flight *f, size_t at, const void *msg, size_t len);
void sp_flight_insert_hex(tp_flight *f, size_t at, const char *hex);
/* A copy of message i right after it. */
void sp_flight_dup(tp_flight *f, size_t i);
void sp_flight_swap(tp_flight *f, size_t i, size_t j);
/* Replace message i. */
void sp_flight_replace(tp_flight *f, size_t i, const void *msg, size_t len);
/* Append bytes to the body of message i (the header length follows). */
void sp_msg_append(tp_flight *f, size_t i, const void *p, size_t n);
/* Remove the last n bytes of message i's body (header follows). */
void sp_msg_truncate(tp_flight *f, size_t i, size_t n);
/* Overwrite the uint24 length of message i's header (nothing else). */
void sp_msg_set_len(tp_flight *f, size_t i, uint32_t len);
/* Total bytes of a flight. */
size_t sp_flight_bytes(const tp_flight *f);

/* ---- the scripted client ------------------------------------------------- */

/* ClientHello (the second one after a HelloRetryRequest: its share and the
 * cookie), into f and the transcript. */
void sp_cli_hello(sp_t *s, tp_flight *f);
/* Read ServerHello or HelloRetryRequest (after CCS records), check it,
 * and for a ServerHello derive the handshake keys (read epoch SP_HS).
 * Returns 1 for a HelloRetryRequest, 0 for a ServerHello. */
int sp_cli_recv_hello(sp_t *s);
/* Read EE, [CR], Certificate, CertificateVerify, Finished; check the
 * signature and the Finished; derive the application secrets (read
 * epoch SP_AP). */
void sp_cli_recv_flight(sp_t *s);
/* [Certificate, CertificateVerify,] Finished into f; our write epoch
 * becomes SP_HS (the caller sends f, then sp_set_write(s, SP_AP)). */
void sp_cli_flight2(sp_t *s, tp_flight *f);
/* The whole handshake (HRR included) as RFC 8446 wants it; the victim
 * server completes it. */
void sp_cli_handshake(sp_t *s);

/* ---- the scripted server ------------------------------------------------- */

/* Read the victim's ClientHello (after CCS records); check and record it. */
void sp_srv_recv_hello(sp_t *s);
/* HelloRetryRequest for group (0: none, cookie only) into f. */
void sp_srv_hrr(sp_t *s, tp_flight *f, uint16_t group);
/* ServerHello into f; derives the handshake secrets (the caller sends f,
 * then sp_srv_keys_hs). */
void sp_srv_hello(sp_t *s, tp_flight *f);
/* After ServerHello went out: [CCS if compat,] write and read SP_HS. */
void sp_srv_keys_hs(sp_t *s);
void sp_srv_ee(sp_t *s, tp_flight *f);
void sp_srv_cr(sp_t *s, tp_flight *f);
/* Certificate, CertificateVerify and Finished of our role. */
void sp_cert(sp_t *s, tp_flight *f);
void sp_cv(sp_t *s, tp_flight *f);
void sp_fin(sp_t *s, tp_flight *f);
/* After the server Finished was built: application secrets. */
void sp_srv_secrets_ap(sp_t *s);
/* EE, [CR,] Certificate, CertificateVerify, Finished into f. */
void sp_srv_flight(sp_t *s, tp_flight *f);
/* Read the client's [Certificate, CertificateVerify,] Finished; check
 * them; read epoch SP_AP. */
void sp_srv_recv_flight2(sp_t *s);
/* The whole handshake; the victim client completes it. */
void sp_srv_handshake(sp_t *s);

/* NewSessionTicket with a ticket of ticket_len bytes (extensions: raw
 * Extension bytes, may be NULL). */
void sp_nst(tp_flight *f, size_t ticket_len, const uint8_t *ext,
            size_t ext_len);
/* KeyUpdate. */
void sp_ku(tp_flight *f, uint8_t request);

/* ---- drive a victim to a wait state -------------------------------------- */

/* Victim client states reachable by a scripted server (RFC 8446 A.1). */
enum sp_cstate {
    SP_C_WAIT_SH,
    SP_C_WAIT_SH2, /* after HelloRetryRequest */
    SP_C_WAIT_EE,
    SP_C_WAIT_CERT_CR,
    SP_C_WAIT_CERT, /* after CertificateRequest */
    SP_C_WAIT_CV,
    SP_C_WAIT_FINISHED,
    SP_C_CONNECTED,
    SP_C__COUNT
};
/* Victim server states reachable by a scripted client (RFC 8446 A.2;
 * WAIT_EOED needs 0-RTT, which is not built). */
enum sp_sstate {
    SP_S_START,
    SP_S_START2, /* after HelloRetryRequest */
    SP_S_WAIT_CERT,
    SP_S_WAIT_CV,
    SP_S_WAIT_FINISHED,
    SP_S_CONNECTED,
    SP_S__COUNT
};
extern const char *const sp_cstate_names[SP_C__COUNT];
extern const char *const sp_sstate_names[SP_S__COUNT];

/* Drive a fresh sp_t (role SP_SERVER) to a victim client state: the
 * victim has consumed everything and waits for the next message; our
 * write epoch is the one it reads with. */
void sp_drive_client(sp_t *s, enum sp_cstate st);
/* The same for a victim server (role SP_CLIENT); the victim config gets
 * the HRR group and client authentication the state needs. */
void sp_drive_server(sp_t *s, enum sp_sstate st);
/* A victim config for sp_drive_server (free with clasp_config_free). */
clasp_config *sp_server_conf_for(enum sp_sstate st);
/* sp_start + sp_drive_client; sp_start on sp_server_conf_for(st) (owned
 * by s) + sp_drive_server. */
void sp_at_client(sp_t *s, enum sp_cstate st);
void sp_at_server(sp_t *s, enum sp_sstate st);
/* From SP_C_WAIT_EE: the rest of our flight (EE..Finished); the victim
 * client completes, we read its second flight. */
void sp_srv_finish(sp_t *s);
/* From SP_S_WAIT_FINISHED or SP_S_WAIT_CERT: our second flight; the
 * victim server completes. */
void sp_cli_finish(sp_t *s);

#endif
