#!/usr/bin/env bash
# Run CTest in a build directory and fail unless every test ran and passed.
#
#   tests/run_ctest.sh BUILD_DIR [ctest args...]
#
# CTest's own exit code already fails on a failed test. This wrapper also
# fails when no test ran at all, or when CTest reports a test as "Not Run",
# skipped or disabled (a skipped test is never counted as passed). Its last
# line of output is CTest's summary line, e.g.
#   100% tests passed, 0 tests failed out of 7
set -euo pipefail

build=${1:?usage: tests/run_ctest.sh BUILD_DIR [ctest args...]}
shift

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
(cd "$build" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+$' \
    "$log" | tail -n 1 || true)
problems=()
# CTest's markers for tests that did not run (they are left out of the
# "out of N" count, so the summary alone would hide them).
notrun_re='\*\*\*(Skipped|Not Run)|^The following tests did not run:|\((Skipped|Disabled|Not Run)\)$'
if [ "$rc" -ne 0 ]; then
    problems+=("ctest failed (exit $rc)")
fi
if [ -z "$summary" ]; then
    problems+=("no CTest summary line: no test ran")
elif [[ "$summary" == *" out of 0" ]]; then
    problems+=("CTest ran no test")
fi
if grep -qE "$notrun_re" "$log"; then
    problems+=("tests were skipped or not run (a skipped test is a failure):")
    while IFS= read -r line; do
        problems+=("  $line")
    done < <(grep -E "$notrun_re" "$log")
fi

# On success the summary is the last line; on failure the reasons follow it.
if [ -n "$summary" ]; then
    echo "$summary"
fi
if [ "${#problems[@]}" -gt 0 ]; then
    for p in "${problems[@]}"; do
        echo "run_ctest: $p"
    done
    exit 1
fi
