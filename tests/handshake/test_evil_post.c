/* An evil peer after the handshake, for both roles: with the application
 * traffic secrets from the key log, the test seals exactly the records it
 * wants (tp_dir, built on the provider, can seal what clasp never would)
 * and delivers them to a clasp client or server. Each case asserts the
 * exact error, that the victim's alert reaches the real peer, and that the
 * victim stays dead. SECURITY-CHECKLIST B1, B2, B3, B4 (rows 21-23), B10. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "hs/hs.h"
#include "pipe.h"

typedef struct {
    tp_pair t;
    clasp_config *cc;
    clasp_config *sc;
    tp_keylog ckl;
    tp_keylog skl;
    uint16_t suite;
    tp_dir dir[2]; /* [0]: speaks as the client, [1]: as the server */
} pe_t;

enum { AS_CLIENT = 0, AS_SERVER = 1 };

static void pe_start(pe_t *e)
{
    memset(e, 0, sizeof(*e));
    e->cc = tp_client_conf();
    e->sc = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_keylog(e->cc, tp_keylog_cb, &e->ckl));
    assert_clasp_ok(clasp_conf_keylog(e->sc, tp_keylog_cb, &e->skl));
    tp_pair_init(&e->t, e->cc, e->sc, 0, 0, "localhost");
    tp_pair_connect(&e->t);
    e->suite = (uint16_t)clasp_get_ciphersuite_id(e->t.cli);
    uint8_t c_ap[64], s_ap[64];
    tp_keylog_get(&e->ckl, "CLIENT_TRAFFIC_SECRET_0", c_ap);
    tp_keylog_get(&e->skl, "SERVER_TRAFFIC_SECRET_0", s_ap);
    tp_dir_init(&e->dir[AS_CLIENT], e->suite, c_ap);
    tp_dir_init(&e->dir[AS_SERVER], e->suite, s_ap);
}

static void pe_free(pe_t *e)
{
    tp_dir_free(&e->dir[0]);
    tp_dir_free(&e->dir[1]);
    tp_pair_free(&e->t);
    clasp_config_free(e->cc);
    clasp_config_free(e->sc);
}

/* Where records of a speaker go, and who reads them. */
static tp_queue *to_victim(pe_t *e, int as)
{
    return &e->t.p.q[as == AS_CLIENT ? 0 : 1];
}

static clasp_context *victim(pe_t *e, int as)
{
    return as == AS_CLIENT ? e->t.srv : e->t.cli;
}

static clasp_context *peer(pe_t *e, int as)
{
    return as == AS_CLIENT ? e->t.cli : e->t.srv;
}

static void seal(pe_t *e, int as, uint8_t type, const char *hex)
{
    uint8_t b[1024];
    size_t n = th_hex_into(hex, b, sizeof(b));
    tp_dir_seal(&e->dir[as], type, b, n, to_victim(e, as));
}

static void seal_inner(pe_t *e, int as, const char *hex)
{
    uint8_t b[1024];
    size_t n = th_hex_into(hex, b, sizeof(b));
    tp_dir_seal_inner(&e->dir[as], b, n, to_victim(e, as));
}

/* A KeyUpdate(request) in its own record, then our sending key moves on
 * (RFC 8446 §4.6.3). */
static void key_update(pe_t *e, int as, int request)
{
    uint8_t ku[5] = {24, 0, 0, 1, (uint8_t)request};
    tp_dir_seal(&e->dir[as], 22, ku, 5, to_victim(e, as));
    tp_dir_update(&e->dir[as]);
}

/* The victim reads exactly this application data. */
static void victim_reads(pe_t *e, int as, const char *text)
{
    unsigned char b[256];
    size_t want = strlen(text);
    assert_int_equal(clasp_read(victim(e, as), b, sizeof(b)), (int)want);
    assert_memory_equal(b, text, want);
}

/* The victim fails with err: sticky, and the real peer reads its alert
 * (RFC 8446 §6.2). */
