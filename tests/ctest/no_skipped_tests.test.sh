#!/usr/bin/env bash
# A skipped test is never counted as passed:
#   1. in this build, no test may skip (no SKIP_RETURN_CODE,
#      SKIP_REGULAR_EXPRESSION or DISABLED), and every cmocka test fails on
#      cmocka's "[  SKIPPED ]" marker (FAIL_REGULAR_EXPRESSION);
#   2. tests/run_ctest.sh (what make check and CI use) fails on a project
#      whose tests pass except one skipped, or one disabled, or none at all,
#      and passes a clean project with CTest's summary as its last line.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }

echo "== test properties of this build"
(cd "$build" && ctest --show-only=json-v1) | python3 -c '
import json, sys
tests = json.load(sys.stdin)["tests"]
bad = []
for t in tests:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    for p in ("SKIP_RETURN_CODE", "SKIP_REGULAR_EXPRESSION", "DISABLED"):
        if p in props and props[p] not in (False, "OFF", "0", ""):
            bad.append(t["name"] + ": sets " + p)
    if "unit" in props.get("LABELS", []):
        fre = props.get("FAIL_REGULAR_EXPRESSION", [])
        if not any("SKIPPED" in r for r in fre):
            bad.append(t["name"] + ": a cmocka skip() would pass")
if not tests:
    bad.append("no tests registered")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# project NAME CMAKE-LINES...: a tiny CTest project in $tmp/NAME.
project() {
    local name=$1
    shift
    mkdir -p "$tmp/$name"
    {
        echo "cmake_minimum_required(VERSION 3.20)"
        echo "project($name NONE)"
        echo "enable_testing()"
        printf '%s\n' "$@"
    } >"$tmp/$name/CMakeLists.txt"
    cmake -S "$tmp/$name" -B "$tmp/$name/b" >/dev/null
}

expect() {
    local want=$1 name=$2 rc=0
    bash "$src/tests/run_ctest.sh" "$tmp/$name/b" >"$tmp/$name.log" 2>&1 || rc=$?
    if [ "$want" = fail ] && [ "$rc" -eq 0 ]; then
        cat "$tmp/$name.log"
        echo "FAIL: run_ctest.sh passed project '$name'"
        exit 1
    fi
    if [ "$want" = pass ] && [ "$rc" -ne 0 ]; then
        cat "$tmp/$name.log"
        echo "FAIL: run_ctest.sh failed project '$name'"
        exit 1
    fi
    echo "run_ctest.sh on '$name': ${want}ed as it should"
}

echo "== tests/run_ctest.sh"
project clean 'add_test(NAME a COMMAND true)' 'add_test(NAME b COMMAND true)'
expect pass clean
last=$(tail -n 1 "$tmp/clean.log")
[ "$last" = "100% tests passed, 0 tests failed out of 2" ] ||
    { echo "FAIL: last line is '$last', not CTest's summary"; exit 1; }

project skipped 'add_test(NAME a COMMAND true)' \
    'add_test(NAME s COMMAND sh -c "exit 77")' \
    'set_tests_properties(s PROPERTIES SKIP_RETURN_CODE 77)'
expect fail skipped

project skipregex 'add_test(NAME a COMMAND true)' \
    'add_test(NAME s COMMAND sh -c "echo SKIPME")' \
    'set_tests_properties(s PROPERTIES SKIP_REGULAR_EXPRESSION SKIPME)'
expect fail skipregex

project disabled 'add_test(NAME a COMMAND true)' \
    'add_test(NAME d COMMAND true)' \
    'set_tests_properties(d PROPERTIES DISABLED ON)'
expect fail disabled

project empty
expect fail empty

project failing 'add_test(NAME a COMMAND true)' 'add_test(NAME f COMMAND false)'
expect fail failing

echo "OK: no test of this build can skip, and run_ctest.sh counts skips as failures"
