/*
 * certificate_authorities (RFC 8446 §4.2.4) in both directions: the DN
 * list of our trust anchors for a CertificateRequest or a ClientHello,
 * and the choice of our own chain by the peer's list.
 *
 * Invariants: the list we send is at most 2^16-1 bytes (else it is left
 * out: the extension only helps the peer choose); a chain "matches" when
 * the issuer of one of its certificates is listed; when none matches, the
 * first chain that fits the signature schemes is used (§4.2.4 makes the
 * list advice; the peer's verification decides).
 *
 * Never: parses the peer's certificates (only our configured chains are
 * read here, through clasp_rd).
 */
#include "base/mem.h"
#include "base/rd.h"
#include "hs/hs_common.h"
#include "hs/hs_pha.h"

static int add_name(void *arg, const uint8_t *dn, size_t len)
{
    return clasp_ext_certificate_authorities_add(arg, clasp_span_of(dn, len));
}

int clasp_hs_ca_list(const clasp_conn *c, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    const clasp_config *conf = c->conf;
    if (conf->trust == NULL || c->prov->trust_names == NULL) {
        return CLASP_OK;
    }
    /* DistinguishedName authorities<3..2^16-1>: the body, at most
     * 2^16-1 bytes. */
    uint8_t *b = clasp_mem_calloc(1, 65535);
    ENSURE(b != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_wr w = clasp_wr_init(b, 65535);
    int rc = c->prov->trust_names(conf->trust, add_name, &w);
    if (rc == CLASP_OK) {
        rc = clasp_wr_finish(&w);
    }
    if (rc < 0 && rc != CLASP_ERR_BUFFER_TOO_SMALL) {
        /* A provider failure is an error, never a shorter message. */
        clasp_mem_free(b);
        return rc;
    }
    if (rc != CLASP_OK || w.len < 3) {
        /* Too many names for the 2^16-1 bytes of the extension, or
         * none: the extension is left out (§4.2.4 makes it optional). */
        clasp_hs_log(c, CLASP_DEBUG_INFO,
                     "certificate_authorities left out (%s, %zu bytes)",
                     clasp_error_name(rc), w.len);
        clasp_mem_free(b);
        return CLASP_OK;
    }
    /* Keep what the list takes, not the 64 KiB scratch (it lives until
     * the end of the handshake). */
    uint8_t *kept = clasp_memdup(b, w.len);
    clasp_mem_free(b);
    ENSURE(kept != NULL, CLASP_ERR_ALLOC_FAILED);
    *buf = kept;
    *len = w.len;
    return CLASP_OK;
}

/* One DER TLV (X.690 §8.1): its tag, the whole encoding and the content.
 * Lengths up to 2^24-1 (certificates are smaller). */
static int der_next(clasp_rd *r, uint8_t *tag, clasp_span *whole,
                    clasp_rd *content)
{
    clasp_rd start = *r;
    uint8_t l;
    TRY(clasp_rd_u8(r, tag));
    TRY(clasp_rd_u8(r, &l));
    size_t len = l;
    size_t hdr = 2;
    if (l >= 0x80) {
        size_t n = l & 0x7fu;
        ENSURE(n >= 1 && n <= 3, CLASP_ERR_BAD_CERTIFICATE);
        len = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t b;
            TRY(clasp_rd_u8(r, &b));
            len = (len << 8) | b;
        }
        hdr += n;
    }
    clasp_span body;
    TRY(clasp_rd_span(r, len, &body));
    *content = clasp_rd_of_span(body);
    return clasp_rd_span(&start, hdr + len, whole);
}

/* RFC 5280 §4.1:
 *   Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
 *   TBSCertificate ::= SEQUENCE {
 *       version [0] EXPLICIT Version DEFAULT v1,
 *       serialNumber CertificateSerialNumber,
 *       signature AlgorithmIdentifier,
 *       issuer Name, ... }  */
static int cert_issuer(clasp_span der, clasp_span *issuer)
{
    clasp_rd r = clasp_rd_of_span(der);
    clasp_rd cert, tbs, skip;
    clasp_span whole;
    uint8_t tag;
    TRY(der_next(&r, &tag, &whole, &cert));
    ENSURE(tag == 0x30, CLASP_ERR_BAD_CERTIFICATE);
    TRY(der_next(&cert, &tag, &whole, &tbs));
    ENSURE(tag == 0x30, CLASP_ERR_BAD_CERTIFICATE);
    TRY(der_next(&tbs, &tag, &whole, &skip));
    if (tag == 0xa0) {
        TRY(der_next(&tbs, &tag, &whole, &skip)); /* serialNumber */
    }
    TRY(der_next(&tbs, &tag, &whole, &skip)); /* signature */
    TRY(der_next(&tbs, &tag, issuer, &skip));
    ENSURE(tag == 0x30, CLASP_ERR_BAD_CERTIFICATE);
    return CLASP_OK;
}

