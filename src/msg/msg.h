/*
 * Handshake message codecs (RFC 8446 §4): pure parsers and writers, one
 * file per message (DESIGN.md §3.4). This header also brings in the wire
 * constants (msg/msg_codes.h) and the extension registry (ext/ext.h), so
 * the handshake layer needs only "msg/msg.h".
 *
 * Conventions for every message:
 *  - clasp_<msg>_parse(body, ..., out): body is the message body (without
 *    the 4-byte handshake header). On success *out is fully overwritten and
 *    its spans borrow from body; bytes left after the last field are
 *    CLASP_ERR_DECODE. On failure *out is unspecified.
 *  - clasp_<msg>_write(w, in): writes the WHOLE handshake message, header
 *    included (what goes into the transcript and the record layer). A
 *    value outside its RFC bounds is CLASP_ERR_INTERNAL (we never emit what
 *    the RFC forbids), a full buffer CLASP_ERR_BUFFER_TOO_SMALL.
 *  - Messages with extensions carry the raw block (extensions) and its
 *    parsed form (exts, see ext/ext.h). Parsers of messages that answer a
 *    request (SH/HRR, EE, Certificate) take ext_sent: the CLASP_EXT_BIT()s
 *    of what we sent, used for the unsolicited-extension rule (§4.2).
 *  - Semantic checks (does the cipher suite match what we offered? is a
 *    server Certificate empty?) are the handshake's; only what the RFC
 *    makes a property of the encoding is checked here.
 */
#ifndef CLASP_MSG_MSG_H
#define CLASP_MSG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"
#include "base/wr.h"
#include "ext/ext.h"
#include "msg/msg_codes.h"

/* Certificate entries kept. More is CLASP_ERR_BAD_CERTIFICATE: the list is
 * well formed, but a chain that long is refused outright
 * (SECURITY-CHECKLIST row 52 "cap chain bytes and depth"; the configurable
 * depth limit, default 10, must stay at or below this cap). */
#define CLASP_CT_MAX_ENTRIES 16

/* ---- framing (RFC 8446 §4) ---------------------------------------------- */

/*
 * RFC 8446 §4:
 *    struct {
 *        HandshakeType msg_type;    -- handshake type
 *        uint24 length;             -- remaining bytes in message
 *        select (Handshake.msg_type) { ... };
 *    } Handshake;
 */
struct clasp_hs_header {
    uint8_t msg_type;
    uint32_t length;
};

/* Read the 4-byte header only (for reassembly: the body may not have
 * arrived yet). CLASP_ERR_DECODE (r unchanged) if fewer than 4 bytes. */
CLASP_MUST_USE int clasp_hs_header_parse(clasp_rd *r,
                                         struct clasp_hs_header *out);
/* Read one complete message: header and body. CLASP_ERR_DECODE (r
 * unchanged) if the body is not all there. */
CLASP_MUST_USE int clasp_hs_msg_parse(clasp_rd *r, uint8_t *msg_type,
                                      clasp_span *body);
/* Start a message: write msg_type and open the uint24 length. */
CLASP_MUST_USE int clasp_hs_msg_open(clasp_wr *w, uint8_t msg_type,
                                     clasp_wr_mark *m);
/* Finish it: back-patch the length (body <0..2^24-1>). */
CLASP_MUST_USE int clasp_hs_msg_close(clasp_wr *w, const clasp_wr_mark *m);

/* ---- ClientHello (client_hello.c) ---------------------------------------- */

struct clasp_ch {
    uint16_t legacy_version;
    uint8_t random[CLASP_RANDOM_LEN];
    clasp_span legacy_session_id;
    struct clasp_u16_list cipher_suites;
    clasp_span legacy_compression_methods;
    /* Parse: legacy_compression_methods is exactly {0}, the only value a
     * TLS 1.3 ClientHello may carry (§4.1.2; else illegal_parameter, a
     * check for the handshake since a TLS 1.2 hello may differ). */
    bool has_null_compression_only;
    /* False: no extensions field at all (a pre-extension hello, §4.1.2);
     * exts is then empty. */
    bool has_extensions;
    clasp_span extensions;
    struct clasp_exts exts;
    /* Parse: length of Truncate(ClientHello), header included, i.e. the
     * offset of the binders<33..2^16-1> length field from the start of
     * the message (§4.2.11.2); 0 without pre_shared_key. */
    size_t truncated_len;
};

CLASP_MUST_USE int clasp_ch_parse(const clasp_span *body, struct clasp_ch *out);
CLASP_MUST_USE int clasp_ch_write(clasp_wr *w, const struct clasp_ch *in);

/* ---- ServerHello and HelloRetryRequest (server_hello.c) ------------------ */

struct clasp_sh {
    uint16_t legacy_version;
    uint8_t random[CLASP_RANDOM_LEN];
    /* random equals the HelloRetryRequest value (§4.1.3). The writer puts
     * that value in by itself when is_hrr is set. */
    bool is_hrr;
    clasp_span legacy_session_id_echo;
    uint16_t cipher_suite;
    uint8_t legacy_compression_method;
    bool has_extensions;
    /* §4.2.1: "Clients MUST check for this extension prior to processing
     * the rest of the ServerHello". False: a TLS 1.2-or-older ServerHello;
     * its extensions are framing-checked only and exts stays empty (the
     * handshake answers protocol_version, or takes a TLS 1.2 path). True:
     * the TLS 1.3 extension rules were applied (in_msg SH or HRR). */
    bool has_supported_versions;
    clasp_span extensions;
    struct clasp_exts exts;
};

