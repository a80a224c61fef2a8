#!/usr/bin/env bash
# The ABI of libclasp.so (DESIGN.md §3.16): only CLASP_API functions are
# exported, and they are exactly the committed list cmake/clasp.symbols.
#
#   exported_symbols.test.sh            check (run by CTest)
#   exported_symbols.test.sh --update   rewrite cmake/clasp.symbols from the
#                                       built library (`make symbols`)
#
# Also checks: no exported symbol without the clasp_ prefix, no exported
# variables, every exported function declared CLASP_API in include/clasp/,
# SONAME libclasp.so.<MAJOR>, and no trace of libssl (clasp uses libcrypto
# only): no libssl in NEEDED, no reference to SSL_* / TLS_* / DTLS_* /
# OPENSSL_init_ssl in libclasp.so or libclasp.a.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
lib=${CLASP_SHARED_LIB:-$build/libclasp.so}
alib=${CLASP_STATIC_LIB:-$build/libclasp.a}
list=$src/cmake/clasp.symbols

for tool in nm readelf; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }

# Defined dynamic symbols as "TYPE NAME" (version suffixes dropped).
defined=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $2, $3 }')
functions=$(awk '$1 ~ /^[TtWi]$/ { print $2 }' <<<"$defined" | LC_ALL=C sort -u)

