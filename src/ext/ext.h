/*
 * Extensions: the registry (ext.c) and one pure codec per extension
 * (DESIGN.md §3.5, with the agreed change that extension codecs are pure).
 *
 * The registry turns an extension block into a struct clasp_exts: a
 * presence bitmap over dense ids, the raw extension_data of each known
 * extension, and a parsed value per extension. It enforces the generic
 * rules of RFC 8446 §4.2 (duplicates, allowed messages, unsolicited
 * responses, pre_shared_key last). What the values mean (does the server
 * support this group? is a mandatory extension missing?) is decided by the
 * handshake layer, never here.
 *
 * Parsed values hold borrowed spans into the message: they live as long as
 * the message buffer. Lists keep their first N entries in fixed arrays
 * (the rest of the list is still validated, and the *_raw span / *_has()
 * helpers see all of it).
 *
 * Codec conventions:
 *  - clasp_ext_<name>_parse(in_msg, data, out): data is a reader over
 *    exactly the extension_data; the parser must consume all of it.
 *  - clasp_ext_<name>_write(w, in_msg, in): writes the extension_data body
 *    only; the registry writes extension_type and the length.
 *  - in_msg is one CLASP_EXT_IN_* bit and selects the RFC's "select
 *    (Handshake.msg_type)" branch.
 */
#ifndef CLASP_EXT_EXT_H
#define CLASP_EXT_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"
#include "base/wr.h"
#include "clasp/clasp_build_config.h"
#include "msg/msg_codes.h"

/* ---- where an extension may appear (RFC 8446 §4.2 table) ---------------- */

#define CLASP_EXT_IN_CH 0x01u  /* ClientHello */
#define CLASP_EXT_IN_SH 0x02u  /* ServerHello */
#define CLASP_EXT_IN_HRR 0x04u /* HelloRetryRequest */
#define CLASP_EXT_IN_EE 0x08u  /* EncryptedExtensions */
#define CLASP_EXT_IN_CR 0x10u  /* CertificateRequest */
#define CLASP_EXT_IN_CT 0x20u  /* Certificate (each CertificateEntry) */
#define CLASP_EXT_IN_NST 0x40u /* NewSessionTicket */

/* Dense internal ids (registry rows, presence bitmaps). Not wire values. */
enum clasp_ext_id {
    CLASP_EXT_ID_SERVER_NAME,
    CLASP_EXT_ID_MAX_FRAGMENT_LENGTH,
    CLASP_EXT_ID_STATUS_REQUEST,
    CLASP_EXT_ID_SUPPORTED_GROUPS,
    CLASP_EXT_ID_SIG_ALG,
    CLASP_EXT_ID_USE_SRTP,
    CLASP_EXT_ID_HEARTBEAT,
    CLASP_EXT_ID_ALPN,
    CLASP_EXT_ID_SIGNED_CERTIFICATE_TIMESTAMP,
    CLASP_EXT_ID_CLIENT_CERTIFICATE_TYPE,
    CLASP_EXT_ID_SERVER_CERTIFICATE_TYPE,
    CLASP_EXT_ID_PADDING,
    CLASP_EXT_ID_ENCRYPT_THEN_MAC,
    CLASP_EXT_ID_EXTENDED_MASTER_SECRET,
    CLASP_EXT_ID_RECORD_SIZE_LIMIT,
    CLASP_EXT_ID_SESSION_TICKET,
    CLASP_EXT_ID_PRE_SHARED_KEY,
    CLASP_EXT_ID_EARLY_DATA,
    CLASP_EXT_ID_SUPPORTED_VERSIONS,
    CLASP_EXT_ID_COOKIE,
    CLASP_EXT_ID_PSK_KEY_EXCHANGE_MODES,
    CLASP_EXT_ID_CERTIFICATE_AUTHORITIES,
    CLASP_EXT_ID_OID_FILTERS,
    CLASP_EXT_ID_POST_HANDSHAKE_AUTH,
    CLASP_EXT_ID_SIG_ALG_CERT,
    CLASP_EXT_ID_KEY_SHARE,
    CLASP_EXT_ID_RENEGOTIATION_INFO,
    CLASP_EXT_ID__COUNT
};

