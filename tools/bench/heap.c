/*
 * Heap accounting. Two sets of hooks feed the same counters:
 *   - clasp_set_allocator(): every allocation clasp itself makes;
 *   - CRYPTO_set_mem_functions(): every allocation libcrypto and libssl
 *     make (OPENSSL_malloc and friends), told apart by the source file
 *     libcrypto passes along (libssl's files live under ssl/).
 * Each block carries a small header with its size, its owner (the side
 * that was running when it was allocated: server, client, or the harness)
 * and its source, so that a free is charged to the right counters.
 *
 * The hooks run only in the child process that measures heap figures
 * (main.c): timed runs never pay for them.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clasp/clasp.h"

typedef struct {
    size_t size;
    unsigned char owner;
    unsigned char src;
} heap_hdr;

/* Keeps the payload as aligned as malloc's own result. */
#define HDR_LEN 16
_Static_assert(sizeof(heap_hdr) <= HDR_LEN, "header fits");

static heap_stats st;
static int owner = BENCH_HARNESS;
static int installed;
static int split_seen;

void heap_set_owner(int o)
{
    owner = o >= 0 && o < HEAP_OWNERS ? o : BENCH_HARNESS;
}

static void account(int o, int src, long long delta, int is_call)
{
    st.live[o][src] += delta;
    if (is_call) {
        st.calls[o][src]++;
    }
    long long sum = 0;
    for (int s = 0; s < HEAP_SRCS; s++) {
        sum += st.live[o][s];
    }
    if (sum > st.peak[o]) {
        st.peak[o] = sum;
    }
}

static void *wrap(unsigned char *raw, size_t size, int src)
{
    heap_hdr h = {size, (unsigned char)owner, (unsigned char)src};
    memcpy(raw, &h, sizeof(h));
    account(owner, src, (long long)size, 1);
    return raw + HDR_LEN;
}

static heap_hdr *hdr_of(void *p)
{
    return (heap_hdr *)(void *)((unsigned char *)p - HDR_LEN);
}

static void unwrap_free(void *p)
{
    if (p == NULL) {
        return;
    }
    heap_hdr *h = hdr_of(p);
    account(h->owner, h->src, -(long long)h->size, 0);
    free(h);
}

/* ---- clasp hooks -------------------------------------------------------- */

static void *h_calloc(size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - HDR_LEN) / size) {
        return NULL;
    }
    unsigned char *raw = calloc(1, n * size + HDR_LEN);
    if (raw == NULL) {
        return NULL;
    }
    return wrap(raw, n * size, HEAP_SRC_CLASP);
}

static void h_free(void *p)
{
    unwrap_free(p);
}

/* ---- libcrypto hooks ---------------------------------------------------- */

/* libssl's sources are ssl/...; libcrypto's crypto/, providers/, ... */
static int src_of(const char *file)
{
    if (file == NULL) {
        return HEAP_SRC_CRYPTO;
    }
    split_seen = 1;
    const char *s = strstr(file, "ssl/");
    if (s != NULL && (s == file || s[-1] == '/')) {
        return HEAP_SRC_LIBSSL;
    }
    return HEAP_SRC_CRYPTO;
}

static void *h_malloc(size_t n, const char *file, int line)
{
    (void)line;
    if (n > SIZE_MAX - HDR_LEN) {
        return NULL;
    }
    unsigned char *raw = malloc(n + HDR_LEN);
    if (raw == NULL) {
        return NULL;
    }
    return wrap(raw, n, src_of(file));
}

static void *h_realloc(void *p, size_t n, const char *file, int line)
{
    if (p == NULL) {
        return h_malloc(n, file, line);
    }
    if (n == 0) {
        unwrap_free(p);
        return NULL;
    }
    if (n > SIZE_MAX - HDR_LEN) {
        return NULL;
    }
    heap_hdr old;
    memcpy(&old, hdr_of(p), sizeof(old));
    unsigned char *raw = realloc(hdr_of(p), n + HDR_LEN);
    if (raw == NULL) {
        return NULL;
    }
    /* The block keeps its owner; the call counts for whoever runs. */
    heap_hdr h = {n, old.owner, old.src};
    memcpy(raw, &h, sizeof(h));
    st.calls[owner][old.src]++;
    account(old.owner, old.src, (long long)n - (long long)old.size, 0);
    return raw + HDR_LEN;
}

static void h_cfree(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    unwrap_free(p);
}

int heap_install(void)
{
    if (CRYPTO_set_mem_functions(h_malloc, h_realloc, h_cfree) != 1) {
        return -1;
    }
    if (clasp_set_allocator(h_calloc, h_free) != 0) {
        return -1;
    }
    installed = 1;
    return 0;
}

int heap_installed(void)
{
    return installed;
}

void heap_get(heap_stats *out)
{
    *out = st;
}

void heap_reset_peak(int o)
{
    long long sum = 0;
    for (int s = 0; s < HEAP_SRCS; s++) {
        sum += st.live[o][s];
    }
    st.peak[o] = sum;
}

long long heap_live(const heap_stats *s, int o)
{
    long long sum = 0;
    for (int i = 0; i < HEAP_SRCS; i++) {
        sum += s->live[o][i];
    }
    return sum;
}

int heap_split_known(void)
{
    return split_seen;
}
