/* Threads racing on one anti-replay store (tests of the in-memory and the
 * Redis store): each of `threads` threads checks the same `keys` keys, key
 * i being 32 bytes derived from i; a store whose check-and-insert is
 * atomic answers "new" exactly once per key. */
#ifndef CLASP_TEST_RACE_H
#define CLASP_TEST_RACE_H

#include <stddef.h>
#include <stdint.h>

/* 0: the key is new (now recorded), 1: seen before, < 0: an error. */
typedef int tp_race_check_fn(void *arg, const uint8_t *key, size_t len);

typedef struct {
    unsigned fresh; /* "new" answers, over all threads */
    unsigned seen;
    unsigned errors;
} tp_race_result;

/* Run the race (threads <= 16); fails the test if a thread cannot be
 * started. */
tp_race_result tp_race(tp_race_check_fn *check, void *arg, unsigned threads,
                       unsigned keys);

#endif
