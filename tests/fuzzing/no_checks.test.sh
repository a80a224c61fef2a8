#!/usr/bin/env bash
# The fuzzing build's no-checks switch (CLASP_FUZZ_NO_CHECKS, see
# src/base/fuzzing.h and docs/FUZZING.md) never reaches libclasp:
#
#   1. libclasp.so and libclasp.a of this build hold no trace of it: no
#      marker string (CLASP_FUZZ_MARK: "clasp-fuzz-no-checks: ...") and no
#      symbol of clasp_hs_fuzz_skip(), defined or referenced;
#   2. control, so that check can fail: every source file with an
#      `if (CLASP_FUZZ_NO_CHECKS)` branch, compiled with
#      -DCLASP_FUZZ_NO_CHECKS=1, holds one marker string per branch and
#      references clasp_hs_fuzz_skip(); compiled without it (-O0 and -O2)
#      it holds neither; the skipped checks are exactly Finished and PSK
#      binder;
#   3. the CMake guard: a configuration that would give libclasp's objects
#      the define (here through CMAKE_C_FLAGS) fails, and so does
#      -DCLASP_FUZZING_NO_CHECKS=ON without -DCLASP_FUZZING=ON.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
lib=${CLASP_SHARED_LIB:-$build/libclasp.so}
alib=${CLASP_STATIC_LIB:-$build/libclasp.a}
cc=${CLASP_C_COMPILER:-cc}
for tool in nm strings cmake pkg-config "$cc"; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
mark_re='clasp-fuzz-no-checks: '
sym_re='clasp_hs_fuzz_skip'

# Marker strings of a file (sorted, unique), and its symbols named like
# the skip function.
marks() { strings -a "$1" | grep -E "$mark_re" | LC_ALL=C sort -u || true; }
syms() { nm -a "$1" 2>/dev/null | grep -E "$sym_re" || true; }

# ---- 1. the libraries of this build ----------------------------------------
for f in "$lib" "$alib"; do
    [ -f "$f" ] || { bad "$f not built"; continue; }
    m=$(marks "$f")
    [ -z "$m" ] || bad "$(basename "$f") holds no-checks markers:"$'\n'"$m"
    s=$(syms "$f")
    [ -z "$s" ] || bad "$(basename "$f") has no-checks symbols:"$'\n'"$s"
done
d=$(nm -D "$lib" 2>/dev/null | grep -E "$sym_re" || true)
[ -z "$d" ] || bad "libclasp.so exports or imports the skip function: $d"
echo "libraries: no marker, no symbol ($(basename "$lib"), $(basename "$alib"))"

# ---- 2. control: the same sources with the switch on ----------------------
inc=(-I"$src/include" -I"$build/include" -I"$src/src")
read -r -a ossl <<<"$(pkg-config --cflags libcrypto)"
mapfile -t files < <(grep -rlE --include='*.c' 'if \(CLASP_FUZZ_NO_CHECKS\)' "$src/src" | LC_ALL=C sort)
[ ${#files[@]} -gt 0 ] || bad "no source has an if (CLASP_FUZZ_NO_CHECKS) branch"
all_marks=""
for f in "${files[@]}"; do
    rel=${f#"$src"/}
    o=$tmp/$(basename "$f" .c)
    branches=$(grep -cE 'if \(CLASP_FUZZ_NO_CHECKS\)' "$f")
    want=$(grep -cE 'CLASP_FUZZ_MARK\("' "$f")
    [ "$branches" -eq "$want" ] ||
        bad "$rel: $branches no-checks branches but $want CLASP_FUZZ_MARK"
    "$cc" -std=c11 -O2 -c "${inc[@]}" "${ossl[@]}" -DCLASP_FUZZ_NO_CHECKS=1 \
        "$f" -o "$o.nc.o"
    m=$(marks "$o.nc.o")
    n=$(grep -c . <<<"$m" || true)
    [ "$n" -eq "$want" ] ||
        bad "$rel with -DCLASP_FUZZ_NO_CHECKS=1: $n marker strings, want $want"
    [ -n "$(syms "$o.nc.o")" ] ||
        bad "$rel with -DCLASP_FUZZ_NO_CHECKS=1: no $sym_re symbol"
    all_marks+="$m"$'\n'
    for opt in -O0 -O2; do
        "$cc" -std=c11 "$opt" -c "${inc[@]}" "${ossl[@]}" "$f" -o "$o$opt.o"
        [ -z "$(marks "$o$opt.o")$(syms "$o$opt.o")" ] ||
            bad "$rel at $opt without the switch keeps the skip branch"
    done
    echo "control: $rel: $want skip branch(es); markers with the switch, none without (-O0, -O2)"
done
got=$(grep . <<<"$all_marks" | sed "s/^$mark_re//" | LC_ALL=C sort -u | tr '\n' ';')
expect="Finished not checked;PSK binder not checked;"
[ "$got" = "$expect" ] ||
    bad "the no-checks mode skips '$got', docs/FUZZING.md says '$expect'"

# ---- 3. the CMake guard ---------------------------------------------------
guard() {
    local name=$1 msg=$2
    shift 2
    if cmake -S "$src" -B "$tmp/cmake-$name" -DCMAKE_C_COMPILER="$cc" \
        -DCLASP_TESTS=OFF -DCLASP_BENCH=OFF "$@" >"$tmp/$name.log" 2>&1; then
        bad "cmake $* configured: the guard did not fire"
    elif ! grep -q "$msg" "$tmp/$name.log"; then
        cat "$tmp/$name.log"
        bad "cmake $* failed, but not because of the guard"
    else
        echo "guard: cmake $* fails as it must"
    fi
}
guard cflags "CLASP_FUZZ_NO_CHECKS would reach libclasp" \
    -DCMAKE_C_FLAGS=-DCLASP_FUZZ_NO_CHECKS=1
guard option "CLASP_FUZZING_NO_CHECKS is only valid with" \
    -DCLASP_FUZZING_NO_CHECKS=ON

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "PASS"
