/* Saved client sessions (src/tickets/session.c): the versioned byte
 * format round trips, the size query, and garbage of every kind is
 * CLASP_ERR_BAD_INPUT_DATA with the session left as it was
 * (SECURITY-CHECKLIST 45). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "base/wr.h"
#include "tickets/tickets.h"

/* A saved session of n tickets, built with the state codec. */
static size_t build(uint8_t *buf, size_t cap, size_t n, size_t ticket_len)
{
    clasp_wr w = clasp_wr_init(buf, cap);
    clasp_wr_mark all, t;
    assert_clasp_ok(clasp_wr_bytes(&w, "CLSS", 4));
    assert_clasp_ok(clasp_wr_u8(&w, 1));
    assert_clasp_ok(clasp_wr_vec_open(&w, 3, &all));
    for (size_t i = 0; i < n; i++) {
        struct clasp_psk_state st;
        memset(&st, 0, sizeof(st));
        st.version = CLASP_VERSION_TLS1_3;
        st.suite = CLASP_TLS1_3_AES_128_GCM_SHA256;
        st.created_ms = 1700000000000ull + i;
        st.lifetime = 7200;
        st.age_add = (uint32_t)(0x11111111u * (i + 1));
        st.auth = CLASP_PSK_AUTH_PEER_CERT | CLASP_PSK_AUTH_PEER_OK;
        st.psk_len = 32;
        memset(st.psk, (int)(0x30 + i), 32);
        memcpy(st.sni, "localhost", 9);
        st.sni_len = 9;
        assert_clasp_ok(clasp_tk_state_write(&w, &st));
        assert_clasp_ok(clasp_wr_vec_open(&w, 2, &t));
        for (size_t j = 0; j < ticket_len; j++) {
            assert_clasp_ok(clasp_wr_u8(&w, (uint8_t)(i + j)));
        }
        assert_clasp_ok(clasp_wr_vec_close(&w, &t, 0, 65535));
    }
    assert_clasp_ok(clasp_wr_vec_close(&w, &all, 0, 0xffffff));
    assert_clasp_ok(clasp_wr_finish(&w));
    return w.len;
}

static void empty_session(void **state)
{
    (void)state;
    clasp_session *s = clasp_session_new();
    assert_non_null(s);
    assert_int_equal(clasp_session_ticket_count(s), 0);
    size_t olen = 0;
    assert_clasp_err(clasp_session_save(s, NULL, 0, &olen),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(olen, 8);
    uint8_t buf[8];
    assert_clasp_ok(clasp_session_save(s, buf, sizeof(buf), &olen));
    assert_int_equal(olen, 8);
    assert_memory_equal(buf, "CLSS\x01\x00\x00\x00", 8);
    assert_clasp_ok(clasp_session_load(s, buf, olen));
    assert_int_equal(clasp_session_ticket_count(s), 0);
    clasp_session_free(s);
    clasp_session_free(NULL);
}

static void round_trip(void **state)
{
    (void)state;
    static uint8_t in[65536], out[65536];
    for (size_t n = 1; n <= CLASP_MAX_CLIENT_TICKETS; n++) {
        size_t len = build(in, sizeof(in), n, 100 + n);
        clasp_session *s = clasp_session_new();
        assert_clasp_ok(clasp_session_load(s, in, len));
        assert_int_equal(clasp_session_ticket_count(s), (int)n);
        size_t olen = 0;
        /* The size query gives exactly what a save writes. */
        assert_clasp_err(clasp_session_save(s, out, len - 1, &olen),
                         CLASP_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(olen, len);
        assert_clasp_ok(clasp_session_save(s, out, sizeof(out), &olen));
        assert_int_equal(olen, len);
        assert_memory_equal(out, in, len);
        clasp_session_free(s);
    }
}

static void garbage_is_refused(void **state)
{
    (void)state;
    static uint8_t good[65536], bad[65536];
    size_t len = build(good, sizeof(good), 2, 50);
    clasp_session *s = clasp_session_new();
    assert_clasp_ok(clasp_session_load(s, good, len));
    /* Every truncation (the session keeps its two tickets). */
    for (size_t n = 0; n < len; n++) {
        assert_clasp_err(clasp_session_load(s, good, n),
                         CLASP_ERR_BAD_INPUT_DATA);
        assert_int_equal(clasp_session_ticket_count(s), 2);
    }
    /* A byte more. */
    memcpy(bad, good, len);
    bad[len] = 0;
    assert_clasp_err(clasp_session_load(s, bad, len + 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* Another magic, another format version. */
    memcpy(bad, good, len);
    bad[0] = 'X';
    assert_clasp_err(clasp_session_load(s, bad, len), CLASP_ERR_BAD_INPUT_DATA);
    memcpy(bad, good, len);
    bad[4] = 2;
    assert_clasp_err(clasp_session_load(s, bad, len), CLASP_ERR_BAD_INPUT_DATA);
    /* Every single byte changed in the fixed parts of the first state
     * (format, version, suite at offsets 8..12, lifetime at 21). */
    static const size_t offs[] = {8, 9, 10, 11, 12, 21};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        memcpy(bad, good, len);
        bad[offs[i]] ^= 0xff;
        assert_clasp_err(clasp_session_load(s, bad, len),
                         CLASP_ERR_BAD_INPUT_DATA);
    }
    /* Nine tickets: more than a session holds. */
    size_t n9 = build(bad, sizeof(bad), CLASP_MAX_CLIENT_TICKETS + 1, 10);
    assert_clasp_err(clasp_session_load(s, bad, n9), CLASP_ERR_BAD_INPUT_DATA);
    /* An empty ticket. */
    size_t n0 = build(bad, sizeof(bad), 1, 0);
    assert_clasp_err(clasp_session_load(s, bad, n0), CLASP_ERR_BAD_INPUT_DATA);
    /* Random bytes, with and without the right magic. */
    uint32_t x = 99;
    for (size_t n = 1; n < 600; n += 13) {
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            bad[i] = (uint8_t)(x >> 16);
        }
        assert_clasp_err(clasp_session_load(s, bad, n),
                         CLASP_ERR_BAD_INPUT_DATA);
        if (n > 8) {
            memcpy(bad, "CLSS\x01", 5);
            assert_clasp_err(clasp_session_load(s, bad, n),
                             CLASP_ERR_BAD_INPUT_DATA);
        }
    }
    assert_int_equal(clasp_session_ticket_count(s), 2);
    /* The session still saves what it had. */
    size_t olen;
    assert_clasp_ok(clasp_session_save(s, bad, sizeof(bad), &olen));
    assert_int_equal(olen, len);
    assert_memory_equal(bad, good, len);
    clasp_session_free(s);
}

static void api_misuse(void **state)
{
    (void)state;
    clasp_session *s = clasp_session_new();
    uint8_t buf[16];
    size_t olen;
    assert_clasp_err(clasp_session_ticket_count(NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_session_save(NULL, buf, sizeof(buf), &olen),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_session_save(s, buf, sizeof(buf), NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_session_load(NULL, buf, 8),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_session_load(s, NULL, 8), CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_session_load(s, NULL, 0), CLASP_ERR_BAD_INPUT_DATA);
    /* get/set on contexts: clients only, set before the handshake. */
    clasp_context *c = clasp_new();
    assert_clasp_err(clasp_get_session(c, s), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_set_session(c, s), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_get_session(NULL, s), CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_set_session(c, NULL), CLASP_ERR_BAD_INPUT_DATA);
    clasp_free(c);
    clasp_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_session),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(garbage_is_refused),
        cmocka_unit_test(api_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
