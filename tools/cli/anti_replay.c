/*
 * `clasp server -anti_replay redis://HOST[:PORT][/PREFIX]`: the 0-RTT
 * anti-replay store on Redis (libclasp_redis, include/clasp/clasp_redis.h)
 * when this build has it (CLASP_CLI_REDIS, set by CMake), otherwise a
 * clear refusal at option parsing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#if CLASP_CLI_REDIS

#include "clasp/clasp_redis.h"

/* One store for the process: it outlives the config (freed at exit). */
static clasp_redis_store *g_store;

static void free_store(void)
{
    clasp_redis_store_free(g_store);
    g_store = NULL;
}

int cli_redis_available(void)
{
    return 1;
}

int cli_redis_use(clasp_config *conf, const char *url, uint32_t window_ms)
{
    if (g_store != NULL) {
        return clasp_redis_store_use(conf, g_store, window_ms);
    }
    int rc = clasp_redis_store_new_url(url, &g_store);
    if (rc < 0) {
        fprintf(stderr,
                "clasp: -anti_replay %s: %s (redis://HOST[:PORT]"
                "[/PREFIX])\n",
                url, clasp_strerror(rc));
        return rc;
    }
    atexit(free_store);
    rc = clasp_redis_store_use(conf, g_store, window_ms);
    if (rc < 0) {
        fprintf(stderr, "clasp: -anti_replay: %s\n", clasp_strerror(rc));
        return rc;
    }
    /* Fail closed: a Redis down now only means 0-RTT rejected. */
    if (clasp_redis_store_ping(g_store) != 0) {
        fprintf(stderr,
                "clasp: warning: -anti_replay %s: Redis does not answer; "
                "0-RTT is rejected until it does (fail closed)\n",
                url);
    }
    return 0;
}

#else

int cli_redis_available(void)
{
    return 0;
}

int cli_redis_use(clasp_config *conf, const char *url, uint32_t window_ms)
{
    (void)conf;
    (void)window_ms;
    fprintf(stderr, "clasp: -anti_replay %s: built without libclasp_redis\n",
            url);
    return CLASP_ERR_UNSUPPORTED;
}

#endif
