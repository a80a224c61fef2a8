/*
 * Post-handshake client authentication in the CLI (RFC 8446 §4.6.2):
 * the relay's stdin command c, and the -www page /secret served only to
 * a client whose certificate verified after the handshake.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *outcome_name(int st)
{
    switch (st) {
    case CLASP_PHA_VERIFIED: return "certificate verified";
    case CLASP_PHA_NOT_VERIFIED: return "certificate NOT verified";
    case CLASP_PHA_NO_CERT: return "no certificate";
    case CLASP_PHA_ANSWERED: return "answered with a certificate";
    default: return "?";
    }
}

int cli_pha_command(clasp_context *ssl, const cli_opts *o)
{
    int rc = clasp_verify_client_post_handshake(ssl);
    if (rc == CLASP_ERR_BAD_STATE || rc == CLASP_ERR_BAD_CONFIG) {
        /* Not fatal: the peer did not offer it, a request is open, or
         * the server has no -verify / -Verify. */
        fprintf(stderr, "PHA not possible (%s)\n", clasp_error_name(rc));
        return 0;
    }
    if (rc == 0 && !o->is_quiet) {
        fprintf(stderr, "PHA requested\n");
    }
    return rc;
}

void cli_pha_report(clasp_context *ssl, const cli_opts *o, int *seen)
{
    int st = clasp_get_post_handshake_auth(ssl);
    if (st == *seen) {
        return;
    }
    *seen = st;
    if (st != CLASP_PHA_PENDING && st != CLASP_PHA_NONE && !o->is_quiet) {
        fprintf(stderr, "PHA done: %s\n", outcome_name(st));
    }
}

int cli_pha_request_wait(clasp_context *ssl, cli_sock *s, const cli_opts *o)
{
    int rc = clasp_verify_client_post_handshake(ssl);
    if (rc != 0) {
        return rc;
    }
    if (!o->is_quiet) {
        fprintf(stderr, "PHA requested\n");
    }
    for (;;) {
        int st = clasp_get_post_handshake_auth(ssl);
        if (st != CLASP_PHA_PENDING) {
            if (!o->is_quiet) {
                fprintf(stderr, "PHA done: %s\n", outcome_name(st));
            }
            if (st == CLASP_PHA_VERIFIED) {
                return 0;
            }
            return st == CLASP_PHA_NO_CERT ? CLASP_ERR_CERTIFICATE_REQUIRED
                                           : CLASP_ERR_BAD_CERTIFICATE;
        }
        unsigned char buf[4096];
        int n = clasp_read(ssl, buf, sizeof(buf));
        if (n >= 0) {
            continue; /* data of the client meanwhile: dropped */
        }
        if (n != CLASP_ERR_WANT_READ && n != CLASP_ERR_WANT_WRITE) {
            return n;
        }
        if (clasp_get_post_handshake_auth(ssl) != CLASP_PHA_PENDING) {
            continue;
        }
        n = cli_sock_wait(s, n);
        if (n != 0) {
            return n;
        }
    }
}

int cli_pha_serve_secret(clasp_context *ssl, cli_sock *s, const cli_opts *o)
{
    int rc = cli_pha_request_wait(ssl, s, o);
    const char *resp;
    if (rc == 0) {
        resp = "HTTP/1.0 200 ok\r\n"
               "Content-Type: text/plain\r\n\r\n"
               "clasp secret: your certificate verified after the "
               "handshake\n";
    } else if (clasp_get_post_handshake_auth(ssl) == CLASP_PHA_PENDING) {
        return rc; /* the connection failed before the answer */
    } else {
        if (!o->is_quiet) {
            fprintf(stderr, "PHA refused: %s\n", clasp_error_name(rc));
        }
        resp = "HTTP/1.0 403 Forbidden\r\n"
               "Content-Type: text/plain\r\n\r\n"
               "clasp -www: /secret needs a client certificate (offer "
               "post_handshake_auth; server -verify/-Verify)\n";
    }
    rc = cli_session_write_all(ssl, s, (const unsigned char *)resp,
                               strlen(resp));
    return rc != 0 ? rc : cli_session_close(ssl, s);
}
