/*
 * Command line of `clasp client` and `clasp server` (OpenSSL s_client /
 * s_server spellings, one dash or two) and the clasp_config it describes.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { BOTH, CLIENT_ONLY, SERVER_ONLY };

static int want_arg(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "clasp: %s needs an argument\n", argv[*i]);
        return -1;
    }
    *i += 1;
    *out = argv[*i];
    return 0;
}

static int want_num(int argc, char **argv, int *i, long min, long max,
                    long *out)
{
    const char *s;
    if (want_arg(argc, argv, i, &s) != 0) {
        return -1;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "clasp: %s wants a number in %ld..%ld, not \"%s\"\n",
                argv[*i - 1], min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int split_alpn(cli_opts *o, const char *list)
{
    free(o->alpn_buf);
    o->alpn_buf = strdup(list);
    if (o->alpn_buf == NULL) {
        return -1;
    }
    o->alpn_count = 0;
    char *p = o->alpn_buf;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > 255 || o->alpn_count == CLI_MAX_ALPN) {
            fprintf(stderr,
                    "clasp: bad -alpn list \"%s\" (comma separated "
                    "names of 1..255 bytes, at most %d)\n",
                    list, CLI_MAX_ALPN);
            return -1;
        }
        o->alpn[o->alpn_count++] = p;
        if (p[len] == '\0') {
            break;
        }
        p[len] = '\0';
        p += len + 1;
    }
    o->alpn[o->alpn_count] = NULL;
    return 0;
}

/* -psk: the key in hex (OpenSSL's and GnuTLS's spelling). */
static int parse_hex_key(cli_opts *o, const char *hex)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > CLI_MAX_PSK) {
        fprintf(stderr, "clasp: -psk wants 1..%d bytes in hex\n", CLI_MAX_PSK);
        return -1;
    }
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v = 0;
        for (size_t j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            unsigned d;
            if (ch >= '0' && ch <= '9') {
                d = (unsigned)(ch - '0');
            } else if (ch >= 'a' && ch <= 'f') {
                d = (unsigned)(ch - 'a' + 10);
            } else if (ch >= 'A' && ch <= 'F') {
                d = (unsigned)(ch - 'A' + 10);
            } else {
                fprintf(stderr, "clasp: -psk: \"%c\" is not a hex digit\n", ch);
                return -1;
            }
            v = v * 16 + d;
        }
        o->psk[i] = (unsigned char)v;
    }
    o->psk_len = n / 2;
    return 0;
}

/* -kex_modes: a comma separated list of psk, ephemeral, psk_ephemeral
 * (or RFC 8446's psk_ke, psk_dhe_ke). */
static int parse_kex_modes(cli_opts *o, const char *list)
{
    unsigned modes = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",:");
        if ((len == 3 && strncmp(p, "psk", 3) == 0) ||
            (len == 6 && strncmp(p, "psk_ke", 6) == 0)) {
            modes |= CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK;
        } else if (len == 9 && strncmp(p, "ephemeral", 9) == 0) {
            modes |= CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL;
        } else if ((len == 13 && strncmp(p, "psk_ephemeral", 13) == 0) ||
                   (len == 10 && strncmp(p, "psk_dhe_ke", 10) == 0)) {
            modes |= CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL;
        } else {
            fprintf(stderr,
                    "clasp: bad -kex_modes \"%s\" (comma separated: psk, "
                    "ephemeral, psk_ephemeral)\n",
                    list);
            return -1;
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    o->kex_modes = modes;
    return 0;
}

static int role_ok(const cli_opts *o, const char *opt, int role)
{
    if ((role == CLIENT_ONLY && o->endpoint != CLASP_IS_CLIENT) ||
        (role == SERVER_ONLY && o->endpoint != CLASP_IS_SERVER)) {
        fprintf(stderr, "clasp: %s is a %s option\n", opt,
                role == CLIENT_ONLY ? "client" : "server");
        return 0;
    }
    return 1;
}

