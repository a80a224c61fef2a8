/*
 * clasp-bench: clasp against OpenSSL's libssl and the crypto floor, in one
 * process (see bench.h for the parts and docs/PERFORMANCE.md for the
 * method). Usage: clasp-bench --help.
 *
 * Run order: options; the heap figures in a child process (the only one
 * with allocator hooks installed, so that timed runs never pay for them);
 * then every figure, its contenders interleaved round by round (the order
 * rotates each round), each round bounded in count (--iterations) and in
 * time (--seconds / --rounds); medians over rounds.
 *
 * --callgrind N: the instruction-count mode used by tools/bench/callgrind.sh
 * (N handshakes per side, collection toggled around one side's calls,
 * one callgrind dump per contender and side).
 */
#define _POSIX_C_SOURCE 200809L

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "clasp/clasp.h"

#ifndef CLASP_BENCH_PKI_DIR
#define CLASP_BENCH_PKI_DIR "tests/pki"
#endif
#ifndef CLASP_BENCH_BUILD_TYPE
#define CLASP_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef CLASP_BENCH_SANITIZE
#define CLASP_BENCH_SANITIZE 0
#endif
#ifdef __clang__
#define BENCH_COMPILER "clang " __clang_version__
#else
#define BENCH_COMPILER "gcc " __VERSION__
#endif

#define MAX_ROUNDS 51
#define NIMPL 3
#define IMPL_FLOOR 0
#define IMPL_CLASP 1
#define IMPL_LIBSSL 2

static const bench_impl *const impls[NIMPL] = {&bench_floor, &bench_clasp,
                                               &bench_libssl};
static const char *const impl_keys[NIMPL] = {"floor", "clasp", "libssl"};

typedef struct {
    int rounds;
    long iterations;
    double seconds;
    int json;
    const char *json_out; /* also write JSON here, besides the text */
    int keys;             /* bit mask of BENCH_KEY_* */
    int only;             /* bit mask of IMPL_* */
    uint16_t suites[3];
    int nsuites;
    const char *pki;
    long callgrind; /* > 0: instruction-count mode, handshakes per side */
    int heap;
    int bulk;
    int resumed;
} opts;

/* One contender's result for one figure: per side, the median cost per
 * unit (seconds per handshake, or seconds per byte for bulk). */
typedef struct {
    const char *na;
    int ok;
    double cost[BENCH_SIDES];
    double spread[BENCH_SIDES];
    long units; /* handshakes or batches, all rounds */
} cres;

typedef struct {
    bench_fig fig;
    char title[160];
    cres r[NIMPL];
} fres;

#define MAX_FIGS 16
static fres figs[MAX_FIGS];
static int nfigs;
static bench_heap_result heap_res[NIMPL];
static int heap_ok;

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clasp-bench [options]\n"
            "  --iterations N   at most N handshakes (or bulk batches) per "
            "round and\n"
            "                   contender (default 1000)\n"
            "  --seconds S      time budget per figure and contender, split "
            "over the\n"
            "                   rounds (default 1.5)\n"
            "  --rounds R       interleaved rounds; medians over them "
            "(default 7)\n"
            "  --suite NAME     bulk suite: aes128gcm, aes256gcm, chacha20 "
            "(repeatable;\n"
            "                   default all three)\n"
            "  --key K          handshake key: ecdsa or rsa (repeatable; "
            "default both)\n"
            "  --only C         contender: clasp, libssl or floor "
            "(repeatable)\n"
            "  --no-heap --no-bulk --no-resumed   skip those figures\n"
            "  --pki DIR        the test PKI (default %s)\n"
            "  --json           machine-readable output\n"
            "  --json-out FILE  the text on stdout, and JSON written to "
            "FILE\n"
            "  --build-info     print compiler, build type and libcrypto; "
            "exit\n"
            "  --callgrind N    instruction-count mode: N handshakes per "
            "side, run\n"
            "                   under valgrind (tools/bench/callgrind.sh)\n",
            CLASP_BENCH_PKI_DIR);
}