static bool listed(clasp_span authorities, clasp_span name)
{
    clasp_rd it = clasp_rd_of_span(authorities);
    for (;;) {
        clasp_span dn;
        if (clasp_ext_certificate_authorities_next(&it, &dn) != 1) {
            return false;
        }
        if (dn.len == name.len && clasp_ct_equal(dn.p, name.p, dn.len)) {
            return true;
        }
    }
}

static bool chain_matches(const clasp_certkey *ck, clasp_span authorities)
{
    for (size_t i = 0; i < ck->chain_count; i++) {
        clasp_span issuer;
        if (cert_issuer(ck->chain[i], &issuer) == CLASP_OK &&
            listed(authorities, issuer)) {
            return true;
        }
    }
    return false;
}

int clasp_hs_ca_pick(clasp_conn *c, const clasp_config *src,
                     const uint16_t *sig_algs, size_t sig_alg_count,
                     clasp_span authorities, const clasp_certkey **out,
                     uint16_t *alg)
{
    *out = NULL;
    if (!c->is_server && src->f_client_cert != NULL) {
        int pick = src->f_client_cert(
            src->client_cert_arg, c, authorities.len > 0 ? authorities.p : NULL,
            authorities.len, sig_algs, sig_alg_count);
        if (pick == CLASP_ERR_NOT_FOUND) {
            return CLASP_ERR_NOT_FOUND;
        }
        if (pick < 0) {
            return pick;
        }
        if (c->hs->cert_source != NULL) {
            /* The callback supplied certificates of its own
             * (clasp_set_hs_own_cert): indexes and the default choice
             * refer to them. */
            src = c->hs->cert_source;
        }
        if (pick != CLASP_CLIENT_CERT_DEFAULT) {
            ENSURE((size_t)pick < src->cert_count, CLASP_ERR_BAD_INPUT_DATA);
            const clasp_certkey *ck = &src->certs[pick];
            if (clasp_hs_pick_sig_alg(c, ck, sig_algs, sig_alg_count, alg) !=
                CLASP_OK) {
                clasp_hs_log(c, CLASP_DEBUG_INFO,
                             "chosen certificate fits no scheme: none sent");
                return CLASP_ERR_NOT_FOUND;
            }
            *out = ck;
            return CLASP_OK;
        }
    }
    const clasp_certkey *first = NULL;
    uint16_t first_alg = 0;
    for (size_t i = 0; i < src->cert_count; i++) {
        uint16_t a;
        const clasp_certkey *ck = &src->certs[i];
        if (clasp_hs_pick_sig_alg(c, ck, sig_algs, sig_alg_count, &a) !=
            CLASP_OK) {
            continue;
        }
        if (authorities.len > 0 && chain_matches(ck, authorities)) {
            *out = ck;
            *alg = a;
            return CLASP_OK;
        }
        if (first == NULL) {
            first = ck;
            first_alg = a;
        }
    }
    *out = first;
    *alg = first_alg;
    return first != NULL ? CLASP_OK : CLASP_ERR_NOT_FOUND;
}

int clasp_hs_ca_ch_ext(clasp_conn *c, struct clasp_exts *e)
{
    struct clasp_hs *hs = c->hs;
    if (!c->conf->ch_ca_list) {
        return CLASP_OK;
    }
    /* A second ClientHello repeats the list (§4.1.2): built once. */
    if (hs->ca_names == NULL) {
        TRY(clasp_hs_ca_list(c, &hs->ca_names, &hs->ca_names_len));
    }
    if (hs->ca_names != NULL) {
        e->certificate_authorities.authorities =
            clasp_span_of(hs->ca_names, hs->ca_names_len);
        clasp_exts_set(e, CLASP_EXT_ID_CERTIFICATE_AUTHORITIES);
    }
    return CLASP_OK;
}

int clasp_hs_take_cert_request(clasp_conn *c, const struct clasp_cr *cr)
{
    struct clasp_hs *hs = c->hs;
    const struct clasp_u16_list *l = &cr->exts.sig_alg;
    size_t n = l->kept < CLASP_MAX_PREFS ? l->kept : CLASP_MAX_PREFS;
    for (size_t i = 0; i < n; i++) {
        hs->client_sig_algs[i] = l->v[i];
    }
    hs->client_sig_alg_count = n;
    /* §4.2.4: prefer a chain the server's list names. */
    clasp_span ca = clasp_span_of(NULL, 0);
    if (clasp_exts_has(&cr->exts, CLASP_EXT_ID_CERTIFICATE_AUTHORITIES)) {
        ca = cr->exts.certificate_authorities.authorities;
    }
    int found = clasp_hs_ca_pick(c, c->conf, hs->client_sig_algs, n, ca,
                                 &hs->certkey, &hs->cert_sig_alg);
    return found == CLASP_ERR_NOT_FOUND ? CLASP_OK : found;
}
