/* External PSKs in memory (RFC 8446 §2.2, §4.2.9, §4.2.11): both roles,
 * every suite of the PSK's hash, psk_ke and psk_dhe_ke, the server's
 * lookup callback, selection of the first acceptable identity among
 * several (tickets included), HelloRetryRequest, fallback to a full
 * handshake, unknown identities and wrong keys (unknown_psk_identity,
 * decrypt_error), key exchange mode restrictions on both sides, and the
 * configuration calls' checks. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "msg/msg_codes.h"
#include "pipe.h"

#define MODE_PSK CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK
#define MODE_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL
#define MODE_PSK_EPH CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL

static const uint8_t key1[32] = "0123456789abcdef0123456789abcde";
static const uint8_t key2[48] =
    "a 48-byte key for a SHA-384 PSK, if you please";

static void add_psk(clasp_config *c, const uint8_t *key, size_t len,
                    const char *id, int hash)
{
    assert_clasp_ok(clasp_conf_psk_with_hash(
        c, key, len, (const unsigned char *)id, strlen(id), hash));
}

/* A PSK-only server (no certificate) and a client without trust
 * anchors that verifies nothing it does not need to. */
static clasp_config *psk_server(const char *id, int hash)
{
    clasp_config *sc = tp_server_conf(NULL);
    add_psk(sc, hash == CLASP_PSK_HASH_SHA256 ? key1 : key2,
            hash == CLASP_PSK_HASH_SHA256 ? 32 : 48, id, hash);
    return sc;
}

static clasp_config *psk_client(const char *id, int hash)
{
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(cc);
    add_psk(cc, hash == CLASP_PSK_HASH_SHA256 ? key1 : key2,
            hash == CLASP_PSK_HASH_SHA256 ? 32 : 48, id, hash);
    return cc;
}

static void expect_psk(tp_pair *t, const char *id, int mode)
{
    clasp_context *both[2] = {t->cli, t->srv};
    for (int i = 0; i < 2; i++) {
        const unsigned char *p;
        size_t len;
        assert_int_equal(clasp_get_tls13_key_exchange_mode(both[i]), mode);
        assert_int_equal(clasp_is_session_resumed(both[i]), 0);
        assert_clasp_ok(clasp_get_psk_identity(both[i], &p, &len));
        assert_int_equal(len, strlen(id));
        assert_memory_equal(p, id, len);
        assert_clasp_err(clasp_get_peer_cert(both[i], &p, &len),
                         CLASP_ERR_NOT_FOUND);
    }
    assert_int_equal(clasp_get_group(t->cli), clasp_get_group(t->srv));
    assert_int_equal(clasp_get_group(t->cli) != 0, mode == MODE_PSK_EPH);
    static const uint8_t msg[] = "external PSK data";
    assert_clasp_ok(tp_transfer(t->cli, t->srv, msg, sizeof(msg)));
    assert_clasp_ok(tp_transfer(t->srv, t->cli, msg, sizeof(msg)));
}

