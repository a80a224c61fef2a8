/*
 * Session tickets and client sessions (RFC 8446 §4.6.1, App. C.4). This
 * layer sits above the handshake (base <- ... <- hs <- tickets <- conn):
 *
 *  - ticket_state.c: the versioned byte format of a struct
 *    clasp_psk_state (a ticket's plaintext, and each entry of a saved
 *    client session); parsed through clasp_rd only, garbage refused.
 *  - ticket_keys.c: the server's ticket key ring (random keys from the
 *    CSPRNG, rotated on a schedule, or shared keys the application
 *    installs, or a key callback), and the seal/open functions the
 *    handshake calls through clasp_tk_ops (struct clasp_ticket_ops).
 *  - session.c: the public clasp_session object, clasp_get_session /
 *    clasp_set_session and clasp_session_save / clasp_session_load.
 */
#ifndef CLASP_TICKETS_TICKETS_H
#define CLASP_TICKETS_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"
#include "base/wr.h"
#include "hs/psk.h"

/* Version of the state format (first byte). Anything else is refused. */
#define CLASP_TK_STATE_FORMAT 1

/* Ticket layout: key_name[16] || nonce[12] || AES-256-GCM(state) || tag. */
#define CLASP_TK_NAME_LEN 16
#define CLASP_TK_KEY_LEN 32
#define CLASP_TK_NONCE_LEN 12
#define CLASP_TK_TAG_LEN 16
/* Keys a ring keeps (the current one and those still opening tickets). */
#define CLASP_TK_MAX_KEYS 8

/* Write / read one state. Parse: on success *st is filled; anything
 * malformed or impossible is CLASP_ERR_DECODE (st then unspecified). The
 * reader is left after the state (the caller checks clasp_rd_done). */
CLASP_MUST_USE int clasp_tk_state_write(clasp_wr *w,
                                        const struct clasp_psk_state *st);
CLASP_MUST_USE int clasp_tk_state_parse(clasp_rd *r,
                                        struct clasp_psk_state *st);

/* The key ring of a server config. */
struct clasp_tk_ring;
CLASP_MUST_USE int clasp_tk_ring_new(struct clasp_tk_ring **out);
/* Wipe and free (safe on NULL). */
void clasp_tk_ring_free(struct clasp_tk_ring *ring);
/* Install a shared key: it seals from now on; the previous key opens
 * until now + lifetime_s; automatic keys stop. */
CLASP_MUST_USE int clasp_tk_ring_install(struct clasp_tk_ring *ring,
                                         uint64_t now_ms, uint32_t lifetime_s,
                                         const uint8_t *name,
                                         const uint8_t *key);
/* Keys in the ring (tests). */
size_t clasp_tk_ring_count(struct clasp_tk_ring *ring);

/* Seal and open for the handshake (see struct clasp_ticket_ops). */
extern const struct clasp_ticket_ops clasp_tk_ops;

#endif
