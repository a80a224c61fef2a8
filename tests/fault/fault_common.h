/*
 * Fault-injection scaffolding shared by test_fault_alloc.c and
 * test_fault_provider.c (header-only: each test_*.c is its own program).
 *
 * fc_run() drives one complete connection of a kind (full handshake, HRR,
 * client authentication, resumption with a ticket, external PSK,
 * resumption with 0-RTT data) between
 * a clasp client and server in memory
 * (tests/testlib/pipe.h): both configurations, both contexts, the
 * handshake, application data both ways, a KeyUpdate with update
 * requested and its answer, then data again, then teardown. Every public
 * call's result is checked; the first error stops the run and is recorded
 * with where it happened, which side failed and what the other side saw.
 * Teardown (clasp_free, clasp_config_free) always runs.
 *
 * fc_check() is the oracle, given whether the injected fault happened:
 *  - no fault: the run completed;
 *  - fault: the run stopped with exactly the expected error on the side
 *    that failed, and the peer either saw that error's alert
 *    (internal_error for ALLOC_FAILED and CRYPTO), or
 *    failed on what it received, or was still waiting for input (when
 *    the fault hit after the peer had completed, this is what its next
 *    reads return); it never receives another alert and never reads
 *    anything but the data sent. A connection that completes anyway must
 *    still carry the data intact (fc_run checks the bytes); such runs are
 *    counted as "absorbed".
 */
#ifndef CLASP_TESTS_FAULT_COMMON_H
#define CLASP_TESTS_FAULT_COMMON_H

#include "testlib.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/provider.h"
#include "hs/config.h"
#include "pipe.h"

#define FC_PKI CLASP_TEST_DATA_DIR "/pki/"

typedef enum {
    FC_FULL,
    FC_HRR,
    FC_CLIENT_AUTH,
    FC_RESUMPTION, /* a ticket from a first connection (not faulted) */
    FC_PSK,        /* an external PSK */
    FC_EARLY_DATA, /* resumption with 0-RTT data */
    FC__COUNT
} fc_kind;

static const char *const fc_kind_names[FC__COUNT] = {
    "full", "hrr", "client-auth", "resumption", "external-psk", "0-rtt"};

/* Set by each test: stop counting fault points while true (the first
 * connection of FC_RESUMPTION, which only makes the ticket). Allocations
 * and handles are still tracked. */
static void (*fc_pause)(bool paused);

/* Optional provider replacement for one side's configuration (NULL: keep
 * the default provider). */
typedef clasp_provider *(*fc_prov_fn)(bool server);

typedef struct {
    const char *step; /* where the run stopped; NULL: it completed */
    int side;         /* 0 client, 1 server, -1 neither (configuration) */
    int rc;           /* the error of the failing call */
    int peer_rc;      /* the other side's last result */
    int peer_alert;   /* alert the other side received, or -1 */
    int peer_read_rc; /* other side's read after it had completed, or 0 */
    bool not_resumed; /* FC_RESUMPTION made a full handshake instead, or
                       * FC_EARLY_DATA had its 0-RTT data rejected */
} fc_outcome;

static void fc_stop(fc_outcome *o, const char *step, int side, int rc)
{
    if (o->step == NULL) {
        o->step = step;
        o->side = side;
        o->rc = rc;
    }
}

static int fc_never_seen(void *arg, const unsigned char *key, size_t key_len,
                         uint64_t expiry_ms)
{
    (void)arg;
    (void)key;
    (void)key_len;
    (void)expiry_ms;
    return 0;
}

static void fc_dbg(void *arg, int level, const char *file, int line,
                   const char *msg)
{
    (void)level;
    (void)file;
    (void)line;
    print_message("  [%s] %s\n", (const char *)arg, msg);
}

