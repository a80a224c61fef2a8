/*
 * The I/O pump (DESIGN.md §3.3): the only code that calls the user's send
 * and receive callbacks. It flushes pending records, runs an engine
 * operation, and when the engine needs input reads more; "stalled on
 * input" becomes CLASP_ERR_WANT_READ and "stalled on output"
 * CLASP_ERR_WANT_WRITE. Every round either moves bytes or returns.
 */
#include <string.h>

#include "base/mem.h"
#include "conn/io.h"

int clasp_io_flush(clasp_conn *c)
{
    while (c->out_sent < c->out_len) {
        ENSURE(c->f_send != NULL, CLASP_ERR_BAD_STATE);
        int n =
            c->f_send(c->bio, clasp_buf_at(c->out_buf, c->out_cap, c->out_sent),
                      c->out_len - c->out_sent);
        if (n == CLASP_ERR_WANT_WRITE || n == CLASP_ERR_WANT_READ) {
            return n;
        }
        if (n <= 0 || (size_t)n > c->out_len - c->out_sent) {
            c->out_sent = c->out_len = 0;
            return clasp_engine_fail(c, CLASP_ERR_IO);
        }
        c->out_sent += (size_t)n;
    }
    c->out_sent = c->out_len = 0;
    return CLASP_OK;
}

/* The input buffer starts small enough for a handshake's records and
 * small application records, and grows to one full record (16,645 bytes)
 * when a record does not fit: a connection that never receives large
 * records never holds (nor zeroes, nor wipes) 16 KiB for them. */
#define IN_BUF_START 4096u

static int fill(clasp_conn *c)
{
    ENSURE(c->f_recv != NULL, CLASP_ERR_BAD_STATE);
    /* Decrypted application data still points into in_buf: the engine
     * only asks for input once it has been consumed. */
    ENSURE(c->app.len == 0, CLASP_ERR_INTERNAL);
    if (c->in_buf == NULL) {
        /* The first read, or released on an idle connection
         * (clasp_release_buffers). After the handshake a failure leaves
         * the connection as it was (nothing consumed); during it, it is
         * fatal like every allocation failure of a handshake. */
        c->in_buf = clasp_mem_calloc(1, IN_BUF_START);
        if (c->in_buf == NULL) {
            return c->handshake_done
                       ? CLASP_ERR_ALLOC_FAILED
                       : clasp_engine_fail(c, CLASP_ERR_ALLOC_FAILED);
        }
        c->in_cap = IN_BUF_START;
        c->in_off = c->in_len = 0;
    }
    clasp_buf_compact(c->in_buf, c->in_cap, &c->in_off, &c->in_len);
    if (c->in_len == c->in_cap) {
        /* The record at the head is larger than the buffer (records are
         * consumed whole, so what is buffered is part of one record):
         * room for the largest. */
        int rc = clasp_buf_grow(&c->in_buf, &c->in_cap, c->in_len,
                                CLASP_MAX_RECORD_LEN, CLASP_MAX_RECORD_LEN);
        if (rc < 0) {
            return clasp_engine_fail(c, rc);
        }
    }
    ENSURE(c->in_len < c->in_cap, CLASP_ERR_INTERNAL);
    int n = c->f_recv(c->bio, clasp_buf_at(c->in_buf, c->in_cap, c->in_len),
                      c->in_cap - c->in_len);
    if (n == CLASP_ERR_WANT_READ || n == CLASP_ERR_WANT_WRITE) {
        return n;
    }
    if (n == 0) {
        /* RFC 8446 §6.1: a transport close without close_notify is a
         * truncation, told apart from an orderly close. */
        if (c->peer_closed) {
            return CLASP_ERR_PEER_CLOSE_NOTIFY;
        }
        return clasp_engine_fail(c, CLASP_ERR_CONN_EOF);
    }
    if (n < 0 || (size_t)n > c->in_cap - c->in_len) {
        return clasp_engine_fail(c, CLASP_ERR_IO);
    }
    c->in_len += (size_t)n;
    return CLASP_OK;
}

int clasp_io_run(clasp_conn *c, int (*op)(clasp_conn *c))
{
    for (;;) {
        int rc = clasp_io_flush(c);
        if (rc < 0) {
            return rc;
        }
        rc = op(c);
        if (rc == CLASP_ERR_WANT_READ) {
            /* Output the operation produced goes out before we wait. */
            int frc = clasp_io_flush(c);
            if (frc < 0) {
                return frc;
            }
            frc = fill(c);
            if (frc < 0) {
                return frc;
            }
            continue;
        }
        if (rc < 0 && !clasp_err_is_retry(rc)) {
            /* Best effort: the alert of a fatal error goes out. */
            int ignored = clasp_io_flush(c);
            CLASP_UNUSED(ignored);
            return rc;
        }
        int frc = clasp_io_flush(c);
        if (rc == CLASP_OK && frc < 0) {
            return frc;
        }
        return rc;
    }
}
