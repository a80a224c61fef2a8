/*
 * The deterministic TEST provider. NO SECURITY: it hands out caller-chosen
 * "random" bytes and private keys, replays recorded signatures and can
 * switch record protection off. It lives in clasp_internal only (tests,
 * tools, fuzzers) and is never linked into libclasp.
 *
 * It wraps an OpenSSL provider (clasp_ossl_provider_new(NULL, NULL)) and
 * changes only:
 * - random: bytes come from a FIFO of queued byte strings, consumed as one
 *   byte stream across calls; once it is empty, from the deterministic
 *   stream SHA-256("clasp testprov" || counter_be64), counter = 0, 1, ...
 * - kx_new: the private key comes from the first queued (group, key) entry
 *   of that group (removed from the queue), otherwise from the
 *   deterministic stream; then kx_from_private of the wrapped provider.
 * - sign: returns the first queued signature (FIFO, removed) if any,
 *   whatever the key and scheme; otherwise signs for real.
 * - null AEAD mode (for fuzzing), fixed when an AEAD handle is created:
 *   seal copies the plaintext and appends an all-zero tag of the suite's
 *   length; open checks that the tag is all zero (else BAD_RECORD_MAC)
 *   and copies the plaintext.
 * - null verify mode (for fuzzing): verify accepts any signature of a key
 *   that fits the scheme.
 * Everything else is the wrapped provider's behaviour.
 */
#ifndef CLASP_CRYPTO_TESTPROV_H
#define CLASP_CRYPTO_TESTPROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/provider.h"

/* A new test provider (free with prov->destroy(prov)). */
CLASP_MUST_USE int clasp_testprov_new(clasp_provider **out);

/* Append bytes to the random FIFO (copied). len may be 0. */
CLASP_MUST_USE int clasp_testprov_queue_random(clasp_provider *prov,
                                               const uint8_t *bytes,
                                               size_t len);
/* Queued random bytes not consumed yet (lets a test check that the code
 * under test drew exactly what was queued). */
size_t clasp_testprov_random_left(const clasp_provider *prov);

/* Queue the private key the next kx_new on this group uses: X25519/X448
 * raw scalar (32/56 bytes), NIST big-endian scalar of field length. */
CLASP_MUST_USE int clasp_testprov_queue_kx_private(clasp_provider *prov,
                                                   uint16_t group,
                                                   const uint8_t *priv,
                                                   size_t len);

/* Queue a signature for the next sign() call (1..CLASP_MAX_SIG_LEN
 * bytes). */
CLASP_MUST_USE int clasp_testprov_queue_signature(clasp_provider *prov,
                                                  const uint8_t *sig,
                                                  size_t len);

/* Null AEAD mode for AEAD handles created from now on. */
void clasp_testprov_set_null_aead(clasp_provider *prov, bool on);
/* Null verify mode: verify() succeeds for any signature. */
void clasp_testprov_set_null_verify(clasp_provider *prov, bool on);

/* Drop every queued entry and restart the deterministic stream at 0. */
void clasp_testprov_reset(clasp_provider *prov);

#endif