static void both_roles_every_suite(void **state)
{
    (void)state;
    static const uint16_t suites[] = {
        CLASP_TLS1_3_AES_128_GCM_SHA256, CLASP_TLS1_3_AES_256_GCM_SHA384,
        CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
        CLASP_TLS1_3_AES_128_CCM_8_SHA256};
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        int hash = suites[i] == CLASP_TLS1_3_AES_256_GCM_SHA384
                       ? CLASP_PSK_HASH_SHA384
                       : CLASP_PSK_HASH_SHA256;
        clasp_config *sc = psk_server("clasp-id", hash);
        clasp_config *cc = psk_client("clasp-id", hash);
        assert_clasp_ok(clasp_conf_ciphersuites(cc, &suites[i], 1));
        for (size_t io = 0; io < 2; io++) {
            tp_pair t;
            tp_pair_init(&t, cc, sc, io, 0, "localhost");
            tp_pair_connect(&t);
            assert_int_equal(clasp_get_ciphersuite_id(t.srv), suites[i]);
            expect_psk(&t, "clasp-id", MODE_PSK_EPH);
            tp_pair_free(&t);
        }
        clasp_config_free(cc);
        clasp_config_free(sc);
    }
    /* A SHA-384 PSK steers the server to a SHA-384 suite (RFC 8446
     * §4.2.11: externally established PSKs influence suite selection). */
    clasp_config *sc = psk_server("id384", CLASP_PSK_HASH_SHA384);
    clasp_config *cc = psk_client("id384", CLASP_PSK_HASH_SHA384);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_ciphersuite_id(t.cli),
                     CLASP_TLS1_3_AES_256_GCM_SHA384);
    expect_psk(&t, "id384", MODE_PSK_EPH);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void psk_ke_only(void **state)
{
    (void)state;
    clasp_config *sc = psk_server("ke", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = psk_client("ke", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(sc, MODE_PSK));
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cc, MODE_PSK));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, NULL);
    tp_pair_connect(&t);
    expect_psk(&t, "ke", MODE_PSK);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

