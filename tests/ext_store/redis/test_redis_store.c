/* libclasp_redis against a real redis-server (started here on 127.0.0.1,
 * a free port, no persistence; killed at exit). RFC 8446 §8:
 *   - two servers (two configs sharing a ticket key, each with its own
 *     store object on the same Redis): a 0-RTT ClientHello is accepted by
 *     server 1 once, its byte-identical replay to server 2 is rejected
 *     (early data not delivered);
 *   - the keys carry PX (PTTL within two windows) and expire;
 *   - fail closed: Redis unreachable (a closed port, Redis killed), a
 *     stopped Redis (SIGSTOP) and a socket that accepts but never answers
 *     reject 0-RTT within the timeout, the handshake completes; after a
 *     failure at most one connection attempt per retry delay;
 *   - §8.2 fleet-wide: a store younger than one window refuses, also
 *     after Redis restarted empty;
 *   - one store shared by threads: each key new exactly once.
 * redis-server missing is a failure, never a skip. */
#define _POSIX_C_SOURCE 200809L

#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clasp/clasp_redis.h"
#include "hs/hs.h"
#include "pipe.h"
#include "race.h"

#define WINDOW_MS 1000u

static pid_t g_redis = -1;
static int g_port;
static char g_prefix[64];
static int g_prefix_n;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A TCP port on 127.0.0.1 that was free a moment ago; with listening set,
 * the socket stays open and listening (backlog: the kernel accepts
 * connections nobody will ever answer) and *fd receives it. */
static int free_port(int listening, int *fd)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    if (listening) {
        assert_int_equal(listen(s, 16), 0);
        *fd = s;
    } else {
        close(s);
    }
    return ntohs(a.sin_port);
}

/* A raw connection for the test's own looks (PTTL, EXISTS). */
static redisContext *raw(void)
{
    struct timeval tv = {.tv_sec = 2};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", g_port, tv);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    assert_int_equal(redisSetTimeout(c, tv), REDIS_OK);
    return c;
}

static long long raw_int(const char *cmd, const char *key)
{
    redisContext *c = raw();
    redisReply *r = redisCommand(c, "%s %s", cmd, key);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

static void start_redis(void)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", g_port);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
        }
        execlp("redis-server", "redis-server", "--port", port, "--bind",
               "127.0.0.1", "--save", "", "--appendonly", "no", (char *)NULL);
        fprintf(stderr, "FAIL: cannot run redis-server: %s\n", strerror(errno));
        _exit(127);
    }
    g_redis = pid;
    /* Up within 10 s, or the test fails. */
    for (int i = 0; i < 200; i++) {
        int status;
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
        struct timeval tv = {.tv_usec = 200000};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", g_port, tv);
        if (c != NULL && c->err == 0) {
            redisReply *r = redisCommand(c, "PING");
            int up = r != NULL && r->type == REDIS_REPLY_STATUS;
            freeReplyObject(r);
            redisFree(c);
            if (up) {
                return;
            }
        } else if (c != NULL) {
            redisFree(c);
        }
        sleep_ms(50);
    }
    fail_msg("redis-server did not come up on port %d", g_port);
}

static void stop_redis(void)
{
    if (g_redis > 0) {
        kill(g_redis, SIGCONT);
        kill(g_redis, SIGKILL);
        int status;
        while (waitpid(g_redis, &status, 0) < 0 && errno == EINTR) {
        }
        g_redis = -1;
    }
}

static int group_setup(void **state)
{
    (void)state;
    atexit(stop_redis);
    signal(SIGPIPE, SIG_IGN);
    g_port = free_port(0, NULL);
    start_redis();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_redis();
    return 0;
}

/* A key prefix of its own for each test. */
static const char *next_prefix(void)
{
    snprintf(g_prefix, sizeof(g_prefix), "clasp-test:%d:%d:", (int)getpid(),
             ++g_prefix_n);
    return g_prefix;
}

static clasp_redis_store *store_at(int port, const char *prefix)
{
    clasp_redis_store *st = NULL;
    assert_clasp_ok(clasp_redis_store_new("127.0.0.1", port, &st));
    assert_clasp_ok(clasp_redis_store_prefix(st, prefix));
    return st;
}

