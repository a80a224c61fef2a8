#!/usr/bin/env bash
# 0-RTT interop with OpenSSL's command-line peers (RFC 8446 §2.3, §8):
#   `openssl s_client -early_data F -sess_in S` against
#   `clasp server -early_data`: rejected while the server's anti-replay
#   store is younger than one window (§8.2), accepted after it, and a
#   replay of the same ticket rejected (single use);
#   `clasp client -early_data F -sess_in S` against
#   `openssl s_server -early_data`: accepted, the bytes arrive.
. "$(dirname "$0")/lib.sh"

need_bin openssl openssl

WINDOW=10 # seconds: the library's default anti-replay window
# The server lives through one window plus the connections: more time
# than lib.sh's default for any single process (slow, loaded machines).
T=45

# o_early PATH FILE: GET PATH through s_client, FILE as 0-RTT data.
o_early() {
    printf 'GET %s HTTP/1.0\r\n\r\n' "$1" |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -ign_eof \
            -sess_in "$CASE_DIR/sess.pem" -early_data "$2" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client failed (exit $?)"
}

s_early() {
    printf 'early bytes from s_client\n' >"$CASE_DIR/early.txt"
    local t0=$SECONDS
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 4 -www -early_data \
        -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" ||
        return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -sess_out "$CASE_DIR/sess.pem" \
            >"$CASE_DIR/page0.out" 2>&1 || why "s_client -sess_out failed" ||
        return 1
    has "$CASE_DIR/page0.out" "Max Early Data: 14336" || return 1
    # At once: the store is younger than one window, 0-RTT is rejected
    # (s_client then resends), the handshake resumes all the same.
    o_early / "$CASE_DIR/early.txt" || return 1
    has "$CASE_DIR/page.out" "Early data was rejected" &&
        has "$CASE_DIR/page.out" "Reused, TLSv1.3" || return 1
    # One window later: accepted, the bytes reach the server once.
    local wait=$((WINDOW + 1 - (SECONDS - t0)))
    [ "$wait" -gt 0 ] && sleep "$wait"
    o_early / "$CASE_DIR/early.txt" || return 1
    has "$CASE_DIR/page.out" "Early data was accepted" || return 1
    wait_for "$CASE_DIR/clasp-server.log" "Early data was accepted" 5 ||
        why "the server did not accept" || return 1
    [ "$(grep -c 'early bytes from s_client' "$CASE_DIR/clasp-server.log")" \
        = 1 ] || why "early bytes not delivered exactly once" || return 1
    # The same ticket again: single use, rejected (§8.1).
    o_early / "$CASE_DIR/early.txt" || return 1
    has "$CASE_DIR/page.out" "Early data was rejected"
}

c_early() {
    printf 'early bytes from clasp\n' >"$CASE_DIR/early.txt"
    SERVER_STDIN=<(sleep "$T") start_server s_server '^ACCEPT' \
        openssl s_server -tls1_3 -accept "127.0.0.1:@PORT@" -naccept 2 \
        -early_data -cert "$PKI/ecdsa-p256/leaf.pem" \
        -cert_chain "$PKI/ecdsa-p256/inter.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" || return 1
    (printf 'first\n'; sleep 1) |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -sess_out "$CASE_DIR/sess.bin" \
            >/dev/null 2>"$CASE_DIR/client1.log" ||
        why "clasp client -sess_out failed" || return 1
    sleep 1 | timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
        -CAfile "$ROOTS" -sess_in "$CASE_DIR/sess.bin" \
        -early_data "$CASE_DIR/early.txt" \
        >/dev/null 2>"$CASE_DIR/client.log" ||
        why "clasp client -early_data failed" || return 1
    has "$CASE_DIR/client.log" "Early data was accepted" || return 1
    wait_for "$CASE_DIR/s_server.log" "early bytes from clasp" 5 ||
        why "s_server did not print the early bytes" || return 1
    has "$CASE_DIR/s_server.log" "Early data received"
}

run_case "s_client -early_data -> clasp server: §8.2 window, accepted, replay" \
    s_early
run_case "clasp client -early_data -> s_server -early_data" c_early

finish "openssl 0-RTT interop"
