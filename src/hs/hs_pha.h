/* Post-handshake client authentication (RFC 8446 §4.6.2), both roles
 * (src/hs/hs_pha.c). */
#ifndef CLASP_HS_HS_PHA_H
#define CLASP_HS_HS_PHA_H

#include "hs/hs.h"
#include "msg/msg.h"

/* Server: where an open request stands (c->pha_state). */
enum clasp_pha_state {
    PHA_IDLE,      /* no request open */
    PHA_WAIT_CERT, /* CertificateRequest sent */
    PHA_WAIT_CV,
    PHA_WAIT_FINISHED
};

/* Both: at the end of the handshake, keep the transcript hash state
 * through the client Finished when post-handshake auth may follow. */
CLASP_MUST_USE int clasp_hs_pha_keep(clasp_conn *c);
/* Release what clasp_hs_pha_keep() kept and forget any request. */
void clasp_hs_pha_clear(clasp_conn *c);
/* Server: queue a CertificateRequest with a fresh context. */
CLASP_MUST_USE int clasp_hs_pha_request(clasp_conn *c);
/* Server: Certificate, CertificateVerify or Finished after the handshake.
 * Client: CertificateRequest after the handshake (answered at once). */
CLASP_MUST_USE int clasp_hs_pha_recv(clasp_conn *c,
                                     const struct clasp_hs_msg *m);
/* Server: write a CertificateRequest with the given context (empty in
 * the handshake) into the pending flight, transcript included. */
CLASP_MUST_USE int clasp_hs_write_cr(clasp_conn *c, clasp_span context);
/* After the handshake: may a message of this type come now? Server:
 * KeyUpdate, or the next message of an open request; client: a
 * CertificateRequest only after offering post_handshake_auth. */
bool clasp_hs_pha_allows(const clasp_conn *c, uint8_t type);
/* hs_ca.c: certificate_authorities (RFC 8446 §4.2.4). The body of the
 * DN list of our trust anchors (clasp_mem_calloc'd; NULL when there is
 * none or it exceeds 2^16-1 bytes). */
CLASP_MUST_USE int clasp_hs_ca_list(const clasp_conn *c, uint8_t **buf,
                                    size_t *len);
/* Our chain for the peer's schemes, preferring one whose issuers the
 * peer's list (possibly empty) names; CLASP_ERR_NOT_FOUND if none fits.
 * A client asks the application's callback first, if any. */
/* Client: keep a CertificateRequest's schemes and choose the certificate
 * to answer with, preferring a chain its certificate_authorities name
 * (hs_ca.c). None fitting is not an error: an empty Certificate goes. */
CLASP_MUST_USE int clasp_hs_take_cert_request(clasp_conn *c,
                                              const struct clasp_cr *cr);
CLASP_MUST_USE int clasp_hs_ca_pick(clasp_conn *c, const clasp_config *src,
                                    const uint16_t *sig_algs,
                                    size_t sig_alg_count,
                                    clasp_span authorities,
                                    const clasp_certkey **out, uint16_t *alg);
/* Client: certificate_authorities into a ClientHello being built, when
 * configured (the list is kept in c->hs until the handshake ends). */
struct clasp_exts;
CLASP_MUST_USE int clasp_hs_ca_ch_ext(clasp_conn *c, struct clasp_exts *e);
/* hs_verify.c: the application's verify callback, if any, decides on a
 * verified (result 0) or refused (result < 0) chain; returns the verdict.
 */
CLASP_MUST_USE int clasp_hs_verify_cb(clasp_conn *c, const clasp_span *chain,
                                      size_t n, int result);
/* Largest CertificateRequest: a full certificate_authorities list
 * (2^16-1 bytes, RFC 8446 §4.2.4) and room for the rest. */
#define CLASP_MAX_CR_LEN (65535u + 2048u)
/* Largest body accepted for a post-handshake message. */
size_t clasp_hs_pha_msg_limit(const clasp_conn *c, uint8_t type);

#endif
