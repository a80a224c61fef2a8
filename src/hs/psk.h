/*
 * Pre-shared keys at the handshake layer: the resumption state a ticket
 * carries, external PSKs of a config, and the hooks through which the
 * handshake seals and opens tickets (RFC 8446 §2.2, §4.2.11, §4.6.1).
 *
 * Layering (docs/ARCHITECTURE.md, "Changes from the original guide"):
 * src/tickets/ sits above src/hs/, so the handshake never includes a
 * tickets/ header. It sees tickets only as bytes and a struct
 * clasp_psk_state, and seals/opens them through the struct
 * clasp_ticket_ops the config carries (filled by src/conn/config.c with
 * the functions of src/tickets/). A client's tickets live in the
 * connection as plain structs (struct clasp_tkt); src/tickets/ turns them
 * into clasp_session objects and bytes.
 */
#ifndef CLASP_HS_PSK_H
#define CLASP_HS_PSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/span.h"
#include "crypto/provider.h"

/* RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800
 * seconds (7 days)"; clients keep no ticket longer. */
#define CLASP_TICKET_MAX_LIFETIME 604800u
/* Default lifetime and automatic key rotation (SECURITY-CHECKLIST
 * "Ticket / session lifetime": 2 days). */
#define CLASP_TICKET_DEFAULT_LIFETIME 172800u
#define CLASP_TICKET_DEFAULT_ROTATION 172800u
#define CLASP_TICKET_MIN_ROTATION 60u
/* How far in the future a ticket's creation time may lie (servers that
 * share keys have clocks that differ a little). */
#define CLASP_TICKET_CLOCK_SKEW_MS 60000u
/* A client reports a ticket age this much below its own reading
 * (RFC 8446 §4.2.11.1 leaves the precision to it). Both clocks are read
 * to the millisecond, and on loopback the server's age exceeds the
 * client's by well under one: rounding alone could make the client's the
 * larger, which servers that require client_age <= server_age (GnuTLS)
 * take as a replay and so refuse 0-RTT. An underestimate of a few
 * milliseconds is far inside any freshness window. */
#define CLASP_TICKET_AGE_MARGIN_MS 50u
/* Tickets a server sends after a handshake: default 2, at most 16
 * (SECURITY-CHECKLIST "Tickets sent after a handshake"). */
#define CLASP_DEFAULT_TICKETS 2u
#define CLASP_MAX_TICKETS_PER_HS 16u
/* Tickets a client keeps per session (SECURITY-CHECKLIST row 46). */
#define CLASP_MAX_CLIENT_TICKETS 8u
/* External PSKs per config, and bounds of their parts. */
#define CLASP_MAX_EXT_PSKS 8u
#define CLASP_MAX_PSK_IDENTITY_LEN 1024u
/* PSK identities a client offers in one ClientHello (the ones the
 * ClientHello parser keeps, so a server sees them all). */
#define CLASP_MAX_PSK_OFFERS 8u

/* Authentication the ticket's original handshake established. */
#define CLASP_PSK_AUTH_PEER_CERT 0x01u /* the peer presented a certificate */
#define CLASP_PSK_AUTH_PEER_OK               \
    0x02u /* the peer was authenticated: its \
           * chain verified, or an external  \
           * PSK */

/* Key exchange mode of a handshake (CLASP_TLS1_3_KEY_EXCHANGE_MODE_*). */

/*
 * The state a resumption PSK carries: on a server, the plaintext of a
 * ticket; on a client, what it stored with a ticket it received. Every
 * field is meaningful on both sides unless noted.
 */
struct clasp_psk_state {
    uint16_t version;        /* CLASP_VERSION_TLS1_3 */
    uint16_t suite;          /* the suite of the original connection */
    uint64_t created_ms;     /* server: issued; client: received (ms, Unix) */
    uint32_t lifetime;       /* seconds, <= CLASP_TICKET_MAX_LIFETIME */
    uint32_t age_add;        /* RFC 8446 §4.6.1 ticket_age_add */
    uint32_t max_early_data; /* 0: no 0-RTT (issue #5) */
    uint8_t auth;            /* CLASP_PSK_AUTH_* bits */
    uint8_t psk[CLASP_MAX_HASH_LEN];
    size_t psk_len; /* Hash.length of suite */
    /* Server: SHA-256 of the client's leaf certificate (AUTH_PEER_CERT). */
    uint8_t peer_cert_hash[32];
    /* Server name of the original connection (RFC 6066 HostName). */
    uint8_t sni[253];
    size_t sni_len;
    /* ALPN protocol of the original connection. */
    uint8_t alpn[255];
    size_t alpn_len;
};

/* A client's ticket: the identity and its state. */
struct clasp_tkt {
    uint8_t *ticket; /* owned (clasp_mem_calloc), NULL in a free slot */
    size_t ticket_len;
    struct clasp_psk_state st;
};

/* Free a ticket's bytes and wipe its state; safe on a free slot. */
void clasp_tkt_clear(struct clasp_tkt *t);
/* Deep copy (dst must be a free slot). */
CLASP_MUST_USE int clasp_tkt_copy(struct clasp_tkt *dst,
                                  const struct clasp_tkt *src);

/* An external PSK of a config (RFC 8446 §4.2.11: identity, key, hash). */
struct clasp_conf_psk {
    uint8_t *identity; /* owned */
    size_t identity_len;
    uint8_t *key; /* owned, wiped when freed */
    size_t key_len;
    clasp_hash_id hash;
};

struct clasp_config;

/*
 * How the handshake seals and opens tickets (server). Both run under the
 * config's ticket key ring (src/tickets/), which they may rotate: the
 * config is shared and frozen, the ring is not.
 *  - seal: the ticket for st, at most cap bytes, into out; *len its size.
 *    CLASP_ERR_NOT_FOUND: no key to seal with (the key callback had none):
 *    no ticket is sent. Other errors are failures of the connection.
 *  - open: the state of a ticket. CLASP_ERR_NOT_FOUND for every ticket
 *    that is not ours or not usable (unknown or expired key, forged,
 *    garbled, another format): the handshake then ignores that identity
 *    (RFC 8446 §4.2.11 "SHOULD simply be ignored"). Other errors are
 *    failures of the connection.
 */
struct clasp_ticket_ops {
    int (*seal)(const struct clasp_config *conf, uint64_t now_ms,
                const struct clasp_psk_state *st, uint8_t *out, size_t cap,
                size_t *len);
    int (*open)(const struct clasp_config *conf, uint64_t now_ms,
                clasp_span ticket, struct clasp_psk_state *st);
};

/* Largest ticket a server of ours issues (the sealed state, well under
 * the RFC's 2^16-1), and the largest a client stores (the NST size cap). */
#define CLASP_MAX_OWN_TICKET_LEN 1024u
#define CLASP_MAX_CLIENT_TICKET_LEN (16u * 1024u)

#endif
