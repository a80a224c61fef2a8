#!/usr/bin/env bash
# Install clasp into a temporary prefix (cmake --install) and build a tiny
# program against that installed copy, both ways a user would:
#   1. pkg-config (clasp.pc): shared, then static (--static, libclasp.a);
#   2. CMake: find_package(clasp CONFIG) -> clasp::clasp, clasp::clasp_static.
# Each program must run, and must use the installed library (not the build
# tree): the shared ones resolve libclasp.so.0 inside the prefix, the static
# ones do not need libclasp.so at all. The installed headers are compiled
# with -std=c11 -pedantic -Werror.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
cc=${CLASP_C_COMPILER:-cc}
for tool in cmake pkg-config ldd "$cc"; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
version=$(sed -n 's/^#define CLASP_VERSION_STRING "\(.*\)"/\1/p' \
    "$src/include/clasp/clasp_version.h")

# A sanitizer build's library needs the sanitizer runtime in the program.
san=()
if [ "${CLASP_SANITIZE:-0}" = 1 ]; then
    san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
fi
cflags=(-std=c11 -pedantic -Wall -Wextra -Werror "${san[@]}")

step() { echo "== $*"; }

step "cmake --install into $prefix"
DESTDIR= cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    { cat "$tmp/install.log"; exit 1; }
for f in include/clasp/clasp.h include/clasp/clasp_errors.h \
         include/clasp/clasp_version.h include/clasp/clasp_build_config.h; do
    [ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
pc=$(find "$prefix" -name clasp.pc -path '*/pkgconfig/*' | head -n 1)
cfg=$(find "$prefix" -name claspConfig.cmake | head -n 1)
[ -n "$pc" ] || { echo "FAIL: clasp.pc not installed"; exit 1; }
[ -n "$cfg" ] || { echo "FAIL: claspConfig.cmake not installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
for f in libclasp.a libclasp.so "libclasp.so.${version%%.*}" "libclasp.so.$version"; do
    [ -e "$libdir/$f" ] || { echo "FAIL: $libdir/$f not installed"; exit 1; }
done

# Shared programs must load libclasp from the prefix; static ones not at all.
check_run() {
    local exe=$1 kind=$2
    "$exe" >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; echo "FAIL: $exe"; exit 1; }
    cat "$tmp/run.log"
    local resolved
    resolved=$(ldd "$exe" | awk '/libclasp\.so/ { print $3 }')
    if [ "$kind" = shared ]; then
        [ "$(readlink -f "$resolved")" = "$(readlink -f "$libdir/libclasp.so.$version")" ] ||
            { echo "FAIL: $exe loads libclasp from '$resolved', not $libdir"; exit 1; }
    else
        [ -z "$resolved" ] || { echo "FAIL: static $exe needs $resolved"; exit 1; }
    fi
}

export PKG_CONFIG_PATH=$(dirname "$pc")
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
step "pkg-config"
[ "$(pkg-config --modversion clasp)" = "$version" ] ||
    { echo "FAIL: pkg-config --modversion clasp is not $version"; exit 1; }
pkg-config --print-requires-private clasp | grep -q '^libcrypto' ||
    { echo "FAIL: clasp.pc lacks Requires.private: libcrypto"; exit 1; }
read -r -a pc_cflags <<<"$(pkg-config --cflags clasp)"
read -r -a pc_libs <<<"$(pkg-config --libs clasp)"
read -r -a pc_static <<<"$(pkg-config --static --libs clasp)"
"$cc" "${cflags[@]}" "${pc_cflags[@]}" "$src/tests/install/consumer.c" \
    -o "$tmp/pc_shared" "${pc_libs[@]}" -Wl,-rpath,"$libdir"
check_run "$tmp/pc_shared" shared
# Static: the same flags with --static, picking libclasp.a over the .so.
"$cc" "${cflags[@]}" "${pc_cflags[@]}" "$src/tests/install/consumer.c" \
    -o "$tmp/pc_static" "${pc_static[@]/#-lclasp/-l:libclasp.a}"
check_run "$tmp/pc_static" static

step "CMake find_package(clasp CONFIG)"
mkdir -p "$tmp/consumer"
cp "$src/tests/install/consumer.c" "$tmp/consumer/"
sed "s/@CLASP_VERSION@/$version/" "$src/tests/install/CMakeLists.consumer.txt" \
    >"$tmp/consumer/CMakeLists.txt"
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="${cflags[*]}" \
    -DCMAKE_EXE_LINKER_FLAGS="${san[*]}" >"$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log"; echo "FAIL: consumer configure"; exit 1; }
cmake --build "$tmp/consumer/build" >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; echo "FAIL: consumer build"; exit 1; }
check_run "$tmp/consumer/build/consumer_shared" shared
check_run "$tmp/consumer/build/consumer_static" static

echo "OK: installed clasp $version works through pkg-config and CMake"
