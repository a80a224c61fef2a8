/*
 * Wire constants of the TLS 1.3 handshake: IANA handshake types and
 * extension types (never renumbered), the HelloRetryRequest random and the
 * downgrade sentinels. Data only: no dependencies, so that both src/ext/
 * and src/msg/ can use it. Include "msg/msg.h" to get everything.
 */
#ifndef CLASP_MSG_MSG_CODES_H
#define CLASP_MSG_MSG_CODES_H

#include <stdint.h>

/* RFC 8446 §4: HandshakeType. */
#define CLASP_HS_CLIENT_HELLO 1
#define CLASP_HS_SERVER_HELLO 2
#define CLASP_HS_NEW_SESSION_TICKET 4
#define CLASP_HS_END_OF_EARLY_DATA 5
#define CLASP_HS_ENCRYPTED_EXTENSIONS 8
#define CLASP_HS_CERTIFICATE 11
#define CLASP_HS_CERTIFICATE_REQUEST 13
#define CLASP_HS_CERTIFICATE_VERIFY 15
#define CLASP_HS_FINISHED 20
#define CLASP_HS_KEY_UPDATE 24
#define CLASP_HS_MESSAGE_HASH 254

/* RFC 8446 §4: Handshake header = msg_type (1) + uint24 length (3). */
#define CLASP_HS_HEADER_LEN 4

/* ExtensionType (RFC 8446 §4.2 and the IANA registry). Abbreviations used
 * everywhere: SIG_ALG = signature_algorithms, ALPN =
 * application_layer_protocol_negotiation. */
#define CLASP_EXT_SERVER_NAME 0                   /* RFC 6066 */
#define CLASP_EXT_MAX_FRAGMENT_LENGTH 1           /* RFC 6066 */
#define CLASP_EXT_STATUS_REQUEST 5                /* RFC 6066 */
#define CLASP_EXT_SUPPORTED_GROUPS 10             /* RFC 8422, 7919 */
#define CLASP_EXT_SIG_ALG 13                      /* RFC 8446 */
#define CLASP_EXT_USE_SRTP 14                     /* RFC 5764 */
#define CLASP_EXT_HEARTBEAT 15                    /* RFC 6520 */
#define CLASP_EXT_ALPN 16                         /* RFC 7301 */
#define CLASP_EXT_SIGNED_CERTIFICATE_TIMESTAMP 18 /* RFC 6962 */
#define CLASP_EXT_CLIENT_CERTIFICATE_TYPE 19      /* RFC 7250 */
#define CLASP_EXT_SERVER_CERTIFICATE_TYPE 20      /* RFC 7250 */
#define CLASP_EXT_PADDING 21                      /* RFC 7685 */
#define CLASP_EXT_ENCRYPT_THEN_MAC 22             /* RFC 7366 (TLS 1.2) */
#define CLASP_EXT_EXTENDED_MASTER_SECRET 23       /* RFC 7627 (TLS 1.2) */
#define CLASP_EXT_RECORD_SIZE_LIMIT 28            /* RFC 8449 */
#define CLASP_EXT_SESSION_TICKET 35               /* RFC 5077 (TLS 1.2) */
#define CLASP_EXT_PRE_SHARED_KEY 41               /* RFC 8446 */
#define CLASP_EXT_EARLY_DATA 42                   /* RFC 8446 */
#define CLASP_EXT_SUPPORTED_VERSIONS 43           /* RFC 8446 */
#define CLASP_EXT_COOKIE 44                       /* RFC 8446 */
#define CLASP_EXT_PSK_KEY_EXCHANGE_MODES 45       /* RFC 8446 */
#define CLASP_EXT_CERTIFICATE_AUTHORITIES 47      /* RFC 8446 */
#define CLASP_EXT_OID_FILTERS 48                  /* RFC 8446 */
#define CLASP_EXT_POST_HANDSHAKE_AUTH 49          /* RFC 8446 */
#define CLASP_EXT_SIG_ALG_CERT 50                 /* RFC 8446 */
#define CLASP_EXT_KEY_SHARE 51                    /* RFC 8446 */
#define CLASP_EXT_RENEGOTIATION_INFO 0xff01       /* RFC 5746 (TLS 1.2) */

/* RFC 8446 §4.2.9: PskKeyExchangeMode. */
#define CLASP_PSK_KE 0
#define CLASP_PSK_DHE_KE 1

/* RFC 8446 §4.6.3: KeyUpdateRequest. */
#define CLASP_KEY_UPDATE_NOT_REQUESTED 0
#define CLASP_KEY_UPDATE_REQUESTED 1

/* RFC 6066 §3: NameType. */
#define CLASP_SNI_HOST_NAME 0

/* RFC 8446 §4.1.2: Random is 32 bytes. */
#define CLASP_RANDOM_LEN 32
/* RFC 8446 §4.1.2: legacy_session_id<0..32>. */
#define CLASP_LEGACY_SESSION_ID_MAX 32
/* RFC 8446 §4.1.3: length of a downgrade sentinel (last bytes of random). */
#define CLASP_DOWNGRADE_SENTINEL_LEN 8

/* RFC 8446 §4.1.3: the HelloRetryRequest random, SHA-256 of
 * "HelloRetryRequest". Defined in msg/server_hello.c. */
extern const uint8_t clasp_msg_hrr_random[CLASP_RANDOM_LEN];
/* RFC 8446 §4.1.3: "DOWNGRD" 01 (TLS 1.2) and 00 (TLS 1.1 or below). */
extern const uint8_t clasp_msg_downgrade_tls12[CLASP_DOWNGRADE_SENTINEL_LEN];
extern const uint8_t clasp_msg_downgrade_tls11[CLASP_DOWNGRADE_SENTINEL_LEN];

#endif
