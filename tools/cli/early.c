/*
 * 0-RTT in the command-line tool: `clasp client -early_data FILE
 * -sess_in F` (s_client's spelling) and `clasp server -early_data
 * [-max_early_data N] [-anti_replay memory|redis://HOST[:PORT][/PREFIX]]
 * [-replay_window MS]`.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Largest -early_data FILE we read. */
#define CLI_MAX_EARLY_FILE (1u << 20)

int cli_early_parse(cli_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    bool server = o->endpoint == CLASP_IS_SERVER;
    if (strcmp(a, "-early_data") == 0 && server) {
        o->has_early_data = 1;
        return 1;
    }
    bool takes_arg = (strcmp(a, "-early_data") == 0 && !server) ||
                     (strcmp(a, "-max_early_data") == 0 && server) ||
                     (strcmp(a, "-anti_replay") == 0 && server) ||
                     (strcmp(a, "-replay_window") == 0 && server);
    if (!takes_arg) {
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "clasp: %s needs a value\n", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (strcmp(a, "-early_data") == 0) {
        o->early_data_file = v;
    } else if (strcmp(a, "-max_early_data") == 0) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n < 0 || n > (1L << 20)) {
            fprintf(stderr, "clasp: -max_early_data wants 0..%ld\n", 1L << 20);
            return -1;
        }
        o->max_early_data = n;
    } else if (strcmp(a, "-replay_window") == 0) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || n < (long)CLASP_REPLAY_WINDOW_MIN_MS ||
            n > (long)CLASP_REPLAY_WINDOW_MAX_MS) {
            fprintf(stderr, "clasp: -replay_window wants %u..%u (ms)\n",
                    CLASP_REPLAY_WINDOW_MIN_MS, CLASP_REPLAY_WINDOW_MAX_MS);
            return -1;
        }
        o->replay_window = n;
    } else if (strncmp(v, "redis://", 8) == 0) {
        if (!cli_redis_available()) {
            fprintf(stderr,
                    "clasp: -anti_replay %s: this clasp was built without "
                    "libclasp_redis (hiredis was not found at build time; "
                    "install libhiredis-dev and rebuild with "
                    "-DCLASP_REDIS=ON); only \"memory\" is available\n",
                    v);
            return -1;
        }
        o->anti_replay = v;
    } else {
        if (strcmp(v, "memory") != 0) {
            fprintf(stderr,
                    "clasp: -anti_replay wants memory or "
                    "redis://HOST[:PORT][/PREFIX], not \"%s\"\n",
                    v);
            return -1;
        }
        o->anti_replay = v;
    }
    return 1;
}

int cli_early_conf(const cli_opts *o, clasp_config *conf)
{
    int rc = 0;
    uint32_t window = o->replay_window > 0 ? (uint32_t)o->replay_window : 0;
    bool redis = o->endpoint == CLASP_IS_SERVER && o->has_early_data &&
                 o->anti_replay != NULL &&
                 strcmp(o->anti_replay, "memory") != 0;
    if (redis) {
        /* Before clasp_conf_early_data: no in-memory store then. */
        rc = cli_redis_use(conf, o->anti_replay, window);
        if (rc < 0) {
            return rc;
        }
    } else if (window != 0) {
        rc = clasp_conf_anti_replay_window(conf, window);
    }
    if (rc == 0 && (o->has_early_data || o->early_data_file != NULL)) {
        rc = clasp_conf_early_data(conf, CLASP_EARLY_DATA_ENABLED);
    }
    if (rc == 0 && o->max_early_data >= 0) {
        rc = clasp_conf_max_early_data_size(conf, (uint32_t)o->max_early_data);
    }
    if (rc < 0) {
        fprintf(stderr, "clasp: -early_data: %s\n", clasp_strerror(rc));
    }
    return rc;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "clasp: -early_data: cannot open %s\n", path);
        return CLASP_ERR_FILE_IO;
    }
    unsigned char *buf = malloc(CLI_MAX_EARLY_FILE);
    size_t n = buf != NULL ? fread(buf, 1, CLI_MAX_EARLY_FILE, f) : 0;
    int too_big = buf != NULL && n == CLI_MAX_EARLY_FILE && fgetc(f) != EOF;
    fclose(f);
    if (buf == NULL || too_big) {
        free(buf);
        fprintf(stderr, "clasp: -early_data: %s is over %u bytes\n", path,
                CLI_MAX_EARLY_FILE);
        return CLASP_ERR_FILE_IO;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_early_client_send(clasp_context *ssl, cli_sock *s, const cli_opts *o,
                          unsigned char **data, size_t *len, size_t *early)
{
    *data = NULL;
    *len = 0;
    *early = 0;
    if (o->early_data_file == NULL) {
        return 0;
    }
    int rc = read_file(o->early_data_file, data, len);
    for (int guard = 0; rc == 0 && *early < *len && guard < 10000; guard++) {
        int n = clasp_write_early_data(ssl, *data + *early, *len - *early);
        if (n > 0) {
            *early += (size_t)n;
        } else if (n == CLASP_ERR_WANT_READ || n == CLASP_ERR_WANT_WRITE) {
            rc = cli_sock_wait(s, n);
        } else if (n == CLASP_ERR_CANNOT_WRITE_EARLY_DATA) {
            break; /* no ticket allowing 0-RTT, or its limit: later */
        } else {
            rc = n;
        }
    }
    if (rc == 0 && !o->is_quiet) {
        fprintf(stderr, "EARLY DATA: %zu of %zu bytes sent as 0-RTT\n", *early,
                *len);
    }
    return rc;
}

static const char *status_name(int status)
{
    switch (status) {
    case CLASP_EARLY_DATA_STATUS_ACCEPTED: return "accepted";
    case CLASP_EARLY_DATA_STATUS_REJECTED: return "rejected";
    default: return "not sent";
    }
}

int cli_early_client_finish(clasp_context *ssl, cli_sock *s, const cli_opts *o,
                            const unsigned char *data, size_t len, size_t early)
{
    if (o->early_data_file == NULL) {
        return 0;
    }
    int status = clasp_get_early_data_status(ssl);
    if (!o->is_quiet) {
        /* s_client's wording. */
        fprintf(stderr, "Early data was %s\n", status_name(status));
    }
    if (status != CLASP_EARLY_DATA_STATUS_ACCEPTED) {
        early = 0; /* every byte goes again, as 1-RTT data */
    }
    if (early >= len) {
        return 0;
    }
    return cli_session_write_all(ssl, s, data + early, len - early);
}

void cli_early_server_report(clasp_context *ssl, const cli_opts *o)
{
    if (!o->has_early_data) {
        return;
    }
    unsigned char buf[4096];
    int first = 1;
    for (int guard = 0; guard < 1000; guard++) {
        int n = clasp_read_early_data(ssl, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        if (first && !o->is_quiet) {
            fprintf(stderr, "Early data received:\n");
        }
        first = 0;
        fwrite(buf, 1, (size_t)n, stdout);
    }
    fflush(stdout);
    if (!o->is_quiet) {
        fprintf(stderr, "%sEarly data was %s\n", first ? "" : "\n",
                status_name(clasp_get_early_data_status(ssl)));
    }
}
