#!/usr/bin/env bash
# `clasp server -early_data -anti_replay redis://HOST:PORT/PREFIX` against
# a real redis-server (started here, no persistence, killed at exit) with
# `openssl s_client -early_data` as the client (RFC 8446 §8):
#   - young Redis data set: 0-RTT rejected (§8.2, fleet-wide epoch);
#   - one window later: accepted, the early bytes delivered once; the same
#     ticket again rejected (§8.1); the keys are in Redis with a PX
#     (their expiry is tested in test_redis_store);
#   - Redis unreachable: 0-RTT rejected (fail closed), the connection is
#     served all the same.
# A missing redis-server, redis-cli or openssl fails the test.
. "$CLASP_SOURCE_DIR/tests/interop/lib.sh"

need_bin openssl openssl
need_bin redis-server redis-server
need_bin redis-cli redis-server
T=30
# s_client reports ticket ages in whole seconds (OpenSSL keeps session
# times in seconds): a window of 3 s leaves room for that.
WINDOW_MS=3000

o_sess() {
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -sess_out "$CASE_DIR/sess.pem" \
            >"$CASE_DIR/page0.out" 2>&1 || why "s_client -sess_out failed"
}

o_early() {
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -ign_eof \
            -sess_in "$CASE_DIR/sess.pem" -early_data "$CASE_DIR/early.txt" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client failed (exit $?)"
}

clasp_server() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 4 -www -early_data -replay_window "$WINDOW_MS" \
        -anti_replay "$1" \
        -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key"
}

fleet_store() {
    start_server redis 'Ready to accept connections' redis-server \
        --port @PORT@ --bind 127.0.0.1 --save '' --appendonly no || return 1
    local rport=$PORT
    rcli() { timeout 5 redis-cli -h 127.0.0.1 -p "$rport" "$@"; }
    printf 'early bytes over redis\n' >"$CASE_DIR/early.txt"
    clasp_server "redis://127.0.0.1:$rport/clitest:" || return 1
    hasnt "$CASE_DIR/clasp-server.log" "warning" || return 1
    [ "$(rcli EXISTS clitest:epoch)" = 1 ] || why "no epoch key" || return 1
    o_sess || return 1
    o_early || return 1
    has "$CASE_DIR/page.out" "Early data was rejected" &&
        has "$CASE_DIR/page.out" "Reused, TLSv1.3" || return 1
    sleep 3.2
    o_early || return 1
    has "$CASE_DIR/page.out" "Early data was accepted" || return 1
    wait_for "$CASE_DIR/clasp-server.log" "Early data was accepted" 5 ||
        why "the server did not accept" || return 1
    [ "$(grep -c 'early bytes over redis' "$CASE_DIR/clasp-server.log")" \
        = 1 ] || why "early bytes not delivered exactly once" || return 1
    # The ClientHello and the ticket, each recorded with a PX.
    local keys
    keys=$(rcli --scan --pattern 'clitest:*' | grep -v epoch | sort)
    [ "$(wc -l <<<"$keys")" = 2 ] || why "keys: $keys" || return 1
    local k ttl
    for k in $keys; do
        [[ $k =~ ^clitest:[0-9a-f]{64}$ ]] || why "key name $k" || return 1
        ttl=$(rcli PTTL "$k")
        [ "$ttl" -gt 0 ] && [ "$ttl" -le $((2 * WINDOW_MS)) ] ||
            why "PTTL of $k is $ttl" || return 1
    done
    # The same ticket again (single use, §8.1).
    o_early || return 1
    has "$CASE_DIR/page.out" "Early data was rejected" || return 1
    [ "$(grep -c 'early bytes over redis' "$CASE_DIR/clasp-server.log")" \
        = 1 ] || why "rejected early bytes delivered"
}

unreachable() {
    local closed
    closed=$(rand_port)
    printf 'early bytes, store down\n' >"$CASE_DIR/early.txt"
    clasp_server "redis://127.0.0.1:$closed/x:" || return 1
    has "$CASE_DIR/clasp-server.log" "Redis does not answer" || return 1
    o_sess || return 1
    sleep 3.2
    o_early || return 1
    has "$CASE_DIR/page.out" "Early data was rejected" &&
        has "$CASE_DIR/page.out" "Reused, TLSv1.3" &&
        has "$CASE_DIR/page.out" "HTTP/1.0 200 ok" || return 1
    hasnt "$CASE_DIR/clasp-server.log" "Early data was accepted"
}

run_case "clasp server -anti_replay redis://: §8.2, accepted once, PX" \
    fleet_store
run_case "clasp server -anti_replay redis:// unreachable: fail closed" \
    unreachable
finish "clasp server with the Redis anti-replay store"
