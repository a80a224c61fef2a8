# Helpers for the interop scripts (sourced, bash).
#
# Each script: source this file, call need_bin for every peer program,
# run cases with `run_case NAME FUNCTION [ARGS...]`, end with `finish`.
# A case function returns 0 on pass; it may call `why MESSAGE` to say
# what went wrong. Every process runs under `timeout`, every server is
# started through start_server (random free port in 20000-60000, retried
# when busy) and killed by the EXIT trap. A missing peer program FAILS the
# script: nothing is skipped silently.

set -u

: "${CLASP_BUILD_DIR:?CLASP_BUILD_DIR must point at the build directory}"
: "${CLASP_SOURCE_DIR:?CLASP_SOURCE_DIR must point at the source tree}"

CLASP="$CLASP_BUILD_DIR/clasp"
PKI="$CLASP_SOURCE_DIR/tests/pki"
ROOTS="$PKI/all-roots.pem"
T=20 # seconds any single process may run

TMP=$(mktemp -d "${TMPDIR:-/tmp}/clasp-interop.XXXXXX")
PIDS=()
PASSED=0
FAILED=0
FAILED_NAMES=()
WHY=""

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

die() {
    echo "FAIL: $*" >&2
    echo "0 passed, 1 failed (setup)"
    exit 1
}

need_bin() {
    command -v "$1" >/dev/null 2>&1 ||
        die "peer program '$1' not found (install: ${2:-$1}); refusing to skip"
}

[ -x "$CLASP" ] || die "$CLASP not built"

why() {
    WHY="$*"
    return 1
}

# " (2.1 s)" for cases slower than a second, else nothing.
case_time() {
    local ms=$(((${EPOCHREALTIME/./} - ${1/./}) / 1000))
    [ "$ms" -ge 1000 ] && printf ' (%d.%d s)' $((ms / 1000)) $((ms % 1000 / 100))
}

