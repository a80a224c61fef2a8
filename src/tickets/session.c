/*
 * Client sessions: the tickets a client holds for one server, as a public
 * object (clasp_session) that moves between contexts and, as bytes,
 * between processes (RFC 8446 §4.6.1; API.md: clasp_get_session /
 * clasp_set_session, clasp_session_save / clasp_session_load).
 *
 * Saved form, versioned by its magic and format byte:
 *
 *    struct {
 *        opaque magic[4] = "CLSS";
 *        uint8 format = 1;
 *        SessionTicket tickets<0..2^24-1>;    -- at most 8
 *    } SavedSession;
 *
 *    struct {
 *        ResumptionState state;               -- ticket_state.c
 *        opaque ticket<1..2^16-1>;
 *    } SessionTicket;
 *
 * Loading parses everything through clasp_rd into a scratch session and
 * only then replaces the caller's: anything malformed leaves it as it was
 * and returns CLASP_ERR_BAD_INPUT_DATA (SECURITY-CHECKLIST 45).
 */
#include <string.h>

#include "base/mem.h"
#include "hs/hs.h"
#include "tickets/tickets.h"

#define SESSION_FORMAT 1
static const uint8_t session_magic[4] = {'C', 'L', 'S', 'S'};

struct clasp_session {
    struct clasp_tkt tickets[CLASP_MAX_CLIENT_TICKETS];
    size_t count;
};

static void session_clear(clasp_session *s)
{
    for (size_t i = 0; i < CLASP_MAX_CLIENT_TICKETS; i++) {
        clasp_tkt_clear(&s->tickets[i]);
    }
    s->count = 0;
}

clasp_session *clasp_session_new(void)
{
    return clasp_mem_calloc(1, sizeof(clasp_session));
}

void clasp_session_free(clasp_session *s)
{
    if (s == NULL) {
        return;
    }
    session_clear(s);
    clasp_free_secret(s, sizeof(*s));
}

int clasp_session_ticket_count(const clasp_session *s)
{
    ENSURE(s != NULL, CLASP_ERR_BAD_INPUT_DATA);
    return (int)s->count;
}

/* Copy n tickets into an empty array; on failure nothing is kept. */
static int copy_tickets(struct clasp_tkt *dst, const struct clasp_tkt *src,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = clasp_tkt_copy(&dst[i], &src[i]);
        if (rc < 0) {
            for (size_t j = 0; j < i; j++) {
                clasp_tkt_clear(&dst[j]);
            }
            return rc;
        }
    }
    return CLASP_OK;
}

int clasp_get_session(const clasp_context *c, clasp_session *s)
{
    ENSURE(c != NULL && s != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf != NULL && !c->is_server, CLASP_ERR_BAD_STATE);
    ENSURE(c->ticket_count > 0, CLASP_ERR_NOT_FOUND);
    clasp_session *tmp = clasp_session_new();
    ENSURE(tmp != NULL, CLASP_ERR_ALLOC_FAILED);
    int rc = copy_tickets(tmp->tickets, c->tickets, c->ticket_count);
    if (rc == CLASP_OK) {
        tmp->count = c->ticket_count;
        session_clear(s);
        *s = *tmp;
        clasp_memzero(tmp, sizeof(*tmp));
    }
    clasp_session_free(tmp);
    return rc;
}

int clasp_set_session(clasp_context *c, const clasp_session *s)
{
    ENSURE(c != NULL && s != NULL, CLASP_ERR_BAD_INPUT_DATA);
    ENSURE(c->conf != NULL && !c->is_server, CLASP_ERR_BAD_STATE);
    /* Before the first ClientHello: the offer is chosen when it is
     * written. */
    ENSURE(c->fatal == 0 && c->hs != NULL && c->state == C_START,
           CLASP_ERR_BAD_STATE);
    struct clasp_tkt copy[CLASP_MAX_CLIENT_TICKETS];
    memset(copy, 0, sizeof(copy));
    TRY(copy_tickets(copy, s->tickets, s->count));
    int rc = clasp_hs_tickets_set(c, copy, s->count);
    if (rc < 0) {
        for (size_t i = 0; i < s->count; i++) {
            clasp_tkt_clear(&copy[i]);
        }
    }
    clasp_memzero(copy, sizeof(copy));
    return rc;
}

