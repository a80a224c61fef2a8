/* The application flows of API.md ("Applications written the Mbed TLS
 * way must work"), written as an application would write them, run end
 * to end between a client and a clasp server on a blocking socketpair
 * (the server in its own thread): 0-RTT accepted, 0-RTT rejected (the
 * application resends), no ticket, a server with 0-RTT off. In each case
 * every byte arrives exactly once, in order. */
#include "testlib.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pipe.h"

/* ---- application code (API.md) ------------------------------------------ */

/* Loop on clasp_write until all bytes are written. */
static int write_data(clasp_context *ssl, const unsigned char *data, size_t len,
                      size_t *written)
{
    *written = 0;
    for (int guard = 0; *written < len && guard < 100000; guard++) {
        int ret = clasp_write(ssl, data + *written, len - *written);
        if (ret > 0) {
            *written += (size_t)ret;
        } else if (ret != CLASP_ERR_WANT_READ && ret != CLASP_ERR_WANT_WRITE) {
            return ret;
        }
    }
    return 0;
}

/* The same loop on clasp_write_early_data; may end with
 * CLASP_ERR_CANNOT_WRITE_EARLY_DATA, which the caller handles. */
static int write_early_data(clasp_context *ssl, const unsigned char *data,
                            size_t len, size_t *written)
{
    *written = 0;
    for (int guard = 0; *written < len && guard < 100000; guard++) {
        int ret = clasp_write_early_data(ssl, data + *written, len - *written);
        if (ret > 0) {
            *written += (size_t)ret;
        } else if (ret != CLASP_ERR_WANT_READ && ret != CLASP_ERR_WANT_WRITE) {
            return ret;
        }
    }
    return 0;
}

/* The combined flow: as much as possible as early data, the handshake,
 * the status, then the rest (all of it if 0-RTT was rejected). */
static int send_all(clasp_context *ssl, const unsigned char *data, size_t len,
                    int *status)
{
    size_t early = 0;
    int ret = write_early_data(ssl, data, len, &early);
    if (ret < 0 && ret != CLASP_ERR_CANNOT_WRITE_EARLY_DATA) {
        return ret;
    }
    for (int guard = 0; !clasp_is_handshake_over(ssl) && guard < 1000;
         guard++) {
        ret = clasp_handshake(ssl);
        if (ret < 0 && ret != CLASP_ERR_WANT_READ &&
            ret != CLASP_ERR_WANT_WRITE) {
            return ret;
        }
    }
    *status = clasp_get_early_data_status(ssl);
    if (*status == CLASP_EARLY_DATA_STATUS_REJECTED) {
        early = 0;
    }
    size_t written;
    return write_data(ssl, data + early, len - early, &written);
}

/* Server: loop on clasp_read_early_data during the handshake. */
static int read_early_data(clasp_context *ssl, unsigned char *buf, size_t size,
                           size_t *len)
{
    for (int guard = 0; *len < size && guard < 100000; guard++) {
        int ret = clasp_read_early_data(ssl, buf + *len, size - *len);
        if (ret == CLASP_ERR_CANNOT_READ_EARLY_DATA) {
            return 0;
        }
        if (ret < 0) {
            return ret;
        }
        *len += (size_t)ret;
    }
    return 0;
}

/* ---- harness ------------------------------------------------------------- */

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n < 0 ? CLASP_ERR_IO : (int)n;
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n < 0 ? CLASP_ERR_IO : (int)n;
}

/* The server's clock: real time plus an offset the test moves past the
 * anti-replay start-up window (RFC 8446 §8.2). */
static uint64_t g_offset;

static uint64_t srv_clock(void *arg)
{
    (void)arg;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u +
           g_offset;
}

struct server_run {
    clasp_config *conf;
    int fd;
    unsigned char got[4096];
    size_t got_len;
    size_t early_len;
    int status;
    int rc;
};

