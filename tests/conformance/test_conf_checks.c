/* Field checks of SECURITY-CHECKLIST B5, B6, B10, B11 and B12 that the
 * tests of tests/handshake/ do not already make for the role in
 * question, with the scripted peer in the other role: ServerHello after
 * HelloRetryRequest, key shares and downgrade sentinels against a clasp
 * client; EncryptedExtensions and ALPN answers; the client's certificate
 * chain and CertificateVerify against a clasp server; signature scheme
 * lists; KeyUpdate, NewSessionTicket and data right after Finished. */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "scripted_peer.h"

/* ---- editing hellos
 * ----------------------------------------------------------
 */

/* Remove extension type from the hello at f->msg[i] (lengths follow). */
static void hello_drop_ext(tp_flight *f, size_t i, uint16_t type)
{
    uint8_t *m = f->msg[i];
    size_t off, len;
    assert_int_equal(tp_hello_ext(m, f->len[i], type, &off, &len), 1);
    tp_hello h;
    tp_hello_parse(m, f->len[i], &h);
    size_t start = off - 4, n = len + 4;
    memmove(m + start, m + start + n, f->len[i] - start - n);
    f->len[i] -= n;
    size_t el = ((size_t)m[h.extensions] << 8 | m[h.extensions + 1]) - n;
    m[h.extensions] = (uint8_t)(el >> 8);
    m[h.extensions + 1] = (uint8_t)el;
    size_t body = f->len[i] - 4;
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
}

static uint8_t *hello_ext(tp_flight *f, size_t i, uint16_t type, size_t *len)
{
    size_t off;
    assert_int_equal(tp_hello_ext(f->msg[i], f->len[i], type, &off, len), 1);
    return f->msg[i] + off;
}

/* ---- ServerHello checks on a clasp client (B5) ----------------------------
 */

static void server_hello_after_hrr_changes_version(void **state)
{
    (void)state;
    /* RFC 8446 §4.1.4: "The value of selected_version in the
     * HelloRetryRequest "supported_versions" extension MUST be retained
     * in the ServerHello, and a client MUST abort the handshake with an
     * "illegal_parameter" alert if the value changes." */
    sp_t s;
    sp_at_client(&s, SP_C_WAIT_SH2);
    tp_flight f = {0};
    sp_srv_hello(&s, &f);
    size_t len;
    uint8_t *v = hello_ext(&f, 0, CLASP_EXT_SUPPORTED_VERSIONS, &len);
    assert_int_equal(len, 2);
    v[1] = 0x03;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
}

/* RFC 8446 §4.1.2: after a HelloRetryRequest with a key_share, the second
 * ClientHello replaces "the list of shares with a list containing a single
 * KeyShareEntry from the indicated group": a second share (of a group the
 * server supports, or not) is illegal_parameter; the single share is
 * taken. */
static void second_hello_with_extra_share(void **state)
{
    (void)state;
    static const uint16_t extra[] = {0, CLASP_GROUP_SECP384R1,
                                     CLASP_GROUP_X25519};
    for (size_t i = 0; i < 3; i++) {
        clasp_config *sc = tp_server_conf("ecdsa-p256");
        const uint16_t g[] = {CLASP_GROUP_SECP256R1, CLASP_GROUP_SECP384R1};
        assert_clasp_ok(clasp_conf_groups(sc, g, 2));
        sp_t s;
        sp_start(&s, SP_CLIENT, sc);
        sp_drive_server(&s, SP_S_START2);
        s.cfg.ch2_extra_share = extra[i];
        tp_flight f = {0};
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        if (extra[i] == 0) {
            sp_victim_wants_read(&s);
            assert_int_equal(sp_cli_recv_hello(&s), 0);
            sp_cli_recv_flight(&s);
            sp_cli_finish(&s);
            sp_check_victim_reads(&s, "one share in CH2");
        } else {
            sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
        }
        sp_free(&s);
        clasp_config_free(sc);
    }
}

