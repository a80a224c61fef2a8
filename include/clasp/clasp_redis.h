/**
 * clasp_redis.h: a fleet-wide 0-RTT anti-replay store on Redis (RFC 8446
 * §8), in its own library, libclasp_redis (built when hiredis is found;
 * link it together with libclasp: `pkg-config --libs clasp_redis`).
 * libclasp itself never depends on hiredis.
 *
 * Every server of a fleet that shares ticket keys points its config at
 * the same Redis: a ClientHello (and a ticket) is then accepted for 0-RTT
 * by one server of the fleet, once. Each check is one atomic command,
 * `SET <prefix><hex key> 1 NX PX <ms until expiry>`: "OK" means the key
 * was new (0-RTT may be accepted), nil means it was there (a replay).
 *
 * Fail closed: whenever the store cannot answer (Redis unreachable, a
 * connect or command timeout, an unexpected reply, a store younger than
 * one window) the check returns a negative CLASP_ERR_* and the handshake
 * rejects 0-RTT; the handshake itself goes on (1-RTT). A possible replay
 * is never accepted.
 *
 * Thread safety: one store holds one Redis connection, guarded by a
 * mutex; a config using it may serve connections on any number of
 * threads. Checks on one store are serialized (each holds the mutex for
 * one round trip, at most the command timeout); a busy server can use one
 * store per config or per thread group.
 *
 * See docs/EARLY-DATA.md "A fleet-wide store on Redis".
 */
#ifndef CLASP_REDIS_H
#define CLASP_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "clasp/clasp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clasp_redis_store clasp_redis_store;

/** Defaults: connect and command timeouts, the least time between two
 * connection attempts after a failure, the key prefix. */
#define CLASP_REDIS_DEFAULT_TIMEOUT_MS 50u
#define CLASP_REDIS_DEFAULT_RETRY_MS 1000u
#define CLASP_REDIS_DEFAULT_PREFIX "clasp:0rtt:"
/** Longest host name and key prefix. */
#define CLASP_REDIS_MAX_HOST 255u
#define CLASP_REDIS_MAX_PREFIX 128u

/** A store for the Redis at host:port (TCP; port 0: 6379). Nothing is
 * connected yet: the first check (or clasp_redis_store_ping()) connects.
 * CLASP_ERR_BAD_INPUT_DATA: no host, a host too long, a bad port. */
CLASP_API int clasp_redis_store_new(const char *host, int port,
                                    clasp_redis_store **out);
/** The same from "redis://HOST[:PORT][/PREFIX]" (HOST may be an IPv6
 * address in brackets; PREFIX replaces the default key prefix). */
CLASP_API int clasp_redis_store_new_url(const char *url,
                                        clasp_redis_store **out);
/** Closes the connection and frees the store (NULL: nothing). Free it
 * only after every config using it. */
CLASP_API void clasp_redis_store_free(clasp_redis_store *st);

/** Connect and command timeouts in ms (0: keep the current value; both
 * at most 10000). A command that times out drops the connection. */
CLASP_API int clasp_redis_store_timeouts(clasp_redis_store *st,
                                         uint32_t connect_ms,
                                         uint32_t command_ms);
/** After a failed connection attempt (or a dropped connection), checks
 * fail at once, without network traffic, until retry_ms have passed:
 * at most one connection attempt per retry_ms (1..60000). */
CLASP_API int clasp_redis_store_retry(clasp_redis_store *st, uint32_t retry_ms);
/** The prefix of every key (1..CLASP_REDIS_MAX_PREFIX bytes): servers
 * that must see each other's ClientHellos share it. */
CLASP_API int clasp_redis_store_prefix(clasp_redis_store *st,
                                       const char *prefix);

/** Use the store for conf's anti-replay: calls clasp_conf_anti_replay()
 * with clasp_redis_store_check and window_ms (0: 10 s). Call it before
 * clasp_conf_early_data(). The store itself applies the start-up rule of
 * RFC 8446 §8.2 to the whole fleet: on each connection it records, in
 * Redis, when the Redis data set was first used (key <prefix>epoch,
 * created with NX, never expiring; Redis's own clock) and refuses 0-RTT
 * until one window after it. A Redis restarted empty therefore refuses
 * 0-RTT fleet-wide for one window; one that kept its data does not. */
CLASP_API int clasp_redis_store_use(clasp_config *conf, clasp_redis_store *st,
                                    uint32_t window_ms);

/** The clasp_replay_check_t of the store (arg: the store): 0 the key was
 * new (recorded until expiry_ms, with PX), 1 it was there (a replay);
 * CLASP_ERR_IO: Redis unreachable, a timeout or an unexpected reply;
 * CLASP_ERR_BAD_STATE: the store is younger than one window (§8.2);
 * CLASP_ERR_BAD_INPUT_DATA: a bad key or an expiry not in the future. */
CLASP_API int clasp_redis_store_check(void *arg, const unsigned char *key,
                                      size_t key_len, uint64_t expiry_ms);

/** Connect now if not connected (at most one attempt per retry_ms) and
 * send PING: 0 when Redis answered, CLASP_ERR_IO otherwise. */
CLASP_API int clasp_redis_store_ping(clasp_redis_store *st);

/** What the store did so far. */
typedef struct clasp_redis_stats {
    uint64_t fresh;      /**< checks answered "new" */
    uint64_t seen;       /**< checks answered "replay" */
    uint64_t failed;     /**< checks that could not be answered */
    uint64_t young;      /**< ...of them: store younger than a window */
    uint64_t connects;   /**< successful connections */
    uint64_t conn_fails; /**< failed connection attempts */
    uint64_t timeouts;   /**< commands that timed out or broke */
    uint64_t waits;      /**< checks failed without trying (retry_ms) */
} clasp_redis_stats;
CLASP_API int clasp_redis_store_stats(clasp_redis_store *st,
                                      clasp_redis_stats *out);

#ifdef __cplusplus
}
#endif

#endif