/* Wait out the §8.2 window of a Redis data set (connects the store). */
static void age_store(clasp_redis_store *st)
{
    assert_clasp_ok(clasp_redis_store_ping(st));
    sleep_ms(WINDOW_MS + 100);
}

static clasp_redis_stats stats_of(clasp_redis_store *st)
{
    clasp_redis_stats s;
    assert_clasp_ok(clasp_redis_store_stats(st, &s));
    return s;
}

/* ---- handshakes ------------------------------------------------------- */

static clasp_config *fleet_server(clasp_redis_store *st)
{
    static const uint8_t name[16] = "redis fleet key";
    uint8_t key[32];
    memset(key, 0x3c, sizeof(key));
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_ticket_key(sc, name, 16, key, 32));
    assert_clasp_ok(clasp_redis_store_use(sc, st, WINDOW_MS));
    assert_clasp_ok(clasp_conf_early_data(sc, CLASP_EARLY_DATA_ENABLED));
    return sc;
}

static clasp_config *client_conf(void)
{
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_early_data(cc, CLASP_EARLY_DATA_ENABLED));
    return cc;
}

static clasp_session *first_session(clasp_config *cc, clasp_config *sc)
{
    tp_pair t;
    static const uint8_t msg[] = "tickets";
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg, sizeof(msg)));
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    return s;
}

static const uint8_t early_msg[] = "GET /redis HTTP/1.1\r\n\r\n (0-RTT)";

/* A resumption offering 0-RTT; returns the status both sides agree on.
 * Accepted: the early bytes arrive once, through clasp_read_early_data.
 * Rejected: none arrive early; the handshake completes and the resent
 * bytes arrive through clasp_read. flight (optional) receives a copy of
 * the client's first flight (ClientHello + 0-RTT records). */
static int early_attempt(clasp_config *cc, clasp_config *sc,
                         const clasp_session *s, uint8_t **flight,
                         size_t *flight_len)
{
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, s));
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    if (flight != NULL) {
        *flight_len = t.p.q[0].len;
        *flight = malloc(*flight_len);
        assert_non_null(*flight);
        memcpy(*flight, t.p.q[0].buf, *flight_len);
    }
    tp_pair_connect(&t);
    int status = clasp_get_early_data_status(t.srv);
    assert_int_equal(clasp_get_early_data_status(t.cli), status);
    assert_int_equal(clasp_is_session_resumed(t.srv), 1);
    uint8_t buf[256];
    if (status == CLASP_EARLY_DATA_STATUS_ACCEPTED) {
        assert_int_equal(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                         (int)sizeof(early_msg));
        assert_memory_equal(buf, early_msg, sizeof(early_msg));
    } else {
        assert_int_equal(status, CLASP_EARLY_DATA_STATUS_REJECTED);
        assert_clasp_ok(
            tp_transfer(t.cli, t.srv, early_msg, sizeof(early_msg)));
    }
    assert_clasp_err(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    tp_pair_free(&t);
    return status;
}

/* ---- tests ------------------------------------------------------------ */

