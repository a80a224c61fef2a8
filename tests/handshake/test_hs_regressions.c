/* Regression tests for handshake bugs found by the fuzzers (fuzz/crashes):
 * each case is the smallest reproduction of a finding. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/* fuzz finding "finished-not-at-record-end-handshake-over": the client's
 * Finished followed by more handshake bytes in the same record. RFC 8446
 * §5.1: a message that precedes a key change must end its record, so the
 * server answers unexpected_message, and the handshake is not reported
 * over (it used to say 1 although the connection was dead). */
static void finished_must_end_its_record(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_opts o = {0};
    tp_evil_start(&e, &o);
    tp_evil_take_client_flight(&e, &d, &f);
    int fin = tp_flight_find(&f, 20);
    assert_true(fin >= 0 && (size_t)fin == f.n - 1);
    static const uint8_t key_update[] = {24, 0, 0, 1, 0};
    f.msg[f.n] = malloc(sizeof(key_update));
    assert_non_null(f.msg[f.n]);
    memcpy(f.msg[f.n], key_update, sizeof(key_update));
    f.len[f.n] = sizeof(key_update);
    f.n++;
    tp_evil_put_client_flight(&e, &d, &f, 0);
    tp_evil_server_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_int_equal(clasp_is_handshake_over(e.t.srv), 0);
    tp_evil_free(&e);
}

/* The same rule on the client: the server's Finished with a trailing
 * message in the same record. */
static void server_finished_must_end_its_record(void **state)
{
    (void)state;
    tp_evil e;
    tp_dir d;
    tp_flight f;
    tp_evil_opts o = {0};
    tp_evil_start(&e, &o);
    tp_evil_take_server_flight(&e, &d, &f);
    static const uint8_t key_update[] = {24, 0, 0, 1, 0};
    f.msg[f.n] = malloc(sizeof(key_update));
    assert_non_null(f.msg[f.n]);
    memcpy(f.msg[f.n], key_update, sizeof(key_update));
    f.len[f.n] = sizeof(key_update);
    f.n++;
    tp_evil_put_server_flight(&e, &d, &f, 0);
    tp_evil_client_fails(&e, CLASP_ERR_UNEXPECTED_MESSAGE);
    assert_int_equal(clasp_is_handshake_over(e.t.cli), 0);
    tp_evil_free(&e);
}

/* fuzz finding "sni-nul-byte-bad-input-data": a server_name with a NUL
 * byte made the server fail with a usage error and no alert. It is the
 * peer's fault: illegal_parameter (47) on the wire. */
static void server_name_with_nul_is_illegal_parameter(void **state)
{
    (void)state;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    clasp_config *cc = tp_client_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, NULL);
    /* Let the client write its hello for "localhost", then put a NUL in
     * the name on the wire (same length, so all framing stays valid). */
    assert_clasp_ok(clasp_set_hostname(t.cli, "localhost"));
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    tp_queue *q = &t.p.q[0];
    size_t hits = 0;
    for (size_t i = 0; i + 9 <= q->len; i++) {
        if (memcmp(q->buf + i, "localhost", 9) == 0) {
            q->buf[i + 3] = 0;
            hits++;
        }
    }
    assert_int_equal(hits, 1);
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_ILLEGAL_PARAMETER);
    assert_int_equal(tp_q_expect_plain_alert(&t.p.q[1]),
                     CLASP_ALERT_ILLEGAL_PARAMETER);
    assert_int_equal(clasp_is_handshake_over(t.srv), 0);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finished_must_end_its_record),
        cmocka_unit_test(server_finished_must_end_its_record),
        cmocka_unit_test(server_name_with_nul_is_illegal_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
