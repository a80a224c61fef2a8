/*
 * TLS 1.3 record protection (RFC 8446 §5).
 *
 * Owns: per direction, the AEAD handle (freed on clear/replace), the
 * static IV (wiped on clear) and the 64-bit sequence number.
 * Invariants: aead == NULL <=> suite == NULL <=> plaintext direction.
 * The sequence number is used for exactly one record and incremented
 * only after a successful seal/open; it never reaches UINT64_MAX in use,
 * so it cannot wrap (RFC 8446 §5.3). Headers are fully checked before
 * any decryption (DESIGN.md §3.8). Padding is removed by a scan whose
 * time does not depend on the padding length.
 * Never: sees traffic secrets (only key + IV), allocates, does pointer
 * arithmetic on wire bytes (rd/wr/span helpers of src/base do), decides
 * whether a message type is allowed in the handshake state, or counts
 * empty records (the connection bounds those).
 */
#include "record/record.h"

#include "base/mem.h"
#include "clasp/clasp.h"

int clasp_rec_dir_init(clasp_rec_dir *d, const clasp_provider *prov)
{
    ENSURE(d != NULL && prov != NULL, CLASP_ERR_INTERNAL);
    clasp_rec_dir empty = {0};
    *d = empty;
    d->prov = prov;
    d->plain_version = CLASP_LEGACY_RECORD_VERSION;
    return CLASP_OK;
}

void clasp_rec_clear(clasp_rec_dir *d)
{
    if (d == NULL) {
        return;
    }
    if (d->aead != NULL && d->prov != NULL) {
        d->prov->aead_free(d->aead);
    }
    d->aead = NULL;
    d->suite = NULL;
    clasp_memzero(d->iv, sizeof(d->iv));
    d->seq = 0;
}

int clasp_rec_install(clasp_rec_dir *d, const clasp_suite *suite,
                      const uint8_t *key, const uint8_t *iv)
{
    ENSURE(d != NULL && d->prov != NULL && suite != NULL && key != NULL &&
               iv != NULL,
           CLASP_ERR_INTERNAL);
    ENSURE(suite->iv_len == CLASP_AEAD_NONCE_LEN &&
               suite->key_len <= CLASP_MAX_AEAD_KEY_LEN &&
               suite->tag_len <= CLASP_MAX_AEAD_TAG_LEN,
           CLASP_ERR_INTERNAL);
    clasp_aead *aead = NULL;
    TRY(d->prov->aead_new(d->prov->ctx, suite->iana, key, suite->key_len,
                          &aead));
    clasp_rec_clear(d);
    int rc = clasp_copy(d->iv, sizeof(d->iv), iv, CLASP_AEAD_NONCE_LEN);
    if (rc < 0) {
        d->prov->aead_free(aead);
        return rc;
    }
    d->aead = aead;
    d->suite = suite;
    /* RFC 8446 §5.3: "the first record transmitted under a particular
     * traffic key MUST use sequence number 0". */
    d->seq = 0;
    return CLASP_OK;
}

bool clasp_rec_is_protected(const clasp_rec_dir *d)
{
    return d != NULL && d->aead != NULL;
}

bool clasp_rec_should_rekey(const clasp_rec_dir *d)
{
    return clasp_rec_is_protected(d) && d->seq >= d->suite->conf_limit;
}

static bool is_known_type(uint8_t type)
{
    switch (type) {
    case CLASP_CT_CHANGE_CIPHER_SPEC:
    case CLASP_CT_ALERT:
    case CLASP_CT_HANDSHAKE:
    case CLASP_CT_APPLICATION_DATA: return true;
    default: return false;
    }
}

/*
 * RFC 8446 §5.1 / §5.2:
 *     struct {
 *         ContentType type;
 *         ProtocolVersion legacy_record_version;
 *         uint16 length;
 *         opaque fragment[TLSPlaintext.length];
 *     } TLSPlaintext;
 *
 *     struct {
 *         ContentType opaque_type = application_data; (23)
 *         ProtocolVersion legacy_record_version = 0x0303; (TLS v1.2)
 *         uint16 length;
 *         opaque encrypted_record[TLSCiphertext.length];
 *     } TLSCiphertext;
 */
