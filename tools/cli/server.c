/*
 * `clasp server`: accept one connection at a time (-naccept N to stop
 * after N), handshake, then one of
 *   -www   answer an HTTP GET with a page describing the connection
 *          (GET /keyupdate sends a KeyUpdate first),
 *   -echo  send back every byte received,
 *   else   relay stdin / stdout (OpenSSL s_server style).
 * "ACCEPT <addresses>" on stderr says the server listens. Exit status: 0
 * when every connection ended in order, 1 otherwise, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define REQ_MAX 8192
#define LINGER_MS 2000

/* Append src to the page, escaping HTML metacharacters: the request line
 * comes from the peer. */
static void append_escaped(char *page, size_t cap, size_t *len, const char *src)
{
    for (const char *p = src; *p != '\0' && *len + 8 < cap; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        default: break;
        }
        if (rep != NULL) {
            *len += (size_t)snprintf(page + *len, cap - *len, "%s", rep);
        } else if ((unsigned char)*p >= 0x20 && *p != 0x7f) {
            page[(*len)++] = *p;
            page[*len] = '\0';
        }
    }
}

static void appendf(char *page, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void appendf(char *page, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len + 1 < cap) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(page + *len, cap - *len, fmt, ap);
        va_end(ap);
        if (n > 0) {
            *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
        }
    }
}

static const char *or_none(const char *s)
{
    return s != NULL ? s : "(none)";
}

static size_t build_page(char *page, size_t cap, clasp_context *ssl,
                         const cli_opts *o, const char *request_line,
                         int did_key_update)
{
    size_t len = 0;
    page[0] = '\0';
    int group = clasp_get_group(ssl);
    int peer_sig = clasp_get_peer_sig_alg(ssl);
    const unsigned char *der;
    size_t der_len;
    char cert[64] = "(none)";
    if (clasp_get_peer_cert(ssl, &der, &der_len) == 0) {
        snprintf(cert, sizeof(cert), "%zu bytes DER", der_len);
    }
    appendf(page, cap, &len, "%s", "<HTML><BODY BGCOLOR=\"#ffffff\">\n<pre>\n");
    appendf(page, cap, &len, "clasp %s server -www\n\n",
            clasp_version_string());
    appendf(page, cap, &len, "Protocol           : %s\n",
            clasp_get_version(ssl));
    appendf(page, cap, &len, "Cipher suite       : %s\n",
            or_none(clasp_get_ciphersuite(ssl)));
    appendf(page, cap, &len, "Group              : %s\n",
            or_none(group != 0 ? clasp_group_name((uint16_t)group) : NULL));
    appendf(page, cap, &len, "HelloRetryRequest  : %s\n",
            clasp_get_hrr_used(ssl) ? "yes" : "no");
    int kex = clasp_get_tls13_key_exchange_mode(ssl);
    appendf(page, cap, &len, "Key exchange mode  : %s\n",
            kex == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK ? "psk"
            : kex == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL
                ? "psk_ephemeral"
                : "ephemeral");
    appendf(page, cap, &len, "Resumed            : %s\n",
            clasp_is_session_resumed(ssl) ? "yes" : "no");
    const unsigned char *id;
    size_t id_len;
    if (clasp_get_psk_identity(ssl, &id, &id_len) == 0) {
        char idbuf[128];
        size_t n = id_len < sizeof(idbuf) - 1 ? id_len : sizeof(idbuf) - 1;
        memcpy(idbuf, id, n);
        idbuf[n] = '\0';
        appendf(page, cap, &len, "PSK identity       : ");
        append_escaped(page, cap, &len, idbuf);
        appendf(page, cap, &len, "\n");
    }
    appendf(page, cap, &len, "ALPN               : %s\n",
            or_none(clasp_get_alpn_protocol(ssl)));
    appendf(page, cap, &len, "SNI                : %s\n",
            or_none(clasp_get_hostname(ssl)));
    appendf(page, cap, &len, "Client certificate : %s\n", cert);
    appendf(
        page, cap, &len, "Client signature   : %s\n",
        or_none(peer_sig != 0 ? clasp_sig_alg_name((uint16_t)peer_sig) : NULL));
    appendf(page, cap, &len, "KeyUpdate          : %s\n",
            did_key_update ? "sent before this reply (update_requested)"
                           : "no");
    char ekm[2 * 255 + 1];
    if (o->keymatexport != NULL &&
        cli_session_exporter(ssl, o, ekm, sizeof(ekm)) == 0) {
        appendf(page, cap, &len, "Exporter label     : ");
        append_escaped(page, cap, &len, o->keymatexport);
        appendf(page, cap, &len, "\nKeying material    : %s\n", ekm);
    }
    appendf(page, cap, &len, "%s", "Request            : ");
    append_escaped(page, cap, &len, request_line);
    appendf(page, cap, &len, "%s", "\n</pre>\n</BODY></HTML>\n");
    return len;
}

