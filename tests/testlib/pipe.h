/* An in-memory duplex pipe for client/server tests in one process, in the
 * spirit of libtls's tlstest: each side's send appends to the other's
 * inbox. Modes cap the bytes moved per call to hit every WANT_READ /
 * WANT_WRITE boundary. */
#ifndef CLASP_TEST_PIPE_H
#define CLASP_TEST_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"

#define TP_CAP (1u << 20)

typedef struct {
    uint8_t *buf;
    size_t len;
} tp_queue;

typedef struct tp_end {
    tp_queue *in;
    tp_queue *out;
    size_t max_io;     /* bytes per call, 0 = unlimited */
    int write_block;   /* every other send returns WANT_WRITE */
    unsigned calls;
    int closed;        /* recv returns 0 once the inbox is empty */
} tp_end;

typedef struct {
    tp_queue q[2];
    tp_end client;
    tp_end server;
} tp_pipe;

void tp_init(tp_pipe *p, size_t max_io, int write_block);
void tp_free(tp_pipe *p);
int tp_send(void *ctx, const unsigned char *buf, size_t len);
int tp_recv(void *ctx, unsigned char *buf, size_t len);

/* Drive both handshakes to completion (bounded); returns 0, or the first
 * fatal error of either side. */
int tp_handshake(clasp_context *cli, clasp_context *srv, int *cli_rc,
                 int *srv_rc);

#endif
