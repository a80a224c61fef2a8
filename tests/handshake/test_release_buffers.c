/* clasp_release_buffers (issue #9, memory): an idle connection gives its
 * record buffers back and gets them again on the next read or write, in
 * both roles, through application data, KeyUpdate and NewSessionTicket;
 * the call is refused with the exact error while anything is pending; an
 * allocation failure while getting a buffer back is reported and leaves
 * the connection usable. Memory is counted through the allocator hooks. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "pipe.h"

/* ---- a counting allocator (size kept in a header) ------------------------ */

#define HDR 16
static long long g_live;  /* bytes clasp holds */
static int g_fail;        /* fail every allocation while set */
static long g_fail_count; /* allocations refused */

static void *count_calloc(size_t n, size_t size)
{
    if (g_fail) {
        g_fail_count++;
        return NULL;
    }
    if (size != 0 && n > (SIZE_MAX - HDR) / size) {
        return NULL;
    }
    size_t len = n * size;
    unsigned char *p = calloc(1, len + HDR);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, &len, sizeof(len));
    g_live += (long long)len;
    return p + HDR;
}

static void count_free(void *q)
{
    if (q == NULL) {
        return;
    }
    unsigned char *p = (unsigned char *)q - HDR;
    size_t len;
    memcpy(&len, p, sizeof(len));
    g_live -= (long long)len;
    free(p);
}

static int setup(void **state)
{
    (void)state;
    g_live = 0;
    g_fail = 0;
    return clasp_set_allocator(count_calloc, count_free);
}

static int teardown(void **state)
{
    (void)state;
    return clasp_set_allocator(NULL, NULL);
}

/* ---- helpers ------------------------------------------------------------- */

static const uint8_t msg_a[] = "first message, before the buffers go";
static const uint8_t msg_b[] = "second message, after they came back";

/* Read until WANT_READ: nothing may be left unread (bounded). */
static void drain(clasp_context *c)
{
    unsigned char b[64];
    int rc = 0;
    for (int i = 0; i < 16; i++) {
        rc = clasp_read(c, b, sizeof(b));
        if (rc == CLASP_ERR_WANT_READ) {
            return;
        }
        if (rc < 0) {
            fail_msg("drain: %s", clasp_error_name(rc));
        }
        fail_msg("drain: %d unexpected bytes", rc);
    }
    fail_msg("drain did not end");
}

/* Both sides idle and released; returns the bytes the release freed. */
static long long release_both(tp_pair *t)
{
    drain(t->cli);
    drain(t->srv);
    long long before = g_live;
    assert_clasp_ok(clasp_release_buffers(t->cli));
    assert_clasp_ok(clasp_release_buffers(t->srv));
    /* twice is fine: nothing left to release */
    assert_clasp_ok(clasp_release_buffers(t->cli));
    return before - g_live;
}

static clasp_config *server_conf(int tickets)
{
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_session_tickets(sc, tickets));
    return sc;
}

/* ---- tests --------------------------------------------------------------- */

/* Release in both roles, then data both ways, KeyUpdate (requested, so
 * both directions change keys), and a NewSessionTicket that resumes. */
static void release_then_keep_going(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = server_conf(0);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    /* A full record each way: both sides hold an input buffer of one
     * full record (16,645 bytes) and an output buffer of one 16 KiB
     * write's record (16,406 bytes); they all go. */
    static uint8_t big[16384];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 13 + 7);
    }
    assert_clasp_ok(tp_transfer(t.cli, t.srv, big, sizeof(big)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, big, sizeof(big)));
    assert_true(release_both(&t) >= 2 * (16645 + 16406));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, big, sizeof(big)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, big, sizeof(big)));
    assert_true(release_both(&t) >= 2 * (16645 + 16406));

    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_b, sizeof(msg_b)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_b, sizeof(msg_b)));
    release_both(&t);

    /* KeyUpdate from released buffers; the peer answers the request. */
    assert_clasp_ok(clasp_key_update(t.cli, 1));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_a, sizeof(msg_a)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_b, sizeof(msg_b)));
    release_both(&t);
    assert_clasp_ok(clasp_key_update(t.srv, 1));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_a, sizeof(msg_a)));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_b, sizeof(msg_b)));
    release_both(&t);

    /* A ticket sealed from released buffers, stored by a released client,
     * resumes. */
    assert_clasp_ok(clasp_send_new_session_ticket(t.srv));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_a, sizeof(msg_a)));
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    assert_clasp_ok(clasp_get_session(t.cli, s));
    assert_int_equal(clasp_session_ticket_count(s), 1);
    release_both(&t);
    tp_pair_free(&t);

    tp_pair r;
    tp_pair_init(&r, cc, sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(r.cli, s));
    tp_pair_connect(&r);
    assert_int_equal(clasp_is_session_resumed(r.cli), 1);
    assert_int_equal(clasp_is_session_resumed(r.srv), 1);
    release_both(&r);
    assert_clasp_ok(tp_transfer(r.cli, r.srv, msg_b, sizeof(msg_b)));
    assert_clasp_ok(tp_transfer(r.srv, r.cli, msg_b, sizeof(msg_b)));
    tp_pair_free(&r);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* What an idle connection keeps once released, per side, in clasp's own
 * allocations (the AEAD contexts are libcrypto's): the target is
 * 4 KiB per side with libcrypto's part. */
static void released_connection_is_small(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = server_conf(0);
    long long base = g_live;
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_a, sizeof(msg_a)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_a, sizeof(msg_a)));
    release_both(&t);
    long long both = g_live - base;
    clasp_free(t.srv);
    t.srv = NULL;
    long long srv = both - (g_live - base);
    long long cli = g_live - base;
    print_message("released: server %lld B, client %lld B (clasp's own)\n", srv,
                  cli);
    assert_true(srv > 0 && srv <= 1280);
    assert_true(cli > 0 && cli <= 1792);
    tp_pair_free(&t);
    assert_int_equal(g_live, base);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* Refused, with nothing released, while anything is pending. */
