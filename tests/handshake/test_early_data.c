/* 0-RTT early data in memory (RFC 8446 §2.3, §4.2.10, §4.5, §8): accepted
 * (bytes delivered once, through clasp_read_early_data only), rejected by
 * policy (server off, the §8.2 start-up window, stale ticket age,
 * HelloRetryRequest, replayed ClientHello), the limits (client stops at
 * max_early_data_size; a server receiving more ends with
 * unexpected_message), and accepted 0-RTT that fails to decrypt
 * (bad_record_mac). SECURITY-CHECKLIST 48. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "hs/hs.h"
#include "msg/msg_codes.h"
#include "pipe.h"

#define WINDOW_MS 10000u

static uint64_t g_cnow;
static uint64_t g_snow;

static uint64_t test_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static void advance(uint64_t ms)
{
    g_cnow += ms;
    g_snow += ms;
}

/* A server with 0-RTT on; its in-memory store starts empty now, so
 * 0-RTT is refused for one window unless wait is set (§8.2). */
static clasp_config *server_conf(int early, bool wait)
{
    g_cnow = g_snow = 1700000000000ull;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_snow));
    if (early) {
        assert_clasp_ok(clasp_conf_early_data(sc, CLASP_EARLY_DATA_ENABLED));
    }
    if (wait) {
        advance(WINDOW_MS + 1);
    }
    return sc;
}

static clasp_config *client_conf(void)
{
    clasp_config *cc = tp_client_conf();
    assert_clasp_ok(clasp_conf_clock(cc, test_clock, &g_cnow));
    assert_clasp_ok(clasp_conf_early_data(cc, CLASP_EARLY_DATA_ENABLED));
    return cc;
}

/* A full handshake, its tickets, the session. */
static clasp_session *first_session(clasp_config *cc, clasp_config *sc)
{
    tp_pair t;
    static const uint8_t msg[] = "tickets";
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_clasp_err(clasp_get_early_data_status(t.cli),
                     CLASP_EARLY_DATA_STATUS_NOT_SENT);
    assert_clasp_ok(tp_transfer(t.srv, t.cli, msg, sizeof(msg)));
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    advance(500);
    return s;
}

static void resume_pair(tp_pair *t, clasp_config *cc, clasp_config *sc,
                        const clasp_session *s)
{
    tp_pair_init(t, cc, sc, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t->cli, s));
}

static const uint8_t early_msg[] = "GET / HTTP/1.1\r\n\r\n (0-RTT)";

static void expect_status(tp_pair *t, int status)
{
    assert_int_equal(clasp_get_early_data_status(t->cli), status);
    assert_int_equal(clasp_get_early_data_status(t->srv), status);
}

/* ---- accepted ------------------------------------------------------------ */