static int write_session(clasp_wr *w, const clasp_session *s)
{
    clasp_wr_mark all, t;
    TRY(clasp_wr_bytes(w, session_magic, sizeof(session_magic)));
    TRY(clasp_wr_u8(w, SESSION_FORMAT));
    TRY(clasp_wr_vec_open(w, 3, &all));
    for (size_t i = 0; i < s->count; i++) {
        const struct clasp_tkt *tk = &s->tickets[i];
        TRY(clasp_tk_state_write(w, &tk->st));
        TRY(clasp_wr_vec_open(w, 2, &t));
        TRY(clasp_wr_bytes(w, tk->ticket, tk->ticket_len));
        TRY(clasp_wr_vec_close(w, &t, 1, 65535));
    }
    TRY(clasp_wr_vec_close(w, &all, 0, 0xFFFFFF));
    return clasp_wr_finish(w);
}

int clasp_session_save(const clasp_session *s, unsigned char *buf,
                       size_t buf_len, size_t *olen)
{
    ENSURE(s != NULL && olen != NULL, CLASP_ERR_BAD_INPUT_DATA);
    /* The size first, with a writer that only counts. */
    size_t need = 4 + 1 + 3;
    for (size_t i = 0; i < s->count; i++) {
        const struct clasp_tkt *t = &s->tickets[i];
        bool has_cert = (t->st.auth & CLASP_PSK_AUTH_PEER_CERT) != 0;
        need += 1 + 2 + 2 + 8 + 4 + 4 + 4 + 1 + 1 + t->st.psk_len + 1 +
                (has_cert ? 32u : 0u) + 1 + t->st.sni_len + 1 + t->st.alpn_len +
                2 + t->ticket_len;
    }
    *olen = need;
    ENSURE(buf != NULL && buf_len >= need, CLASP_ERR_BUFFER_TOO_SMALL);
    clasp_wr w = clasp_wr_init(buf, buf_len);
    int rc = write_session(&w, s);
    if (rc < 0) {
        clasp_memzero(buf, buf_len);
        return rc == CLASP_ERR_BUFFER_TOO_SMALL ? CLASP_ERR_INTERNAL : rc;
    }
    *olen = w.len;
    return CLASP_OK;
}

static int parse_session(clasp_rd *r, clasp_session *s)
{
    uint8_t magic[4];
    uint8_t format;
    TRY(clasp_rd_copy(r, magic, sizeof(magic)));
    ENSURE(clasp_ct_equal(magic, session_magic, sizeof(magic)),
           CLASP_ERR_DECODE);
    TRY(clasp_rd_u8(r, &format));
    ENSURE(format == SESSION_FORMAT, CLASP_ERR_DECODE);
    clasp_rd all;
    TRY(clasp_rd_vec24(r, 0, 0xFFFFFF, &all));
    TRY(clasp_rd_done(r));
    while (clasp_rd_left(&all) > 0) {
        ENSURE(s->count < CLASP_MAX_CLIENT_TICKETS, CLASP_ERR_DECODE);
        struct clasp_tkt *tk = &s->tickets[s->count];
        TRY(clasp_tk_state_parse(&all, &tk->st));
        clasp_rd ticket;
        TRY(clasp_rd_vec16(&all, 1, 65535, &ticket));
        clasp_span t = clasp_rd_rest(&ticket);
        ENSURE(t.len <= CLASP_MAX_CLIENT_TICKET_LEN, CLASP_ERR_DECODE);
        tk->ticket = clasp_mem_calloc(1, t.len);
        ENSURE(tk->ticket != NULL, CLASP_ERR_ALLOC_FAILED);
        tk->ticket_len = t.len;
        s->count++;
        TRY(clasp_span_copy(t, tk->ticket, tk->ticket_len));
    }
    return CLASP_OK;
}

int clasp_session_load(clasp_session *s, const unsigned char *buf, size_t len)
{
    ENSURE(s != NULL && (buf != NULL || len == 0), CLASP_ERR_BAD_INPUT_DATA);
    clasp_session *tmp = clasp_session_new();
    ENSURE(tmp != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_rd r = clasp_rd_init(buf, len);
    int rc = parse_session(&r, tmp);
    if (rc == CLASP_OK) {
        session_clear(s);
        *s = *tmp;
        clasp_memzero(tmp, sizeof(*tmp));
    } else if (rc != CLASP_ERR_ALLOC_FAILED) {
        rc = CLASP_ERR_BAD_INPUT_DATA;
    }
    clasp_session_free(tmp);
    return rc;
}
