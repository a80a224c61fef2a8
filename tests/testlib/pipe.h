/* An in-memory duplex pipe for client/server tests in one process, in the
 * spirit of libtls's tlstest: each side's send appends to the other's
 * inbox. Modes cap the bytes moved per call to hit every WANT_READ /
 * WANT_WRITE boundary.
 *
 * On top of it: configs from tests/pki, a connected client/server pair,
 * bulk transfers, raw record access to the queues, and a minimal "evil
 * peer" (tp_dir) that seals and opens protected records with secrets taken
 * from the key log callback, so a test can speak for either side after
 * the keys change. */
#ifndef CLASP_TEST_PIPE_H
#define CLASP_TEST_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"
#include "crypto/provider.h"

#define TP_CAP (1u << 20)

typedef struct {
    uint8_t *buf;
    size_t len;
} tp_queue;

typedef struct tp_end {
    tp_queue *in;
    tp_queue *out;
    size_t max_io;   /* bytes per call, 0 = unlimited */
    int write_block; /* every other send returns WANT_WRITE */
    unsigned calls;
    int closed; /* recv returns 0 once the inbox is empty */
    int hold;   /* send returns WANT_WRITE (nothing moves) */
} tp_end;

/* q[0] carries client -> server bytes, q[1] server -> client. */
typedef struct {
    tp_queue q[2];
    tp_end client;
    tp_end server;
} tp_pipe;

void tp_init(tp_pipe *p, size_t max_io, int write_block);
void tp_free(tp_pipe *p);
int tp_send(void *ctx, const unsigned char *buf, size_t len);
int tp_recv(void *ctx, unsigned char *buf, size_t len);

/* Drive both handshakes to completion (bounded); returns 0, or the first
 * fatal error of either side. */
int tp_handshake(clasp_context *cli, clasp_context *srv, int *cli_rc,
                 int *srv_rc);
/* The same, but which side runs next is drawn from a seeded generator
 * (reproducible random interleaving). */
int tp_handshake_shuffled(clasp_context *cli, clasp_context *srv, uint32_t seed,
                          int *cli_rc, int *srv_rc);

/* ---- configurations from tests/pki ----------------------------------------
 */

#define TP_PKI CLASP_TEST_DATA_DIR "/pki/"
#define TP_KIND_COUNT 7
/* "rsa2048", "rsapss", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
 * "ed25519", "ed448". */
extern const char *const tp_kinds[TP_KIND_COUNT];

/* Add <kind>/chain.pem + <kind>/leaf.key as an own certificate. */
void tp_conf_add_cert(clasp_config *conf, const char *kind);
/* A server config with the certificate of kind (NULL: none). */
clasp_config *tp_server_conf(const char *kind);
/* A client config trusting all-roots.pem. */
clasp_config *tp_client_conf(void);

/* The first certificate of a PEM file (path relative to tests/) as DER,
 * and the leaf certificate of a kind (free both with free()). */
uint8_t *tp_pem_der(const char *path, size_t *len);
uint8_t *tp_leaf_der(const char *kind, size_t *len);
/* The CertificateVerify scheme a clasp peer with default preferences signs
 * with for a key kind (RFC 8446 §4.2.3). */
uint16_t tp_kind_sig_alg(const char *kind);

/* ---- a connected pair ---------------------------------------------------- */

typedef struct {
    tp_pipe p;
    clasp_context *cli;
    clasp_context *srv;
    int crc; /* last handshake result of each side */
    int src;
} tp_pair;

/* New client and server contexts on a fresh pipe; hostname may be NULL. */
void tp_pair_init(tp_pair *t, clasp_config *cc, clasp_config *sc, size_t max_io,
                  int write_block, const char *hostname);
void tp_pair_free(tp_pair *t);
/* tp_handshake on the pair: 0 or the first fatal error. */
int tp_pair_handshake(tp_pair *t);
/* Handshake that must succeed (fails the test with both error names). */
void tp_pair_connect(tp_pair *t);

/* Send len bytes from one context to the other (both driven, bounded) and
 * check that exactly these bytes arrive. Returns 0 or the first fatal
 * error of either side. */
int tp_transfer(clasp_context *from, clasp_context *to, const uint8_t *buf,
                size_t len);
