/**
 * @file clasp.h
 * @brief The one header applications include.
 *
 * clasp is a TLS 1.3 library. Its calling conventions follow Mbed TLS's
 * (mbedtls_ssl_X -> clasp_X): a shareable configuration (clasp_config) and a
 * per-connection context (clasp_context), user I/O callbacks, and functions
 * that return 0 or a byte count on success, CLASP_ERR_WANT_READ /
 * CLASP_ERR_WANT_WRITE to retry, or a negative fatal CLASP_ERR_* that sticks
 * to the context (every later call returns it again).
 *
 * Objects are opaque and allocated through the allocator hooks
 * (clasp_set_allocator). Unsafe knobs carry "insecure" in their names.
 */
#ifndef CLASP_H
#define CLASP_H

#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp_build_config.h"
#include "clasp/clasp_errors.h"
#include "clasp/clasp_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CLASP_BUILDING_LIBRARY)
#define CLASP_API __attribute__((visibility("default")))
#else
#define CLASP_API
#endif

/* ---- constants ----------------------------------------------------------- */

#define CLASP_IS_CLIENT 0
#define CLASP_IS_SERVER 1

#define CLASP_VERSION_TLS1_2 0x0303
#define CLASP_VERSION_TLS1_3 0x0304

/* TLS 1.3 cipher suites (IANA). */
#define CLASP_TLS1_3_AES_128_GCM_SHA256 0x1301
#define CLASP_TLS1_3_AES_256_GCM_SHA384 0x1302
#define CLASP_TLS1_3_CHACHA20_POLY1305_SHA256 0x1303
#define CLASP_TLS1_3_AES_128_CCM_SHA256 0x1304
#define CLASP_TLS1_3_AES_128_CCM_8_SHA256 0x1305

/* Named groups (IANA). */
#define CLASP_GROUP_SECP256R1 0x0017
#define CLASP_GROUP_SECP384R1 0x0018
#define CLASP_GROUP_SECP521R1 0x0019
#define CLASP_GROUP_X25519 0x001D
#define CLASP_GROUP_X448 0x001E

/* Signature schemes (IANA). */
#define CLASP_SIG_RSA_PKCS1_SHA256 0x0401
#define CLASP_SIG_RSA_PKCS1_SHA384 0x0501
#define CLASP_SIG_RSA_PKCS1_SHA512 0x0601
#define CLASP_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define CLASP_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define CLASP_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define CLASP_SIG_RSA_PSS_RSAE_SHA256 0x0804
#define CLASP_SIG_RSA_PSS_RSAE_SHA384 0x0805
#define CLASP_SIG_RSA_PSS_RSAE_SHA512 0x0806
#define CLASP_SIG_ED25519 0x0807
#define CLASP_SIG_ED448 0x0808
#define CLASP_SIG_RSA_PSS_PSS_SHA256 0x0809
#define CLASP_SIG_RSA_PSS_PSS_SHA384 0x080A
#define CLASP_SIG_RSA_PSS_PSS_SHA512 0x080B

/* TLS 1.3 key exchange modes (bit mask). */
#define CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK (1u << 0)
#define CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL (1u << 1)
#define CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL (1u << 2)
#define CLASP_TLS1_3_KEY_EXCHANGE_MODE_ALL (7u)

/* Certificate verification modes. */
#define CLASP_VERIFY_NONE 0
#define CLASP_VERIFY_OPTIONAL 1
#define CLASP_VERIFY_REQUIRED 2

/* Early data status. */
#define CLASP_EARLY_DATA_STATUS_NOT_SENT 0
#define CLASP_EARLY_DATA_STATUS_ACCEPTED 1
#define CLASP_EARLY_DATA_STATUS_REJECTED 2

/* Debug levels for clasp_conf_dbg. */
#define CLASP_DEBUG_ERROR 1
#define CLASP_DEBUG_INFO 2
#define CLASP_DEBUG_MSG 3     /**< one line per handshake message */
#define CLASP_DEBUG_VERBOSE 4 /**< also every extension */

/* ---- types --------------------------------------------------------------- */

typedef struct clasp_config clasp_config;
typedef struct clasp_context clasp_context;
typedef struct clasp_session clasp_session;

/** Send callback: returns bytes sent (> 0), or CLASP_ERR_WANT_WRITE, or
 * another negative value for a fatal transport error. */
typedef int clasp_send_t(void *ctx, const unsigned char *buf, size_t len);
/** Receive callback: returns bytes received (> 0), 0 on end of stream,
 * CLASP_ERR_WANT_READ, or another negative value for a transport error. */
typedef int clasp_recv_t(void *ctx, unsigned char *buf, size_t len);
/** Receive with timeout (ms); may be NULL. Same returns as clasp_recv_t. */
typedef int clasp_recv_timeout_t(void *ctx, unsigned char *buf, size_t len,
                                 uint32_t timeout);

/* ---- library-wide -------------------------------------------------------- */

