/*
 * The crypto floor: the libcrypto operations a TLS 1.3 endpoint cannot
 * avoid, done the cheapest way the EVP API allows, measured in the same
 * run as clasp and libssl. Everything that can be prepared once per
 * configuration is (fetched digests and ciphers, keyed signing context,
 * keygen context, trust store); everything that depends on the connection
 * is done per handshake.
 *
 * Full handshake, per side:
 *   server: X25519 key generation (and its encoded share), X25519 derive
 *           with the client's share, one CertificateVerify signature
 *           (SHA-256 of the 130-byte content + ECDSA P-256 or RSA-PSS-2048
 *           sign);
 *   client: X25519 key generation and derive, certificate chain
 *           verification (DER parse of leaf and intermediate,
 *           X509_verify_cert against the roots with the host name, purpose
 *           and X509_STRICT, as clasp and libssl do: two signature checks
 *           plus chain building), and the CertificateVerify check with the
 *           leaf's key.
 * HKDF/HMAC and the transcript hash (a few dozen SHA-256 blocks) are left
 * out: a few microseconds at most, so the floor is slightly low, never
 * high.
 * Resumed handshake (psk_dhe_ke), per side: X25519 generation and derive.
 * Bulk: one AEAD seal (sender) or open (receiver) per record of the write
 * size plus the content-type byte, with the 5-byte header as AAD; no
 * framing, no copy to a transport.
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clasp/clasp.h"

#define CV_LEN 130 /* 64 spaces, context string, 0, SHA-256 */
#define TAG_LEN 16

typedef struct {
    bench_fig fig;
    /* handshakes */
    EVP_MD *sha256;
    EVP_PKEY_CTX *kx_gen;    /* X25519 keygen, initialised once */
    uint8_t peer_pub[2][32]; /* [side]: the share each side receives */
    EVP_PKEY *sign_key;
    EVP_PKEY_CTX *sign_ctx; /* keyed, padding set, once */
    uint8_t cv[CV_LEN];
    uint8_t sig[1024];
    size_t sig_len;
    uint8_t *leaf_der;
    int leaf_len;
    uint8_t *inter_der;
    int inter_len;
    X509_STORE *store;
    /* bulk */
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *enc;
    EVP_CIPHER_CTX *dec;
    uint8_t iv[12];
    uint64_t seq_enc;
    uint64_t seq_dec;
    uint8_t *plain;  /* rec_len + 1 */
    uint8_t *sealed; /* batch * (rec_len + 1 + TAG_LEN) */
} floor_fig;

static int ffail(const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    bench_err("floor", "%s: %s", what, e != 0 ? buf : "failed");
    ERR_clear_error();
    return -1;
}

static const char *floor_unavailable(bench_fig_kind kind)
{
    (void)kind;
    return NULL;
}

static void floor_fig_free(void *p)
{
    floor_fig *f = p;
    if (f == NULL) {
        return;
    }
    EVP_MD_free(f->sha256);
    EVP_PKEY_CTX_free(f->kx_gen);
    EVP_PKEY_free(f->sign_key);
    EVP_PKEY_CTX_free(f->sign_ctx);
    OPENSSL_free(f->leaf_der);
    OPENSSL_free(f->inter_der);
    X509_STORE_free(f->store);
    EVP_CIPHER_free(f->cipher);
    EVP_CIPHER_CTX_free(f->enc);
    EVP_CIPHER_CTX_free(f->dec);
    free(f->plain);
    free(f->sealed);
    free(f);
}

/* ---- key exchange ---------------------------------------------------- */

/* Generate a key pair, encode its share, derive with the peer's share. */
static int kx_op(floor_fig *f, const uint8_t *peer_pub, uint8_t *my_pub)
{
    int rc = -1;
    EVP_PKEY *mine = NULL;
    EVP_PKEY_CTX *d = NULL;
    uint8_t ss[32];
    size_t pub_len = 32, ss_len = sizeof(ss);
    EVP_PKEY *peer =
        EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer_pub, 32);
    if (peer == NULL || EVP_PKEY_keygen(f->kx_gen, &mine) != 1 ||
        EVP_PKEY_get_raw_public_key(mine, my_pub, &pub_len) != 1) {
        goto cleanup;
    }
    d = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    if (d == NULL || EVP_PKEY_derive_init(d) != 1 ||
        EVP_PKEY_derive_set_peer(d, peer) != 1 ||
        EVP_PKEY_derive(d, ss, &ss_len) != 1 || ss_len != 32) {
        goto cleanup;
    }
    rc = 0;