static void api_arguments(void **state)
{
    (void)state;
    clasp_redis_store *st = NULL;
    static const char *const bad_urls[] = {
        "http://127.0.0.1:6379",
        "redis://",
        "redis://:6379",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:12x",
        "redis://h:",
        "redis://[::1",
        "redis://h:1/",
    };
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        st = NULL;
        assert_clasp_err(clasp_redis_store_new_url(bad_urls[i], &st),
                         CLASP_ERR_BAD_INPUT_DATA);
        assert_null(st);
    }
    assert_clasp_ok(clasp_redis_store_new_url("redis://[::1]:7000", &st));
    clasp_redis_store_free(st);
    assert_clasp_ok(clasp_redis_store_new_url("redis://localhost", &st));
    clasp_redis_store_free(st);
    assert_clasp_err(clasp_redis_store_new(NULL, 1, &st),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_new("h", 65536, &st),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_new("h", -1, &st),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_redis_store_new("h", 0, &st));
    assert_clasp_err(clasp_redis_store_timeouts(st, 10001, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_timeouts(st, 0, 10001),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_redis_store_timeouts(st, 0, 0));
    assert_clasp_err(clasp_redis_store_retry(st, 0), CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_retry(st, 60001),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_prefix(st, ""),
                     CLASP_ERR_BAD_INPUT_DATA);
    char long_prefix[CLASP_REDIS_MAX_PREFIX + 2];
    memset(long_prefix, 'p', sizeof(long_prefix) - 1);
    long_prefix[sizeof(long_prefix) - 1] = '\0';
    assert_clasp_err(clasp_redis_store_prefix(st, long_prefix),
                     CLASP_ERR_BAD_INPUT_DATA);
    uint8_t key[32] = {0};
    assert_clasp_err(clasp_redis_store_check(NULL, key, 32, wall_ms() + 1000),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_check(st, key, 0, wall_ms() + 1000),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_check(st, key, 65, wall_ms() + 1000),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_redis_store_use(NULL, st, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_redis_store_free(st);
    clasp_redis_store_free(NULL);
}

/* The check itself: §8.2 young store, then new / seen, PX, expiry. */
static void check_set_nx_px(void **state)
{
    (void)state;
    const char *prefix = next_prefix();
    clasp_redis_store *st = store_at(g_port, prefix);
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_redis_store_use(sc, st, WINDOW_MS));
    uint8_t key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)(0xa0 + i);
    }
    /* A Redis data set first used just now: refused for one window. */
    assert_clasp_err(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 2000),
        CLASP_ERR_BAD_STATE);
    char epoch[96];
    snprintf(epoch, sizeof(epoch), "%sepoch", prefix);
    assert_int_equal(raw_int("EXISTS", epoch), 1);
    assert_int_equal(raw_int("PTTL", epoch), -1); /* never expires */
    sleep_ms(WINDOW_MS + 100);
    assert_int_equal(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 2000), 0);
    assert_int_equal(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 2000), 1);
    /* The key is the prefix and the hex of the bytes, with a PX. */
    char name[160];
    int n = snprintf(name, sizeof(name), "%s", prefix);
    for (int i = 0; i < 32; i++) {
        n += snprintf(name + n, sizeof(name) - (size_t)n, "%02x", key[i]);
    }
    long long pttl = raw_int("PTTL", name);
    assert_true(pttl > 1000 && pttl <= 2000);
    /* An expiry in the past cannot be recorded: fail closed. */
    assert_clasp_err(clasp_redis_store_check(st, key, sizeof(key), 1000),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* A short PX expires: the key is new again afterwards. */
    key[0] ^= 1;
    assert_int_equal(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 500), 0);
    assert_int_equal(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 500), 1);
    sleep_ms(650);
    assert_int_equal(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 500), 0);
    clasp_redis_stats s = stats_of(st);
    assert_int_equal(s.fresh, 3);
    assert_int_equal(s.seen, 2);
    assert_int_equal(s.young, 1);
    assert_int_equal(s.failed, 2);
    assert_int_equal(s.connects, 1);
    clasp_config_free(sc);
    clasp_redis_store_free(st);
}

/* Two servers, one Redis: accepted once by server 1, the byte-identical
 * replay rejected by server 2 (not delivered); server 2 still accepts a
 * ClientHello of its own. */
