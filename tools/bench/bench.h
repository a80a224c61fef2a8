/*
 * clasp-bench: the same TLS 1.3 work through clasp and through OpenSSL's
 * libssl, in one process, single-threaded, bytes passed through memory.
 * Shared declarations of the bench's files (see docs/PERFORMANCE.md).
 *
 * Every contender (clasp, libssl, the crypto floor) implements the same
 * small interface (bench_impl): a "figure" (full handshakes, resumed
 * handshakes, bulk transfer) is set up once, then run in batches whose
 * per-side CPU time is metered; main.c interleaves the contenders' batches
 * round by round and takes medians.
 *
 * Sides: for handshakes BENCH_SERVER / BENCH_CLIENT; for bulk transfer the
 * same slots hold the receiver (reads, decrypt) and the sender (writes,
 * encrypt).
 *
 * libssl is used here and only here: it is linked into this executable,
 * never into libclasp.
 */
#ifndef CLASP_BENCH_H
#define CLASP_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BENCH_SERVER 0
#define BENCH_CLIENT 1
#define BENCH_HARNESS 2 /* heap accounting only: the bench's own work */
#define BENCH_SIDES 2
/* Bulk transfer reuses the two slots. */
#define BENCH_RECEIVER BENCH_SERVER
#define BENCH_SENDER BENCH_CLIENT

/* Read buffer of every contender: one full record. */
#define CLASP_BENCH_READ_LEN 16384

#define BENCH_KEY_ECDSA 0
#define BENCH_KEY_RSA 1

/* What a figure measures. */
typedef enum {
    FIG_FULL = 0, /* full handshake, (EC)DHE + certificate */
    FIG_RESUMED,  /* resumed handshake, psk_dhe_ke */
    FIG_BULK,     /* application data, one direction */
} bench_fig_kind;

typedef struct {
    bench_fig_kind kind;
    int key;         /* BENCH_KEY_*, handshakes */
    uint16_t suite;  /* IANA id */
    size_t rec_len;  /* bulk: bytes per write */
    size_t batch;    /* bulk: writes per batch */
    const char *pki; /* directory of the test PKI (tests/pki) */
} bench_fig;

/* ---- metering ------------------------------------------------------------
 * A meter accumulates the CPU time (CLOCK_THREAD_CPUTIME_ID) of each side
 * between meter_on() and meter_off(); drivers wrap every call a side makes
 * (object creation, handshake steps, reads/writes, destruction). The same
 * calls tag heap allocations with the running side and, under callgrind,
 * toggle instruction collection for the side being profiled. */
typedef struct {
    double cpu[BENCH_SIDES]; /* seconds */
    unsigned long intervals[BENCH_SIDES];
    int side; /* running side, or -1 */
    struct timespec t0;
} bench_meter;

void meter_reset(bench_meter *m);
void meter_on(bench_meter *m, int side);
void meter_off(bench_meter *m);
/* CPU seconds of side, less the calibrated cost of the clock reads. */
double meter_cpu(const bench_meter *m, int side);
/* Measure what one empty on/off interval costs (call once at start). */
void meter_calibrate(void);
double meter_overhead(void);

/* ---- callgrind --------------------------------------------------------- */
/* Side whose calls are collected under callgrind (-1: none). */
extern int bench_cg_side;
/* Collect (or stop collecting) now: CALLGRIND_TOGGLE_COLLECT. */
void bench_cg_toggle(void);
/* Dump the counters collected so far under a name. */
void bench_cg_dump(const char *name);
/* Is the bench running under valgrind, built with its headers? */
int bench_cg_available(void);

/* ---- heap accounting (heap.c) ------------------------------------------ */
#define HEAP_SRC_CLASP 0  /* clasp's allocator hooks */
#define HEAP_SRC_CRYPTO 1 /* CRYPTO_set_mem_functions, libcrypto code */
#define HEAP_SRC_LIBSSL 2 /* CRYPTO_set_mem_functions, libssl code */
#define HEAP_SRCS 3
#define HEAP_OWNERS 3 /* BENCH_SERVER, BENCH_CLIENT, BENCH_HARNESS */

typedef struct {
    long long live[HEAP_OWNERS][HEAP_SRCS];  /* bytes held, by owner */
    long long calls[HEAP_OWNERS][HEAP_SRCS]; /* allocation calls */
    long long peak[HEAP_OWNERS];             /* peak of the owner's sum */
} heap_stats;

/* Install the hooks (clasp_set_allocator and CRYPTO_set_mem_functions);
 * must run before libcrypto allocates anything. 0, or -1 when libcrypto
 * refused (it had allocated already). */
int heap_install(void);
int heap_installed(void);
/* Who allocates from now on. */
void heap_set_owner(int owner);
void heap_get(heap_stats *out);
/* Start a new peak for owner at its current live bytes. */
void heap_reset_peak(int owner);
long long heap_live(const heap_stats *s, int owner);
/* Was the libssl/libcrypto split possible (libcrypto reports file names)? */
int heap_split_known(void);

/* ---- contenders --------------------------------------------------------- */
typedef struct bench_impl {
    const char *name;
    /* Why a figure kind is not available (NULL: it is). */
    const char *(*unavailable)(bench_fig_kind kind);
    /* Set up a figure (configs, keys, a connected pair for bulk). */
    void *(*fig_new)(const bench_fig *fig);
    /* Run n handshakes, or n bulk batches, metering each side into m.
     * 0, or -1 after printing the error. */
    int (*fig_run)(void *st, int n, bench_meter *m);
    void (*fig_free)(void *st);
} bench_impl;

extern const bench_impl bench_clasp;
extern const bench_impl bench_libssl;
extern const bench_impl bench_floor;

/* Heap figures of one contender's handshake (ECDSA, full), per side. */
typedef struct {
    int valid;
    /* allocation calls per handshake, by source */
    double calls[BENCH_SIDES][HEAP_SRCS];
    /* bytes: peak during the handshake, idle after it, after one full
     * record each way, and idle with buffers released (-1: no API) */
    long long peak[BENCH_SIDES];
    long long idle[BENCH_SIDES];
    long long active[BENCH_SIDES];
    long long released[BENCH_SIDES];
} bench_heap_result;

/* heap figures of clasp / libssl (drivers) */
int bench_clasp_heap(const bench_fig *fig, bench_heap_result *out);
int bench_libssl_heap(const bench_fig *fig, bench_heap_result *out);
/* the floor: allocation calls only (bytes are -1) */
int bench_floor_heap(const bench_fig *fig, bench_heap_result *out);

/* ---- shared helpers -------------------------------------------------------
 */
/* The test PKI's files for a key type. */
const char *bench_key_dir(int key);
/* Print an error (with the figure's context) to stderr. */
void bench_err(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* OpenSSL cipher-suite name of an IANA TLS 1.3 suite. */
const char *bench_suite_name(uint16_t suite);

/* In-memory one-way byte queue with a read offset (no memmove per read):
 * the clasp transport. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t off;
    size_t len;
} bench_queue;

int bench_queue_init(bench_queue *q, size_t cap);
void bench_queue_free(bench_queue *q);

#endif
