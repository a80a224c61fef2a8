/*
 * The error table: one row per code, generated from CLASP_ERRORS
 * (include/clasp/clasp_errors.h). Lookups are linear over a short constant
 * table; they happen once per failure, never on a hot path.
 */
#include "base/err.h"

#include <stddef.h>

#include "clasp/clasp.h"

struct err_row {
    int code;
    int alert;
    const char *name;
    const char *text;
};

static const struct err_row err_rows[] = {
#define ERR_ROW_(name, cls, n, alert, text) \
    {CLASP_ERR_##name, CLASP_ALERT_##alert, "CLASP_ERR_" #name, text},
    CLASP_ERRORS(ERR_ROW_)
#undef ERR_ROW_
};

static const struct err_row *err_find(int err)
{
    for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
        if (err_rows[i].code == err) {
            return &err_rows[i];
        }
    }
    return NULL;
}

int clasp_fail(int err, const char *file, int line)
{
    /* Release builds: an identity. A debugger breakpoint here catches the
     * first failure site of any error. */
    CLASP_UNUSED(file);
    CLASP_UNUSED(line);
    return err;
}

int clasp_err_class(int err)
{
    if (err >= 0) {
        return 0;
    }
    return ((-err) >> 8) & 0xff;
}

int clasp_err_alert(int err)
{
    const struct err_row *row = err_find(err);
    if (row == NULL) {
        return err < 0 ? CLASP_ALERT_INTERNAL_ERROR : CLASP_ALERT_NONE;
    }
    return row->alert;
}

bool clasp_err_is_retry(int err)
{
    return clasp_err_class(err) == CLASP_ERRCLASS_RETRY;
}

const char *clasp_strerror(int err)
{
    if (err == CLASP_OK) {
        return "success";
    }
    const struct err_row *row = err_find(err);
    return row != NULL ? row->text : "unknown error code";
}

const char *clasp_error_name(int err)
{
    if (err == CLASP_OK) {
        return "CLASP_OK";
    }
    const struct err_row *row = err_find(err);
    return row != NULL ? row->name : "CLASP_ERR_UNKNOWN";
}

int clasp_error_alert(int err)
{
    return clasp_err_alert(err);
}

const char *clasp_version_string(void)
{
    return CLASP_VERSION_STRING;
}

const char *clasp_alert_name(int alert)
{
    switch (alert) {
    case CLASP_ALERT_CLOSE_NOTIFY: return "close_notify";
    case CLASP_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
    case CLASP_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
    case CLASP_ALERT_RECORD_OVERFLOW: return "record_overflow";
    case CLASP_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
    case CLASP_ALERT_BAD_CERTIFICATE: return "bad_certificate";
    case CLASP_ALERT_UNSUPPORTED_CERTIFICATE: return "unsupported_certificate";
    case CLASP_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
    case CLASP_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
    case CLASP_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
    case CLASP_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
    case CLASP_ALERT_UNKNOWN_CA: return "unknown_ca";
    case CLASP_ALERT_ACCESS_DENIED: return "access_denied";
    case CLASP_ALERT_DECODE_ERROR: return "decode_error";
    case CLASP_ALERT_DECRYPT_ERROR: return "decrypt_error";
    case CLASP_ALERT_PROTOCOL_VERSION: return "protocol_version";
    case CLASP_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
    case CLASP_ALERT_INTERNAL_ERROR: return "internal_error";
    case CLASP_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
    case CLASP_ALERT_USER_CANCELED: return "user_canceled";
    case CLASP_ALERT_MISSING_EXTENSION: return "missing_extension";
    case CLASP_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
    case CLASP_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
    case CLASP_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE:
        return "bad_certificate_status_response";
    case CLASP_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
    case CLASP_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
    case CLASP_ALERT_NO_APPLICATION_PROTOCOL: return "no_application_protocol";
    default: return "unknown_alert";
    }
}

const char *clasp_alert_description(int alert)
{
    return clasp_alert_name(alert);
}
