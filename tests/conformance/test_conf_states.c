/* State table properties on the wire (issue #7, deliverable 3): every
 * handshake message type, sent in every state in which a clasp client or
 * server waits for input, on a real connection driven there by the
 * scripted peer. Where RFC 8446 does not allow the type, the answer is
 * unexpected_message (§4: "A peer which receives a handshake message in
 * an unexpected order MUST abort the handshake with an
 * "unexpected_message" alert"); where it does, the (deliberately
 * malformed) message gets past the state check and fails in its parser
 * with the alert its defect calls for.
 *
 * The allowed types per state are written out by hand from RFC 8446
 * Appendix A.1 / A.2 (client: no post_handshake_auth offered, so no
 * CertificateRequest after the handshake, §4.6.2; server: no 0-RTT, so
 * no EndOfEarlyData), independently of clasp's tables. The types cover
 * 0..31 (every RFC 8446 type and the reserved or unassigned ones between
 * them), each allowed type plus 32 and plus 224 (a table indexed by
 * type & 31 would take them), message_hash (254, never on the wire) and
 * 255.
 *
 * After each failure the victim is dead (nothing more read or written);
 * after the first failure in each state, clasp_session_reset() and a
 * complete handshake on the same context prove nothing is left behind
 * (SECURITY-CHECKLIST 58). */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "scripted_peer.h"

static const uint8_t allowed_anywhere[] = {1, 2, 4, 8, 11, 13, 15, 20, 24};

static size_t all_types(uint8_t *out)
{
    size_t n = 0;
    for (unsigned t = 0; t < 32; t++) {
        out[n++] = (uint8_t)t;
    }
    for (size_t i = 0; i < sizeof(allowed_anywhere); i++) {
        out[n++] = (uint8_t)(allowed_anywhere[i] + 32);
        out[n++] = (uint8_t)(allowed_anywhere[i] + 224);
    }
    out[n++] = 254;
    out[n++] = 255;
    return n;
}

/* What a type allowed in a state does with the body 00 00 00 00. */
struct allowed {
    uint8_t type;
    int err;
};

/* RFC 8446 A.1 (the victim is the client). */
static const struct allowed client_allowed[SP_C__COUNT][3] = {
    /* ServerHello: no room for its random (decode_error, §6). */
    [SP_C_WAIT_SH] = {{2, CLASP_ERR_DECODE}},
    [SP_C_WAIT_SH2] = {{2, CLASP_ERR_DECODE}},
    /* EncryptedExtensions: two bytes after an empty block. */
    [SP_C_WAIT_EE] = {{8, CLASP_ERR_DECODE}},
    /* An empty server Certificate (§4.4.2.4: decode_error); a
     * CertificateRequest without its extensions<2..2^16-1>. */
    [SP_C_WAIT_CERT_CR] = {{11, CLASP_ERR_DECODE}, {13, CLASP_ERR_DECODE}},
    [SP_C_WAIT_CERT] = {{11, CLASP_ERR_DECODE}},
    /* CertificateVerify with scheme 0x0000, never offered (§4.4.3). */
    [SP_C_WAIT_CV] = {{15, CLASP_ERR_ILLEGAL_PARAMETER}},
    /* Finished of 4 bytes instead of Hash.length. */
    [SP_C_WAIT_FINISHED] = {{20, CLASP_ERR_DECODE}},
    /* NewSessionTicket and KeyUpdate, both malformed. */
    [SP_C_CONNECTED] = {{4, CLASP_ERR_DECODE}, {24, CLASP_ERR_DECODE}},
};

/* RFC 8446 A.2 (the victim is the server). */
static const struct allowed server_allowed[SP_S__COUNT][3] = {
    [SP_S_START] = {{1, CLASP_ERR_DECODE}},
    [SP_S_START2] = {{1, CLASP_ERR_DECODE}},
    /* An empty client Certificate while one is required (§4.4.2.4). */
    [SP_S_WAIT_CERT] = {{11, CLASP_ERR_CERTIFICATE_REQUIRED}},
    [SP_S_WAIT_CV] = {{15, CLASP_ERR_ILLEGAL_PARAMETER}},
    [SP_S_WAIT_FINISHED] = {{20, CLASP_ERR_DECODE}},
    /* KeyUpdate of 4 bytes (the server takes 1-byte messages only). */
    [SP_S_CONNECTED] = {{24, CLASP_ERR_DECODE}},
};