CLASP_MUST_USE int clasp_sh_parse(const clasp_span *body, uint64_t ext_sent,
                                  struct clasp_sh *out);
CLASP_MUST_USE int clasp_sh_write(clasp_wr *w, const struct clasp_sh *in);

/* Downgrade sentinel in ServerHello.random (§4.1.3). */
#define CLASP_SH_DOWNGRADE_NONE 0
#define CLASP_SH_DOWNGRADE_TLS12 1 /* 44 4F 57 4E 47 52 44 01 */
#define CLASP_SH_DOWNGRADE_TLS11 2 /* 44 4F 57 4E 47 52 44 00 */
/* Which sentinel the last 8 bytes of random carry (a CLASP_SH_DOWNGRADE_*
 * value); the handshake turns a match on a <= TLS 1.2 path into
 * illegal_parameter (SECURITY-CHECKLIST row 31). */
int clasp_sh_downgrade(const struct clasp_sh *sh);

/* ---- EncryptedExtensions (encrypted_extensions.c) ------------------------ */

struct clasp_ee {
    clasp_span extensions;
    struct clasp_exts exts;
};

CLASP_MUST_USE int clasp_ee_parse(const clasp_span *body, uint64_t ext_sent,
                                  struct clasp_ee *out);
CLASP_MUST_USE int clasp_ee_write(clasp_wr *w, const struct clasp_ee *in);

/* ---- CertificateRequest (certificate_request.c) -------------------------- */

struct clasp_cr {
    clasp_span certificate_request_context;
    clasp_span extensions;
    struct clasp_exts exts;
};

CLASP_MUST_USE int clasp_cr_parse(const clasp_span *body, struct clasp_cr *out);
CLASP_MUST_USE int clasp_cr_write(clasp_wr *w, const struct clasp_cr *in);

/* ---- Certificate (certificate.c) ----------------------------------------- */

struct clasp_ct_entry {
    /* cert_data (X509) or ASN1_subjectPublicKeyInfo (RawPublicKey): the
     * same encoding, opaque<1..2^24-1>. */
    clasp_span cert_data;
    /* Body of the entry's extensions vector: already checked by the
     * registry (in_msg CT); parse it again with clasp_ext_parse_block()
     * for the values (e.g. status_request). Writer: written verbatim. */
    clasp_span extensions;
    uint64_t ext_present; /* parse: which known extensions it carries */
};

struct clasp_ct {
    clasp_span certificate_request_context;
    struct clasp_ct_entry certificate_list[CLASP_CT_MAX_ENTRIES];
    size_t certificate_list_count;
};

CLASP_MUST_USE int clasp_ct_parse(const clasp_span *body, uint64_t ext_sent,
                                  struct clasp_ct *out);
CLASP_MUST_USE int clasp_ct_write(clasp_wr *w, const struct clasp_ct *in);

/* ---- CertificateVerify (certificate_verify.c) ---------------------------- */

struct clasp_cv {
    uint16_t algorithm;
    clasp_span signature;
};

CLASP_MUST_USE int clasp_cv_parse(const clasp_span *body, struct clasp_cv *out);
CLASP_MUST_USE int clasp_cv_write(clasp_wr *w, const struct clasp_cv *in);

/* ---- Finished (finished.c) ----------------------------------------------- */

struct clasp_fin {
    clasp_span verify_data;
};

/* hash_len: Hash.length of the negotiated suite (32 or 48 in practice). */
CLASP_MUST_USE int clasp_fin_parse(const clasp_span *body, size_t hash_len,
                                   struct clasp_fin *out);
CLASP_MUST_USE int clasp_fin_write(clasp_wr *w, const struct clasp_fin *in);

/* ---- NewSessionTicket (new_session_ticket.c) ----------------------------- */

struct clasp_nst {
    uint32_t ticket_lifetime;
    uint32_t ticket_age_add;
    clasp_span ticket_nonce;
    clasp_span ticket;
    clasp_span extensions;
    struct clasp_exts exts; /* early_data: exts.early_data */
};

CLASP_MUST_USE int clasp_nst_parse(const clasp_span *body,
                                   struct clasp_nst *out);
CLASP_MUST_USE int clasp_nst_write(clasp_wr *w, const struct clasp_nst *in);

/* ---- KeyUpdate (key_update.c) -------------------------------------------- */

struct clasp_ku {
    uint8_t request_update; /* CLASP_KEY_UPDATE_* */
};

CLASP_MUST_USE int clasp_ku_parse(const clasp_span *body, struct clasp_ku *out);
CLASP_MUST_USE int clasp_ku_write(clasp_wr *w, const struct clasp_ku *in);

/* ---- EndOfEarlyData (end_of_early_data.c) -------------------------------- */

/* struct {} EndOfEarlyData; C has no empty structs: the member is unused. */
struct clasp_eoed {
    uint8_t unused;
};

CLASP_MUST_USE int clasp_eoed_parse(const clasp_span *body,
                                    struct clasp_eoed *out);
CLASP_MUST_USE int clasp_eoed_write(clasp_wr *w, const struct clasp_eoed *in);

#endif
