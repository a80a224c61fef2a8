/* RFC 8448 records through the record layer: every record of every trace
 * (plaintext, change_cipher_spec and AES-128-GCM protected) is checked
 * header-first, opened byte for byte to the recorded payload and written
 * again byte for byte to the recorded record. Keys and IVs are the trace's
 * (test_rfc8448_keysched.c proves we derive the same). */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc8448/tv.h"

#include "crypto/provider.h"
#include "crypto/suites.h"
#include "record/record.h"

static clasp_provider *prov;
static const clasp_suite *suite;

static int setup(void **state)
{
    (void)state;
    assert_clasp_ok(clasp_ossl_provider_new(NULL, NULL, &prov));
    suite = clasp_suite_find(CLASP_TLS1_3_AES_128_GCM_SHA256);
    assert_non_null(suite);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prov->destroy(prov);
    print_message("records compared against RFC 8448: %u\n", tv_compared);
    return 0;
}

#define PLAIN NULL
#define CCS "ccs"

typedef struct {
    const char *record; /* "<actor>.<step>": .payload / .complete_record */
    const char *keys;   /* traffic key step; PLAIN; CCS */
    uint64_t seq;       /* sequence number of the record under its key */
    uint8_t type;       /* content type of the payload */
    uint16_t version;   /* legacy_record_version of a plaintext record */
} rec_case;

#define S_HS "server.derive_write_traffic_keys_for_handshake_data"
#define C_HS "server.derive_read_traffic_keys_for_handshake_data"
#define S_AP "server.derive_write_traffic_keys_for_application_data"
#define C_AP "client.derive_write_traffic_keys_for_application_data"
#define HS CLASP_CT_HANDSHAKE
#define AD CLASP_CT_APPLICATION_DATA
#define AL CLASP_CT_ALERT

static void direction_for(const tv_file *f, const rec_case *c, clasp_rec_dir *d)
{
    char key[160];
    uint8_t k[CLASP_MAX_AEAD_KEY_LEN], iv[CLASP_AEAD_NONCE_LEN];
    assert_clasp_ok(clasp_rec_dir_init(d, prov));
    if (c->keys == PLAIN || strcmp(c->keys, CCS) == 0) {
        d->plain_version = c->version;
        return;
    }
    snprintf(key, sizeof(key), "%s.key_expanded", c->keys);
    assert_int_equal(tv_get(f, key, k, sizeof(k)), suite->key_len);
    snprintf(key, sizeof(key), "%s.iv_expanded", c->keys);
    assert_int_equal(tv_get(f, key, iv, sizeof(iv)), CLASP_AEAD_NONCE_LEN);
    assert_clasp_ok(clasp_rec_install(d, suite, k, iv));
    d->seq = c->seq;
}

static void run_case(const tv_file *f, const rec_case *c)
{
    char key[160];
    size_t rec_len = 0, payload_len = 0;
    snprintf(key, sizeof(key), "%s.complete_record", c->record);
    uint8_t *rec = tv_dup(f, key, &rec_len);
    snprintf(key, sizeof(key), "%s.payload", c->record);
    uint8_t *payload = tv_dup(f, key, &payload_len);
    bool is_ccs = c->keys != PLAIN && strcmp(c->keys, CCS) == 0;
    bool is_protected = c->keys != PLAIN && !is_ccs;

    /* read side: header first, then open in place */
    clasp_rec_dir rd;
    direction_for(f, c, &rd);
    clasp_rd r = clasp_rd_init(rec, rec_len);
    clasp_rec_header h;
    assert_clasp_ok(clasp_rec_header_parse(&rd, &r, &h));
    assert_int_equal(h.length + CLASP_RECORD_HEADER_LEN, rec_len);
    uint8_t *buf = malloc(rec_len);
    assert_non_null(buf);
    memcpy(buf, rec, rec_len);
    clasp_rec_plain pt;
    assert_clasp_ok(clasp_rec_open(&rd, buf, rec_len, &pt));
    assert_int_equal(pt.type, is_ccs ? CLASP_CT_CHANGE_CIPHER_SPEC : c->type);
    snprintf(key, sizeof(key), "%s.payload", c->record);
    tv_expect(f, key, pt.content.p, pt.content.len);
    if (is_protected) {
        assert_true(rd.seq == c->seq + 1);
        /* the same record under the next sequence number: another
         * nonce, so authentication fails (RFC 8446 §5.3) */
        memcpy(buf, rec, rec_len);
        assert_clasp_err(clasp_rec_open(&rd, buf, rec_len, &pt),
                         CLASP_ERR_BAD_RECORD_MAC);
        assert_true(rd.seq == c->seq + 1);
    }

    /* write side: the same record, byte for byte */
    clasp_rec_dir wd;
    direction_for(f, c, &wd);
    uint8_t *out = malloc(rec_len + 64);
    assert_non_null(out);
    clasp_wr w = clasp_wr_init(out, rec_len + 64);
    if (is_ccs) {
        assert_clasp_ok(clasp_rec_write_ccs(&w));
    } else {
        assert_int_equal(clasp_rec_sealed_len(&wd, payload_len, 0), rec_len);
        assert_clasp_ok(
            clasp_rec_seal(&wd, c->type, payload, payload_len, 0, &w));
    }
    snprintf(key, sizeof(key), "%s.complete_record", c->record);
    tv_expect(f, key, out, w.len);
    if (is_protected) {
        assert_true(wd.seq == c->seq + 1);
    }

    clasp_rec_clear(&rd);
    clasp_rec_clear(&wd);
    free(out);
    free(buf);
    free(rec);
    free(payload);
}

