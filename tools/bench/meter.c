/*
 * Per-side CPU metering, callgrind toggles and small shared helpers.
 *
 * CPU time is CLOCK_THREAD_CPUTIME_ID: the bench is single-threaded, and
 * thread CPU time ignores time the machine spent on other processes (the
 * machine is shared). The clock read itself is a system call of a few
 * hundred nanoseconds; meter_calibrate() measures an empty interval and
 * meter_cpu() subtracts it once per interval.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "clasp/clasp.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif
#ifndef BENCH_HAVE_CALLGRIND
#define BENCH_HAVE_CALLGRIND 0
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(name) ((void)(name))
#define RUNNING_ON_VALGRIND 0
#endif

int bench_cg_side = -1;
static double clock_overhead;

static double now_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void meter_reset(bench_meter *m)
{
    memset(m, 0, sizeof(*m));
    m->side = -1;
}

void meter_on(bench_meter *m, int side)
{
    m->side = side;
    heap_set_owner(side);
    if (side == bench_cg_side) {
        CALLGRIND_TOGGLE_COLLECT;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &m->t0);
}

void meter_off(bench_meter *m)
{
    struct timespec t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    if (m->side == bench_cg_side) {
        CALLGRIND_TOGGLE_COLLECT;
    }
    if (m->side >= 0 && m->side < BENCH_SIDES) {
        m->cpu[m->side] += (double)(t1.tv_sec - m->t0.tv_sec) +
                           (double)(t1.tv_nsec - m->t0.tv_nsec) * 1e-9;
        m->intervals[m->side]++;
    }
    m->side = -1;
    heap_set_owner(BENCH_HARNESS);
}

double meter_cpu(const bench_meter *m, int side)
{
    double t = m->cpu[side] - clock_overhead * (double)m->intervals[side];
    return t > 0 ? t : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void meter_calibrate(void)
{
    enum { N = 2001 };
    static double d[N];
    for (int i = 0; i < N; i++) {
        bench_meter m;
        meter_reset(&m);
        meter_on(&m, BENCH_SERVER);
        meter_off(&m);
        d[i] = m.cpu[BENCH_SERVER];
    }
    qsort(d, N, sizeof(d[0]), cmp_double);
    clock_overhead = d[N / 2];
    /* One more read, so that now_cpu() is used (and warms the path). */
    (void)now_cpu();
}

double meter_overhead(void)
{
    return clock_overhead;
}

void bench_cg_toggle(void)
{
    CALLGRIND_TOGGLE_COLLECT;
}

void bench_cg_dump(const char *name)
{
    CALLGRIND_DUMP_STATS_AT(name);
}

int bench_cg_available(void)
{
    return BENCH_HAVE_CALLGRIND && RUNNING_ON_VALGRIND;
}

const char *bench_key_dir(int key)
{
    return key == BENCH_KEY_RSA ? "rsa2048" : "ecdsa-p256";
}

void bench_err(const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clasp-bench: %s: ", who);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

const char *bench_suite_name(uint16_t suite)
{
    switch (suite) {
    case CLASP_TLS1_3_AES_128_GCM_SHA256: return "TLS_AES_128_GCM_SHA256";
    case CLASP_TLS1_3_AES_256_GCM_SHA384: return "TLS_AES_256_GCM_SHA384";
    case CLASP_TLS1_3_CHACHA20_POLY1305_SHA256:
        return "TLS_CHACHA20_POLY1305_SHA256";
    default: return NULL;
    }
}

int bench_queue_init(bench_queue *q, size_t cap)
{
    memset(q, 0, sizeof(*q));
    q->buf = malloc(cap);
    if (q->buf == NULL) {
        return -1;
    }
    q->cap = cap;
    return 0;
}

void bench_queue_free(bench_queue *q)
{
    free(q->buf);
    memset(q, 0, sizeof(*q));
}