/* Stream total pseudo-random bytes (from seed) from one context to the
 * other; *sent_hash and *recv_hash receive FNV-1a 64 of what was written
 * and of what was read. Returns 0 or the first fatal error. */
int tp_stream(clasp_context *from, clasp_context *to, size_t total,
              uint64_t seed, uint64_t *sent_hash, uint64_t *recv_hash);
/* FNV-1a 64 of a buffer, continuing from h (start with TP_FNV_INIT). */
#define TP_FNV_INIT 0xcbf29ce484222325ull
uint64_t tp_fnv(uint64_t h, const uint8_t *p, size_t n);

/* One handshake of the matrix: suite and group forced on the client,
 * server certificate kind, optional client certificate (mutual auth), I/O
 * mode. Checks what both sides negotiated, the peer certificates, and
 * application data both ways. */
typedef struct {
    uint16_t suite;
    uint16_t group;
    const char *srv_kind;
    const char *cli_kind; /* NULL: no client authentication */
    size_t max_io;
    int write_block;
    uint32_t shuffle_seed; /* 0: ordered turns */
} tp_case;
void tp_run_case(const tp_case *c);

/* ---- raw records in the queues --------------------------------------------
 */

/* Append bytes / one plaintext record (legacy_record_version 0x0303). */
void tp_q_push(tp_queue *q, const void *p, size_t n);
void tp_q_record(tp_queue *q, uint8_t type, const void *body, size_t len);
void tp_q_clear(tp_queue *q);
/* Length of the whole record at the head of q (header included), or 0 if
 * q does not start with a complete record. */
size_t tp_q_head_len(const tp_queue *q);
/* Remove the record at the head of q into out (cap bytes); its length. */
size_t tp_q_pop(tp_queue *q, uint8_t *out, size_t cap);
/* The queue holds exactly one plaintext alert record 15 03 03 00 02 02 d:
 * returns d, else fails the test. */
int tp_q_expect_plain_alert(const tp_queue *q);

/* Field offsets in a ClientHello or ServerHello/HelloRetryRequest
 * message (handshake header included; e.g. q->buf + 5 for a hello alone
 * in a record). Fails the test if the message does not parse. */
typedef struct {
    size_t random;      /* 32 bytes */
    size_t session_id;  /* the length byte */
    size_t suites;      /* CH: the vector's length field; SH: the suite */
    size_t compression; /* CH: the vector's length byte; SH: the method */
    size_t extensions;  /* the extensions length field, or end if none */
    size_t end;
} tp_hello;
void tp_hello_parse(const uint8_t *msg, size_t len, tp_hello *h);
/* Find extension type in a hello: 1 with the offset and length of its
 * extension_data, or 0. */
int tp_hello_ext(const uint8_t *msg, size_t len, uint16_t type, size_t *off,
                 size_t *data_len);

/* ---- key log capture ----------------------------------------------------- */

#define TP_KEYLOG_MAX 32
typedef struct {
    char label[48];
    uint8_t secret[64];
    size_t len;
} tp_secret;
typedef struct {
    tp_secret s[TP_KEYLOG_MAX];
    size_t n;
} tp_keylog;

/* clasp_keylog_t: arg is a tp_keylog. */
void tp_keylog_cb(void *arg, const char *line);
/* The latest secret with that label (fails the test if there is none);
 * returns its length. */
size_t tp_keylog_get(const tp_keylog *kl, const char *label, uint8_t *out);

/* ---- the evil peer's record protection ------------------------------------
 */

/* One direction of record protection keyed from a traffic secret, built
 * on the provider directly so that it can seal what clasp never would. */
typedef struct {
    clasp_provider *prov;
    clasp_aead *aead;
    uint8_t iv[12];
    uint64_t seq;
    size_t tag_len;
    uint16_t suite;
    uint8_t secret[64];
} tp_dir;

/* Key a direction from a secret of the suite's hash (seq 0). */
void tp_dir_init(tp_dir *d, uint16_t suite, const uint8_t *secret);
/* RFC 8446 §7.2: next application traffic secret, new keys, seq 0. */
void tp_dir_update(tp_dir *d);
void tp_dir_free(tp_dir *d);
/* Seal inner (the whole TLSInnerPlaintext: content, type, padding) as one
 * application_data record appended to q. */
