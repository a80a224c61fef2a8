/*
 * One server config and one client config shared by several threads, as
 * on a busy server: each thread runs its own connections (full
 * handshakes, then resumptions with the tickets it got) while the others
 * do the same. Shared state inside a config (ticket keys, the trust
 * store, the session ticket counters) must stay consistent: every
 * handshake succeeds, every resumption is taken, every byte arrives.
 *
 * cmocka's assertions are not thread-safe, so the threads only count and
 * the main thread asserts. Run under ASan/UBSan in CI like every test,
 * and under valgrind's memcheck.
 */
#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "pipe.h"

#define THREADS 4
#define ROUNDS 12

typedef struct {
    clasp_config *cc;
    clasp_config *sc;
    unsigned seed;
    int full_ok;
    int resumed_ok;
    int data_ok;
    int first_error;
} worker;

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
        } else {
            note_error(w, rc);
        }
        tp_pair_free(&t);
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