static void release_refused_when_pending(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = server_conf(0);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    /* before (and during) the handshake */
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_release_buffers(NULL), CLASP_ERR_BAD_INPUT_DATA);
    tp_pair_connect(&t);

    /* decrypted data not yet read */
    assert_int_equal(clasp_write(t.srv, msg_a, sizeof(msg_a)),
                     (int)sizeof(msg_a));
    unsigned char b[sizeof(msg_a) + sizeof(msg_b)];
    assert_int_equal(clasp_read(t.cli, b, 4), 4);
    assert_true(clasp_get_bytes_avail(t.cli) > 0);
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_BAD_STATE);
    size_t got = 4;
    for (int i = 0; i < 8 && got < sizeof(msg_a); i++) {
        int n = clasp_read(t.cli, b + got, sizeof(b) - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof(msg_a));
    assert_memory_equal(b, msg_a, sizeof(msg_a));

    /* part of a record received */
    assert_int_equal(clasp_write(t.srv, msg_b, sizeof(msg_b)),
                     (int)sizeof(msg_b));
    tp_queue *q = t.p.client.in;
    size_t rec_len = q->len;
    assert_true(rec_len > 10 && rec_len < 256);
    uint8_t tail[256];
    memcpy(tail, q->buf + 10, rec_len - 10);
    q->len = 10; /* the transport has the first 10 bytes only */
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_WANT_READ);
    assert_int_equal(q->len, 0);
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_BAD_STATE);
    tp_q_push(q, tail, rec_len - 10);
    got = 0;
    for (int i = 0; i < 8 && got < sizeof(msg_b); i++) {
        int n = clasp_read(t.cli, b + got, sizeof(b) - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof(msg_b));
    assert_memory_equal(b, msg_b, sizeof(msg_b));

    /* a record the transport has not taken */
    t.p.client.hold = 1;
    assert_int_equal(clasp_write(t.cli, msg_a, sizeof(msg_a)),
                     (int)sizeof(msg_a));
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_WANT_WRITE);
    assert_clasp_err(clasp_write(t.cli, NULL, 0), CLASP_ERR_WANT_WRITE);
    t.p.client.hold = 0;
    assert_int_equal(clasp_write(t.cli, NULL, 0), 0);
    assert_clasp_ok(clasp_release_buffers(t.cli));
    got = 0;
    for (int i = 0; i < 8 && got < sizeof(msg_a); i++) {
        int n = clasp_read(t.srv, b + got, sizeof(b) - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof(msg_a));
    assert_memory_equal(b, msg_a, sizeof(msg_a));

    /* a connection with a fatal error answers with it */
    tp_q_record(t.p.client.in, 0x17, "garbage!", 8);
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_BAD_RECORD_MAC);
    assert_clasp_err(clasp_release_buffers(t.cli), CLASP_ERR_BAD_RECORD_MAC);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* Getting a buffer back fails: ALLOC_FAILED, nothing consumed or sent,
 * and the connection goes on once memory is there again. */
static void reacquire_allocation_failure(void **state)
{
    (void)state;
    clasp_config *cc = tp_client_conf();
    clasp_config *sc = server_conf(1);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    /* the server's ticket goes with its first write */
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_a, sizeof(msg_a)));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_a, sizeof(msg_a)));
    release_both(&t);

    /* write: the output buffer */
    size_t queued = t.p.q[0].len;
    g_fail = 1;
    g_fail_count = 0;
    assert_clasp_err(clasp_write(t.cli, msg_b, sizeof(msg_b)),
                     CLASP_ERR_ALLOC_FAILED);
    g_fail = 0;
    assert_true(g_fail_count >= 1);
    assert_int_equal(t.p.q[0].len, queued); /* nothing sent */

    /* read: the input buffer */
    assert_int_equal(clasp_write(t.srv, msg_b, sizeof(msg_b)),
                     (int)sizeof(msg_b));
    unsigned char b[64];
    size_t pending = t.p.q[1].len;
    g_fail = 1;
    g_fail_count = 0;
    assert_clasp_err(clasp_read(t.cli, b, sizeof(b)), CLASP_ERR_ALLOC_FAILED);
    g_fail = 0;
    assert_true(g_fail_count >= 1);
    assert_int_equal(t.p.q[1].len, pending); /* nothing taken */

    /* both go on: the data written before arrives, new data flows */
    size_t got = 0;
    for (int i = 0; i < 8 && got < sizeof(msg_b); i++) {
        int n = clasp_read(t.cli, b + got, sizeof(b) - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof(msg_b));
    assert_memory_equal(b, msg_b, sizeof(msg_b));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_b, sizeof(msg_b)));
    assert_clasp_ok(clasp_key_update(t.cli, 1));
    assert_clasp_ok(tp_transfer(t.cli, t.srv, msg_a, sizeof(msg_a)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg_a, sizeof(msg_a)));
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(release_then_keep_going, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(released_connection_is_small, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(release_refused_when_pending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reacquire_allocation_failure, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
