#include "race.h"

#include "testlib.h"

#include <pthread.h>
#include <string.h>

#define RACE_MAX_THREADS 16

typedef struct {
    tp_race_check_fn *check;
    void *arg;
    unsigned keys;
    tp_race_result r;
} racer;

static void *race_run(void *p)
{
    racer *x = p;
    uint8_t key[32];
    memset(key, 0x77, sizeof(key));
    for (unsigned i = 0; i < x->keys; i++) {
        key[0] = (uint8_t)i;
        key[1] = (uint8_t)(i >> 8);
        int rc = x->check(x->arg, key, sizeof(key));
        if (rc == 0) {
            x->r.fresh++;
        } else if (rc == 1) {
            x->r.seen++;
        } else {
            x->r.errors++;
        }
    }
    return NULL;
}

tp_race_result tp_race(tp_race_check_fn *check, void *arg, unsigned threads,
                       unsigned keys)
{
    racer x[RACE_MAX_THREADS];
    pthread_t th[RACE_MAX_THREADS];
    assert_true(threads <= RACE_MAX_THREADS && keys <= 65536);
    memset(x, 0, sizeof(x));
    for (unsigned i = 0; i < threads; i++) {
        x[i].check = check;
        x[i].arg = arg;
        x[i].keys = keys;
        assert_int_equal(pthread_create(&th[i], NULL, race_run, &x[i]), 0);
    }
    tp_race_result sum = {0, 0, 0};
    for (unsigned i = 0; i < threads; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        sum.fresh += x[i].r.fresh;
        sum.seen += x[i].r.seen;
        sum.errors += x[i].r.errors;
    }
    return sum;
}
