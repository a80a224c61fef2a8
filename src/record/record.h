/*
 * TLS 1.3 record protection (RFC 8446 §5), one direction at a time.
 *
 * A clasp_rec_dir is either plaintext (no AEAD: before the first key
 * change) or protected (AEAD handle + static IV + 64-bit sequence
 * number). The record layer never sees traffic secrets: the caller
 * derives key and IV (clasp_ks_traffic_keys) and installs them.
 *
 * Input: the caller reads the 5-byte header, checks it with
 * clasp_rec_header_parse() BEFORE buffering or decrypting the body, then
 * hands the whole record to clasp_rec_open(), which decrypts it in place.
 * Output: clasp_rec_seal() writes header + (encrypted) fragment into the
 * caller's clasp_wr; nothing is allocated.
 */
#ifndef CLASP_RECORD_RECORD_H
#define CLASP_RECORD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"
#include "base/span.h"
#include "base/wr.h"
#include "crypto/provider.h"
#include "crypto/suites.h"

/* RFC 8446 §5.1: type(1) legacy_record_version(2) length(2). */
#define CLASP_RECORD_HEADER_LEN 5
/* RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define CLASP_MAX_FRAGMENT_LEN 16384
/* RFC 8446 §5.4: the full encoded TLSInnerPlaintext (content, type,
 * padding) MUST NOT exceed 2^14 + 1 octets. */
#define CLASP_MAX_INNER_PLAINTEXT_LEN (CLASP_MAX_FRAGMENT_LEN + 1)
/* RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256. */
#define CLASP_MAX_CIPHERTEXT_LEN (CLASP_MAX_FRAGMENT_LEN + 256)
/* Largest record on the wire: an input buffer of this size always holds
 * one whole record. */
#define CLASP_MAX_RECORD_LEN \
    (CLASP_RECORD_HEADER_LEN + CLASP_MAX_CIPHERTEXT_LEN)

/* RFC 8446 §5.1: enum { ... } ContentType. */
#define CLASP_CT_INVALID 0
#define CLASP_CT_CHANGE_CIPHER_SPEC 20
#define CLASP_CT_ALERT 21
#define CLASP_CT_HANDSHAKE 22
#define CLASP_CT_APPLICATION_DATA 23

/* RFC 8446 §5.1: legacy_record_version 0x0303 for every record we send,
 * except that an initial ClientHello MAY use 0x0301. */
#define CLASP_LEGACY_RECORD_VERSION 0x0303
#define CLASP_LEGACY_RECORD_VERSION_INITIAL_CH 0x0301

/* RFC 8446 §5: the body of a compatibility change_cipher_spec record. */
#define CLASP_CCS_BODY 0x01

/* A parsed record header. */
typedef struct {
    uint8_t type;
    uint16_t legacy_record_version; /* as received; never acted upon */
    uint16_t length;
} clasp_rec_header;

/* An opened record: the (inner) content type and its content, which
 * points into the caller's record buffer. */
typedef struct {
    uint8_t type;
    clasp_span content;
} clasp_rec_plain;

/* One direction (read or write) of record protection. */
typedef struct {
    const clasp_provider *prov;
    const clasp_suite *suite;         /* NULL while plaintext */
    clasp_aead *aead;                 /* NULL: plaintext */
    uint8_t iv[CLASP_AEAD_NONCE_LEN]; /* static write IV (RFC 8446 §7.3) */
    uint64_t seq;                     /* next record's sequence number */
    /* legacy_record_version written on plaintext records: 0x0303, or
     * 0x0301 while the client writes its initial ClientHello. */
    uint16_t plain_version;
} clasp_rec_dir;

/* A plaintext direction (the state at the start of a connection). */
CLASP_MUST_USE int clasp_rec_dir_init(clasp_rec_dir *d,
                                      const clasp_provider *prov);
/* Install keys (RFC 8446 §7.3 key and 12-byte iv of the suite) and reset
 * the sequence number to 0 (RFC 8446 §5.3). Replaces any previous key.
 * The caller may wipe key and iv afterwards. */
