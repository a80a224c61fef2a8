/*
 * The Redis anti-replay store (include/clasp/clasp_redis.h): a
 * clasp_replay_check_t over one hiredis connection, for a fleet of
 * servers sharing ticket keys (RFC 8446 §8).
 *
 * Owns: the store's connection, its settings and counters. This file is
 * libclasp_redis, a library of its own: it sees only the public API of
 * libclasp (include/clasp/), never src/ internals (libclasp's internal
 * symbols are hidden), and it is the only place that includes hiredis.
 *
 * Invariants: every use of the connection, the settings and the counters
 * holds st->lock; a check makes at most one connection attempt, and none
 * while the retry delay after a failure runs; every failure (no
 * connection, timeout, unexpected reply, store younger than one window)
 * is a negative answer, which the handshake turns into "0-RTT rejected"
 * (fail closed). Never: accept a key it could not record, block longer
 * than connect timeout + 4 command timeouts per check.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clasp/clasp_redis.h"

/* Longest key the handshake gives (it gives 32: SHA-256 outputs). */
#define MAX_KEY_LEN 64u
/* Longest PX: a record never needs to outlive two windows (§8.2); a
 * day bounds what a wrong expiry could leave in Redis. */
#define MAX_PX_MS (24ull * 3600 * 1000)
#define MAX_TIMEOUT_MS 10000u
#define MAX_RETRY_MS 60000u
#define DEFAULT_PORT 6379
#define DEFAULT_WINDOW_MS 10000u
#define EPOCH_SUFFIX "epoch"

struct clasp_redis_store {
    pthread_mutex_t lock;
    char host[CLASP_REDIS_MAX_HOST + 1];
    int port;
    char prefix[CLASP_REDIS_MAX_PREFIX + 1];
    uint32_t connect_ms;
    uint32_t command_ms;
    uint32_t retry_ms;
    uint32_t window_ms;
    redisContext *ctx;     /* NULL: not connected */
    uint64_t next_try_ms;  /* monotonic: no attempt before */
    uint64_t epoch_age_ms; /* age of the Redis data set at connection */
    uint64_t connected_ms; /* monotonic time of the connection */
    clasp_redis_stats stats;
};

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timeval tv_of(uint32_t ms)
{
    struct timeval tv;
    tv.tv_sec = (time_t)(ms / 1000u);
    tv.tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
    return tv;
}

/* ---- the connection (st->lock held) ----------------------------------- */

static void drop(clasp_redis_store *st)
{
    if (st->ctx != NULL) {
        redisFree(st->ctx);
        st->ctx = NULL;
    }
}

/* A command failed at the transport (timeout, reset, closed): the
 * connection's state is unknown, so it goes; the next check may
 * reconnect at once (one attempt), then the retry delay applies. */
static int broken(clasp_redis_store *st)
{
    st->stats.timeouts++;
    drop(st);
    st->next_try_ms = clock_ms(CLOCK_MONOTONIC);
    return CLASP_ERR_IO;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 19) {
        return CLASP_ERR_IO;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return CLASP_ERR_IO;
        }
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return CLASP_OK;
}

/* Redis's clock (TIME: seconds and microseconds as two strings). */
static int redis_now(clasp_redis_store *st, uint64_t *now_ms)
{
    redisReply *r = redisCommand(st->ctx, "TIME");
    if (r == NULL) {
        return broken(st);
    }
    uint64_t sec = 0;
    uint64_t usec = 0;
    int rc = CLASP_ERR_IO;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[1]->type == REDIS_REPLY_STRING &&
        parse_u64(r->element[0]->str, r->element[0]->len, &sec) == 0 &&
        parse_u64(r->element[1]->str, r->element[1]->len, &usec) == 0) {
        *now_ms = sec * 1000u + usec / 1000u;
        rc = CLASP_OK;
    }
    freeReplyObject(r);
    return rc;
}

/* §8.2 for the fleet: when was this Redis data set first used? The
 * first server to ask records Redis's time under <prefix>epoch (NX, no
 * expiry); everyone reads it back. */
static int read_epoch(clasp_redis_store *st)
{
    uint64_t now = 0;
    int rc = redis_now(st, &now);
    if (rc != CLASP_OK) {
        return rc;
    }
    char key[CLASP_REDIS_MAX_PREFIX + sizeof(EPOCH_SUFFIX)];
    snprintf(key, sizeof(key), "%s%s", st->prefix, EPOCH_SUFFIX);
    redisReply *r =
        redisCommand(st->ctx, "SET %s %llu NX", key, (unsigned long long)now);
    if (r == NULL) {
        return broken(st);
    }
    int ok = r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_NIL;
    freeReplyObject(r);
    if (!ok) {
        return CLASP_ERR_IO;
    }
    r = redisCommand(st->ctx, "GET %s", key);
    if (r == NULL) {
        return broken(st);
    }
    uint64_t epoch = 0;
    rc = CLASP_ERR_IO;
    if (r->type == REDIS_REPLY_STRING &&
        parse_u64(r->str, r->len, &epoch) == 0) {
        st->epoch_age_ms = now > epoch ? now - epoch : 0;
        st->connected_ms = clock_ms(CLOCK_MONOTONIC);
        rc = CLASP_OK;
    }
    freeReplyObject(r);
    return rc;
}

