#!/usr/bin/env bash
# The layering lints (tools/lint/clasp_lint.py):
#   1. the real tree is clean;
#   2. on a planted tree, every violation is reported and nothing else is.
# Each planted line that must be reported carries a comment
# "expect: <check> [<check>...]"; every other line must pass, so the
# fixtures double as false-positive guards (prose in comments, strings,
# tables with #if, trusted buffers indexed through a local p, markers).
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
lint=$src/tools/lint/clasp_lint.py
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }

echo "== lint on the source tree"
python3 "$lint" --root "$src"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/src/{base,crypto/ossl,msg,ext,hs,foo,ext_store/redis} \
    "$root"/include/clasp

cat >"$root/src/msg/bad.c" <<'EOF'
#include <openssl/evp.h> /* expect: openssl-include */
#include <hiredis/hiredis.h> /* expect: hiredis-include */
#include "hs/hs.h" /* expect: layering */
#include "../base/rd.h" /* expect: layering */
#include "conn/conn.h" /* expect: layering */
#include "base/rd.h"
#include "clasp/clasp.h"
#include "ext/ext.h"
#include "msg_local.h"
#include <string.h>

static int parse(clasp_rd *r, clasp_span s, uint8_t *out)
{
#if CLASP_WITH_EARLY_DATA /* expect: if-in-function */
    out[0] = 1;
#else /* expect: if-in-function */
    out[0] = 2;
#endif /* expect: if-in-function */
    if (r != NULL) {
        for (int i = 0; i < 2; i++) {
#ifdef X /* expect: if-in-function */
#endif /* expect: if-in-function */
        }
    }
    memcpy(out, s.p, 2); /* expect: raw-input */
    memmove(out, out + 1, 1); /* expect: raw-input */
    if (memcmp(out, s.p, 2) == 0) { /* expect: raw-input */
        return 1;
    }
    out[1] = s.p[1]; /* expect: raw-input */
    out[2] = *(s.p + 2); /* expect: raw-input */
    r->p += 2; /* expect: raw-input */
    r->p++; /* expect: raw-input */
    ++r->p; /* expect: raw-input */
    const uint8_t *e = r->end; /* expect: raw-input */
    size_t left = (size_t)(r->end - r->p); /* expect: raw-input */
    const uint8_t *p = s.p;
    p += 3; /* expect: raw-input */
    p++; /* expect: raw-input */
    out[3] = *--p; /* expect: raw-input */
    return (int)left + (e != NULL);
}
EOF

cat >"$root/src/ext_store/redis/store.c" <<'EOF'
#include <hiredis/hiredis.h>
#include "clasp/clasp_redis.h"
#include "base/err.h" /* expect: layering */
EOF

cat >"$root/src/msg/good.c" <<'EOF'
/* Prose never counts: memcpy(dst, p, n); p += 2; r->p[0]; #if X
 * #endif s.p + 1 r->end */
#include "base/rd.h"
#include "crypto/provider.h"
#include "msg/msg.h"

#if CLASP_WITH_SERVER
static const char *const names[] = {
    "memcpy(", "p += 1",
#if CLASP_WITH_EARLY_DATA
    "early_data",
#endif
};
#endif

struct row {
    int a;
#if CLASP_WITH_KEYLOG
    int keylog;
#endif
};

#define SWAP(a, b)                                                             \
    do {                                                                       \
        int t_ = (a);                                                          \
        (a) = (b);                                                             \
        (b) = t_;                                                              \
    } while (0)

static const struct row rows[] = {
    {1,
#if CLASP_WITH_KEYLOG
     2
#endif
    },
};

static int hex(uint8_t *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = p[i];
    }
    return 0;
}