static int parse_suite(const char *s, uint16_t *out)
{
    if (strcmp(s, "aes128gcm") == 0 ||
        strcmp(s, "TLS_AES_128_GCM_SHA256") == 0) {
        *out = CLASP_TLS1_3_AES_128_GCM_SHA256;
    } else if (strcmp(s, "aes256gcm") == 0 ||
               strcmp(s, "TLS_AES_256_GCM_SHA384") == 0) {
        *out = CLASP_TLS1_3_AES_256_GCM_SHA384;
    } else if (strcmp(s, "chacha20") == 0 ||
               strcmp(s, "TLS_CHACHA20_POLY1305_SHA256") == 0) {
        *out = CLASP_TLS1_3_CHACHA20_POLY1305_SHA256;
    } else {
        return -1;
    }
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof(*o));
    o->rounds = 7;
    o->iterations = 1000;
    o->seconds = 1.5;
    o->pki = CLASP_BENCH_PKI_DIR;
    o->heap = o->bulk = o->resumed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--build-info") == 0) {
            /* What instruction counts depend on (tools/bench/callgrind.sh):
             * compiler, build type, sanitizers, libcrypto. */
            printf("%s; %s; sanitize=%d; %s\n", BENCH_COMPILER,
                   CLASP_BENCH_BUILD_TYPE, CLASP_BENCH_SANITIZE,
                   OpenSSL_version(OPENSSL_VERSION));
            exit(0);
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--no-heap") == 0) {
            o->heap = 0;
        } else if (strcmp(a, "--no-bulk") == 0) {
            o->bulk = 0;
        } else if (strcmp(a, "--no-resumed") == 0) {
            o->resumed = 0;
        } else if (v == NULL) {
            fprintf(stderr, "clasp-bench: %s: unknown, or needs a value\n", a);
            return -1;
        } else if (strcmp(a, "--iterations") == 0) {
            if (parse_long(v, 1, 100000000, &o->iterations) != 0) {
                goto bad;
            }
            i++;
        } else if (strcmp(a, "--rounds") == 0) {
            if (parse_long(v, 1, MAX_ROUNDS, &n) != 0) {
                goto bad;
            }
            o->rounds = (int)n;
            i++;
        } else if (strcmp(a, "--seconds") == 0) {
            char *end = NULL;
            o->seconds = strtod(v, &end);
            if (end == v || *end != '\0' || !(o->seconds > 0) ||
                o->seconds > 3600) {
                goto bad;
            }
            i++;
        } else if (strcmp(a, "--suite") == 0) {
            if (o->nsuites == 3 ||
                parse_suite(v, &o->suites[o->nsuites]) != 0) {
                goto bad;
            }
            o->nsuites++;
            i++;
        } else if (strcmp(a, "--key") == 0) {
            if (strcmp(v, "ecdsa") == 0) {
                o->keys |= 1 << BENCH_KEY_ECDSA;
            } else if (strcmp(v, "rsa") == 0) {
                o->keys |= 1 << BENCH_KEY_RSA;
            } else {
                goto bad;
            }
            i++;
        } else if (strcmp(a, "--only") == 0) {
            int k = -1;
            for (int j = 0; j < NIMPL; j++) {
                if (strcmp(v, impl_keys[j]) == 0) {
                    k = j;
                }
            }
            if (k < 0) {
                goto bad;
            }
            o->only |= 1 << k;
            i++;
        } else if (strcmp(a, "--json-out") == 0) {
            o->json_out = v;
            i++;
        } else if (strcmp(a, "--pki") == 0) {
            o->pki = v;
            i++;
        } else if (strcmp(a, "--callgrind") == 0 ||
                   strcmp(a, "--handshakes") == 0) {
            if (parse_long(v, 1, 1000000, &o->callgrind) != 0) {
                goto bad;
            }
            i++;
        } else {
            fprintf(stderr, "clasp-bench: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "clasp-bench: bad value for %s: %s\n", a, v);
        return -1;
    }
    if (o->keys == 0) {
        o->keys = (1 << BENCH_KEY_ECDSA) | (1 << BENCH_KEY_RSA);
    }
    if (o->only == 0) {
        o->only = (1 << NIMPL) - 1;
    }
    if (o->nsuites == 0) {
        o->suites[0] = CLASP_TLS1_3_AES_128_GCM_SHA256;
        o->suites[1] = CLASP_TLS1_3_AES_256_GCM_SHA384;
        o->suites[2] = CLASP_TLS1_3_CHACHA20_POLY1305_SHA256;
        o->nsuites = 3;
    }
    return 0;
}

/* ---- running a figure -----------------------------------------------------
 */

static double now_wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n, double *spread)
{
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    *spread = m > 0 ? (v[n - 1] - v[0]) / m : 0;
    return m;
}

static double units_of(const bench_fig *fig, long count)
{
    if (fig->kind == FIG_BULK) {
        return (double)count * (double)fig->batch * (double)fig->rec_len;
    }
    return (double)count;
}