static void server_share_off_the_curve(void **state)
{
    (void)state;
    /* §4.2.8.2: peers validate each other's public key (P-256 (1, 1) is
     * not on the curve): illegal_parameter (§6). */
    clasp_config *cc = tp_client_conf();
    const uint16_t g = CLASP_GROUP_SECP256R1;
    assert_clasp_ok(clasp_conf_groups(cc, &g, 1));
    sp_t s;
    sp_start(&s, SP_SERVER, cc);
    sp_victim_wants_read(&s);
    sp_srv_recv_hello(&s);
    tp_flight f = {0};
    sp_srv_hello(&s, &f);
    size_t len;
    uint8_t *ks = hello_ext(&f, 0, CLASP_EXT_KEY_SHARE, &len);
    assert_int_equal(len, 4 + 65);
    memset(ks + 4, 0, 65);
    ks[4] = 0x04;
    ks[4 + 32] = 1;
    ks[4 + 64] = 1;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
    clasp_config_free(cc);
}

static void downgrade_sentinel(void **state)
{
    (void)state;
    /* §4.1.3: a ServerHello for TLS 1.2 or below carrying DOWNGRD 01/00
     * is illegal_parameter for a TLS 1.3 client; this build has no TLS
     * 1.2, so any such ServerHello is protocol_version first (App. D.1:
     * "If the version chosen by the server is not supported by the
     * client [...] protocol_version"). Either way, never accepted. */
    for (int last = 0; last < 2; last++) {
        sp_t s;
        sp_start(&s, SP_SERVER, NULL);
        sp_victim_wants_read(&s);
        sp_srv_recv_hello(&s);
        tp_flight f = {0};
        sp_srv_hello(&s, &f);
        hello_drop_ext(&f, 0, CLASP_EXT_SUPPORTED_VERSIONS);
        tp_hello h;
        tp_hello_parse(f.msg[0], f.len[0], &h);
        memcpy(f.msg[0] + h.random + 24, "DOWNGRD", 7);
        f.msg[0][h.random + 31] = (uint8_t)last;
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_expect_fail(&s, CLASP_ERR_PROTOCOL_VERSION);
        sp_free(&s);
    }
}

/* ---- EncryptedExtensions on a clasp client (B5 row 30, B12 row 61) ------- */

static void ee_case(const char *ext_hex, int alpn, int err)
{
    uint8_t ext[64];
    size_t n = th_hex_into(ext_hex, ext, sizeof(ext));
    sp_notef("EncryptedExtensions with %s", ext_hex);
    clasp_config *cc = tp_client_conf();
    static const char *const protos[] = {"h2", "http/1.1", NULL};
    if (alpn) {
        assert_clasp_ok(clasp_conf_alpn_protocols(cc, protos));
    }
    sp_t s;
    sp_start(&s, SP_SERVER, cc);
    sp_drive_client(&s, SP_C_WAIT_EE);
    s.cfg.ee_ext = ext;
    s.cfg.ee_ext_len = n;
    tp_flight f = {0};
    sp_srv_ee(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, err);
    sp_free(&s);
    clasp_config_free(cc);
}

