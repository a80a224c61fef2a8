/* Alert mapping (issue #7, deliverable 4): the error table of
 * include/clasp/clasp_errors.h (the CLASP_ERRORS X-macro) is walked code
 * by code, and the alert each code sends is compared with the alert
 * RFC 8446 §6.2 prescribes for what the code means, written out by hand
 * below with the RFC's own words. A code added to the X-macro without a
 * row here fails the test, as does a row without a code.
 *
 * Where the RFC leaves a choice, the row lists every alert it allows
 * (§4.1.1: handshake_failure or insufficient_security; §4.4.2.2: "an
 * appropriate certificate-related alert"). Codes that end a connection
 * without a protocol failure of ours send nothing: the peer's own alert
 * or close (§6: an alert is never answered with an alert), a transport
 * failure (no transport to send on), misuse of the API (reported before
 * anything is sent). */
#include "testlib.h"

#include <stdbool.h>
#include <string.h>

#define A(x) CLASP_ALERT_##x
#define NONE CLASP_ALERT_NONE

struct expect {
    int err;
    int alerts[3]; /* allowed alerts; unused slots are 0 */
    const char *why;
};

/* Slots equal to 0 are unused: close_notify (0) is never the alert of an
 * error, so it cannot be meant. */
static const struct expect table[] = {
    /* Retry codes are not errors. */
    {CLASP_ERR_WANT_READ, {NONE}, "call again"},
    {CLASP_ERR_WANT_WRITE, {NONE}, "call again"},
    /* The peer's protocol violations: RFC 8446 §6.2, the description
     * whose wording the code carries. */
    {CLASP_ERR_DECODE,
     {A(DECODE_ERROR)},
     "decode_error: a message could not be decoded because some field was "
     "out of the specified range or the length of the message was incorrect"},
    {CLASP_ERR_UNEXPECTED_MESSAGE,
     {A(UNEXPECTED_MESSAGE)},
     "unexpected_message: an inappropriate message (e.g., the wrong "
     "handshake message, premature Application Data, etc.) was received"},
    {CLASP_ERR_ILLEGAL_PARAMETER,
     {A(ILLEGAL_PARAMETER)},
     "illegal_parameter: a field in the handshake was incorrect or "
     "inconsistent with other fields"},
    {CLASP_ERR_BAD_RECORD_MAC,
     {A(BAD_RECORD_MAC)},
     "bad_record_mac: a record is received which cannot be deprotected"},
    {CLASP_ERR_RECORD_OVERFLOW,
     {A(RECORD_OVERFLOW)},
     "record_overflow: a TLSCiphertext record was received that had a "
     "length more than 2^14 + 256 bytes, or a record decrypted to a "
     "TLSPlaintext record with more than 2^14 bytes"},
    {CLASP_ERR_HANDSHAKE_FAILURE,
     {A(HANDSHAKE_FAILURE), A(INSUFFICIENT_SECURITY)},
     "§4.1.1: no overlap: handshake_failure or insufficient_security"},
    {CLASP_ERR_DECRYPT_ERROR,
     {A(DECRYPT_ERROR)},
     "decrypt_error: a handshake (not record layer) cryptographic operation "
     "failed, including being unable to correctly verify a signature or "
     "validate a Finished message or a PSK binder"},
    {CLASP_ERR_PROTOCOL_VERSION,
     {A(PROTOCOL_VERSION)},
     "protocol_version: the protocol version the peer has attempted to "
     "negotiate is recognized but not supported"},
    {CLASP_ERR_MISSING_EXTENSION,
     {A(MISSING_EXTENSION)},
     "missing_extension: sent by endpoints that receive a handshake message "
     "not containing an extension that is mandatory to send"},
    {CLASP_ERR_UNSUPPORTED_EXTENSION,
     {A(UNSUPPORTED_EXTENSION)},
     "unsupported_extension: sent by endpoints receiving any handshake "
     "message containing an extension known to be prohibited for inclusion "
     "in the given handshake message, or including any extensions in a "
     "ServerHello or Certificate not first offered"},
    {CLASP_ERR_UNRECOGNIZED_NAME,
     {A(UNRECOGNIZED_NAME)},
     "unrecognized_name: sent by servers when no server exists identified "
     "by the name provided by the client via server_name"},
    {CLASP_ERR_NO_APPLICATION_PROTOCOL,
     {A(NO_APPLICATION_PROTOCOL)},
     "no_application_protocol: sent by servers when a client ALPN extension "
     "advertises only protocols that the server does not support"},
    {CLASP_ERR_UNKNOWN_PSK_IDENTITY,
     {A(UNKNOWN_PSK_IDENTITY)},
     "unknown_psk_identity: sent by servers when PSK key establishment is "
     "desired but no acceptable PSK identity is provided by the client"},
    {CLASP_ERR_CERTIFICATE_REQUIRED,
     {A(CERTIFICATE_REQUIRED)},
     "certificate_required: sent by servers when a client certificate is "
     "desired but none was provided by the client"},
    {CLASP_ERR_INSUFFICIENT_SECURITY,
     {A(INSUFFICIENT_SECURITY)},
     "insufficient_security: the server requires parameters more secure "
     "than those supported by the client"},
    {CLASP_ERR_INAPPROPRIATE_FALLBACK,
     {A(INAPPROPRIATE_FALLBACK)},
     "inappropriate_fallback: RFC 7507 (named in §6.2's enum)"},
    {CLASP_ERR_ACCESS_DENIED,
     {A(ACCESS_DENIED)},
     "access_denied: a valid certificate or PSK was received, but when "
     "access control was applied, the sender decided not to proceed"},
    /* The peer ended the connection: nothing to answer (§6, §6.1). */
    {CLASP_ERR_PEER_ALERT, {NONE}, "the peer's fatal alert ends it"},
    {CLASP_ERR_PEER_CLOSE_NOTIFY, {NONE}, "close_notify is not answered"},
    {CLASP_ERR_CONN_EOF, {NONE}, "the transport is gone"},
    /* Our own failures, unrelated to the peer. */
    {CLASP_ERR_CRYPTO,
     {A(INTERNAL_ERROR)},
     "internal_error: an internal error unrelated to the peer or the "
     "correctness of the protocol (such as a memory allocation failure) "
     "makes it impossible to continue"},
    {CLASP_ERR_UNSUPPORTED_ALG, {A(INTERNAL_ERROR)}, "internal_error"},
    {CLASP_ERR_INTERNAL, {A(INTERNAL_ERROR)}, "internal_error"},
    {CLASP_ERR_ALLOC_FAILED,
     {A(INTERNAL_ERROR)},
     "internal_error: 'such as a memory allocation failure'"},
    {CLASP_ERR_IO, {NONE}, "the transport failed: no way to send"},
    /* Misuse of the API: refused before anything goes on the wire. */
    {CLASP_ERR_BAD_INPUT_DATA, {NONE}, "API misuse"},
    {CLASP_ERR_BAD_CONFIG, {NONE}, "API misuse"},
    {CLASP_ERR_BAD_STATE, {NONE}, "API misuse"},
    {CLASP_ERR_BUFFER_TOO_SMALL, {NONE}, "API misuse"},
    {CLASP_ERR_CANNOT_WRITE_EARLY_DATA, {NONE}, "API misuse"},
    {CLASP_ERR_CANNOT_READ_EARLY_DATA, {NONE}, "API misuse"},
    {CLASP_ERR_UNSUPPORTED, {NONE}, "API misuse"},
    {CLASP_ERR_NO_HOSTNAME,
     {NONE},
     "refused before the ClientHello goes out (fail closed)"},
    {CLASP_ERR_FILE_IO, {NONE}, "API misuse"},
    {CLASP_ERR_BAD_PEM, {NONE}, "API misuse"},
    {CLASP_ERR_NOT_FOUND, {NONE}, "API misuse"},
    /* The peer's certificate (§6.2, and §4.4.2.2: "an appropriate
     * certificate-related alert (by default, unsupported_certificate)"). */
    {CLASP_ERR_BAD_CERTIFICATE,
     {A(BAD_CERTIFICATE)},
     "bad_certificate: a certificate was corrupt, contained signatures that "
     "did not verify correctly, etc."},
    {CLASP_ERR_UNSUPPORTED_CERTIFICATE,
     {A(UNSUPPORTED_CERTIFICATE)},
     "unsupported_certificate: a certificate was of an unsupported type"},
    {CLASP_ERR_CERTIFICATE_EXPIRED,
     {A(CERTIFICATE_EXPIRED)},
     "certificate_expired: a certificate has expired or is not currently "
     "valid"},
    {CLASP_ERR_CERTIFICATE_REVOKED,
     {A(CERTIFICATE_REVOKED)},
     "certificate_revoked: a certificate was revoked by its signer"},
    {CLASP_ERR_UNKNOWN_CA,
     {A(UNKNOWN_CA)},
     "unknown_ca: a valid certificate chain or partial chain was received, "
     "but the certificate was not accepted because the CA certificate could "
     "not be located or could not be matched with a known trust anchor"},
    {CLASP_ERR_CERTIFICATE_UNKNOWN,
     {A(CERTIFICATE_UNKNOWN)},
     "certificate_unknown: some other (unspecified) issue arose in "
     "processing the certificate, rendering it unacceptable"},
    {CLASP_ERR_HOSTNAME_MISMATCH,
     {A(BAD_CERTIFICATE), A(CERTIFICATE_UNKNOWN), A(UNSUPPORTED_CERTIFICATE)},
     "§6.2 names no alert for a name that does not match: any "
     "certificate-related one (§4.4.2.2)"},
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

/* Every code of the X-macro, with its name and class. */
struct code {
    int err;
    const char *name;
    int cls;
};

static const struct code codes[] = {
#define CODE_ROW(name, cls, n, alert, text) \
    {CLASP_ERR_##name, "CLASP_ERR_" #name, CLASP_ERRCLASS_##cls},
    CLASP_ERRORS(CODE_ROW)
#undef CODE_ROW
};

#define CODES_LEN (sizeof(codes) / sizeof(codes[0]))

static const struct expect *row_of(int err)
{
    const struct expect *found = NULL;
    for (size_t i = 0; i < TABLE_LEN; i++) {
        if (table[i].err == err) {
            assert_null(found); /* one row per code */
            found = &table[i];
        }
    }
    return found;
}

static void every_code_sends_the_alert_of_rfc8446_6_2(void **state)
{
    (void)state;
    for (size_t i = 0; i < CODES_LEN; i++) {
        const struct expect *e = row_of(codes[i].err);
        if (e == NULL) {
            fail_msg("%s has no row here: add the alert RFC 8446 §6.2 "
                     "prescribes for it",
                     codes[i].name);
        }
        int got = clasp_error_alert(codes[i].err);
        bool ok = false;
        for (size_t j = 0; j < 3; j++) {
            if (e->alerts[j] == got && (j == 0 || e->alerts[j] != 0)) {
                ok = true;
            }
        }
        if (!ok) {
            fail_msg("%s sends alert %d (%s); RFC 8446: %s", codes[i].name, got,
                     clasp_alert_description(got), e->why);
        }
        /* The public names agree with the table. */
        assert_string_equal(clasp_error_name(codes[i].err), codes[i].name);
        assert_non_null(clasp_strerror(codes[i].err));
    }
}

static void every_row_has_a_code(void **state)
{
    (void)state;
    assert_int_equal(TABLE_LEN, CODES_LEN);
    for (size_t i = 0; i < TABLE_LEN; i++) {
        bool found = false;
        for (size_t j = 0; j < CODES_LEN; j++) {
            found = found || codes[j].err == table[i].err;
        }
        assert_true(found);
    }
}

static void classes_agree_with_alerts(void **state)
{
    (void)state;
    for (size_t i = 0; i < CODES_LEN; i++) {
        int alert = clasp_error_alert(codes[i].err);
        switch (codes[i].cls) {
        case CLASP_ERRCLASS_PROTO:
        case CLASP_ERRCLASS_CERT:
            /* A protocol or certificate failure is always reported to the
             * peer (§6.2: "SHOULD send an appropriate fatal alert"). */
            assert_true(alert > 0);
            /* And never with internal_error: the peer is at fault. */
            assert_int_not_equal(alert, CLASP_ALERT_INTERNAL_ERROR);
            break;
        case CLASP_ERRCLASS_CRYPTO:
            assert_int_equal(alert, CLASP_ALERT_INTERNAL_ERROR);
            break;
        case CLASP_ERRCLASS_RETRY:
        case CLASP_ERRCLASS_PEER:
        case CLASP_ERRCLASS_USAGE: assert_int_equal(alert, NONE); break;
        case CLASP_ERRCLASS_INTERNAL:
            assert_true(alert == NONE || alert == CLASP_ALERT_INTERNAL_ERROR);
            break;
        default: fail_msg("%s: unknown class", codes[i].name);
        }
        /* Codes are unique and negative. */
        assert_true(codes[i].err < 0);
        for (size_t j = i + 1; j < CODES_LEN; j++) {
            assert_int_not_equal(codes[i].err, codes[j].err);
        }
    }
}

static void alert_names_follow_rfc8446(void **state)
{
    (void)state;
    /* RFC 8446 §6: enum { ... } AlertDescription. */
    static const struct {
        int alert;
        const char *name;
    } names[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {22, "record_overflow"},
        {40, "handshake_failure"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_string_equal(clasp_alert_description(names[i].alert),
                            names[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_sends_the_alert_of_rfc8446_6_2),
        cmocka_unit_test(every_row_has_a_code),
        cmocka_unit_test(classes_agree_with_alerts),
        cmocka_unit_test(alert_names_follow_rfc8446),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
