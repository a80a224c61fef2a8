/*
 * `clasp demo` (demo.c): the events both sides log, the client's results,
 * and the output (demo_print.c) that shows them.
 */
#ifndef CLASP_CLI_DEMO_H
#define CLASP_CLI_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"

#define MAX_EVENTS 128
#define EXPORT_LEN 32
#define EXPORTER_LABEL "EXPORTER-clasp-demo"
/* The demo server's anti-replay window (the library's default: 10 s),
 * and the margin the client adds to it before its 0-RTT connection. */
#define DEMO_REPLAY_WINDOW_MS CLASP_REPLAY_WINDOW_MIN_MS
#define DEMO_REPLAY_MARGIN_MS 200
#define EARLY_LABEL "(Application Data)"

enum { EV_MSG = 'M', EV_APP = 'A', EV_ALERT = 'L', EV_INFO = 'I' };

typedef struct demo_event {
    double t;
    int is_server;
    int kind;
    size_t bytes;
    char name[40];
    char text[120];
} demo_event;

typedef struct demo_log {
    int is_server;
    int fd;         /* server: pipe to the parent; client: -1 */
    demo_event *ev; /* client: the events of both sides */
    size_t count;
} demo_log;

typedef struct client_result {
    double hs_ms;
    uint64_t hs_out, hs_in, total_out, total_in;
    int group, suite, peer_sig, hrr;
    char alpn[64];
    char exporter[2 * EXPORT_LEN + 1];
    double t0;
    /* The resumed connection. */
    double t1;
    double hs2_ms;
    uint64_t hs2_out, hs2_in;
    int resumed, kex2, group2, tickets;
    /* The 0-RTT connection. */
    double waited_ms;
    double t2;
    double hs3_ms;
    size_t early_len, early_sent;
    int resumed3, early_status;
} client_result;

/** The value of the server's "info" event name, or NULL. */
const char *demo_server_info(const demo_log *l, const char *name);
/** The name of a clasp_get_early_data_status() result. */
const char *demo_early_status_name(int status);

/** The ladder of the events in [t0, t_end) (sorts l's events). */
void demo_print_ladder(demo_log *l, double t0, double t_end, int color);
/** What the full handshake negotiated, as each side saw it. */
void demo_print_result(const demo_log *l, const client_result *r, int color);
/** The resumed connection. */
void demo_print_resumed(const demo_log *l, const client_result *r, int color);
/** The 0-RTT connection. */
void demo_print_early(const demo_log *l, const client_result *r, int color);

#endif
