/*
 * One server config and one client config shared by several threads, as
 * on a busy server: each thread runs its own connections (a full
 * handshake, a resumption with a ticket it got, then 0-RTT with a ticket
 * of the resumption) while the others do the same. Shared state inside a
 * config (ticket keys, the trust store, the in-memory anti-replay store)
 * must stay consistent: every handshake succeeds, every resumption is
 * taken, every 0-RTT is accepted once, every byte arrives.
 *
 * cmocka's assertions are not thread-safe, so the threads only count and
 * the main thread asserts. Run under ASan/UBSan in CI like every test,
 * and under valgrind's memcheck.
 */
#include "testlib.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipe.h"

#define THREADS 4
#define ROUNDS 12

typedef struct {
    clasp_config *cc;
    clasp_config *sc;
    unsigned seed;
    int full_ok;
    int resumed_ok;
    int early_ok;
    int data_ok;
    int first_error;
} worker;

/* Both configs' clock: real time plus an offset the test moves forward
 * once the configs exist, so the server's anti-replay store is past its
 * start-up window (RFC 8446 §8.2) without waiting. */
static atomic_uint_fast64_t g_offset_ms;

static uint64_t test_clock(void *arg)
{
    (void)arg;
    struct timespec ts;
    (void)timespec_get(&ts, TIME_UTC);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u +
           atomic_load(&g_offset_ms);
}

static void note_error(worker *w, int rc)
{
    if (w->first_error == 0) {
        w->first_error = rc;
    }
}

/* Data both ways, different for every thread and round. */
static int exchange(worker *w, tp_pair *t, unsigned round)
{
    uint8_t buf[3000];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(w->seed * 31u + round * 7u + i);
    }
    int rc = tp_transfer(t->cli, t->srv, buf, sizeof(buf));
    if (rc == 0) {
        rc = tp_transfer(t->srv, t->cli, buf, sizeof(buf) / 2);
    }
    return rc;
}

/* 0-RTT with a ticket of the resumed connection: accepted, the early
 * bytes read once through clasp_read_early_data. */
static int early(worker *w, const clasp_session *s, unsigned round)
{
    uint8_t msg[64], got[64];
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(w->seed + round + i);
    }
    tp_pair t;
    tp_pair_init(&t, w->cc, w->sc, 0, 0, "localhost");
    int rc = clasp_set_session(t.cli, s);
    if (rc == 0) {
        rc = clasp_write_early_data(t.cli, msg, sizeof(msg));
        rc = rc == (int)sizeof(msg) ? 0 : (rc < 0 ? rc : CLASP_ERR_INTERNAL);
    }
    if (rc == 0) {
        rc = tp_pair_handshake(&t);
    }
    if (rc == 0) {
        rc = clasp_read_early_data(t.srv, got, sizeof(got));
        rc = rc == (int)sizeof(msg) ? 0 : (rc < 0 ? rc : CLASP_ERR_INTERNAL);
    }
    if (rc == 0 && memcmp(got, msg, sizeof(msg)) == 0 &&
        clasp_get_early_data_status(t.cli) ==
            CLASP_EARLY_DATA_STATUS_ACCEPTED &&
        clasp_get_early_data_status(t.srv) ==
            CLASP_EARLY_DATA_STATUS_ACCEPTED) {
        w->early_ok++;
    }
    tp_pair_free(&t);
    return rc;
}

static void *work(void *arg)
{
    worker *w = arg;
    for (unsigned r = 0; r < ROUNDS; r++) {
        tp_pair t;
        tp_pair_init(&t, w->cc, w->sc, 0, 0, "localhost");
        int rc = tp_pair_handshake(&t);
        if (rc == 0 && clasp_is_session_resumed(t.cli) == 0) {
            w->full_ok++;
        }
        /* The server's first write carries its tickets. */
        if (rc == 0) {
            rc = exchange(w, &t, r);
        }
        clasp_session *s = clasp_session_new();
        if (rc == 0 && s != NULL) {
            w->data_ok++;
            rc = clasp_get_session(t.cli, s);
        }
        tp_pair_free(&t);
        if (rc != 0 || s == NULL) {
            note_error(w, rc != 0 ? rc : CLASP_ERR_ALLOC_FAILED);
            clasp_session_free(s);
            continue;
        }
        tp_pair_init(&t, w->cc, w->sc, 0, 0, "localhost");
        rc = clasp_set_session(t.cli, s);
        if (rc == 0) {
            rc = tp_pair_handshake(&t);
        }
        if (rc == 0 && clasp_is_session_resumed(t.cli) == 1 &&
            clasp_is_session_resumed(t.srv) == 1) {
            w->resumed_ok++;
        }
        if (rc == 0) {
            rc = exchange(w, &t, r + ROUNDS);
        }
        if (rc == 0) {
            w->data_ok++;
            rc = clasp_get_session(t.cli, s);
        }
        tp_pair_free(&t);
        if (rc == 0) {
            rc = early(w, s, r);
        }
        if (rc != 0) {
            note_error(w, rc);
        }
        clasp_session_free(s);
    }
    return NULL;
}

static void shared_configs_across_threads(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    /* Client auth too: the server's trust store is shared as well. */
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_OPTIONAL));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    tp_conf_add_cert(cc, "ed25519");
    atomic_store(&g_offset_ms, 0);
    assert_clasp_ok(clasp_conf_clock(cc, test_clock, NULL));
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, NULL));
    assert_clasp_ok(clasp_conf_early_data(cc, CLASP_EARLY_DATA_ENABLED));
    assert_clasp_ok(clasp_conf_early_data(sc, CLASP_EARLY_DATA_ENABLED));
    /* Past the store's start-up window, for both sides' clocks alike. */
    atomic_store(&g_offset_ms, 11000);
    worker w[THREADS];
    pthread_t th[THREADS];
    memset(w, 0, sizeof(w));
    for (unsigned i = 0; i < THREADS; i++) {
        w[i].cc = cc;
        w[i].sc = sc;
        w[i].seed = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        if (w[i].first_error != 0) {
            print_error("thread %u: %s\n", i,
                        clasp_error_name(w[i].first_error));
        }
        assert_int_equal(w[i].first_error, 0);
        assert_int_equal(w[i].full_ok, ROUNDS);
        assert_int_equal(w[i].resumed_ok, ROUNDS);
        assert_int_equal(w[i].early_ok, ROUNDS);
        assert_int_equal(w[i].data_ok, 2 * ROUNDS);
    }
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_configs_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
