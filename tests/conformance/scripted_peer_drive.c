/* Drive a clasp victim to each state of RFC 8446 Appendix A in which it
 * waits for input (scripted_peer.h): the scripted peer sends exactly the
 * messages before that state, the victim consumes them, and the script
 * can then inject whatever it wants under the key the victim reads with. */
#include "testlib.h"

#include "scripted_peer.h"

const char *const sp_cstate_names[SP_C__COUNT] = {
    "WAIT_SH", "WAIT_SH (after HRR)", "WAIT_EE",   "WAIT_CERT_CR", "WAIT_CERT",
    "WAIT_CV", "WAIT_FINISHED",       "CONNECTED",
};

const char *const sp_sstate_names[SP_S__COUNT] = {
    "START",   "START (after HRR)", "WAIT_CERT",
    "WAIT_CV", "WAIT_FINISHED",     "CONNECTED",
};

/* Send one built message and let the victim take it. */
static void deliver(sp_t *s, tp_flight *f)
{
    sp_send(s, f);
    tp_flight_free(f);
    sp_victim_wants_read(s);
}

void sp_drive_client(sp_t *s, enum sp_cstate st)
{
    assert_int_equal(s->role, SP_SERVER);
    tp_flight f = {0};
    sp_victim_wants_read(s);
    sp_srv_recv_hello(s);
    if (st == SP_C_WAIT_SH) {
        return;
    }
    if (st == SP_C_WAIT_SH2) {
        /* The victim client's default first share is x25519; ask for
         * secp256r1, which it supports. */
        sp_srv_hrr(s, &f, CLASP_GROUP_SECP256R1);
        sp_send(s, &f);
        tp_flight_free(&f);
        sp_ccs(s);
        sp_victim_wants_read(s);
        sp_srv_recv_hello(s);
        return;
    }
    sp_srv_hello(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_srv_keys_hs(s);
    sp_victim_wants_read(s);
    if (st == SP_C_WAIT_EE) {
        return;
    }
    sp_srv_ee(s, &f);
    deliver(s, &f);
    if (st == SP_C_WAIT_CERT_CR) {
        return;
    }
    if (st == SP_C_WAIT_CERT) {
        sp_srv_cr(s, &f);
        deliver(s, &f);
        return;
    }
    sp_cert(s, &f);
    deliver(s, &f);
    if (st == SP_C_WAIT_CV) {
        return;
    }
    sp_cv(s, &f);
    deliver(s, &f);
    if (st == SP_C_WAIT_FINISHED) {
        return;
    }
    sp_fin(s, &f);
    sp_srv_secrets_ap(s);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
    sp_srv_recv_flight2(s);
    assert_int_equal(st, SP_C_CONNECTED);
}

clasp_config *sp_server_conf_for(enum sp_sstate st)
{
    clasp_config *conf = tp_server_conf("ecdsa-p256");
    if (st == SP_S_START2) {
        const uint16_t g = CLASP_GROUP_SECP256R1;
        assert_clasp_ok(clasp_conf_groups(conf, &g, 1));
    }
    if (st == SP_S_WAIT_CERT || st == SP_S_WAIT_CV) {
        assert_clasp_ok(clasp_conf_authmode(conf, CLASP_VERIFY_REQUIRED));
        assert_clasp_ok(clasp_conf_ca_file(conf, TP_PKI "all-roots.pem"));
    }
    return conf;
}

void sp_drive_server(sp_t *s, enum sp_sstate st)
{
    assert_int_equal(s->role, SP_CLIENT);
    tp_flight f = {0};
    if (st == SP_S_START) {
        return;
    }
    sp_cli_hello(s, &f);
    deliver(s, &f);
    if (st == SP_S_START2) {
        assert_int_equal(sp_cli_recv_hello(s), 1);
        sp_skip_ccs(s);
        return;
    }
    assert_int_equal(sp_cli_recv_hello(s), 0);
    sp_cli_recv_flight(s);
    sp_set_write(s, SP_HS);
    if (st == SP_S_WAIT_CERT || st == SP_S_WAIT_FINISHED) {
        return;
    }
    if (st == SP_S_WAIT_CV) {
        s->cfg.client_cert = true;
        sp_cert(s, &f);
        deliver(s, &f);
        return;
    }
    sp_cli_flight2(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
    assert_int_equal(st, SP_S_CONNECTED);
}

void sp_at_client(sp_t *s, enum sp_cstate st)
{
    sp_start(s, SP_SERVER, NULL);
    sp_drive_client(s, st);
}

void sp_at_server(sp_t *s, enum sp_sstate st)
{
    sp_start(s, SP_CLIENT, sp_server_conf_for(st));
    s->own_vconf = true;
    sp_drive_server(s, st);
}

void sp_srv_finish(sp_t *s)
{
    tp_flight f = {0};
    sp_srv_flight(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
    sp_srv_recv_flight2(s);
}

void sp_cli_finish(sp_t *s)
{
    tp_flight f = {0};
    sp_cli_flight2(s, &f);
    sp_send(s, &f);
    tp_flight_free(&f);
    sp_set_write(s, SP_AP);
    sp_victim_done(s);
}
