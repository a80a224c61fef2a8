/* Debug and key-log callbacks on hostile input (SECURITY-CHECKLIST 60:
 * "Over-reads in debug/trace code ... fuzz with logging and callbacks
 * on"). The same attacks as the other conformance tests, with the victim
 * config's debug callback at CLASP_DEBUG_VERBOSE and its key log on
 * (sp_trace): every message and extension the victim logs is read in
 * full by the sink, under the sanitizers in the ASan build. Each case
 * still asserts its exact outcome. */
#include "testlib.h"

#include <string.h>

#include "scripted_peer.h"

static void hostile_messages_with_tracing(void **state)
{
    (void)state;
    sp_trace = true;
    unsigned long before = sp_trace_lines;
    /* A type out of place, and a malformed one of the expected type, in
     * every wait state of both roles (the messages and state changes are
     * logged at CLASP_DEBUG_MSG and VERBOSE). */
    static const uint8_t types[] = {0, 3, 5, 20, 24, 254, 255};
    for (int st = 0; st < SP_C__COUNT; st++) {
        for (size_t i = 0; i < sizeof(types); i++) {
            sp_notef("client %s, type %u", sp_cstate_names[st], types[i]);
            sp_t s;
            sp_at_client(&s, (enum sp_cstate)st);
            uint8_t msg[8] = {types[i], 0, 0, 4, 0xff, 0xff, 0xff, 0xff};
            sp_rec(&s, CLASP_CT_HANDSHAKE, msg, sizeof(msg));
            int rc = sp_victim(&s);
            if (rc == 0) {
                rc = sp_victim(&s); /* the handshake just completed */
            }
            assert_true(rc < 0 && rc != CLASP_ERR_WANT_READ);
            sp_free(&s);
        }
    }
    for (int st = 0; st < SP_S__COUNT; st++) {
        for (size_t i = 0; i < sizeof(types); i++) {
            sp_notef("server %s, type %u", sp_sstate_names[st], types[i]);
            sp_t s;
            sp_at_server(&s, (enum sp_sstate)st);
            uint8_t msg[8] = {types[i], 0, 0, 4, 0xff, 0xff, 0xff, 0xff};
            sp_rec(&s, CLASP_CT_HANDSHAKE, msg, sizeof(msg));
            int rc = sp_victim(&s);
            assert_true(rc < 0 && rc != CLASP_ERR_WANT_READ);
            sp_free(&s);
        }
    }
    assert_true(sp_trace_lines > before);
    sp_trace = false;
}

static void hostile_hellos_with_tracing(void **state)
{
    (void)state;
    sp_trace = true;
    tp_flight f = {0};
    /* Extensions of every kind the server logs, odd ones included. */
    static const uint8_t odd[] = {
        0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
        'l',  'o',  'c',  'a',  'l',  'h',  'o',  's',  't', /* server_name */
        0x00, 0x10, 0x00, 0x03, 0x00, 0x01, 0xff, /* bad ALPN (name 0) */
        0xfe, 0xfe, 0x00, 0x00};
    sp_t s;
    sp_start(&s, SP_CLIENT, NULL);
    s.cfg.ch_ext = odd;
    s.cfg.ch_ext_len = sizeof(odd);
    sp_cli_hello(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_DECODE);
    sp_free(&s);
    /* A complete handshake with everything logged, HRR included, and a
     * client that then floods KeyUpdates. */
    clasp_config *sc = sp_server_conf_for(SP_S_START2);
    sp_start(&s, SP_CLIENT, sc);
    sp_cli_handshake(&s);
    sp_notef("tracing KeyUpdate flood");
    for (int i = 0; i < 33; i++) {
        sp_key_update(&s, 0);
    }
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    clasp_config_free(sc);
    /* A server flight with a broken signature, to a tracing client. */
    sp_at_client(&s, SP_C_WAIT_EE);
    sp_srv_flight(&s, &f);
    int cv = tp_flight_find(&f, CLASP_HS_CERTIFICATE_VERIFY);
    f.msg[cv][f.len[cv] - 1] ^= 1;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_DECRYPT_ERROR);
    sp_free(&s);
    sp_trace = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_messages_with_tracing),
        cmocka_unit_test(hostile_hellos_with_tracing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