/* Read until the end of the request headers (or REQ_MAX bytes). */
static int read_request(clasp_context *ssl, cli_sock *s, char *req, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        int n =
            cli_session_read(ssl, s, (unsigned char *)req + len, cap - 1 - len);
        if (n < 0) {
            return n;
        }
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") != NULL) {
            break;
        }
    }
    return 0;
}

static int serve_www(clasp_context *ssl, cli_sock *s, const cli_opts *o)
{
    char req[REQ_MAX];
    int rc = read_request(ssl, s, req, sizeof(req));
    if (rc != 0) {
        return rc;
    }
    char line[512];
    size_t line_len = strcspn(req, "\r\n");
    if (line_len >= sizeof(line)) {
        line_len = sizeof(line) - 1;
    }
    memcpy(line, req, line_len);
    line[line_len] = '\0';
    if (!o->is_quiet) {
        fprintf(stderr, "REQUEST %s\n", line);
    }

    char method[16] = "", path[256] = "";
    if (sscanf(line, "%15s %255s", method, path) != 2 ||
        strcmp(method, "GET") != 0) {
        static const char bad[] = "HTTP/1.0 400 Bad Request\r\n"
                                  "Content-Type: text/plain\r\n\r\n"
                                  "clasp -www answers GET only\n";
        rc = cli_session_write_all(ssl, s, (const unsigned char *)bad,
                                   sizeof(bad) - 1);
        return rc != 0 ? rc : cli_session_close(ssl, s);
    }
    if (strcmp(path, "/secret") == 0) {
        return cli_pha_serve_secret(ssl, s, o);
    }
    if (strcmp(path, "/") != 0 && strcmp(path, "/keyupdate") != 0) {
        static const char nf[] = "HTTP/1.0 404 Not Found\r\n"
                                 "Content-Type: text/plain\r\n\r\n"
                                 "clasp -www serves /, /keyupdate, /secret\n";
        rc = cli_session_write_all(ssl, s, (const unsigned char *)nf,
                                   sizeof(nf) - 1);
        return rc != 0 ? rc : cli_session_close(ssl, s);
    }
    int did_key_update = 0;
    if (strcmp(path, "/keyupdate") == 0) {
        rc = cli_session_key_update(ssl, s, 1);
        if (rc != 0) {
            return rc;
        }
        did_key_update = 1;
        if (!o->is_quiet) {
            fprintf(stderr, "KEYUPDATE (peer asked to update too)\n");
        }
    }

    char page[4096];
    size_t page_len =
        build_page(page, sizeof(page), ssl, o, line, did_key_update);
    char head[128];
    int head_len = snprintf(head, sizeof(head),
                            "HTTP/1.0 200 ok\r\n"
                            "Content-Type: text/html\r\n"
                            "Content-Length: %zu\r\n\r\n",
                            page_len);
    rc = cli_session_write_all(ssl, s, (const unsigned char *)head,
                               (size_t)head_len);
    if (rc == 0) {
        rc = cli_session_write_all(ssl, s, (const unsigned char *)page,
                                   page_len);
    }
    return rc != 0 ? rc : cli_session_close(ssl, s);
}

