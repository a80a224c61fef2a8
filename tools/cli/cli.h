/*
 * The `clasp` command-line tool: shared declarations.
 *
 * The tool is an ordinary application of the public API (clasp/clasp.h):
 * it never includes internal headers, so it doubles as a worked example
 * of non-blocking sockets with the WANT_READ / WANT_WRITE protocol.
 *
 * Layout: main.c (dispatch, usage), opts.c (command line -> clasp_config),
 * names.c (group / suite / signature scheme names), net.c (BSD sockets,
 * send/recv callbacks, waits), session.c (handshake, read/write loops,
 * relay, summaries), trace.c (ladder and key log), client.c, server.c,
 * demo.c and demo_creds.c (embedded TEST ONLY credentials).
 *
 * Every function returns 0 (or a count) on success and a negative
 * CLASP_ERR_* value on failure, after printing what went wrong.
 */
#ifndef CLASP_TOOLS_CLI_H
#define CLASP_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clasp/clasp.h"

#define CLI_MAX_CERTS 8
#define CLI_MAX_LIST 32
#define CLI_MAX_ALPN 16
#define CLI_DEFAULT_TIMEOUT_MS 10000
#define CLI_MAX_PSK 1024
/* OpenSSL's default -psk_identity. */
#define CLI_DEFAULT_PSK_IDENTITY "Client_identity"

struct cli_trace;

/* ---- options (opts.c) ------------------------------------------------- */

typedef struct cli_opts {
    int endpoint; /* CLASP_IS_CLIENT or CLASP_IS_SERVER */
    const char *connect;
    const char *accept;
    const char *bind;
    const char *cert[CLI_MAX_CERTS];
    size_t cert_count;
    const char *key[CLI_MAX_CERTS];
    size_t key_count;
    const char *pass;
    const char *cafile;
    int authmode; /* -1: the endpoint's default */
    const char *servername;
    int has_noservername;
    uint16_t groups[CLI_MAX_LIST];
    size_t group_count;
    uint16_t suites[CLI_MAX_LIST];
    size_t suite_count;
    uint16_t sig_algs[CLI_MAX_LIST];
    size_t sig_alg_count;
    char *alpn_buf; /* owned copy of the -alpn argument, split in place */
    const char *alpn[CLI_MAX_ALPN + 1];
    size_t alpn_count;
    size_t key_shares;
    const char *keylogfile;
    int trace_level; /* 0, CLASP_DEBUG_MSG or CLASP_DEBUG_VERBOSE */
    int is_www;
    int is_echo;
    long naccept; /* 0: forever */
    int is_quiet;
    int is_brief;
    int has_ign_eof;
    int has_nocommands;
    int has_keyupdate; /* client: KeyUpdate right after the handshake */
    int has_hrr_cookie;
    int has_pha;          /* -enable_pha (client: offer; server: defer) */
    int has_ca_names_opt; /* client -ca_names; server -no_ca_names */
    int has_no_compat;
    int timeout_ms;
    const char *keymatexport; /* exporter label, or NULL */
    size_t keymatexportlen;
    /* Resumption and PSKs. */
    const char *sess_in;  /* client: session file to resume */
    const char *sess_out; /* client: where to save the session */
    int has_reconnect;    /* client: a second connection resuming */
    unsigned char psk[CLI_MAX_PSK];
    size_t psk_len; /* 0: no external PSK */
    const char *psk_identity;
    int psk_hash;       /* CLASP_PSK_HASH_* */
    unsigned kex_modes; /* 0: the library's default */
    int num_tickets;    /* server: -1 the library's default */
    /* 0-RTT (early.c). */
    const char *early_data_file; /* client: -early_data FILE */
    int has_early_data;          /* server: -early_data */
    long max_early_data;         /* server: -1 the library's default */
    const char *anti_replay;     /* server: "memory" (default), redis:// */
    long replay_window;          /* server: -1 the library's default */
} cli_opts;

/** Parse argv (after the subcommand name) into *o; 0, or -1 after
 * printing the problem. */
int cli_opts_parse(cli_opts *o, int argc, char **argv);
/** Release what cli_opts_parse allocated. */
void cli_opts_free(cli_opts *o);
/** Build the config the options describe, with the trace hook (used when
 * o->trace_level > 0) and the key log file (may be NULL) attached; both
 * must outlive the config. *out is NULL on failure. */
int cli_opts_config(const cli_opts *o, struct cli_trace *trace, FILE *keylog,
                    clasp_config **out);