int clasp_rec_header_parse(const clasp_rec_dir *d, clasp_rd *r,
                           clasp_rec_header *h)
{
    ENSURE(d != NULL && r != NULL && h != NULL, CLASP_ERR_INTERNAL);
    clasp_rd save = *r;
    clasp_rec_header hdr;
    int rc = clasp_rd_u8(r, &hdr.type);
    if (rc == CLASP_OK) {
        rc = clasp_rd_u16(r, &hdr.legacy_record_version);
    }
    if (rc == CLASP_OK) {
        rc = clasp_rd_u16(r, &hdr.length);
    }
    if (rc < 0) {
        *r = save;
        return rc;
    }

    /* RFC 8446 §5: "If a TLS implementation receives an unexpected record
     * type, it MUST terminate the connection with an "unexpected_message"
     * alert." */
    ENSURE(is_known_type(hdr.type), CLASP_ERR_UNEXPECTED_MESSAGE);
    /* legacy_record_version is not checked: RFC 8446 §5.1 "This field is
     * deprecated and MUST be ignored for all purposes." (0x0301 from an
     * initial ClientHello, 0x0303 otherwise, and whatever older peers
     * send before version negotiation fails cleanly in the handshake). */

    /* RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes. An
     * endpoint that receives a record that exceeds this length MUST
     * terminate the connection with a "record_overflow" alert." */
    ENSURE(hdr.length <= CLASP_MAX_CIPHERTEXT_LEN, CLASP_ERR_RECORD_OVERFLOW);
    if (clasp_rec_is_protected(d)) {
        /* RFC 8446 §5.2: opaque_type is always application_data; an
         * unprotected change_cipher_spec may still arrive (RFC 8446 §5)
         * and is detected "prior to attempting to deprotect the record". */
        ENSURE(hdr.type == CLASP_CT_APPLICATION_DATA ||
                   hdr.type == CLASP_CT_CHANGE_CIPHER_SPEC,
               CLASP_ERR_UNEXPECTED_MESSAGE);
    } else {
        /* RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes." */
        ENSURE(hdr.length <= CLASP_MAX_FRAGMENT_LEN, CLASP_ERR_RECORD_OVERFLOW);
        /* RFC 8446 §5.1: no zero-length Handshake fragments; an Alert
         * record holds exactly one alert; CCS is one byte. (Empty
         * application_data is left to the caller, which skips or rejects
         * plaintext application_data.) */
        ENSURE(hdr.length > 0 || hdr.type == CLASP_CT_APPLICATION_DATA,
               CLASP_ERR_UNEXPECTED_MESSAGE);
    }
    *h = hdr;
    return CLASP_OK;
}

size_t clasp_rec_sealed_len(const clasp_rec_dir *d, size_t content_len,
                            size_t pad_len)
{
    if (!clasp_rec_is_protected(d)) {
        return CLASP_RECORD_HEADER_LEN + content_len;
    }
    return CLASP_RECORD_HEADER_LEN + content_len + 1 + pad_len +
           d->suite->tag_len;
}

/* RFC 8446 §5.3: the sequence number, big-endian and left-padded with
 * zeros to iv_length (12), XORed with the static IV: the first 4 bytes
 * are the IV's, the last 8 the IV's XOR seq. */
static int make_nonce(const clasp_rec_dir *d, uint8_t *nonce)
{
    clasp_rd iv = clasp_rd_init(d->iv, CLASP_AEAD_NONCE_LEN);
    uint32_t iv_hi = 0;
    uint64_t iv_lo = 0;
    TRY(clasp_rd_u32(&iv, &iv_hi));
    TRY(clasp_rd_u64(&iv, &iv_lo));
    TRY(clasp_rd_done(&iv));
    clasp_wr w = clasp_wr_init(nonce, CLASP_AEAD_NONCE_LEN);
    TRY(clasp_wr_u32(&w, iv_hi));
    TRY(clasp_wr_u64(&w, iv_lo ^ d->seq));
    return clasp_wr_finish(&w);
}