static void run_trace(const char *trace, const rec_case *cases, size_t n)
{
    tv_file f = tv_load(trace);
    for (size_t i = 0; i < n && i < 32; i++) {
        run_case(&f, &cases[i]);
    }
    tv_free(&f);
}

#define RUN(trace, cases) \
    run_trace(trace, cases, sizeof(cases) / sizeof(cases[0]))

/* RFC 8448 §3: ClientHello (0x0301), ServerHello, the server's
 * encrypted flight, client Finished, NewSessionTicket, application data
 * both ways, close_notify both ways. */
static void simple_records(void **state)
{
    (void)state;
    static const rec_case cases[] = {
        {"client.send_handshake_record", PLAIN, 0, HS, 0x0301},
        {"server.send_handshake_record", PLAIN, 0, HS, 0x0303},
        {"server.send_handshake_record~2", S_HS, 0, HS, 0},
        {"client.send_handshake_record~2", C_HS, 0, HS, 0},
        {"server.send_handshake_record~3", S_AP, 0, HS, 0},
        {"client.send_application_data_record", C_AP, 0, AD, 0},
        {"server.send_application_data_record", S_AP, 1, AD, 0},
        {"client.send_alert_record", C_AP, 1, AL, 0},
        {"server.send_alert_record", S_AP, 2, AL, 0},
    };
    RUN("simple", cases);
}

/* RFC 8448 §4: 0-RTT data and EndOfEarlyData under the early keys. */
static void resumed_0rtt_records(void **state)
{
    (void)state;
#define C_EA "client.derive_write_traffic_keys_for_early_application_data"
#define C_HS2 "client.derive_write_traffic_keys_for_handshake_data"
    static const rec_case cases[] = {
        {"client.send_handshake_record", PLAIN, 0, HS, 0x0301},
        {"client.send_application_data_record", C_EA, 0, AD, 0},
        {"server.send_handshake_record", PLAIN, 0, HS, 0x0303},
        {"server.send_handshake_record~2", S_HS, 0, HS, 0},
        {"client.send_handshake_record~2", C_EA, 1, HS, 0},
        {"client.send_handshake_record~3", C_HS2, 0, HS, 0},
        {"client.send_application_data_record~2", C_AP, 0, AD, 0},
        {"server.send_application_data_record", S_AP, 0, AD, 0},
        {"client.send_alert_record", C_AP, 1, AL, 0},
        {"server.send_alert_record", S_AP, 1, AL, 0},
    };
    RUN("resumed_0rtt", cases);
}

/* RFC 8448 §5: the second ClientHello has legacy_record_version 0x0303. */
static void hrr_records(void **state)
{
    (void)state;
    static const rec_case cases[] = {
        {"client.send_handshake_record", PLAIN, 0, HS, 0x0301},
        {"server.send_handshake_record", PLAIN, 0, HS, 0x0303},
        {"client.send_handshake_record~2", PLAIN, 0, HS, 0x0303},
        {"server.send_handshake_record~2", PLAIN, 0, HS, 0x0303},
        {"server.send_handshake_record~3", S_HS, 0, HS, 0},
        {"client.send_handshake_record~3", C_HS, 0, HS, 0},
        {"client.send_alert_record", C_AP, 0, AL, 0},
        {"server.send_alert_record", S_AP, 0, AL, 0},
    };
    RUN("hrr", cases);
}

