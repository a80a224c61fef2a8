/* Certificate, CertificateVerify and Finished logic shared by both roles
 * (src/hs/hs_common.c). */
#ifndef CLASP_HS_HS_COMMON_H
#define CLASP_HS_HS_COMMON_H

#include "base/fuzzing.h"
#include "hs/hs.h"
#include "msg/msg.h"

bool clasp_hs_list_has(const uint16_t *list, size_t n, uint16_t v);
CLASP_MUST_USE int clasp_hs_send_certificate(clasp_conn *c,
                                             const clasp_certkey *ck,
                                             clasp_span context);
CLASP_MUST_USE int clasp_hs_send_cv(clasp_conn *c, const clasp_certkey *ck,
                                    uint16_t sig_alg);
CLASP_MUST_USE int clasp_hs_send_finished(clasp_conn *c,
                                          const uint8_t *base_secret);
CLASP_MUST_USE int clasp_hs_recv_finished(clasp_conn *c,
                                          const struct clasp_hs_msg *m,
                                          const uint8_t *base_secret);
/* Parse and verify the peer's Certificate; *empty for an empty list
 * (allowed from a client only). */
CLASP_MUST_USE int clasp_hs_recv_certificate(clasp_conn *c,
                                             const struct clasp_hs_msg *m,
                                             bool *empty);
CLASP_MUST_USE int clasp_hs_recv_cv(clasp_conn *c,
                                    const struct clasp_hs_msg *m);
/* Our signature scheme for a certificate, given the peer's list. */
CLASP_MUST_USE int clasp_hs_pick_sig_alg(const clasp_conn *c,
                                         const clasp_certkey *ck,
                                         const uint16_t *peer,
                                         size_t peer_count, uint16_t *out);
/* Start the key schedule for c->suite (keylog hook, Early Secret from
 * the PSK, or from zeros when psk is NULL). */
/* Attach the config's key log (if any) to a key schedule of our own
 * (hs_early.c: the client_early_traffic_secret line). */
CLASP_MUST_USE int clasp_hs_ks_keylog(clasp_conn *c, clasp_ks *ks);
CLASP_MUST_USE int clasp_hs_ks_start(clasp_conn *c,
                                     const uint8_t *client_random,
                                     const uint8_t *psk, size_t psk_len);
/* Server: ServerHello or HelloRetryRequest into the flight buffer
 * (hs_server.c). */
CLASP_MUST_USE int clasp_hs_write_sh(clasp_conn *c, bool hrr,
                                     const uint8_t *pub, size_t pub_len);
/* Stateless HRR cookies (hs_cookie.c): make one when sending HRR; restore
 * the HRR state from the one a second ClientHello carries. */
CLASP_MUST_USE int clasp_hs_cookie_make(clasp_conn *c);
CLASP_MUST_USE int clasp_hs_cookie_restore(clasp_conn *c,
                                           const struct clasp_ch *ch);
/* Fuzzing build only (CLASP_FUZZ_NO_CHECKS, src/base/fuzzing.h): the
 * verdict rc of a check a fuzzer cannot satisfy, with a failed check
 * (CLASP_ERR_DECRYPT_ERROR) turned into CLASP_OK, and what
 * (CLASP_FUZZ_MARK) logged. Defined only in that build: every call sits
 * in an `if (CLASP_FUZZ_NO_CHECKS)` branch, which a library build drops;
 * if one did not, libclasp.so would not link. */
CLASP_MUST_USE int clasp_hs_fuzz_skip(const clasp_conn *c, int rc,
                                      const char *what);
/* Mark the handshake complete and release handshake-only state. */
CLASP_MUST_USE int clasp_hs_finish(clasp_conn *c);

#endif