static int spans(clasp_rd *r, clasp_span s, const struct row *rowp)
{
    clasp_rd list;
    uint8_t v;
    TRY(clasp_rd_vec16(r, 2, 65534, &list));
    TRY(clasp_span_at(s, 1, &v));
    if (s.p == NULL || s.pad > 0 || rowp->pending != 0) {
        return -1;
    }
    /* LINT-ALLOW(raw-input): copies our own table, not input */
    memcpy(&v, &rows[0].a, 1);
    memcpy(&v, &rows[0].a, 1); /* LINT-ALLOW(raw-input): same */
    const char *q = "s.p[1] and r->end";
    return clasp_rd_done(&list) + (q != NULL) + v;
}
EOF

cat >"$root/src/base/rd2.c" <<'EOF'
#include "crypto/provider.h" /* expect: layering */
#include <string.h>
static int f(clasp_rd *r, void *dst, size_t n)
{
    memcpy(dst, r->p, n);
    r->p += n;
    return r->end - r->p > 0;
}
EOF

cat >"$root/src/crypto/ossl/glue.c" <<'EOF'
#include <openssl/evp.h>
#include <string.h>
#include "crypto/provider.h"
#include "ossl_internal.h"
static void f(uint8_t *d, const clasp_span *s)
{
    memcpy(d, s->p, s->len);
}
EOF

cat >"$root/src/ext/alpn.c" <<'EOF'
#include "msg/msg.h"
#include "ext/ext.h"
#include "keysched/keysched.h"
#include "tickets/ticket.h" /* expect: layering */
EOF

cat >"$root/src/hs/flags.c" <<'EOF'
#ifdef CLASP_WITH_SERVER /* expect: ifdef-flag */
#endif
#ifndef CLASP_WITH_CLIENT /* expect: ifdef-flag */
#endif
#if defined(CLASP_WITH_EARLY_DATA) && CLASP_WITH_KEYLOG /* expect: ifdef-flag */
#endif
#if CLASP_WITH_SERVER && defined(__GNUC__)
#endif
static int g(uint8_t *d)
{
    memcpy(d, d + 1, 1); /* LINT-ALLOW(layering): no */ /* expect: marker raw-input */
    memcpy(d, d + 1, 1); /* LINT-ALLOW(raw-input) */ /* expect: marker raw-input */
    memcpy(d, d + 1, 1); /* LINT-ALLOW(bogus): x */ /* expect: marker raw-input */
    return 0;
}
EOF

cat >"$root/src/foo/x.c" <<'EOF'
int x; /* expect: layering */
EOF

cat >"$root/include/clasp/pub.h" <<'EOF'
#include <stddef.h>
#include "clasp/clasp_errors.h"
#include <clasp/clasp_version.h>
#include "base/rd.h" /* expect: public-include */
#include <crypto/provider.h> /* expect: public-include */
#include <openssl/ssl.h> /* expect: openssl-include */
EOF

echo "== lint on planted violations"
set +e
python3 "$lint" --root "$root" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$tmp/out.txt" "$tmp/err.txt"; echo "FAIL: lint exit $rc, want 1"; exit 1; }

# "path:line: check" for every finding, and for every expectation.
sed -E 's/^([^:]+):([0-9]+): ([a-z-]+):.*/\1:\2: \3/' "$tmp/out.txt" | LC_ALL=C sort >"$tmp/got.txt"
(cd "$root" && grep -rn 'expect: ' --include='*.[ch]' . |
    awk '{
        split($0, a, /:/); loc = a[1] ":" a[2]; sub(/^\.\//, "", loc)
        checks = $0; sub(/.*expect: /, "", checks); sub(/ *\*\/.*/, "", checks)
        n = split(checks, c, / +/)
        for (i = 1; i <= n; i++) print loc ": " c[i]
    }') | LC_ALL=C sort >"$tmp/want.txt"

if ! diff -u "$tmp/want.txt" "$tmp/got.txt" >"$tmp/diff.txt"; then
    echo "FAIL: lint findings differ from the expectations (- expected, + reported):"
    cat "$tmp/diff.txt"
    echo "-- lint output:"
    cat "$tmp/out.txt"
    exit 1
fi
echo "OK: $(wc -l <"$tmp/want.txt") planted violations reported, no false positives"