/* RFC 8446 §5.3: "If a TLS implementation would need to wrap a sequence
 * number, it MUST either rekey (Section 4.6.3) or terminate the
 * connection." The value 2^64-1 is never used: after the record with
 * 2^64-2 the direction refuses further records, so seq++ cannot wrap.
 * KeyUpdate (clasp_rec_should_rekey) comes long before. */
static int check_seq(const clasp_rec_dir *d)
{
    ENSURE(d->seq < UINT64_MAX, CLASP_ERR_INTERNAL);
    return CLASP_OK;
}

static int write_plain(clasp_rec_dir *d, uint8_t type, const uint8_t *content,
                       size_t content_len, size_t pad_len, clasp_wr *w)
{
    /* RFC 8446 §5.1: "Application Data messages are always protected." */
    ENSURE(type == CLASP_CT_HANDSHAKE || type == CLASP_CT_ALERT,
           CLASP_ERR_INTERNAL);
    ENSURE(pad_len == 0 && content_len <= CLASP_MAX_FRAGMENT_LEN,
           CLASP_ERR_INTERNAL);
    ENSURE(clasp_wr_left(w) >= CLASP_RECORD_HEADER_LEN + content_len,
           CLASP_ERR_BUFFER_TOO_SMALL);
    TRY(clasp_wr_u8(w, type));
    TRY(clasp_wr_u16(w, d->plain_version));
    TRY(clasp_wr_u16(w, (uint16_t)content_len));
    TRY(clasp_wr_bytes(w, content, content_len));
    return CLASP_OK;
}

/*
 * RFC 8446 §5.2:
 *     struct {
 *         opaque content[TLSPlaintext.length];
 *         ContentType type;
 *         uint8 zeros[length_of_padding];
 *     } TLSInnerPlaintext;
 *
 *     additional_data = TLSCiphertext.opaque_type ||
 *                       TLSCiphertext.legacy_record_version ||
 *                       TLSCiphertext.length
 */