CLASP_MUST_USE int clasp_rec_install(clasp_rec_dir *d, const clasp_suite *suite,
                                     const uint8_t *key, const uint8_t *iv);
/* Free the AEAD, wipe the IV: back to plaintext (or a dead direction at
 * teardown). Safe on a zeroed or cleared direction. */
void clasp_rec_clear(clasp_rec_dir *d);
/* Is an AEAD installed? */
bool clasp_rec_is_protected(const clasp_rec_dir *d);
/* RFC 8446 §5.5: true once the sequence number reached the suite's
 * confidentiality limit; the writer must send KeyUpdate (and the reader
 * should expect one). Always false for a plaintext direction. */
bool clasp_rec_should_rekey(const clasp_rec_dir *d);

/* Read and check a 5-byte record header from r, before the body is read
 * or decrypted (RFC 8446 §5.1, §5.2). Errors: fewer than 5 bytes ->
 * CLASP_ERR_DECODE (r unchanged; the caller waits for more); unknown type
 * -> UNEXPECTED_MESSAGE; length > 2^14 + 256 (> 2^14 for plaintext) ->
 * RECORD_OVERFLOW; protected direction and type other than
 * application_data / change_cipher_spec -> UNEXPECTED_MESSAGE; empty
 * plaintext handshake/alert/change_cipher_spec -> UNEXPECTED_MESSAGE. */
CLASP_MUST_USE int clasp_rec_header_parse(const clasp_rec_dir *d, clasp_rd *r,
                                          clasp_rec_header *h);

/* Bytes clasp_rec_seal() writes for content_len bytes of content and
 * pad_len bytes of padding (header included). */
size_t clasp_rec_sealed_len(const clasp_rec_dir *d, size_t content_len,
                            size_t pad_len);

/* Write one record of the given type. Protected direction (RFC 8446
 * §5.2): TLSInnerPlaintext = content || type || zeros(pad_len), sealed
 * with AAD = the header, nonce = iv XOR seq; then seq++. Plaintext
 * direction: a TLSPlaintext record (pad_len must be 0). The record must
 * fit in w (else CLASP_ERR_BUFFER_TOO_SMALL with w untouched). What we
 * must never send is CLASP_ERR_INTERNAL: inner plaintext > 2^14 + 1,
 * empty handshake/alert content, plaintext application_data,
 * change_cipher_spec (use clasp_rec_write_ccs), an exhausted sequence
 * number. */
CLASP_MUST_USE int clasp_rec_seal(clasp_rec_dir *d, uint8_t type,
                                  const uint8_t *content, size_t content_len,
                                  size_t pad_len, clasp_wr *w);
/* The compatibility-mode change_cipher_spec record (RFC 8446 §5, D.4):
 * always unprotected, whatever the direction's state. */
CLASP_MUST_USE int clasp_rec_write_ccs(clasp_wr *w);

/* Open one whole record rec[0..rec_len) (header + body, as checked by
 * clasp_rec_header_parse) in place. Protected direction: decrypt
 * (failure -> CLASP_ERR_BAD_RECORD_MAC, seq unchanged, body wiped), seq++,
 * strip the zero padding; TLSInnerPlaintext > 2^14 + 1 ->
 * RECORD_OVERFLOW; no non-zero octet, inner type change_cipher_spec or
 * unknown, empty handshake/alert -> UNEXPECTED_MESSAGE. An unprotected
 * change_cipher_spec record is passed through (type 20) if its body is
 * exactly 0x01 (else UNEXPECTED_MESSAGE); whether one is allowed at this
 * point is the caller's decision (RFC 8446 §5). Plaintext direction: the
 * fragment as is; application_data there is UNEXPECTED_MESSAGE (a server
 * skipping rejected 0-RTT records decides that from the header first). */
CLASP_MUST_USE int clasp_rec_open(clasp_rec_dir *d, uint8_t *rec,
                                  size_t rec_len, clasp_rec_plain *out);

#endif