/** Open the key log: -keylogfile, else $SSLKEYLOGFILE, else none
 * (*out NULL). */
int cli_keylog_open(const cli_opts *o, FILE **out);
/** What `clasp client` and `clasp server` run once their config is
 * built. */
typedef int cli_run_fn(const cli_opts *o, clasp_config *conf,
                       struct cli_trace *trace);
/** The common body of `clasp client` and `clasp server`: parse argv for
 * the endpoint, open the key log, build the config with a trace on
 * stderr, run, release. Returns the process exit status (2: bad
 * options). */
int cli_role_main(int endpoint, int argc, char **argv, cli_run_fn *run);

/* ---- names (names.c) -------------------------------------------------- */

/** Parse a colon (or comma) separated list of names into IANA ids. */
int cli_parse_groups(const char *list, uint16_t *out, size_t *count);
int cli_parse_suites(const char *list, uint16_t *out, size_t *count);
int cli_parse_sig_algs(const char *list, uint16_t *out, size_t *count);
/** Print every supported name of each kind (for the usage text). */
void cli_print_names(FILE *f);

/* ---- sockets (net.c) -------------------------------------------------- */

typedef struct cli_sock {
    int fd;
    int timeout_ms; /* for cli_sock_wait; <= 0: wait forever */
    int last_errno; /* of the last failed send/recv, for messages */
    uint64_t bytes_in;
    uint64_t bytes_out;
} cli_sock;

/** Connect to "host:port" or "[v6addr]:port"; the socket is left
 * non-blocking. */
int cli_net_connect(const char *hostport, int timeout_ms, cli_sock *s);
/** The host part of "host:port" / "[v6]:port". */
int cli_net_host_of(const char *hostport, char *out, size_t out_len);
/** Listen on port at bind_addr (NULL: 127.0.0.1 and ::1). fds gets up
 * to 2 listening sockets; *bound_port the port actually bound. */
int cli_net_listen(const char *bind_addr, const char *port, int *fds,
                   size_t *fd_count, int *bound_port);
/** Wait for a connection on any of fds; the new socket is non-blocking. */
int cli_net_accept(const int *fds, size_t fd_count, cli_sock *s, char *peer,
                   size_t peer_len);
void cli_sock_close(cli_sock *s);
/** Close after a FIN and draining the peer's input for up to max_ms, so
 * that no reset overtakes what we sent last. */
void cli_sock_close_linger(cli_sock *s, int max_ms);
/** clasp_send_t / clasp_recv_t on a cli_sock. */
int cli_sock_send(void *ctx, const unsigned char *buf, size_t len);
int cli_sock_recv(void *ctx, unsigned char *buf, size_t len);
/** Wait until the socket can do what want (CLASP_ERR_WANT_READ or
 * CLASP_ERR_WANT_WRITE) asks; CLASP_ERR_IO after the timeout. */
int cli_sock_wait(cli_sock *s, int want);
/** Milliseconds from a monotonic clock. */
double cli_now_ms(void);

/* ---- connections (session.c) ------------------------------------------ */

/** Run the handshake to the end, waiting on the socket as asked. */
int cli_session_handshake(clasp_context *ssl, cli_sock *s);
/** Write every byte (waiting as needed); 0 or an error. */
int cli_session_write_all(clasp_context *ssl, cli_sock *s,
                          const unsigned char *buf, size_t len);
/** Read at least one byte (waiting as needed): count, or
 * CLASP_ERR_PEER_CLOSE_NOTIFY, or an error. */
int cli_session_read(clasp_context *ssl, cli_sock *s, unsigned char *buf,
                     size_t len);
/** Send close_notify and flush it (best effort within the timeout). */
int cli_session_close(clasp_context *ssl, cli_sock *s);
/** Send a KeyUpdate and flush it. */
int cli_session_key_update(clasp_context *ssl, cli_sock *s, int request);
/* pha.c: request post-handshake auth and wait for the client's answer
 * (application data meanwhile is dropped); 0 once the certificate
 * verified, CLASP_ERR_CERTIFICATE_REQUIRED if none came. */
int cli_pha_request_wait(clasp_context *ssl, cli_sock *s, const cli_opts *o);
/* The relay's stdin command c: request post-handshake auth. */
int cli_pha_command(clasp_context *ssl, const cli_opts *o);
/* Relay: print the outcome of a request once it changes. */
void cli_pha_report(clasp_context *ssl, const cli_opts *o, int *seen);
/* -www GET /secret: the page only after the client's certificate
 * verified (post-handshake auth), else 403. Closes the connection. */
