/*
 * Driving one connection over a non-blocking socket: the handshake, whole
 * writes, reads, close_notify and KeyUpdate wait on the socket whenever
 * the library says WANT_READ / WANT_WRITE; the relay multiplexes stdin and
 * the socket with poll() so that neither direction can block the other.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int is_retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

int cli_session_handshake(clasp_context *ssl, cli_sock *s)
{
    for (;;) {
        int rc = clasp_handshake(ssl);
        if (rc == 0) {
            return 0;
        }
        if (!is_retry(rc)) {
            return rc;
        }
        rc = cli_sock_wait(s, rc);
        if (rc != 0) {
            return rc;
        }
    }
}

static int flush(clasp_context *ssl, cli_sock *s)
{
    for (;;) {
        int rc = clasp_write(ssl, NULL, 0);
        if (rc == 0) {
            return 0;
        }
        if (!is_retry(rc)) {
            return rc;
        }
        rc = cli_sock_wait(s, rc);
        if (rc != 0) {
            return rc;
        }
    }
}

int cli_session_write_all(clasp_context *ssl, cli_sock *s,
                          const unsigned char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        int n = clasp_write(ssl, buf + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (!is_retry(n)) {
            return n;
        }
        n = cli_sock_wait(s, n);
        if (n != 0) {
            return n;
        }
    }
    return flush(ssl, s);
}

int cli_session_read(clasp_context *ssl, cli_sock *s, unsigned char *buf,
                     size_t len)
{
    for (;;) {
        int n = clasp_read(ssl, buf, len);
        if (n > 0 || !is_retry(n)) {
            return n;
        }
        n = cli_sock_wait(s, n);
        if (n != 0) {
            return n;
        }
    }
}

int cli_session_close(clasp_context *ssl, cli_sock *s)
{
    for (;;) {
        int rc = clasp_close_notify(ssl);
        if (rc == 0) {
            return 0;
        }
        if (rc == CLASP_ERR_PEER_CLOSE_NOTIFY) {
            /* RFC 8446 §6.1 wants our close_notify even after the peer's,
             * but this library version refuses to send it once it has
             * received one (reported as a library bug). The peer ended
             * in order, so this is not our failure: warn and go on. */
            fprintf(stderr,
                    "clasp: warning: close_notify not sent: the "
                    "library refuses after the peer's (%s)\n",
                    clasp_error_name(rc));
            return 0;
        }
        if (!is_retry(rc)) {
            return rc;
        }
        rc = cli_sock_wait(s, rc);
        if (rc != 0) {
            return rc;
        }
    }
}

int cli_session_key_update(clasp_context *ssl, cli_sock *s, int request)
{
    int rc = clasp_key_update(ssl, request);
    if (rc != 0) {
        return rc;
    }
    return flush(ssl, s);
}

/* ---- relay ----------------------------------------------------------------
 */

typedef struct relay {
    unsigned char in[16384]; /* from stdin, not yet handed to clasp */
    size_t in_off;
    size_t in_len;
    size_t seg_len;    /* bytes of in[in_off..] being written as data */
    int at_line_start; /* in[in_off] starts a line (commands) */
    int stdin_open;
    int sent_close;
    int need_flush;
    int done;
    int pha_seen; /* last post-handshake auth outcome reported */
} relay;

/* The next unit of stdin: a command line, or data up to and including
 * the next newline (or the end of what was read). */
static int next_segment(relay *r, const cli_opts *o, int *cmd)
{
    const unsigned char *p = r->in + r->in_off;
    size_t left = r->in_len - r->in_off;
    const unsigned char *nl = memchr(p, '\n', left);
    size_t len = nl != NULL ? (size_t)(nl - p) + 1 : left;
    *cmd = 0;
    if (!o->has_nocommands && r->at_line_start && len == 2 && nl != NULL &&
        (p[0] == 'k' || p[0] == 'K' || p[0] == 'Q' || p[0] == 'c')) {
        *cmd = p[0];
    }
    r->at_line_start = nl != NULL;
    return (int)len;
}

