#!/usr/bin/env bash
# 0-RTT interop with GnuTLS's command-line peers (RFC 8446 §2.3):
#   `gnutls-cli --resume --earlydata F` against `clasp server -early_data`
#   (after the server's §8.2 start-up window): accepted, bytes once;
#   `clasp client -early_data F -sess_in S` against
#   `gnutls-serv --earlydata`: accepted.
. "$(dirname "$0")/lib.sh"

need_bin gnutls-cli gnutls-bin
need_bin gnutls-serv gnutls-bin

WINDOW=10 # seconds: the library's default anti-replay window
# The server lives through one window plus the connections: more time
# than lib.sh's default for any single process (slow, loaded machines).
T=45

s_early() {
    printf 'early bytes from gnutls-cli\n' >"$CASE_DIR/early.txt"
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 2 -www -early_data \
        -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" ||
        return 1
    sleep $((WINDOW + 1))
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" gnutls-cli --port "$PORT" --x509cafile "$ROOTS" \
            --resume --earlydata="$CASE_DIR/early.txt" localhost \
            >"$CASE_DIR/client.log" 2>&1 || why "gnutls-cli failed" ||
        return 1
    has "$CASE_DIR/client.log" "This is a resumed session" || return 1
    wait_for "$CASE_DIR/clasp-server.log" "Early data was accepted" 5 ||
        why "the server did not accept" || return 1
    [ "$(grep -c 'early bytes from gnutls-cli' \
        "$CASE_DIR/clasp-server.log")" = 1 ] ||
        why "early bytes not delivered exactly once"
}

c_early() {
    printf 'early bytes from clasp\n' >"$CASE_DIR/early.txt"
    SERVER_STDIN=<(sleep "$T") start_server gnutls-serv 'listening' \
        gnutls-serv --port @PORT@ --earlydata --maxearlydata 16384 \
        --x509certfile "$PKI/ecdsa-p256/chain.pem" \
        --x509keyfile "$PKI/ecdsa-p256/leaf.key" || return 1
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
    has "$CASE_DIR/client.log" "Resumed         yes" &&
        has "$CASE_DIR/client.log" "Early data was accepted"
}

run_case "gnutls-cli --earlydata -> clasp server -early_data" s_early
run_case "clasp client -early_data -> gnutls-serv --earlydata" c_early

finish "gnutls 0-RTT interop"