CLASP_STATIC_ASSERT(CLASP_EXT_ID__COUNT <= 64, "presence masks are 64-bit");

#define CLASP_EXT_BIT(id) ((uint64_t)1 << (id))

/* ---- caps: how many list entries are kept in the fixed arrays ------------ */

#define CLASP_U16_LIST_CAP 64          /* versions, groups, sig algs, suites */
#define CLASP_EXT_KEY_SHARES_CAP 8     /* client_shares kept */
#define CLASP_EXT_PSK_IDENTITIES_CAP 8 /* identities (and binders) kept */
#define CLASP_EXT_ALPN_CAP 16          /* protocol names kept */
#define CLASP_EXT_PSK_MODES_CAP 8      /* ke_modes kept */

/* ---- value types --------------------------------------------------------- */

/* A list of uint16 (cipher suites, versions, groups, signature schemes).
 * v[0..kept) holds the first entries in wire order; count is the number on
 * the wire; raw is the whole list body (count * 2 bytes) when parsed.
 * Writers write v[0..kept) and ignore count and raw. */
struct clasp_u16_list {
    uint16_t v[CLASP_U16_LIST_CAP];
    size_t kept;
    size_t count;
    clasp_span raw;
};

/* server_name (RFC 6066 §3). CH: the one host_name; EE: empty. */
struct clasp_ext_server_name {
    clasp_span host_name;
};

/* supported_versions (RFC 8446 §4.2.1). CH: versions; SH/HRR:
 * selected_version. */
struct clasp_ext_supported_versions {
    struct clasp_u16_list versions;
    uint16_t selected_version;
};

/* RFC 8446 §4.2.8 KeyShareEntry. */
struct clasp_key_share_entry {
    uint16_t group;
    clasp_span key_exchange;
};

/* key_share (RFC 8446 §4.2.8). CH: client_shares (first CAP kept; all
 * validated; client_shares_raw covers the whole list); SH: server_share;
 * HRR: selected_group. */
struct clasp_ext_key_share {
    struct clasp_key_share_entry client_shares[CLASP_EXT_KEY_SHARES_CAP];
    size_t client_shares_kept;
    size_t client_shares_count;
    clasp_span client_shares_raw;
    struct clasp_key_share_entry server_share;
    uint16_t selected_group;
};

/* application_layer_protocol_negotiation (RFC 7301 §3.1). */
struct clasp_ext_alpn {
    clasp_span protocol_name_list[CLASP_EXT_ALPN_CAP];
    size_t protocol_name_list_kept;
    size_t protocol_name_list_count;
    clasp_span protocol_name_list_raw;
};

/* cookie (RFC 8446 §4.2.2). */
struct clasp_ext_cookie {
    clasp_span cookie;
};

/* psk_key_exchange_modes (RFC 8446 §4.2.9). has_* look at the whole list;
 * unknown modes are kept in ke_modes but otherwise ignored. */
struct clasp_ext_psk_modes {
    uint8_t ke_modes[CLASP_EXT_PSK_MODES_CAP];
    size_t ke_modes_kept;
    size_t ke_modes_count;
    bool has_psk_ke;
    bool has_psk_dhe_ke;
};

/* RFC 8446 §4.2.11 PskIdentity. */
struct clasp_psk_identity {
    clasp_span identity;
    uint32_t obfuscated_ticket_age;
};

/* pre_shared_key (RFC 8446 §4.2.11). CH: identities[i] goes with
 * binders[i]; the first CAP pairs are kept, the counts on the wire are
 * equal (checked). binders_len is the byte length of the binders<..>
 * body. SH: selected_identity. */
