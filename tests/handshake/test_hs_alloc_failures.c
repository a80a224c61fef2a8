/* Allocation failure injection (SECURITY-CHECKLIST 57, 58): the allocator
 * hooks fail the N-th allocation clasp makes, for every N through a whole
 * handshake with client authentication, data and a KeyUpdate, full or
 * resumed (with its NewSessionTickets). Every run
 * must end cleanly: success, or CLASP_ERR_ALLOC_FAILED on the side that
 * hit it (sticky), the peer either told with internal_error or still
 * waiting; no crash, no leak (run under ASan / valgrind). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

static long g_count;          /* allocations since arming */
static long g_fail_at;        /* 1-based index to fail, 0: never */
static clasp_session *g_sess; /* resume with it, if set */

static void *failing_calloc(size_t n, size_t size)
{
    g_count++;
    if (g_fail_at != 0 && g_count == g_fail_at) {
        return NULL;
    }
    return calloc(n, size);
}

static void arm(long fail_at)
{
    g_count = 0;
    g_fail_at = fail_at;
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

/* One run; returns 1 when it completed without any failure. *count gets
 * the number of allocations it made. */
static int run_once(clasp_config *cc, clasp_config *sc, long fail_at,
                    long *count)
{
    tp_pipe p;
    tp_init(&p, 0, 0);
    arm(fail_at);
    clasp_context *cli = clasp_new();
    clasp_context *srv = clasp_new();
    int crc = cli != NULL ? 0 : CLASP_ERR_ALLOC_FAILED;
    int src = srv != NULL ? 0 : CLASP_ERR_ALLOC_FAILED;
    if (crc == 0) {
        crc = clasp_setup(cli, cc);
    }
    if (src == 0) {
        src = clasp_setup(srv, sc);
    }
    if (crc == 0) {
        crc = clasp_set_hostname(cli, "localhost");
    }
    if (crc == 0 && g_sess != NULL) {
        crc = clasp_set_session(cli, g_sess);
    }
    int rc = crc != 0 ? crc : src;
    int started = rc == 0;
    if (started) {
        clasp_set_bio(cli, &p.client, tp_send, tp_recv, NULL);
        clasp_set_bio(srv, &p.server, tp_send, tp_recv, NULL);
        rc = tp_handshake(cli, srv, &crc, &src);
    }
    static const uint8_t msg[] = "data after the handshake";
    if (rc == 0) {
        rc = crc = clasp_key_update(cli, 1);
    }
    if (rc == 0) {
        rc = tp_transfer(cli, srv, msg, sizeof(msg));
    }
    if (rc == 0) {
        rc = tp_transfer(srv, cli, msg, sizeof(msg));
    }
    if (rc == 0 && g_sess != NULL && !clasp_is_session_resumed(srv)) {
        fail_msg("fail_at %ld: the handshake did not resume", fail_at);
    }
    if (rc != 0 && started) {
        unsigned char b[4];
        crc = clasp_read(cli, b, sizeof(b));
        src = clasp_read(srv, b, sizeof(b));
    }
    *count = g_count;
    arm(0);
    if (rc != 0) {
        /* Whoever failed says ALLOC_FAILED (sticky; BAD_STATE if
         * clasp_setup could not bind the config); the peer learned it
         * from an internal_error alert or still waits. */
        int rcs[2] = {crc, src};
        clasp_context *ctx[2] = {cli, srv};
        int hit = 0;
        for (int i = 0; i < 2; i++) {
            if (rcs[i] == CLASP_ERR_ALLOC_FAILED ||
                rcs[i] == CLASP_ERR_BAD_STATE || ctx[i] == NULL) {
                hit = 1;
            } else if (rcs[i] == CLASP_ERR_PEER_ALERT) {
                assert_int_equal(clasp_get_peer_alert(ctx[i]),
                                 CLASP_ALERT_INTERNAL_ERROR);
            } else if (rcs[i] != 0 && !retry(rcs[i])) {
                fail_msg("fail_at %ld: client %s, server %s", fail_at,
                         clasp_error_name(crc), clasp_error_name(src));
            }
        }
        if (!hit) {
            fail_msg("fail_at %ld: no side saw the failure (client %s, "
                     "server %s)",
                     fail_at, clasp_error_name(crc), clasp_error_name(src));
        }
    }
    clasp_free(cli);
    clasp_free(srv);
    tp_free(&p);
    return rc == 0;
}

/* A session of one full handshake, made without failures. */
static clasp_session *session_of(clasp_config *cc, clasp_config *sc)
{
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, (const uint8_t *)"x", 1));
    clasp_session *s = clasp_session_new();
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    return s;
}

static void run_all(int hrr, int resume)
{
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    tp_conf_add_cert(cc, "ed25519");
    if (hrr) {
        const uint16_t g = CLASP_GROUP_SECP384R1;
        assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
        assert_clasp_ok(clasp_conf_hrr_cookie(sc, 1));
    }
    g_sess = resume ? session_of(cc, sc) : NULL;
    assert_clasp_ok(clasp_set_allocator(failing_calloc, free));
    /* How many allocations a good run makes (the same every time). */
    long total, again;
    assert_int_equal(run_once(cc, sc, 0, &total), 1);
    assert_int_equal(run_once(cc, sc, 0, &again), 1);
    assert_int_equal(total, again);
    assert_true(total > 10 && total < 10000);
    /* Failing any one of them ends the run cleanly; past the last one
     * the run succeeds. */
    for (long n = 1; n <= total; n++) {
        long c;
        assert_int_equal(run_once(cc, sc, n, &c), 0);
    }
    assert_int_equal(run_once(cc, sc, total + 1, &again), 1);
    assert_clasp_ok(clasp_set_allocator(NULL, NULL));
    clasp_session_free(g_sess);
    g_sess = NULL;
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void every_allocation_may_fail(void **state)
{
    (void)state;
    run_all(0, 0);
}

static void every_allocation_may_fail_with_hrr(void **state)
{
    (void)state;
    run_all(1, 0);
}

/* A resumed handshake (RFC 8446 §2.2): the ticket copied into the
 * context, opened by the server, new tickets stored by the client. */
static void every_allocation_may_fail_resuming(void **state)
{
    (void)state;
    run_all(0, 1);
    run_all(1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_may_fail),
        cmocka_unit_test(every_allocation_may_fail_with_hrr),
        cmocka_unit_test(every_allocation_may_fail_resuming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