/**
 * Install allocator hooks used for every object clasp allocates. Call before
 * creating any object. Passing NULLs restores malloc/calloc/free.
 * @return 0, or CLASP_ERR_BAD_INPUT_DATA if only some hooks are NULL.
 */
CLASP_API int clasp_set_allocator(void *(*calloc_fn)(size_t, size_t),
                                  void (*free_fn)(void *));

/** Text for every error code; never NULL. */
CLASP_API const char *clasp_strerror(int err);

/** Name of an error code ("CLASP_ERR_DECODE"); never NULL. */
CLASP_API const char *clasp_error_name(int err);

/** The TLS alert an error sends, or CLASP_ALERT_NONE. */
CLASP_API int clasp_error_alert(int err);

/** Library version string, e.g. "0.1.0". */
CLASP_API const char *clasp_version_string(void);

/* ---- configuration ----------------------------------------------------------
 * A clasp_config is shared by many contexts. It is frozen by clasp_setup:
 * setters on a config in use return CLASP_ERR_BAD_STATE. Every setter
 * checks its arguments and returns CLASP_ERR_BAD_INPUT_DATA on nonsense.
 */

/**
 * Create a configuration with secure defaults: TLS 1.3 only, all five
 * cipher suites, groups x25519, secp256r1, x448, secp384r1, secp521r1,
 * every TLS 1.3 signature scheme, certificate verification REQUIRED on
 * clients and NONE on servers, middlebox compatibility mode on.
 * @param endpoint CLASP_IS_CLIENT or CLASP_IS_SERVER.
 * @return the config, or NULL (bad endpoint, allocation or crypto failure).
 */
CLASP_API clasp_config *clasp_config_new(int endpoint);
/** Release a config (reference counted: contexts using it keep it alive). */
CLASP_API void clasp_config_free(clasp_config *conf);

/** Lowest / highest protocol version (CLASP_VERSION_TLS1_2/1_3). TLS 1.2
 * is not built yet: CLASP_ERR_UNSUPPORTED for 1.2 as a maximum. */
CLASP_API int clasp_conf_min_tls_version(clasp_config *conf, uint16_t v);
CLASP_API int clasp_conf_max_tls_version(clasp_config *conf, uint16_t v);

/** Preference lists of IANA code points (at most 32 entries). Unknown
 * values or values the crypto provider cannot do are rejected with
 * CLASP_ERR_BAD_INPUT_DATA. */
CLASP_API int clasp_conf_ciphersuites(clasp_config *conf,
                                      const uint16_t *suites, size_t count);
CLASP_API int clasp_conf_groups(clasp_config *conf, const uint16_t *groups,
                                size_t count);
CLASP_API int clasp_conf_sig_algs(clasp_config *conf, const uint16_t *algs,
                                  size_t count);
/** Client: how many key shares the first ClientHello carries (1..5,
 * default 1: the first group; the others are reachable through HRR). */
CLASP_API int clasp_conf_key_share_count(clasp_config *conf, size_t n);

/** Bit mask of CLASP_TLS1_3_KEY_EXCHANGE_MODE_* allowed. */
CLASP_API int clasp_conf_tls13_key_exchange_modes(clasp_config *conf,
                                                  unsigned modes);

/**
 * Add a certificate chain (PEM, leaf first, or one DER certificate) and
 * its private key (PEM or DER; password may be NULL). May be called several
 * times (e.g. an RSA and an ECDSA certificate): a server picks the first
 * one whose key fits the client's signature_algorithms.
 */
CLASP_API int clasp_conf_own_cert(clasp_config *conf,
                                  const unsigned char *chain, size_t chain_len,
                                  const unsigned char *key, size_t key_len,
                                  const char *password);
/** As clasp_conf_own_cert, from files. */
CLASP_API int clasp_conf_own_cert_file(clasp_config *conf,
                                       const char *chain_path,
                                       const char *key_path,
                                       const char *password);
/** Trust anchors (PEM, one or more certificates) for peer verification. */
CLASP_API int clasp_conf_ca_chain(clasp_config *conf, const unsigned char *pem,
                                  size_t len);
CLASP_API int clasp_conf_ca_file(clasp_config *conf, const char *path);
/** Add the system's default trust store. */
CLASP_API int clasp_conf_ca_default(clasp_config *conf);
/** CLASP_VERIFY_NONE / OPTIONAL / REQUIRED. On a client NONE is the explicit
 * opt-out of certificate verification (insecure). */
CLASP_API int clasp_conf_authmode(clasp_config *conf, int authmode);

/** ALPN protocols in preference order, a NULL-terminated array of
 * non-empty strings of at most 255 bytes; the array is copied. */
CLASP_API int clasp_conf_alpn_protocols(clasp_config *conf,
                                        const char *const *protos);
/**
 * Server: ALPN selection callback. offered is the client's list
 * (ProtocolNameList body: length-prefixed names). Set *selected to one of
 * the offered names (pointer into offered, *selected_len its length) and
 * return 0, or return CLASP_ERR_NO_APPLICATION_PROTOCOL to refuse. Without
 * a callback the server picks its first configured protocol the client
 * offers, and refuses with no_application_protocol when none matches.
 */