/* Connected, or CLASP_ERR_IO (at most one attempt per retry_ms). */
static int ensure_connected(clasp_redis_store *st)
{
    if (st->ctx != NULL) {
        return CLASP_OK;
    }
    uint64_t now = clock_ms(CLOCK_MONOTONIC);
    if (now < st->next_try_ms) {
        st->stats.waits++;
        return CLASP_ERR_IO;
    }
    st->next_try_ms = now + st->retry_ms;
    redisContext *c =
        redisConnectWithTimeout(st->host, st->port, tv_of(st->connect_ms));
    if (c == NULL || c->err != 0 ||
        redisSetTimeout(c, tv_of(st->command_ms)) != REDIS_OK) {
        st->stats.conn_fails++;
        if (c != NULL) {
            redisFree(c);
        }
        return CLASP_ERR_IO;
    }
    st->ctx = c;
    int rc = read_epoch(st);
    if (rc != CLASP_OK) {
        st->stats.conn_fails++;
        drop(st);
        st->next_try_ms = now + st->retry_ms;
        return rc;
    }
    st->stats.connects++;
    return CLASP_OK;
}

/* ---- the check ----------------------------------------------------------
 */

/* SET <name> 1 NX PX <px>: 0 new, 1 present, CLASP_ERR_IO otherwise. */
static int set_nx(clasp_redis_store *st, const char *name, uint64_t px)
{
    redisReply *r = redisCommand(st->ctx, "SET %s 1 NX PX %llu", name,
                                 (unsigned long long)px);
    if (r == NULL) {
        return broken(st);
    }
    int rc = CLASP_ERR_IO;
    if (r->type == REDIS_REPLY_STATUS && r->len == 2 &&
        strcmp(r->str, "OK") == 0) {
        rc = 0;
    } else if (r->type == REDIS_REPLY_NIL) {
        rc = 1;
    }
    /* Anything else (an error reply such as LOADING or READONLY) leaves
     * the connection usable but the key unrecorded: fail closed. */
    freeReplyObject(r);
    return rc;
}

static int check_locked(clasp_redis_store *st, const char *name, uint64_t px)
{
    int rc = ensure_connected(st);
    if (rc != CLASP_OK) {
        return rc;
    }
    uint64_t age =
        st->epoch_age_ms + (clock_ms(CLOCK_MONOTONIC) - st->connected_ms);
    if (age < st->window_ms) {
        /* §8.2: the data set may miss ClientHellos of the last window. */
        st->stats.young++;
        return CLASP_ERR_BAD_STATE;
    }
    return set_nx(st, name, px);
}