static int run_figure(const opts *o, fres *fr)
{
    void *st[NIMPL] = {NULL};
    static double samples[NIMPL][BENCH_SIDES][MAX_ROUNDS];
    int rc = 0;
    for (int i = 0; i < NIMPL; i++) {
        cres *r = &fr->r[i];
        memset(r, 0, sizeof(*r));
        if (!(o->only & (1 << i))) {
            r->na = "not selected";
            continue;
        }
        r->na = impls[i]->unavailable(fr->fig.kind);
        if (r->na != NULL) {
            continue;
        }
        st[i] = impls[i]->fig_new(&fr->fig);
        bench_meter warm;
        meter_reset(&warm);
        if (st[i] == NULL || impls[i]->fig_run(st[i], 2, &warm) != 0) {
            bench_err(impls[i]->name, "setup of \"%s\" failed", fr->title);
            rc = -1;
            goto cleanup;
        }
    }
    double budget = o->seconds / o->rounds;
    for (int round = 0; round < o->rounds; round++) {
        for (int j = 0; j < NIMPL; j++) {
            int i = (j + round) % NIMPL;
            if (st[i] == NULL) {
                continue;
            }
            bench_meter m;
            meter_reset(&m);
            long count = 0;
            double t0 = now_wall();
            /* Bounded in count and in time; at least two units. */
            while (count < o->iterations &&
                   (count < 2 || now_wall() - t0 < budget)) {
                if (impls[i]->fig_run(st[i], 1, &m) != 0) {
                    rc = -1;
                    goto cleanup;
                }
                count++;
            }
            fr->r[i].units += count;
            for (int s = 0; s < BENCH_SIDES; s++) {
                samples[i][s][round] =
                    meter_cpu(&m, s) / units_of(&fr->fig, count);
            }
        }
    }
    for (int i = 0; i < NIMPL; i++) {
        if (st[i] == NULL) {
            continue;
        }
        fr->r[i].ok = 1;
        for (int s = 0; s < BENCH_SIDES; s++) {
            fr->r[i].cost[s] =
                median(samples[i][s], o->rounds, &fr->r[i].spread[s]);
        }
    }
cleanup:
    for (int i = 0; i < NIMPL; i++) {
        if (st[i] != NULL) {
            impls[i]->fig_free(st[i]);
        }
    }
    return rc;
}

static void add_fig(const opts *o, bench_fig_kind kind, int key, uint16_t suite,
                    size_t rec_len)
{
    if (nfigs == MAX_FIGS) {
        return;
    }
    fres *fr = &figs[nfigs++];
    memset(fr, 0, sizeof(*fr));
    fr->fig.kind = kind;
    fr->fig.key = key;
    fr->fig.suite = suite;
    fr->fig.rec_len = rec_len;
    /* About half a megabyte per batch. */
    fr->fig.batch = rec_len > 0 ? (512u * 1024u) / rec_len : 0;
    fr->fig.pki = o->pki;
    const char *sn = bench_suite_name(suite);
    switch (kind) {
    case FIG_FULL:
        snprintf(fr->title, sizeof(fr->title),
                 "Full handshake: X25519, %s (tests/pki/%s), %s",
                 key == BENCH_KEY_RSA ? "RSA-2048, rsa_pss_rsae_sha256"
                                      : "ECDSA P-256",
                 bench_key_dir(key), sn);
        break;
    case FIG_RESUMED:
        snprintf(fr->title, sizeof(fr->title),
                 "Resumed handshake (psk_dhe_ke): X25519, %s", sn);
        break;
    case FIG_BULK:
        snprintf(fr->title, sizeof(fr->title),
                 "Bulk: %s, %zu-byte writes (%zu per batch), one direction", sn,
                 rec_len, fr->fig.batch);
        break;
    }
}

/* ---- heap figures in a child process ---------------------------------- */

typedef struct {
    int ok;
    int split_known;
    bench_heap_result r[NIMPL];
} heap_msg;

static void heap_child(const opts *o, int fd)
{
    heap_msg msg;
    memset(&msg, 0, sizeof(msg));
    if (heap_install() == 0) {
        bench_fig fig = {
            FIG_FULL, BENCH_KEY_ECDSA, CLASP_TLS1_3_AES_128_GCM_SHA256, 0,
            0,        o->pki};
        int rc = 0;
        if (o->only & (1 << IMPL_FLOOR)) {
            rc |= bench_floor_heap(&fig, &msg.r[IMPL_FLOOR]);
        }
        if (o->only & (1 << IMPL_CLASP)) {
            rc |= bench_clasp_heap(&fig, &msg.r[IMPL_CLASP]);
        }
        if (o->only & (1 << IMPL_LIBSSL)) {
            rc |= bench_libssl_heap(&fig, &msg.r[IMPL_LIBSSL]);
        }
        msg.ok = rc == 0;
        msg.split_known = heap_split_known();
    } else {
        bench_err("heap", "libcrypto refused the allocator hooks");
    }
    const char *p = (const char *)&msg;
    size_t left = sizeof(msg);
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            break;
        }
        p += n;
        left -= (size_t)n;
    }
}

static int split_known;