typedef int clasp_alpn_select_t(void *arg, clasp_context *ssl,
                                const unsigned char *offered,
                                size_t offered_len,
                                const unsigned char **selected,
                                size_t *selected_len);
CLASP_API int clasp_conf_alpn_select(clasp_config *conf,
                                     clasp_alpn_select_t *f_select, void *arg);

/**
 * Server: SNI callback, called with the client's server_name (not NUL
 * terminated). It may call clasp_set_hs_own_cert() to choose the
 * certificates for this connection. Return 0 to go on, or a negative
 * CLASP_ERR_* (e.g. CLASP_ERR_UNRECOGNIZED_NAME) to abort.
 */
typedef int clasp_sni_t(void *arg, clasp_context *ssl,
                        const unsigned char *name, size_t name_len);
CLASP_API int clasp_conf_sni(clasp_config *conf, clasp_sni_t *f_sni, void *arg);

/** Debug callback: level CLASP_DEBUG_*, source file and line, message. */
typedef void clasp_dbg_t(void *arg, int level, const char *file, int line,
                         const char *msg);
CLASP_API int clasp_conf_dbg(clasp_config *conf, clasp_dbg_t *f_dbg, void *arg,
                             int max_level);

/** Key log callback: one NSS key log line (no newline) per secret, e.g.
 * "CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>". */
typedef void clasp_keylog_t(void *arg, const char *line);
CLASP_API int clasp_conf_keylog(clasp_config *conf, clasp_keylog_t *f_keylog,
                                void *arg);

/** Middlebox compatibility mode (RFC 8446 App. D.4), default on. */
CLASP_API int clasp_conf_compat_mode(clasp_config *conf, int enable);
/** Server: send a stateless cookie in HelloRetryRequest (default off). */
CLASP_API int clasp_conf_hrr_cookie(clasp_config *conf, int enable);
/** Pad every protected record to a multiple of block bytes (0 = off). */
CLASP_API int clasp_conf_record_padding(clasp_config *conf, size_t block);
/** Largest Certificate message accepted (default 100 KiB). */
CLASP_API int clasp_conf_max_cert_list(clasp_config *conf, size_t bytes);

/* ---- PSKs, session tickets and resumption ------------------------------
 * RFC 8446 §2.2, §4.2.9, §4.2.11, §4.6.1. A server issues stateless
 * tickets (AEAD-sealed resumption state) after each handshake; a client
 * keeps them in its context, offers one in its next ClientHello, and
 * moves them between contexts and processes as a clasp_session. External
 * PSKs (identity, key, hash) work in both roles. Which key exchange modes
 * (certificates with (EC)DHE, psk_ke, psk_dhe_ke) a side accepts is
 * clasp_conf_tls13_key_exchange_modes().
 */

/** Hash of an external PSK (RFC 8446 §4.2.11: SHA-256 unless agreed
 * otherwise). */
#define CLASP_PSK_HASH_SHA256 1
#define CLASP_PSK_HASH_SHA384 2

/** Sizes of a ticket key: its public name and its AES-256-GCM key. */
#define CLASP_TICKET_KEY_NAME_LEN 16
#define CLASP_TICKET_KEY_LEN 32

/**
 * Clock: wall-clock time in milliseconds since the Unix epoch. clasp reads
 * it for ticket creation and expiry, ticket ages (RFC 8446 §4.2.11.1) and
 * ticket key rotation. The default is the system clock (CLOCK_REALTIME);
 * tests install their own.
 */
typedef uint64_t clasp_clock_t(void *arg);
/** Replace the clock (f_clock NULL restores the system clock). */
CLASP_API int clasp_conf_clock(clasp_config *conf, clasp_clock_t *f_clock,
                               void *arg);

/**
 * Session tickets.
 * Server: how many NewSessionTickets to send after each handshake, 0..16
 * (default 2; 0 sends none). They are sealed and queued the first time the
 * application calls clasp_read() or clasp_write() after the handshake has
 * completed, so they leave with the server's first flight of application
 * data (or before the first read); clasp_send_new_session_ticket() sends
 * more, or sends them earlier. A server that waits for the socket to be
 * readable before its first clasp_read() should call it right after the
 * handshake: some clients (gnutls-cli --resume) wait for a ticket before
 * they send anything. No ticket goes to a client whose
 * psk_key_exchange_modes allow no mode this config allows (RFC 8446
 * §4.2.9), nor after our close_notify.
 * Client: 0 stops keeping and offering tickets; any other value (the
 * default) keeps up to 8 tickets per context and offers one.
 * @return 0, CLASP_ERR_BAD_INPUT_DATA (count outside 0..16),
 *         CLASP_ERR_BAD_STATE (config in use).
 */
CLASP_API int clasp_conf_session_tickets(clasp_config *conf, int count);
/** Server: ticket_lifetime of the tickets issued, in seconds, 1..604800
 * (RFC 8446 §4.6.1 caps it at 7 days; default 172800, 2 days). A ticket
 * is refused (full handshake) once it is older. */