static void victim_fails(pe_t *e, int as, int err)
{
    clasp_context *v = victim(e, as);
    unsigned char b[64];
    assert_clasp_err(clasp_read(v, b, sizeof(b)), err);
    assert_clasp_err(clasp_read(v, b, sizeof(b)), err);
    assert_clasp_err(clasp_write(v, b, 1), err);
    assert_clasp_err(clasp_key_update(v, 0), err);
    int alert = clasp_error_alert(err);
    if (alert == CLASP_ALERT_NONE) {
        return;
    }
    tp_q_clear(to_victim(e, as));
    assert_clasp_err(clasp_read(peer(e, as), b, sizeof(b)),
                     CLASP_ERR_PEER_ALERT);
    assert_int_equal(clasp_get_peer_alert(peer(e, as)), alert);
}

/* ---- KeyUpdate ----------------------------------------------------------- */

static void key_update_flood(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        pe_start(&e);
        /* SECURITY-CHECKLIST 49: 32 in a row are fine ... */
        for (int i = 0; i < 32; i++) {
            key_update(&e, as, 0);
        }
        seal(&e, as, 23, "6f6b");
        victim_reads(&e, as, "ok");
        /* ... and data resets the count; the 33rd in a row is not. */
        for (int i = 0; i < 33; i++) {
            key_update(&e, as, 0);
        }
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
}

/* The same through the public API: 33 clasp_key_update calls. */
static void key_update_flood_through_api(void **state)
{
    (void)state;
    pe_t e;
    pe_start(&e);
    for (int i = 0; i < 33; i++) {
        assert_clasp_ok(clasp_key_update(e.t.cli, 0));
    }
    victim_fails(&e, AS_CLIENT, CLASP_ERR_UNEXPECTED_MESSAGE);
    pe_free(&e);
}

static void key_update_bad_values(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        /* §4.6.3: request_update other than 0 or 1: illegal_parameter. */
        pe_start(&e);
        seal(&e, as, 22, "1800000102");
        victim_fails(&e, as, CLASP_ERR_ILLEGAL_PARAMETER);
        pe_free(&e);
        pe_start(&e);
        seal(&e, as, 22, "18000001ff");
        victim_fails(&e, as, CLASP_ERR_ILLEGAL_PARAMETER);
        pe_free(&e);
        /* Bad length: decode_error. */
        pe_start(&e);
        seal(&e, as, 22, "180000020000");
        victim_fails(&e, as, CLASP_ERR_DECODE);
        pe_free(&e);
        pe_start(&e);
        seal(&e, as, 22, "18000000");
        victim_fails(&e, as, CLASP_ERR_DECODE);
        pe_free(&e);
        /* A KeyUpdate with bytes of a next message in its record: the key
         * change must fall on a record boundary (§5.1). */
        pe_start(&e);
        seal(&e, as, 22, "180000010018");
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
        /* An update_requested KeyUpdate is answered, data flows. */
        pe_start(&e);
        key_update(&e, as, 1);
        seal(&e, as, 23, "6869");
        victim_reads(&e, as, "hi");
        pe_free(&e);
    }
}

/* ---- records ------------------------------------------------------------- */

static void empty_record_flood(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        pe_start(&e);
        /* §5.1: empty application data is legal; 32 in a row pass. */
        for (int i = 0; i < 32; i++) {
            seal(&e, as, 23, "");
        }
        seal(&e, as, 23, "6f6b");
        victim_reads(&e, as, "ok");
        for (int i = 0; i < 33; i++) {
            seal(&e, as, 23, "");
        }
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
}

static void warning_alert_flood(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        pe_start(&e);
        /* user_canceled is not fatal by itself (§6.1); 4 pass. */
        for (int i = 0; i < 4; i++) {
            seal(&e, as, 21, "015a");
        }
        seal(&e, as, 23, "6f6b");
        victim_reads(&e, as, "ok");
        assert_int_equal(clasp_get_peer_alert(victim(&e, as)),
                         CLASP_ALERT_USER_CANCELED);
        for (int i = 0; i < 5; i++) {
            seal(&e, as, 21, "015a");
        }
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
}

