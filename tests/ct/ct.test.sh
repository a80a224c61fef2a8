#!/usr/bin/env bash
# Constant-time check under valgrind memcheck (tests/ct/ct_check.c says
# what is secret and where results become public):
#   1. build ct_check, linked with this build's libclasp_internal.a (the
#      objects as built, optimisation included), or, in a sanitizer build
#      (valgrind cannot run sanitized code), with the library's sources
#      compiled at -O2 without sanitizers (-gdwarf-4: valgrind 3.19
#      misreads clang's DWARF 5);
#   2. run it under memcheck: no error at all may be reported in clasp's
#      code (reports inside libcrypto are suppressed, and counted);
#   3. controls: memcheck must report an early-exit comparison of the
#      harness and a secret-dependent branch in clasp's own code
#      (clasp_rec_header_parse on a secret header), so the check can fail.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
cc=${CLASP_C_COMPILER:-cc}
for tool in valgrind pkg-config "$cc"; do
    command -v "$tool" >/dev/null ||
        { echo "FAIL: $tool not found (Debian package: valgrind)"; exit 1; }
done
[ -f /usr/include/valgrind/memcheck.h ] ||
    { echo "FAIL: <valgrind/memcheck.h> missing (Debian package: valgrind)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inc=(-I"$src/include" -I"$build/include" -I"$src/src")
read -r -a libs <<<"$(pkg-config --libs libcrypto)"
if [ "${CLASP_SANITIZE:-0}" = 1 ]; then
    echo "== sanitizer build: compiling the code under test without sanitizers"
    # libclasp_internal's sources: src/ minus the optional stores in
    # libraries of their own (src/ext_store/, e.g. libclasp_redis).
    mapfile -t objs < <(find "$src/src" -name '*.c' -not -path '*/ext_store/*' |
        sort)
else
    objs=("$build/libclasp_internal.a")
fi
"$cc" -std=c11 -O2 -g -gdwarf-4 "${inc[@]}" "$src/tests/ct/ct_check.c" "${objs[@]}" \
    "${libs[@]}" -o "$tmp/ct_check"

vg=(valgrind --tool=memcheck --error-exitcode=42 --track-origins=yes
    --suppressions="$src/tests/ct/libcrypto.supp" -s)

echo "== ct_check under memcheck"
rc=0
"${vg[@]}" "$tmp/ct_check" >"$tmp/out" 2>&1 || rc=$?
cat "$tmp/out"
if [ $rc -ne 0 ] || ! grep -q "running under valgrind" "$tmp/out" ||
    ! grep -q "functional checks passed" "$tmp/out"; then
    echo "FAIL: memcheck reported secret-dependent behaviour (exit $rc)"
    exit 1
fi
supp=$(sed -n 's/.*ERROR SUMMARY: .*(suppressed: \([0-9]*\) from.*/\1/p' "$tmp/out" | tail -1)
echo "ct: clean; reports inside libcrypto suppressed: ${supp:-0}"

for control in harness:leaky_equal clasp:clasp_rec_header_parse; do
    name=${control%%:*}
    fn=${control#*:}
    echo "== control --control-$name (must be reported, in $fn)"
    rc=0
    "${vg[@]}" "$tmp/ct_check" "--control-$name" >"$tmp/ctl" 2>&1 || rc=$?
    if [ $rc -ne 42 ] ||
        ! grep -q "Conditional jump or move depends on uninitialised" "$tmp/ctl" ||
        ! grep -q "$fn" "$tmp/ctl"; then
        cat "$tmp/ctl"
        echo "FAIL: the control $name was not reported: the check cannot fail"
        exit 1
    fi
    echo "reported, as it must be"
done
echo "PASS"
