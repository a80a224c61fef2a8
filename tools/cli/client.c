/*
 * `clasp client`: connect, handshake, print what was negotiated, then
 * relay stdin to the server and the server's data to stdout (OpenSSL
 * s_client style). Data goes to stdout, everything else to stderr.
 * Exit status: 0 after an orderly end, 1 on any failure, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "cli.h"

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

    cli_sock s;
    if (cli_net_connect(target, o->timeout_ms, &s) != 0) {
        return 1;
    }
    clasp_context *ssl = clasp_new();
    int rc = ssl != NULL ? clasp_setup(ssl, conf) : CLASP_ERR_ALLOC_FAILED;
    if (rc == 0 && name != NULL) {
        rc = clasp_set_hostname(ssl, name);
    }
    if (rc != 0) {
        cli_session_report_error("setup", ssl, rc);
        clasp_free(ssl);
        cli_sock_close(&s);
        return 1;
    }
    clasp_set_bio(ssl, &s, cli_sock_send, cli_sock_recv, NULL);
    if (!o->is_quiet) {
        fprintf(stderr, "CONNECTED to %s\n", target);
    }
    if (o->trace_level > 0) {
        cli_trace_begin(trace);
    }

    double t0 = cli_now_ms();
    rc = cli_session_handshake(ssl, &s);
    double hs_ms = cli_now_ms() - t0;
    if (rc != 0) {
        cli_session_report_error("handshake failed", ssl, rc);
    } else {
        if (!o->is_quiet) {
            cli_session_summary(stderr, ssl, o, hs_ms);
        }
        if (o->has_keyupdate) {
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
    }
    clasp_free(ssl);
    cli_sock_close(&s);
    return rc == 0 ? 0 : 1;
}

int cli_client_main(int argc, char **argv)
{
    cli_opts o;
    o.endpoint = CLASP_IS_CLIENT;
    if (cli_opts_parse(&o, argc, argv) != 0) {
        cli_opts_free(&o);
        return 2;
    }
    FILE *keylog = NULL;
    cli_trace trace;
    memset(&trace, 0, sizeof(trace));
    trace.is_server = 0;
    trace.out = stderr;
    trace.color = cli_use_color(stderr);
    clasp_config *conf = NULL;
    int status = 1;
    if (cli_keylog_open(&o, &keylog) == 0 &&
        cli_opts_config(&o, &trace, keylog, &conf) == 0) {
        status = run(&o, conf, &trace);
    }
    clasp_config_free(conf);
    if (keylog != NULL) {
        fclose(keylog);
    }
    cli_opts_free(&o);
    return status;
}