static void alerts_malformed_or_fatal(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        /* §5.1: one alert per record, never fragmented: decode_error. */
        pe_start(&e);
        seal(&e, as, 21, "02");
        seal(&e, as, 21, "28");
        victim_fails(&e, as, CLASP_ERR_DECODE);
        pe_free(&e);
        pe_start(&e);
        seal(&e, as, 21, "015a015a");
        victim_fails(&e, as, CLASP_ERR_DECODE);
        pe_free(&e);
        pe_start(&e);
        seal(&e, as, 21, "02280a");
        victim_fails(&e, as, CLASP_ERR_DECODE);
        pe_free(&e);
        /* §6.2: every other alert is fatal, whatever its level, and an
         * unknown one too. No alert goes back. */
        pe_start(&e);
        seal(&e, as, 21, "0128");
        victim_fails(&e, as, CLASP_ERR_PEER_ALERT);
        assert_int_equal(clasp_get_peer_alert(victim(&e, as)), 40);
        pe_free(&e);
        pe_start(&e);
        seal(&e, as, 21, "01c8");
        victim_fails(&e, as, CLASP_ERR_PEER_ALERT);
        assert_int_equal(clasp_get_peer_alert(victim(&e, as)), 200);
        pe_free(&e);
        /* §5.1: an alert between the fragments of a handshake message. */
        pe_start(&e);
        seal(&e, as, 22, "1800");
        seal(&e, as, 21, "015a");
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
}

static void record_limits(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        /* §5.2: a ciphertext over 2^14 + 256 is refused from its header
         * (record_overflow); at exactly 2^14 + 256 the header passes and
         * garbage fails authentication (bad_record_mac). */
        static const uint8_t over[] = {23, 3, 3, 0x41, 0x01};
        pe_start(&e);
        tp_q_push(to_victim(&e, as), over, sizeof(over));
        victim_fails(&e, as, CLASP_ERR_RECORD_OVERFLOW);
        pe_free(&e);
        static uint8_t max[5 + 16384 + 256];
        memset(max, 0x5a, sizeof(max));
        max[0] = 23;
        max[1] = 3;
        max[2] = 3;
        max[3] = 0x41;
        max[4] = 0x00;
        pe_start(&e);
        tp_q_push(to_victim(&e, as), max, sizeof(max));
        victim_fails(&e, as, CLASP_ERR_BAD_RECORD_MAC);
        pe_free(&e);
        /* §5.4: a TLSInnerPlaintext over 2^14 + 1 that authenticates:
         * record_overflow. */
        static uint8_t inner[16384 + 2];
        memset(inner, 'x', sizeof(inner));
        inner[sizeof(inner) - 1] = 23;
        pe_start(&e);
        tp_dir_seal_inner(&e.dir[as], inner, sizeof(inner), to_victim(&e, as));
        victim_fails(&e, as, CLASP_ERR_RECORD_OVERFLOW);
        pe_free(&e);
        /* Exactly 2^14 + 1 is fine. */
        pe_start(&e);
        tp_dir_seal_inner(&e.dir[as], inner + 1, sizeof(inner) - 1,
                          to_victim(&e, as));
        unsigned char *b = malloc(20000);
        assert_non_null(b);
        assert_int_equal(clasp_read(victim(&e, as), b, 20000), 16384);
        free(b);
        pe_free(&e);
    }
}

static void record_authentication(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        tp_queue *q;
        /* §5.2: one flipped bit, in the body or in the tag. */
        for (int where = 0; where < 2; where++) {
            pe_start(&e);
            seal(&e, as, 23, "0102030405060708090a");
            q = to_victim(&e, as);
            q->buf[where == 0 ? 6 : q->len - 1] ^= 0x01;
            victim_fails(&e, as, CLASP_ERR_BAD_RECORD_MAC);
            pe_free(&e);
        }
        /* The header is the additional data: change its length byte and
         * drop a byte. */
        pe_start(&e);
        seal(&e, as, 23, "0102030405060708090a");
        q = to_victim(&e, as);
        q->len--;
        q->buf[4]--;
        victim_fails(&e, as, CLASP_ERR_BAD_RECORD_MAC);
        pe_free(&e);
        /* Shorter than the tag. */
        static const uint8_t tiny[] = {23, 3, 3, 0, 3, 1, 2, 3};
        pe_start(&e);
        tp_q_push(to_victim(&e, as), tiny, sizeof(tiny));
        victim_fails(&e, as, CLASP_ERR_BAD_RECORD_MAC);
        pe_free(&e);
        /* A replayed record (sequence number mismatch). */
        pe_start(&e);
        seal(&e, as, 23, "6f6b");
        q = to_victim(&e, as);
        tp_q_push(q, q->buf, q->len);
        victim_reads(&e, as, "ok");
        victim_fails(&e, as, CLASP_ERR_BAD_RECORD_MAC);
        pe_free(&e);
    }
}