static void early_accepted(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, true);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    uint8_t buf[256];
    /* Too early to ask, on both sides. */
    assert_clasp_err(clasp_get_early_data_status(t.cli), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    assert_int_equal(clasp_write_early_data(t.cli, early_msg, 10), 10);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg + 10, sizeof(early_msg) - 10),
        (int)sizeof(early_msg) - 10);
    /* The server sees the early bytes as soon as its first flight is out,
     * before the handshake completes. */
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_read_early_data(t.srv, buf, 5), 5);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_ACCEPTED);
    assert_int_equal(clasp_is_session_resumed(t.srv), 1);
    assert_int_equal(clasp_read_early_data(t.srv, buf + 5, sizeof(buf) - 5),
                     (int)sizeof(early_msg) - 5);
    assert_memory_equal(buf, early_msg, sizeof(early_msg));
    assert_clasp_err(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    /* After the handshake: no more early data; 1-RTT data flows and
     * early bytes never come out of clasp_read. */
    assert_clasp_err(clasp_write_early_data(t.cli, early_msg, 4),
                     CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    static const uint8_t later[] = "1-RTT";
    assert_clasp_ok(tp_transfer(t.cli, t.srv, later, sizeof(later)));
    assert_clasp_ok(tp_transfer(t.srv, t.cli, later, sizeof(later)));
    /* A server context cannot write early data; a client cannot read. */
    assert_clasp_err(clasp_write_early_data(t.srv, buf, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_read_early_data(t.cli, buf, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* The client stops at the ticket's max_early_data_size. */
static void early_client_limit(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, false);
    assert_clasp_ok(clasp_conf_max_early_data_size(sc, 16));
    advance(WINDOW_MS + 1);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    uint8_t big[100];
    memset(big, 'x', sizeof(big));
    assert_int_equal(clasp_write_early_data(t.cli, big, sizeof(big)), 16);
    assert_clasp_err(clasp_write_early_data(t.cli, big, 1),
                     CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_ACCEPTED);
    uint8_t buf[100];
    assert_int_equal(clasp_read_early_data(t.srv, buf, sizeof(buf)), 16);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* §4.2.10: a server receiving more than max_early_data_size ends the
 * connection with unexpected_message (the client is pushed past its
 * limit by the test). */
static void early_over_limit(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, false);
    assert_clasp_ok(clasp_conf_max_early_data_size(sc, 16));
    advance(WINDOW_MS + 1);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    uint8_t big[40];
    memset(big, 'y', sizeof(big));
    assert_int_equal(clasp_write_early_data(t.cli, big, sizeof(big)), 16);
    t.cli->early_max = 1000; /* a misbehaving client */
    assert_int_equal(clasp_write_early_data(t.cli, big, sizeof(big)), 40);
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_UNEXPECTED_MESSAGE);
    uint8_t rb[8];
    assert_clasp_err(clasp_read(t.cli, rb, sizeof(rb)), CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_UNEXPECTED_MESSAGE);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* §4.2.10: accepted 0-RTT that fails to decrypt is bad_record_mac. */
static void early_bad_mac(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, true);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_int_equal(clasp_write_early_data(t.cli, early_msg, 8), 8);
    /* The last record in flight is the 0-RTT one: damage its tag. */
    tp_queue *q = &t.p.q[0];
    assert_true(q->len > 20);
    q->buf[q->len - 1] ^= 0x01;
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_BAD_RECORD_MAC);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* RFC 8446 §4.2.11: "If the server supplies an "early_data" extension, the
 * client MUST verify that the server's selected_identity is 0. If any
 * other value is returned, it MUST abort the handshake with an
 * "illegal_parameter" alert." The client offers its ticket (with early
 * data) and an external PSK; a server that knows only the external PSK
 * selects identity 1, and an early_data extension is put into its
 * EncryptedExtensions (the flight resealed with its handshake key). The
 * unmodified flight is the control: the handshake completes, 0-RTT
 * rejected. */
static void early_data_for_another_identity(void **state)
{
    (void)state;
    static const uint8_t key[32] = {0x5a};
    for (int modify = 0; modify < 2; modify++) {
        clasp_config *sc = server_conf(1, true);
        clasp_config *cc = client_conf();
        clasp_session *s = first_session(cc, sc);
        tp_evil e;
        memset(&e, 0, sizeof(e));
        e.cc = client_conf();
        assert_clasp_ok(
            clasp_conf_psk(e.cc, key, sizeof(key), (const uint8_t *)"ext", 3));
        e.sc = tp_server_conf("ecdsa-p256");
        assert_clasp_ok(clasp_conf_early_data(e.sc, CLASP_EARLY_DATA_ENABLED));
        assert_clasp_ok(
            clasp_conf_psk(e.sc, key, sizeof(key), (const uint8_t *)"ext", 3));
        assert_clasp_ok(clasp_conf_keylog(e.sc, tp_keylog_cb, &e.skl));
        tp_pair_init(&e.t, e.cc, e.sc, 0, 0, "localhost");
        e.plain.buf = malloc(TP_CAP);
        assert_non_null(e.plain.buf);
        assert_clasp_ok(clasp_set_session(e.t.cli, s));
        assert_int_equal(clasp_write_early_data(e.t.cli, early_msg, 8), 8);
        assert_clasp_err(clasp_handshake(e.t.srv), CLASP_ERR_WANT_READ);
        const unsigned char *id;
        size_t id_len;
        assert_clasp_ok(clasp_get_psk_identity(e.t.srv, &id, &id_len));
        assert_int_equal(id_len, 3);
        assert_memory_equal(id, "ext", 3);
        tp_dir d;
        tp_flight f;
        tp_evil_take_server_flight(&e, &d, &f);
        assert_int_equal(f.msg[0][0], CLASP_HS_ENCRYPTED_EXTENSIONS);
        if (modify) {
            /* EE { extensions { early_data {} } } */
            static const uint8_t ee[] = {8, 0, 0, 6, 0, 4, 0, 0x2a, 0, 0};
            free(f.msg[0]);
            f.msg[0] = malloc(sizeof(ee));
            assert_non_null(f.msg[0]);
            memcpy(f.msg[0], ee, sizeof(ee));
            f.len[0] = sizeof(ee);
        }
        tp_evil_put_server_flight(&e, &d, &f, 0);
        if (modify) {
            assert_clasp_err(clasp_handshake(e.t.cli),
                             CLASP_ERR_ILLEGAL_PARAMETER);
            assert_clasp_err(clasp_handshake(e.t.cli),
                             CLASP_ERR_ILLEGAL_PARAMETER);
            unsigned char b[4];
            assert_clasp_err(clasp_read(e.t.cli, b, sizeof(b)),
                             CLASP_ERR_ILLEGAL_PARAMETER);
        } else {
            tp_pair_connect(&e.t);
            expect_status(&e.t, CLASP_EARLY_DATA_STATUS_REJECTED);
        }
        tp_evil_free(&e);
        clasp_session_free(s);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

/* ---- rejected --------------------------------------------------------- */

/* A rejected handshake completes; the early bytes are skipped by the
 * server and resent by the application with clasp_write. */
static void resend_after_reject(tp_pair *t)
{
    uint8_t buf[256];
    expect_status(t, CLASP_EARLY_DATA_STATUS_REJECTED);
    assert_clasp_err(clasp_read_early_data(t->srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    assert_clasp_ok(tp_transfer(t->cli, t->srv, early_msg, sizeof(early_msg)));
}

static void reject_case(bool wait, uint64_t server_skew, const char *groups)
{
    clasp_config *sc = server_conf(1, wait);
    clasp_config *cc = client_conf();
    if (groups != NULL) {
        /* The server wants a group the client does not share at first:
         * HRR (the client's one key share is X25519). */
        static const uint16_t p256[] = {CLASP_GROUP_SECP256R1};
        assert_clasp_ok(clasp_conf_groups(sc, p256, 1));
    }
    clasp_session *s = first_session(cc, sc);
    g_snow += server_skew;
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    tp_pair_connect(&t);
    resend_after_reject(&t);
    assert_int_equal(clasp_get_hrr_used(t.srv), groups != NULL);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* §8.2: a store that starts empty refuses 0-RTT for one window. */
static void reject_startup_window(void **state)
{
    (void)state;
    reject_case(false, 0, NULL);
}

/* One resumption with 0-RTT offered: the status both sides agree on (on
 * rejection the bytes are resent and arrive through clasp_read). */
static int early_attempt(clasp_config *cc, clasp_config *sc,
                         const clasp_session *s)
{
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    tp_pair_connect(&t);
    int status = clasp_get_early_data_status(t.srv);
    assert_int_equal(clasp_get_early_data_status(t.cli), status);
    if (status == CLASP_EARLY_DATA_STATUS_REJECTED) {
        resend_after_reject(&t);
    } else {
        uint8_t buf[256];
        assert_int_equal(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                         (int)sizeof(early_msg));
        assert_memory_equal(buf, early_msg, sizeof(early_msg));
    }
    tp_pair_free(&t);
    return status;
}

/* clasp_conf_anti_replay_window: bounds; a 2 s window shortens the
 * §8.2 start-up refusal to 2 s and tightens the §8.3 age check to 2 s. */
static void window_setting(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, false);
    assert_clasp_err(clasp_conf_anti_replay_window(sc, 999),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_anti_replay_window(sc, 600001),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_anti_replay_window(NULL, 2000),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_conf_anti_replay_window(sc, 600000));
    assert_clasp_ok(clasp_conf_anti_replay_window(sc, 2000));
    clasp_config *cc = client_conf();
    /* T+500: inside the 2 s start-up window. */
    clasp_session *s1 = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s1),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    /* T+2600: past it (the default window would still refuse). */
    advance(1600);
    clasp_session *s2 = first_session(cc, sc);
    assert_int_equal(early_attempt(cc, sc, s2),
                     CLASP_EARLY_DATA_STATUS_ACCEPTED);
    /* The server's clock 2.5 s ahead of the client's view: outside a
     * 2 s window (inside the default 10 s one). */
    clasp_session *s3 = first_session(cc, sc);
    g_snow += 2500;
    assert_int_equal(early_attempt(cc, sc, s3),
                     CLASP_EARLY_DATA_STATUS_REJECTED);
    clasp_session_free(s1);
    clasp_session_free(s2);
    clasp_session_free(s3);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* §8.3: a ticket age off by more than the window. */
static void reject_stale_age(void **state)
{
    (void)state;
    reject_case(true, WINDOW_MS + 1000, NULL);
}

/* §4.2.10: HelloRetryRequest rejects 0-RTT. */
static void reject_hrr(void **state)
{
    (void)state;
    reject_case(true, 0, "p256");
}

/* A server with 0-RTT off issues no early_data in its tickets: nothing
 * to write early; everything goes through clasp_write. */
static void server_early_off(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(0, true);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_clasp_err(clasp_write_early_data(t.cli, early_msg, 4),
                     CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_NOT_SENT);
    assert_int_equal(clasp_is_session_resumed(t.cli), 1);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* No ticket at all: CANNOT_WRITE_EARLY_DATA, then a full handshake. */
static void no_ticket(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, true);
    clasp_config *cc = client_conf();
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_write_early_data(t.cli, early_msg, 4),
                     CLASP_ERR_CANNOT_WRITE_EARLY_DATA);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_NOT_SENT);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* §8: the same ClientHello and 0-RTT bytes sent to the server twice:
 * the first is accepted, the replay is rejected by the store (its early
 * bytes are skipped, never delivered). */
static void reject_replay(void **state)
{
    (void)state;
    clasp_config *sc = server_conf(1, true);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    tp_queue *q = &t.p.q[0];
    size_t n = q->len;
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, q->buf, n);
    uint8_t buf[256];
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_read_early_data(t.srv, buf, sizeof(buf)),
                     (int)sizeof(early_msg));
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_ACCEPTED);

    /* The attacker replays the captured flight to a new connection of
     * the same server. */
    tp_pair r;
    tp_pair_init(&r, cc, sc, 0, 0, "localhost");
    tp_q_push(&r.p.q[0], copy, n);
    assert_clasp_err(clasp_handshake(r.srv), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_read_early_data(r.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    tp_pair_free(&r);
    free(copy);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* Drive the client until it is about to send its second flight (0-RTT
 * accepted, the server's flight read). */
static void client_to_flight2(tp_pair *t)
{
    for (int i = 0; i < 50 && t->cli->state != C_SEND_FLIGHT2; i++) {
        int rc = clasp_handshake_step(t->cli);
        assert_true(rc == 0 || rc == CLASP_ERR_WANT_READ);
    }
    assert_int_equal(t->cli->state, C_SEND_FLIGHT2);
    assert_true(t->cli->hs->early_accepted);
}

/* §4.5: EndOfEarlyData missing: the client's Finished comes under the
 * handshake key while the server still reads 0-RTT under the early key
 * (bad_record_mac); EndOfEarlyData with a body is decode_error. */
static void eoed_missing_or_not_empty(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        clasp_config *sc = server_conf(1, true);
        clasp_config *cc = client_conf();
        clasp_session *s = first_session(cc, sc);
        tp_pair t;
        resume_pair(&t, cc, sc, s);
        assert_int_equal(clasp_write_early_data(t.cli, early_msg, 8), 8);
        assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
        client_to_flight2(&t);
        int expect;
        if (variant == 0) {
            t.cli->hs->early_accepted = false; /* skips EndOfEarlyData */
            expect = CLASP_ERR_BAD_RECORD_MAC;
        } else {
            static const uint8_t eoed[] = {CLASP_HS_END_OF_EARLY_DATA, 0, 0, 1,
                                           0};
            assert_clasp_ok(clasp_engine_seal(t.cli, CLASP_CT_HANDSHAKE, eoed,
                                              sizeof(eoed)));
            expect = CLASP_ERR_DECODE;
        }
        assert_clasp_ok(clasp_handshake(t.cli));
        assert_clasp_err(clasp_handshake(t.srv), expect);
        tp_pair_free(&t);
        clasp_session_free(s);
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
}

/* A fleet-wide store (clasp_conf_anti_replay): a toy shared set of keys.
 * Two servers with the same ticket key and store: the ClientHello is
 * accepted by one, its replay rejected by the other; a store that
 * cannot answer rejects 0-RTT (fail closed). */
struct fleet {
    uint8_t keys[16][32];
    int count;
    int fail;
    int calls;
};

static int fleet_check(void *arg, const unsigned char *key, size_t key_len,
                       uint64_t expiry_ms)
{
    struct fleet *f = arg;
    (void)expiry_ms;
    f->calls++;
    if (f->fail || key_len != 32) {
        return -1;
    }
    for (int i = 0; i < f->count; i++) {
        if (memcmp(f->keys[i], key, 32) == 0) {
            return 1;
        }
    }
    assert_true(f->count < 16);
    memcpy(f->keys[f->count++], key, 32);
    return 0;
}

static clasp_config *fleet_server(struct fleet *f)
{
    static const uint8_t name[16] = "fleet key name!";
    uint8_t key[32];
    memset(key, 0x5a, sizeof(key));
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_snow));
    assert_clasp_ok(clasp_conf_ticket_key(sc, name, 16, key, 32));
    assert_clasp_ok(
        clasp_conf_anti_replay(sc, fleet_check, f, g_snow - 2 * WINDOW_MS, 0));
    assert_clasp_ok(clasp_conf_early_data(sc, CLASP_EARLY_DATA_ENABLED));
    return sc;
}

static void fleet_store(void **state)
{
    (void)state;
    struct fleet f;
    memset(&f, 0, sizeof(f));
    g_cnow = g_snow = 1700000000000ull;
    clasp_config *a = fleet_server(&f);
    clasp_config *b = fleet_server(&f);
    clasp_config *cc = client_conf();
    clasp_session *s = first_session(cc, a);
    tp_pair t;
    resume_pair(&t, cc, a, s);
    assert_int_equal(clasp_write_early_data(t.cli, early_msg, 8), 8);
    tp_queue *q = &t.p.q[0];
    size_t n = q->len;
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, q->buf, n);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_ACCEPTED);
    assert_int_equal(f.calls, 2); /* the ClientHello, the ticket */
    tp_pair_free(&t);

    /* The replay to the other server. */
    uint8_t buf[64];
    tp_pair r;
    tp_pair_init(&r, cc, b, 0, 0, "localhost");
    tp_q_push(&r.p.q[0], copy, n);
    assert_clasp_err(clasp_handshake(r.srv), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_read_early_data(r.srv, buf, sizeof(buf)),
                     CLASP_ERR_CANNOT_READ_EARLY_DATA);
    assert_int_equal(r.srv->early_status, CLASP_EARLY_DATA_STATUS_REJECTED);
    tp_pair_free(&r);
    free(copy);

    /* Store down: a fresh ClientHello, rejected, the handshake goes on. */
    clasp_session *s2 = first_session(cc, b);
    f.fail = 1;
    resume_pair(&t, cc, b, s2);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    tp_pair_connect(&t);
    resend_after_reject(&t);
    tp_pair_free(&t);
    clasp_session_free(s2);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(a);
    clasp_config_free(b);
}

/* §4.2.10: a ticket issued with ALPN "h2" on a server that now picks
 * "http/1.1": the ticket is not resumed, 0-RTT is rejected, the full
 * handshake completes and the bytes are resent. */
static void reject_alpn_mismatch(void **state)
{
    (void)state;
    struct fleet f;
    memset(&f, 0, sizeof(f));
    g_cnow = g_snow = 1700000000000ull;
    clasp_config *a = fleet_server(&f);
    clasp_config *b = fleet_server(&f);
    static const char *h2[] = {"h2", NULL};
    static const char *h1[] = {"http/1.1", NULL};
    static const char *both[] = {"h2", "http/1.1", NULL};
    assert_clasp_ok(clasp_conf_alpn_protocols(a, h2));
    assert_clasp_ok(clasp_conf_alpn_protocols(b, h1));
    clasp_config *cc = client_conf();
    assert_clasp_ok(clasp_conf_alpn_protocols(cc, both));
    clasp_session *s = first_session(cc, a);
    tp_pair t;
    resume_pair(&t, cc, b, s);
    assert_int_equal(
        clasp_write_early_data(t.cli, early_msg, sizeof(early_msg)),
        (int)sizeof(early_msg));
    tp_pair_connect(&t);
    assert_string_equal(clasp_get_alpn_protocol(t.cli), "http/1.1");
    assert_int_equal(clasp_is_session_resumed(t.srv), 0);
    resend_after_reject(&t);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(a);
    clasp_config_free(b);
}

/* Both sides log the same CLIENT_EARLY_TRAFFIC_SECRET (NSS key log). */
static void early_keylog(void **state)
{
    (void)state;
    static tp_keylog ckl;
    static tp_keylog skl;
    memset(&ckl, 0, sizeof(ckl));
    memset(&skl, 0, sizeof(skl));
    clasp_config *sc = server_conf(1, true);
    clasp_config *cc = client_conf();
    assert_clasp_ok(clasp_conf_keylog(sc, tp_keylog_cb, &skl));
    assert_clasp_ok(clasp_conf_keylog(cc, tp_keylog_cb, &ckl));
    clasp_session *s = first_session(cc, sc);
    tp_pair t;
    resume_pair(&t, cc, sc, s);
    assert_int_equal(clasp_write_early_data(t.cli, early_msg, 4), 4);
    tp_pair_connect(&t);
    expect_status(&t, CLASP_EARLY_DATA_STATUS_ACCEPTED);
    uint8_t a[64];
    uint8_t b[64];
    size_t n = tp_keylog_get(&ckl, "CLIENT_EARLY_TRAFFIC_SECRET", a);
    assert_int_equal(tp_keylog_get(&skl, "CLIENT_EARLY_TRAFFIC_SECRET", b), n);
    assert_memory_equal(a, b, n);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(early_accepted),
        cmocka_unit_test(early_client_limit),
        cmocka_unit_test(early_over_limit),
        cmocka_unit_test(early_bad_mac),
        cmocka_unit_test(early_data_for_another_identity),
        cmocka_unit_test(reject_startup_window),
        cmocka_unit_test(reject_stale_age),
        cmocka_unit_test(window_setting),
        cmocka_unit_test(reject_hrr),
        cmocka_unit_test(server_early_off),
        cmocka_unit_test(no_ticket),
        cmocka_unit_test(reject_replay),
        cmocka_unit_test(eoed_missing_or_not_empty),
        cmocka_unit_test(fleet_store),
        cmocka_unit_test(reject_alpn_mismatch),
        cmocka_unit_test(early_keylog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