CLASP_API int clasp_conf_ticket_lifetime(clasp_config *conf, uint32_t seconds);
/** Server: how often the automatic ticket key changes, 60..604800 seconds
 * (default 172800). A key seals tickets for this long, then only opens
 * them until the last one it sealed has expired (rotation + lifetime);
 * at most 8 keys are kept (the oldest goes first). Not used with
 * clasp_conf_ticket_key() or clasp_conf_ticket_key_cb(). */
CLASP_API int clasp_conf_ticket_rotation(clasp_config *conf, uint32_t seconds);
/**
 * Server: install a ticket key shared with other servers, so that each
 * accepts the tickets of the others (give every server of a fleet the
 * same keys at about the same time). The new key seals every ticket from
 * now on; the key it replaces keeps opening its tickets until they
 * expire; at most 8 keys are kept. Once a key is installed, the automatic
 * keys (random keys from the CSPRNG, the default) are no longer used.
 * Unlike the other setters this one may be called on a config in use: it
 * is how a running server rotates; it is thread-safe.
 * @param name CLASP_TICKET_KEY_NAME_LEN bytes, public (sent in tickets).
 * @param key CLASP_TICKET_KEY_LEN secret bytes (AES-256-GCM), copied.
 * @return 0, CLASP_ERR_BAD_INPUT_DATA (NULL or wrong lengths, not a
 *         server config).
 */
CLASP_API int clasp_conf_ticket_key(clasp_config *conf,
                                    const unsigned char *name, size_t name_len,
                                    const unsigned char *key, size_t key_len);
/**
 * Ticket key callback, for keys held elsewhere (a key server, an HSM
 * front end). clasp still seals with AES-256-GCM; the callback supplies
 * the keys. seal = 1: write the name and key to seal a new ticket with
 * and return 0 (any negative value: no ticket is sent this time).
 * seal = 0: name is the one a ticket carries; write its key and return 0,
 * or return CLASP_ERR_NOT_FOUND (unknown or retired: the client gets a
 * full handshake). Called from the thread running the handshake.
 */
typedef int clasp_ticket_key_t(void *arg, int seal,
                               unsigned char name[CLASP_TICKET_KEY_NAME_LEN],
                               unsigned char key[CLASP_TICKET_KEY_LEN]);
/** Server: use a ticket key callback instead of the config's keys (NULL:
 * back to the config's keys). */
CLASP_API int clasp_conf_ticket_key_cb(clasp_config *conf,
                                       clasp_ticket_key_t *f_key, void *arg);

/**
 * Add an external PSK (RFC 8446 §4.2.11) with SHA-256 (the RFC's default
 * and what OpenSSL's and GnuTLS's command-line PSKs use). May be called up
 * to 8 times. A client offers every configured PSK in its ClientHello
 * (after a ticket, if it has one); a server accepts any of them. A PSK
 * handshake has no certificates (RFC 8446 §4.3.2): knowing the key is
 * the authentication, whatever clasp_conf_authmode() says; a client that
 * also allows certificate handshakes still needs trust anchors for them.
 * @param psk 1..1024 secret bytes, copied.
 * @param identity 1..1024 bytes, copied; unique within the config.
 * @return 0, CLASP_ERR_BAD_INPUT_DATA, CLASP_ERR_BAD_STATE.
 */
CLASP_API int clasp_conf_psk(clasp_config *conf, const unsigned char *psk,
                             size_t psk_len, const unsigned char *identity,
                             size_t identity_len);
/** As clasp_conf_psk, with the PSK's hash (CLASP_PSK_HASH_SHA256 or
 * CLASP_PSK_HASH_SHA384): it is used only with cipher suites of that
 * hash. */
CLASP_API int clasp_conf_psk_with_hash(clasp_config *conf,
                                       const unsigned char *psk, size_t psk_len,
                                       const unsigned char *identity,
                                       size_t identity_len, int hash);
/**
 * Server: PSK lookup callback, called for an identity that is neither a
 * configured PSK nor one of our tickets. To accept it, call
 * clasp_set_hs_psk() (or _with_hash) with its key and return 0; return a
 * negative value to ignore the identity. The identity is not NUL
 * terminated.
 */
typedef int clasp_psk_cb_t(void *arg, clasp_context *ssl,
                           const unsigned char *identity, size_t identity_len);
CLASP_API int clasp_conf_psk_cb(clasp_config *conf, clasp_psk_cb_t *f_psk,
                                void *arg);
/** Server, inside the PSK callback only: the key of the identity being
 * looked up (copied; 1..1024 bytes), SHA-256 or the given hash.
 * CLASP_ERR_BAD_STATE outside the callback. */
CLASP_API int clasp_set_hs_psk(clasp_context *ssl, const unsigned char *psk,
                               size_t psk_len);
CLASP_API int clasp_set_hs_psk_with_hash(clasp_context *ssl,
                                         const unsigned char *psk,
                                         size_t psk_len, int hash);

/** Create an empty session (NULL on allocation failure). A session holds
 * a client's tickets for one server, with their secrets: treat saved
 * sessions like keys. */
