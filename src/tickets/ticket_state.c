/*
 * The byte format of resumption state: the plaintext inside our tickets,
 * and each ticket of a saved client session. Pure codec, like the message
 * codecs: bytes in through clasp_rd, bytes out through clasp_wr; every
 * field is checked against what we could have written, so a forged or
 * garbled state is refused (SECURITY-CHECKLIST 45).
 *
 * Our own format, versioned by its first byte (CLASP_TK_STATE_FORMAT):
 *
 *    struct {
 *        uint8 format = 1;
 *        ProtocolVersion version;            -- 0x0304
 *        CipherSuite cipher_suite;           -- a TLS 1.3 suite we know
 *        uint64 created_ms;
 *        uint32 lifetime;                    -- 1..604800 s (§4.6.1)
 *        uint32 ticket_age_add;
 *        uint32 max_early_data;
 *        uint8 auth;                         -- CLASP_PSK_AUTH_* bits
 *        opaque psk<32..64>;                 -- Hash.length of the suite
 *        opaque peer_cert_hash<0..32>;       -- 0 or 32 bytes
 *        opaque sni<0..253>;
 *        opaque alpn<0..255>;
 *    } ResumptionState;
 */
#include <string.h>

#include "base/mem.h"
#include "clasp/clasp.h"
#include "crypto/suites.h"
#include "tickets/tickets.h"

#define AUTH_BITS (CLASP_PSK_AUTH_PEER_CERT | CLASP_PSK_AUTH_PEER_OK)

int clasp_tk_state_write(clasp_wr *w, const struct clasp_psk_state *st)
{
    const clasp_suite *s = clasp_suite_find(st->suite);
    ENSURE(s != NULL && st->psk_len == s->hash_len, CLASP_ERR_INTERNAL);
    ENSURE(st->sni_len <= sizeof(st->sni) && st->alpn_len <= sizeof(st->alpn),
           CLASP_ERR_INTERNAL);
    bool has_cert = (st->auth & CLASP_PSK_AUTH_PEER_CERT) != 0;
    clasp_wr_mark m;
    TRY(clasp_wr_u8(w, CLASP_TK_STATE_FORMAT));
    TRY(clasp_wr_u16(w, st->version));
    TRY(clasp_wr_u16(w, st->suite));
    TRY(clasp_wr_u64(w, st->created_ms));
    TRY(clasp_wr_u32(w, st->lifetime));
    TRY(clasp_wr_u32(w, st->age_add));
    TRY(clasp_wr_u32(w, st->max_early_data));
    TRY(clasp_wr_u8(w, st->auth));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, st->psk, st->psk_len));
    TRY(clasp_wr_vec_close(w, &m, 32, CLASP_MAX_HASH_LEN));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, st->peer_cert_hash,
                       has_cert ? sizeof(st->peer_cert_hash) : 0));
    TRY(clasp_wr_vec_close(w, &m, 0, 32));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, st->sni, st->sni_len));
    TRY(clasp_wr_vec_close(w, &m, 0, 253));
    TRY(clasp_wr_vec_open(w, 1, &m));
    TRY(clasp_wr_bytes(w, st->alpn, st->alpn_len));
    return clasp_wr_vec_close(w, &m, 0, 255);
}

int clasp_tk_state_parse(clasp_rd *r, struct clasp_psk_state *st)
{
    memset(st, 0, sizeof(*st));
    uint8_t format;
    TRY(clasp_rd_u8(r, &format));
    ENSURE(format == CLASP_TK_STATE_FORMAT, CLASP_ERR_DECODE);
    TRY(clasp_rd_u16(r, &st->version));
    ENSURE(st->version == CLASP_VERSION_TLS1_3, CLASP_ERR_DECODE);
    TRY(clasp_rd_u16(r, &st->suite));
    const clasp_suite *s = clasp_suite_find(st->suite);
    ENSURE(s != NULL, CLASP_ERR_DECODE);
    TRY(clasp_rd_u64(r, &st->created_ms));
    TRY(clasp_rd_u32(r, &st->lifetime));
    /* RFC 8446 §4.6.1: at most 7 days; 0 means "discard". */
    ENSURE(st->lifetime >= 1 && st->lifetime <= CLASP_TICKET_MAX_LIFETIME,
           CLASP_ERR_DECODE);
    TRY(clasp_rd_u32(r, &st->age_add));
    TRY(clasp_rd_u32(r, &st->max_early_data));
    TRY(clasp_rd_u8(r, &st->auth));
    ENSURE((st->auth & ~AUTH_BITS) == 0, CLASP_ERR_DECODE);

    clasp_rd psk, peer_cert_hash, sni, alpn;
    TRY(clasp_rd_vec8(r, 32, CLASP_MAX_HASH_LEN, &psk));
    ENSURE(clasp_rd_left(&psk) == s->hash_len, CLASP_ERR_DECODE);
    st->psk_len = s->hash_len;
    TRY(clasp_rd_copy(&psk, st->psk, st->psk_len));
    TRY(clasp_rd_vec8(r, 0, 32, &peer_cert_hash));
    bool has_cert = (st->auth & CLASP_PSK_AUTH_PEER_CERT) != 0;
    ENSURE(clasp_rd_left(&peer_cert_hash) == (has_cert ? 32u : 0u),
           CLASP_ERR_DECODE);
    if (has_cert) {
        TRY(clasp_rd_copy(&peer_cert_hash, st->peer_cert_hash, 32));
    }
    TRY(clasp_rd_vec8(r, 0, 253, &sni));
    st->sni_len = clasp_rd_left(&sni);
    TRY(clasp_rd_copy(&sni, st->sni, st->sni_len));
    TRY(clasp_rd_vec8(r, 0, 255, &alpn));
    st->alpn_len = clasp_rd_left(&alpn);
    return clasp_rd_copy(&alpn, st->alpn, st->alpn_len);
}