void tp_dir_seal_inner(tp_dir *d, const uint8_t *inner, size_t inner_len,
                       tp_queue *q);
/* Seal content of a type (no padding). */
void tp_dir_seal(tp_dir *d, uint8_t type, const void *content, size_t len,
                 tp_queue *q);
/* Open the record at the head of q (removed): its inner content type, or
 * a negative CLASP_ERR_* (BAD_RECORD_MAC). Content goes to out. */
int tp_dir_open(tp_dir *d, tp_queue *q, uint8_t *out, size_t cap, size_t *len);

/* ---- flights ----------------------------------------------------------------
 */

/* A flight as a list of handshake messages (header included). */
#define TP_FLIGHT_MAX 16
typedef struct {
    uint8_t *msg[TP_FLIGHT_MAX];
    size_t len[TP_FLIGHT_MAX];
    size_t n;
} tp_flight;

/* Take every protected record at the head of q (after skipping nothing
 * else: q must start with them), decrypt with d and split the handshake
 * bytes into messages. Fails the test on anything but handshake records. */
void tp_flight_open(tp_dir *d, tp_queue *q, tp_flight *f);
/* Seal the messages back into q, all in one stream cut into records of
 * frag bytes (0: 2^14). */
void tp_flight_seal(tp_dir *d, const tp_flight *f, tp_queue *q, size_t frag);
/* Index of the first message of a type, or -1. */
int tp_flight_find(const tp_flight *f, uint8_t type);
void tp_flight_drop(tp_flight *f, size_t i);
void tp_flight_free(tp_flight *f);
/* Remove the plaintext records (handshake, CCS) at the head of q into
 * out (appended), stopping at the first application_data record. */
void tp_q_move_plain(tp_queue *q, tp_queue *out);

/* ---- a handshake stopped at a flight ----------------------------------------
 */

typedef struct {
    const char *kind;       /* server certificate (NULL: ecdsa-p256) */
    int client_auth;        /* server requires one; client has ed25519 */
    const uint16_t *suites; /* client's suites (NULL: default) */
    size_t suite_count;
    const uint16_t *groups; /* server's groups (NULL: default) */
    size_t group_count;
    const uint16_t *sig_algs; /* client's schemes (NULL: default) */
    size_t sig_alg_count;
} tp_evil_opts;

typedef struct {
    tp_pair t;
    clasp_config *cc;
    clasp_config *sc;
    tp_keylog ckl; /* key logs of each side */
    tp_keylog skl;
    uint16_t suite;
    tp_queue plain; /* plaintext records taken off a flight */
} tp_evil;

/* A real client and server, both logging keys, run until the server's
 * first flight (SH, CCS, encrypted EE..Finished) waits in q[1]. */
void tp_evil_start(tp_evil *e, const tp_evil_opts *o);
void tp_evil_free(tp_evil *e);
/* q becomes plain followed by what q held; plain is emptied. */
void tp_requeue(tp_queue *plain, tp_queue *q);
/* Open the server's encrypted flight (its plaintext records go to
 * e->plain) with server_handshake_traffic_secret; put it back resealed
 * from sequence number 0 in records of frag bytes (0: 2^14). */
void tp_evil_take_server_flight(tp_evil *e, tp_dir *d, tp_flight *f);
void tp_evil_put_server_flight(tp_evil *e, tp_dir *d, tp_flight *f,
                               size_t frag);
/* The same for the client's second flight (the client is run first). */
void tp_evil_take_client_flight(tp_evil *e, tp_dir *d, tp_flight *f);
void tp_evil_put_client_flight(tp_evil *e, tp_dir *d, tp_flight *f,
                               size_t frag);
/* The client fails with err, sends exactly its alert in clear (its
 * sending key is still the initial one, RFC 8446 App. A.1), stays dead,
 * and the server reads the alert. */
void tp_evil_client_fails(tp_evil *e, int err);
/* The server fails with err, stays dead, and the client reads its alert
 * (sent under the server's application key). */
void tp_evil_server_fails(tp_evil *e, int err);

#endif