static int expected(const struct allowed *row, uint8_t type)
{
    for (size_t i = 0; i < 3; i++) {
        if (row[i].err != 0 && row[i].type == type) {
            return row[i].err;
        }
    }
    return CLASP_ERR_UNEXPECTED_MESSAGE;
}

static void inject(sp_t *s, uint8_t type)
{
    uint8_t msg[8] = {type, 0, 0, 4, 0, 0, 0, 0};
    sp_rec(s, CLASP_CT_HANDSHAKE, msg, sizeof(msg));
}

/* The same victim context after clasp_session_reset: a full handshake. */
static void reset_and_reconnect(sp_t *s, bool client_auth)
{
    assert_clasp_ok(clasp_session_reset(s->v));
    sp_restart(s);
    if (s->role == SP_CLIENT) {
        s->cfg.client_cert = client_auth;
        sp_cli_handshake(s);
    } else {
        sp_srv_handshake(s);
    }
    assert_int_equal(clasp_get_peer_alert(s->v), -1);
    sp_check_victim_reads(s, "after reset");
    sp_check_victim_sends(s, "ok");
}

static void every_type_in_every_client_state(void **state)
{
    (void)state;
    uint8_t types[64];
    size_t n = all_types(types);
    for (int st = 0; st < SP_C__COUNT; st++) {
        for (size_t i = 0; i < n; i++) {
            sp_t s;
            sp_notef("client %s, type %u", sp_cstate_names[st], types[i]);
            sp_start(&s, SP_SERVER, NULL);
            sp_drive_client(&s, (enum sp_cstate)st);
            inject(&s, types[i]);
            int err = expected(client_allowed[st], types[i]);
            sp_victim_fails(&s, err);
            sp_expect_alert(&s, clasp_error_alert(err));
            sp_expect_dead(&s, err);
            if (i == 0) {
                reset_and_reconnect(&s, false);
            }
            sp_free(&s);
        }
    }
}

static void every_type_in_every_server_state(void **state)
{
    (void)state;
    uint8_t types[64];
    size_t n = all_types(types);
    for (int st = 0; st < SP_S__COUNT; st++) {
        clasp_config *sc = sp_server_conf_for((enum sp_sstate)st);
        for (size_t i = 0; i < n; i++) {
            sp_t s;
            sp_notef("server %s, type %u", sp_sstate_names[st], types[i]);
            sp_start(&s, SP_CLIENT, sc);
            sp_drive_server(&s, (enum sp_sstate)st);
            inject(&s, types[i]);
            int err = expected(server_allowed[st], types[i]);
            sp_victim_fails(&s, err);
            sp_expect_alert(&s, clasp_error_alert(err));
            sp_expect_dead(&s, err);
            if (i == 0) {
                reset_and_reconnect(&s,
                                    st == SP_S_WAIT_CERT || st == SP_S_WAIT_CV);
            }
            sp_free(&s);
        }
        clasp_config_free(sc);
    }
}

/* The same property for the first bytes only: a header whose type is out
 * of place, its body never sent. The victim must not wait for a body it
 * will refuse anyway (engine.c refuses the type before buffering), so the
 * answer comes at once. */
static void unexpected_type_refused_from_its_header(void **state)
{
    (void)state;
    static const uint8_t hdr[4] = {CLASP_HS_FINISHED, 0, 0x40, 0};
    sp_t s;
    sp_start(&s, SP_SERVER, NULL);
    sp_drive_client(&s, SP_C_WAIT_EE);
    sp_rec(&s, CLASP_CT_HANDSHAKE, hdr, sizeof(hdr));
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    clasp_config *sc = sp_server_conf_for(SP_S_CONNECTED);
    sp_start(&s, SP_CLIENT, sc);
    sp_drive_server(&s, SP_S_CONNECTED);
    sp_rec(&s, CLASP_CT_HANDSHAKE, hdr, sizeof(hdr));
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_in_every_client_state),
        cmocka_unit_test(every_type_in_every_server_state),
        cmocka_unit_test(unexpected_type_refused_from_its_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