static int run_command(relay *r, clasp_context *ssl, const cli_opts *o, int cmd)
{
    if (cmd == 'Q') {
        if (!o->is_quiet) {
            fprintf(stderr, "DONE (Q)\n");
        }
        r->stdin_open = 0;
        r->in_off = r->in_len = 0;
        r->sent_close = 1;
        int rc = clasp_close_notify(ssl);
        r->need_flush = rc == CLASP_ERR_WANT_WRITE;
        r->done = 1;
        return is_retry(rc) ? 0 : rc;
    }
    if (cmd == 'c') {
        /* Post-handshake auth (pha.c); the answer comes with reads. */
        r->need_flush = 1;
        return cli_pha_command(ssl, o);
    }
    int rc = clasp_key_update(ssl, cmd == 'K');
    if (rc != 0) {
        return rc;
    }
    r->need_flush = 1;
    if (!o->is_quiet) {
        fprintf(stderr, "KEYUPDATE%s\n",
                cmd == 'K' ? " (peer asked to update too)" : "");
    }
    return 0;
}

/* Hand stdin bytes to clasp until it stops accepting them. */
static int pump_out(relay *r, clasp_context *ssl, const cli_opts *o)
{
    while (r->in_off < r->in_len) {
        if (r->seg_len == 0) {
            int cmd;
            int len = next_segment(r, o, &cmd);
            if (cmd != 0) {
                r->in_off += (size_t)len;
                int rc = run_command(r, ssl, o, cmd);
                if (rc != 0 || r->done) {
                    return rc;
                }
                continue;
            }
            r->seg_len = (size_t)len;
        }
        int n = clasp_write(ssl, r->in + r->in_off, r->seg_len);
        if (is_retry(n)) {
            r->need_flush = 1;
            return 0;
        }
        if (n < 0) {
            return n;
        }
        r->in_off += (size_t)n;
        r->seg_len -= (size_t)n;
        r->need_flush = 1;
    }
    r->in_off = r->in_len = 0;
    if (r->need_flush) {
        int rc = clasp_write(ssl, NULL, 0);
        if (rc == 0) {
            r->need_flush = 0;
        } else if (!is_retry(rc)) {
            return rc;
        }
    }
    return 0;
}

/* Everything the peer sent that is ready goes to stdout. */
static int pump_in(relay *r, clasp_context *ssl, const cli_opts *o)
{
    unsigned char buf[16384];
    for (;;) {
        int n = clasp_read(ssl, buf, sizeof(buf));
        cli_pha_report(ssl, o, &r->pha_seen);
        if (n > 0) {
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
                return CLASP_ERR_IO;
            }
            fflush(stdout);
            continue;
        }
        if (n == CLASP_ERR_WANT_READ) {
            return 0;
        }
        if (n == CLASP_ERR_WANT_WRITE) {
            r->need_flush = 1;
            return 0;
        }
        if (n == CLASP_ERR_PEER_CLOSE_NOTIFY) {
            if (!o->is_quiet) {
                fprintf(stderr, "DONE (peer sent close_notify)\n");
            }
            r->done = 1;
            return 0;
        }
        return n;
    }
}

static int read_stdin(relay *r)
{
    ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return 0;
    }
    if (n <= 0) {
        r->stdin_open = 0;
        return 0;
    }
    r->in_off = 0;
    r->in_len = (size_t)n;
    return 0;
}

/* stdin is finished: close our side (half-close) unless told not to. */
static int stdin_ended(relay *r, clasp_context *ssl, const cli_opts *o)
{
    if (r->sent_close || o->has_ign_eof || o->endpoint == CLASP_IS_SERVER) {
        return 0;
    }
    r->sent_close = 1;
    int rc = clasp_close_notify(ssl);
    if (is_retry(rc)) {
        r->need_flush = 1;
        return 0;
    }
    return rc;
}

