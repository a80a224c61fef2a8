#!/usr/bin/env bash
# Instruction-count regression check (issue #9): clasp's non-crypto
# instructions per handshake (full handshakes with X25519 and ECDSA P-256
# or RSA-2048, and resumed handshakes, psk_dhe_ke with X25519; server and
# client side) must not grow more than 5% above the committed baseline,
# tools/bench/baseline.txt. Method and the counts themselves:
# tools/bench/callgrind.sh and docs/PERFORMANCE.md.
#
# Counts depend on the build, so callgrind.sh compares a gcc Release build
# without sanitizers: this build when it is one, otherwise it builds one in
# $CLASP_BUILD_DIR/bench-canonical first. After a deliberate change
# (a feature that costs instructions, or a gain to lock in), regenerate the
# baseline with `tools/bench/callgrind.sh --update` and commit it.
set -euo pipefail

src=${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR not set}
build=${CLASP_BUILD_DIR:?CLASP_BUILD_DIR not set}
command -v valgrind >/dev/null || {
    echo "FAIL: valgrind not found (apt-get install valgrind)"
    exit 1
}
exec bash "$src/tools/bench/callgrind.sh" --build "$build" --handshakes 20 \
    --check
