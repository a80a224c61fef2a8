/*
 * Properties of the handshake state tables (DESIGN.md §3.6): the edges
 * equal RFC 8446 Appendix A.1 / A.2 written out by hand below, every state
 * is reachable from START, CONNECTED is reachable from every state, send
 * states expect no input, and every row has a name and a handler.
 */
#include "testlib.h"

#include "hs/hs.h"
#include "msg/msg_codes.h"

struct edge {
    int from, to;
};

/* RFC 8446 A.1, with HRR as WAIT_SH -> SEND_CH2 -> WAIT_SH and the
 * client's second flight as SEND_FLIGHT2. */
static const struct edge client_edges[] = {
    {C_START, C_WAIT_SH},
    {C_WAIT_SH, C_SEND_CH2},
    {C_SEND_CH2, C_WAIT_SH},
    {C_WAIT_SH, C_WAIT_EE},
    {C_WAIT_EE, C_WAIT_CERT_CR},
    {C_WAIT_EE, C_WAIT_FINISHED},
    {C_WAIT_CERT_CR, C_WAIT_CERT},
    {C_WAIT_CERT_CR, C_WAIT_CV},
    {C_WAIT_CERT, C_WAIT_CV},
    {C_WAIT_CV, C_WAIT_FINISHED},
    {C_WAIT_FINISHED, C_SEND_FLIGHT2},
    {C_SEND_FLIGHT2, C_CONNECTED},
    {C_CONNECTED, C_CONNECTED},
};

/* RFC 8446 A.2. */
static const struct edge server_edges[] = {
    {S_START, S_RECVD_CH},
    {S_RECVD_CH, S_SEND_HRR},
    {S_SEND_HRR, S_START},
    {S_RECVD_CH, S_NEGOTIATED},
    {S_NEGOTIATED, S_WAIT_EOED},
    {S_NEGOTIATED, S_WAIT_FLIGHT2},
    {S_WAIT_EOED, S_WAIT_FLIGHT2},
    {S_WAIT_FLIGHT2, S_WAIT_CERT},
    {S_WAIT_FLIGHT2, S_WAIT_FINISHED},
    {S_WAIT_CERT, S_WAIT_CV},
    {S_WAIT_CERT, S_WAIT_FINISHED},
    {S_WAIT_CV, S_WAIT_FINISHED},
    {S_WAIT_FINISHED, S_CONNECTED},
    {S_CONNECTED, S_CONNECTED},
};

static void check_edges(const struct clasp_hs_row *rows, int count,
                        const struct edge *edges, size_t n)
{
    uint32_t want[32] = {0};
    for (size_t i = 0; i < n; i++) {
        want[edges[i].from] |= ST_BIT(edges[i].to);
    }
    for (int s = 0; s < count; s++) {
        if (rows[s].next_ok != want[s]) {
            fail_msg("state %s: table edges 0x%x, RFC edges 0x%x", rows[s].name,
                     rows[s].next_ok, want[s]);
        }
    }
}

static uint32_t reach_from(const struct clasp_hs_row *rows, int count,
                           int start)
{
    uint32_t seen = ST_BIT(start);
    for (int round = 0; round < count; round++) {
        for (int s = 0; s < count; s++) {
            if (seen & ST_BIT(s)) {
                seen |= rows[s].next_ok;
            }
        }
    }
    return seen;
}

static void check_shape(const struct clasp_hs_row *rows, int count,
                        int connected)
{
    uint32_t all = (count == 32) ? 0xffffffffu : ((1u << count) - 1);
    assert_int_equal(reach_from(rows, count, 0), all);
    for (int s = 0; s < count; s++) {
        assert_non_null(rows[s].name);
        assert_non_null(rows[s].run);
        assert_true(reach_from(rows, count, s) & ST_BIT(connected));
        /* Only CONNECTED takes application data. */
        assert_int_equal((rows[s].flags & HS_APPDATA_IN) != 0, s == connected);
    }
}

static void client_table_edges_equal_rfc8446_a1(void **state)
{
    (void)state;
    check_edges(clasp_client_rows, C__COUNT, client_edges,
                sizeof(client_edges) / sizeof(client_edges[0]));
}

static void server_table_edges_equal_rfc8446_a2(void **state)
{
    (void)state;
    check_edges(clasp_server_rows, S__COUNT, server_edges,
                sizeof(server_edges) / sizeof(server_edges[0]));
}

static void tables_reachable_and_well_formed(void **state)
{
    (void)state;
    check_shape(clasp_client_rows, C__COUNT, C_CONNECTED);
    check_shape(clasp_server_rows, S__COUNT, S_CONNECTED);
}

static void send_states_expect_no_input(void **state)
{
    (void)state;
    const int csend[] = {C_START, C_SEND_CH2, C_SEND_FLIGHT2};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(clasp_client_rows[csend[i]].expect, 0);
    }
    const int ssend[] = {S_RECVD_CH, S_SEND_HRR, S_NEGOTIATED, S_WAIT_FLIGHT2};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(clasp_server_rows[ssend[i]].expect, 0);
    }
}

static void message_directions_are_enforced(void **state)
{
    (void)state;
    /* A server never accepts server-only messages and vice versa
     * (SECURITY-CHECKLIST row 21). */
    uint32_t server_only = HS_BIT(CLASP_HS_SERVER_HELLO) |
                           HS_BIT(CLASP_HS_NEW_SESSION_TICKET) |
                           HS_BIT(CLASP_HS_ENCRYPTED_EXTENSIONS) |
                           HS_BIT(CLASP_HS_CERTIFICATE_REQUEST);
    uint32_t client_only =
        HS_BIT(CLASP_HS_CLIENT_HELLO) | HS_BIT(CLASP_HS_END_OF_EARLY_DATA);
    for (int s = 0; s < S__COUNT; s++) {
        assert_int_equal(clasp_server_rows[s].expect & server_only, 0);
    }
    for (int s = 0; s < C__COUNT; s++) {
        assert_int_equal(clasp_client_rows[s].expect & client_only, 0);
    }
    /* After the handshake: no ClientHello (no renegotiation, §4.1.2), a
     * server takes KeyUpdate and the client's answer to a post-handshake
     * CertificateRequest (§4.6.2; hs_pha.c admits each only while a
     * request is open); a client adds CertificateRequest to tickets and
     * KeyUpdate. */
    assert_int_equal(
        clasp_server_rows[S_CONNECTED].expect,
        HS_BIT(CLASP_HS_KEY_UPDATE) | HS_BIT(CLASP_HS_CERTIFICATE) |
            HS_BIT(CLASP_HS_CERTIFICATE_VERIFY) | HS_BIT(CLASP_HS_FINISHED));
    assert_int_equal(clasp_client_rows[C_CONNECTED].expect,
                     HS_BIT(CLASP_HS_NEW_SESSION_TICKET) |
                         HS_BIT(CLASP_HS_KEY_UPDATE) |
                         HS_BIT(CLASP_HS_CERTIFICATE_REQUEST));
    /* Finished only after authentication on the client. */
    assert_int_equal(clasp_client_rows[C_WAIT_CERT_CR].expect &
                         HS_BIT(CLASP_HS_FINISHED),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_table_edges_equal_rfc8446_a1),
        cmocka_unit_test(server_table_edges_equal_rfc8446_a2),
        cmocka_unit_test(tables_reachable_and_well_formed),
        cmocka_unit_test(send_states_expect_no_input),
        cmocka_unit_test(message_directions_are_enforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
