/* Every knob on every message of every flight, for both roles
 * (SECURITY-CHECKLIST B4 rows 19-23, B11 rows 51-52): the scripted peer
 * builds a correct flight, breaks one message in one way, and sends it.
 *
 * Flights: the server's EE, Certificate, CertificateVerify, Finished (and
 * with a CertificateRequest after EE) against a clasp client; the
 * client's Finished (and Certificate, CertificateVerify, Finished under
 * client authentication) against a clasp server; the ClientHello and the
 * ServerHello alone.
 *
 * Knobs: drop the message, duplicate it, swap it with the next one,
 * append a byte (the header length follows), remove its last byte (the
 * same), declare its length one less or one more than it is (bytes
 * unchanged). Outcomes, from RFC 8446:
 *  - a message out of order (dropped, duplicated, swapped):
 *    unexpected_message (§4); a Finished followed by anything in its
 *    record: unexpected_message (§5.1, it precedes a key change);
 *  - a message whose length does not match its contents: decode_error
 *    (§6: "a length extending beyond the message boundary");
 *  - a CertificateRequest the client never saw: the server's signature
 *    no longer covers the client's transcript: decrypt_error (§4.4.3);
 *  - a missing Finished, or one declared longer than it is: the victim
 *    waits, sends nothing, and the end of the transport is a truncation
 *    (§6.1), never a spin.
 * Field knobs (signature, scheme, Finished, certificate bytes) follow. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "scripted_peer.h"

enum knob { DROP, DUP, SWAP, TRAIL, TRUNC, LEN_MINUS, LEN_PLUS, KNOB__COUNT };
static const char *const knob_names[KNOB__COUNT] = {
    "drop",          "duplicate",         "swap with next",
    "trailing byte", "last byte removed", "length - 1",
    "length + 1"};

/* The victim waits for more and sends nothing. */
#define STALL 1

static void apply(tp_flight *f, size_t i, enum knob k)
{
    static const uint8_t zero = 0;
    switch (k) {
    case DROP: tp_flight_drop(f, i); break;
    case DUP: sp_flight_dup(f, i); break;
    case SWAP: sp_flight_swap(f, i, i + 1); break;
    case TRAIL: sp_msg_append(f, i, &zero, 1); break;
    case TRUNC: sp_msg_truncate(f, i, 1); break;
    case LEN_MINUS: sp_msg_set_len(f, i, (uint32_t)(f->len[i] - 4 - 1)); break;
    case LEN_PLUS: sp_msg_set_len(f, i, (uint32_t)(f->len[i] - 4 + 1)); break;
    case KNOB__COUNT: fail();
    }
}

/* The outcome of knob k on message i (type t) of a flight. */
static int outcome(const tp_flight *f, size_t i, enum knob k)
{
    uint8_t t = f->msg[i][0];
    bool last = i + 1 == f->n;
    switch (k) {
    case DROP:
        if (t == CLASP_HS_FINISHED) {
            return STALL;
        }
        if (t == CLASP_HS_CERTIFICATE_REQUEST) {
            return CLASP_ERR_DECRYPT_ERROR;
        }
        return CLASP_ERR_UNEXPECTED_MESSAGE;
    case DUP: return CLASP_ERR_UNEXPECTED_MESSAGE;
    case SWAP:
        /* CR and Certificate swapped: the Certificate is fine where the
         * CR was expected, the CR then is not. Every other swap brings a
         * message too early. */
        return CLASP_ERR_UNEXPECTED_MESSAGE;
    case LEN_PLUS:
        /* The last message waits for a byte that never comes. */
        return last ? STALL : CLASP_ERR_DECODE;
    case TRAIL:
    case TRUNC:
    case LEN_MINUS: return CLASP_ERR_DECODE;
    case KNOB__COUNT: break;
    }
    fail();
    return 0;
}

static void expect(sp_t *s, int want)
{
    if (want == STALL) {
        sp_victim_wants_read(s);
        assert_int_equal(s->in->len, 0);
        (s->role == SP_CLIENT ? &s->p.server : &s->p.client)->closed = 1;
        sp_expect_fail(s, CLASP_ERR_CONN_EOF);
        return;
    }
    sp_expect_fail(s, want);
}

