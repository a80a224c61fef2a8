/*
 * Allocation fault injection (issue #8): an allocator installed with
 * clasp_set_allocator fails the N-th allocation; for N = 1, 2, ... a whole
 * connection is run (tests/fault/fault_common.h: configurations, contexts,
 * handshake, data both ways, KeyUpdate, teardown) until a run needs fewer
 * than N allocations. Every run must stop with exactly
 * CLASP_ERR_ALLOC_FAILED on the side that failed (config creation returns
 * NULL), the peer must see internal_error or simply fail, and once
 * everything is freed no allocation may be left (no leak). Done for each
 * kind: full handshake, HelloRetryRequest, client authentication,
 * resumption with a ticket (the first connection, which makes the ticket,
 * is not faulted), external PSK, resumption with 0-RTT data.
 *
 * Environment: CLASP_FAULT_STRIDE=k tests every k-th N only (for slow
 * runs under valgrind; the default is every N).
 */
#include "fault_common.h"

#include <stdlib.h>

static long g_fail_at; /* fail this allocation (1-based); 0: never */
static long g_count;   /* allocations requested so far */
static long g_live;    /* allocations not freed yet */
static bool g_failed;  /* the injected failure happened */

static bool g_paused; /* fc_pause(): not counted as fault points */

static void fa_pause(bool paused)
{
    g_paused = paused;
}

static void *fa_calloc(size_t n, size_t size)
{
    if (!g_paused) {
        g_count++;
    }
    if (!g_paused && g_count == g_fail_at) {
        g_failed = true;
        return NULL;
    }
    void *p = calloc(n, size);
    if (p != NULL) {
        g_live++;
    }
    return p;
}

static void fa_free(void *p)
{
    if (p != NULL) {
        g_live--;
        free(p);
    }
}

static long stride(void)
{
    const char *s = getenv("CLASP_FAULT_STRIDE");
    long k = s != NULL ? strtol(s, NULL, 10) : 1;
    return k > 0 ? k : 1;
}

static void run_kind(fc_kind kind)
{
    char what[64];
    long step = stride();
    long runs = 0, total = 0;
    fc_tally t = {0};
    /* Bounded: a handshake makes a few hundred allocations. */
    for (long n = 1; n < 100000; n += step) {
        g_fail_at = n;
        g_count = 0;
        g_live = 0;
        g_failed = false;
        assert_clasp_ok(clasp_set_allocator(fa_calloc, fa_free));
        fc_outcome o;
        fc_run(kind, NULL, NULL, CLASP_ERR_ALLOC_FAILED, &o);
        assert_clasp_ok(clasp_set_allocator(NULL, NULL));
        snprintf(what, sizeof(what), "%s, allocation %ld", fc_kind_names[kind],
                 n);
        if (g_live != 0) {
            print_error("%s: %ld allocation(s) leaked (stopped at %s)\n", what,
                        g_live, o.step != NULL ? o.step : "end");
        }
        assert_int_equal(g_live, 0);
        runs++;
        if (!g_failed) {
            /* The run needed fewer than n allocations: it must have
             * completed, and we are done. */
            fc_check(&o, false, CLASP_OK, what, &t);
            total = g_count;
            break;
        }
        fc_check(&o, true, CLASP_ERR_ALLOC_FAILED, what, &t);
    }
    assert_true(total > 0);
    print_message("%s: %ld allocations per connection, %ld runs; peer got "
                  "internal_error %ld, failed otherwise %ld, was waiting "
                  "%ld; before any I/O %ld; absorbed %ld\n",
                  fc_kind_names[kind], total, runs, t.alerted, t.failed,
                  t.waiting, t.quiet, t.absorbed);
    /* A failed allocation is an error, never silently skipped. */
    assert_int_equal(t.absorbed, 0);
}

static void alloc_faults_full_handshake(void **state)
{
    (void)state;
    run_kind(FC_FULL);
}

static void alloc_faults_hello_retry_request(void **state)
{
    (void)state;
    run_kind(FC_HRR);
}

static void alloc_faults_client_auth(void **state)
{
    (void)state;
    run_kind(FC_CLIENT_AUTH);
}

static void alloc_faults_resumption(void **state)
{
    (void)state;
    run_kind(FC_RESUMPTION);
}

static void alloc_faults_external_psk(void **state)
{
    (void)state;
    run_kind(FC_PSK);
}

static void alloc_faults_early_data(void **state)
{
    (void)state;
    run_kind(FC_EARLY_DATA);
}

int main(void)
{
    fc_pause = fa_pause;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alloc_faults_full_handshake),
        cmocka_unit_test(alloc_faults_hello_retry_request),
        cmocka_unit_test(alloc_faults_client_auth),
        cmocka_unit_test(alloc_faults_resumption),
        cmocka_unit_test(alloc_faults_external_psk),
        cmocka_unit_test(alloc_faults_early_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