static void fleet_replay(void **state)
{
    (void)state;
    const char *prefix = next_prefix();
    clasp_redis_store *sa = store_at(g_port, prefix);
    clasp_redis_store *sb = store_at(g_port, prefix);
    clasp_config *a = fleet_server(sa);
    clasp_config *b = fleet_server(sb);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, a);
    /* Young fleet store (§8.2): the first 0-RTT is refused. */
    assert_int_equal(early_attempt(cc, a, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    assert_int_equal(stats_of(sa).young, 1);
    clasp_session_free(s);
    age_store(sb);

    s = first_session(cc, a);
    uint8_t *flight = NULL;
    size_t flight_len = 0;
    assert_int_equal(early_attempt(cc, a, s, &flight, &flight_len),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    assert_int_equal(stats_of(sa).fresh, 2); /* the ClientHello, the ticket */

    /* The attacker replays the flight to server 2. */
    tp_pair r;
    tp_pair_init(&r, cc, b, 0, 0, "localhost");
    tp_q_push(&r.p.q[0], flight, flight_len);
    assert_clasp_err(clasp_handshake(r.srv), CLASP_ERR_WANT_READ);
    uint8_t buf[256];
    assert_clasp_err(clasp_read_early_data(r.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    assert_int_equal(r.srv->early_status, CLASP_EARLY_DATA_STATUS_REJECTED);
    assert_int_equal(clasp_is_session_resumed(r.srv), 1);
    /* The server's flight went out: the handshake goes on (1-RTT). */
    assert_true(r.p.q[1].len > 0);
    tp_pair_free(&r);
    clasp_redis_stats sbs = stats_of(sb);
    assert_int_equal(sbs.seen, 1);
    assert_int_equal(sbs.fresh, 0);
    /* And again to server 1 itself. */
    tp_pair_init(&r, cc, a, 0, 0, "localhost");
    tp_q_push(&r.p.q[0], flight, flight_len);
    assert_clasp_err(clasp_handshake(r.srv), CLASP_ERR_WANT_READ);
    assert_int_equal(r.srv->early_status, CLASP_EARLY_DATA_STATUS_REJECTED);
    tp_pair_free(&r);
    free(flight);

    /* Server 2 accepts a fresh ClientHello (a new ticket). */
    clasp_session *s2 = first_session(cc, b);
    assert_int_equal(early_attempt(cc, b, s2, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    assert_int_equal(stats_of(sb).fresh, 2);
    clasp_session_free(s2);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(a);
    clasp_config_free(b);
    clasp_redis_store_free(sa);
    clasp_redis_store_free(sb);
}

/* A direct check that must fail with err, timed (ms). Timing is taken
 * on the check alone, never on a handshake, so that slow runs (valgrind)
 * do not change what is measured. */
static uint64_t timed_fail(clasp_redis_store *st, int err)
{
    uint8_t key[32];
    memset(key, 0x5e, sizeof(key));
    uint64_t t0 = mono_ms();
    assert_clasp_err(
        clasp_redis_store_check(st, key, sizeof(key), wall_ms() + 2000), err);
    return mono_ms() - t0;
}

/* Nothing listens on the port: a connection attempt, refused; then none
 * until the retry delay; 0-RTT rejected, the connections complete. */
static void unreachable(void **state)
{
    (void)state;
    clasp_redis_store *st = store_at(free_port(0, NULL), next_prefix());
    assert_clasp_ok(clasp_redis_store_retry(st, 60000));
    clasp_config *sc = fleet_server(st);
    clasp_config *cc = client_conf();
    assert_true(timed_fail(st, CLASP_ERR_IO) < 1000);
    for (int i = 0; i < 2; i++) {
        clasp_session *s = first_session(cc, sc);
        assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                         CLASP_EARLY_DATA_STATUS_REJECTED);
        clasp_session_free(s);
    }
    clasp_redis_stats s = stats_of(st);
    assert_int_equal(s.conn_fails, 1);
    assert_int_equal(s.waits, 2);
    assert_int_equal(s.failed, 3);
    assert_int_equal(s.fresh + s.seen, 0);
    assert_int_equal(clasp_redis_store_ping(st), CLASP_ERR_IO);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_redis_store_free(st);
}

/* A socket that accepts (the kernel's backlog) but never answers: the
 * first command times out after command_ms (50 ms); then 0-RTT is
 * rejected without waiting (retry delay). */
static void never_answers(void **state)
{
    (void)state;
    int lfd = -1;
    int port = free_port(1, &lfd);
    clasp_redis_store *st = store_at(port, next_prefix());
    assert_clasp_ok(clasp_redis_store_timeouts(st, 50, 50));
    assert_clasp_ok(clasp_redis_store_retry(st, 60000));
    clasp_config *sc = fleet_server(st);
    clasp_config *cc = client_conf();
    uint64_t took = timed_fail(st, CLASP_ERR_IO);
    assert_true(took >= 50 && took < 1000);
    clasp_session *s = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    clasp_redis_stats x = stats_of(st);
    assert_int_equal(x.conn_fails, 1);
    assert_int_equal(x.timeouts, 1);
    assert_int_equal(x.waits, 1);
    clasp_session_free(s);
    close(lfd);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_redis_store_free(st);
}

/* Redis stops answering (SIGSTOP) on a live connection: the SET times
 * out (50 ms), the one reconnection attempt too (TIME), then checks fail
 * at once until the retry delay; a handshake meanwhile completes with
 * 0-RTT rejected. Redis back: after the retry delay the store reconnects
 * and 0-RTT is accepted again. Then Redis is killed (rejected) and
 * restarted empty: the store is young again for one window (§8.2,
 * fleet-wide epoch). */
static void stopped_killed_restarted(void **state)
{
    (void)state;
    clasp_redis_store *st = store_at(g_port, next_prefix());
    assert_clasp_ok(clasp_redis_store_timeouts(st, 50, 50));
    assert_clasp_ok(clasp_redis_store_retry(st, 2000));
    clasp_config *sc = fleet_server(st);
    clasp_config *cc = client_conf();
    age_store(st);
    clasp_session *s = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    clasp_session_free(s);

    s = first_session(cc, sc);
    assert_int_equal(kill(g_redis, SIGSTOP), 0);
    uint64_t took = timed_fail(st, CLASP_ERR_IO); /* SET times out */
    assert_true(took >= 50 && took < 1000);
    took = timed_fail(st, CLASP_ERR_IO); /* reconnect: TIME times out */
    assert_true(took >= 50 && took < 1000);
    took = timed_fail(st, CLASP_ERR_IO); /* retry delay: no attempt */
    assert_true(took < 40);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    clasp_session_free(s);
    clasp_redis_stats x = stats_of(st);
    assert_int_equal(x.timeouts, 2);
    assert_int_equal(x.conn_fails, 1);
    assert_int_equal(x.waits, 2);
    assert_int_equal(kill(g_redis, SIGCONT), 0);
    sleep_ms(2100);
    s = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    clasp_session_free(s);
    assert_int_equal(stats_of(st).connects, 2);

    /* Killed: unreachable. */
    stop_redis();
    s = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    clasp_session_free(s);
    /* Restarted empty: young again for one window. */
    start_redis();
    (void)timed_fail(st, CLASP_ERR_BAD_STATE);
    assert_int_equal(stats_of(st).young, 1);
    sleep_ms(WINDOW_MS + 100);
    s = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s, NULL, NULL),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_redis_store_free(st);
}

/* One store shared by threads (one config, many connections): each key
 * is new for exactly one of them (the store's mutex around its one
 * connection). */
#define RACE_THREADS 4u
#define RACE_KEYS 64u

static int redis_check(void *arg, const uint8_t *key, size_t len)
{
    return clasp_redis_store_check(arg, key, len, wall_ms() + 5000);
}

static void threads_share_store(void **state)
{
    (void)state;
    clasp_redis_store *st = store_at(g_port, next_prefix());
    assert_clasp_ok(clasp_redis_store_timeouts(st, 1000, 1000));
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_redis_store_use(sc, st, WINDOW_MS));
    age_store(st);
    tp_race_result r = tp_race(redis_check, st, RACE_THREADS, RACE_KEYS);
    assert_int_equal(r.errors, 0);
    assert_int_equal(r.fresh, RACE_KEYS);
    assert_int_equal(r.seen, (RACE_THREADS - 1) * RACE_KEYS);
    clasp_redis_stats x = stats_of(st);
    assert_int_equal(x.fresh, RACE_KEYS);
    assert_int_equal(x.connects, 1);
    clasp_config_free(sc);
    clasp_redis_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(api_arguments),
        cmocka_unit_test(check_set_nx_px),
        cmocka_unit_test(fleet_replay),
        cmocka_unit_test(threads_share_store),
        cmocka_unit_test(unreachable),
        cmocka_unit_test(never_answers),
        cmocka_unit_test(stopped_killed_restarted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