CLASP_API clasp_session *clasp_session_new(void);
/** Wipe and free a session (safe on NULL). */
CLASP_API void clasp_session_free(clasp_session *session);
/**
 * Client: copy the tickets the context holds (up to 8: those received on
 * this connection, and those it was given and has not used) into session,
 * replacing what session held. Tickets arrive after the handshake and are
 * read by clasp_read(): call this after reading.
 * @return 0; CLASP_ERR_NOT_FOUND when the context holds no ticket (session
 *         unchanged); CLASP_ERR_BAD_INPUT_DATA; CLASP_ERR_BAD_STATE on a
 *         server context.
 */
CLASP_API int clasp_get_session(const clasp_context *ssl,
                                clasp_session *session);
/**
 * Client, after clasp_setup() or clasp_session_reset() and before the
 * handshake starts: use the tickets of session (copied). The handshake
 * offers the newest one that is still valid for this server name, suites
 * and verification mode, and uses each ticket once (RFC 8446 App. C.4);
 * a server that refuses it makes a full handshake.
 * @return 0, CLASP_ERR_BAD_INPUT_DATA, CLASP_ERR_BAD_STATE (server, or
 *         the handshake has started).
 */
CLASP_API int clasp_set_session(clasp_context *ssl,
                                const clasp_session *session);
/**
 * Serialize a session (versioned format). With buf NULL or too small:
 * CLASP_ERR_BUFFER_TOO_SMALL and *olen the size needed.
 * @return 0 and *olen the bytes written.
 */
CLASP_API int clasp_session_save(const clasp_session *session,
                                 unsigned char *buf, size_t buf_len,
                                 size_t *olen);
/** Load a session saved by clasp_session_save, replacing what session
 * held. Anything else (garbage, truncated, another format version,
 * impossible values) is CLASP_ERR_BAD_INPUT_DATA and leaves session
 * unchanged. */
CLASP_API int clasp_session_load(clasp_session *session,
                                 const unsigned char *buf, size_t len);
/** Number of tickets in a session (0..8), or CLASP_ERR_BAD_INPUT_DATA. */
CLASP_API int clasp_session_ticket_count(const clasp_session *session);
/**
 * Server, after the handshake: seal one NewSessionTicket now and flush
 * it (also sends the ones clasp_conf_session_tickets() scheduled, if they
 * have not gone yet).
 * @return 0, WANT_WRITE (queued: it goes with the next call),
 *         CLASP_ERR_BAD_STATE (client, handshake not done, closed),
 *         CLASP_ERR_NOT_FOUND (the ticket key callback gave no key),
 *         or a fatal error.
 */
CLASP_API int clasp_send_new_session_ticket(clasp_context *ssl);

/* ---- connection
 * -------------------------------------------------------------- */

/** Create a context; NULL on allocation failure. */
CLASP_API clasp_context *clasp_new(void);
/** Wipe and free a context (safe on NULL and after any failure). */
CLASP_API void clasp_free(clasp_context *ssl);
/**
 * Bind a config (kept alive by reference). CLASP_ERR_BAD_CONFIG for
 * impossible combinations: no usable suite/group, min > max version, a
 * server without a certificate when only certificate modes are allowed.
 */
CLASP_API int clasp_setup(clasp_context *ssl, clasp_config *conf);
/** User I/O callbacks (see clasp_send_t / clasp_recv_t). */
CLASP_API void clasp_set_bio(clasp_context *ssl, void *p_bio,
                             clasp_send_t *f_send, clasp_recv_t *f_recv,
                             clasp_recv_timeout_t *f_recv_timeout);
/** Client: server name for SNI and for the certificate check (required
 * when verification is on). Copied. */
CLASP_API int clasp_set_hostname(clasp_context *ssl, const char *hostname);
/** Server, inside the SNI callback, or client, inside the certificate
 * callback (clasp_conf_client_cert_cb): use the certificates of
 * cert_source for this handshake (cert_source must outlive it). */
CLASP_API int clasp_set_hs_own_cert(clasp_context *ssl,
                                    const clasp_config *cert_source);

/** Run the handshake to completion (or WANT_READ / WANT_WRITE). */
CLASP_API int clasp_handshake(clasp_context *ssl);
/** Run one step of the handshake state machine. */
CLASP_API int clasp_handshake_step(clasp_context *ssl);
/** 1 once the handshake has completed, else 0. */
CLASP_API int clasp_is_handshake_over(const clasp_context *ssl);

/** Read application data: bytes read (> 0), CLASP_ERR_PEER_CLOSE_NOTIFY on
 * orderly close, WANT_READ/WANT_WRITE, or a fatal error. Completes the
 * handshake first if needed; handles post-handshake messages. */
CLASP_API int clasp_read(clasp_context *ssl, unsigned char *buf, size_t len);
/** Write application data: bytes accepted (> 0, possibly < len; at most
 * one record's worth per call), WANT_WRITE (nothing accepted), or an
 * error. Accepted bytes belong to the library: a retry need not pass the
 * same buffer. */
