/**
 * @file clasp_errors.h
 * @brief Public error codes of clasp.
 *
 * Every clasp function returns an int: 0 (CLASP_OK) or a count on success,
 * a negative CLASP_ERR_* on failure. The codes are generated from one
 * X-macro list, CLASP_ERRORS, which also drives the internal tables of
 * names, messages and the TLS alert each error sends (src/base/err.c).
 *
 * A code is -(class << 8 | n). The class tells how to react:
 * RETRY codes (WANT_READ, WANT_WRITE) mean "call again"; every other
 * negative code is fatal and sticks to the context.
 */
#ifndef CLASP_ERRORS_H
#define CLASP_ERRORS_H

/* Error classes. */
#define CLASP_ERRCLASS_RETRY 1    /**< try again; never fatal */
#define CLASP_ERRCLASS_PROTO 2    /**< protocol violation by the peer */
#define CLASP_ERRCLASS_PEER 3     /**< the peer ended the connection */
#define CLASP_ERRCLASS_CRYPTO 4   /**< crypto provider failure */
#define CLASP_ERRCLASS_USAGE 5    /**< API misuse or configuration */
#define CLASP_ERRCLASS_INTERNAL 6 /**< internal error, allocation, I/O */
#define CLASP_ERRCLASS_CERT 7     /**< certificate verification */

/* TLS alert descriptions (RFC 8446 §6). */
#define CLASP_ALERT_CLOSE_NOTIFY 0
#define CLASP_ALERT_UNEXPECTED_MESSAGE 10
#define CLASP_ALERT_BAD_RECORD_MAC 20
#define CLASP_ALERT_RECORD_OVERFLOW 22
#define CLASP_ALERT_HANDSHAKE_FAILURE 40
#define CLASP_ALERT_BAD_CERTIFICATE 42
#define CLASP_ALERT_UNSUPPORTED_CERTIFICATE 43
#define CLASP_ALERT_CERTIFICATE_REVOKED 44
#define CLASP_ALERT_CERTIFICATE_EXPIRED 45
#define CLASP_ALERT_CERTIFICATE_UNKNOWN 46
#define CLASP_ALERT_ILLEGAL_PARAMETER 47
#define CLASP_ALERT_UNKNOWN_CA 48
#define CLASP_ALERT_ACCESS_DENIED 49
#define CLASP_ALERT_DECODE_ERROR 50
#define CLASP_ALERT_DECRYPT_ERROR 51
#define CLASP_ALERT_PROTOCOL_VERSION 70
#define CLASP_ALERT_INSUFFICIENT_SECURITY 71
#define CLASP_ALERT_INTERNAL_ERROR 80
#define CLASP_ALERT_INAPPROPRIATE_FALLBACK 86
#define CLASP_ALERT_USER_CANCELED 90
#define CLASP_ALERT_MISSING_EXTENSION 109
#define CLASP_ALERT_UNSUPPORTED_EXTENSION 110
#define CLASP_ALERT_UNRECOGNIZED_NAME 112
#define CLASP_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE 113
#define CLASP_ALERT_UNKNOWN_PSK_IDENTITY 115
#define CLASP_ALERT_CERTIFICATE_REQUIRED 116
#define CLASP_ALERT_NO_APPLICATION_PROTOCOL 120
/** No alert is sent for this error. */
#define CLASP_ALERT_NONE (-1)

/*
 * X(name, class, n, alert, text)
 * Each fatal code determines its alert; a new failure that needs another
 * alert gets a new code.
 */
