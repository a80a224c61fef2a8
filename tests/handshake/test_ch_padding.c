/* RFC 7685 padding of the ClientHello: a hello of 256..511 bytes grows to
 * exactly 512; a shorter one is left alone. */
#include "testlib.h"

#include "pipe.h"

static size_t first_record_len(size_t key_shares)
{
    clasp_config *cc = clasp_config_new(CLASP_IS_CLIENT);
    assert_non_null(cc);
    assert_clasp_ok(clasp_conf_authmode(cc, CLASP_VERIFY_NONE));
    assert_clasp_ok(clasp_conf_key_share_count(cc, key_shares));
    tp_pipe p;
    tp_init(&p, 0, 0);
    clasp_context *cli = clasp_new();
    assert_clasp_ok(clasp_setup(cli, cc));
    clasp_set_bio(cli, &p.client, tp_send, tp_recv, NULL);
    assert_clasp_err(clasp_handshake(cli), CLASP_ERR_WANT_READ);
    tp_queue *q = p.client.out;
    assert_true(q->len >= 9);
    assert_int_equal(q->buf[0], 22); /* handshake record */
    assert_int_equal(q->buf[5], 1);  /* ClientHello */
    size_t rec_len = (size_t)q->buf[3] << 8 | q->buf[4];
    assert_int_equal(q->len, 5 + rec_len);
    clasp_free(cli);
    clasp_config_free(cc);
    tp_free(&p);
    return rec_len;
}

static void ch_padding_grows_mid_sized_hello_to_512(void **state)
{
    (void)state;
    /* x25519 + secp256r1 + x448 shares: a hello past 256 bytes. */
    assert_int_equal(first_record_len(3), 512);
}

static void ch_padding_leaves_small_hello_alone(void **state)
{
    (void)state;
    size_t n = first_record_len(1);
    assert_true(n < 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ch_padding_grows_mid_sized_hello_to_512),
        cmocka_unit_test(ch_padding_leaves_small_hello_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
