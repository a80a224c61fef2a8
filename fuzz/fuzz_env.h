/*
 * Deterministic endpoints for the role fuzzers (fuzz_client, fuzz_server)
 * and the corpus generator (gen_corpus): configurations built on the test
 * provider (NO SECURITY: queued/deterministic randoms and keys, null AEAD,
 * null signature verification), and the loop that feeds one endpoint a
 * peer's byte stream through the public API over an in-memory BIO.
 *
 * Determinism: before each connection fz_config() resets the endpoint's
 * test provider (deterministic stream restarted at 0, queues emptied), so
 * an endpoint fed the same bytes behaves the same, byte for byte. A
 * recorded peer flight therefore stays valid, Finished included, as long
 * as it is replayed to the same variant. Server certificates use
 * deterministic signatures (Ed25519, Ed448) or a queued signature (RSA).
 *
 * A role input is: one flags byte (FZ_FLAG_*), then the peer's bytes.
 */
#ifndef CLASP_FUZZ_ENV_H
#define CLASP_FUZZ_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"

/* Configuration variants per role (documented in docs/FUZZING.md). */
#define FZ_VARIANTS 4

/* Flags byte of a role input. */
#define FZ_FLAG_VARIANT(f) ((f)&3u)
/* I/O: 0 whole buffers, 1 one byte per recv, 2 seven bytes per recv,
 * 3 whole buffers but every other send returns WANT_WRITE. */
#define FZ_FLAG_IO(f) (((f) >> 2) & 3u)
/* After the handshake, also write data, send a KeyUpdate (update
 * requested) and use the exporter. */
#define FZ_FLAG_POST 0x10u
/* Client variant 3: send 0-RTT data (only server 0 accepts it: with the
 * null AEAD a server cannot tell 0-RTT records it should skip from
 * records under its handshake key, so rejection is not emulated). */
#define FZ_FLAG_EARLY 0x20u
#define FZ_FLAGS(variant, io, post) \
    ((uint8_t)((variant) | ((io) << 2) | ((post) ? FZ_FLAG_POST : 0)))

/* The fixed clock of every endpoint (ms since the epoch: 2023-11-14). */
#define FZ_NOW_MS 1700000000000ull

/* Create every configuration (idempotent); aborts on failure. It also
 * runs one client 0 / server 0 connection for client variant 3's
 * tickets. */
void fz_env_init(void);
/* clasp_setup() with the configuration of a role and variant (fz_config),
 * and on a client the host name and, for variant 3, the session. */
void fz_setup(clasp_context *ctx, bool server, unsigned variant);
/* After clasp_set_bio(): what a role input's flags ask before the
 * handshake (client variant 3 with FZ_FLAG_EARLY writes 0-RTT data). */
void fz_start(clasp_context *ctx, bool server, uint8_t flags);
/* Client variant 3's session (tickets of server 0). */
const clasp_session *fz_session(void);
/* The configuration of a role and variant, its provider reset for a new
 * connection. Owned by the environment. */
clasp_config *fz_config(bool server, unsigned variant);
/* Read a file of the source tree's test PKI (tests/pki/<name>); aborts if
 * it cannot. Free with free(). */
uint8_t *fz_read_pki(const char *name, size_t *len);

/* A growable byte buffer. */
typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
} fz_buf;
void fz_buf_add(fz_buf *b, const uint8_t *p, size_t n);

/* A recorded in-memory connection between two deterministic endpoints. */
typedef struct {
    fz_buf c2s;   /* every byte the client sent */
    fz_buf s2c;   /* every byte the server sent */
    int crc, src; /* handshake results */
    int suite;    /* the client's negotiated suite (0 if none) */
} fz_pair;

/* Run a client (variant and FZ_FLAG_EARLY from cflags) against server
 * variant sv: the handshake, then,
 * if both completed, data both ways (the server's first write carries its
 * NewSessionTickets), a KeyUpdate with update requested from the server
 * (the client answers), data again, close_notify from both. With save
 * non-NULL, the client's tickets go there. Free with fz_pair_free. */
void fz_pair_run(uint8_t cflags, unsigned sv, clasp_session *save,
                 fz_pair *out);
void fz_pair_free(fz_pair *p);

/* What one role run did. */
typedef struct {
    int hs_rc;         /* last clasp_handshake() result */
    bool done;         /* handshake completed */
    int read_rc;       /* last clasp_read() result (0 if not reached) */
    size_t app_bytes;  /* application data received */
    size_t sent_bytes; /* bytes the endpoint wrote to the transport */
} fz_result;

/* Run one endpoint over a role input (flags byte + peer bytes). The
 * transport ends (recv returns 0) when the input is used up. Checks the
 * role oracles (fuzz_env.c) and aborts when one fails. */
void fz_run_role(bool server, const uint8_t *data, size_t size, fz_result *res);

#endif