static void encrypted_extensions_checks(void **state)
{
    (void)state;
    /* §4.2, §4.3.1: extensions that never go in EE (the client MUST
     * check; illegal_parameter): supported_versions, pre_shared_key,
     * cookie, psk_key_exchange_modes, signature_algorithms. */
    ee_case("002b 0002 0304", 0, CLASP_ERR_ILLEGAL_PARAMETER);
    ee_case("0029 0002 0000", 0, CLASP_ERR_ILLEGAL_PARAMETER);
    ee_case("002c 0003 0001aa", 0, CLASP_ERR_ILLEGAL_PARAMETER);
    ee_case("002d 0002 0101", 0, CLASP_ERR_ILLEGAL_PARAMETER);
    ee_case("000d 0004 0002 0403", 0, CLASP_ERR_ILLEGAL_PARAMETER);
    /* §4.2: early_data, never offered: unsupported_extension. */
    ee_case("002a 0000", 0, CLASP_ERR_UNSUPPORTED_EXTENSION);
    /* RFC 7301 §3.1: the server's ProtocolNameList holds exactly one
     * name, non-empty, one the client offered. A second name: RFC 7301
     * names no alert; clasp's codec treats "exactly one" as part of the
     * form (decode_error, as BoringSSL does); illegal_parameter (RFC 8446
     * §6, "semantically invalid") would conform too. */
    ee_case("0010 0008 0006 026832 026833", 1, CLASP_ERR_DECODE);
    ee_case("0010 0003 0001 00", 1, CLASP_ERR_DECODE);
    ee_case("0010 0002 0000", 1, CLASP_ERR_DECODE);
    ee_case("0010 0005 0003 026833", 1, CLASP_ERR_ILLEGAL_PARAMETER);
    /* The same extension twice (§4.2). */
    ee_case("0010 0005 0003 026832 0010 0005 0003 026832", 1, CLASP_ERR_DECODE);
}

/* §4.2: "If an implementation receives an extension which it recognizes
 * and which is not specified for the message in which it appears, it
 * MUST abort the handshake with an "illegal_parameter" alert"; unknown
 * ones are ignored in CertificateRequest (§4.3.2) and NewSessionTicket
 * (§4.6.1); a response nobody asked for is unsupported_extension. */