int cli_session_relay(clasp_context *ssl, cli_sock *s, const cli_opts *o)
{
    relay r;
    memset(&r, 0, sizeof(r));
    r.stdin_open = 1;
    r.at_line_start = 1;
    for (;;) {
        int rc = pump_out(&r, ssl, o);
        if (rc == 0 && !r.done) {
            rc = pump_in(&r, ssl, o);
        }
        if (rc != 0) {
            return rc;
        }
        if (r.need_flush) {
            /* clasp_close_notify also finishes a blocked flush. */
            rc = r.sent_close ? clasp_close_notify(ssl)
                              : clasp_write(ssl, NULL, 0);
            if (rc == 0) {
                r.need_flush = 0;
            } else if (!is_retry(rc)) {
                return rc;
            }
        }
        if (r.done && !r.need_flush) {
            if (!r.sent_close) {
                return cli_session_close(ssl, s);
            }
            return 0;
        }
        if (!r.stdin_open && r.in_off == r.in_len) {
            rc = stdin_ended(&r, ssl, o);
            if (rc != 0) {
                return rc;
            }
        }

        struct pollfd p[2];
        nfds_t np = 1;
        p[0].fd = s->fd;
        p[0].events = POLLIN | (r.need_flush ? POLLOUT : 0);
        p[0].revents = 0;
        if (r.stdin_open && r.in_off == r.in_len) {
            p[1].fd = STDIN_FILENO;
            p[1].events = POLLIN;
            p[1].revents = 0;
            np = 2;
        }
        /* Waiting on the network alone may time out; waiting for a
         * person at the keyboard may not. */
        int timeout = np == 1 && s->timeout_ms > 0 ? s->timeout_ms : -1;
        int n = poll(p, np, timeout);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            perror("clasp: poll");
            return CLASP_ERR_IO;
        }
        if (n == 0) {
            fprintf(stderr, "clasp: no data for %d ms, giving up\n",
                    s->timeout_ms);
            return CLASP_ERR_IO;
        }
        if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            read_stdin(&r);
        }
    }
}

/* ---- sessions ----------------------------------------------------------- */

int cli_session_wait_ticket(clasp_context *ssl, cli_sock *s)
{
    clasp_session *probe = clasp_session_new();
    if (probe == NULL) {
        return CLASP_ERR_ALLOC_FAILED;
    }
    int wait_ms = s->timeout_ms > 0 ? s->timeout_ms : CLI_DEFAULT_TIMEOUT_MS;
    double deadline = cli_now_ms() + wait_ms;
    int rc;
    for (;;) {
        rc = clasp_get_session(ssl, probe);
        if (rc != CLASP_ERR_NOT_FOUND) {
            break;
        }
        unsigned char buf[4096];
        int n = clasp_read(ssl, buf, sizeof(buf));
        if (n > 0) {
            /* Data before the ticket is the application's. */
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
                rc = CLASP_ERR_IO;
                break;
            }
            continue;
        }
        if (!is_retry(n)) {
            rc = n == CLASP_ERR_PEER_CLOSE_NOTIFY ? CLASP_ERR_NOT_FOUND : n;
            break;
        }
        if (cli_now_ms() >= deadline) {
            rc = CLASP_ERR_NOT_FOUND;
            break;
        }
        struct pollfd p = {.fd = s->fd,
                           .events =
                               n == CLASP_ERR_WANT_WRITE ? POLLOUT : POLLIN};
        if (poll(&p, 1, 100) < 0 && errno != EINTR) {
            rc = CLASP_ERR_IO;
            break;
        }
    }
    fflush(stdout);
    clasp_session_free(probe);
    return rc;
}

int cli_session_load_file(const char *path, clasp_session **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return CLASP_ERR_FILE_IO;
    }
    static unsigned char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    int too_big = !feof(f);
    fclose(f);
    clasp_session *sess = clasp_session_new();
    int rc = sess == NULL ? CLASP_ERR_ALLOC_FAILED
             : too_big    ? CLASP_ERR_BAD_INPUT_DATA
                          : clasp_session_load(sess, buf, len);
    memset(buf, 0, len);
    if (rc != 0) {
        fprintf(stderr, "clasp: -sess_in %s: not a clasp session: %s (%s)\n",
                path, clasp_strerror(rc), clasp_error_name(rc));
        clasp_session_free(sess);
        return rc;
    }
    *out = sess;
    return 0;
}

