/* Allocation failure injection through post-handshake authentication
 * (SECURITY-CHECKLIST 57, 58): the N-th allocation fails, for every N of a
 * run with a handshake, a post-handshake request with certificate_
 * authorities, the client's answer and data both ways. Every run ends
 * cleanly: success, or CLASP_ERR_ALLOC_FAILED on the side that hit it,
 * the peer told with internal_error or still waiting; no crash, no leak
 * (ASan). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

static long g_count;
static long g_fail_at;

static void *failing_calloc(size_t n, size_t size)
{
    g_count++;
    if (g_fail_at != 0 && g_count == g_fail_at) {
        return NULL;
    }
    return calloc(n, size);
}

static int retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

static int run_once(clasp_config *cc, clasp_config *sc, long fail_at,
                    long *count)
{
    tp_pipe p;
    tp_init(&p, 0, 0);
    g_count = 0;
    g_fail_at = fail_at;
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
    int rc = crc != 0 ? crc : src;
    int started = rc == 0;
    if (started) {
        clasp_set_bio(cli, &p.client, tp_send, tp_recv, NULL);
        clasp_set_bio(srv, &p.server, tp_send, tp_recv, NULL);
        rc = tp_handshake(cli, srv, &crc, &src);
    }
    static const uint8_t msg[] = "data around the request";
    if (rc == 0) {
        rc = src = clasp_verify_client_post_handshake(srv);
    }
    if (rc == 0) {
        rc = tp_transfer(srv, cli, msg, sizeof(msg));
    }
    if (rc == 0) {
        rc = tp_transfer(cli, srv, msg, sizeof(msg));
    }
    if (rc == 0 && clasp_get_post_handshake_auth(srv) != CLASP_PHA_VERIFIED) {
        fail_msg("fail_at %ld: not verified", fail_at);
    }
    if (rc != 0 && started) {
        unsigned char b[4];
        crc = clasp_read(cli, b, sizeof(b));
        src = clasp_read(srv, b, sizeof(b));
    }
    *count = g_count;
    g_fail_at = 0;
    if (rc != 0) {
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

static void every_allocation_may_fail_in_pha(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_authmode(sc, CLASP_VERIFY_REQUIRED));
    assert_clasp_ok(clasp_conf_ca_file(sc, TP_PKI "all-roots.pem"));
    assert_clasp_ok(clasp_conf_post_handshake_auth(sc, 1));
    assert_clasp_ok(clasp_conf_post_handshake_auth(cc, 1));
    assert_clasp_ok(clasp_conf_ca_names_in_hello(cc, 1));
    tp_conf_add_cert(cc, "ed25519");
    assert_clasp_ok(clasp_set_allocator(failing_calloc, free));
    long total, again;
    assert_int_equal(run_once(cc, sc, 0, &total), 1);
    assert_int_equal(run_once(cc, sc, 0, &again), 1);
    assert_int_equal(total, again);
    assert_true(total > 10 && total < 10000);
    print_message("%ld allocations per run\n", total);
    for (long n = 1; n <= total; n++) {
        long c;
        assert_int_equal(run_once(cc, sc, n, &c), 0);
    }
    assert_int_equal(run_once(cc, sc, total + 1, &again), 1);
    assert_clasp_ok(clasp_set_allocator(NULL, NULL));
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_may_fail_in_pha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