int clasp_rec_seal(clasp_rec_dir *d, uint8_t type, const uint8_t *content,
                   size_t content_len, size_t pad_len, clasp_wr *w)
{
    ENSURE(d != NULL && w != NULL && (content != NULL || content_len == 0),
           CLASP_ERR_INTERNAL);
    TRY(w->err);
    /* RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments
     * of Handshake types"; §5.4: nor Alert records with an empty
     * TLSInnerPlaintext.content. */
    ENSURE(content_len > 0 || type == CLASP_CT_APPLICATION_DATA,
           CLASP_ERR_INTERNAL);
    if (!clasp_rec_is_protected(d)) {
        return write_plain(d, type, content, content_len, pad_len, w);
    }
    /* RFC 8446 §5: a protected change_cipher_spec is forbidden. */
    ENSURE(type == CLASP_CT_HANDSHAKE || type == CLASP_CT_ALERT ||
               type == CLASP_CT_APPLICATION_DATA,
           CLASP_ERR_INTERNAL);
    /* RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed
     * 2^14 + 1 octets." */
    ENSURE(content_len <= CLASP_MAX_INNER_PLAINTEXT_LEN &&
               pad_len <= CLASP_MAX_INNER_PLAINTEXT_LEN - content_len &&
               content_len + pad_len + 1 <= CLASP_MAX_INNER_PLAINTEXT_LEN,
           CLASP_ERR_INTERNAL);
    TRY(check_seq(d));
    size_t inner_len = content_len + 1 + pad_len;
    size_t body_len = inner_len + d->suite->tag_len;
    ENSURE(clasp_wr_left(w) >= CLASP_RECORD_HEADER_LEN + body_len,
           CLASP_ERR_BUFFER_TOO_SMALL);

    uint8_t *hdr = NULL;
    uint8_t *body = NULL;
    TRY(clasp_wr_reserve(w, CLASP_RECORD_HEADER_LEN, &hdr));
    TRY(clasp_wr_reserve(w, body_len, &body));
    clasp_wr hw = clasp_wr_init(hdr, CLASP_RECORD_HEADER_LEN);
    TRY(clasp_wr_u8(&hw, CLASP_CT_APPLICATION_DATA));
    TRY(clasp_wr_u16(&hw, CLASP_LEGACY_RECORD_VERSION));
    TRY(clasp_wr_u16(&hw, (uint16_t)body_len));
    TRY(clasp_wr_finish(&hw));
    uint8_t nonce[CLASP_AEAD_NONCE_LEN];
    TRY(make_nonce(d, nonce));
    int rc;
    if (d->prov->aead_seal2 != NULL && pad_len == 0) {
        /* The content sealed from where it is, its type after it: no copy
         * of the record into the output buffer first. */
        const uint8_t tail[1] = {type};
        rc =
            d->prov->aead_seal2(d->aead, nonce, hdr, CLASP_RECORD_HEADER_LEN,
                                content, content_len, tail, sizeof(tail), body);
    } else {
        clasp_wr iw = clasp_wr_init(body, inner_len);
        TRY(clasp_wr_bytes(&iw, content, content_len));
        TRY(clasp_wr_u8(&iw, type));
        TRY(clasp_wr_zeros(&iw, pad_len));
        TRY(clasp_wr_finish(&iw));
        rc = d->prov->aead_seal(d->aead, nonce, hdr, CLASP_RECORD_HEADER_LEN,
                                body, inner_len, body);
    }
    if (rc < 0) {
        /* Never leave plaintext in the output buffer. */
        clasp_memzero(body, body_len);
        return rc;
    }
    d->seq++;
    return CLASP_OK;
}

int clasp_rec_write_ccs(clasp_wr *w)
{
    ENSURE(w != NULL, CLASP_ERR_INTERNAL);
    TRY(w->err);
    ENSURE(clasp_wr_left(w) >= CLASP_RECORD_HEADER_LEN + 1,
           CLASP_ERR_BUFFER_TOO_SMALL);
    TRY(clasp_wr_u8(w, CLASP_CT_CHANGE_CIPHER_SPEC));
    TRY(clasp_wr_u16(w, CLASP_LEGACY_RECORD_VERSION));
    TRY(clasp_wr_u16(w, 1));
    TRY(clasp_wr_u8(w, CLASP_CCS_BODY));
    return CLASP_OK;
}

/* RFC 8446 §5: "An implementation may receive an unencrypted record of
 * type change_cipher_spec consisting of the single byte value 0x01 [...]
 * An implementation which receives any other change_cipher_spec value
 * [...] MUST abort the handshake with an "unexpected_message" alert." */
static int check_ccs(clasp_span body)
{
    uint8_t v = 0;
    ENSURE(body.len == 1, CLASP_ERR_UNEXPECTED_MESSAGE);
    TRY(clasp_span_at(body, 0, &v));
    ENSURE(v == CLASP_CCS_BODY, CLASP_ERR_UNEXPECTED_MESSAGE);
    return CLASP_OK;
}

