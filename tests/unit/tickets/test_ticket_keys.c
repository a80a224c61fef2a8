/* Ticket sealing and opening (src/tickets/ticket_keys.c) on real server
 * configs: round trip, fresh nonces, keys from the CSPRNG before the first
 * ticket, hostile tickets (every truncation, every bit flip, garbage,
 * oversized, other keys) opening to CLASP_ERR_NOT_FOUND, automatic
 * rotation with expiry and a bounded ring, shared keys installed on a
 * running config, and the key callback (SECURITY-CHECKLIST 44, 45, 47). */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "hs/config.h"
#include "pipe.h"
#include "tickets/tickets.h"

static uint64_t g_now;

static uint64_t test_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static clasp_config *server(void)
{
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(sc);
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_now));
    return sc;
}

static void make_state(struct clasp_psk_state *st)
{
    memset(st, 0, sizeof(*st));
    st->version = CLASP_VERSION_TLS1_3;
    st->suite = CLASP_TLS1_3_AES_256_GCM_SHA384;
    st->created_ms = g_now;
    st->lifetime = 3600;
    st->age_add = 0x01020304;
    st->psk_len = 48;
    memset(st->psk, 0x5a, 48);
    memcpy(st->alpn, "http/1.1", 8);
    st->alpn_len = 8;
}

static size_t seal(const clasp_config *sc, uint8_t *out, size_t cap)
{
    struct clasp_psk_state st;
    make_state(&st);
    size_t len = 0;
    assert_clasp_ok(clasp_tk_ops.seal(sc, g_now, &st, out, cap, &len));
    return len;
}

static int open_ticket(const clasp_config *sc, const uint8_t *t, size_t len)
{
    struct clasp_psk_state st;
    int rc = clasp_tk_ops.open(sc, g_now, clasp_span_of(t, len), &st);
    if (rc == CLASP_OK) {
        struct clasp_psk_state want;
        make_state(&want);
        assert_int_equal(st.suite, want.suite);
        assert_int_equal(st.psk_len, 48);
        assert_memory_equal(st.psk, want.psk, 48);
        assert_int_equal(st.age_add, want.age_add);
        assert_int_equal(st.alpn_len, 8);
    }
    return rc;
}

static void seal_open_round_trip(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    clasp_config *sc = server();
    uint8_t a[CLASP_MAX_OWN_TICKET_LEN], b[CLASP_MAX_OWN_TICKET_LEN];
    assert_int_equal(clasp_tk_ring_count(sc->ticket_keys), 0);
    size_t alen = seal(sc, a, sizeof(a));
    /* The first key is drawn when the first ticket is sealed. */
    assert_int_equal(clasp_tk_ring_count(sc->ticket_keys), 1);
    size_t blen = seal(sc, b, sizeof(b));
    /* name 16 + nonce 12 + state (1+2+2+8+4+4+4+1 + 49 + 1 + 1 + 9) +
     * tag 16. */
    assert_int_equal(alen, 16 + 12 + (26 + 49 + 1 + 1 + 9) + 16);
    assert_int_equal(blen, alen);
    /* One key: the same name; a fresh nonce per ticket. */
    assert_memory_equal(a, b, 16);
    assert_memory_not_equal(a + 16, b + 16, 12);
    assert_memory_not_equal(a + 28, b + 28, alen - 28);
    assert_clasp_ok(open_ticket(sc, a, alen));
    assert_clasp_ok(open_ticket(sc, b, blen));
    /* Too small a buffer. */
    struct clasp_psk_state st;
    make_state(&st);
    size_t len;
    assert_clasp_err(clasp_tk_ops.seal(sc, g_now, &st, a, alen - 1, &len),
                     CLASP_ERR_BUFFER_TOO_SMALL);
    clasp_config_free(sc);
}

static void first_keys_are_random(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    static const uint8_t zeros[16] = {0};
    uint8_t names[4][16];
    for (int i = 0; i < 4; i++) {
        clasp_config *sc = server();
        uint8_t t[CLASP_MAX_OWN_TICKET_LEN];
        seal(sc, t, sizeof(t));
        memcpy(names[i], t, 16);
        assert_memory_not_equal(names[i], zeros, 16);
        for (int j = 0; j < i; j++) {
            assert_memory_not_equal(names[i], names[j], 16);
        }
        clasp_config_free(sc);
    }
}