/* ---- the server's flight against a clasp client ------------------------- */

static void server_flight(sp_t *s, bool cert_request, tp_flight *f)
{
    sp_at_client(s, SP_C_WAIT_EE);
    s->cfg.cert_request = cert_request;
    sp_srv_flight(s, f);
}

static void every_knob_on_the_server_flight(void **state)
{
    (void)state;
    for (int cr = 0; cr < 2; cr++) {
        size_t n = cr ? 5 : 4;
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < KNOB__COUNT; k++) {
                if (k == SWAP && i + 1 == n) {
                    continue;
                }
                sp_t s;
                tp_flight f = {0};
                server_flight(&s, cr, &f);
                assert_int_equal(f.n, n);
                sp_notef("server flight%s, message %zu (type %u): %s",
                         cr ? " with CR" : "", i, f.msg[i][0], knob_names[k]);
                int want = outcome(&f, i, (enum knob)k);
                apply(&f, i, (enum knob)k);
                sp_send(&s, &f);
                tp_flight_free(&f);
                expect(&s, want);
                sp_free(&s);
            }
        }
    }
}

/* ---- the client's second flight against a clasp server ------------------ */

static void client_flight(sp_t *s, bool auth, tp_flight *f)
{
    sp_at_server(s, auth ? SP_S_WAIT_CERT : SP_S_WAIT_FINISHED);
    s->cfg.client_cert = auth;
    sp_cli_flight2(s, f);
}

static void every_knob_on_the_client_flight(void **state)
{
    (void)state;
    for (int auth = 0; auth < 2; auth++) {
        size_t n = auth ? 3 : 1;
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < KNOB__COUNT; k++) {
                if (k == SWAP && i + 1 == n) {
                    continue;
                }
                sp_t s;
                tp_flight f = {0};
                client_flight(&s, auth, &f);
                assert_int_equal(f.n, n);
                sp_notef("client flight%s, message %zu (type %u): %s",
                         auth ? " with auth" : "", i, f.msg[i][0],
                         knob_names[k]);
                int want = outcome(&f, i, (enum knob)k);
                apply(&f, i, (enum knob)k);
                sp_send(&s, &f);
                tp_flight_free(&f);
                expect(&s, want);
                sp_free(&s);
            }
        }
    }
}

/* ---- the hellos -----------------------------------------------------------
 */

static void knobs_on_the_hellos(void **state)
{
    (void)state;
    /* ClientHello: duplicated in its record (§5.1: it precedes a key
     * change), a byte after its extensions (§4.1.2: "a valid extensions
     * block with no data following", else decode_error), cut. Declared
     * one byte short, its last byte becomes the start of a next message
     * in its record: that is unexpected_message (§5.1) as much as the
     * cut hello is a decode_error; clasp parses the message first (as for
     * ServerHello and Finished), so the hello's own decode_error wins. */
    static const enum knob ch_knobs[] = {DUP, TRAIL, TRUNC, LEN_MINUS};
    static const int ch_want[] = {CLASP_ERR_UNEXPECTED_MESSAGE,
                                  CLASP_ERR_DECODE, CLASP_ERR_DECODE,
                                  CLASP_ERR_DECODE};
    for (size_t k = 0; k < 4; k++) {
        sp_notef("ClientHello: %s", knob_names[ch_knobs[k]]);
        sp_t s;
        tp_flight f = {0};
        sp_start(&s, SP_CLIENT, NULL);
        sp_cli_hello(&s, &f);
        apply(&f, 0, ch_knobs[k]);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_expect_fail(&s, ch_want[k]);
        sp_free(&s);
    }
    /* ServerHello: the same, and left out altogether (the client, still
     * reading in clear, gets protected records: §5). */
    static const enum knob sh_knobs[] = {DUP, TRAIL, TRUNC, LEN_MINUS, DROP};
    static const int sh_want[] = {
        CLASP_ERR_UNEXPECTED_MESSAGE, CLASP_ERR_DECODE, CLASP_ERR_DECODE,
        CLASP_ERR_DECODE, CLASP_ERR_UNEXPECTED_MESSAGE};
    for (size_t k = 0; k < 5; k++) {
        sp_notef("ServerHello: %s", knob_names[sh_knobs[k]]);
        sp_t s;
        tp_flight f = {0};
        sp_start(&s, SP_SERVER, NULL);
        sp_victim_wants_read(&s);
        sp_srv_recv_hello(&s);
        sp_srv_hello(&s, &f);
        apply(&f, 0, sh_knobs[k]);
        sp_send(&s, &f);
        tp_flight_free(&f);
        if (sh_knobs[k] == DROP) {
            sp_srv_keys_hs(&s);
            sp_srv_flight(&s, &f);
            sp_send(&s, &f);
            tp_flight_free(&f);
        }
        sp_expect_fail(&s, sh_want[k]);
        sp_free(&s);
    }
}