static void extensions_in_other_messages(void **state)
{
    (void)state;
    tp_flight f = {0};
    sp_t s;
    /* CertificateRequest: an unknown extension is skipped (the client
     * then waits for the Certificate), key_share is illegal there. */
    sp_at_client(&s, SP_C_WAIT_CERT_CR);
    sp_flight_add_hex(&f, "0d00000f 00 000c 000d 0004 0002 0403 fefe 0000");
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_victim_wants_read(&s);
    sp_free(&s);
    sp_at_client(&s, SP_C_WAIT_CERT_CR);
    sp_flight_add_hex(&f,
                      "0d000011 00 000e 000d 0004 0002 0403 0033 0002 001d");
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
    /* NewSessionTicket: unknown skipped, supported_versions illegal. */
    static const uint8_t unknown[] = {0xfe, 0xfe, 0x00, 0x00};
    static const uint8_t versions[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    sp_at_client(&s, SP_C_CONNECTED);
    sp_nst(&f, 8, unknown, sizeof(unknown));
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_check_victim_reads(&s, "ticket taken");
    sp_free(&s);
    sp_at_client(&s, SP_C_CONNECTED);
    sp_nst(&f, 8, versions, sizeof(versions));
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
    /* EncryptedExtensions: max_fragment_length never asked for; an
     * empty server_name (RFC 6066 §3) is the normal answer to SNI, a
     * non-empty one does not parse. */
    uint8_t ext[16];
    static const struct {
        const char *hex;
        int err;
    } ee[] = {{"0001 0001 01", CLASP_ERR_UNSUPPORTED_EXTENSION},
              {"0000 0005 0003 000000", CLASP_ERR_DECODE},
              {"0000 0000", 0}};
    for (size_t i = 0; i < 3; i++) {
        sp_at_client(&s, SP_C_WAIT_EE);
        s.cfg.ee_ext = ext;
        s.cfg.ee_ext_len = th_hex_into(ee[i].hex, ext, sizeof(ext));
        sp_srv_flight(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        if (ee[i].err != 0) {
            sp_expect_fail(&s, ee[i].err);
        } else {
            sp_set_write(&s, SP_AP);
            sp_victim_done(&s);
        }
        sp_free(&s);
    }
    /* A status_request answer in a CertificateEntry (§4.4.2.1) that the
     * client never requested. */
    sp_at_client(&s, SP_C_WAIT_EE);
    sp_srv_flight(&s, &f);
    int ct = tp_flight_find(&f, CLASP_HS_CERTIFICATE);
    static const uint8_t ocsp[] = {0x00, 0x05, 0x00, 0x01, 0x01};
    uint8_t *m = f.msg[ct];
    assert_int_equal(m[f.len[ct] - 1], 0); /* last entry: no extensions */
    sp_msg_append(&f, (size_t)ct, ocsp, sizeof(ocsp));
    m = f.msg[ct];
    size_t len = f.len[ct];
    m[len - sizeof(ocsp) - 1] = sizeof(ocsp);
    size_t list = len - 8;
    m[5] = (uint8_t)(list >> 16);
    m[6] = (uint8_t)(list >> 8);
    m[7] = (uint8_t)list;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNSUPPORTED_EXTENSION);
    sp_free(&s);
}

/* ---- the client's certificate on a clasp server (B4 row 20, B11) ----------
 */

static void client_certificate_checks(void **state)
{
    (void)state;
    sp_t s;
    tp_flight f = {0};
    /* SECURITY-CHECKLIST 20: certificate required, the client sends its
     * Finished only (§4: Finished where Certificate is expected). */
    sp_at_server(&s, SP_S_WAIT_CERT);
    sp_fin(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNEXPECTED_MESSAGE);
    sp_free(&s);
    /* §4.4.3: a scheme the server offered but the key cannot make (an
     * Ed25519 key, an ECDSA P-256 scheme): illegal_parameter. */
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    s.cfg.kind = "ed25519";
    sp_cli_flight2(&s, &f);
    f.msg[1][4] = 0x04;
    f.msg[1][5] = 0x03;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
    /* A scheme the server did not offer in its CertificateRequest (the
     * server takes ECDSA P-256 and Ed25519 only; the client signs with
     * Ed448, which its key fits). */
    clasp_config *sc = sp_server_conf_for(SP_S_WAIT_CERT);
    static const uint16_t two[] = {CLASP_SIG_ECDSA_SECP256R1_SHA256,
                                   CLASP_SIG_ED25519};
    assert_clasp_ok(clasp_conf_sig_algs(sc, two, 2));
    sp_start(&s, SP_CLIENT, sc);
    s.own_vconf = true;
    sp_drive_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    s.cfg.kind = "ed448";
    sp_cli_flight2(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_ILLEGAL_PARAMETER);
    sp_free(&s);
    /* SECURITY-CHECKLIST 52: more than 16 certificates. */
    size_t der_len;
    uint8_t *der = tp_leaf_der("ed25519", &der_len);
    clasp_span chain[17];
    for (size_t i = 0; i < 17; i++) {
        chain[i] = clasp_span_of(der, der_len);
    }
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    s.cfg.kind = "ed25519";
    s.cfg.chain = chain;
    s.cfg.chain_count = 16;
    sp_cli_flight2(&s, &f);
    /* The codec writes at most 16: add the 17th by hand. */
    int ct = tp_flight_find(&f, CLASP_HS_CERTIFICATE);
    uint8_t entry[3 + 2048 + 2];
    assert_true(der_len <= 2048);
    entry[0] = (uint8_t)(der_len >> 16);
    entry[1] = (uint8_t)(der_len >> 8);
    entry[2] = (uint8_t)der_len;
    memcpy(entry + 3, der, der_len);
    entry[3 + der_len] = 0;
    entry[4 + der_len] = 0;
    sp_msg_append(&f, (size_t)ct, entry, der_len + 5);
    uint8_t *m = f.msg[ct];
    size_t list = f.len[ct] - 4 - 1 - 3;
    m[5] = (uint8_t)(list >> 16);
    m[6] = (uint8_t)(list >> 8);
    m[7] = (uint8_t)list;
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_BAD_CERTIFICATE);
    sp_free(&s);
    free(der);
    /* SECURITY-CHECKLIST 53: a client key with explicit curve parameters
     * (RFC 8446 §6.2 unsupported_certificate), refused at its
     * Certificate. */
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    s.cfg.chain_file = "pki/neg/explicit-ec-chain.pem";
    s.cfg.key_file = "pki/ecdsa-p256/leaf.key";
    s.cfg.sig_alg = CLASP_SIG_ECDSA_SECP256R1_SHA256;
    sp_cli_flight2(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNSUPPORTED_CERTIFICATE);
    sp_free(&s);
    /* An untrusted client certificate: unknown_ca. */
    sp_at_server(&s, SP_S_WAIT_CERT);
    s.cfg.client_cert = true;
    s.cfg.chain_file = "conformance/data/deep/chain10.pem";
    s.cfg.key_file = "conformance/data/deep/leaf.key";
    s.cfg.sig_alg = CLASP_SIG_ECDSA_SECP256R1_SHA256;
    sp_cli_flight2(&s, &f);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_UNKNOWN_CA);
    sp_free(&s);
}

