/*
 * `clasp client`: connect, handshake, print what was negotiated, then
 * relay stdin to the server and the server's data to stdout (OpenSSL
 * s_client style). Data goes to stdout, everything else to stderr.
 * Exit status: 0 after an orderly end, 1 on any failure, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Connect, set up a context (resuming sess if given) and handshake.
 * *ssl is set whenever a context was made (free it), and s is open. */
static int open_connection(const cli_opts *o, clasp_config *conf,
                           cli_trace *trace, const char *target,
                           const char *name, const clasp_session *sess,
                           clasp_context **out, cli_sock *s)
{
    *out = NULL;
    if (cli_net_connect(target, o->timeout_ms, s) != 0) {
        return CLASP_ERR_IO;
    }
    clasp_context *ssl = clasp_new();
    *out = ssl;
    int rc = ssl != NULL ? clasp_setup(ssl, conf) : CLASP_ERR_ALLOC_FAILED;
    if (rc == 0 && name != NULL) {
        rc = clasp_set_hostname(ssl, name);
    }
    if (rc == 0 && sess != NULL) {
        rc = clasp_set_session(ssl, sess);
    }
    if (rc != 0) {
        cli_session_report_error("setup", ssl, rc);
        return rc;
    }
    clasp_set_bio(ssl, s, cli_sock_send, cli_sock_recv, NULL);
    if (!o->is_quiet) {
        fprintf(stderr, "CONNECTED to %s\n", target);
    }
    if (o->trace_level > 0) {
        cli_trace_begin(trace);
    }
    double t0 = cli_now_ms();
    unsigned char *early_buf = NULL;
    size_t early_len = 0;
    size_t early = 0;
    rc = cli_early_client_send(ssl, s, o, &early_buf, &early_len, &early);
    if (rc == 0) {
        rc = cli_session_handshake(ssl, s);
    }
    double hs_ms = cli_now_ms() - t0;
    if (rc == 0 && !o->is_quiet) {
        cli_session_summary(stderr, ssl, o, hs_ms);
    }
    if (rc == 0) {
        rc = cli_early_client_finish(ssl, s, o, early_buf, early_len, early);
    }
    free(early_buf);
    if (rc != 0) {
        cli_session_report_error("handshake failed", ssl, rc);
        return rc;
    }
    return 0;
}

/* -reconnect: wait for a ticket on the first connection, close it, and
 * make a second one that resumes (OpenSSL's -reconnect, once). */
static int reconnect(const cli_opts *o, clasp_config *conf, cli_trace *trace,
                     const char *target, const char *name, clasp_context **ssl,
                     cli_sock *s)
{
    clasp_session *sess = clasp_session_new();
    int rc = sess != NULL ? cli_session_wait_ticket(*ssl, s)
                          : CLASP_ERR_ALLOC_FAILED;
    if (rc == 0) {
        rc = clasp_get_session(*ssl, sess);
    }
    if (rc != 0) {
        cli_session_report_error("-reconnect: no session ticket", *ssl, rc);
        clasp_session_free(sess);
        return rc;
    }
    int closed = cli_session_close(*ssl, s);
    (void)closed; /* the first connection's end does not matter */
    clasp_free(*ssl);
    cli_sock_close(s);
    if (!o->is_quiet) {
        fprintf(stderr, "RECONNECT (resuming, %d ticket%s)\n",
                clasp_session_ticket_count(sess),
                clasp_session_ticket_count(sess) == 1 ? "" : "s");
    }
    rc = open_connection(o, conf, trace, target, name, sess, ssl, s);
    clasp_session_free(sess);
    return rc;
}

static int run(const cli_opts *o, clasp_config *conf, cli_trace *trace)
{
    const char *target = o->connect != NULL ? o->connect : "localhost:4433";
    char host[256] = "";
    if (cli_net_host_of(target, host, sizeof(host)) != 0) {
        fprintf(stderr, "clasp: -connect wants host:port, not \"%s\"\n",
                target);
        return 2;
    }
    const char *name = o->servername != NULL ? o->servername : host;
    if (o->has_noservername) {
        name = NULL;
    }
    clasp_session *sess = NULL;
    if (o->sess_in != NULL && cli_session_load_file(o->sess_in, &sess) != 0) {
        return 1;
    }

    cli_sock s = {.fd = -1};
    clasp_context *ssl = NULL;
    int rc = open_connection(o, conf, trace, target, name, sess, &ssl, &s);
    clasp_session_free(sess);
    if (rc == 0 && o->has_reconnect) {
        rc = reconnect(o, conf, trace, target, name, &ssl, &s);
    }
    if (rc == 0 && o->has_keyupdate) {
        rc = cli_session_key_update(ssl, &s, 1);
        if (rc != 0) {
            cli_session_report_error("KeyUpdate", ssl, rc);
        } else if (!o->is_quiet) {
            fprintf(stderr, "KEYUPDATE (peer asked to update too)\n");
        }
    }
    if (rc == 0) {
        rc = cli_session_relay(ssl, &s, o);
        if (rc != 0) {
            cli_session_report_error("connection", ssl, rc);
        }
    }
    if (rc == 0 && o->sess_out != NULL) {
        rc = cli_session_save_file(ssl, o->sess_out, o->is_quiet);
    }
    clasp_free(ssl);
    if (s.fd >= 0) {
        cli_sock_close(&s);
    }
    return rc == 0 ? 0 : 1;
}

int cli_client_main(int argc, char **argv)
{
    return cli_role_main(CLASP_IS_CLIENT, argc, argv, run);
}