static void hostile_tickets_are_not_found(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    clasp_config *sc = server();
    clasp_config *other = server();
    uint8_t t[CLASP_MAX_OWN_TICKET_LEN], bad[4096];
    size_t len = seal(sc, t, sizeof(t));
    uint8_t t2[CLASP_MAX_OWN_TICKET_LEN];
    size_t len2 = seal(other, t2, sizeof(t2));
    /* Another server's key. */
    assert_clasp_err(open_ticket(sc, t2, len2), CLASP_ERR_NOT_FOUND);
    assert_clasp_err(open_ticket(other, t, len), CLASP_ERR_NOT_FOUND);
    /* Every truncation. */
    for (size_t n = 0; n < len; n++) {
        assert_clasp_err(open_ticket(sc, t, n), CLASP_ERR_NOT_FOUND);
    }
    /* Every bit of every byte. */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, t, len);
            bad[i] ^= (uint8_t)(1u << bit);
            assert_clasp_err(open_ticket(sc, bad, len), CLASP_ERR_NOT_FOUND);
        }
    }
    /* A byte appended; a huge identity; random garbage of many sizes. */
    memcpy(bad, t, len);
    bad[len] = 0;
    assert_clasp_err(open_ticket(sc, bad, len + 1), CLASP_ERR_NOT_FOUND);
    memset(bad, 0x41, sizeof(bad));
    assert_clasp_err(open_ticket(sc, bad, sizeof(bad)), CLASP_ERR_NOT_FOUND);
    uint32_t x = 12345;
    for (size_t n = 1; n < 400; n += 7) {
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            bad[i] = (uint8_t)(x >> 16);
        }
        assert_clasp_err(open_ticket(sc, bad, n), CLASP_ERR_NOT_FOUND);
    }
    /* The right key name with garbage after it. */
    memcpy(bad, t, 16);
    memset(bad + 16, 0, 100);
    assert_clasp_err(open_ticket(sc, bad, 116), CLASP_ERR_NOT_FOUND);
    assert_clasp_ok(open_ticket(sc, t, len));
    clasp_config_free(sc);
    clasp_config_free(other);
}

/* A state that is sealed correctly but is no state of ours: the AEAD
 * passes, the parser refuses. */
static void sealed_garbage_is_not_found(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    uint8_t name[16], key[32];
    memset(name, 0x11, sizeof(name));
    memset(key, 0x22, sizeof(key));
    clasp_config *sc = server();
    assert_clasp_ok(clasp_conf_ticket_key(sc, name, 16, key, 32));
    clasp_aead *aead = NULL;
    const clasp_provider *prov = sc->prov;
    assert_clasp_ok(prov->aead_new(prov->ctx, CLASP_TLS1_3_AES_256_GCM_SHA384,
                                   key, 32, &aead));
    uint8_t t[16 + 12 + 64 + 16];
    memcpy(t, name, 16);
    memset(t + 16, 0x33, 12);
    uint8_t plain[64];
    memset(plain, 0x01, sizeof(plain)); /* format 1, then nonsense */
    assert_clasp_ok(
        prov->aead_seal(aead, t + 16, name, 16, plain, sizeof(plain), t + 28));
    prov->aead_free(aead);
    assert_clasp_err(open_ticket(sc, t, sizeof(t)), CLASP_ERR_NOT_FOUND);
    clasp_config_free(sc);
}

