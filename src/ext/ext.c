/*
 * The extension registry: one row per known extension, and the only place
 * that enforces the generic rules of RFC 8446 §4.2 (DESIGN.md §3.5).
 *
 * Owns: the row table (allowed_in copied from the RFC 8446 §4.2 table),
 * block parsing (two passes: first the generic rules over the whole block,
 * then the per-extension codecs in wire order) and block writing.
 * Invariants: a row's id is its index; rows are in IANA order; a row whose
 * feature is compiled out is all zero (allowed_in == 0) and behaves as an
 * unknown extension (DESIGN.md §3.11.5). Never looks at a connection: what
 * was sent comes in as a bitmap, what was received goes out as values.
 */
#include "ext/ext.h"

/* Messages where unknown extensions are ignored: RFC 8446 §4.1.2 (CH,
 * "Servers MUST ignore unrecognized extensions"), §4.3.2 (CR), §4.6.1
 * (NST). */
#define UNKNOWN_IGNORED (CLASP_EXT_IN_CH | CLASP_EXT_IN_CR | CLASP_EXT_IN_NST)
/* Messages that carry responses: RFC 8446 §4.2 "Implementations MUST NOT
 * send extension responses if the remote endpoint did not send the
 * corresponding extension requests"; §4.4.2 for Certificate entries. */
#define RESPONSES \
    (CLASP_EXT_IN_SH | CLASP_EXT_IN_HRR | CLASP_EXT_IN_EE | CLASP_EXT_IN_CT)

#define CH CLASP_EXT_IN_CH
#define SH CLASP_EXT_IN_SH
#define HRR CLASP_EXT_IN_HRR
#define EE CLASP_EXT_IN_EE
#define CR CLASP_EXT_IN_CR
#define CT CLASP_EXT_IN_CT
#define NST CLASP_EXT_IN_NST

/* ---- adapters from the typed codecs to the row signature ----------------- */

#define EXT_ADAPT(fn, field)                                                \
    static int fn##_parse_row(uint8_t m, clasp_rd *d, struct clasp_exts *e) \
    {                                                                       \
        return clasp_ext_##fn##_parse(m, d, &e->field);                     \
    }                                                                       \
    static int fn##_write_row(clasp_wr *w, uint8_t m,                       \
                              const struct clasp_exts *e)                   \
    {                                                                       \
        return clasp_ext_##fn##_write(w, m, &e->field);                     \
    }

EXT_ADAPT(server_name, server_name)
EXT_ADAPT(supported_versions, supported_versions)
EXT_ADAPT(supported_groups, supported_groups)
EXT_ADAPT(sig_alg, sig_alg)
EXT_ADAPT(sig_alg_cert, sig_alg_cert)
EXT_ADAPT(key_share, key_share)
EXT_ADAPT(alpn, alpn)
EXT_ADAPT(cookie, cookie)
EXT_ADAPT(certificate_authorities, certificate_authorities)
#if CLASP_WITH_TLS1_3_KEX_PSK || CLASP_WITH_TLS1_3_KEX_PSK_EPHEMERAL
EXT_ADAPT(psk_modes, psk_modes)
EXT_ADAPT(psk, psk)
#endif
#if CLASP_WITH_EARLY_DATA
EXT_ADAPT(early_data, early_data)
#endif

static int padding_parse_row(uint8_t m, clasp_rd *d, struct clasp_exts *e)
{
    return clasp_ext_padding_parse(m, d, &e->padding);
}

static int pha_parse_row(uint8_t m, clasp_rd *d, struct clasp_exts *e)
{
    CLASP_UNUSED(e);
    return clasp_ext_post_handshake_auth_parse(m, d);
}

static int pha_write_row(clasp_wr *w, uint8_t m, const struct clasp_exts *e)
{
    CLASP_UNUSED(e);
    return clasp_ext_post_handshake_auth_write(w, m);
}

static int rsl_parse_row(uint8_t m, clasp_rd *d, struct clasp_exts *e)
{
    return clasp_ext_record_size_limit_parse(m, d, &e->record_size_limit);
}

static int rsl_write_row(clasp_wr *w, uint8_t m, const struct clasp_exts *e)
{
    return clasp_ext_record_size_limit_write(w, m, e->record_size_limit);
}

/* ---- the table ----------------------------------------------------------- */