cleanup:
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(peer);
    if (rc != 0) {
        ffail("x25519");
    }
    return rc;
}

/* ---- signatures and certificates --------------------------------------- */

static int set_sig_params(const floor_fig *f, EVP_PKEY_CTX *c)
{
    if (f->fig.key == BENCH_KEY_RSA &&
        (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) != 1)) {
        return -1;
    }
    return EVP_PKEY_CTX_set_signature_md(c, f->sha256) == 1 ? 0 : -1;
}

static int sign_op(floor_fig *f, uint8_t *sig, size_t *sig_len)
{
    uint8_t dgst[32];
    if (EVP_Digest(f->cv, CV_LEN, dgst, NULL, f->sha256, NULL) != 1 ||
        EVP_PKEY_sign(f->sign_ctx, sig, sig_len, dgst, sizeof(dgst)) != 1) {
        return ffail("sign");
    }
    return 0;
}

static int verify_sig(floor_fig *f, EVP_PKEY *pub)
{
    uint8_t dgst[32];
    int rc = -1;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    if (c != NULL && EVP_PKEY_verify_init(c) == 1 &&
        set_sig_params(f, c) == 0 &&
        EVP_Digest(f->cv, CV_LEN, dgst, NULL, f->sha256, NULL) == 1 &&
        EVP_PKEY_verify(c, f->sig, f->sig_len, dgst, sizeof(dgst)) == 1) {
        rc = 0;
    }
    EVP_PKEY_CTX_free(c);
    return rc == 0 ? 0 : ffail("verify");
}

/* Parse the chain, verify it, then check the CertificateVerify signature
 * with the leaf's key. */
static int client_auth_op(floor_fig *f)
{
    int rc = -1;
    X509_STORE_CTX *sc = NULL;
    const unsigned char *p = f->leaf_der;
    X509 *leaf = d2i_X509(NULL, &p, f->leaf_len);
    p = f->inter_der;
    X509 *inter = d2i_X509(NULL, &p, f->inter_len);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (leaf == NULL || inter == NULL || untrusted == NULL ||
        sk_X509_push(untrusted, inter) <= 0) {
        X509_free(inter);
        goto cleanup;
    }
    sc = X509_STORE_CTX_new();
    if (sc == NULL || X509_STORE_CTX_init(sc, f->store, leaf, untrusted) != 1) {
        goto cleanup;
    }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(sc);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                        X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    if (X509_VERIFY_PARAM_set1_host(param, "localhost", 0) != 1 ||
        X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER) != 1 ||
        X509_verify_cert(sc) != 1) {
        goto cleanup;
    }
    rc = verify_sig(f, X509_get0_pubkey(leaf));
cleanup:
    X509_STORE_CTX_free(sc);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return rc == 0 ? 0 : ffail("chain");
}

static int load_pki(floor_fig *f)
{
    char path[1024];
    const char *dir = bench_key_dir(f->fig.key);
    snprintf(path, sizeof(path), "%s/%s/leaf.key", f->fig.pki, dir);
    BIO *b = BIO_new_file(path, "r");
    f->sign_key =
        b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    snprintf(path, sizeof(path), "%s/%s/chain.pem", f->fig.pki, dir);
    b = BIO_new_file(path, "r");
    X509 *leaf = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    X509 *inter = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (leaf != NULL && inter != NULL) {
        f->leaf_len = i2d_X509(leaf, &f->leaf_der);
        f->inter_len = i2d_X509(inter, &f->inter_der);
    }
    X509_free(leaf);
    X509_free(inter);
    snprintf(path, sizeof(path), "%s/all-roots.pem", f->fig.pki);
    f->store = X509_STORE_new();
    if (f->sign_key == NULL || f->leaf_len <= 0 || f->inter_len <= 0 ||
        f->store == NULL || X509_STORE_load_file(f->store, path) != 1) {
        return ffail("loading the test PKI");
    }
    f->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, f->sign_key, NULL);
    if (f->sign_ctx == NULL || EVP_PKEY_sign_init(f->sign_ctx) != 1 ||
        set_sig_params(f, f->sign_ctx) != 0) {
        return ffail("signing context");
    }
    memset(f->cv, 0x20, 64);
    memcpy(f->cv + 64, "TLS 1.3, server CertificateVerify", 33);
    f->cv[97] = 0;
    memset(f->cv + 98, 0xA5, 32);
    f->sig_len = sizeof(f->sig);
    /* The signature the client checks; and one full client check, so a
     * broken setup fails here rather than in the timed loop. */
    if (sign_op(f, f->sig, &f->sig_len) != 0 || client_auth_op(f) != 0) {
        return -1;
    }
    return 0;
}

