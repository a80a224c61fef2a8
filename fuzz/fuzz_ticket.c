/*
 * libFuzzer target: tickets and sessions (src/tickets/): the resumption
 * state format, ticket decryption, and session loading.
 *
 * Input: byte 0 modulo 3 selects, the rest is the data:
 *   0: a resumption state (clasp_tk_state_parse): parse -> write is the
 *      input again, byte for byte, and a fixed point;
 *   1: a ticket, opened (clasp_tk_ops.open) with the fuzz servers' fixed
 *      ticket key at the fixed time (fuzz_env.h): a ticket that opens is
 *      sealed again and opens to the same state;
 *   2: a saved session (clasp_session_load): a session that loads saves
 *      to the same bytes, and loading that gives the same session.
 * Only our error codes come back; failures leave no trace (ASan, LSan).
 */
#include "fuzz_env.h"
#include "fuzz_util.h"
#include "hs/config.h"
#include "hs/psk.h"
#include "tickets/tickets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_init();
    return 0;
}

/* The state's bytes (the writer is the reference form). */
static size_t state_bytes(const struct clasp_psk_state *st, uint8_t *buf,
                          size_t cap)
{
    clasp_wr w = clasp_wr_init(buf, cap);
    FZ_CHECK(clasp_tk_state_write(&w, st) == CLASP_OK);
    FZ_CHECK(clasp_wr_finish(&w) == CLASP_OK);
    return w.len;
}

static void check_state(const uint8_t *data, size_t size)
{
    static struct clasp_psk_state a, b;
    static uint8_t w1[2048], w2[2048];
    clasp_rd r = clasp_rd_init(data, size);
    int rc = clasp_tk_state_parse(&r, &a);
    if (rc < 0 || clasp_rd_done(&r) < 0) {
        FZ_CHECK(rc == CLASP_OK || fz_is_clasp_err(rc));
        return;
    }
    size_t n1 = state_bytes(&a, w1, sizeof(w1));
    FZ_CHECK(n1 == size && memcmp(w1, data, size) == 0);
    r = clasp_rd_init(w1, n1);
    FZ_CHECK(clasp_tk_state_parse(&r, &b) == CLASP_OK &&
             clasp_rd_done(&r) == CLASP_OK);
    size_t n2 = state_bytes(&b, w2, sizeof(w2));
    FZ_CHECK(n2 == n1 && memcmp(w1, w2, n1) == 0);
}

static void check_ticket(const uint8_t *data, size_t size)
{
    static struct clasp_psk_state a, b;
    static uint8_t t[CLASP_MAX_OWN_TICKET_LEN + 64];
    static uint8_t w1[2048], w2[2048];
    const clasp_config *conf = fz_config(true, 0);
    int rc = clasp_tk_ops.open(conf, FZ_NOW_MS, clasp_span_of(data, size), &a);
    if (rc < 0) {
        FZ_CHECK(fz_is_clasp_err(rc));
        return;
    }
    size_t len = 0;
    FZ_CHECK(clasp_tk_ops.seal(conf, FZ_NOW_MS, &a, t, sizeof(t), &len) ==
             CLASP_OK);
    FZ_CHECK(clasp_tk_ops.open(conf, FZ_NOW_MS, clasp_span_of(t, len), &b) ==
             CLASP_OK);
    size_t n1 = state_bytes(&a, w1, sizeof(w1));
    size_t n2 = state_bytes(&b, w2, sizeof(w2));
    FZ_CHECK(n1 == n2 && memcmp(w1, w2, n1) == 0);
}

static void check_session(const uint8_t *data, size_t size)
{
    clasp_session *a = clasp_session_new();
    clasp_session *b = clasp_session_new();
    FZ_CHECK(a != NULL && b != NULL);
    int rc = clasp_session_load(a, data, size);
    if (rc < 0) {
        FZ_CHECK(rc == CLASP_ERR_BAD_INPUT_DATA);
        FZ_CHECK(clasp_session_ticket_count(a) == 0); /* unchanged */
        goto done;
    }
    size_t n1 = 0, n2 = 0;
    FZ_CHECK(clasp_session_save(a, NULL, 0, &n1) == CLASP_ERR_BUFFER_TOO_SMALL);
    uint8_t *s1 = malloc(n1);
    uint8_t *s2 = malloc(n1);
    FZ_CHECK(s1 != NULL && s2 != NULL);
    FZ_CHECK(clasp_session_save(a, s1, n1, &n1) == CLASP_OK);
    FZ_CHECK(n1 == size && memcmp(s1, data, size) == 0);
    FZ_CHECK(clasp_session_load(b, s1, n1) == CLASP_OK);
    FZ_CHECK(clasp_session_ticket_count(b) == clasp_session_ticket_count(a));
    FZ_CHECK(clasp_session_save(b, s2, n1, &n2) == CLASP_OK);
    FZ_CHECK(n2 == n1 && memcmp(s1, s2, n1) == 0);
    free(s1);
    free(s2);
done:
    clasp_session_free(a);
    clasp_session_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0: check_state(data + 1, size - 1); break;
    case 1: check_ticket(data + 1, size - 1); break;
    default: check_session(data + 1, size - 1); break;
    }
    return 0;
}