struct clasp_ext_psk {
    struct clasp_psk_identity identities[CLASP_EXT_PSK_IDENTITIES_CAP];
    clasp_span binders[CLASP_EXT_PSK_IDENTITIES_CAP];
    size_t identities_kept;
    size_t identities_count;
    size_t binders_len;
    uint16_t selected_identity;
};

/* early_data (RFC 8446 §4.2.10). NST: max_early_data_size; CH/EE: empty. */
struct clasp_ext_early_data {
    uint32_t max_early_data_size;
};

/* padding (RFC 7685). Parse: data_len (content not judged). Write: with
 * target_len 0, exactly data_len zero bytes. With target_len > 0 (usually
 * 512): a ClientHello whose unpadded length, header included, is in
 * [256, target_len - 4] is padded to exactly target_len bytes; otherwise
 * the extension is left out (the rule the RFC 8448 traces follow). */
struct clasp_ext_padding {
    size_t data_len;
    size_t target_len;
};

/* certificate_authorities (RFC 8446 §4.2.4): authorities is the body of
 * the DistinguishedName list; iterate with
 * clasp_ext_certificate_authorities_next(). */
struct clasp_ext_certificate_authorities {
    clasp_span authorities;
    size_t authorities_count;
};

/* Everything one extension block carried. */
struct clasp_exts {
    uint64_t present;                     /* CLASP_EXT_BIT(id) */
    clasp_span data[CLASP_EXT_ID__COUNT]; /* raw extension_data */
    uint8_t order[CLASP_EXT_ID__COUNT];   /* known ids, wire order */
    uint8_t order_len;
    size_t unknown_count; /* unknown extensions skipped (CH, CR, NST) */

    struct clasp_ext_server_name server_name;
    struct clasp_ext_supported_versions supported_versions;
    struct clasp_u16_list supported_groups;
    struct clasp_u16_list sig_alg;
    struct clasp_u16_list sig_alg_cert;
    struct clasp_ext_key_share key_share;
    struct clasp_ext_alpn alpn;
    struct clasp_ext_cookie cookie;
    struct clasp_ext_psk_modes psk_modes;
    struct clasp_ext_psk psk;
    struct clasp_ext_early_data early_data;
    struct clasp_ext_padding padding;
    struct clasp_ext_certificate_authorities certificate_authorities;
    uint16_t record_size_limit;
};

/* ---- the registry -------------------------------------------------------- */

typedef int (*clasp_ext_parse_fn)(uint8_t in_msg, clasp_rd *data,
                                  struct clasp_exts *out);
typedef int (*clasp_ext_write_fn)(clasp_wr *w, uint8_t in_msg,
                                  const struct clasp_exts *in);

struct clasp_ext_row {
    uint16_t iana;
    uint8_t id;
    uint8_t allowed_in; /* CLASP_EXT_IN_* mask, RFC 8446 §4.2 */
    const char *name;
    clasp_ext_parse_fn parse; /* NULL: only the raw data is kept */
    clasp_ext_write_fn write; /* NULL: data[id] is written verbatim */
};

/* The row of a wire type, or NULL if unknown (or compiled out). */
const struct clasp_ext_row *clasp_ext_row_by_iana(uint16_t iana);
/* The row of a dense id, or NULL if compiled out / out of range. */
const struct clasp_ext_row *clasp_ext_row_by_id(unsigned id);