static clasp_config *fc_config(bool server, fc_kind kind, fc_prov_fn prov,
                               fc_outcome *o)
{
    const char *step = server ? "server config" : "client config";
    clasp_config *c =
        clasp_config_new(server ? CLASP_IS_SERVER : CLASP_IS_CLIENT);
    if (c == NULL) {
        fc_stop(o, step, -1, CLASP_ERR_ALLOC_FAILED);
        return NULL;
    }
    int rc = CLASP_OK;
    if (prov != NULL) {
        clasp_provider *p = prov(server);
        rc = p != NULL ? clasp_config_set_provider(c, p)
                       : CLASP_ERR_ALLOC_FAILED;
        if (rc < 0 && p != NULL) {
            p->destroy(p);
        }
    }
    if (rc == CLASP_OK && server) {
        rc = clasp_conf_own_cert_file(c, FC_PKI "ecdsa-p256/chain.pem",
                                      FC_PKI "ecdsa-p256/leaf.key", NULL);
    }
    if (rc == CLASP_OK && server && kind == FC_HRR) {
        static const uint16_t g[] = {CLASP_GROUP_SECP384R1};
        rc = clasp_conf_groups(c, g, 1);
    }
    if (rc == CLASP_OK && (!server || kind == FC_CLIENT_AUTH)) {
        rc = clasp_conf_ca_file(c, FC_PKI "all-roots.pem");
    }
    if (rc == CLASP_OK && server && kind == FC_CLIENT_AUTH) {
        rc = clasp_conf_authmode(c, CLASP_VERIFY_REQUIRED);
    }
    if (rc == CLASP_OK && kind == FC_EARLY_DATA && server) {
        /* Past the start-up window of RFC 8446 §8.2, every ClientHello
         * new: replay protection is not what is tested here. */
        rc = clasp_conf_anti_replay(c, fc_never_seen, NULL, 1, 0);
    }
    if (rc == CLASP_OK && kind == FC_EARLY_DATA) {
        rc = clasp_conf_early_data(c, CLASP_EARLY_DATA_ENABLED);
    }
    if (rc == CLASP_OK && kind == FC_PSK) {
        static const unsigned char psk[32] = "clasp fault test PSK, public";
        rc = clasp_conf_psk(c, psk, sizeof(psk),
                            (const unsigned char *)"fault-psk", 9);
    }
    if (rc == CLASP_OK && !server && kind == FC_CLIENT_AUTH) {
        rc = clasp_conf_own_cert_file(c, FC_PKI "client/client-chain.pem",
                                      FC_PKI "client/client.key", NULL);
    }
    if (rc == CLASP_OK && getenv("CLASP_FAULT_VERBOSE") != NULL) {
        rc = clasp_conf_dbg(c, fc_dbg, server ? "server" : "client",
                            CLASP_DEBUG_VERBOSE);
    }
    if (rc < 0) {
        fc_stop(o, step, -1, rc);
        clasp_config_free(c);
        return NULL;
    }
    return c;
}

static bool fc_retry(int rc)
{
    return rc == CLASP_ERR_WANT_READ || rc == CLASP_ERR_WANT_WRITE;
}

/* One message from ctx[from] to the other (bounded loops over partial
 * I/O). Returns 0, or the first error with *failed = index of the context
 * whose call returned it. */