static void inner_content_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "00000000000000", /* §5.4: no non-zero octet */
        "16",             /* §5.4: empty handshake content */
        "1500",           /* §5.4: empty alert content, padded */
        "0114",           /* §5: CCS under protection */
        "01020363",       /* §5: unknown content type */
    };
    for (int as = 0; as < 2; as++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            pe_t e;
            pe_start(&e);
            seal_inner(&e, as, bad[i]);
            victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
            pe_free(&e);
        }
        /* Padding is fine: "ok" with 100 zero bytes after its type. */
        pe_t e;
        pe_start(&e);
        char pad[2 * 104 + 1] = "6f6b17";
        for (size_t i = 6; i < sizeof(pad) - 1; i++) {
            pad[i] = '0';
        }
        pad[sizeof(pad) - 1] = '\0';
        seal_inner(&e, as, pad);
        victim_reads(&e, as, "ok");
        pe_free(&e);
    }
}

static void plaintext_after_keys(void **state)
{
    (void)state;
    static const uint8_t plain_alert[] = {21, 3, 3, 0, 2, 1, 0};
    static const uint8_t plain_hs[] = {22, 3, 3, 0, 5, 24, 0, 0, 1, 0};
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    static const uint8_t *const recs[] = {plain_alert, plain_hs, ccs};
    static const size_t lens[] = {sizeof(plain_alert), sizeof(plain_hs),
                                  sizeof(ccs)};
    for (int as = 0; as < 2; as++) {
        for (size_t i = 0; i < 3; i++) {
            /* §5: plaintext records once keys are in use; a CCS after the
             * handshake (§5: unexpected_message). */
            pe_t e;
            pe_start(&e);
            tp_q_push(to_victim(&e, as), recs[i], lens[i]);
            victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
            pe_free(&e);
        }
    }
}

