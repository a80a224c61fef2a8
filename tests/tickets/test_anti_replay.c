/* The in-memory anti-replay store (src/tickets/anti_replay.c, RFC 8446
 * §8.2): a key is new once, seen until its expiry, new again after it;
 * the store is bounded (a full store refuses to insert: 0-RTT is then
 * rejected, never a replay accepted); bad keys are refused; threads
 * sharing one store (one config serves many threads) see each key as new
 * exactly once. */
#include "testlib.h"

#include <string.h>

#include "race.h"
#include "tickets/anti_replay.h"

static void key_of(uint32_t i, uint8_t *key)
{
    memset(key, 0, CLASP_REPLAY_KEY_LEN);
    key[0] = (uint8_t)(i >> 24);
    key[1] = (uint8_t)(i >> 16);
    key[2] = (uint8_t)(i >> 8);
    key[3] = (uint8_t)i;
}

static void check_insert_expire(void **state)
{
    (void)state;
    struct clasp_replay_mem *s = NULL;
    assert_clasp_ok(clasp_replay_mem_new(1000, &s));
    uint8_t k[CLASP_REPLAY_KEY_LEN];
    key_of(7, k);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 2000, 1000), 0);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 2000, 1500), 1);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 3000, 1999), 1);
    /* Expired at 2000: new again. */
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 3000, 2000), 0);
    key_of(8, k);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 3000, 2000), 0);
    assert_clasp_err(clasp_replay_mem_check(s, k, 16, 3000, 2000),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_replay_mem_check(NULL, k, sizeof(k), 3000, 2000),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_replay_mem_free(s);
}

static void bounded(void **state)
{
    (void)state;
    struct clasp_replay_mem *s = NULL;
    assert_clasp_ok(clasp_replay_mem_new(0, &s));
    uint8_t k[CLASP_REPLAY_KEY_LEN];
    for (uint32_t i = 0; i < CLASP_REPLAY_MAX_ENTRIES; i++) {
        key_of(i, k);
        assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 100, 10), 0);
    }
    key_of(CLASP_REPLAY_MAX_ENTRIES, k);
    assert_clasp_err(clasp_replay_mem_check(s, k, sizeof(k), 100, 10),
                     CLASP_ERR_ALLOC_FAILED);
    /* A key already there is still found in a full store. */
    key_of(3, k);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 100, 10), 1);
    /* Once the entries expire, room again. */
    key_of(CLASP_REPLAY_MAX_ENTRIES, k);
    assert_int_equal(clasp_replay_mem_check(s, k, sizeof(k), 200, 100), 0);
    clasp_replay_mem_free(s);
}

/* Threads racing on the same keys: each key is "new" for exactly one of
 * them (the store's mutex makes check-and-insert atomic). */
#define RACE_THREADS 4u
#define RACE_KEYS 1024u

static int mem_check(void *arg, const uint8_t *key, size_t len)
{
    return clasp_replay_mem_check(arg, key, len, 100000, 10);
}

static void threads_once(void **state)
{
    (void)state;
    struct clasp_replay_mem *s = NULL;
    assert_clasp_ok(clasp_replay_mem_new(0, &s));
    tp_race_result r = tp_race(mem_check, s, RACE_THREADS, RACE_KEYS);
    assert_int_equal(r.errors, 0);
    assert_int_equal(r.fresh, RACE_KEYS);
    assert_int_equal(r.seen, (RACE_THREADS - 1) * RACE_KEYS);
    clasp_replay_mem_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_insert_expire),
        cmocka_unit_test(bounded),
        cmocka_unit_test(threads_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