/*
 * Parse the body of an extensions<..> vector found in message in_msg
 * (one CLASP_EXT_IN_* bit). sent_mask: for SH, HRR, EE and CT, the
 * CLASP_EXT_BIT()s of the extensions we sent in the request (ClientHello,
 * or CertificateRequest for a client Certificate); ignored for CH, CR, NST.
 * On success *out is filled (and fully overwritten); exts is consumed.
 *
 * Errors (first offending extension, in wire order):
 *  - malformed Extension framing, or a type seen twice (any type, known or
 *    not: RFC 8446 §4.2 "MUST NOT be more than one extension of the same
 *    type") -> CLASP_ERR_DECODE (SECURITY-CHECKLIST rows 34, 36);
 *  - a known extension not allowed in in_msg -> CLASP_ERR_ILLEGAL_PARAMETER
 *    (RFC 8446 §4.2, §4.3.1);
 *  - SH/HRR/EE/CT: an extension we did not send (unknown types included;
 *    cookie in HRR excepted) -> CLASP_ERR_UNSUPPORTED_EXTENSION (§4.2);
 *  - CH: anything after pre_shared_key -> CLASP_ERR_ILLEGAL_PARAMETER
 *    (§4.2.11);
 *  - a malformed known extension: the codec's error.
 * Unknown types are skipped in CH, CR and NST (§4.1.2, §4.3.2, §4.6.1).
 */
CLASP_MUST_USE int clasp_ext_parse_block(clasp_rd *exts, uint8_t in_msg,
                                         uint64_t sent_mask,
                                         struct clasp_exts *out);

/*
 * Write every present extension of in (type, length, body) for message
 * in_msg; the caller opens and closes the surrounding extensions vector.
 * Order: in->order[0..order_len) first, then the other present ones in
 * registry order; in a ClientHello padding and pre_shared_key always come
 * last (RFC 8446 §4.2.11), padding sized with msg_start, the writer
 * offset at which the handshake message header begins. An extension that
 * is not allowed in in_msg, or has no row, is CLASP_ERR_INTERNAL.
 */
CLASP_MUST_USE int clasp_ext_write_block(clasp_wr *w, uint8_t in_msg,
                                         const struct clasp_exts *in,
                                         size_t msg_start);

/* One Extension {type, extension_data<0..2^16-1>} from a block reader.
 * Returns 1 with *type and *data set, 0 at the end of the block,
 * CLASP_ERR_DECODE on bad framing. */
CLASP_MUST_USE int clasp_ext_next(clasp_rd *block, uint16_t *type,
                                  clasp_rd *data);
/* Find the first extension of a type in a block body (framing of the
 * whole block is checked). 1 and *data set if found, 0 if not. */
CLASP_MUST_USE int clasp_ext_block_find(clasp_span block, uint16_t type,
                                        clasp_span *data);

static inline bool clasp_exts_has(const struct clasp_exts *e,
                                  enum clasp_ext_id id)
{
    return (e->present & CLASP_EXT_BIT(id)) != 0;
}

/* Mark an extension present (writer side). */
static inline void clasp_exts_set(struct clasp_exts *e, enum clasp_ext_id id)
{
    e->present |= CLASP_EXT_BIT(id);
}

/* CLASP_ERR_MISSING_EXTENSION unless every extension in mask is present
 * (the handshake picks the mask: RFC 8446 §9.2, §4.2.9, §4.3.2). */
CLASP_MUST_USE int clasp_exts_require(const struct clasp_exts *e,
                                      uint64_t mask);

/* ---- helpers shared by the codecs ---------------------------------------- */

/* Parse a uint16 list body: odd length -> CLASP_ERR_DECODE. */
CLASP_MUST_USE int clasp_ext_u16_list_parse(clasp_rd *list,
                                            struct clasp_u16_list *out);
/* Write v[0..kept) (no length prefix). */
CLASP_MUST_USE int clasp_ext_u16_list_write(clasp_wr *w,
                                            const struct clasp_u16_list *in);
/* 1 if v is anywhere in the list (the whole wire list when parsed). */
CLASP_MUST_USE int clasp_ext_u16_list_has(const struct clasp_u16_list *l,
                                          uint16_t v);
/* Entry i of the whole list (i < count), CLASP_ERR_BAD_INPUT_DATA past
 * the end. */
CLASP_MUST_USE int clasp_ext_u16_list_get(const struct clasp_u16_list *l,
                                          size_t i, uint16_t *v);

/* A set of uint16 values (8 KiB), for O(n) duplicate detection. */
struct clasp_ext_u16_set {
    uint64_t w[65536 / 64];
};
/* 1 if v was already in the set, else 0 (and v is added). */
int clasp_ext_u16_set_add(struct clasp_ext_u16_set *s, uint16_t v);