static void handshake_fragments_mixed_with_data(void **state)
{
    (void)state;
    for (int as = 0; as < 2; as++) {
        pe_t e;
        /* §5.1: a handshake message cut by application data. */
        pe_start(&e);
        seal(&e, as, 22, "180000");
        seal(&e, as, 23, "6f6b");
        victim_fails(&e, as, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
        /* A KeyUpdate in two records is fine. */
        pe_start(&e);
        seal(&e, as, 22, "1800");
        seal(&e, as, 22, "000100");
        tp_dir_update(&e.dir[as]);
        seal(&e, as, 23, "6f6b");
        victim_reads(&e, as, "ok");
        pe_free(&e);
    }
}

/* ---- messages out of place after the handshake --------------------------- */

static void server_refuses_post_handshake_messages(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        /* §4.6.1: only servers send NewSessionTicket. */
        "0400000e 00000e10 00000001 00 0001aa 0000",
        /* §4.1.2: no renegotiation. A ClientHello: the type is refused
         * before its length (SECURITY-CHECKLIST 22). */
        "01000029 0303 0000000000000000000000000000000000000000000000000000"
        "000000000000 00 0002 1301 0100",
        /* Finished, Certificate, EndOfEarlyData. */
        "14000020 000000000000000000000000000000000000000000000000000000"
        "0000000000",
        "0b000004 00 000000",
        "05000000",
    };
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        pe_t e;
        pe_start(&e);
        seal(&e, AS_CLIENT, 22, msgs[i]);
        victim_fails(&e, AS_CLIENT, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
}

static void client_post_handshake_messages(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* A second ServerHello; a CertificateRequest although the client
         * never offered post_handshake_auth (§4.6.2); EndOfEarlyData. */
        "02000000",
        "0d00000b 00 0008 000d 0004 0002 0403",
        "05000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pe_t e;
        pe_start(&e);
        seal(&e, AS_SERVER, 22, bad[i]);
        victim_fails(&e, AS_SERVER, CLASP_ERR_UNEXPECTED_MESSAGE);
        pe_free(&e);
    }
    pe_t e;
    /* A well-formed NewSessionTicket is taken; data flows. */
    pe_start(&e);
    seal(&e, AS_SERVER, 22, "0400000e 00000e10 00000001 00 0001aa 0000");
    seal(&e, AS_SERVER, 23, "6f6b");
    victim_reads(&e, AS_SERVER, "ok");
    pe_free(&e);
    /* SECURITY-CHECKLIST 50: a ticket over 16 KiB is refused from its
     * header. */
    pe_start(&e);
    seal(&e, AS_SERVER, 22, "04004001 00000e10");
    victim_fails(&e, AS_SERVER, CLASP_ERR_DECODE);
    pe_free(&e);
    /* A malformed ticket. */
    pe_start(&e);
    seal(&e, AS_SERVER, 22, "0400000a 00000e10 00000001 00 0000");
    victim_fails(&e, AS_SERVER, CLASP_ERR_DECODE);
    pe_free(&e);
    /* SECURITY-CHECKLIST 46: a flood of tickets without data. */
    pe_start(&e);
    for (int i = 0; i < 32; i++) {
        seal(&e, AS_SERVER, 22, "0400000e 00000e10 00000001 00 0001aa 0000");
    }
    seal(&e, AS_SERVER, 23, "6f6b");
    victim_reads(&e, AS_SERVER, "ok");
    for (int i = 0; i < 33; i++) {
        seal(&e, AS_SERVER, 22, "0400000e 00000e10 00000001 00 0001aa 0000");
    }
    victim_fails(&e, AS_SERVER, CLASP_ERR_UNEXPECTED_MESSAGE);
    pe_free(&e);
}

/* SECURITY-CHECKLIST 10: at the suite's confidentiality limit the writer
 * sends KeyUpdate before its next record (RFC 8446 §5.5). Internal
 * state: both sides' sequence numbers are moved to the limit. */
static void key_update_before_aead_limit(void **state)
{
    (void)state;
    pe_t e;
    pe_start(&e);
    const clasp_suite *s = e.t.cli->suite;
    assert_non_null(s);
    e.t.cli->wr.seq = s->conf_limit;
    e.t.srv->rd.seq = s->conf_limit;
    assert_int_equal(clasp_write(e.t.cli, (const unsigned char *)"ok", 2), 2);
    tp_queue copy = {malloc(TP_CAP), 0};
    assert_non_null(copy.buf);
    tp_q_push(&copy, e.t.p.q[0].buf, e.t.p.q[0].len);
    tp_dir *d = &e.dir[AS_CLIENT];
    d->seq = s->conf_limit;
    uint8_t out[64];
    size_t len;
    assert_int_equal(tp_dir_open(d, &copy, out, sizeof(out), &len), 22);
    assert_int_equal(len, 5);
    assert_memory_equal(out, "\x18\x00\x00\x01\x00", 5);
    tp_dir_update(d);
    assert_int_equal(tp_dir_open(d, &copy, out, sizeof(out), &len), 23);
    assert_memory_equal(out, "ok", 2);
    free(copy.buf);
    victim_reads(&e, AS_CLIENT, "ok");
    pe_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_update_flood),
        cmocka_unit_test(key_update_flood_through_api),
        cmocka_unit_test(key_update_bad_values),
        cmocka_unit_test(empty_record_flood),
        cmocka_unit_test(warning_alert_flood),
        cmocka_unit_test(alerts_malformed_or_fatal),
        cmocka_unit_test(record_limits),
        cmocka_unit_test(record_authentication),
        cmocka_unit_test(inner_content_rules),
        cmocka_unit_test(plaintext_after_keys),
        cmocka_unit_test(handshake_fragments_mixed_with_data),
        cmocka_unit_test(server_refuses_post_handshake_messages),
        cmocka_unit_test(client_post_handshake_messages),
        cmocka_unit_test(key_update_before_aead_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