int clasp_redis_store_check(void *arg, const unsigned char *key, size_t key_len,
                            uint64_t expiry_ms)
{
    clasp_redis_store *st = arg;
    if (st == NULL || key == NULL || key_len == 0 || key_len > MAX_KEY_LEN) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    /* PX is relative: expiry_ms is the config's clock, taken as the wall
     * clock (the default). An expiry not in the future cannot be
     * recorded: fail closed. */
    uint64_t now = clock_ms(CLOCK_REALTIME);
    if (expiry_ms <= now) {
        pthread_mutex_lock(&st->lock);
        st->stats.failed++;
        pthread_mutex_unlock(&st->lock);
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    uint64_t px = expiry_ms - now;
    if (px > MAX_PX_MS) {
        px = MAX_PX_MS;
    }
    char name[CLASP_REDIS_MAX_PREFIX + 2 * MAX_KEY_LEN + 1];
    static const char digits[] = "0123456789abcdef";
    pthread_mutex_lock(&st->lock);
    size_t n = strlen(st->prefix);
    snprintf(name, sizeof(name), "%s", st->prefix);
    for (size_t i = 0; i < key_len; i++) {
        name[n + 2 * i] = digits[key[i] >> 4];
        name[n + 2 * i + 1] = digits[key[i] & 15u];
    }
    name[n + 2 * key_len] = '\0';
    int rc = check_locked(st, name, px);
    if (rc == 0) {
        st->stats.fresh++;
    } else if (rc == 1) {
        st->stats.seen++;
    } else {
        st->stats.failed++;
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int clasp_redis_store_ping(clasp_redis_store *st)
{
    if (st == NULL) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    pthread_mutex_lock(&st->lock);
    int rc = ensure_connected(st);
    if (rc == CLASP_OK) {
        redisReply *r = redisCommand(st->ctx, "PING");
        if (r == NULL) {
            rc = broken(st);
        } else {
            rc = r->type == REDIS_REPLY_STATUS ? CLASP_OK : CLASP_ERR_IO;
            freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* ---- life cycle and settings ------------------------------------------ */

int clasp_redis_store_new(const char *host, int port, clasp_redis_store **out)
{
    if (out == NULL || host == NULL || host[0] == '\0' ||
        strlen(host) > CLASP_REDIS_MAX_HOST || port < 0 || port > 65535) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    *out = NULL;
    clasp_redis_store *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return CLASP_ERR_ALLOC_FAILED;
    }
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return CLASP_ERR_INTERNAL;
    }
    snprintf(st->host, sizeof(st->host), "%s", host);
    st->port = port != 0 ? port : DEFAULT_PORT;
    snprintf(st->prefix, sizeof(st->prefix), "%s", CLASP_REDIS_DEFAULT_PREFIX);
    st->connect_ms = CLASP_REDIS_DEFAULT_TIMEOUT_MS;
    st->command_ms = CLASP_REDIS_DEFAULT_TIMEOUT_MS;
    st->retry_ms = CLASP_REDIS_DEFAULT_RETRY_MS;
    st->window_ms = DEFAULT_WINDOW_MS;
    *out = st;
    return CLASP_OK;
}

/* "redis://HOST[:PORT][/PREFIX]", HOST possibly "[v6]". */
int clasp_redis_store_new_url(const char *url, clasp_redis_store **out)
{
    static const char scheme[] = "redis://";
    if (url == NULL || out == NULL ||
        strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    const char *h = url + sizeof(scheme) - 1;
    const char *h_end;
    const char *p;
    if (*h == '[') {
        h++;
        h_end = strchr(h, ']');
        if (h_end == NULL) {
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        p = h_end + 1;
    } else {
        h_end = h + strcspn(h, ":/");
        p = h_end;
    }
    size_t hlen = (size_t)(h_end - h);
    if (hlen == 0 || hlen > CLASP_REDIS_MAX_HOST) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    char host[CLASP_REDIS_MAX_HOST + 1];
    snprintf(host, sizeof(host), "%.*s", (int)hlen, h);
    long port = 0;
    if (*p == ':') {
        char *end = NULL;
        errno = 0;
        port = strtol(p + 1, &end, 10);
        if (end == p + 1 || errno != 0 || port < 1 || port > 65535 ||
            (*end != '\0' && *end != '/')) {
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        p = end;
    }
    if (*p != '\0' && *p != '/') {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    clasp_redis_store *st = NULL;
    int rc = clasp_redis_store_new(host, (int)port, &st);
    if (rc == CLASP_OK && *p == '/') {
        rc = clasp_redis_store_prefix(st, p + 1);
    }
    if (rc != CLASP_OK) {
        clasp_redis_store_free(st);
        return rc;
    }
    *out = st;
    return CLASP_OK;
}

void clasp_redis_store_free(clasp_redis_store *st)
{
    if (st == NULL) {
        return;
    }
    drop(st);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

int clasp_redis_store_timeouts(clasp_redis_store *st, uint32_t connect_ms,
                               uint32_t command_ms)
{
    if (st == NULL || connect_ms > MAX_TIMEOUT_MS ||
        command_ms > MAX_TIMEOUT_MS) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    pthread_mutex_lock(&st->lock);
    if (connect_ms != 0) {
        st->connect_ms = connect_ms;
    }
    if (command_ms != 0) {
        st->command_ms = command_ms;
        if (st->ctx != NULL &&
            redisSetTimeout(st->ctx, tv_of(command_ms)) != REDIS_OK) {
            drop(st);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return CLASP_OK;
}

int clasp_redis_store_retry(clasp_redis_store *st, uint32_t retry_ms)
{
    if (st == NULL || retry_ms == 0 || retry_ms > MAX_RETRY_MS) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    pthread_mutex_lock(&st->lock);
    st->retry_ms = retry_ms;
    pthread_mutex_unlock(&st->lock);
    return CLASP_OK;
}

int clasp_redis_store_prefix(clasp_redis_store *st, const char *prefix)
{
    if (st == NULL || prefix == NULL || prefix[0] == '\0' ||
        strlen(prefix) > CLASP_REDIS_MAX_PREFIX) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    pthread_mutex_lock(&st->lock);
    snprintf(st->prefix, sizeof(st->prefix), "%s", prefix);
    /* The epoch key lives under the prefix: read it again. */
    drop(st);
    st->next_try_ms = 0;
    pthread_mutex_unlock(&st->lock);
    return CLASP_OK;
}

int clasp_redis_store_use(clasp_config *conf, clasp_redis_store *st,
                          uint32_t window_ms)
{
    if (conf == NULL || st == NULL) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    uint32_t w = window_ms != 0 ? window_ms : DEFAULT_WINDOW_MS;
    /* started_ms 0: the library's own §8.2 check passes; the store
     * applies the rule with the fleet's epoch instead. */
    int rc = clasp_conf_anti_replay(conf, clasp_redis_store_check, st, 0, w);
    if (rc != CLASP_OK) {
        return rc;
    }
    pthread_mutex_lock(&st->lock);
    st->window_ms = w;
    pthread_mutex_unlock(&st->lock);
    return CLASP_OK;
}

int clasp_redis_store_stats(clasp_redis_store *st, clasp_redis_stats *out)
{
    if (st == NULL || out == NULL) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    pthread_mutex_lock(&st->lock);
    *out = st->stats;
    pthread_mutex_unlock(&st->lock);
    return CLASP_OK;
}
