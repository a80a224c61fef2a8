/*
 * Handshake transcript (RFC 8446 §4.4.1), buffer-then-hash.
 *
 * Owns: the pre-hash buffer (heap, bounded by max_buffer, grown by
 * doubling, wiped on release) and the running hash handle.
 * Invariants: at most one of buf / h is live: buf while ts->hash is
 * CLASP_HASH_NONE, h afterwards. msg_count counts whole messages; the
 * HelloRetryRequest rewrite replaces exactly one (ClientHello1) and may
 * happen once. Reading the hash never ends the transcript (final on a
 * duplicate).
 * Never: parses messages (the caller adds whole, already checked
 * messages), derives keys, or calls OpenSSL directly.
 */
#include "keysched/transcript.h"

#include "base/mem.h"
#include "clasp/clasp.h"
#include "crypto/suites.h"

#define MIN_BUFFER 1024

int clasp_ts_init(clasp_ts *ts, const clasp_provider *prov, size_t max_buffer)
{
    ENSURE(ts != NULL && prov != NULL, CLASP_ERR_INTERNAL);
    clasp_ts empty = {0};
    *ts = empty;
    ts->prov = prov;
    ts->max_buffer = max_buffer != 0 ? max_buffer : CLASP_TS_DEFAULT_MAX_BUFFER;
    return CLASP_OK;
}

static void release_buffer(clasp_ts *ts)
{
    clasp_free_secret(ts->buf, ts->w.cap);
    ts->buf = NULL;
    ts->w = clasp_wr_init(NULL, 0);
}

void clasp_ts_free(clasp_ts *ts)
{
    if (ts == NULL) {
        return;
    }
    release_buffer(ts);
    if (ts->h != NULL && ts->prov != NULL) {
        ts->prov->hash_free(ts->h);
    }
    ts->h = NULL;
    ts->hash = CLASP_HASH_NONE;
    ts->msg_count = 0;
    ts->hrr_rewritten = false;
}

/* Make room for n more bytes in the pre-hash buffer. */
static int reserve_buffer(clasp_ts *ts, size_t n)
{
    size_t used = ts->w.len;
    ENSURE(n <= ts->max_buffer && used <= ts->max_buffer - n,
           CLASP_ERR_INTERNAL);
    if (n <= clasp_wr_left(&ts->w)) {
        return CLASP_OK;
    }
    size_t cap = ts->w.cap;
    if (cap == 0) {
        cap = MIN_BUFFER < ts->max_buffer ? MIN_BUFFER : ts->max_buffer;
    }
    while (cap < used + n) {
        cap = cap <= ts->max_buffer / 2 ? cap * 2 : ts->max_buffer;
    }
    uint8_t *buf = clasp_mem_calloc(1, cap);
    ENSURE(buf != NULL, CLASP_ERR_ALLOC_FAILED);
    clasp_wr w = clasp_wr_init(buf, cap);
    int rc = clasp_wr_bytes(&w, ts->buf, used);
    if (rc < 0) {
        clasp_mem_free(buf);
        return rc;
    }
    release_buffer(ts);
    ts->buf = buf;
    ts->w = w;
    return CLASP_OK;
}

int clasp_ts_add(clasp_ts *ts, const uint8_t *msg, size_t len)
{
    ENSURE(ts != NULL && ts->prov != NULL && (msg != NULL || len == 0),
           CLASP_ERR_INTERNAL);
    ENSURE(ts->msg_count < UINT32_MAX, CLASP_ERR_INTERNAL);
    if (ts->h != NULL) {
        TRY(ts->prov->hash_update(ts->h, msg, len));
    } else {
        TRY(reserve_buffer(ts, len));
        TRY(clasp_wr_bytes(&ts->w, msg, len));
    }
    ts->msg_count++;
    return CLASP_OK;
}

int clasp_ts_set_hash(clasp_ts *ts, const clasp_provider *prov,
                      clasp_hash_id hash)
{
    ENSURE(ts != NULL && ts->prov != NULL, CLASP_ERR_INTERNAL);
    ENSURE(prov == NULL || prov == ts->prov, CLASP_ERR_INTERNAL);
    ENSURE(hash != CLASP_HASH_NONE && clasp_hash_len(hash) != 0,
           CLASP_ERR_INTERNAL);
    if (ts->h != NULL) {
        /* RFC 8446 §4.4.1: one hash, the negotiated suite's, for the
         * whole handshake. */
        ENSURE(hash == ts->hash, CLASP_ERR_INTERNAL);
        return CLASP_OK;
    }
    clasp_hash *h = NULL;
    TRY(ts->prov->hash_new(ts->prov->ctx, hash, &h));
    clasp_span buffered = clasp_wr_span(&ts->w);
    int rc = ts->prov->hash_update(h, buffered.p, buffered.len);
    if (rc < 0) {
        ts->prov->hash_free(h);
        return rc;
    }
    release_buffer(ts);
    ts->h = h;
    ts->hash = hash;
    return CLASP_OK;
}