static int run_heap(const opts *o)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        heap_child(o, fds[1]);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    heap_msg msg;
    char *p = (char *)&msg;
    size_t got = 0;
    while (got < sizeof(msg)) {
        ssize_t n = read(fds[0], p + got, sizeof(msg) - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof(msg) || !msg.ok) {
        return -1;
    }
    memcpy(heap_res, msg.r, sizeof(heap_res));
    split_known = msg.split_known;
    heap_ok = 1;
    return 0;
}

/* ---- callgrind mode ------------------------------------------------------ */

static int run_callgrind(const opts *o)
{
    if (!bench_cg_available()) {
        fprintf(stderr, "clasp-bench: --callgrind needs valgrind "
                        "--tool=callgrind --collect-atstart=no (see "
                        "tools/bench/callgrind.sh)\n");
        return -1;
    }
    static const char *const side_names[BENCH_SIDES] = {"server", "client"};
    /* Full handshakes per key type, then (key 2) resumed handshakes,
     * reported under the key name "resumed". */
    for (int key = 0; key < 3; key++) {
        if (key < 2 ? !(o->keys & (1 << key)) : !o->resumed) {
            continue;
        }
        for (int i = 0; i < NIMPL; i++) {
            if (!(o->only & (1 << i))) {
                continue;
            }
            bench_fig fig = {key < 2 ? FIG_FULL : FIG_RESUMED,
                             key < 2 ? key : BENCH_KEY_ECDSA,
                             CLASP_TLS1_3_AES_128_GCM_SHA256,
                             0,
                             0,
                             o->pki};
            void *st = impls[i]->fig_new(&fig);
            bench_meter m;
            meter_reset(&m);
            /* Warm-up (not collected): libcrypto's lazy initialisation. */
            if (st == NULL || impls[i]->fig_run(st, 3, &m) != 0) {
                impls[i]->fig_free(st);
                return -1;
            }
            for (int s = 0; s < BENCH_SIDES; s++) {
                char name[128];
                static const char *const key_names[3] = {"ecdsa", "rsa",
                                                         "resumed"};
                snprintf(name, sizeof(name), "%s %s %s %ld", impl_keys[i],
                         key_names[key], side_names[s], o->callgrind);
                bench_cg_side = s;
                int rc = impls[i]->fig_run(st, (int)o->callgrind, &m);
                bench_cg_side = -1;
                bench_cg_dump(name);
                if (rc != 0) {
                    impls[i]->fig_free(st);
                    return -1;
                }
                printf("dumped: %s\n", name);
            }
            impls[i]->fig_free(st);
        }
    }
    return 0;
}