static void automatic_rotation(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(sc);
    assert_clasp_ok(clasp_conf_clock(sc, test_clock, &g_now));
    assert_clasp_ok(clasp_conf_ticket_rotation(sc, 600));
    assert_clasp_ok(clasp_conf_ticket_lifetime(sc, 3600));
    uint8_t t1[CLASP_MAX_OWN_TICKET_LEN], t2[CLASP_MAX_OWN_TICKET_LEN];
    size_t l1 = seal(sc, t1, sizeof(t1));
    /* Within the rotation interval: the same key. */
    g_now += 599999;
    size_t l2 = seal(sc, t2, sizeof(t2));
    assert_memory_equal(t1, t2, 16);
    /* At the interval: a new key seals; the old one still opens. */
    g_now += 1;
    l2 = seal(sc, t2, sizeof(t2));
    assert_memory_not_equal(t1, t2, 16);
    assert_int_equal(clasp_tk_ring_count(sc->ticket_keys), 2);
    assert_clasp_ok(open_ticket(sc, t1, l1));
    assert_clasp_ok(open_ticket(sc, t2, l2));
    /* The old key opens until its last ticket has expired: retired at
     * +600 s, then the 3600 s lifetime. */
    g_now += 3600000 - 1;
    assert_clasp_ok(open_ticket(sc, t1, l1));
    g_now += 1;
    assert_clasp_err(open_ticket(sc, t1, l1), CLASP_ERR_NOT_FOUND);
    /* A clock that steps back a little keeps the key; one that jumps
     * back more than a minute gets a new key. */
    uint8_t t3[CLASP_MAX_OWN_TICKET_LEN];
    l2 = seal(sc, t2, sizeof(t2));
    g_now -= 60000;
    seal(sc, t3, sizeof(t3));
    assert_memory_equal(t2, t3, 16);
    g_now -= 1;
    seal(sc, t3, sizeof(t3));
    assert_memory_not_equal(t2, t3, 16);
    assert_clasp_ok(open_ticket(sc, t2, l2));
    /* Many rotations: the ring stays bounded. */
    for (int i = 0; i < 20; i++) {
        g_now += 600000;
        seal(sc, t2, sizeof(t2));
        assert_true(clasp_tk_ring_count(sc->ticket_keys) <= CLASP_TK_MAX_KEYS);
    }
    assert_clasp_ok(open_ticket(sc, t2, l2));
    clasp_config_free(sc);
}