/* 1 if two spans hold the same bytes, else 0. Public data only (ALPN
 * names, tickets looked up by value): secrets go through clasp_ct_equal. */
int clasp_ext_span_eq(clasp_span a, clasp_span b);

/* ---- per-extension codecs (one file each) -------------------------------- */

/* server_name.c: CH, EE */
CLASP_MUST_USE int
clasp_ext_server_name_parse(uint8_t in_msg, clasp_rd *data,
                            struct clasp_ext_server_name *out);
CLASP_MUST_USE int
clasp_ext_server_name_write(clasp_wr *w, uint8_t in_msg,
                            const struct clasp_ext_server_name *in);

/* supported_versions.c: CH, SH, HRR */
CLASP_MUST_USE int
clasp_ext_supported_versions_parse(uint8_t in_msg, clasp_rd *data,
                                   struct clasp_ext_supported_versions *out);
CLASP_MUST_USE int clasp_ext_supported_versions_write(
    clasp_wr *w, uint8_t in_msg, const struct clasp_ext_supported_versions *in);

/* supported_groups.c: CH, EE */
CLASP_MUST_USE int clasp_ext_supported_groups_parse(uint8_t in_msg,
                                                    clasp_rd *data,
                                                    struct clasp_u16_list *out);
CLASP_MUST_USE int
clasp_ext_supported_groups_write(clasp_wr *w, uint8_t in_msg,
                                 const struct clasp_u16_list *in);

/* signature_algorithms.c: signature_algorithms and _cert, CH, CR */
CLASP_MUST_USE int clasp_ext_sig_alg_parse(uint8_t in_msg, clasp_rd *data,
                                           struct clasp_u16_list *out);
CLASP_MUST_USE int clasp_ext_sig_alg_write(clasp_wr *w, uint8_t in_msg,
                                           const struct clasp_u16_list *in);
CLASP_MUST_USE int clasp_ext_sig_alg_cert_parse(uint8_t in_msg, clasp_rd *data,
                                                struct clasp_u16_list *out);
CLASP_MUST_USE int
clasp_ext_sig_alg_cert_write(clasp_wr *w, uint8_t in_msg,
                             const struct clasp_u16_list *in);

/* key_share.c: CH, SH, HRR */
CLASP_MUST_USE int clasp_ext_key_share_parse(uint8_t in_msg, clasp_rd *data,
                                             struct clasp_ext_key_share *out);
CLASP_MUST_USE int
clasp_ext_key_share_write(clasp_wr *w, uint8_t in_msg,
                          const struct clasp_ext_key_share *in);
/* Find the client share for group in the whole parsed list (not only the
 * kept ones): 1 and *out set if found, 0 if not. */
CLASP_MUST_USE int
clasp_ext_key_share_find(const struct clasp_ext_key_share *ks, uint16_t group,
                         struct clasp_key_share_entry *out);

/* alpn.c: CH, EE */
CLASP_MUST_USE int clasp_ext_alpn_parse(uint8_t in_msg, clasp_rd *data,
                                        struct clasp_ext_alpn *out);
CLASP_MUST_USE int clasp_ext_alpn_write(clasp_wr *w, uint8_t in_msg,
                                        const struct clasp_ext_alpn *in);
/* 1 if name is anywhere in the (whole parsed) list, else 0. */
CLASP_MUST_USE int clasp_ext_alpn_has(const struct clasp_ext_alpn *a,
                                      clasp_span name);

/* cookie.c: CH, HRR */
CLASP_MUST_USE int clasp_ext_cookie_parse(uint8_t in_msg, clasp_rd *data,
                                          struct clasp_ext_cookie *out);
CLASP_MUST_USE int clasp_ext_cookie_write(clasp_wr *w, uint8_t in_msg,
                                          const struct clasp_ext_cookie *in);