int cli_session_save_file(clasp_context *ssl, const char *path, int quiet)
{
    clasp_session *sess = clasp_session_new();
    if (sess == NULL) {
        return CLASP_ERR_ALLOC_FAILED;
    }
    int rc = clasp_get_session(ssl, sess);
    if (rc == CLASP_ERR_NOT_FOUND) {
        fprintf(stderr, "clasp: -sess_out: the server sent no session "
                        "ticket; nothing saved\n");
        clasp_session_free(sess);
        return 0;
    }
    size_t len = 0;
    unsigned char *buf = NULL;
    if (rc == 0) {
        rc = clasp_session_save(sess, NULL, 0, &len);
        rc = rc == CLASP_ERR_BUFFER_TOO_SMALL ? 0 : rc;
    }
    if (rc == 0) {
        buf = malloc(len);
        rc = buf != NULL ? clasp_session_save(sess, buf, len, &len)
                         : CLASP_ERR_ALLOC_FAILED;
    }
    if (rc == 0) {
        /* The session holds secrets: owner-only file. */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (f == NULL || fwrite(buf, 1, len, f) != len) {
            perror(path);
            rc = CLASP_ERR_FILE_IO;
        }
        if (f != NULL) {
            fclose(f);
        } else if (fd >= 0) {
            close(fd);
        }
    }
    if (rc == 0 && !quiet) {
        fprintf(stderr, "SESSION saved to %s (%d ticket%s)\n", path,
                clasp_session_ticket_count(sess),
                clasp_session_ticket_count(sess) == 1 ? "" : "s");
    } else if (rc != 0) {
        fprintf(stderr, "clasp: -sess_out %s: %s (%s)\n", path,
                clasp_strerror(rc), clasp_error_name(rc));
    }
    if (buf != NULL) {
        memset(buf, 0, len);
        free(buf);
    }
    clasp_session_free(sess);
    return rc;
}

/* ---- reports ----------------------------------------------------------------
 */

static const char *or_none(const char *s)
{
    return s != NULL ? s : "(none)";
}

static const char *kex_name(clasp_context *ssl)
{
    switch (clasp_get_tls13_key_exchange_mode(ssl)) {
    case CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL: return "ephemeral";
    case CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK: return "psk";
    case CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL: return "psk_ephemeral";
    default: return "(none)";
    }
}