/* ---- AEAD --------------------------------------------------------------- */

static void make_nonce(const floor_fig *f, uint64_t seq, uint8_t *nonce)
{
    memcpy(nonce, f->iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
    }
}

static int setup_bulk(floor_fig *f)
{
    const char *name = "AES-128-GCM";
    size_t key_len = 16;
    if (f->fig.suite == CLASP_TLS1_3_AES_256_GCM_SHA384) {
        name = "AES-256-GCM";
        key_len = 32;
    } else if (f->fig.suite == CLASP_TLS1_3_CHACHA20_POLY1305_SHA256) {
        name = "ChaCha20-Poly1305";
        key_len = 32;
    }
    uint8_t key[32];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(0x11 * i + 3);
    }
    memset(f->iv, 0x5C, sizeof(f->iv));
    f->cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    f->enc = EVP_CIPHER_CTX_new();
    f->dec = EVP_CIPHER_CTX_new();
    f->plain = calloc(1, f->fig.rec_len + 1);
    f->sealed = calloc(f->fig.batch, f->fig.rec_len + 1 + TAG_LEN);
    if (f->cipher == NULL || f->enc == NULL || f->dec == NULL ||
        f->plain == NULL || f->sealed == NULL ||
        (size_t)EVP_CIPHER_get_key_length(f->cipher) != key_len ||
        EVP_EncryptInit_ex2(f->enc, f->cipher, key, NULL, NULL) != 1 ||
        EVP_DecryptInit_ex2(f->dec, f->cipher, key, NULL, NULL) != 1) {
        return ffail("AEAD setup");
    }
    f->plain[f->fig.rec_len] = 23; /* the inner content type */
    return 0;
}

static int seal_one(floor_fig *f, uint8_t *out)
{
    uint8_t nonce[12];
    uint8_t aad[5] = {23, 3, 3, 0, 0};
    size_t n = f->fig.rec_len + 1;
    int outl = 0, finl = 0;
    aad[3] = (uint8_t)((n + TAG_LEN) >> 8);
    aad[4] = (uint8_t)(n + TAG_LEN);
    make_nonce(f, f->seq_enc++, nonce);
    if (EVP_EncryptInit_ex2(f->enc, NULL, NULL, nonce, NULL) != 1 ||
        EVP_EncryptUpdate(f->enc, NULL, &outl, aad, 5) != 1 ||
        EVP_EncryptUpdate(f->enc, out, &outl, f->plain, (int)n) != 1 ||
        EVP_EncryptFinal_ex(f->enc, out + outl, &finl) != 1 ||
        EVP_CIPHER_CTX_ctrl(f->enc, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + n) !=
            1) {
        return ffail("seal");
    }
    return 0;
}