static void *server_main(void *arg)
{
    struct server_run *s = arg;
    clasp_context *ssl = clasp_new();
    s->rc = clasp_setup(ssl, s->conf);
    clasp_set_bio(ssl, &s->fd, fd_send, fd_recv, NULL);
    for (int guard = 0;
         s->rc == 0 && !clasp_is_handshake_over(ssl) && guard < 1000; guard++) {
        s->rc = clasp_handshake_step(ssl);
        if (s->rc == 0) {
            s->rc = read_early_data(ssl, s->got, sizeof(s->got), &s->got_len);
        }
    }
    if (s->rc == 0) {
        s->rc = read_early_data(ssl, s->got, sizeof(s->got), &s->got_len);
    }
    s->early_len = s->got_len;
    s->status = clasp_get_early_data_status(ssl);
    for (int guard = 0; s->rc == 0 && guard < 1000; guard++) {
        int ret =
            clasp_read(ssl, s->got + s->got_len, sizeof(s->got) - s->got_len);
        if (ret == CLASP_ERR_PEER_CLOSE_NOTIFY) {
            break;
        }
        if (ret < 0) {
            s->rc = ret;
        } else {
            s->got_len += (size_t)ret;
        }
    }
    if (s->rc == 0) {
        /* Tickets go out with the first write. */
        s->rc = clasp_write(ssl, (const unsigned char *)"bye", 3) == 3 ? 0 : -1;
        int ignored = clasp_close_notify(ssl);
        (void)ignored;
    }
    clasp_free(ssl);
    return NULL;
}

static const unsigned char g_msg[] =
    "POST /x HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij";

/* One connection: the client's flow against the server thread. Returns
 * the client's status; *sess receives the session if not NULL. */
static int one_connection(clasp_config *cc, clasp_config *sc,
                          const clasp_session *in, clasp_session *out,
                          struct server_run *s)
{
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    memset(s, 0, sizeof(*s));
    s->conf = sc;
    s->fd = fds[1];
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, server_main, s), 0);
    clasp_context *ssl = clasp_new();
    assert_clasp_ok(clasp_setup(ssl, cc));
    assert_clasp_ok(clasp_set_hostname(ssl, "localhost"));
    clasp_set_bio(ssl, &fds[0], fd_send, fd_recv, NULL);
    if (in != NULL) {
        assert_clasp_ok(clasp_set_session(ssl, in));
    }
    int status = -1;
    assert_clasp_ok(send_all(ssl, g_msg, sizeof(g_msg), &status));
    assert_clasp_ok(clasp_close_notify(ssl));
    unsigned char bye[8];
    assert_int_equal(clasp_read(ssl, bye, sizeof(bye)), 3);
    if (out != NULL) {
        assert_clasp_ok(clasp_get_session(ssl, out));
    }
    pthread_join(th, NULL);
    clasp_free(ssl);
    close(fds[0]);
    close(fds[1]);
    assert_clasp_ok(s->rc);
    /* Every byte exactly once, in order. */
    assert_int_equal(s->got_len, sizeof(g_msg));
    assert_memory_equal(s->got, g_msg, sizeof(g_msg));
    assert_int_equal(s->status, status);
    return status;
}

static void run_flow(int server_early, bool past_window, bool with_ticket,
                     int expect_status, size_t expect_early)
{
    g_offset = 0;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_clock(sc, srv_clock, NULL));
    if (server_early) {
        assert_clasp_ok(clasp_conf_early_data(sc, CLASP_EARLY_DATA_ENABLED));
    }
    if (past_window) {
        g_offset = 11000;
    }
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_early_data(cc, CLASP_EARLY_DATA_ENABLED));
    struct server_run s;
    clasp_session *sess = clasp_session_new();
    assert_non_null(sess);
    if (with_ticket) {
        one_connection(cc, sc, NULL, sess, &s);
    }
    int st = one_connection(cc, sc, with_ticket ? sess : NULL, NULL, &s);
    assert_int_equal(st, expect_status);
    assert_int_equal(s.early_len, expect_early);
    clasp_session_free(sess);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void flow_accepted(void **state)
{
    (void)state;
    run_flow(1, true, true, CLASP_EARLY_DATA_STATUS_ACCEPTED, sizeof(g_msg));
}

static void flow_rejected(void **state)
{
    (void)state;
    /* A server whose anti-replay store is younger than one window. */
    run_flow(1, false, true, CLASP_EARLY_DATA_STATUS_REJECTED, 0);
}

static void flow_no_ticket(void **state)
{
    (void)state;
    run_flow(1, true, false, CLASP_EARLY_DATA_STATUS_NOT_SENT, 0);
}

static void flow_server_off(void **state)
{
    (void)state;
    run_flow(0, true, true, CLASP_EARLY_DATA_STATUS_NOT_SENT, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flow_accepted),
        cmocka_unit_test(flow_rejected),
        cmocka_unit_test(flow_no_ticket),
        cmocka_unit_test(flow_server_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