CLASP_API int clasp_write(clasp_context *ssl, const unsigned char *buf,
                          size_t len);
/** Bytes of decrypted application data ready for clasp_read. */
CLASP_API size_t clasp_get_bytes_avail(const clasp_context *ssl);
/**
 * Release the record buffers of an idle connection: the input buffer (up
 * to one full record, 16,645 bytes), the output buffer (up to one record)
 * and the handshake message buffers, to keep a connection that waits for
 * traffic small (what stays is the context, its keys and the peer's
 * certificate: under 4 KiB with libcrypto's cipher contexts).
 * Nothing else changes: the next call that needs a buffer gets it back
 * (clasp_read when it reads from the transport, clasp_write,
 * clasp_key_update, post-handshake messages). If that allocation fails,
 * clasp_read and clasp_write return CLASP_ERR_ALLOC_FAILED having consumed
 * and sent nothing, and the connection stays usable: call again later.
 *
 * Call it after the handshake, when nothing is pending: the transport
 * took every record (the last clasp_write / clasp_key_update /
 * clasp_close_notify did not leave a WANT_WRITE behind), and every byte
 * received has been read (clasp_read returned WANT_READ last, and
 * clasp_get_bytes_avail() is 0).
 * @return 0 (released);
 *         CLASP_ERR_WANT_WRITE: records still wait for the transport (call
 *         clasp_write(ssl, NULL, 0), or clasp_close_notify after a
 *         close, until it returns 0, then again), nothing released;
 *         CLASP_ERR_BAD_STATE: the handshake is not complete, or received
 *         data waits to be read (call clasp_read until WANT_READ),
 *         nothing released;
 *         the connection's fatal error, if it has one.
 */
CLASP_API int clasp_release_buffers(clasp_context *ssl);
/** Send close_notify (flushes; may return WANT_WRITE: call again). */
CLASP_API int clasp_close_notify(clasp_context *ssl);
/** Reuse the context for a new connection with the same config. */
CLASP_API int clasp_session_reset(clasp_context *ssl);
/** Send a KeyUpdate; request_peer asks the peer to update too. */
CLASP_API int clasp_key_update(clasp_context *ssl, int request_peer);
/** RFC 8446 §7.5 exporter (TLS-Exporter(label, context, length)). */
CLASP_API int clasp_export_keying_material(clasp_context *ssl,
                                           unsigned char *out, size_t out_len,
                                           const char *label,
                                           const unsigned char *context,
                                           size_t context_len);

/* ---- what was negotiated
 * -------------------------------------------------------- */

/** "TLSv1.3" (or "unknown" before the handshake). */
CLASP_API const char *clasp_get_version(const clasp_context *ssl);
/** CLASP_VERSION_TLS1_3, or 0 before the handshake. */
CLASP_API int clasp_get_version_number(const clasp_context *ssl);
/** "TLS_AES_128_GCM_SHA256" etc., or NULL before ServerHello. */
CLASP_API const char *clasp_get_ciphersuite(const clasp_context *ssl);
/** IANA id of the suite, or 0. */
CLASP_API int clasp_get_ciphersuite_id(const clasp_context *ssl);
/** IANA id of the key exchange group, or 0 (e.g. psk_ke). */
CLASP_API int clasp_get_group(const clasp_context *ssl);
/** Name of a group ("x25519"), suite, or signature scheme; NULL if
 * unknown. */
CLASP_API const char *clasp_group_name(uint16_t group);
CLASP_API const char *clasp_ciphersuite_name(uint16_t suite);
CLASP_API const char *clasp_sig_alg_name(uint16_t sig_alg);
/** IANA id of the peer's CertificateVerify scheme, or 0. */
CLASP_API int clasp_get_peer_sig_alg(const clasp_context *ssl);
/** Negotiated ALPN protocol (NUL terminated) or NULL. */
CLASP_API const char *clasp_get_alpn_protocol(const clasp_context *ssl);
/** Server name the client asked for (server side) or set (client side). */
CLASP_API const char *clasp_get_hostname(const clasp_context *ssl);
/** Peer's leaf certificate (DER) or CLASP_ERR_NOT_FOUND. Valid while the
 * context lives. */
CLASP_API int clasp_get_peer_cert(const clasp_context *ssl,
                                  const unsigned char **der, size_t *len);
/** Key exchange of the handshake: CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
 * (certificates), _PSK (psk_ke) or _PSK_EPHEMERAL (psk_dhe_ke); 0 before
 * ServerHello. */
CLASP_API int clasp_get_tls13_key_exchange_mode(const clasp_context *ssl);
/** 1 if the handshake resumed a session from a ticket, else 0. A resumed
 * handshake has no certificates: clasp_get_peer_cert() is NOT_FOUND. */
CLASP_API int clasp_is_session_resumed(const clasp_context *ssl);
/** The external PSK identity the handshake used (not NUL terminated;
 * valid while the context lives), or CLASP_ERR_NOT_FOUND. */
