/*
 * Every object the providers allocate themselves (provider structs and
 * handles; not libcrypto's internals) goes through the clasp allocator
 * hooks: each constructor makes exactly the expected number of
 * clasp_calloc calls, everything is released, and a failing allocator
 * makes each constructor fail cleanly with CLASP_ERR_ALLOC_FAILED (ASan's
 * leak checker covers the libcrypto objects on those paths).
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "crypto/provider.h"
#include "crypto/testprov/testprov.h"

static long n_alloc, n_free;
static bool failing;

static void *count_calloc(size_t n, size_t size)
{
    if (failing) {
        return NULL;
    }
    n_alloc++;
    return calloc(n, size);
}

static void count_free(void *p)
{
    n_free++;
    free(p);
}

static int install(void **state)
{
    (void)state;
    n_alloc = n_free = 0;
    failing = false;
    return clasp_set_allocator(count_calloc, count_free);
}

static int uninstall(void **state)
{
    (void)state;
    return clasp_set_allocator(NULL, NULL);
}

/* Run one constructor and check it made exactly `want` allocations. */
#define EXPECT_ALLOCS(want, expr)                    \
    do {                                             \
        long before_ = n_alloc;                      \
        assert_clasp_ok(expr);                       \
        assert_int_equal(n_alloc - before_, (want)); \
    } while (0)

/* aead_allocs: the test provider wraps AEAD handles (2 allocations). */
static void exercise(clasp_provider *p, bool fail, long aead_allocs)
{
    uint8_t key[16] = {0}, pub[133], sig[CLASP_MAX_SIG_LEN];
    size_t len = 0, n = 0;
    size_t key_len = 0;
    uint8_t *pem = th_read_file("pki/ecdsa-p256/leaf.key", &key_len);
    size_t cert_len = 0;
    uint8_t *cert = th_read_file("pki/ecdsa-p256/chain.pem", &cert_len);
    clasp_hash *h = NULL, *d = NULL;
    clasp_aead *a = NULL;
    clasp_kx *kx = NULL;
    clasp_pkey *k = NULL;
    clasp_trust *t = NULL;
    clasp_span *ders = NULL;
    failing = fail;
    if (fail) {
        const int E = CLASP_ERR_ALLOC_FAILED;
        assert_clasp_err(p->hash_new(p->ctx, CLASP_HASH_SHA256, &h), E);
        assert_clasp_err(
            p->aead_new(p->ctx, CLASP_TLS1_3_AES_128_GCM_SHA256, key, 16, &a),
            E);
        assert_clasp_err(
            p->kx_new(p->ctx, CLASP_GROUP_X25519, &kx, pub, sizeof(pub), &len),
            E);
        assert_clasp_err(p->pkey_load_private(p->ctx, pem, key_len, NULL, &k),
                         E);
        assert_clasp_err(p->trust_new(p->ctx, &t), E);
        assert_clasp_err(p->cert_decode(p->ctx, cert, cert_len, &ders, &n), E);
        assert_null(h);
        assert_null(a);
        assert_null(kx);
        assert_null(k);
        assert_null(t);
        assert_null(ders);
        failing = false;
    } else {
        EXPECT_ALLOCS(1, p->hash_new(p->ctx, CLASP_HASH_SHA256, &h));
        EXPECT_ALLOCS(1, p->hash_dup(h, &d));
        EXPECT_ALLOCS(
            aead_allocs,
            p->aead_new(p->ctx, CLASP_TLS1_3_AES_128_GCM_SHA256, key, 16, &a));
        EXPECT_ALLOCS(1, p->kx_new(p->ctx, CLASP_GROUP_X25519, &kx, pub,
                                   sizeof(pub), &len));
        EXPECT_ALLOCS(1, p->pkey_load_private(p->ctx, pem, key_len, NULL, &k));
        EXPECT_ALLOCS(1, p->trust_new(p->ctx, &t));
        EXPECT_ALLOCS(1, p->cert_decode(p->ctx, cert, cert_len, &ders, &n));
        /* signing allocates nothing of ours; trust_add one temporary DER
         * list (freed before it returns) */
        EXPECT_ALLOCS(0, p->sign(p->ctx, k, CLASP_SIG_ECDSA_SECP256R1_SHA256,
                                 key, 16, sig, sizeof(sig), &len));
        long frees = n_free;
        EXPECT_ALLOCS(1, p->trust_add(t, cert, cert_len));
        assert_int_equal(n_free - frees, 1);
        p->hash_free(h);
        p->hash_free(d);
        p->aead_free(a);
        p->kx_free(kx);
        p->pkey_free(k);
        p->trust_free(t);
        clasp_mem_free(ders);
    }
    th_free(pem);
    th_free(cert);
}

static void test_ossl_allocs(void **state)
{
    (void)state;
    clasp_provider *p = NULL;
    EXPECT_ALLOCS(1, clasp_ossl_provider_new(NULL, NULL, &p));
    exercise(p, false, 1);
    exercise(p, true, 1);
    p->destroy(p);
    assert_int_equal(n_alloc, n_free);

    /* with a property query: one more (its copy) */
    EXPECT_ALLOCS(2, clasp_ossl_provider_new(NULL, "provider=default", &p));
    p->destroy(p);
    assert_int_equal(n_alloc, n_free);

    failing = true;
    p = NULL;
    assert_clasp_err(clasp_ossl_provider_new(NULL, NULL, &p),
                     CLASP_ERR_ALLOC_FAILED);
    assert_null(p);
    failing = false;
}

static void test_testprov_allocs(void **state)
{
    (void)state;
    clasp_provider *p = NULL;
    EXPECT_ALLOCS(2, clasp_testprov_new(&p)); /* itself + wrapped provider */
    exercise(p, false, 2);
    exercise(p, true, 2);
    uint8_t b[4] = {0};
    EXPECT_ALLOCS(1, clasp_testprov_queue_random(p, b, sizeof(b)));
    failing = true;
    assert_clasp_err(clasp_testprov_queue_random(p, b, sizeof(b)),
                     CLASP_ERR_ALLOC_FAILED);
    failing = false;
    p->destroy(p); /* frees the queued entry */
    assert_int_equal(n_alloc, n_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ossl_allocs, install, uninstall),
        cmocka_unit_test_setup_teardown(test_testprov_allocs, install,
                                        uninstall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