static int fc_send_data(clasp_context *ctx[2], int from, const char *msg,
                        int *failed)
{
    clasp_context *a = ctx[from], *b = ctx[1 - from];
    size_t len = strlen(msg), off = 0;
    for (int i = 0; i < 1000 && off < len; i++) {
        int n = clasp_write(a, (const unsigned char *)msg + off, len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (!fc_retry(n)) {
            *failed = from;
            return n;
        }
    }
    unsigned char buf[256];
    size_t got = 0;
    for (int i = 0; i < 1000 && got < len; i++) {
        int n = clasp_read(b, buf + got, sizeof(buf) - got);
        if (n > 0) {
            got += (size_t)n;
        } else if (!fc_retry(n)) {
            *failed = 1 - from;
            return n;
        }
    }
    /* Never garbage: the bytes that arrive are the bytes sent. */
    assert_int_equal(got, len);
    assert_memory_equal(buf, msg, len);
    return CLASP_OK;
}

static void fc_peer_after(clasp_context *peer, fc_outcome *o)
{
    o->peer_alert = clasp_get_peer_alert(peer);
    if (clasp_is_handshake_over(peer) && o->peer_rc == CLASP_OK) {
        /* The peer had completed: reading on, it may get data sent before
         * the failure, then the failure; never anything else. */
        unsigned char b[64];
        int n = CLASP_ERR_WANT_READ;
        for (int i = 0; i < 8 && (n > 0 || fc_retry(n)); i++) {
            n = clasp_read(peer, b, sizeof(b));
        }
        o->peer_read_rc = n > 0 ? 0 : n;
        o->peer_alert = clasp_get_peer_alert(peer);
    }
}

/* A first connection between the two configurations (faults paused):
 * the handshake, then data from the server, whose first write carries its
 * tickets, read by the client; the client's tickets go to session. */
static void fc_prime(clasp_config *cc, clasp_config *sc, clasp_session *session)
{
    fc_pause(true);
    tp_pipe p;
    tp_init(&p, 0, 0);
    clasp_context *ctx[2] = {clasp_new(), clasp_new()};
    assert_non_null(ctx[0]);
    assert_non_null(ctx[1]);
    assert_clasp_ok(clasp_setup(ctx[0], cc));
    assert_clasp_ok(clasp_setup(ctx[1], sc));
    assert_clasp_ok(clasp_set_hostname(ctx[0], "localhost"));
    clasp_set_bio(ctx[0], &p.client, tp_send, tp_recv, NULL);
    clasp_set_bio(ctx[1], &p.server, tp_send, tp_recv, NULL);
    int crc, src, failed = -1;
    assert_clasp_ok(tp_handshake(ctx[0], ctx[1], &crc, &src));
    assert_clasp_ok(fc_send_data(ctx, 1, "tickets first", &failed));
    assert_clasp_ok(clasp_get_session(ctx[0], session));
    clasp_free(ctx[0]);
    clasp_free(ctx[1]);
    tp_free(&p);
    fc_pause(false);
}

static void fc_run(fc_kind kind, fc_prov_fn prov_client, fc_prov_fn prov_server,
                   int fault_err, fc_outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->side = -1;
    o->peer_alert = -1;
    tp_pipe p;
    tp_init(&p, 0, 0);
    clasp_context *ctx[2] = {NULL, NULL};
    clasp_session *session = NULL;
    clasp_config *sc = fc_config(true, kind, prov_server, o);
    clasp_config *cc =
        sc != NULL ? fc_config(false, kind, prov_client, o) : NULL;
    if (cc == NULL) {
        goto cleanup;
    }
    ctx[0] = clasp_new();
    ctx[1] = clasp_new();
    if (ctx[0] == NULL || ctx[1] == NULL) {
        fc_stop(o, "clasp_new", ctx[0] == NULL ? 0 : 1, CLASP_ERR_ALLOC_FAILED);
        goto cleanup;
    }
    int rc = clasp_setup(ctx[0], cc);
    if (rc < 0) {
        fc_stop(o, "setup", 0, rc);
        goto cleanup;
    }
    rc = clasp_setup(ctx[1], sc);
    if (rc < 0) {
        fc_stop(o, "setup", 1, rc);
        goto cleanup;
    }
    rc = clasp_set_hostname(ctx[0], "localhost");
    if (rc < 0) {
        fc_stop(o, "hostname", 0, rc);
        goto cleanup;
    }
    if (kind == FC_RESUMPTION || kind == FC_EARLY_DATA) {
        fc_pause(true);
        session = clasp_session_new();
        fc_pause(false);
        assert_non_null(session);
        fc_prime(cc, sc, session);
        rc = clasp_set_session(ctx[0], session);
        if (rc < 0) {
            fc_stop(o, "set session", 0, rc);
            goto cleanup;
        }
    }
    clasp_set_bio(ctx[0], &p.client, tp_send, tp_recv, NULL);
    clasp_set_bio(ctx[1], &p.server, tp_send, tp_recv, NULL);
    static const char early[] = "0-RTT bytes";
    if (kind == FC_EARLY_DATA) {
        rc = CLASP_ERR_WANT_WRITE;
        for (int i = 0; i < 100 && rc == CLASP_ERR_WANT_WRITE; i++) {
            rc = clasp_write_early_data(ctx[0], (const unsigned char *)early,
                                        sizeof(early));
        }
        if (rc < 0) {
            fc_stop(o, "early data", 0, rc);
            o->peer_rc = CLASP_ERR_WANT_READ; /* the server has not run */
            goto cleanup;
        }
        assert_int_equal(rc, sizeof(early));
    }

    int crc, src;
    rc = tp_handshake(ctx[0], ctx[1], &crc, &src);
    if (rc < 0) {
        /* The side that failed is the one with the injected error (the
         * other may fail too, on what it received). */
        int side = crc == fault_err   ? 0
                   : src == fault_err ? 1
                   : (crc < 0 && !fc_retry(crc) && crc != CLASP_ERR_PEER_ALERT)
                       ? 0
                       : 1;
        fc_stop(o, "handshake", side, side == 0 ? crc : src);
        o->peer_rc = side == 0 ? src : crc;
        if (getenv("CLASP_FAULT_VERBOSE") != NULL) {
            print_message("handshake: client %s (alert %d), server %s "
                          "(alert %d)\n",
                          clasp_error_name(crc), clasp_get_peer_alert(ctx[0]),
                          clasp_error_name(src), clasp_get_peer_alert(ctx[1]));
        }
        fc_peer_after(ctx[1 - side], o);
        goto cleanup;
    }
    if (kind == FC_HRR) {
        assert_int_equal(clasp_get_hrr_used(ctx[0]), 1);
    }
    if (kind == FC_EARLY_DATA) {
        /* Accepted, and the bytes are the bytes sent; else the kind of
         * fallback fc_check judges. */
        int cs = clasp_get_early_data_status(ctx[0]);
        assert_int_equal(cs, clasp_get_early_data_status(ctx[1]));
        o->not_resumed = cs != CLASP_EARLY_DATA_STATUS_ACCEPTED;
        if (cs == CLASP_EARLY_DATA_STATUS_ACCEPTED) {
            unsigned char got[64];
            int n = clasp_read_early_data(ctx[1], got, sizeof(got));
            assert_int_equal(n, sizeof(early));
            assert_memory_equal(got, early, sizeof(early));
        }
    }
    if (kind == FC_RESUMPTION) {
        /* Both agree; fc_check decides whether a full handshake is all
         * right here. */
        assert_int_equal(clasp_is_session_resumed(ctx[0]),
                         clasp_is_session_resumed(ctx[1]));
        o->not_resumed = clasp_is_session_resumed(ctx[0]) != 1;
    }
    if (kind == FC_PSK) {
        const unsigned char *id = NULL;
        size_t id_len = 0;
        assert_clasp_ok(clasp_get_psk_identity(ctx[1], &id, &id_len));
        assert_int_equal(id_len, 9);
    }
    static const struct {
        const char *name;
        int from;
        bool key_update;
        const char *msg;
    } steps[] = {
        {"data c->s", 0, false, "ping from the client"},
        {"data s->c", 1, false, "pong from the server"},
        {"key update + data c->s", 0, true, "after a key update"},
        {"data s->c after key update", 1, false, "the server updated too"},
    };
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        int failed = steps[s].from;
        rc = steps[s].key_update ? clasp_key_update(ctx[0], 1) : CLASP_OK;
        if (rc == CLASP_OK) {
            rc = fc_send_data(ctx, steps[s].from, steps[s].msg, &failed);
        }
        if (rc < 0) {
            fc_stop(o, steps[s].name, failed, rc);
            o->peer_rc = CLASP_OK;
            fc_peer_after(ctx[1 - failed], o);
            goto cleanup;
        }
    }
cleanup:
    clasp_free(ctx[0]);
    clasp_free(ctx[1]);
    clasp_session_free(session);
    clasp_config_free(cc);
    clasp_config_free(sc);
    tp_free(&p);
}