/* RFC 8448 §6: the client's Certificate, CertificateVerify, Finished. */
static void client_auth_records(void **state)
{
    (void)state;
    static const rec_case cases[] = {
        {"client.send_handshake_record", PLAIN, 0, HS, 0x0301},
        {"server.send_handshake_record", PLAIN, 0, HS, 0x0303},
        {"server.send_handshake_record~2", S_HS, 0, HS, 0},
        {"client.send_handshake_record~2", C_HS, 0, HS, 0},
        {"client.send_alert_record", C_AP, 0, AL, 0},
        {"server.send_alert_record", S_AP, 0, AL, 0},
    };
    RUN("client_auth", cases);
}

/* RFC 8448 §7: change_cipher_spec records; the server's arrives at the
 * client when the client already expects protected records. */
static void compat_records(void **state)
{
    (void)state;
    static const rec_case cases[] = {
        {"client.send_handshake_record", PLAIN, 0, HS, 0x0301},
        {"server.send_handshake_record", PLAIN, 0, HS, 0x0303},
        {"server.send_change_cipher_spec_record", CCS, 0, 0, 0x0303},
        {"server.send_handshake_record~2", S_HS, 0, HS, 0},
        {"client.send_change_cipher_spec_record", CCS, 0, 0, 0x0303},
        {"client.send_handshake_record~2", C_HS, 0, HS, 0},
        {"client.send_alert_record", C_AP, 0, AL, 0},
        {"server.send_alert_record", S_AP, 0, AL, 0},
    };
    RUN("compat", cases);

    /* the unprotected CCS passes a protected direction untouched (RFC
     * 8446 §5: detected before deprotection; seq unchanged) */
    tv_file f = tv_load("compat");
    clasp_rec_dir d;
    direction_for(&f, &cases[3], &d);
    uint8_t ccs[8];
    size_t n = tv_get(&f,
                      "server.send_change_cipher_spec_record."
                      "complete_record",
                      ccs, sizeof(ccs));
    clasp_rec_plain pt;
    assert_clasp_ok(clasp_rec_open(&d, ccs, n, &pt));
    assert_int_equal(pt.type, CLASP_CT_CHANGE_CIPHER_SPEC);
    assert_int_equal(pt.content.len, 1);
    assert_true(d.seq == 0);
    clasp_rec_clear(&d);
    tv_free(&f);
}

/* Whole server flight of §3 in one buffer, framed by the headers only:
 * the reader finds each record boundary and opens each in turn with the
 * direction's running sequence number (NewSessionTicket, data, alert). */
static void simple_server_app_stream(void **state)
{
    (void)state;
    tv_file f = tv_load("simple");
    static const char *const recs[] = {
        "server.send_handshake_record~3.complete_record",
        "server.send_application_data_record.complete_record",
        "server.send_alert_record.complete_record",
    };
    static const uint8_t types[] = {HS, AD, AL};
    uint8_t stream[1024];
    size_t len = 0;
    for (size_t i = 0; i < 3; i++) {
        len += tv_get(&f, recs[i], stream + len, sizeof(stream) - len);
    }
    rec_case c = {"", S_AP, 0, 0, 0};
    clasp_rec_dir d;
    direction_for(&f, &c, &d);
    size_t off = 0;
    for (size_t i = 0; i < 3; i++) {
        clasp_rd r = clasp_rd_init(stream + off, len - off);
        clasp_rec_header h;
        assert_clasp_ok(clasp_rec_header_parse(&d, &r, &h));
        size_t rec_len = CLASP_RECORD_HEADER_LEN + h.length;
        clasp_rec_plain pt;
        assert_clasp_ok(clasp_rec_open(&d, stream + off, rec_len, &pt));
        assert_int_equal(pt.type, types[i]);
        off += rec_len;
    }
    assert_int_equal(off, len);
    assert_true(d.seq == 3);
    clasp_rec_clear(&d);
    tv_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_records),
        cmocka_unit_test(resumed_0rtt_records),
        cmocka_unit_test(hrr_records),
        cmocka_unit_test(client_auth_records),
        cmocka_unit_test(compat_records),
        cmocka_unit_test(simple_server_app_stream),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