# run_case NAME FUNCTION [ARGS...]
run_case() {
    local name=$1
    shift
    WHY=""
    CASE_DIR="$TMP/case-$((PASSED + FAILED))"
    mkdir -p "$CASE_DIR"
    local t0=$EPOCHREALTIME slow
    if "$@" && no_sanitizer_report; then
        PASSED=$((PASSED + 1))
        slow=$(case_time "$t0")
        printf '  ok    %s%s\n' "$name" "$slow"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        slow=$(case_time "$t0")
        printf '  FAIL  %s%s%s\n' "$name" "$slow" "${WHY:+: $WHY}"
        # The logs of a failed case help more than any summary.
        local f
        for f in "$CASE_DIR"/*.log "$CASE_DIR"/*.out; do
            [ -s "$f" ] || continue
            echo "    --- $(basename "$f") (last 15 lines)"
            tail -n 15 "$f" | sed 's/^/    | /'
        done
    fi
    stop_servers
}

# A sanitizer build (-DCLASP_SANITIZE=ON) reports on stderr, which every
# case keeps in its logs: any report fails the case.
no_sanitizer_report() {
    stop_servers
    local f
    for f in "$CASE_DIR"/*; do
        [ -f "$f" ] || continue
        if grep -qaE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$f"; then
            why "sanitizer report in $(basename "$f")"
            return 1
        fi
    done
}

finish() {
    local what=$1
    echo "$what: $PASSED passed, $FAILED failed"
    if [ "$FAILED" -gt 0 ]; then
        printf '  failed: %s\n' "${FAILED_NAMES[@]}"
        exit 1
    fi
    exit 0
}

rand_port() {
    echo $((20000 + ((RANDOM << 15) | RANDOM) % 40000))
}

# wait_for FILE REGEX [SECONDS]: until FILE matches (grep -E).
wait_for() {
    local file=$1 re=$2 secs=${3:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        grep -qE -- "$re" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# start_server NAME READY_REGEX CMD...: run CMD (with @PORT@ replaced by a
# random port) in the background under timeout, stdout and stderr to
# $CASE_DIR/NAME.log, stdin from $SERVER_STDIN (default /dev/null), in
# directory $SERVER_CWD (default .), until READY_REGEX shows in the log.
# Sets PORT and SERVER_PID. Retries other ports when the port was taken.
start_server() {
    local name=$1 ready=$2
    shift 2
    local attempt args a log="$CASE_DIR/$name.log"
    for attempt in 1 2 3 4 5 6; do
        PORT=$(rand_port)
        args=()
        for a in "$@"; do
            args+=("${a//@PORT@/$PORT}")
        done
        : >"$log"
        (
            cd "${SERVER_CWD:-.}" &&
                exec timeout "$T" "${args[@]}" <"${SERVER_STDIN:-/dev/null}" \
                    >"$log" 2>&1
        ) &
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        SERVERS+=("$SERVER_PID")
        local i
        for ((i = 0; i < 400; i++)); do
            if grep -qE -- "$ready" "$log" 2>/dev/null; then
                return 0
            fi
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.025
        done
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        if ! grep -qiE "in use|bind|address" "$log"; then
            break
        fi
    done
    echo "    could not start $name: $(tail -n 3 "$log" | tr '\n' ' ')"
    return 1
}

SERVERS=()
stop_servers() {
    local p
    for p in "${SERVERS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    SERVERS=()
}

# wait_server: wait for the last server to exit by itself; its status.
wait_server() {
    wait "$SERVER_PID"
}

# has FILE STRING: fixed-string search, with a reason on failure.
has() {
    grep -qF -- "$2" "$1" || why "'$2' not in $(basename "$1")"
}

hasnt() {
    ! grep -qF -- "$2" "$1" || why "'$2' unexpectedly in $(basename "$1")"
}

sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# The clasp client's one-line summary field: brief_field FILE KEY.
brief_field() {
    grep -o "CONNECTION ESTABLISHED: .*" "$1" | tr ' ' '\n' |
        sed -n "s/^$2=//p" | head -n 1
}

# expect_field FILE KEY VALUE
expect_field() {
    local got
    got=$(brief_field "$1" "$2")
    [ "$got" = "$3" ] || why "$2: expected '$3', got '${got:-nothing}'"
}

# Key kind -> the scheme a TLS 1.3 CertificateVerify uses with it when
# the peer offers everything (RFC 8446 §4.2.3: PSS for RSA keys in TLS
# 1.3; each ECDSA curve with its own hash; EdDSA by key type).
sig_for_kind() {
    case $1 in
    rsa2048) echo rsa_pss_rsae_sha256 ;;
    rsapss) echo rsa_pss_pss_sha256 ;;
    ecdsa-p256) echo ecdsa_secp256r1_sha256 ;;
    ecdsa-p384) echo ecdsa_secp384r1_sha384 ;;
    ecdsa-p521) echo ecdsa_secp521r1_sha512 ;;
    ed25519) echo ed25519 ;;
    ed448) echo ed448 ;;
    esac
}

KINDS="rsa2048 rsapss ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519 ed448"
SUITES="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256"
GROUPS_ALL="x25519 secp256r1 x448 secp384r1 secp521r1"

# FIFOs feed stdin commands to s_client, s_server, gnutls-cli and our own
# tool. fifo_open NAME makes $CASE_DIR/NAME and starts a holder process
# that keeps it open for writing, so that its reader sees no end of file
# between two fifo_send calls and no descriptor leaks into other
# children; fifo_close NAME ends the holder: the reader gets end of file.
declare -A FIFO_HOLDER
fifo_open() {
    mkfifo "$CASE_DIR/$1" || return 1
    sleep "$T" >"$CASE_DIR/$1" &
    FIFO_HOLDER[$1]=$!
    PIDS+=("$!")
}

# fifo_send NAME LINE: one line to the reader (gives up after 5 s when
# nobody reads).
fifo_send() {
    printf '%s\n' "$2" | timeout 5 tee -a "$CASE_DIR/$1" >/dev/null
}

fifo_close() {
    kill "${FIFO_HOLDER[$1]}" 2>/dev/null
    wait "${FIFO_HOLDER[$1]}" 2>/dev/null
    return 0
}