CLASP_API int clasp_get_psk_identity(const clasp_context *ssl,
                                     const unsigned char **identity,
                                     size_t *len);
/** Whether a HelloRetryRequest happened in this handshake. */
CLASP_API int clasp_get_hrr_used(const clasp_context *ssl);
/** Last alert received from the peer, or -1. */
CLASP_API int clasp_get_peer_alert(const clasp_context *ssl);
/** Name of an alert ("handshake_failure"). */
CLASP_API const char *clasp_alert_description(int alert);

/* ---- 0-RTT early data (RFC 8446 §2.3, §4.2.10, §8) ------------------------
 * Off by default. See docs/EARLY-DATA.md. */

#define CLASP_EARLY_DATA_DISABLED 0
#define CLASP_EARLY_DATA_ENABLED 1

/** Enable 0-RTT (CLASP_EARLY_DATA_ENABLED) or not (the default). Client:
 * clasp_write_early_data() may offer it with a ticket that allows it.
 * Server: tickets allow it and the handshake may accept it; anti-replay
 * is on: unless clasp_conf_anti_replay() gave a store, an in-memory one
 * is created now (so set the config's clock first), and 0-RTT is refused
 * until one replay window has passed (RFC 8446 §8.2). */
CLASP_API int clasp_conf_early_data(clasp_config *conf, int early_data_enabled);
/** Server: max_early_data_size put in tickets (default 14336 bytes). */
CLASP_API int clasp_conf_max_early_data_size(clasp_config *conf,
                                             uint32_t max_early_data_size);
/** An anti-replay store shared by a fleet: atomically records key until
 * expiry_ms (ms since the epoch) and returns 0 if it was new, 1 if it was
 * already there, a negative value if the store cannot answer (0-RTT is
 * then rejected: fail closed). */
typedef int clasp_replay_check_t(void *arg, const unsigned char *key,
                                 size_t key_len, uint64_t expiry_ms);
/** Server: use f_check instead of the in-memory store. started_ms: when
 * the store started empty (0-RTT is refused until started_ms + window_ms);
 * window_ms: the freshness window for ticket ages and ClientHello records
 * (0: the default, 10 s). */
CLASP_API int clasp_conf_anti_replay(clasp_config *conf,
                                     clasp_replay_check_t *f_check, void *arg,
                                     uint64_t started_ms, uint32_t window_ms);
/** Bounds of clasp_conf_anti_replay_window(). */
#define CLASP_REPLAY_WINDOW_MIN_MS 1000u
#define CLASP_REPLAY_WINDOW_MAX_MS 600000u
/** Server: the anti-replay window (default 10 s; the same as window_ms of
 * clasp_conf_anti_replay(), the last call wins): the tolerance of the
 * ticket age check (RFC 8446 §8.3), ClientHellos and tickets are
 * recorded for two windows, and a store that starts empty refuses 0-RTT
 * for one window (§8.2). A shorter window means a shorter refusal after
 * a restart but a stricter age check (clients with slow clocks or long
 * round trips get 0-RTT rejected). CLASP_ERR_BAD_INPUT_DATA outside
 * [CLASP_REPLAY_WINDOW_MIN_MS, CLASP_REPLAY_WINDOW_MAX_MS]. */
CLASP_API int clasp_conf_anti_replay_window(clasp_config *conf,
                                            uint32_t window_ms);
/** Client, on a fresh context (after clasp_setup() or
 * clasp_session_reset()) with a session whose ticket allows 0-RTT: sends
 * the ClientHello if not yet sent, then up to len bytes as 0-RTT data.
 * Returns bytes written, or CLASP_ERR_CANNOT_WRITE_EARLY_DATA when early
 * data cannot (or can no longer) be written. */
CLASP_API int clasp_write_early_data(clasp_context *ssl,
                                     const unsigned char *buf, size_t len);
/** Server: early bytes received so far (during or after the handshake),
 * or CLASP_ERR_CANNOT_READ_EARLY_DATA when there are none to read. Early
 * data never comes out of clasp_read(). */
CLASP_API int clasp_read_early_data(clasp_context *ssl, unsigned char *buf,
                                    size_t len);
/** After the handshake: CLASP_EARLY_DATA_STATUS_NOT_SENT, _ACCEPTED or
 * _REJECTED; CLASP_ERR_BAD_STATE before. */
CLASP_API int clasp_get_early_data_status(const clasp_context *ssl);
/* ---- Post-handshake client authentication (RFC 8446 §4.6.2) ---------- */

/** Client: offer post_handshake_auth in the ClientHello (default off).
 * When a server then sends a CertificateRequest, the client answers at
 * once, inside clasp_read(), with the first own certificate that fits the
 * request (or an empty Certificate).
 * Server: defer client authentication (authmode OPTIONAL or REQUIRED) to
 * clasp_verify_client_post_handshake() when the client offered
 * post_handshake_auth: no CertificateRequest in the handshake then. A
 * client that did not offer it is asked in the handshake as usual. */