/* psk_key_exchange_modes.c: CH */
CLASP_MUST_USE int clasp_ext_psk_modes_parse(uint8_t in_msg, clasp_rd *data,
                                             struct clasp_ext_psk_modes *out);
CLASP_MUST_USE int
clasp_ext_psk_modes_write(clasp_wr *w, uint8_t in_msg,
                          const struct clasp_ext_psk_modes *in);

/* pre_shared_key.c: CH, SH */
CLASP_MUST_USE int clasp_ext_psk_parse(uint8_t in_msg, clasp_rd *data,
                                       struct clasp_ext_psk *out);
CLASP_MUST_USE int clasp_ext_psk_write(clasp_wr *w, uint8_t in_msg,
                                       const struct clasp_ext_psk *in);
/* Bytes the CH form of the extension_data takes (for padding). */
CLASP_MUST_USE int clasp_ext_psk_ch_size(const struct clasp_ext_psk *in,
                                         size_t *size);
/* The binders<33..2^16-1> vector alone (length prefix included), for
 * rewriting the binders after Truncate(ClientHello) was hashed
 * (RFC 8446 §4.2.11.2); it is the last thing in the ClientHello. */
CLASP_MUST_USE int clasp_ext_psk_binders_write(clasp_wr *w,
                                               const struct clasp_ext_psk *in);

/* early_data.c: CH, EE, NST */
CLASP_MUST_USE int clasp_ext_early_data_parse(uint8_t in_msg, clasp_rd *data,
                                              struct clasp_ext_early_data *out);
CLASP_MUST_USE int
clasp_ext_early_data_write(clasp_wr *w, uint8_t in_msg,
                           const struct clasp_ext_early_data *in);

/* padding.c: CH */
CLASP_MUST_USE int clasp_ext_padding_parse(uint8_t in_msg, clasp_rd *data,
                                           struct clasp_ext_padding *out);
/* Write data_len zero bytes. */
CLASP_MUST_USE int clasp_ext_padding_write(clasp_wr *w, size_t data_len);
/* How much padding: unpadded_len is the ClientHello length (header
 * included) without the padding extension. Returns 1 and *data_len when
 * the extension is to be written, 0 when it is left out. */
CLASP_MUST_USE int clasp_ext_padding_size(const struct clasp_ext_padding *p,
                                          size_t unpadded_len,
                                          size_t *data_len);

/* certificate_authorities.c: CH, CR */
CLASP_MUST_USE int clasp_ext_certificate_authorities_parse(
    uint8_t in_msg, clasp_rd *data,
    struct clasp_ext_certificate_authorities *out);
CLASP_MUST_USE int clasp_ext_certificate_authorities_write(
    clasp_wr *w, uint8_t in_msg,
    const struct clasp_ext_certificate_authorities *in);
/* Iterate DistinguishedNames: start with it = reader over authorities;
 * returns 1 and *dn, or 0 at the end. */
CLASP_MUST_USE int clasp_ext_certificate_authorities_next(clasp_rd *it,
                                                          clasp_span *dn);
/* Append one DistinguishedName<1..2^16-1> to a list being built. */
CLASP_MUST_USE int clasp_ext_certificate_authorities_add(clasp_wr *w,
                                                         clasp_span dn);

/* post_handshake_auth.c: CH */
CLASP_MUST_USE int clasp_ext_post_handshake_auth_parse(uint8_t in_msg,
                                                       clasp_rd *data);
CLASP_MUST_USE int clasp_ext_post_handshake_auth_write(clasp_wr *w,
                                                       uint8_t in_msg);

/* record_size_limit.c: CH, EE */
CLASP_MUST_USE int clasp_ext_record_size_limit_parse(uint8_t in_msg,
                                                     clasp_rd *data,
                                                     uint16_t *out);
CLASP_MUST_USE int
clasp_ext_record_size_limit_write(clasp_wr *w, uint8_t in_msg, uint16_t in);

#endif
