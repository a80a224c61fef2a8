/*
 * The 0-RTT public API (include/clasp/clasp.h "0-RTT early data"): the
 * config setters and the connection calls. The protocol work is in
 * src/hs/hs_early.c; this file only checks the calls and moves bytes.
 */
#include <stdatomic.h>
#include <string.h>

#include "base/mem.h"
#include "conn/io.h"
#include "hs/hs.h"
#include "tickets/anti_replay.h"

/* Largest max_early_data_size a server may advertise: it is also the
 * size of the buffer a connection allocates for accepted 0-RTT. */
#define MAX_EARLY_DATA_SIZE CLASP_MAX_EARLY_DATA

/* The in-memory store behind the public interface (the handshake knows
 * only conf->f_replay). */
static int mem_check(void *arg, const unsigned char *key, size_t key_len,
                     uint64_t expiry_ms)
{
    const clasp_config *conf = arg;
    return clasp_replay_mem_check(conf->replay_mem, key, key_len, expiry_ms,
                                  clasp_hs_now_ms(conf));
}

static int conf_check(const clasp_config *conf)
{
    ENSURE(conf != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!atomic_load(&conf->frozen), CLASP_ERR_BAD_STATE);
    return CLASP_OK;
}

int clasp_conf_early_data(clasp_config *conf, int early_data_enabled)
{
    TRY(conf_check(conf));
    ENSURE(early_data_enabled == CLASP_EARLY_DATA_ENABLED ||
               early_data_enabled == CLASP_EARLY_DATA_DISABLED,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->early_data = early_data_enabled == CLASP_EARLY_DATA_ENABLED;
    if (conf->early_data && conf->endpoint == CLASP_IS_SERVER &&
        conf->f_replay == NULL && conf->replay_mem == NULL) {
        /* RFC 8446 §8: anti-replay is on whenever 0-RTT may be
         * accepted; the store starts empty now. */
        uint64_t now = clasp_hs_now_ms(conf);
        TRY(clasp_replay_mem_new(now, &conf->replay_mem));
        conf->f_replay = mem_check;
        conf->replay_arg = conf;
        conf->replay_started_ms = now;
    }
    return CLASP_OK;
}

int clasp_conf_max_early_data_size(clasp_config *conf,
                                   uint32_t max_early_data_size)
{
    TRY(conf_check(conf));
    ENSURE(max_early_data_size <= MAX_EARLY_DATA_SIZE,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->max_early_data = max_early_data_size;
    return CLASP_OK;
}

int clasp_conf_anti_replay(clasp_config *conf, clasp_replay_check_t *f_check,
                           void *arg, uint64_t started_ms, uint32_t window_ms)
{
    TRY(conf_check(conf));
    ENSURE(f_check != NULL, CLASP_ERR_BAD_INPUT_DATA);
    conf->f_replay = f_check;
    conf->replay_arg = arg;
    conf->replay_started_ms = started_ms;
    conf->replay_window_ms =
        window_ms != 0 ? window_ms : CLASP_DEFAULT_REPLAY_WINDOW_MS;
    clasp_replay_mem_free(conf->replay_mem);
    conf->replay_mem = NULL;
    return CLASP_OK;
}

int clasp_conf_anti_replay_window(clasp_config *conf, uint32_t window_ms)
{
    TRY(conf_check(conf));
    ENSURE(window_ms >= CLASP_REPLAY_WINDOW_MIN_MS &&
               window_ms <= CLASP_REPLAY_WINDOW_MAX_MS,
           CLASP_ERR_BAD_INPUT_DATA);
    conf->replay_window_ms = window_ms;
    return CLASP_OK;
}

static int conn_check(const clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf != NULL, CLASP_ERR_BAD_STATE);
    return c->fatal != 0 ? c->fatal : CLASP_OK;
}

/* One step of the handshake: the first ClientHello (and, with 0-RTT, the
 * switch to the early key). */
static int op_send_client_hello(clasp_conn *c)
{
    while (c->state == C_START && c->fatal == 0) {
        TRY(clasp_hs_step(c));
    }
    return CLASP_OK;
}

int clasp_write_early_data(clasp_context *c, const unsigned char *buf,
                           size_t len)
{
    TRY(conn_check(c));
    ENSURE(buf != NULL || len == 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!c->is_server, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(!c->handshake_done && c->hs != NULL,
           CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    if (c->state == C_START) {
        /* A fresh context: the ClientHello offers 0-RTT if it can. */
        c->early_want = true;
        TRY(clasp_io_run(c, op_send_client_hello));
    }
    int n = clasp_hs_cli_early_write(c, buf, len);
    if (n < 0 && n != CLASP_ERR_CANNOT_WRITE_EARLY_DATA) {
        return clasp_engine_fail(c, n);
    }
    TRY(n);
    /* The bytes are ours now; a blocked flush ends with the next call. */
    int rc = clasp_io_flush(c);
    if (rc < 0 && !clasp_err_is_retry(rc)) {
        return rc;
    }
    return n;
}

int clasp_read_early_data(clasp_context *c, unsigned char *buf, size_t len)
{
    TRY(conn_check(c));
    ENSURE(buf != NULL || len == 0, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->is_server, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->early_off < c->early_len, CLASP_ERR_CANNOT_READ_EARLY_DATA);
    size_t n = c->early_len - c->early_off;
    if (n > len) {
        n = len;
    }
    if (n > INT32_MAX) {
        n = INT32_MAX;
    }
    TRY(clasp_copy(buf, len,
                   clasp_buf_at(c->early_buf, c->early_max, c->early_off), n));
    c->early_off += n;
    return (int)n;
}

int clasp_get_early_data_status(const clasp_context *c)
{
    ENSURE(c != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->handshake_done, CLASP_ERR_BAD_STATE);
    return c->early_status;
}