static void after_hello_retry_request(void **state)
{
    (void)state;
    clasp_config *sc = psk_server("hrr", CLASP_PSK_HASH_SHA256);
    const uint16_t g = CLASP_GROUP_SECP521R1;
    assert_clasp_ok(clasp_conf_groups(sc, &g, 1));
    clasp_config *cc = psk_client("hrr", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_hrr_used(t.cli), 1);
    assert_int_equal(clasp_get_group(t.cli), CLASP_GROUP_SECP521R1);
    expect_psk(&t, "hrr", MODE_PSK_EPH);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* ---- the lookup callback ------------------------------------------------- */

typedef struct {
    int calls;
    int set_rc;
} cb_state;

static int lookup(void *arg, clasp_context *ssl, const unsigned char *id,
                  size_t len)
{
    cb_state *s = arg;
    s->calls++;
    if (len == 5 && memcmp(id, "dyn-1", 5) == 0) {
        s->set_rc = clasp_set_hs_psk(ssl, key1, 32);
        return 0;
    }
    if (len == 5 && memcmp(id, "dyn-3", 5) == 0) {
        s->set_rc =
            clasp_set_hs_psk_with_hash(ssl, key2, 48, CLASP_PSK_HASH_SHA384);
        return 0;
    }
    /* A refusal: and a key set anyway is not used. */
    s->set_rc = clasp_set_hs_psk(ssl, key1, 32);
    return -1;
}

static void server_lookup_callback(void **state)
{
    (void)state;
    cb_state cs = {0};
    clasp_config *sc = tp_server_conf(NULL);
    assert_clasp_ok(clasp_conf_psk_cb(sc, lookup, &cs));
    clasp_config *c1 = psk_client("dyn-1", CLASP_PSK_HASH_SHA256);
    clasp_config *c3 = psk_client("dyn-3", CLASP_PSK_HASH_SHA384);
    clasp_config *c2 = psk_client("dyn-2", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, c1, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "dyn-1", MODE_PSK_EPH);
    assert_int_equal(cs.calls, 1);
    assert_clasp_ok(cs.set_rc);
    tp_pair_free(&t);
    tp_pair_init(&t, c3, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "dyn-3", MODE_PSK_EPH);
    assert_int_equal(clasp_get_ciphersuite_id(t.cli),
                     CLASP_TLS1_3_AES_256_GCM_SHA384);
    tp_pair_free(&t);
    /* Refused, and no certificate for a full handshake:
     * unknown_psk_identity (RFC 8446 §6.2). */
    tp_pair_init(&t, c2, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
    assert_clasp_err(t.src, CLASP_ERR_UNKNOWN_PSK_IDENTITY);
    assert_int_equal(clasp_get_peer_alert(t.cli),
                     CLASP_ALERT_UNKNOWN_PSK_IDENTITY);
    assert_int_equal(cs.calls, 3);
    tp_pair_free(&t);
    /* Outside the callback the call is refused. */
    tp_pair_init(&t, c1, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_set_hs_psk(t.srv, key1, 32), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_set_hs_psk(t.cli, key1, 32), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_set_hs_psk(t.srv, key1, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_set_hs_psk_with_hash(t.srv, key1, 32, 9),
                     CLASP_ERR_BAD_INPUT_DATA);
    tp_pair_free(&t);
    clasp_config_free(c1);
    clasp_config_free(c2);
    clasp_config_free(c3);
    clasp_config_free(sc);
}

/* ---- refusals ------------------------------------------------------------ */

static void wrong_key_is_decrypt_error(void **state)
{
    (void)state;
    clasp_config *sc = psk_server("same-id", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    uint8_t other[32];
    memset(other, 0xee, sizeof(other));
    add_psk(cc, other, 32, "same-id", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
    /* SECURITY-CHECKLIST 41: a wrong binder is decrypt_error. */
    assert_clasp_err(t.src, CLASP_ERR_DECRYPT_ERROR);
    assert_int_equal(clasp_get_peer_alert(t.cli), CLASP_ALERT_DECRYPT_ERROR);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* A server with a certificate and an unknown identity: a full handshake
 * (RFC 8446 §4.2.11: "the server SHOULD perform a non-PSK handshake"). */
static void unknown_identity_full_handshake(void **state)
{
    (void)state;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    add_psk(sc, key1, 32, "server-id", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = tp_client_conf();
    add_psk(cc, key1, 32, "client-id", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    const unsigned char *p;
    size_t len;
    assert_int_equal(clasp_get_tls13_key_exchange_mode(t.cli), MODE_EPH);
    assert_clasp_ok(clasp_get_peer_cert(t.cli, &p, &len));
    assert_clasp_err(clasp_get_psk_identity(t.cli, &p, &len),
                     CLASP_ERR_NOT_FOUND);
    assert_clasp_err(clasp_get_psk_identity(t.srv, &p, &len),
                     CLASP_ERR_NOT_FOUND);
    tp_pair_free(&t);
    /* A client without trust anchors then fails closed: unknown_ca. */
    clasp_config *cnt = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cnt, key1, 32, "client-id", CLASP_PSK_HASH_SHA256);
    tp_pair_init(&t, cnt, sc, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_UNKNOWN_CA);
    tp_pair_free(&t);
    clasp_config_free(cnt);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* ---- several identities -------------------------------------------------- */

static void first_acceptable_identity(void **state)
{
    (void)state;
    /* The client offers A, B, C; the server knows B and C: B. */
    clasp_config *sc = tp_server_conf(NULL);
    add_psk(sc, key1, 32, "B", CLASP_PSK_HASH_SHA256);
    add_psk(sc, key1, 32, "C", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cc, key2, 32, "A", CLASP_PSK_HASH_SHA256);
    add_psk(cc, key1, 32, "B", CLASP_PSK_HASH_SHA256);
    add_psk(cc, key1, 32, "C", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "B", MODE_PSK_EPH);
    tp_pair_free(&t);
    /* A SHA-384 identity first, the client offering SHA-256 suites only:
     * that PSK is not offered at all. */
    clasp_config *cc2 = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cc2, key2, 48, "B", CLASP_PSK_HASH_SHA384);
    add_psk(cc2, key1, 32, "C", CLASP_PSK_HASH_SHA256);
    const uint16_t s = CLASP_TLS1_3_AES_128_GCM_SHA256;
    assert_clasp_ok(clasp_conf_ciphersuites(cc2, &s, 1));
    tp_pair_init(&t, cc2, sc, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "C", MODE_PSK_EPH);
    tp_pair_free(&t);
    clasp_config_free(cc2);
    clasp_config_free(cc);
    clasp_config_free(sc);
}

/* A ticket and an external PSK in one ClientHello: the ticket (first)
 * resumes; a server that cannot open it takes the external PSK. */
static void ticket_and_external_psk(void **state)
{
    (void)state;
    clasp_config *sa = tp_server_conf(NULL);
    add_psk(sa, key1, 32, "ext", CLASP_PSK_HASH_SHA256);
    clasp_config *sb = tp_server_conf(NULL);
    add_psk(sb, key1, 32, "ext", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cc, key1, 32, "ext", CLASP_PSK_HASH_SHA256);
    tp_pair t;
    tp_pair_init(&t, cc, sa, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "ext", MODE_PSK_EPH);
    clasp_session *s = clasp_session_new();
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    /* Resumption of a session that an external PSK authenticated. */
    tp_pair_init(&t, cc, sa, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, s));
    tp_pair_connect(&t);
    assert_int_equal(clasp_is_session_resumed(t.cli), 1);
    assert_int_equal(clasp_is_session_resumed(t.srv), 1);
    const unsigned char *p;
    size_t len;
    assert_clasp_err(clasp_get_psk_identity(t.srv, &p, &len),
                     CLASP_ERR_NOT_FOUND);
    tp_pair_free(&t);
    tp_pair_init(&t, cc, sb, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, s));
    tp_pair_connect(&t);
    expect_psk(&t, "ext", MODE_PSK_EPH);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sa);
    clasp_config_free(sb);
}

/* Identities in the pre_shared_key of the ClientHello record at the head
 * of q (after a CCS, if one comes first). */
static size_t identities_in(const tp_queue *q)
{
    const uint8_t *p = q->buf;
    size_t len = q->len;
    if (len > 6 && p[0] == 20) {
        p += 6;
        len -= 6;
    }
    assert_true(len > 5 && p[0] == 22);
    size_t off, n;
    assert_int_equal(
        tp_hello_ext(p + 5, len - 5, CLASP_EXT_PRE_SHARED_KEY, &off, &n), 1);
    const uint8_t *d = p + 5 + off;
    size_t ids = (size_t)d[0] << 8 | d[1], o = 2, count = 0;
    while (o < 2 + ids) {
        o += 2 + ((size_t)d[o] << 8 | d[o + 1]) + 4;
        count++;
    }
    return count;
}

/* RFC 8446 §4.1.4: after HelloRetryRequest the client offers only PSKs of
 * the hash of the suite HRR chose; CH2's binder covers CH1's hash, the
 * HRR and the truncated CH2 (§4.2.11.2). */
static void hrr_drops_psks_of_another_hash(void **state)
{
    (void)state;
    /* A SHA-256 ticket from one server... */
    clasp_config *sa = psk_server("x256", CLASP_PSK_HASH_SHA256);
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cc, key1, 32, "x256", CLASP_PSK_HASH_SHA256);
    add_psk(cc, key2, 48, "x384", CLASP_PSK_HASH_SHA384);
    tp_pair t;
    tp_pair_init(&t, cc, sa, 0, 0, "localhost");
    tp_pair_connect(&t);
    expect_psk(&t, "x256", MODE_PSK_EPH);
    clasp_session *s = clasp_session_new();
    assert_clasp_ok(clasp_get_session(t.cli, s));
    tp_pair_free(&t);
    /* ... offered with both external PSKs to another server, which knows
     * only the SHA-384 one and wants secp384r1. */
    clasp_config *sb = psk_server("x384", CLASP_PSK_HASH_SHA384);
    const uint16_t g = CLASP_GROUP_SECP384R1;
    assert_clasp_ok(clasp_conf_groups(sb, &g, 1));
    tp_pair_init(&t, cc, sb, 0, 0, "localhost");
    assert_clasp_ok(clasp_set_session(t.cli, s));
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    assert_int_equal(identities_in(&t.p.q[0]), 3);
    assert_clasp_err(clasp_handshake(t.srv), CLASP_ERR_WANT_READ);
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    assert_int_equal(clasp_get_hrr_used(t.cli), 1);
    /* CH2: only the SHA-384 PSK is left. */
    assert_int_equal(identities_in(&t.p.q[0]), 1);
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_ciphersuite_id(t.cli),
                     CLASP_TLS1_3_AES_256_GCM_SHA384);
    expect_psk(&t, "x384", MODE_PSK_EPH);
    tp_pair_free(&t);
    clasp_session_free(s);
    clasp_config_free(cc);
    clasp_config_free(sa);
    clasp_config_free(sb);
}

/* ---- key exchange modes -------------------------------------------------- */

static void modes_restrict_both_sides(void **state)
{
    (void)state;
    clasp_config *sc = tp_server_conf("ecdsa-p256");
    add_psk(sc, key1, 32, "m", CLASP_PSK_HASH_SHA256);
    /* A client that allows certificates only offers no PSK. */
    clasp_config *cc = tp_client_conf();
    add_psk(cc, key1, 32, "m", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cc, MODE_EPH));
    tp_pair t;
    tp_pair_init(&t, cc, sc, 0, 0, "localhost");
    assert_clasp_err(clasp_handshake(t.cli), CLASP_ERR_WANT_READ);
    size_t off, len;
    assert_int_equal(tp_hello_ext(t.p.q[0].buf + 5, t.p.q[0].len - 5,
                                  CLASP_EXT_PRE_SHARED_KEY, &off, &len),
                     0);
    assert_int_equal(tp_hello_ext(t.p.q[0].buf + 5, t.p.q[0].len - 5,
                                  CLASP_EXT_PSK_KEY_EXCHANGE_MODES, &off, &len),
                     0);
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_tls13_key_exchange_mode(t.srv), MODE_EPH);
    tp_pair_free(&t);
    /* A server that allows certificates only ignores the PSK. */
    clasp_config *sc2 = tp_server_conf("ecdsa-p256");
    add_psk(sc2, key1, 32, "m", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(sc2, MODE_EPH));
    clasp_config *cc2 = tp_client_conf();
    add_psk(cc2, key1, 32, "m", CLASP_PSK_HASH_SHA256);
    tp_pair_init(&t, cc2, sc2, 0, 0, "localhost");
    tp_pair_connect(&t);
    assert_int_equal(clasp_get_tls13_key_exchange_mode(t.cli), MODE_EPH);
    tp_pair_free(&t);
    /* A psk_ke-only client (no key share: no full handshake possible)
     * against a server that takes no PSK: unknown_psk_identity. */
    clasp_config *cc3 = clasp_config_new(CLASP_IS_CLIENT);
    add_psk(cc3, key1, 32, "nope", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cc3, MODE_PSK));
    tp_pair_init(&t, cc3, sc2, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_PEER_ALERT);
    assert_clasp_err(t.src, CLASP_ERR_UNKNOWN_PSK_IDENTITY);
    tp_pair_free(&t);
    /* A client that allows PSK modes only refuses a full handshake. */
    clasp_config *cc4 = tp_client_conf();
    add_psk(cc4, key1, 32, "nope", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(cc4, MODE_PSK_EPH));
    clasp_config *sc4 = tp_server_conf("ecdsa-p256");
    tp_pair_init(&t, cc4, sc4, 0, 0, "localhost");
    assert_clasp_err(tp_pair_handshake(&t), CLASP_ERR_HANDSHAKE_FAILURE);
    assert_clasp_err(t.crc, CLASP_ERR_HANDSHAKE_FAILURE);
    tp_pair_free(&t);
    clasp_config_free(cc);
    clasp_config_free(cc2);
    clasp_config_free(cc3);
    clasp_config_free(cc4);
    clasp_config_free(sc);
    clasp_config_free(sc2);
    clasp_config_free(sc4);
}