CLASP_API int clasp_conf_post_handshake_auth(clasp_config *conf, int enable);
/** Server: ask the client for a certificate after the handshake. Needs a
 * client that offered post_handshake_auth and an authmode other than
 * NONE (REQUIRED: no certificate is certificate_required, fatal;
 * OPTIONAL: the outcome is reported). The answer is processed by later
 * clasp_read() calls; clasp_get_post_handshake_auth() tells where it
 * stands. CLASP_ERR_BAD_STATE: not a connected server, the client did not
 * offer it, or a request is still open. */
CLASP_API int clasp_verify_client_post_handshake(clasp_context *ssl);

#define CLASP_PHA_NONE 0         /**< no request seen or sent */
#define CLASP_PHA_PENDING 1      /**< server: request open */
#define CLASP_PHA_NO_CERT 2      /**< empty Certificate (either side) */
#define CLASP_PHA_NOT_VERIFIED 3 /**< server, OPTIONAL: chain refused */
#define CLASP_PHA_VERIFIED 4     /**< server: chain and signature good */
#define CLASP_PHA_ANSWERED 5     /**< client: sent a certificate */
/** Outcome of the last post-handshake request (CLASP_PHA_*). After
 * CLASP_PHA_VERIFIED / NOT_VERIFIED clasp_get_peer_cert() returns the
 * client's leaf. */
CLASP_API int clasp_get_post_handshake_auth(const clasp_context *ssl);

/* ---- certificate_authorities (RFC 8446 §4.2.4) ------------------------ */

/** Server: list the names of the trust anchors (clasp_conf_ca_*) in every
 * CertificateRequest (default on; a list over 2^16-1 bytes, e.g. a whole
 * system store, is left out). A client picks, among its certificates that
 * fit the server's schemes, the first whose chain names a listed issuer,
 * else the first that fits. */
CLASP_API int clasp_conf_cert_req_ca_list(clasp_config *conf, int enable);
/** Client: send certificate_authorities in the ClientHello with the names
 * of the trust anchors (default off); a clasp server then prefers a chain
 * with a listed issuer the same way. */
CLASP_API int clasp_conf_ca_names_in_hello(clasp_config *conf, int enable);

/* ---- verify callback --------------------------------------------------- */

/** Called after each verification of the peer's chain (handshake and
 * post-handshake authentication, both roles; never with authmode NONE):
 * der/len hold the chain as received (leaf first, count entries, valid
 * during the call only), result is the library's verdict (0, or the
 * CLASP_ERR_* of the refusal). Return 0 to accept the chain (even one the
 * library refused: the application takes the responsibility), or a
 * negative CLASP_ERR_* to refuse it: an error of the certificate class or
 * CLASP_ERR_ACCESS_DENIED gives its own alert, any other bad_certificate.
 * With authmode OPTIONAL a refusal is reported, not fatal. */
typedef int clasp_verify_t(void *arg, clasp_context *ssl,
                           const unsigned char *const *der, const size_t *len,
                           size_t count, int result);
CLASP_API int clasp_conf_verify(clasp_config *conf, clasp_verify_t *f_verify,
                                void *arg);
/** Outcome of the verification of the peer's certificate chain (the last
 * one: a post-handshake authentication replaces the handshake's): 0 when
 * it verified (callback included), the CLASP_ERR_* of the refusal (with
 * authmode OPTIONAL the connection goes on: check this before trusting
 * clasp_get_peer_cert()), CLASP_ERR_NOT_FOUND when the peer sent no
 * certificate or none was verified (authmode NONE, PSK or resumed
 * handshakes: see clasp_is_session_resumed()). */
CLASP_API int clasp_get_verify_result(const clasp_context *ssl);

/* ---- client certificate choice ----------------------------------------- */

/** Let the library choose (return value of a clasp_client_cert_t). */
#define CLASP_CLIENT_CERT_DEFAULT 1000
/** Client: called when a server asks for a certificate (in the handshake
 * or after it). ca_names is the body of the server's
 * certificate_authorities (a list of opaque DistinguishedName<1..2^16-1>,
 * RFC 8446 §4.2.4) or NULL, sig_algs the server's signature_algorithms.
 * Return the index of one of the own certificates (in the order they were
 * configured), CLASP_ERR_NOT_FOUND to send none (an empty Certificate),
 * CLASP_CLIENT_CERT_DEFAULT to let the library choose, or another
 * negative CLASP_ERR_* to abort the connection. A chosen certificate that
 * fits none of the server's schemes is not sent (empty Certificate).
 * To supply certificates that are not in this config, call
 * clasp_set_hs_own_cert(ssl, other_config) inside the callback: the index
 * and the library's choice then refer to other_config's certificates. */
typedef int clasp_client_cert_t(void *arg, clasp_context *ssl,
                                const unsigned char *ca_names,
                                size_t ca_names_len, const uint16_t *sig_algs,
                                size_t sig_alg_count);
CLASP_API int clasp_conf_client_cert_cb(clasp_config *conf,
                                        clasp_client_cert_t *f_client_cert,
                                        void *arg);

#ifdef __cplusplus
}
#endif

#endif