/* ---- fields ---------------------------------------------------------------
 */

enum field { SIG_BIT, SCHEME_PKCS1, SCHEME_UNKNOWN, FIN_BIT, CERT_SIG_BIT };

static void break_field(tp_flight *f, enum field fld)
{
    int cv = tp_flight_find(f, CLASP_HS_CERTIFICATE_VERIFY);
    int fin = tp_flight_find(f, CLASP_HS_FINISHED);
    int ct = tp_flight_find(f, CLASP_HS_CERTIFICATE);
    switch (fld) {
    case SIG_BIT: f->msg[cv][f->len[cv] - 1] ^= 0x01; break;
    case SCHEME_PKCS1:
        /* §4.4.3: RSASSA-PKCS1-v1_5 is never valid in TLS 1.3. */
        f->msg[cv][4] = 0x04;
        f->msg[cv][5] = 0x01;
        break;
    case SCHEME_UNKNOWN:
        f->msg[cv][4] = 0xfe;
        f->msg[cv][5] = 0xfe;
        break;
    case FIN_BIT: f->msg[fin][4] ^= 0x80; break;
    case CERT_SIG_BIT: {
        /* The last byte of the leaf's DER: inside its signature. */
        uint8_t *m = f->msg[ct];
        size_t ctx = m[4];
        size_t at = 4 + 1 + ctx + 3;
        size_t len = (size_t)m[at] << 16 | (size_t)m[at + 1] << 8 | m[at + 2];
        m[at + 3 + len - 1] ^= 0x01;
        break;
    }
    }
}

static void broken_fields_in_both_roles(void **state)
{
    (void)state;
    static const struct {
        enum field fld;
        int err;
        const char *why;
    } cases[] = {
        {SIG_BIT, CLASP_ERR_DECRYPT_ERROR, "§4.4.3: bad signature"},
        {SCHEME_PKCS1, CLASP_ERR_ILLEGAL_PARAMETER, "§4.4.3: PKCS#1 v1.5"},
        {SCHEME_UNKNOWN, CLASP_ERR_ILLEGAL_PARAMETER, "§4.4.3: not offered"},
        {FIN_BIT, CLASP_ERR_DECRYPT_ERROR, "§4.4.4: wrong verify_data"},
        {CERT_SIG_BIT, CLASP_ERR_BAD_CERTIFICATE,
         "§6.2 bad_certificate: signatures that did not verify"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int srv = 0; srv < 2; srv++) {
            sp_notef("%s, victim %s", cases[i].why, srv ? "server" : "client");
            sp_t s;
            tp_flight f = {0};
            if (srv) {
                client_flight(&s, true, &f);
            } else {
                server_flight(&s, false, &f);
            }
            break_field(&f, cases[i].fld);
            sp_send(&s, &f);
            tp_flight_free(&f);
            sp_expect_fail(&s, cases[i].err);
            sp_free(&s);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_knob_on_the_server_flight),
        cmocka_unit_test(every_knob_on_the_client_flight),
        cmocka_unit_test(knobs_on_the_hellos),
        cmocka_unit_test(broken_fields_in_both_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