#define CLASP_ERRORS(X)                                                       \
    X(WANT_READ, RETRY, 1, NONE, "need more input: call again")               \
    X(WANT_WRITE, RETRY, 2, NONE, "output pending: call again")               \
    X(DECODE, PROTO, 1, DECODE_ERROR, "malformed message")                    \
    X(UNEXPECTED_MESSAGE, PROTO, 2, UNEXPECTED_MESSAGE, "unexpected message") \
    X(ILLEGAL_PARAMETER, PROTO, 3, ILLEGAL_PARAMETER, "illegal parameter")    \
    X(BAD_RECORD_MAC, PROTO, 4, BAD_RECORD_MAC,                               \
      "record authentication failed")                                         \
    X(RECORD_OVERFLOW, PROTO, 5, RECORD_OVERFLOW, "record too large")         \
    X(HANDSHAKE_FAILURE, PROTO, 6, HANDSHAKE_FAILURE,                         \
      "no acceptable security parameters")                                    \
    X(DECRYPT_ERROR, PROTO, 7, DECRYPT_ERROR,                                 \
      "signature, Finished or binder check failed")                           \
    X(PROTOCOL_VERSION, PROTO, 8, PROTOCOL_VERSION,                           \
      "peer does not support an acceptable protocol version")                 \
    X(MISSING_EXTENSION, PROTO, 9, MISSING_EXTENSION,                         \
      "mandatory extension missing")                                          \
    X(UNSUPPORTED_EXTENSION, PROTO, 10, UNSUPPORTED_EXTENSION,                \
      "extension not offered or not allowed here")                            \
    X(UNRECOGNIZED_NAME, PROTO, 11, UNRECOGNIZED_NAME,                        \
      "no certificate for the requested server name")                         \
    X(NO_APPLICATION_PROTOCOL, PROTO, 12, NO_APPLICATION_PROTOCOL,            \
      "no common application protocol")                                       \
    X(UNKNOWN_PSK_IDENTITY, PROTO, 13, UNKNOWN_PSK_IDENTITY,                  \
      "unknown PSK identity")                                                 \
    X(CERTIFICATE_REQUIRED, PROTO, 14, CERTIFICATE_REQUIRED,                  \
      "peer sent no certificate but one is required")                         \
    X(INSUFFICIENT_SECURITY, PROTO, 15, INSUFFICIENT_SECURITY,                \
      "peer's parameters are too weak")                                       \
    X(INAPPROPRIATE_FALLBACK, PROTO, 16, INAPPROPRIATE_FALLBACK,              \
      "inappropriate version fallback")                                       \
    X(ACCESS_DENIED, PROTO, 17, ACCESS_DENIED, "access denied")               \
    X(PEER_ALERT, PEER, 1, NONE, "peer sent a fatal alert")                   \
    X(PEER_CLOSE_NOTIFY, PEER, 2, NONE, "peer closed the connection")         \
    X(CONN_EOF, PEER, 3, NONE,                                                \
      "transport closed without close_notify (truncation)")                   \
    X(CRYPTO, CRYPTO, 1, INTERNAL_ERROR, "crypto provider failure")           \
    X(UNSUPPORTED_ALG, CRYPTO, 2, INTERNAL_ERROR,                             \
      "algorithm not available in the crypto provider")                       \
    X(BAD_INPUT_DATA, USAGE, 1, NONE, "bad input parameters")                 \
    X(BAD_CONFIG, USAGE, 2, NONE, "invalid configuration")                    \
    X(BAD_STATE, USAGE, 3, NONE, "call not allowed in this state")            \
    X(BUFFER_TOO_SMALL, USAGE, 4, NONE, "output buffer too small")            \
    X(CANNOT_WRITE_EARLY_DATA, USAGE, 5, NONE, "cannot write early data")     \
    X(CANNOT_READ_EARLY_DATA, USAGE, 6, NONE, "cannot read early data")       \
    X(UNSUPPORTED, USAGE, 7, NONE, "feature not built into this library")     \
    X(NO_HOSTNAME, USAGE, 8, NONE,                                            \
      "certificate verification needs a host name (clasp_set_hostname)")      \
    X(FILE_IO, USAGE, 9, NONE, "cannot read file")                            \
    X(BAD_PEM, USAGE, 10, NONE, "cannot parse PEM/DER key or certificate")    \
    X(NOT_FOUND, USAGE, 11, NONE, "no such item")                             \
    X(INTERNAL, INTERNAL, 1, INTERNAL_ERROR, "internal error")                \
    X(ALLOC_FAILED, INTERNAL, 2, INTERNAL_ERROR, "memory allocation failed")  \
    X(IO, INTERNAL, 3, NONE, "I/O callback failed")                           \
    X(BAD_CERTIFICATE, CERT, 1, BAD_CERTIFICATE, "bad certificate")           \
    X(UNSUPPORTED_CERTIFICATE, CERT, 2, UNSUPPORTED_CERTIFICATE,              \
      "certificate of an unsupported type or usage")                          \
    X(CERTIFICATE_EXPIRED, CERT, 3, CERTIFICATE_EXPIRED,                      \
      "certificate expired or not yet valid")                                 \
    X(CERTIFICATE_REVOKED, CERT, 4, CERTIFICATE_REVOKED,                      \
      "certificate revoked")                                                  \
    X(UNKNOWN_CA, CERT, 5, UNKNOWN_CA, "certificate issuer not trusted")      \
    X(CERTIFICATE_UNKNOWN, CERT, 6, CERTIFICATE_UNKNOWN,                      \
      "certificate could not be verified")                                    \
    X(HOSTNAME_MISMATCH, CERT, 7, BAD_CERTIFICATE,                            \
      "certificate does not match the host name")

/** Success. */
#define CLASP_OK 0

/** Public error codes: CLASP_ERR_<name> = -(class << 8 | n). */
enum clasp_error_code {
#define CLASP_ERR_ENUM_(name, cls, n, alert, text) \
    CLASP_ERR_##name = -((CLASP_ERRCLASS_##cls << 8) | (n)),
    CLASP_ERRORS(CLASP_ERR_ENUM_)
#undef CLASP_ERR_ENUM_
};

#endif