/* Decrypt body (in place) and parse the TLSInnerPlaintext. */
static int open_protected(clasp_rec_dir *d, const uint8_t *hdr, uint8_t *body,
                          size_t body_len, clasp_rec_plain *out)
{
    size_t tag_len = d->suite->tag_len;
    /* Shorter than the tag: cannot authenticate (RFC 8446 §5.2). */
    ENSURE(body_len >= tag_len, CLASP_ERR_BAD_RECORD_MAC);
    TRY(check_seq(d));
    uint8_t nonce[CLASP_AEAD_NONCE_LEN];
    TRY(make_nonce(d, nonce));
    /* RFC 8446 §5.2: "If the decryption fails, the receiver MUST
     * terminate the connection with a "bad_record_mac" alert." seq stays
     * unchanged, so a server skipping rejected 0-RTT records (§4.2.10)
     * goes on with the right nonce. */
    TRY(d->prov->aead_open(d->aead, nonce, hdr, CLASP_RECORD_HEADER_LEN, body,
                           body_len, body));
    d->seq++;

    size_t inner_len = body_len - tag_len;
    clasp_span inner = clasp_span_of(body, inner_len);
    /* RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed
     * 2^14 + 1 octets"; §6.2 record_overflow: "a record decrypted to a
     * TLSPlaintext record with more than 2^14 bytes". */
    ENSURE(inner_len <= CLASP_MAX_INNER_PLAINTEXT_LEN,
           CLASP_ERR_RECORD_OVERFLOW);
    /* RFC 8446 §5.4: scan from the end for the first non-zero octet, the
     * content type; "If a receiving implementation does not find a
     * non-zero octet in the cleartext, it MUST terminate the connection
     * with an "unexpected_message" alert." */
    size_t type_at = 0;
    int rc = clasp_span_last_nonzero(inner, &type_at);
    ENSURE(rc == CLASP_OK, CLASP_ERR_UNEXPECTED_MESSAGE);
    uint8_t type = 0;
    TRY(clasp_span_at(inner, type_at, &type));
    /* RFC 8446 §5: a protected change_cipher_spec, or any unknown type,
     * is unexpected_message. */
    ENSURE(type == CLASP_CT_HANDSHAKE || type == CLASP_CT_ALERT ||
               type == CLASP_CT_APPLICATION_DATA,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    /* RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert
     * records that have a zero-length TLSInnerPlaintext.content; if such
     * a message is received, the receiving implementation MUST terminate
     * the connection with an "unexpected_message" alert." */
    ENSURE(type_at > 0 || type == CLASP_CT_APPLICATION_DATA,
           CLASP_ERR_UNEXPECTED_MESSAGE);
    out->type = type;
    return clasp_span_sub(inner, 0, type_at, &out->content);
}

int clasp_rec_open(clasp_rec_dir *d, uint8_t *rec, size_t rec_len,
                   clasp_rec_plain *out)
{
    ENSURE(d != NULL && rec != NULL && out != NULL, CLASP_ERR_INTERNAL);
    clasp_rd r = clasp_rd_init(rec, rec_len);
    clasp_rec_header h = {0, 0, 0};
    TRY(clasp_rec_header_parse(d, &r, &h));
    /* The caller frames records by the header: exactly one here. */
    ENSURE(clasp_rd_left(&r) == h.length, CLASP_ERR_INTERNAL);

    /* Mutable views of the caller's buffer, for in-place decryption. */
    clasp_wr w = clasp_wr_init(rec, rec_len);
    uint8_t *hdr = NULL;
    uint8_t *body = NULL;
    TRY(clasp_wr_reserve(&w, CLASP_RECORD_HEADER_LEN, &hdr));
    TRY(clasp_wr_reserve(&w, h.length, &body));
    clasp_span fragment = clasp_span_of(body, h.length);

    if (h.type == CLASP_CT_CHANGE_CIPHER_SPEC) {
        TRY(check_ccs(fragment));
        out->type = h.type;
        out->content = fragment;
        return CLASP_OK;
    }
    if (clasp_rec_is_protected(d)) {
        return open_protected(d, hdr, body, h.length, out);
    }
    /* RFC 8446 §5.1: "Application Data messages are always protected." */
    ENSURE(h.type != CLASP_CT_APPLICATION_DATA, CLASP_ERR_UNEXPECTED_MESSAGE);
    out->type = h.type;
    out->content = fragment;
    return CLASP_OK;
}
