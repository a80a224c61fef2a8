#include "pipe.h"

#include <stdlib.h>
#include <string.h>

void tp_init(tp_pipe *p, size_t max_io, int write_block)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 2; i++) {
        p->q[i].buf = malloc(TP_CAP);
    }
    p->client.out = &p->q[0];
    p->server.in = &p->q[0];
    p->server.out = &p->q[1];
    p->client.in = &p->q[1];
    p->client.max_io = p->server.max_io = max_io;
    p->client.write_block = p->server.write_block = write_block;
}

void tp_free(tp_pipe *p)
{
    for (int i = 0; i < 2; i++) {
        free(p->q[i].buf);
    }
}

int tp_send(void *ctx, const unsigned char *buf, size_t len)
{
    tp_end *e = ctx;
    e->calls++;
    if (e->write_block && (e->calls % 2) == 0) {
        return CLASP_ERR_WANT_WRITE;
    }
    size_t n = len;
    if (e->max_io > 0 && n > e->max_io) {
        n = e->max_io;
    }
    if (n > TP_CAP - e->out->len) {
        n = TP_CAP - e->out->len;
    }
    if (n == 0) {
        return CLASP_ERR_WANT_WRITE;
    }
    memcpy(e->out->buf + e->out->len, buf, n);
    e->out->len += n;
    return (int)n;
}

int tp_recv(void *ctx, unsigned char *buf, size_t len)
{
    tp_end *e = ctx;
    if (e->in->len == 0) {
        return e->closed ? 0 : CLASP_ERR_WANT_READ;
    }
    size_t n = len < e->in->len ? len : e->in->len;
    if (e->max_io > 0 && n > e->max_io) {
        n = e->max_io;
    }
    memcpy(buf, e->in->buf, n);
    memmove(e->in->buf, e->in->buf + n, e->in->len - n);
    e->in->len -= n;
    return (int)n;
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

int tp_handshake(clasp_context *cli, clasp_context *srv, int *cli_rc,
                 int *srv_rc)
{
    *cli_rc = *srv_rc = CLASP_ERR_WANT_READ;
    /* Bounded: a one-byte pipe needs a few hundred thousand rounds at most
     * for any handshake here. */
    for (int round = 0; round < 2000000; round++) {
        if (*cli_rc != 0 && retry(*cli_rc)) {
            *cli_rc = clasp_handshake(cli);
        }
        if (*srv_rc != 0 && retry(*srv_rc)) {
            *srv_rc = clasp_handshake(srv);
        }
        if (*cli_rc == 0 && *srv_rc == 0) {
            return 0;
        }
        if ((*cli_rc < 0 && !retry(*cli_rc)) ||
            (*srv_rc < 0 && !retry(*srv_rc))) {
            /* Let the other side read the alert. */
            if (retry(*cli_rc)) {
                *cli_rc = clasp_handshake(cli);
            }
            if (retry(*srv_rc)) {
                *srv_rc = clasp_handshake(srv);
            }
            return *cli_rc < 0 && !retry(*cli_rc) ? *cli_rc : *srv_rc;
        }
    }
    return CLASP_ERR_INTERNAL;
}