static int serve_echo(clasp_context *ssl, cli_sock *s, const cli_opts *o)
{
    unsigned char buf[16384];
    uint64_t total = 0;
    for (;;) {
        int n = cli_session_read(ssl, s, buf, sizeof(buf));
        if (n == CLASP_ERR_PEER_CLOSE_NOTIFY) {
            if (!o->is_quiet) {
                fprintf(stderr,
                        "DONE (echoed %llu bytes, peer sent "
                        "close_notify)\n",
                        (unsigned long long)total);
            }
            return cli_session_close(ssl, s);
        }
        if (n < 0) {
            return n;
        }
        int rc = cli_session_write_all(ssl, s, buf, (size_t)n);
        if (rc != 0) {
            return rc;
        }
        total += (uint64_t)n;
    }
}

static int serve_one(const cli_opts *o, clasp_config *conf, cli_trace *trace,
                     cli_sock *s)
{
    clasp_context *ssl = clasp_new();
    int rc = ssl != NULL ? clasp_setup(ssl, conf) : CLASP_ERR_ALLOC_FAILED;
    if (rc != 0) {
        cli_session_report_error("setup", ssl, rc);
        clasp_free(ssl);
        return rc;
    }
    clasp_set_bio(ssl, s, cli_sock_send, cli_sock_recv, NULL);
    if (o->trace_level > 0) {
        cli_trace_begin(trace);
    }
    double t0 = cli_now_ms();
    rc = cli_session_handshake(ssl, s);
    double hs_ms = cli_now_ms() - t0;
    if (rc != 0) {
        cli_session_report_error("handshake failed", ssl, rc);
        clasp_free(ssl);
        return rc;
    }
    if (!o->is_quiet) {
        cli_session_summary(stderr, ssl, o, hs_ms);
    }
    cli_early_server_report(ssl, o);
    if (o->is_www) {
        rc = serve_www(ssl, s, o);
    } else if (o->is_echo) {
        rc = serve_echo(ssl, s, o);
    } else {
        rc = cli_session_relay(ssl, s, o);
    }
    if (rc != 0) {
        cli_session_report_error("connection", ssl, rc);
    }
    clasp_free(ssl);
    return rc;
}

static int run(const cli_opts *o, clasp_config *conf, cli_trace *trace)
{
    int fds[2];
    size_t fd_count = 0;
    int port = 0;
    if (cli_net_listen(o->bind, o->accept != NULL ? o->accept : "4433", fds,
                       &fd_count, &port) != 0) {
        return 1;
    }
    if (!o->is_quiet) {
        if (o->bind != NULL) {
            fprintf(stderr, "ACCEPT %s port %d\n", o->bind, port);
        } else {
            fprintf(stderr, "ACCEPT 127.0.0.1%s port %d\n",
                    fd_count == 2 ? " ::1" : "", port);
        }
    }
    int failures = 0;
    for (long served = 0; o->naccept == 0 || served < o->naccept; served++) {
        cli_sock s;
        s.timeout_ms = o->timeout_ms;
        char peer[80];
        if (cli_net_accept(fds, fd_count, &s, peer, sizeof(peer)) != 0) {
            failures++;
            break;
        }
        if (!o->is_quiet) {
            fprintf(stderr, "CONNECTION from %s\n", peer);
        }
        if (serve_one(o, conf, trace, &s) != 0) {
            failures++;
        }
        cli_sock_close_linger(&s, LINGER_MS);
    }
    for (size_t i = 0; i < fd_count; i++) {
        close(fds[i]);
    }
    return failures == 0 ? 0 : 1;
}

int cli_server_main(int argc, char **argv)
{
    return cli_role_main(CLASP_IS_SERVER, argc, argv, run);
}