/* ---- configuration ------------------------------------------------------- */

static void config_checks(void **state)
{
    (void)state;
    clasp_config *c = clasp_config_new(CLASP_IS_CLIENT);
    static uint8_t big[1025];
    const unsigned char *id = (const unsigned char *)"id";
    assert_clasp_err(clasp_conf_psk(c, key1, 0, id, 2),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk(c, NULL, 32, id, 2),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk(c, big, sizeof(big), id, 2),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk(c, key1, 32, id, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk(c, key1, 32, big, sizeof(big)),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk_with_hash(c, key1, 32, id, 2, 0),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_err(clasp_conf_psk(NULL, key1, 32, id, 2),
                     CLASP_ERR_BAD_INPUT_DATA);
    assert_clasp_ok(clasp_conf_psk(c, big, 1024, big, 1024));
    /* Identities are unique; at most 8. */
    assert_clasp_ok(clasp_conf_psk(c, key1, 32, id, 2));
    assert_clasp_err(clasp_conf_psk(c, key2, 48, id, 2),
                     CLASP_ERR_BAD_INPUT_DATA);
    for (int i = 0; i < 6; i++) {
        uint8_t x[2] = {'x', (uint8_t)i};
        assert_clasp_ok(clasp_conf_psk(c, key1, 32, x, 2));
    }
    assert_clasp_err(clasp_conf_psk(c, key1, 32, (const uint8_t *)"z", 1),
                     CLASP_ERR_BAD_INPUT_DATA);
    /* The lookup callback is a server's. */
    assert_clasp_err(clasp_conf_psk_cb(c, lookup, NULL),
                     CLASP_ERR_BAD_INPUT_DATA);
    clasp_config_free(c);

    /* Servers: some handshake must be possible. */
    clasp_context *ctx = clasp_new();
    clasp_config *s0 = tp_server_conf(NULL);
    assert_clasp_err(clasp_setup(ctx, s0), CLASP_ERR_BAD_CONFIG);
    clasp_config *s1 = tp_server_conf(NULL);
    add_psk(s1, key1, 32, "id", CLASP_PSK_HASH_SHA256);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(s1, MODE_EPH));
    assert_clasp_err(clasp_setup(ctx, s1), CLASP_ERR_BAD_CONFIG);
    clasp_config *s2 = tp_server_conf("ecdsa-p256");
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(s2, MODE_PSK_EPH));
    assert_clasp_err(clasp_setup(ctx, s2), CLASP_ERR_BAD_CONFIG);
    clasp_config *s3 = tp_server_conf(NULL);
    assert_clasp_ok(clasp_conf_psk_cb(s3, lookup, NULL));
    assert_clasp_ok(clasp_setup(ctx, s3));
    /* Frozen now. */
    assert_clasp_err(clasp_conf_psk(s3, key1, 32, id, 2), CLASP_ERR_BAD_STATE);
    assert_clasp_err(clasp_conf_psk_cb(s3, NULL, NULL), CLASP_ERR_BAD_STATE);
    clasp_free(ctx);
    /* A PSK-only client needs no trust anchors; one that may meet a
     * certificate without a PSK does. */
    ctx = clasp_new();
    clasp_config *c1 = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_ok(clasp_conf_tls13_key_exchange_modes(c1, MODE_PSK_EPH));
    assert_clasp_ok(clasp_setup(ctx, c1));
    clasp_free(ctx);
    ctx = clasp_new();
    clasp_config *c2 = clasp_config_new(CLASP_IS_CLIENT);
    assert_clasp_err(clasp_setup(ctx, c2), CLASP_ERR_BAD_CONFIG);
    clasp_free(ctx);
    clasp_config_free(c1);
    clasp_config_free(c2);
    clasp_config_free(s0);
    clasp_config_free(s1);
    clasp_config_free(s2);
    clasp_config_free(s3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_roles_every_suite),
        cmocka_unit_test(psk_ke_only),
        cmocka_unit_test(after_hello_retry_request),
        cmocka_unit_test(server_lookup_callback),
        cmocka_unit_test(wrong_key_is_decrypt_error),
        cmocka_unit_test(unknown_identity_full_handshake),
        cmocka_unit_test(first_acceptable_identity),
        cmocka_unit_test(ticket_and_external_psk),
        cmocka_unit_test(hrr_drops_psks_of_another_hash),
        cmocka_unit_test(modes_restrict_both_sides),
        cmocka_unit_test(config_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
