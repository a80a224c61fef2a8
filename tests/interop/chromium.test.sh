#!/usr/bin/env bash
# A real browser: Debian's headless Chromium loads pages from
# `clasp server -www`. Chromium's ClientHello carries GREASE values
# (RFC 8701) and a post-quantum hybrid key share (X25519MLKEM768) that clasp
# does not implement: the server must skip them and pick a group it has.
# The page text that arrives names what was negotiated.
. "$(dirname "$0")/lib.sh"

need_bin chromium chromium
need_bin openssl openssl

# Chromium trusts the test leaf by its SPKI hash (the test root is not in
# its store); every other check of the certificate stays on.
spki_of() {
    openssl x509 -in "$PKI/$1/leaf.pem" -pubkey -noout |
        openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64
}

s_srv() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 4 -www -trace "$@"
}

# browse KIND [PATH]: the DOM Chromium rendered goes to page.out.
browse() {
    local kind=$1 path=${2:-/}
    local profile="$CASE_DIR/profile"
    mkdir -p "$profile"
    HOME="$CASE_DIR" timeout "$T" chromium --headless --no-sandbox \
        --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$profile" \
        --ignore-certificate-errors-spki-list="$(spki_of "$kind")" \
        --dump-dom "https://localhost:$PORT$path" \
        >"$CASE_DIR/page.out" 2>"$CASE_DIR/chromium.log" ||
        why "chromium failed (exit $?)"
}

field() {
    grep -qE "^$1 +: $2\$" "$CASE_DIR/page.out" || why "page: '$1' is not '$2'"
}

c_page() {
    s_srv -cert "$PKI/$1/chain.pem" -key "$PKI/$1/leaf.key" && browse "$1" &&
        field Protocol TLSv1.3 && field SNI localhost &&
        field Request "GET / HTTP/1.1" &&
        grep -q '^Group *: x25519$' "$CASE_DIR/page.out" ||
        why "page did not arrive or group is not x25519"
}

c_grease_and_pq_share() {
    # The trace shows Chromium's hello; clasp answered with x25519, no HRR.
    s_srv -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" &&
        browse ecdsa-p256 && field HelloRetryRequest no &&
        field Group x25519 && big_hello
}

# Chromium's hello carries a 1,216-byte ML-KEM share besides x25519: a
# hello of more than 1,200 bytes in the server's ladder shows that the
# share clasp skipped was really there.
big_hello() {
    local n
    n=$(grep -oE 'ClientHello +[0-9]+ B' "$CASE_DIR/clasp-server.log" |
        head -n 1 | grep -oE '[0-9]+')
    [ -n "$n" ] && [ "$n" -gt 1200 ] || why "ClientHello of ${n:-?} bytes"
}

c_hrr() {
    # Only secp384r1 on the server: Chromium sent no share for it, so the
    # server asks for one (HelloRetryRequest) and Chromium answers.
    s_srv -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" \
        -groups secp384r1 && browse ecdsa-p256 &&
        field HelloRetryRequest yes && field Group secp384r1
}

c_alpn() {
    s_srv -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" \
        -alpn http/1.1 && browse ecdsa-p256 && field ALPN http/1.1
}

c_suite() {
    s_srv -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" \
        -ciphersuites "$1" && browse ecdsa-p256 && field "Cipher suite" "$1"
}

c_keyupdate() {
    s_srv -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" &&
        browse ecdsa-p256 /keyupdate &&
        field KeyUpdate "sent before this reply \(update_requested\)"
}

echo "chromium $(chromium --version 2>/dev/null | head -n 1)"
run_case "page over ECDSA P-256" c_page ecdsa-p256
run_case "page over RSA-2048" c_page rsa2048
run_case "GREASE and post-quantum key share skipped" c_grease_and_pq_share
run_case "HelloRetryRequest to secp384r1" c_hrr
run_case "ALPN http/1.1" c_alpn
run_case "TLS_AES_256_GCM_SHA384" c_suite TLS_AES_256_GCM_SHA384
run_case "TLS_CHACHA20_POLY1305_SHA256" c_suite TLS_CHACHA20_POLY1305_SHA256
run_case "KeyUpdate before the reply" c_keyupdate
finish chromium
