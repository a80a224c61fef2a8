/* In-memory handshakes between clasp's client and server: the default
 * configuration, each I/O mode, then application data both ways. */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "pipe.h"

#define PKI CLASP_TEST_DATA_DIR "/pki/"

static clasp_config *server_conf(const char *kind)
{
    clasp_config *conf = clasp_config_new(CLASP_IS_SERVER);
    assert_non_null(conf);
    char chain[256], key[256];
    snprintf(chain, sizeof(chain), PKI "%s/chain.pem", kind);
    snprintf(key, sizeof(key), PKI "%s/leaf.key", kind);
    assert_clasp_ok(clasp_conf_own_cert_file(conf, chain, key, NULL));
    return conf;
}

static clasp_config *client_conf(void)
{
    clasp_config *conf = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(conf);
    assert_clasp_ok(clasp_conf_ca_file(conf, PKI "all-roots.pem"));
    return conf;
}

static void run_pair(clasp_config *cc, clasp_config *sc, size_t max_io,
                     int write_block)
{
    tp_pipe p;
    tp_init(&p, max_io, write_block);
    clasp_context *cli = clasp_new();
    clasp_context *srv = clasp_new();
    assert_clasp_ok(clasp_setup(cli, cc));
    assert_clasp_ok(clasp_setup(srv, sc));
    assert_clasp_ok(clasp_set_hostname(cli, "localhost"));
    clasp_set_bio(cli, &p.client, tp_send, tp_recv, NULL);
    clasp_set_bio(srv, &p.server, tp_send, tp_recv, NULL);
    int crc, src;
    int rc = tp_handshake(cli, srv, &crc, &src);
    if (rc != 0) {
        print_error("client %s server %s\n", clasp_error_name(crc),
                    clasp_error_name(src));
    }
    assert_clasp_ok(rc);
    assert_int_equal(clasp_is_handshake_over(cli), 1);
    assert_int_equal(clasp_is_handshake_over(srv), 1);
    assert_string_equal(clasp_get_version(cli), "TLSv1.3");
    assert_int_equal(clasp_get_ciphersuite_id(cli),
                     clasp_get_ciphersuite_id(srv));
    assert_int_equal(clasp_get_group(cli), clasp_get_group(srv));

    /* Application data both ways, looping over partial I/O (bounded). */
    const char *msg = "hello from the client";
    size_t off = 0;
    unsigned char buf[256];
    for (int i = 0; i < 100000 && off < strlen(msg); i++) {
        int n = clasp_write(cli, (const unsigned char *)msg + off,
                            strlen(msg) - off);
        if (n > 0) {
            off += (size_t)n;
        } else {
            assert_true(n == CLASP_ERR_WANT_WRITE || n == CLASP_ERR_WANT_READ);
        }
    }
    size_t got = 0;
    for (int i = 0; i < 100000 && got < strlen(msg); i++) {
        int n = clasp_write(cli, NULL, 0); /* flush pending output */
        (void)n;
        n = clasp_read(srv, buf + got, sizeof(buf) - got);
        if (n > 0) {
            got += (size_t)n;
        } else {
            assert_true(n == CLASP_ERR_WANT_WRITE || n == CLASP_ERR_WANT_READ);
        }
    }
    assert_int_equal(got, strlen(msg));
    assert_memory_equal(buf, msg, got);

    clasp_free(cli);
    clasp_free(srv);
    tp_free(&p);
}

static void handshake_default_ecdsa_whole_buffers(void **state)
{
    (void)state;
    clasp_config *sc = server_conf("ecdsa-p256");
    clasp_config *cc = client_conf();
    run_pair(cc, sc, 0, 0);
    clasp_config_free(sc);
    clasp_config_free(cc);
}

static void handshake_one_byte_at_a_time(void **state)
{
    (void)state;
    clasp_config *sc = server_conf("ecdsa-p256");
    clasp_config *cc = client_conf();
    run_pair(cc, sc, 1, 0);
    clasp_config_free(sc);
    clasp_config_free(cc);
}

static void handshake_short_writes(void **state)
{
    (void)state;
    clasp_config *sc = server_conf("rsa2048");
    clasp_config *cc = client_conf();
    run_pair(cc, sc, 7, 1);
    clasp_config_free(sc);
    clasp_config_free(cc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_default_ecdsa_whole_buffers),
        cmocka_unit_test(handshake_one_byte_at_a_time),
        cmocka_unit_test(handshake_short_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
