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

#ifdef __cplusplus
}
#endif

#endif
