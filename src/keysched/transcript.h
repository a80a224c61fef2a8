/*
 * The handshake transcript (RFC 8446 §4.4.1): the running hash of the
 * handshake messages, for Derive-Secret, CertificateVerify, Finished and
 * binders.
 *
 * Until the cipher suite (and so the hash) is known, the messages are
 * buffered (bounded); clasp_ts_set_hash() hashes the buffer and from then
 * on every message goes straight into the hash. clasp_ts_hrr_rewrite()
 * replaces ClientHello1 by the synthetic message_hash message when a
 * HelloRetryRequest is sent or received.
 *
 * Each clasp_ts_add() is one whole handshake message (header included):
 * the HelloRetryRequest rewrite relies on the message count.
 */
#ifndef CLASP_KEYSCHED_TRANSCRIPT_H
#define CLASP_KEYSCHED_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/wr.h"
#include "crypto/provider.h"

/* Default bound of the pre-hash buffer: the messages sent before the
 * suite is known (one ClientHello). The connection's handshake reassembly
 * limit must not be larger. */
#define CLASP_TS_DEFAULT_MAX_BUFFER (128 * 1024)

/* RFC 8446 §4: HandshakeType message_hash(254). */
#define CLASP_TS_MESSAGE_HASH_TYPE 254

typedef struct {
    const clasp_provider *prov;
    clasp_hash_id hash; /* CLASP_HASH_NONE until set */
    clasp_hash *h;      /* running hash once the hash is known */
    uint8_t *buf;       /* buffered messages before that (owned) */
    clasp_wr w;         /* writer over buf */
    size_t max_buffer;  /* bound of buf */
    unsigned msg_count; /* messages added (message_hash counts as one) */
    bool hrr_rewritten; /* clasp_ts_hrr_rewrite() done */
} clasp_ts;

/* Empty transcript that buffers up to max_buffer bytes before the hash is
 * known (0: CLASP_TS_DEFAULT_MAX_BUFFER). prov is used for every hash. */
CLASP_MUST_USE int clasp_ts_init(clasp_ts *ts, const clasp_provider *prov,
                                 size_t max_buffer);
/* Release the buffer and the hash. Safe on a zeroed or freed ts. */
void clasp_ts_free(clasp_ts *ts);

/* Append one handshake message. Before the hash is set: buffered, or
 * CLASP_ERR_INTERNAL past max_buffer (allocation failure:
 * CLASP_ERR_ALLOC_FAILED). */
CLASP_MUST_USE int clasp_ts_add(clasp_ts *ts, const uint8_t *msg, size_t len);
/* Fix the hash (once; setting the same hash again is a no-op, another one
 * is CLASP_ERR_INTERNAL) and hash what was buffered. prov must be the one
 * given to clasp_ts_init (or NULL for it). */
CLASP_MUST_USE int clasp_ts_set_hash(clasp_ts *ts, const clasp_provider *prov,
                                     clasp_hash_id hash);
/* Is the hash known? */
bool clasp_ts_has_hash(const clasp_ts *ts);
/* Transcript-Hash of the messages so far (Hash.length bytes to out); the
 * transcript goes on. CLASP_ERR_INTERNAL before clasp_ts_set_hash(). */
CLASP_MUST_USE int clasp_ts_hash(const clasp_ts *ts, uint8_t *out);
/* Transcript-Hash(messages so far || extra) with the given hash, without
 * adding extra: for the PSK binder over a truncated ClientHello
 * (RFC 8446 §4.2.11.2). Works before clasp_ts_set_hash() (hashing the
 * buffer); afterwards hash must be the transcript's. */
CLASP_MUST_USE int clasp_ts_hash_with(const clasp_ts *ts, clasp_hash_id hash,
                                      const uint8_t *extra, size_t extra_len,
                                      uint8_t *out);
/* RFC 8446 §4.4.1: replace ClientHello1 (the only message so far) by
 *     message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
 * Needs the hash set and exactly one message; allowed once. */
CLASP_MUST_USE int clasp_ts_hrr_rewrite(clasp_ts *ts);

#endif