static void shared_keys(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    uint8_t name1[16], key1[32], name2[16], key2[32];
    memset(name1, 1, 16);
    memset(key1, 2, 32);
    memset(name2, 3, 16);
    memset(key2, 4, 32);
    clasp_config *a = server();
    clasp_config *b = server();
    assert_clasp_ok(clasp_conf_ticket_lifetime(a, 3600));
    assert_clasp_ok(clasp_conf_ticket_lifetime(b, 3600));
    /* Keys go in on running configs (frozen by a context). */
    tp_conf_add_cert(a, "ecdsa-p256");
    clasp_context *ctx = clasp_new();
    assert_non_null(ctx);
    assert_clasp_ok(clasp_setup(ctx, a));
    assert_clasp_err(clasp_conf_ticket_lifetime(a, 60), CLASP_ERR_BAD_STATE);
    assert_clasp_ok(clasp_conf_ticket_key(a, name1, 16, key1, 32));
    assert_clasp_ok(clasp_conf_ticket_key(b, name1, 16, key1, 32));
    uint8_t t1[CLASP_MAX_OWN_TICKET_LEN], t2[CLASP_MAX_OWN_TICKET_LEN];
    size_t l1 = seal(a, t1, sizeof(t1));
    assert_memory_equal(t1, name1, 16);
    assert_clasp_ok(open_ticket(b, t1, l1));
    /* Rotation on both: new tickets use key 2; the old ticket still
     * opens everywhere; no automatic key appears, however long. */
    g_now += 1000;
    assert_clasp_ok(clasp_conf_ticket_key(a, name2, 16, key2, 32));
    assert_clasp_ok(clasp_conf_ticket_key(b, name2, 16, key2, 32));
    g_now += 10ull * 24 * 3600 * 1000 / 10;
    size_t l2 = seal(b, t2, sizeof(t2));
    assert_memory_equal(t2, name2, 16);
    assert_clasp_ok(open_ticket(a, t2, l2));
    g_now = 1700000000000ull + 1000 + 3600000 - 1;
    assert_clasp_ok(open_ticket(a, t1, l1));
    g_now += 1;
    assert_clasp_err(open_ticket(a, t1, l1), CLASP_ERR_NOT_FOUND);
    assert_clasp_err(open_ticket(b, t1, l1), CLASP_ERR_NOT_FOUND);
    /* Bad arguments. */
    assert_clasp_err(clasp_conf_ticket_key(a, name1, 15, key1, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_ticket_key(a, name1, 16, key1, 31),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_ticket_key(a, NULL, 16, key1, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_ticket_key(NULL, name1, 16, key1, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_err(clasp_conf_ticket_key(cc, name1, 16, key1, 32),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_config_free(cc);
    clasp_free(ctx);
    clasp_config_free(a);
    clasp_config_free(b);
}

/* The key callback: a tiny key store of two keys. */
typedef struct {
    int seal_calls;
    int open_calls;
    int current; /* 0 or 1 */
    int refuse;
} store;

static int key_cb(void *arg, int seal_, unsigned char name[16],
                  unsigned char key[32])
{
    store *s = arg;
    if (s->refuse) {
        return CLASP_ERR_NOT_FOUND;
    }
    if (seal_) {
        s->seal_calls++;
        memset(name, 0xa0 + s->current, 16);
        memset(key, 0xb0 + s->current, 32);
        return 0;
    }
    s->open_calls++;
    for (int i = 0; i < 2; i++) {
        uint8_t want[16];
        memset(want, 0xa0 + i, 16);
        if (memcmp(name, want, 16) == 0) {
            memset(key, 0xb0 + i, 32);
            return 0;
        }
    }
    return CLASP_ERR_NOT_FOUND;
}

static void key_callback(void **state)
{
    (void)state;
    g_now = 1700000000000ull;
    store s = {0};
    clasp_config *sc = server();
    assert_clasp_ok(clasp_conf_ticket_key_cb(sc, key_cb, &s));
    uint8_t t[CLASP_MAX_OWN_TICKET_LEN];
    size_t len = seal(sc, t, sizeof(t));
    assert_int_equal(s.seal_calls, 1);
    uint8_t want[16];
    memset(want, 0xa0, 16);
    assert_memory_equal(t, want, 16);
    /* The config's own ring is never used. */
    assert_int_equal(clasp_tk_ring_count(sc->ticket_keys), 0);
    s.current = 1;
    assert_clasp_ok(open_ticket(sc, t, len));
    assert_int_equal(s.open_calls, 1);
    /* Another server with the same store opens it too. */
    clasp_config *other = server();
    assert_clasp_ok(clasp_conf_ticket_key_cb(other, key_cb, &s));
    assert_clasp_ok(open_ticket(other, t, len));
    /* The store forgets the key: full handshake; no key to seal with:
     * no ticket. */
    s.refuse = 1;
    assert_clasp_err(open_ticket(sc, t, len), CLASP_ERR_NOT_FOUND);
    struct clasp_psk_state st;
    make_state(&st);
    size_t n;
    assert_clasp_err(clasp_tk_ops.seal(sc, g_now, &st, t, sizeof(t), &n),
                     CLASP_ERR_NOT_FOUND);
    /* Only on server configs. */
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_err(clasp_conf_ticket_key_cb(cc, key_cb, &s),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_config_free(cc);
    clasp_config_free(sc);
    clasp_config_free(other);
}

static void setters_check_their_arguments(void **state)
{
    (void)state;
    clasp_config *sc = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(sc);
    assert_clasp_err(clasp_conf_session_tickets(sc, -1),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_session_tickets(sc, 17),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_conf_session_tickets(sc, 16));
    assert_clasp_ok(clasp_conf_session_tickets(sc, 0));
    assert_clasp_err(clasp_conf_ticket_lifetime(sc, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* RFC 8446 §4.6.1: at most 604800 s. */
    assert_clasp_err(clasp_conf_ticket_lifetime(sc, 604801),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_conf_ticket_lifetime(sc, 604800));
    assert_clasp_err(clasp_conf_ticket_rotation(sc, 59),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_ticket_rotation(sc, 604801),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_conf_ticket_rotation(sc, 60));
    assert_clasp_err(clasp_conf_session_tickets(NULL, 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* Defaults (API.md, SECURITY-CHECKLIST): 2 tickets, 2 days. */
    clasp_config *d = clasp_config_new(CLASP_IS_SERVER);
    assert_int_equal(d->ticket_count, 2);
    assert_int_equal(d->ticket_lifetime, 172800);
    assert_int_equal(d->ticket_rotation, 172800);
    assert_non_null(d->ticket_keys);
    clasp_config_free(d);
    clasp_config_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_open_round_trip),
        cmocka_unit_test(first_keys_are_random),
        cmocka_unit_test(hostile_tickets_are_not_found),
        cmocka_unit_test(sealed_garbage_is_not_found),
        cmocka_unit_test(automatic_rotation),
        cmocka_unit_test(shared_keys),
        cmocka_unit_test(key_callback),
        cmocka_unit_test(setters_check_their_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