/* One option at argv[*i]; 1 if handled, 0 if unknown, -1 on error. */
static int parse_one(cli_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v;
    long n;
    if (a[0] == '-' && a[1] == '-') {
        a++;
    }
#define IS(name, role) (strcmp(a, name) == 0 && role_ok(o, a, role))
    if (IS("-connect", CLIENT_ONLY)) {
        return want_arg(argc, argv, i, &o->connect) == 0 ? 1 : -1;
    }
    if (IS("-accept", SERVER_ONLY) || IS("-port", SERVER_ONLY)) {
        return want_arg(argc, argv, i, &o->accept) == 0 ? 1 : -1;
    }
    if (IS("-bind", SERVER_ONLY)) {
        return want_arg(argc, argv, i, &o->bind) == 0 ? 1 : -1;
    }
    if (IS("-cert", BOTH)) {
        if (o->cert_count == CLI_MAX_CERTS) {
            fprintf(stderr, "clasp: too many -cert\n");
            return -1;
        }
        return want_arg(argc, argv, i, &o->cert[o->cert_count++]) == 0 ? 1 : -1;
    }
    if (IS("-key", BOTH)) {
        if (o->key_count == CLI_MAX_CERTS) {
            fprintf(stderr, "clasp: too many -key\n");
            return -1;
        }
        return want_arg(argc, argv, i, &o->key[o->key_count++]) == 0 ? 1 : -1;
    }
    if (IS("-pass", BOTH)) {
        return want_arg(argc, argv, i, &o->pass) == 0 ? 1 : -1;
    }
    if (IS("-CAfile", BOTH)) {
        return want_arg(argc, argv, i, &o->cafile) == 0 ? 1 : -1;
    }
    if (IS("-verify", BOTH) || IS("-Verify", BOTH)) {
        /* The depth is accepted for OpenSSL compatibility; clasp has no
         * chain depth setting. */
        if (want_num(argc, argv, i, 0, 100, &n) != 0) {
            return -1;
        }
        o->authmode =
            a[1] == 'V' ? CLASP_VERIFY_REQUIRED : CLASP_VERIFY_OPTIONAL;
        return 1;
    }
    if (IS("-ca_names", CLIENT_ONLY) || IS("-no_ca_names", SERVER_ONLY)) {
        o->has_ca_names_opt = 1;
        return 1;
    }
    if (IS("-enable_pha", BOTH)) {
        o->has_pha = 1;
        return 1;
    }
    if (IS("-noverify", CLIENT_ONLY)) {
        o->authmode = CLASP_VERIFY_NONE;
        return 1;
    }
    if (IS("-servername", CLIENT_ONLY)) {
        return want_arg(argc, argv, i, &o->servername) == 0 ? 1 : -1;
    }
    if (IS("-noservername", CLIENT_ONLY)) {
        o->has_noservername = 1;
        return 1;
    }
    if (IS("-groups", BOTH) || IS("-curves", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 ||
            cli_parse_groups(v, o->groups, &o->group_count) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-ciphersuites", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 ||
            cli_parse_suites(v, o->suites, &o->suite_count) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-sigalgs", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 ||
            cli_parse_sig_algs(v, o->sig_algs, &o->sig_alg_count) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-alpn", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 || split_alpn(o, v) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-key_shares", CLIENT_ONLY)) {
        if (want_num(argc, argv, i, 1, 5, &n) != 0) {
            return -1;
        }
        o->key_shares = (size_t)n;
        return 1;
    }
    if (IS("-keylogfile", BOTH)) {
        return want_arg(argc, argv, i, &o->keylogfile) == 0 ? 1 : -1;
    }
    if (IS("-trace", BOTH) || IS("-msg", BOTH)) {
        if (o->trace_level < CLASP_DEBUG_MSG) {
            o->trace_level = CLASP_DEBUG_MSG;
        }
        return 1;
    }
    if (IS("-debug", BOTH)) {
        o->trace_level = CLASP_DEBUG_VERBOSE;
        return 1;
    }
    if (IS("-www", SERVER_ONLY)) {
        o->is_www = 1;
        return 1;
    }
    if (IS("-echo", SERVER_ONLY)) {
        o->is_echo = 1;
        return 1;
    }
    if (IS("-naccept", SERVER_ONLY)) {
        if (want_num(argc, argv, i, 1, 1000000000L, &n) != 0) {
            return -1;
        }
        o->naccept = n;
        return 1;
    }
    if (IS("-quiet", BOTH)) {
        o->is_quiet = 1;
        return 1;
    }
    if (IS("-brief", BOTH)) {
        o->is_brief = 1;
        return 1;
    }
    if (IS("-ign_eof", CLIENT_ONLY)) {
        o->has_ign_eof = 1;
        return 1;
    }
    if (IS("-nocommands", BOTH)) {
        o->has_nocommands = 1;
        return 1;
    }
    if (IS("-keyupdate", CLIENT_ONLY)) {
        o->has_keyupdate = 1;
        return 1;
    }
    if (IS("-cookie", SERVER_ONLY)) {
        o->has_hrr_cookie = 1;
        return 1;
    }
    if (IS("-no_middlebox", BOTH)) {
        o->has_no_compat = 1;
        return 1;
    }
    if (IS("-timeout", BOTH)) {
        if (want_num(argc, argv, i, 0, 86400, &n) != 0) {
            return -1;
        }
        o->timeout_ms = (int)n * 1000;
        return 1;
    }
    if (IS("-keymatexport", BOTH)) {
        return want_arg(argc, argv, i, &o->keymatexport) == 0 ? 1 : -1;
    }
    if (IS("-keymatexportlen", BOTH)) {
        if (want_num(argc, argv, i, 1, 255, &n) != 0) {
            return -1;
        }
        o->keymatexportlen = (size_t)n;
        return 1;
    }
    if (IS("-tls1_3", BOTH)) {
        return 1; /* the only version there is */
    }
    if (IS("-sess_in", CLIENT_ONLY)) {
        return want_arg(argc, argv, i, &o->sess_in) == 0 ? 1 : -1;
    }
    if (IS("-sess_out", CLIENT_ONLY)) {
        return want_arg(argc, argv, i, &o->sess_out) == 0 ? 1 : -1;
    }
    if (IS("-reconnect", CLIENT_ONLY)) {
        o->has_reconnect = 1;
        return 1;
    }
    if (IS("-psk", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 || parse_hex_key(o, v) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-psk_identity", BOTH)) {
        return want_arg(argc, argv, i, &o->psk_identity) == 0 ? 1 : -1;
    }
    if (IS("-psk_hash", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0) {
            return -1;
        }
        if (strcmp(v, "sha256") == 0 || strcmp(v, "SHA256") == 0) {
            o->psk_hash = CLASP_PSK_HASH_SHA256;
        } else if (strcmp(v, "sha384") == 0 || strcmp(v, "SHA384") == 0) {
            o->psk_hash = CLASP_PSK_HASH_SHA384;
        } else {
            fprintf(stderr,
                    "clasp: -psk_hash is sha256 or sha384, not "
                    "\"%s\"\n",
                    v);
            return -1;
        }
        return 1;
    }
    if (IS("-kex_modes", BOTH)) {
        if (want_arg(argc, argv, i, &v) != 0 || parse_kex_modes(o, v) != 0) {
            return -1;
        }
        return 1;
    }
    if (IS("-allow_no_dhe_kex", BOTH)) {
        /* OpenSSL's spelling: psk_ke is allowed too. */
        if (o->kex_modes == 0) {
            o->kex_modes = CLASP_TLS1_3_KEY_EXCHANGE_MODE_ALL;
        }
        o->kex_modes |= CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK;
        return 1;
    }
    if (IS("-num_tickets", SERVER_ONLY)) {
        if (want_num(argc, argv, i, 0, 16, &n) != 0) {
            return -1;
        }
        o->num_tickets = (int)n;
        return 1;
    }
#undef IS
    return cli_early_parse(o, argc, argv, i);
}

int cli_opts_parse(cli_opts *o, int argc, char **argv)
{
    int endpoint = o->endpoint;
    memset(o, 0, sizeof(*o));
    o->endpoint = endpoint;
    o->authmode = -1;
    o->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
    o->keymatexportlen = 20; /* as OpenSSL */
    o->psk_hash = CLASP_PSK_HASH_SHA256;
    o->num_tickets = -1;
    o->max_early_data = -1;
    o->replay_window = -1;
    for (int i = 0; i < argc; i++) {
        int rc = parse_one(o, argc, argv, &i);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            fprintf(stderr, "clasp: unknown option \"%s\" (try clasp help)\n",
                    argv[i]);
            return -1;
        }
    }
    if (o->cert_count != o->key_count) {
        fprintf(stderr,
                "clasp: give one -key per -cert (%zu -cert, %zu "
                "-key)\n",
                o->cert_count, o->key_count);
        return -1;
    }
    if (o->is_www && o->is_echo) {
        fprintf(stderr, "clasp: -www and -echo exclude each other\n");
        return -1;
    }
    if (o->endpoint == CLASP_IS_SERVER && o->cert_count == 0 &&
        o->psk_len == 0) {
        fprintf(stderr, "clasp: a server needs -cert and -key (or -psk)\n");
        return -1;
    }
    if (o->psk_identity != NULL && o->psk_len == 0) {
        fprintf(stderr, "clasp: -psk_identity needs -psk\n");
        return -1;
    }
    return 0;
}

