/* The handshake matrix in whole-buffer mode: every cipher suite x every
 * group x every server certificate type (5 x 5 x 7 = 175 handshakes),
 * each with client authentication by another key type so that both
 * directions of CertificateVerify meet every key type. Each case checks
 * the negotiated suite, group and peer signature schemes on both sides,
 * the peer certificates, and data both ways (tests/testlib/pipe.c). */
#include "testlib.h"

#include <stdio.h>

#include "pipe.h"

static const uint16_t suites[] = {
    CLASP_TLS1_3_AES_128_GCM_SHA256,       CLASP_TLS1_3_AES_256_GCM_SHA384,
    CLASP_TLS1_3_CHACHA20_POLY1305_SHA256, CLASP_TLS1_3_AES_128_CCM_SHA256,
    CLASP_TLS1_3_AES_128_CCM_8_SHA256,
};
static const uint16_t groups[] = {
    CLASP_GROUP_X25519,    CLASP_GROUP_SECP256R1, CLASP_GROUP_X448,
    CLASP_GROUP_SECP384R1, CLASP_GROUP_SECP521R1,
};

/* All suites x groups for one server key type. */
static void run_kind(size_t k)
{
    for (size_t s = 0; s < 5; s++) {
        for (size_t g = 0; g < 5; g++) {
            tp_case c = {
                .suite = suites[s],
                .group = groups[g],
                .srv_kind = tp_kinds[k],
                /* Rotate the client's key type through all seven. */
                .cli_kind = tp_kinds[(k + s + g + 1) % TP_KIND_COUNT],
            };
            tp_run_case(&c);
        }
    }
}

static void matrix_whole_rsa2048(void **state)
{
    (void)state;
    run_kind(0);
}

static void matrix_whole_rsapss(void **state)
{
    (void)state;
    run_kind(1);
}

static void matrix_whole_ecdsa_p256(void **state)
{
    (void)state;
    run_kind(2);
}

static void matrix_whole_ecdsa_p384(void **state)
{
    (void)state;
    run_kind(3);
}

static void matrix_whole_ecdsa_p521(void **state)
{
    (void)state;
    run_kind(4);
}

static void matrix_whole_ed25519(void **state)
{
    (void)state;
    run_kind(5);
}

static void matrix_whole_ed448(void **state)
{
    (void)state;
    run_kind(6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix_whole_rsa2048),
        cmocka_unit_test(matrix_whole_rsapss),
        cmocka_unit_test(matrix_whole_ecdsa_p256),
        cmocka_unit_test(matrix_whole_ecdsa_p384),
        cmocka_unit_test(matrix_whole_ecdsa_p521),
        cmocka_unit_test(matrix_whole_ed25519),
        cmocka_unit_test(matrix_whole_ed448),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