# libclasp_redis (when built): exactly cmake/clasp_redis.symbols, all
# clasp_redis_*, declared CLASP_API in include/clasp/clasp_redis.h, no
# exported variables; and libclasp.so never needs hiredis.
rlib=${CLASP_REDIS_SHARED_LIB:-}
[ -n "$rlib" ] || [ ! -f "$build/libclasp_redis.so" ] || rlib=$build/libclasp_redis.so
rlist=$src/cmake/clasp_redis.symbols
rdefined=
rfunctions=
if [ -n "$rlib" ]; then
    [ -f "$rlib" ] || { echo "FAIL: $rlib not built"; exit 1; }
    rdefined=$(nm -D --defined-only "$rlib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $2, $3 }')
    rfunctions=$(awk '$1 ~ /^[TtWi]$/ { print $2 }' <<<"$rdefined" | LC_ALL=C sort -u)
fi

if [ "${1:-}" = "--update" ]; then
    if [ -n "$rlib" ]; then
        {
            echo "# Functions exported by libclasp_redis.so, one per line, sorted."
            echo "# Checked by tests/symbols/exported_symbols.test.sh;"
            echo "# regenerate with \`make symbols\` after changing clasp_redis.h."
            echo "$rfunctions"
        } >"$rlist"
        echo "wrote $(grep -vc '^#' "$rlist") symbols to $rlist"
    fi
    {
        echo "# Functions exported by libclasp.so, one per line, sorted."
        echo "# Checked by tests/symbols/exported_symbols.test.sh;"
        echo "# regenerate with \`make symbols\` after changing the public API."
        echo "$functions"
    } >"$list"
    echo "wrote $(grep -vc '^#' "$list") symbols to $list"
    exit 0
fi

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. Exactly the committed list.
want=$(grep -v '^#' "$list" | grep -v '^$' | LC_ALL=C sort -u)
if [ "$want" != "$(grep -v '^#' "$list" | grep -v '^$')" ]; then
    bad "cmake/clasp.symbols is not sorted or has duplicates"
fi
if [ "$functions" != "$want" ]; then
    bad "exported functions differ from cmake/clasp.symbols (< list, > library):"
    diff <(echo "$want") <(echo "$functions") | grep '^[<>]' | sed 's/^/    /' || true
    echo "    (public API changed on purpose? run 'make symbols' and commit)"
fi

# 2. Nothing without the clasp_ prefix; no exported variables.
others=$(awk '$2 !~ /^clasp_/ { print "    " $1, $2 }' <<<"$defined")
[ -z "$others" ] || bad "exported symbols without the clasp_ prefix:"$'\n'"$others"
data=$(awk '$1 !~ /^[TtWi]$/ && $2 ~ /^clasp_/ { print "    " $1, $2 }' <<<"$defined")
[ -z "$data" ] || bad "exported variables (the public API has none):"$'\n'"$data"

# 3. Every exported function is declared CLASP_API in a public header.
for f in $functions; do
    if ! grep -Eq "CLASP_API[^;]*\\b$f[[:space:]]*\\(" "$src"/include/clasp/*.h \
       && ! grep -Pzq "CLASP_API[^;]*\\b$f\\s*\\(" "$src"/include/clasp/*.h; then
        bad "$f is exported but not declared CLASP_API in include/clasp/"
    fi
done

# 4. SONAME and file version follow clasp_version.h.
major=$(sed -n 's/^#define CLASP_VERSION_MAJOR \([0-9]*\).*/\1/p' "$src/include/clasp/clasp_version.h")
version=$(sed -n 's/^#define CLASP_VERSION_STRING "\(.*\)"/\1/p' "$src/include/clasp/clasp_version.h")
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libclasp.so.$major" ] || bad "SONAME is '$soname', expected libclasp.so.$major"
real=$(readlink -f "$lib")
[ "$(basename "$real")" = "libclasp.so.$version" ] ||
    bad "library file is $(basename "$real"), expected libclasp.so.$version"

# 5. No libssl: not needed, no libssl symbol referenced (shared or static).
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if grep -q '^libssl' <<<"$needed"; then
    bad "libclasp.so needs libssl: $(grep '^libssl' <<<"$needed" | tr '\n' ' ')"
fi
ssl_re='^(SSL_|SSL$|TLS_|TLSv1|DTLS_|DTLSv1|OPENSSL_init_ssl|ERR_load_SSL_strings)'
ssl_refs=$( { nm -D --undefined-only "$lib"; [ ! -f "$alib" ] || nm --undefined-only "$alib" 2>/dev/null; } |
    awk '{ print $NF }' | sed 's/@.*//' | grep -E "$ssl_re" | LC_ALL=C sort -u || true)
[ -z "$ssl_refs" ] || bad "libclasp references libssl symbols:"$'\n'"$(sed 's/^/    /' <<<"$ssl_refs")"

if grep -q '^libhiredis' <<<"$needed"; then
    bad "libclasp.so needs hiredis (only libclasp_redis may)"
fi
if nm -D --undefined-only "$lib" | awk '{ print $NF }' | grep -q '^redis'; then
    bad "libclasp.so references hiredis symbols"
fi

# 6. libclasp_redis.
redis_note="libclasp_redis not built"
if [ -n "$rlib" ]; then
    rwant=$(grep -v '^#' "$rlist" | grep -v '^$' | LC_ALL=C sort -u)
    if [ "$rfunctions" != "$rwant" ]; then
        bad "libclasp_redis exports differ from cmake/clasp_redis.symbols (< list, > library):"
        diff <(echo "$rwant") <(echo "$rfunctions") | grep '^[<>]' | sed 's/^/    /' || true
    fi
    rothers=$(awk '$2 !~ /^clasp_redis_/ { print "    " $1, $2 }' <<<"$rdefined")
    [ -z "$rothers" ] || bad "libclasp_redis exports symbols without the clasp_redis_ prefix:"$'\n'"$rothers"
    rdata=$(awk '$1 !~ /^[TtWi]$/ { print "    " $1, $2 }' <<<"$rdefined")
    [ -z "$rdata" ] || bad "libclasp_redis exports variables:"$'\n'"$rdata"
    for f in $rfunctions; do
        grep -Pzq "CLASP_API[^;]*\\b$f\\s*\\(" "$src/include/clasp/clasp_redis.h" ||
            bad "$f is exported but not declared CLASP_API in clasp_redis.h"
    done
    rsoname=$(readelf -d "$rlib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [ "$rsoname" = "libclasp_redis.so.$major" ] ||
        bad "libclasp_redis SONAME is '$rsoname', expected libclasp_redis.so.$major"
    redis_note="libclasp_redis: $(wc -l <<<"$rfunctions") functions match cmake/clasp_redis.symbols"
fi

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "OK: $(wc -l <<<"$functions") exported functions match cmake/clasp.symbols;" \
     "SONAME $soname; no libssl, no hiredis; $redis_note"