void cli_session_summary(FILE *f, clasp_context *ssl, const cli_opts *o,
                         double hs_ms)
{
    int is_server = o->endpoint == CLASP_IS_SERVER;
    int group = clasp_get_group(ssl);
    int peer_sig = clasp_get_peer_sig_alg(ssl);
    const char *group_name =
        group != 0 ? clasp_group_name((uint16_t)group) : NULL;
    const char *sig_name =
        peer_sig != 0 ? clasp_sig_alg_name((uint16_t)peer_sig) : NULL;
    const unsigned char *der;
    size_t der_len = 0;
    int has_cert = clasp_get_peer_cert(ssl, &der, &der_len) == 0;
    int authmode = o->authmode >= 0 ? o->authmode
                   : is_server      ? CLASP_VERIFY_NONE
                                    : CLASP_VERIFY_REQUIRED;
    const char *hostname = clasp_get_hostname(ssl);
    char psk_id[80] = "(none)";
    const unsigned char *id;
    size_t id_len;
    if (clasp_get_psk_identity(ssl, &id, &id_len) == 0) {
        /* Printable identities as they are, others in hex. */
        size_t j = 0;
        for (size_t i = 0; i < id_len && j + 3 < sizeof(psk_id); i++) {
            if (id[i] > 0x20 && id[i] < 0x7f) {
                psk_id[j++] = (char)id[i];
            } else {
                j += (size_t)snprintf(psk_id + j, sizeof(psk_id) - j, "%%%02x",
                                      id[i]);
            }
        }
        psk_id[j] = '\0';
    }
    if (o->is_brief) {
        fprintf(f,
                "CONNECTION ESTABLISHED: version=%s suite=%s group=%s "
                "hrr=%s peer_sig=%s alpn=%s sni=%s peer_cert=%s "
                "kex=%s resumed=%s psk_identity=%s handshake_ms=%.2f\n",
                clasp_get_version(ssl), or_none(clasp_get_ciphersuite(ssl)),
                or_none(group_name), clasp_get_hrr_used(ssl) ? "yes" : "no",
                or_none(sig_name), or_none(clasp_get_alpn_protocol(ssl)),
                or_none(hostname), has_cert ? "yes" : "no", kex_name(ssl),
                clasp_is_session_resumed(ssl) ? "yes" : "no", psk_id, hs_ms);
        char ekm[2 * 255 + 1];
        if (o->keymatexport != NULL &&
            cli_session_exporter(ssl, o, ekm, sizeof(ekm)) == 0) {
            fprintf(f, "Keying material: %s\n", ekm);
        }
        return;
    }
    fprintf(f, "--- handshake complete in %.2f ms\n", hs_ms);
    fprintf(f, "    Protocol        %s\n", clasp_get_version(ssl));
    fprintf(f, "    Cipher suite    %s\n", or_none(clasp_get_ciphersuite(ssl)));
    fprintf(f, "    Key exchange    %s%s, %s\n", or_none(group_name),
            clasp_get_hrr_used(ssl) ? " (after HelloRetryRequest)" : "",
            kex_name(ssl));
    if (clasp_is_session_resumed(ssl)) {
        fprintf(f, "    Resumed         yes (session ticket)\n");
    }
    if (strcmp(psk_id, "(none)") != 0) {
        fprintf(f, "    PSK identity    %s\n", psk_id);
    }
    fprintf(f, "    Peer signature  %s\n", or_none(sig_name));
    if (has_cert) {
        fprintf(f, "    Peer cert       %zu bytes DER, %s\n", der_len,
                authmode == CLASP_VERIFY_REQUIRED ? "verified"
                : authmode == CLASP_VERIFY_OPTIONAL
                    ? "verification optional (failures allowed)"
                    : "NOT verified");
    } else {
        fprintf(f, "    Peer cert       (none)\n");
    }
    fprintf(f, "    ALPN            %s\n",
            or_none(clasp_get_alpn_protocol(ssl)));
    fprintf(f, "    Server name     %s\n", or_none(hostname));
    char ekm[2 * 255 + 1];
    if (o->keymatexport != NULL &&
        cli_session_exporter(ssl, o, ekm, sizeof(ekm)) == 0) {
        fprintf(f, "    Exporter        label %s, %zu bytes\n", o->keymatexport,
                o->keymatexportlen);
        fprintf(f, "    Keying material: %s\n", ekm);
    }
    fprintf(f, "---\n");
}

int cli_session_exporter(clasp_context *ssl, const cli_opts *o, char *out,
                         size_t out_len)
{
    unsigned char ekm[255];
    size_t n = o->keymatexportlen;
    if (o->keymatexport == NULL || n > sizeof(ekm) || out_len < 2 * n + 1) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    int rc =
        clasp_export_keying_material(ssl, ekm, n, o->keymatexport, NULL, 0);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02X", ekm[i]);
    }
    return 0;
}

void cli_session_report_error(const char *what, clasp_context *ssl, int rc)
{
    fprintf(stderr, "clasp: %s: %s (%s)", what, clasp_strerror(rc),
            clasp_error_name(rc));
    int alert = clasp_get_peer_alert(ssl);
    if (alert >= 0) {
        const char *name = clasp_alert_description(alert);
        fprintf(stderr, "; peer sent alert %d (%s)", alert,
                name != NULL ? name : "?");
    } else if (clasp_error_alert(rc) != CLASP_ALERT_NONE) {
        const char *name = clasp_alert_description(clasp_error_alert(rc));
        fprintf(stderr, "; our alert: %s", name != NULL ? name : "?");
    }
    fprintf(stderr, "\n");
}