void cli_opts_free(cli_opts *o)
{
    free(o->alpn_buf);
    o->alpn_buf = NULL;
}

static int check(int rc, const char *what, const char *arg)
{
    if (rc < 0) {
        fprintf(stderr, "clasp: %s%s%s: %s (%s)\n", what, arg ? " " : "",
                arg ? arg : "", clasp_strerror(rc), clasp_error_name(rc));
    }
    return rc;
}

int cli_opts_config(const cli_opts *o, cli_trace *trace, FILE *keylog,
                    clasp_config **out)
{
    *out = NULL;
    clasp_config *conf = clasp_config_new(o->endpoint);
    if (conf == NULL) {
        fprintf(stderr, "clasp: cannot create a configuration\n");
        return CLASP_ERR_ALLOC_FAILED;
    }
    int rc = 0;
    if (o->suite_count > 0) {
        rc = check(clasp_conf_ciphersuites(conf, o->suites, o->suite_count),
                   "-ciphersuites", NULL);
    }
    if (rc == 0 && o->group_count > 0) {
        rc = check(clasp_conf_groups(conf, o->groups, o->group_count),
                   "-groups", NULL);
    }
    if (rc == 0 && o->sig_alg_count > 0) {
        rc = check(clasp_conf_sig_algs(conf, o->sig_algs, o->sig_alg_count),
                   "-sigalgs", NULL);
    }
    if (rc == 0 && o->key_shares > 0) {
        rc = check(clasp_conf_key_share_count(conf, o->key_shares),
                   "-key_shares", NULL);
    }
    for (size_t i = 0; rc == 0 && i < o->cert_count; i++) {
        rc = check(
            clasp_conf_own_cert_file(conf, o->cert[i], o->key[i], o->pass),
            "-cert", o->cert[i]);
    }
    int authmode = o->authmode;
    if (authmode < 0) {
        authmode = o->endpoint == CLASP_IS_CLIENT ? CLASP_VERIFY_REQUIRED
                                                  : CLASP_VERIFY_NONE;
    }
    if (rc == 0 && o->cafile != NULL) {
        rc = check(clasp_conf_ca_file(conf, o->cafile), "-CAfile", o->cafile);
    } else if (rc == 0 && authmode != CLASP_VERIFY_NONE) {
        rc = check(clasp_conf_ca_default(conf), "system trust store", NULL);
    }
    if (rc == 0) {
        rc = check(clasp_conf_authmode(conf, authmode), "authmode", NULL);
    }
    if (rc == 0 && o->alpn_count > 0) {
        rc = check(clasp_conf_alpn_protocols(conf, o->alpn), "-alpn", NULL);
    }
    if (rc == 0 && o->has_ca_names_opt) {
        rc = o->endpoint == CLASP_IS_CLIENT
                 ? check(clasp_conf_ca_names_in_hello(conf, 1), "-ca_names",
                         NULL)
                 : check(clasp_conf_cert_req_ca_list(conf, 0), "-no_ca_names",
                         NULL);
    }
    if (rc == 0 && o->has_pha) {
        rc =
            check(clasp_conf_post_handshake_auth(conf, 1), "-enable_pha", NULL);
    }
    if (rc == 0 && o->has_hrr_cookie) {
        rc = check(clasp_conf_hrr_cookie(conf, 1), "-cookie", NULL);
    }
    if (rc == 0 && o->psk_len > 0) {
        const char *id = o->psk_identity != NULL ? o->psk_identity
                                                 : CLI_DEFAULT_PSK_IDENTITY;
        rc = check(clasp_conf_psk_with_hash(conf, o->psk, o->psk_len,
                                            (const unsigned char *)id,
                                            strlen(id), o->psk_hash),
                   "-psk", NULL);
    }
    if (rc == 0 && o->kex_modes != 0) {
        rc = check(clasp_conf_tls13_key_exchange_modes(conf, o->kex_modes),
                   "-kex_modes", NULL);
    }
    if (rc == 0 && o->num_tickets >= 0) {
        rc = check(clasp_conf_session_tickets(conf, o->num_tickets),
                   "-num_tickets", NULL);
    }
    if (rc == 0) {
        rc = cli_early_conf(o, conf);
    }
    if (rc == 0 && o->has_no_compat) {
        rc = check(clasp_conf_compat_mode(conf, 0), "-no_middlebox", NULL);
    }
    if (rc == 0 && trace != NULL && o->trace_level > 0) {
        rc = check(clasp_conf_dbg(conf, cli_trace_dbg, trace, o->trace_level),
                   "-trace", NULL);
    }
    if (rc == 0 && keylog != NULL) {
        rc = check(clasp_conf_keylog(conf, cli_keylog_write, keylog),
                   "-keylogfile", NULL);
    }
    if (rc != 0) {
        clasp_config_free(conf);
        return rc;
    }
    *out = conf;
    return 0;
}

int cli_keylog_open(const cli_opts *o, FILE **out)
{
    *out = NULL;
    const char *path = o->keylogfile;
    if (path == NULL) {
        path = getenv("SSLKEYLOGFILE");
        if (path == NULL || *path == '\0') {
            return 0;
        }
    }
    *out = fopen(path, "a");
    if (*out == NULL) {
        perror(path);
        return CLASP_ERR_FILE_IO;
    }
    return 0;
}

int cli_role_main(int endpoint, int argc, char **argv, cli_run_fn *run)
{
    cli_opts o;
    o.endpoint = endpoint;
    if (cli_opts_parse(&o, argc, argv) != 0) {
        cli_opts_free(&o);
        return 2;
    }
    FILE *keylog = NULL;
    cli_trace trace;
    memset(&trace, 0, sizeof(trace));
    trace.is_server = endpoint == CLASP_IS_SERVER;
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