#define ROW(ID, allowed, parse, write) \
    [CLASP_EXT_ID_##ID] = {            \
        CLASP_EXT_##ID, CLASP_EXT_ID_##ID, (allowed), #ID, (parse), (write)}
#define ROW_RAW(ID, allowed) ROW(ID, allowed, NULL, NULL)
#define ROW_CODEC(ID, allowed, fn) \
    ROW(ID, allowed, fn##_parse_row, fn##_write_row)

/*
 * allowed_in: RFC 8446 §4.2 table; record_size_limit from RFC 8449 and the
 * IANA registry (CH, EE). encrypt_then_mac, extended_master_secret,
 * session_ticket and renegotiation_info are TLS 1.2 extensions (IANA TLS
 * 1.3 column "-"): a ClientHello that also offers TLS 1.2 carries them, so
 * they are allowed in CH only; in any TLS 1.3 server message they are
 * "recognized and not specified for the message" -> illegal_parameter.
 * Raw rows (no codec) keep extension_data unparsed for the handshake.
 */
static const struct clasp_ext_row ext_rows[CLASP_EXT_ID__COUNT] = {
    ROW_CODEC(SERVER_NAME, CH | EE, server_name),
    ROW_RAW(MAX_FRAGMENT_LENGTH, CH | EE),
    ROW_RAW(STATUS_REQUEST, CH | CR | CT),
    ROW_CODEC(SUPPORTED_GROUPS, CH | EE, supported_groups),
    ROW_CODEC(SIG_ALG, CH | CR, sig_alg),
    ROW_RAW(USE_SRTP, CH | EE),
    ROW_RAW(HEARTBEAT, CH | EE),
    ROW_CODEC(ALPN, CH | EE, alpn),
    ROW_RAW(SIGNED_CERTIFICATE_TIMESTAMP, CH | CR | CT),
    ROW_RAW(CLIENT_CERTIFICATE_TYPE, CH | EE),
    ROW_RAW(SERVER_CERTIFICATE_TYPE, CH | EE),
    ROW(PADDING, CH, padding_parse_row, NULL),
    ROW_RAW(ENCRYPT_THEN_MAC, CH),
    ROW_RAW(EXTENDED_MASTER_SECRET, CH),
    ROW(RECORD_SIZE_LIMIT, CH | EE, rsl_parse_row, rsl_write_row),
    ROW_RAW(SESSION_TICKET, CH),
#if CLASP_WITH_TLS1_3_KEX_PSK || CLASP_WITH_TLS1_3_KEX_PSK_EPHEMERAL
    ROW_CODEC(PRE_SHARED_KEY, CH | SH, psk),
#endif
#if CLASP_WITH_EARLY_DATA
    ROW_CODEC(EARLY_DATA, CH | EE | NST, early_data),
#endif
    ROW_CODEC(SUPPORTED_VERSIONS, CH | SH | HRR, supported_versions),
    ROW_CODEC(COOKIE, CH | HRR, cookie),
#if CLASP_WITH_TLS1_3_KEX_PSK || CLASP_WITH_TLS1_3_KEX_PSK_EPHEMERAL
    ROW_CODEC(PSK_KEY_EXCHANGE_MODES, CH, psk_modes),
#endif
    ROW_CODEC(CERTIFICATE_AUTHORITIES, CH | CR, certificate_authorities),
    ROW_RAW(OID_FILTERS, CR),
    ROW(POST_HANDSHAKE_AUTH, CH, pha_parse_row, pha_write_row),
    ROW_CODEC(SIG_ALG_CERT, CH | CR, sig_alg_cert),
    ROW_CODEC(KEY_SHARE, CH | SH | HRR, key_share),
    ROW_RAW(RENEGOTIATION_INFO, CH),
};

const struct clasp_ext_row *clasp_ext_row_by_id(unsigned id)
{
    if (id >= CLASP_EXT_ID__COUNT || ext_rows[id].allowed_in == 0) {
        return NULL;
    }
    return &ext_rows[id];
}

const struct clasp_ext_row *clasp_ext_row_by_iana(uint16_t iana)
{
    /* Linear over ~27 rows: cheaper than it looks, and a 4,096-extension
     * ClientHello stays well under a millisecond. */
    for (unsigned id = 0; id < CLASP_EXT_ID__COUNT; id++) {
        const struct clasp_ext_row *row = clasp_ext_row_by_id(id);
        if (row != NULL && row->iana == iana) {
            return row;
        }
    }
    return NULL;
}

/* ---- helpers ------------------------------------------------------------- */

int clasp_ext_u16_set_add(struct clasp_ext_u16_set *s, uint16_t v)
{
    uint64_t bit = (uint64_t)1 << (v % 64);
    uint64_t *word = &s->w[v / 64];
    if ((*word & bit) != 0) {
        return 1;
    }
    *word |= bit;
    return 0;
}

int clasp_ext_span_eq(clasp_span a, clasp_span b)
{
    if (a.len != b.len) {
        return 0;
    }
    clasp_rd ra = clasp_rd_of_span(a);
    clasp_rd rb = clasp_rd_of_span(b);
    int equal = 1;
    while (clasp_rd_left(&ra) > 0) {
        uint8_t x, y;
        if (clasp_rd_u8(&ra, &x) < 0 || clasp_rd_u8(&rb, &y) < 0) {
            return 0;
        }
        equal &= (x == y);
    }
    return equal;
}

int clasp_ext_u16_list_parse(clasp_rd *list, struct clasp_u16_list *out)
{
    ENSURE(clasp_rd_left(list) % 2 == 0, CLASP_ERR_DECODE);
    out->kept = 0;
    out->count = 0;
    out->raw = clasp_rd_rest(list);
    while (clasp_rd_left(list) > 0) {
        uint16_t v;
        TRY(clasp_rd_u16(list, &v));
        if (out->kept < CLASP_U16_LIST_CAP) {
            out->v[out->kept++] = v;
        }
        out->count++;
    }
    return clasp_rd_done(list);
}

int clasp_ext_u16_list_write(clasp_wr *w, const struct clasp_u16_list *in)
{
    ENSURE(in->kept <= CLASP_U16_LIST_CAP, CLASP_ERR_INTERNAL);
    for (size_t i = 0; i < in->kept; i++) {
        TRY(clasp_wr_u16(w, in->v[i]));
    }
    return CLASP_OK;
}

int clasp_ext_u16_list_has(const struct clasp_u16_list *l, uint16_t v)
{
    if (l->raw.p == NULL) {
        for (size_t i = 0; i < l->kept && i < CLASP_U16_LIST_CAP; i++) {
            if (l->v[i] == v) {
                return 1;
            }
        }
        return 0;
    }
    clasp_rd r = clasp_rd_of_span(l->raw);
    while (clasp_rd_left(&r) >= 2) {
        uint16_t x;
        TRY(clasp_rd_u16(&r, &x));
        if (x == v) {
            return 1;
        }
    }
    return 0;
}

int clasp_ext_u16_list_get(const struct clasp_u16_list *l, size_t i,
                           uint16_t *v)
{
    if (l->raw.p == NULL) {
        ENSURE(i < l->kept && i < CLASP_U16_LIST_CAP, CLASP_ERR_BAD_INPUT_DATA);
        *v = l->v[i];
        return CLASP_OK;
    }
    ENSURE(i < l->count, CLASP_ERR_BAD_INPUT_DATA);
    clasp_span two;
    TRY(clasp_span_sub(l->raw, 2 * i, 2, &two));
    clasp_rd r = clasp_rd_of_span(two);
    return clasp_rd_u16(&r, v);
}

int clasp_exts_require(const struct clasp_exts *e, uint64_t mask)
{
    ENSURE((e->present & mask) == mask, CLASP_ERR_MISSING_EXTENSION);
    return CLASP_OK;
}

/*
 * RFC 8446 §4.2:
 *    struct {
 *        ExtensionType extension_type;
 *        opaque extension_data<0..2^16-1>;
 *    } Extension;
 */
int clasp_ext_next(clasp_rd *block, uint16_t *type, clasp_rd *data)
{
    if (clasp_rd_left(block) == 0) {
        return 0;
    }
    clasp_rd save = *block;
    uint16_t t;
    if (clasp_rd_u16(block, &t) < 0 ||
        clasp_rd_vec16(block, 0, 65535, data) < 0) {
        *block = save;
        BAIL(CLASP_ERR_DECODE);
    }
    *type = t;
    return 1;
}

int clasp_ext_block_find(clasp_span block, uint16_t type, clasp_span *data)
{
    clasp_rd r = clasp_rd_of_span(block);
    int found = 0;
    for (;;) {
        uint16_t t = 0;
        clasp_rd d;
        int more = clasp_ext_next(&r, &t, &d);
        TRY(more);
        if (more == 0) {
            return found;
        }
        if (t == type && !found) {
            *data = clasp_rd_rest(&d);
            found = 1;
        }
    }
}

/* ---- parsing ------------------------------------------------------------- */

static bool is_one_message(uint8_t in_msg)
{
    return in_msg != 0 && (in_msg & (in_msg - 1)) == 0 &&
           in_msg <= CLASP_EXT_IN_NST;
}

/* Pass 1: framing and the generic rules; records what is present. The
 * 8 KiB duplicate set lives only in this frame. */
static int scan_block(clasp_rd *exts, uint8_t in_msg, uint64_t sent_mask,
                      struct clasp_exts *out)
{
    struct clasp_ext_u16_set seen = {{0}};
    bool after_psk = false;
    for (;;) {
        uint16_t type = 0;
        clasp_rd data;
        int more = clasp_ext_next(exts, &type, &data);
        TRY(more);
        if (more == 0) {
            return CLASP_OK;
        }
        /* RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the
         * last extension in the ClientHello ... Servers MUST check that it
         * is the last extension and otherwise fail the handshake with an
         * "illegal_parameter" alert." Checked by type, so it holds even
         * when PSK support is compiled out. */
        ENSURE(!after_psk, CLASP_ERR_ILLEGAL_PARAMETER);
        after_psk =
            (in_msg == CLASP_EXT_IN_CH && type == CLASP_EXT_PRE_SHARED_KEY);
        /* RFC 8446 §4.2: "There MUST NOT be more than one extension of the
         * same type in a given extension block." No alert is named; like
         * BoringSSL we answer decode_error (SECURITY-CHECKLIST row 34). */
        ENSURE(clasp_ext_u16_set_add(&seen, type) == 0, CLASP_ERR_DECODE);

        const struct clasp_ext_row *row = clasp_ext_row_by_iana(type);
        if (row == NULL) {
            /* RFC 8446 §4.2: a response to a request we never sent (we
             * send no unknown types, GREASE included) is
             * unsupported_extension; elsewhere unknown types are ignored. */
            ENSURE((in_msg & UNKNOWN_IGNORED) != 0,
                   CLASP_ERR_UNSUPPORTED_EXTENSION);
            out->unknown_count++;
            continue;
        }
        /* RFC 8446 §4.2: "If an implementation receives an extension which
         * it recognizes and which is not specified for the message in
         * which it appears, it MUST abort the handshake with an
         * "illegal_parameter" alert." (§4.3.1 for EE.) */
        ENSURE((row->allowed_in & in_msg) != 0, CLASP_ERR_ILLEGAL_PARAMETER);
        uint64_t bit = CLASP_EXT_BIT(row->id);
        /* RFC 8446 §4.2 (and §4.1.4, §4.2.2): only cookie may come in a
         * HelloRetryRequest unasked. */
        bool hrr_cookie =
            in_msg == CLASP_EXT_IN_HRR && row->id == CLASP_EXT_ID_COOKIE;
        ENSURE((in_msg & RESPONSES) == 0 || (sent_mask & bit) != 0 ||
                   hrr_cookie,
               CLASP_ERR_UNSUPPORTED_EXTENSION);

        out->present |= bit;
        out->data[row->id] = clasp_rd_rest(&data);
        out->order[out->order_len++] = row->id;
    }
}

int clasp_ext_parse_block(clasp_rd *exts, uint8_t in_msg, uint64_t sent_mask,
                          struct clasp_exts *out)
{
    ENSURE(is_one_message(in_msg), CLASP_ERR_INTERNAL);
    *out = (struct clasp_exts){0};
    TRY(scan_block(exts, in_msg, sent_mask, out));

    /* Pass 2: the per-extension codecs, in wire order. */
    for (size_t i = 0; i < out->order_len; i++) {
        const struct clasp_ext_row *row = clasp_ext_row_by_id(out->order[i]);
        ENSURE(row != NULL, CLASP_ERR_INTERNAL);
        if (row->parse == NULL) {
            continue;
        }
        clasp_rd data = clasp_rd_of_span(out->data[row->id]);
        TRY(row->parse(in_msg, &data, out));
        TRY(clasp_rd_done(&data));
    }
    return CLASP_OK;
}

/* ---- writing ------------------------------------------------------------- */

static int write_one(clasp_wr *w, uint8_t in_msg, const struct clasp_exts *in,
                     unsigned id)
{
    const struct clasp_ext_row *row = clasp_ext_row_by_id(id);
    /* We never emit what RFC 8446 §4.2 forbids in this message. */
    ENSURE(row != NULL && (row->allowed_in & in_msg) != 0, CLASP_ERR_INTERNAL);
    clasp_wr_mark m;
    TRY(clasp_wr_u16(w, row->iana));
    TRY(clasp_wr_vec_open(w, 2, &m));
    if (row->write != NULL) {
        TRY(row->write(w, in_msg, in));
    } else {
        TRY(clasp_wr_bytes(w, in->data[id].p, in->data[id].len));
    }
    return clasp_wr_vec_close(w, &m, 0, 65535);
}

/* ClientHello tail: padding sized so that the whole message reaches its
 * target, then pre_shared_key, which RFC 8446 §4.2.11 requires last. */
static int write_ch_tail(clasp_wr *w, const struct clasp_exts *in,
                         size_t msg_start)
{
    bool has_psk = clasp_exts_has(in, CLASP_EXT_ID_PRE_SHARED_KEY);
    if (clasp_exts_has(in, CLASP_EXT_ID_PADDING)) {
        size_t psk_size = 0;
        if (has_psk) {
            TRY(clasp_ext_psk_ch_size(&in->psk, &psk_size));
            psk_size += 4;
        }
        ENSURE(msg_start <= w->len, CLASP_ERR_INTERNAL);
        size_t unpadded = w->len - msg_start + psk_size;
        size_t data_len;
        int pad = clasp_ext_padding_size(&in->padding, unpadded, &data_len);
        TRY(pad);
        if (pad == 1) {
            clasp_wr_mark m;
            ENSURE(clasp_ext_row_by_id(CLASP_EXT_ID_PADDING) != NULL,
                   CLASP_ERR_INTERNAL);
            TRY(clasp_wr_u16(w, CLASP_EXT_PADDING));
            TRY(clasp_wr_vec_open(w, 2, &m));
            TRY(clasp_ext_padding_write(w, data_len));
            TRY(clasp_wr_vec_close(w, &m, 0, 65535));
        }
    }
    if (has_psk) {
        TRY(write_one(w, CLASP_EXT_IN_CH, in, CLASP_EXT_ID_PRE_SHARED_KEY));
    }
    return CLASP_OK;
}

int clasp_ext_write_block(clasp_wr *w, uint8_t in_msg,
                          const struct clasp_exts *in, size_t msg_start)
{
    ENSURE(is_one_message(in_msg), CLASP_ERR_INTERNAL);
    ENSURE((in->present >> CLASP_EXT_ID__COUNT) == 0, CLASP_ERR_INTERNAL);
    ENSURE(in->order_len <= CLASP_EXT_ID__COUNT, CLASP_ERR_INTERNAL);
    uint64_t tail = 0;
    if (in_msg == CLASP_EXT_IN_CH) {
        tail = CLASP_EXT_BIT(CLASP_EXT_ID_PADDING) |
               CLASP_EXT_BIT(CLASP_EXT_ID_PRE_SHARED_KEY);
    } else {
        /* Padding has no form outside the ClientHello (RFC 7685). */
        ENSURE(!clasp_exts_has(in, CLASP_EXT_ID_PADDING), CLASP_ERR_INTERNAL);
    }

    uint64_t done = 0;
    for (size_t i = 0; i < in->order_len; i++) {
        unsigned id = in->order[i];
        ENSURE(id < CLASP_EXT_ID__COUNT, CLASP_ERR_INTERNAL);
        uint64_t bit = CLASP_EXT_BIT(id);
        ENSURE((in->present & bit) != 0 && (done & bit) == 0,
               CLASP_ERR_INTERNAL);
        if ((tail & bit) == 0) {
            TRY(write_one(w, in_msg, in, id));
        }
        done |= bit;
    }
    for (unsigned id = 0; id < CLASP_EXT_ID__COUNT; id++) {
        uint64_t bit = CLASP_EXT_BIT(id);
        if ((in->present & bit) != 0 && ((done | tail) & bit) == 0) {
            TRY(write_one(w, in_msg, in, id));
        }
    }
    if (in_msg == CLASP_EXT_IN_CH) {
        TRY(write_ch_tail(w, in, msg_start));
    }
    return CLASP_OK;
}