static int open_one(floor_fig *f, uint8_t *in)
{
    uint8_t nonce[12];
    uint8_t aad[5] = {23, 3, 3, 0, 0};
    size_t n = f->fig.rec_len + 1;
    int outl = 0, finl = 0;
    aad[3] = (uint8_t)((n + TAG_LEN) >> 8);
    aad[4] = (uint8_t)(n + TAG_LEN);
    make_nonce(f, f->seq_dec++, nonce);
    if (EVP_DecryptInit_ex2(f->dec, NULL, NULL, nonce, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(f->dec, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, in + n) !=
            1 ||
        EVP_DecryptUpdate(f->dec, NULL, &outl, aad, 5) != 1 ||
        EVP_DecryptUpdate(f->dec, in, &outl, in, (int)n) != 1 ||
        EVP_DecryptFinal_ex(f->dec, in + outl, &finl) != 1) {
        return ffail("open");
    }
    return 0;
}

static int bulk_batch(floor_fig *f, bench_meter *m)
{
    size_t stride = f->fig.rec_len + 1 + TAG_LEN;
    int rc = 0;
    meter_on(m, BENCH_SENDER);
    for (size_t i = 0; i < f->fig.batch && rc == 0; i++) {
        rc = seal_one(f, f->sealed + i * stride);
    }
    meter_off(m);
    meter_on(m, BENCH_RECEIVER);
    for (size_t i = 0; i < f->fig.batch && rc == 0; i++) {
        rc = open_one(f, f->sealed + i * stride);
    }
    meter_off(m);
    return rc;
}

/* ---- the contender ----------------------------------------------------- */

static void *floor_fig_new(const bench_fig *fig)
{
    floor_fig *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->fig = *fig;
    if (fig->kind == FIG_BULK) {
        if (setup_bulk(f) != 0) {
            floor_fig_free(f);
            return NULL;
        }
        return f;
    }
    f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->kx_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (f->sha256 == NULL || f->kx_gen == NULL ||
        EVP_PKEY_keygen_init(f->kx_gen) != 1) {
        ffail("setup");
        floor_fig_free(f);
        return NULL;
    }
    /* Each side's "peer share": a fixed valid X25519 public key. */
    uint8_t scratch[32];
    if (kx_op(f, (const uint8_t[32]){9}, f->peer_pub[0]) != 0 ||
        kx_op(f, f->peer_pub[0], f->peer_pub[1]) != 0 ||
        kx_op(f, f->peer_pub[1], scratch) != 0) {
        floor_fig_free(f);
        return NULL;
    }
    if (fig->kind == FIG_FULL && load_pki(f) != 0) {
        floor_fig_free(f);
        return NULL;
    }
    return f;
}

static int hs_one(floor_fig *f, bench_meter *m)
{
    uint8_t pub[32];
    uint8_t sig[1024];
    size_t sig_len = sizeof(sig);
    meter_on(m, BENCH_SERVER);
    int rc = kx_op(f, f->peer_pub[BENCH_SERVER], pub);
    if (rc == 0 && f->fig.kind == FIG_FULL) {
        rc = sign_op(f, sig, &sig_len);
    }
    meter_off(m);
    if (rc != 0) {
        return rc;
    }
    meter_on(m, BENCH_CLIENT);
    rc = kx_op(f, f->peer_pub[BENCH_CLIENT], pub);
    if (rc == 0 && f->fig.kind == FIG_FULL) {
        rc = client_auth_op(f);
    }
    meter_off(m);
    return rc;
}

static int floor_fig_run(void *p, int n, bench_meter *m)
{
    floor_fig *f = p;
    for (int i = 0; i < n; i++) {
        int rc = f->fig.kind == FIG_BULK ? bulk_batch(f, m) : hs_one(f, m);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

const bench_impl bench_floor = {
    "crypto floor", floor_unavailable, floor_fig_new,
    floor_fig_run,  floor_fig_free,
};

/* Allocation calls of the floor's own operations per handshake and side
 * (libcrypto's, through CRYPTO_set_mem_functions): what even the minimal
 * use of libcrypto costs, the reference for the contenders' counts. */
int bench_floor_heap(const bench_fig *fig, bench_heap_result *out)
{
    memset(out, 0, sizeof(*out));
    bench_fig hf = *fig;
    hf.kind = FIG_FULL;
    heap_set_owner(BENCH_HARNESS);
    floor_fig *f = floor_fig_new(&hf);
    if (f == NULL) {
        return -1;
    }
    bench_meter m;
    meter_reset(&m);
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = hs_one(f, &m);
    }
    heap_stats before, after;
    heap_get(&before);
    if (rc == 0) {
        rc = hs_one(f, &m);
    }
    heap_get(&after);
    for (int s = 0; s < BENCH_SIDES && rc == 0; s++) {
        for (int k = 0; k < HEAP_SRCS; k++) {
            out->calls[s][k] = (double)(after.calls[s][k] - before.calls[s][k]);
        }
        out->peak[s] = out->idle[s] = out->active[s] = out->released[s] = -1;
    }
    out->valid = rc == 0;
    floor_fig_free(f);
    return rc;
}