/* Tallies of how the peer learnt about the failure. */
typedef struct {
    long alerted;  /* internal_error alert received */
    long failed;   /* failed otherwise (e.g. a plaintext alert where it
                    * expected a protected record: unexpected_message) */
    long waiting;  /* nothing reached it: still waiting for input */
    long quiet;    /* nothing was on the wire yet (configuration,
                    * setup) */
    long absorbed; /* completed correctly despite the fault */
} fc_tally;

/* The oracle (see the top of this file). */
static void fc_check(const fc_outcome *o, bool injected, int expected_err,
                     const char *what, fc_tally *t)
{
    if (!injected) {
        if (o->step != NULL) {
            print_error("%s: no fault injected, but %s failed: %s\n", what,
                        o->step, clasp_error_name(o->rc));
        }
        assert_null(o->step);
        /* FC_RESUMPTION without a fault resumes; FC_EARLY_DATA has its
         * 0-RTT data accepted. */
        assert_false(o->not_resumed);
        return;
    }
    if (o->step == NULL) {
        print_error("%s: a fault was absorbed\n", what);
        t->absorbed++;
        return;
    }
    if (o->rc != expected_err) {
        print_error("%s: %s (side %d) failed with %s, want %s\n", what, o->step,
                    o->side, clasp_error_name(o->rc),
                    clasp_error_name(expected_err));
    }
    assert_clasp_err(o->rc, expected_err);
    if (o->side < 0 || strcmp(o->step, "setup") == 0 ||
        strcmp(o->step, "clasp_new") == 0 || strcmp(o->step, "hostname") == 0 ||
        strcmp(o->step, "set session") == 0 ||
        strcmp(o->step, "early data") == 0) {
        t->quiet++;
        return;
    }
    /* The peer never completes and then reads anything but the failure. */
    int peer = o->peer_rc == CLASP_OK ? o->peer_read_rc : o->peer_rc;
    int want_alert = clasp_error_alert(expected_err);
    bool alerted = peer == CLASP_ERR_PEER_ALERT && o->peer_alert == want_alert;
    bool waiting = fc_retry(peer);
    bool failed = !alerted && peer < 0 && !fc_retry(peer);
    if (!alerted && !waiting && !failed) {
        print_error("%s: %s failed (side %d, %s); peer rc %s, alert %d, "
                    "read %s\n",
                    what, o->step, o->side, clasp_error_name(o->rc),
                    clasp_error_name(o->peer_rc), o->peer_alert,
                    clasp_error_name(o->peer_read_rc));
    }
    assert_true(alerted || waiting || failed);
    /* An alert of another kind would misreport a local failure. */
    assert_true(peer != CLASP_ERR_PEER_ALERT || o->peer_alert == want_alert);
    if (getenv("CLASP_FAULT_VERBOSE") != NULL) {
        print_message("%s: %s side %d; peer %s alert %d\n", what, o->step,
                      o->side, clasp_error_name(peer), o->peer_alert);
    }
    if (alerted) {
        t->alerted++;
    } else if (waiting) {
        t->waiting++;
    } else {
        t->failed++;
    }
}

#endif