int cli_pha_serve_secret(clasp_context *ssl, cli_sock *s, const cli_opts *o);
/** Relay stdin to the peer and the peer's data to stdout until either
 * side ends (s_client / s_server style, with 'k' 'K' 'Q' commands). */
int cli_session_relay(clasp_context *ssl, cli_sock *s, const cli_opts *o);
/** Print the handshake summary (-brief: one line) to f. */
void cli_session_summary(FILE *f, clasp_context *ssl, const cli_opts *o,
                         double hs_ms);
/** RFC 8446 §7.5 exporter value for -keymatexport as upper-case hex
 * (OpenSSL's format) into out (2 * 255 + 1 bytes); 0 or an error. */
int cli_session_exporter(clasp_context *ssl, const cli_opts *o, char *out,
                         size_t out_len);
/** Client: read (and print) what the server sends until the context holds
 * a session ticket, within the timeout; 0 or an error. */
int cli_session_wait_ticket(clasp_context *ssl, cli_sock *s);
/** Load -sess_in into a new session (*out NULL and an error message on
 * failure); save the context's session to -sess_out. */
int cli_session_load_file(const char *path, clasp_session **out);
int cli_session_save_file(clasp_context *ssl, const char *path, int quiet);
/** Report a failed connection: error name, text and peer alert. */
void cli_session_report_error(const char *what, clasp_context *ssl, int rc);

/* ---- trace and key log (trace.c) -------------------------------------- */

typedef struct cli_trace {
    int is_server;
    FILE *out;
    int color;
    int client_hellos;
    int finished;
    double t0;
} cli_trace;

/** Ladder drawing, shared with the demo: header, one message row (the
 * client on the left), an indented note, and a message label with the
 * RFC 8446 §2 marks ({} handshake keys, [] application keys). */
void cli_ladder_header(FILE *f, int color, const char *left, const char *right);
void cli_ladder_row(FILE *f, int color, double t_ms, int from_server,
                    const char *label, size_t bytes);
void cli_ladder_note(FILE *f, int color, const char *note);
void cli_ladder_label(char *out, size_t out_len, const char *name,
                      int finished_seen);

/** clasp_dbg_t printing a ladder: arg is a cli_trace. */
void cli_trace_dbg(void *arg, int level, const char *file, int line,
                   const char *msg);
/** Start a new connection's ladder (prints the header). */
void cli_trace_begin(cli_trace *t);
/** clasp_keylog_t appending to the FILE * arg. */
void cli_keylog_write(void *arg, const char *line);
/** Whether to color output on f (a terminal and NO_COLOR unset). */
int cli_use_color(FILE *f);

/* ---- subcommands ------------------------------------------------------ */

int cli_client_main(int argc, char **argv);
int cli_server_main(int argc, char **argv);
int cli_demo_main(int argc, char **argv);

/* ---- demo credentials (demo_creds.c): TEST ONLY ----------------------- */

/* ---- 0-RTT (early.c) ---------------------------------------------------- */

/** Options at the end of parse_one (opts.c): 1 if argv[*i] was ours, 0
 * if not, -1 on a bad value. */
int cli_early_parse(cli_opts *o, int argc, char **argv, int *i);
/** Config: 0-RTT on when asked, the server's limit and store. */
int cli_early_conf(const cli_opts *o, clasp_config *conf);
/** Client, before the handshake: -early_data FILE as 0-RTT (*data owned
 * by the caller, *early the bytes sent early). */
int cli_early_client_send(clasp_context *ssl, cli_sock *s, const cli_opts *o,
                          unsigned char **data, size_t *len, size_t *early);
/** Client, after the handshake: report the status; resend what 0-RTT
 * did not deliver. */
int cli_early_client_finish(clasp_context *ssl, cli_sock *s, const cli_opts *o,
                            const unsigned char *data, size_t len,
                            size_t early);
/** Server, after the handshake: the status and the early bytes. */
void cli_early_server_report(clasp_context *ssl, const cli_opts *o);
/** -anti_replay redis://HOST[:PORT][/PREFIX] (anti_replay.c): 1 when this
 * build has libclasp_redis. */
int cli_redis_available(void);
/** Point conf at a Redis store (freed at exit); window_ms 0: 10 s. */
int cli_redis_use(clasp_config *conf, const char *url, uint32_t window_ms);

extern const char cli_demo_chain_pem[];
extern const char cli_demo_key_pem[];
extern const char cli_demo_root_pem[];

#endif