/* ---- output ---------------------------------------------------------- */

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (v != NULL) {
                v++;
                while (*v == ' ' || *v == '\t') {
                    v++;
                }
                snprintf(out, cap, "%s", v);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

/* Thousands separators for rates. */
static const char *grouped(double v, char *buf, size_t cap)
{
    long long n = (long long)(v + 0.5);
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%lld", n);
    size_t len = strlen(tmp), o = 0;
    for (size_t i = 0; i < len && o + 2 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            buf[o++] = ',';
        }
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

static void print_hs_fig(const fres *fr)
{
    const cres *fl = &fr->r[IMPL_FLOOR];
    const cres *ls = &fr->r[IMPL_LIBSSL];
    printf("\n== %s\n", fr->title);
    printf("                 ------------- server -------------   "
           "------------- client -------------\n");
    printf("                  us/hs     hs/s  x floor vs libssl    us/hs  "
           "   hs/s  x floor vs libssl\n");
    for (int i = 0; i < NIMPL; i++) {
        const cres *r = &fr->r[i];
        printf("  %-13s", impls[i]->name);
        if (!r->ok) {
            printf("  n/a (%s)\n", r->na != NULL ? r->na : "failed");
            continue;
        }
        for (int s = 0; s < BENCH_SIDES; s++) {
            char g[32];
            double us = r->cost[s] * 1e6;
            printf(" %8.1f %8s %7.2fx", us, grouped(1 / r->cost[s], g, 32),
                   ratio(r->cost[s], fl->ok ? fl->cost[s] : 0));
            if (ls->ok) {
                printf(" %6.2fx  ", ratio(ls->cost[s], r->cost[s]));
            } else {
                printf("    n/a  ");
            }
        }
        printf("\n");
    }
    printf("  (x floor: CPU time / the crypto floor's; vs libssl: libssl's "
           "time / this one's, > 1 is faster)\n");
}

static void print_bulk_fig(const fres *fr)
{
    const cres *fl = &fr->r[IMPL_FLOOR];
    const cres *ls = &fr->r[IMPL_LIBSSL];
    printf("\n== %s\n", fr->title);
    printf("                 ------- sender (write, seal) -------   "
           "------ receiver (read, open) ------\n");
    printf("                     MB/s  x raw AEAD  vs libssl            "
           "MB/s  x raw AEAD  vs libssl\n");
    for (int i = 0; i < NIMPL; i++) {
        const cres *r = &fr->r[i];
        printf("  %-13s", i == IMPL_FLOOR ? "raw AEAD" : impls[i]->name);
        if (!r->ok) {
            printf("  n/a (%s)\n", r->na != NULL ? r->na : "failed");
            continue;
        }
        static const int order[2] = {BENCH_SENDER, BENCH_RECEIVER};
        for (int k = 0; k < 2; k++) {
            int s = order[k];
            double mbs = 1 / r->cost[s] / 1e6;
            printf(" %8.1f %10.2fx", mbs,
                   ratio(fl->ok ? fl->cost[s] : 0, r->cost[s]));
            if (ls->ok) {
                printf(" %9.2fx         ", ratio(ls->cost[s], r->cost[s]));
            } else {
                printf("       n/a         ");
            }
        }
        printf("\n");
    }
    printf("  (MB = 10^6 bytes of application data per CPU second; x raw "
           "AEAD and vs libssl: throughput ratios)\n");
}

static void print_heap(void)
{
    static const char *const side_names[BENCH_SIDES] = {"server", "client"};
    printf("\n== Heap per connection: full handshake, ECDSA P-256, "
           "TLS_AES_128_GCM_SHA256\n");
    printf("  contender     side    allocs/hs  (own + libcrypto)   peak B    "
           "idle B  active B  released B\n");
    for (int i = 0; i < NIMPL; i++) {
        const bench_heap_result *h = &heap_res[i];
        if (!h->valid) {
            continue;
        }
        for (int s = 0; s < BENCH_SIDES; s++) {
            int own = i == IMPL_CLASP ? HEAP_SRC_CLASP : HEAP_SRC_LIBSSL;
            if (i == IMPL_FLOOR) {
                printf("  %-13s %-6s %10.0f  (%5.0f + %5.0f) %10s %9s "
                       "%9s %11s\n",
                       "crypto floor", side_names[s],
                       h->calls[s][HEAP_SRC_CRYPTO], 0.0,
                       h->calls[s][HEAP_SRC_CRYPTO], "-", "-", "-", "-");
                continue;
            }
            double total = h->calls[s][HEAP_SRC_CLASP] +
                           h->calls[s][HEAP_SRC_CRYPTO] +
                           h->calls[s][HEAP_SRC_LIBSSL];
            char rel[32];
            if (h->released[s] < 0) {
                snprintf(rel, sizeof(rel), "n/a");
            } else {
                snprintf(rel, sizeof(rel), "%lld", h->released[s]);
            }
            printf("  %-13s %-6s %10.0f  (%5.0f + %5.0f) %10lld %9lld "
                   "%9lld %11s\n",
                   impls[i]->name, side_names[s], total, h->calls[s][own],
                   h->calls[s][HEAP_SRC_CRYPTO], h->peak[s], h->idle[s],
                   h->active[s], rel);
        }
    }
    printf("  (allocs/hs: allocation calls per handshake, context creation "
           "to completion;\n"
           "   own = clasp's allocator hooks, or libssl's own files%s;\n"
           "   peak: most bytes held during the handshake; idle: held "
           "after it;\n"
           "   active: after one 16 KiB record each way; released: idle "
           "again with the record\n"
           "   buffers released (clasp_release_buffers; libssl "
           "SSL_MODE_RELEASE_BUFFERS))\n",
           split_known ? "" : " (split unknown: no file names)");
}

static const fres *find_fig(bench_fig_kind kind, int key, uint16_t suite,
                            size_t rec_len)
{
    for (int i = 0; i < nfigs; i++) {
        const bench_fig *f = &figs[i].fig;
        if (f->kind == kind && (kind == FIG_BULK || f->key == key) &&
            (kind != FIG_BULK ||
             (f->suite == suite && f->rec_len == rec_len))) {
            return &figs[i];
        }
    }
    return NULL;
}

typedef struct {
    const char *what;
    int state; /* 1 met, 0 missed, -1 not measured */
    char value[96];
} target;

#define MAX_TARGETS 32
static target targets[MAX_TARGETS];
static int ntargets;

static void add_target(const char *what, int state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_target(const char *what, int state, const char *fmt, ...)
{
    if (ntargets == MAX_TARGETS) {
        return;
    }
    target *t = &targets[ntargets++];
    t->what = what;
    t->state = state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->value, sizeof(t->value), fmt, ap);
    va_end(ap);
}

/* clasp's cost over the floor's against a limit. */
static void floor_target(const char *what, const fres *fr, int side,
                         double limit)
{
    if (fr == NULL || !fr->r[IMPL_CLASP].ok || !fr->r[IMPL_FLOOR].ok) {
        add_target(what, -1, "not measured");
        return;
    }
    double x =
        ratio(fr->r[IMPL_CLASP].cost[side], fr->r[IMPL_FLOOR].cost[side]);
    add_target(what, x <= limit, "%.2fx the floor", x);
}

static void eval_targets(const opts *o)
{
    ntargets = 0;
    const fres *ec = find_fig(FIG_FULL, BENCH_KEY_ECDSA, 0, 0);
    const fres *rsa = find_fig(FIG_FULL, BENCH_KEY_RSA, 0, 0);
    floor_target("full ECDSA handshake, server <= 1.25x floor", ec,
                 BENCH_SERVER, 1.25);
    floor_target("full ECDSA handshake, client <= 1.4x floor", ec, BENCH_CLIENT,
                 1.4);
    if (ec != NULL && ec->r[IMPL_CLASP].ok && ec->r[IMPL_LIBSSL].ok) {
        double both_c = ec->r[IMPL_CLASP].cost[0] + ec->r[IMPL_CLASP].cost[1];
        double both_l = ec->r[IMPL_LIBSSL].cost[0] + ec->r[IMPL_LIBSSL].cost[1];
        double x = ratio(ec->r[IMPL_LIBSSL].cost[1], ec->r[IMPL_CLASP].cost[1]);
        add_target("full ECDSA handshake, client >= 1.8x libssl's rate",
                   x >= 1.8, "%.2fx (both sides: %.2fx)", x,
                   ratio(both_l, both_c));
    } else {
        add_target("full ECDSA handshake, client >= 1.8x libssl's rate", -1,
                   "not measured");
    }
    floor_target("full RSA-2048 handshake, server <= 1.08x floor", rsa,
                 BENCH_SERVER, 1.08);
    const fres *res = find_fig(FIG_RESUMED, BENCH_KEY_ECDSA, 0, 0);
    if (res != NULL && res->r[IMPL_CLASP].ok && res->r[IMPL_FLOOR].ok) {
        const cres *c = &res->r[IMPL_CLASP];
        const cres *fl = &res->r[IMPL_FLOOR];
        double xs = ratio(c->cost[BENCH_SERVER], fl->cost[BENCH_SERVER]);
        double xc = ratio(c->cost[BENCH_CLIENT], fl->cost[BENCH_CLIENT]);
        add_target("resumed handshake <= 1.3x the X25519 floor",
                   xs <= 1.3 && xc <= 1.3, "server %.2fx, client %.2fx", xs,
                   xc);
        if (res->r[IMPL_LIBSSL].ok) {
            const cres *l = &res->r[IMPL_LIBSSL];
            double ls = ratio(l->cost[BENCH_SERVER], c->cost[BENCH_SERVER]);
            double lc = ratio(l->cost[BENCH_CLIENT], c->cost[BENCH_CLIENT]);
            add_target("resumed handshake >= 2x libssl's rate",
                       ls >= 2 && lc >= 2, "server %.2fx, client %.2fx", ls,
                       lc);
        }
    } else {
        add_target("resumed handshake <= 1.3x the X25519 floor", -1,
                   "not measured");
    }
    add_target("non-crypto instructions <= 250k server, <= 500k client", -1,
               "see tools/bench/callgrind.sh");
    if (heap_ok && heap_res[IMPL_CLASP].valid) {
        const bench_heap_result *h = &heap_res[IMPL_CLASP];
        double srv = h->calls[0][0] + h->calls[0][1] + h->calls[0][2];
        double cli = h->calls[1][0] + h->calls[1][1] + h->calls[1][2];
        add_target("<= 25 heap allocations per side per full handshake",
                   srv <= 25 && cli <= 25,
                   "server %.0f (%.0f clasp), client %.0f (%.0f clasp)", srv,
                   h->calls[0][0], cli, h->calls[1][0]);
        long long rel =
            h->released[0] > h->released[1] ? h->released[0] : h->released[1];
        add_target("<= 4 KiB per idle connection with buffers released",
                   rel <= 4096,
                   "%lld B (larger side; server %lld, client "
                   "%lld)",
                   rel, h->released[0], h->released[1]);
        long long act =
            h->active[0] > h->active[1] ? h->active[0] : h->active[1];
        add_target("<= 36 KiB per active connection (full-size records)",
                   act <= 36 * 1024, "%lld B (larger side)", act);
    } else {
        add_target("heap targets", -1, "not measured");
    }
    if (!o->bulk) {
        add_target("bulk targets", -1, "not measured");
        return;
    }
    /* Bulk: >= 0.95x raw AEAD at 16 KiB (both directions), >= libssl at
     * every size measured. */
    double worst_raw = 1e9, worst_ls = 1e9;
    int n16 = 0, nall = 0;
    for (int i = 0; i < nfigs; i++) {
        const fres *fr = &figs[i];
        if (fr->fig.kind != FIG_BULK || !fr->r[IMPL_CLASP].ok) {
            continue;
        }
        for (int s = 0; s < BENCH_SIDES; s++) {
            double c = fr->r[IMPL_CLASP].cost[s];
            if (fr->fig.rec_len == 16384 && fr->r[IMPL_FLOOR].ok) {
                double x = ratio(fr->r[IMPL_FLOOR].cost[s], c);
                worst_raw = x < worst_raw ? x : worst_raw;
                n16++;
            }
            if (fr->r[IMPL_LIBSSL].ok) {
                double x = ratio(fr->r[IMPL_LIBSSL].cost[s], c);
                worst_ls = x < worst_ls ? x : worst_ls;
                nall++;
            }
        }
    }
    if (n16 > 0) {
        add_target("bulk >= 0.95x raw AEAD at 16 KiB", worst_raw >= 0.95,
                   "worst %.2fx", worst_raw);
    }
    if (nall > 0) {
        add_target("bulk >= libssl at every record size", worst_ls >= 1.0,
                   "worst %.2fx", worst_ls);
    }
}

static void print_targets(void)
{
    printf("\n== Targets of issue #9, from this run\n");
    for (int i = 0; i < ntargets; i++) {
        const char *s = targets[i].state == 1   ? "met   "
                        : targets[i].state == 0 ? "MISSED"
                                                : "  -   ";
        printf("  [%s] %-56s %s\n", s, targets[i].what, targets[i].value);
    }
}

static void json_side(FILE *out, const cres *r, const cres *fl, const cres *ls,
                      int s, int bulk)
{
    if (bulk) {
        fprintf(out, "{\"mb_s\": %.2f, \"x_raw_aead\": %.4f, ",
                1 / r->cost[s] / 1e6,
                fl->ok ? ratio(fl->cost[s], r->cost[s]) : 0);
    } else {
        fprintf(out, "{\"us\": %.3f, \"per_s\": %.1f, \"x_floor\": %.4f, ",
                r->cost[s] * 1e6, 1 / r->cost[s],
                fl->ok ? ratio(r->cost[s], fl->cost[s]) : 0);
    }
    fprintf(out, "\"vs_libssl\": %.4f, \"spread\": %.4f}",
            ls->ok ? ratio(ls->cost[s], r->cost[s]) : 0, r->spread[s]);
}

static void print_json(FILE *out, const opts *o, const char *cpu)
{
    static const char *const kinds[] = {"full", "resumed", "bulk"};
    fprintf(out,
            "{\n  \"machine\": {\"cpu\": \"%s\", \"nproc\": %ld, "
            "\"openssl\": \"%s\", \"clasp\": \"%s\", \"compiler\": \"%s\", "
            "\"build_type\": \"%s\"},\n",
            cpu, sysconf(_SC_NPROCESSORS_ONLN),
            OpenSSL_version(OPENSSL_VERSION), clasp_version_string(),
            BENCH_COMPILER, CLASP_BENCH_BUILD_TYPE);
    fprintf(out,
            "  \"method\": {\"rounds\": %d, \"seconds\": %.3f, "
            "\"iterations\": %ld, \"clock_overhead_us\": %.4f},\n",
            o->rounds, o->seconds, o->iterations, meter_overhead() * 1e6);
    fprintf(out, "  \"figures\": [\n");
    for (int i = 0; i < nfigs; i++) {
        const fres *fr = &figs[i];
        int bulk = fr->fig.kind == FIG_BULK;
        fprintf(out,
                "    {\"title\": \"%s\", \"kind\": \"%s\", \"key\": \"%s\", "
                "\"suite\": \"%s\", \"rec_len\": %zu, \"results\": {",
                fr->title, kinds[fr->fig.kind],
                fr->fig.key == BENCH_KEY_RSA ? "rsa" : "ecdsa",
                bench_suite_name(fr->fig.suite), fr->fig.rec_len);
        for (int k = 0; k < NIMPL; k++) {
            const cres *r = &fr->r[k];
            fprintf(out, "%s\"%s\": ", k ? ", " : "", impl_keys[k]);
            if (!r->ok) {
                fprintf(out, "{\"na\": \"%s\"}",
                        r->na != NULL ? r->na : "failed");
                continue;
            }
            fprintf(out, "{\"%s\": ", bulk ? "sender" : "server");
            json_side(out, r, &fr->r[IMPL_FLOOR], &fr->r[IMPL_LIBSSL],
                      bulk ? BENCH_SENDER : BENCH_SERVER, bulk);
            fprintf(out, ", \"%s\": ", bulk ? "receiver" : "client");
            json_side(out, r, &fr->r[IMPL_FLOOR], &fr->r[IMPL_LIBSSL],
                      bulk ? BENCH_RECEIVER : BENCH_CLIENT, bulk);
            fprintf(out, ", \"units\": %ld}", r->units);
        }
        fprintf(out, "}}%s\n", i + 1 < nfigs ? "," : "");
    }
    fprintf(out, "  ],\n  \"heap\": {");
    int first = 1;
    for (int i = 0; i < NIMPL && heap_ok; i++) {
        const bench_heap_result *h = &heap_res[i];
        if (!h->valid) {
            continue;
        }
        fprintf(out, "%s\"%s\": {", first ? "" : ", ", impl_keys[i]);
        first = 0;
        for (int s = 0; s < BENCH_SIDES; s++) {
            fprintf(
                out,
                "%s\"%s\": {\"allocs_own\": %.0f, \"allocs_libcrypto\": "
                "%.0f, \"peak\": %lld, \"idle\": %lld, \"active\": %lld, "
                "\"released\": %lld}",
                s ? ", " : "", s ? "client" : "server",
                h->calls[s][i == IMPL_CLASP ? HEAP_SRC_CLASP : HEAP_SRC_LIBSSL],
                h->calls[s][HEAP_SRC_CRYPTO], h->peak[s], h->idle[s],
                h->active[s], h->released[s]);
        }
        fprintf(out, "}");
    }
    fprintf(out, "},\n  \"targets\": [\n");
    for (int i = 0; i < ntargets; i++) {
        fprintf(out,
                "    {\"target\": \"%s\", \"state\": \"%s\", \"value\": "
                "\"%s\"}%s\n",
                targets[i].what,
                targets[i].state == 1   ? "met"
                : targets[i].state == 0 ? "missed"
                                        : "n/a",
                targets[i].value, i + 1 < ntargets ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

int main(int argc, char **argv)
{
    opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.callgrind > 0) {
        return run_callgrind(&o) == 0 ? 0 : 1;
    }
    /* Heap first, in a child: it must install libcrypto's hooks before
     * libcrypto allocates anything, and timed runs must not have them. */
    if (o.heap && run_heap(&o) != 0) {
        bench_err("heap", "heap figures failed");
        return 1;
    }
    meter_calibrate();
    char cpu[256];
    cpu_model(cpu, sizeof(cpu));
    if (!o.json) {
        printf("clasp-bench: clasp %s vs %s (libssl)\n", clasp_version_string(),
               OpenSSL_version(OPENSSL_VERSION));
        printf("machine: %s, %ld CPUs; %s, %s build\n", cpu,
               sysconf(_SC_NPROCESSORS_ONLN), BENCH_COMPILER,
               CLASP_BENCH_BUILD_TYPE);
        printf("method: in-memory, one thread, per-side CPU time "
               "(CLOCK_THREAD_CPUTIME_ID, %.2f us clock cost\n"
               "subtracted per interval); %d interleaved rounds, each <= %ld "
               "units and <= %.2f s per contender; medians.\n",
               meter_overhead() * 1e6, o.rounds, o.iterations,
               o.seconds / o.rounds);
    }
    for (int key = 0; key < 2; key++) {
        if (o.keys & (1 << key)) {
            add_fig(&o, FIG_FULL, key, CLASP_TLS1_3_AES_128_GCM_SHA256, 0);
        }
    }
    if (o.resumed) {
        add_fig(&o, FIG_RESUMED, BENCH_KEY_ECDSA,
                CLASP_TLS1_3_AES_128_GCM_SHA256, 0);
    }
    for (int i = 0; o.bulk && i < o.nsuites; i++) {
        add_fig(&o, FIG_BULK, 0, o.suites[i], 16384);
        add_fig(&o, FIG_BULK, 0, o.suites[i], 1024);
    }
    for (int i = 0; i < nfigs; i++) {
        if (run_figure(&o, &figs[i]) != 0) {
            return 1;
        }
        if (!o.json) {
            if (figs[i].fig.kind == FIG_BULK) {
                print_bulk_fig(&figs[i]);
            } else {
                print_hs_fig(&figs[i]);
            }
        }
    }
    eval_targets(&o);
    if (o.json_out != NULL) {
        FILE *jf = fopen(o.json_out, "w");
        if (jf == NULL) {
            bench_err("json", "cannot write %s", o.json_out);
            return 1;
        }
        print_json(jf, &o, cpu);
        if (fclose(jf) != 0) {
            bench_err("json", "cannot write %s", o.json_out);
            return 1;
        }
    }
    if (o.json) {
        print_json(stdout, &o, cpu);
        return 0;
    }
    if (heap_ok) {
        print_heap();
    }
    print_targets();
    return 0;
}