/* ---- signature scheme lists on a clasp server (B6 rows 35, 37) ------------
 */

static void signature_scheme_lists(void **state)
{
    (void)state;
    sp_t s;
    tp_flight f = {0};
    /* §4.2.3, §9.2: signature_algorithms_cert without
     * signature_algorithms: missing_extension. */
    sp_start(&s, SP_CLIENT, NULL);
    static const uint8_t cert_only[] = {0x00, 0x32, 0x00, 0x04,
                                        0x00, 0x02, 0x04, 0x03};
    s.cfg.ch_ext = cert_only;
    s.cfg.ch_ext_len = sizeof(cert_only);
    sp_cli_hello(&s, &f);
    hello_drop_ext(&f, 0, CLASP_EXT_SIG_ALG);
    sp_send(&s, &f);
    tp_flight_free(&f);
    sp_expect_fail(&s, CLASP_ERR_MISSING_EXTENSION);
    sp_free(&s);
    /* SECURITY-CHECKLIST 37: unknown schemes are skipped, in both
     * lists; the handshake completes on the one known scheme. */
    sp_start(&s, SP_CLIENT, NULL);
    static const uint8_t odd_cert[] = {0x00, 0x32, 0x00, 0x08, 0x00, 0x06,
                                       0xfe, 0xfe, 0x00, 0x00, 0xff, 0xff};
    s.cfg.ch_ext = odd_cert;
    s.cfg.ch_ext_len = sizeof(odd_cert);
    s.cfg.sig_algs[0] = 0xfefe;
    s.cfg.sig_algs[1] = 0x0000;
    s.cfg.sig_algs[2] = CLASP_SIG_ECDSA_SECP256R1_SHA256;
    s.cfg.sig_alg_count = 3;
    sp_cli_handshake(&s);
    assert_int_equal(s.peer_cv_alg, CLASP_SIG_ECDSA_SECP256R1_SHA256);
    sp_free(&s);
    /* No scheme the server's key can make (§4.1.1, §4.4.2.2):
     * handshake_failure; only PKCS#1 v1.5 (never valid in a TLS 1.3
     * CertificateVerify, §4.4.3) is the same as none. */
    static const uint16_t none[][2] = {{0xfefe, CLASP_SIG_ED448},
                                       {CLASP_SIG_RSA_PKCS1_SHA256, 0x0401}};
    for (size_t i = 0; i < 2; i++) {
        sp_start(&s, SP_CLIENT, NULL);
        memcpy(s.cfg.sig_algs, none[i], sizeof(none[i]));
        s.cfg.sig_alg_count = 2;
        sp_cli_hello(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_expect_fail(&s, CLASP_ERR_HANDSHAKE_FAILURE);
        sp_free(&s);
    }
}

/* A PSK this server does not know, with and without an early_data
 * offer (and no 0-RTT records): ignored, a full handshake (§4.2.11: the
 * server picks no PSK; §4.2.10: it ignores early_data). The scripted
 * client parses the ServerHello and EncryptedExtensions with its known
 * offers only, so an answer to either would fail the test. */
static void psk_and_early_data_offers_ignored(void **state)
{
    (void)state;
    static const uint8_t offer[] = {
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, /* psk_dhe_ke */
        0x00, 0x2a, 0x00, 0x00,             /* early_data */
        0x00, 0x29, 0x00, 0x2f, 0x00, 0x0a, 0x00, 0x04, 'a',  'b',  'c',
        'd',  0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x20, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};
    /* The same without early_data (its 4 bytes left out). */
    static uint8_t no_early[sizeof(offer) - 4];
    memcpy(no_early, offer, 6);
    memcpy(no_early + 6, offer + 10, sizeof(offer) - 10);
    for (int early = 0; early < 2; early++) {
        sp_t s;
        sp_start(&s, SP_CLIENT, NULL);
        s.cfg.ch_ext = early ? offer : no_early;
        s.cfg.ch_ext_len = early ? sizeof(offer) : sizeof(no_early);
        sp_cli_handshake(&s);
        sp_check_victim_reads(&s, "full handshake");
        sp_free(&s);
    }
}

/* ---- right after Finished (B10) -------------------------------------------
 */

static void messages_right_after_finished(void **state)
{
    (void)state;
    tp_flight f = {0};
    /* §4.6.3: "This message can be sent by either peer after it has sent
     * a Finished message": a server's KeyUpdate and NewSessionTicket and
     * 0.5-RTT data (§2), each in its own record after its Finished, before
     * the client's Finished. */
    for (int what = 0; what < 3; what++) {
        sp_t s;
        sp_at_client(&s, SP_C_WAIT_EE);
        sp_srv_flight(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_set_write(&s, SP_AP);
        if (what == 0) {
            sp_key_update(&s, 1);
        } else if (what == 1) {
            sp_nst(&f, 32, NULL, 0);
            sp_send(&s, &f);
            tp_flight_free(&f);
        } else {
            sp_app(&s, "half-rtt", 8);
        }
        sp_victim_done(&s);
        sp_srv_recv_flight2(&s);
        if (what == 2) {
            assert_int_equal(sp_victim(&s), 8);
            assert_memory_equal(s.app, "half-rtt", 8);
        }
        sp_check_victim_reads(&s, "after Finished");
        sp_check_victim_sends(&s, "answer");
        /* The requested KeyUpdate came back before the data. */
        assert_int_equal(s.key_updates_seen, what == 0 ? 1 : 0);
        sp_free(&s);
    }
    /* The client's KeyUpdate and data right after its Finished. */
    for (int what = 0; what < 2; what++) {
        sp_t s;
        sp_at_server(&s, SP_S_WAIT_FINISHED);
        sp_cli_flight2(&s, &f);
        sp_send(&s, &f);
        tp_flight_free(&f);
        sp_set_write(&s, SP_AP);
        if (what == 0) {
            sp_key_update(&s, 1);
        }
        sp_app(&s, "right after", 11);
        sp_victim_done(&s);
        assert_int_equal(sp_victim(&s), 11);
        assert_memory_equal(s.app, "right after", 11);
        sp_check_victim_sends(&s, "answer");
        assert_int_equal(s.key_updates_seen, what == 0 ? 1 : 0);
        sp_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_hello_after_hrr_changes_version),
        cmocka_unit_test(second_hello_with_extra_share),
        cmocka_unit_test(server_share_off_the_curve),
        cmocka_unit_test(downgrade_sentinel),
        cmocka_unit_test(encrypted_extensions_checks),
        cmocka_unit_test(extensions_in_other_messages),
        cmocka_unit_test(client_certificate_checks),
        cmocka_unit_test(signature_scheme_lists),
        cmocka_unit_test(psk_and_early_data_offers_ignored),
        cmocka_unit_test(messages_right_after_finished),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