bool clasp_ts_has_hash(const clasp_ts *ts)
{
    return ts != NULL && ts->h != NULL;
}

/* Final value of the running hash with extra appended. hash_final works
 * on a copy of its own (provider.h), so without extra there is nothing to
 * duplicate first. */
static int final_of_dup(const clasp_ts *ts, const uint8_t *extra,
                        size_t extra_len, uint8_t *out)
{
    if (extra_len == 0) {
        return ts->prov->hash_final(ts->h, out, clasp_hash_len(ts->hash));
    }
    clasp_hash *copy = NULL;
    TRY(ts->prov->hash_dup(ts->h, &copy));
    int rc = CLASP_OK;
    if (extra_len > 0) {
        rc = ts->prov->hash_update(copy, extra, extra_len);
    }
    if (rc == CLASP_OK) {
        rc = ts->prov->hash_final(copy, out, clasp_hash_len(ts->hash));
    }
    ts->prov->hash_free(copy);
    return rc;
}

int clasp_ts_hash(const clasp_ts *ts, uint8_t *out)
{
    ENSURE(ts != NULL && ts->h != NULL && out != NULL, CLASP_ERR_INTERNAL);
    return final_of_dup(ts, NULL, 0, out);
}

int clasp_ts_hash_with(const clasp_ts *ts, clasp_hash_id hash,
                       const uint8_t *extra, size_t extra_len, uint8_t *out)
{
    ENSURE(ts != NULL && ts->prov != NULL && out != NULL &&
               (extra != NULL || extra_len == 0),
           CLASP_ERR_INTERNAL);
    ENSURE(hash != CLASP_HASH_NONE && clasp_hash_len(hash) != 0,
           CLASP_ERR_INTERNAL);
    if (ts->h != NULL) {
        ENSURE(hash == ts->hash, CLASP_ERR_INTERNAL);
        return final_of_dup(ts, extra, extra_len, out);
    }
    clasp_hash *h = NULL;
    TRY(ts->prov->hash_new(ts->prov->ctx, hash, &h));
    clasp_span buffered = clasp_wr_span(&ts->w);
    int rc = ts->prov->hash_update(h, buffered.p, buffered.len);
    if (rc == CLASP_OK && extra_len > 0) {
        rc = ts->prov->hash_update(h, extra, extra_len);
    }
    if (rc == CLASP_OK) {
        rc = ts->prov->hash_final(h, out, clasp_hash_len(hash));
    }
    ts->prov->hash_free(h);
    return rc;
}

/*
 * RFC 8446 §4.4.1:
 *     Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
 *         Hash(message_hash ||        (Handshake type)
 *              00 00 Hash.length  ||  (Handshake message length (bytes))
 *              Hash(ClientHello1) ||  (Hash of ClientHello1)
 *              HelloRetryRequest  || ... || Mn)
 */
int clasp_ts_hrr_rewrite(clasp_ts *ts)
{
    ENSURE(ts != NULL && ts->h != NULL, CLASP_ERR_INTERNAL);
    /* Only ClientHello1 so far, and only one HelloRetryRequest per
     * handshake (RFC 8446 §4.1.4). */
    ENSURE(ts->msg_count == 1 && !ts->hrr_rewritten, CLASP_ERR_INTERNAL);
    size_t hash_len = clasp_hash_len(ts->hash);
    uint8_t msg[4 + CLASP_MAX_HASH_LEN];
    uint8_t ch1_hash[CLASP_MAX_HASH_LEN];
    TRY(clasp_ts_hash(ts, ch1_hash));
    clasp_wr w = clasp_wr_init(msg, sizeof(msg));
    TRY(clasp_wr_u8(&w, CLASP_TS_MESSAGE_HASH_TYPE));
    TRY(clasp_wr_u24(&w, (uint32_t)hash_len));
    TRY(clasp_wr_bytes(&w, ch1_hash, hash_len));
    TRY(clasp_wr_finish(&w));

    clasp_hash *h = NULL;
    TRY(ts->prov->hash_new(ts->prov->ctx, ts->hash, &h));
    int rc = ts->prov->hash_update(h, msg, w.len);
    if (rc < 0) {
        ts->prov->hash_free(h);
        return rc;
    }
    ts->prov->hash_free(ts->h);
    ts->h = h;
    ts->hrr_rewritten = true;
    return CLASP_OK;
}
