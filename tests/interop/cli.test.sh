#!/usr/bin/env bash
# The `clasp` tool itself: usage and errors, `clasp demo` (its ladder in
# protocol order, with and without HRR), the embedded demo credentials
# against tests/pki, loopback-only listening, timeouts, and `clasp
# client` against `clasp server` over TCP (echo of 1 MiB, stdin commands
# for KeyUpdate, client certificates, -www errors, key logs, -naccept,
# -bind ::1, -quiet and -brief, orderly close, resumption with -reconnect
# and session files, external PSKs).
. "$(dirname "$0")/lib.sh"

need_bin python3 python3

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

s_srv() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept "${NACCEPT:-1}" "$@"
}

# ---- command line ------------------------------------------------------------

t_version() {
    "$CLASP" version >"$CASE_DIR/v.out" || why "exit $?" || return 1
    grep -qE '^clasp [0-9]+\.[0-9]+\.[0-9]+ ' "$CASE_DIR/v.out" ||
        why "unexpected: $(cat "$CASE_DIR/v.out")" || return 1
    local want
    want=$(sed -n 's/^#define CLASP_VERSION_STRING "\(.*\)"/\1/p' \
        "$CLASP_SOURCE_DIR/include/clasp/clasp_version.h")
    has "$CASE_DIR/v.out" "clasp $want "
}

t_help() {
    "$CLASP" help >"$CASE_DIR/help.out" || why "exit $?" || return 1
    local o
    for o in -connect -accept -bind -cert -key -CAfile -verify -Verify \
        -noverify -servername -groups -ciphersuites -sigalgs -alpn \
        -keylogfile SSLKEYLOGFILE -trace -www -echo -naccept -quiet \
        -brief -sess_in -sess_out -reconnect -psk -psk_identity -psk_hash \
        -kex_modes -num_tickets x25519 TLS_AES_128_CCM_8_SHA256 \
        ecdsa_secp256r1_sha256; do
        has "$CASE_DIR/help.out" "$o" || return 1
    done
}

# expect_usage_error STATUS TEXT ARGS...: exit status and message.
expect_usage_error() {
    local want=$1 text=$2
    shift 2
    timeout "$T" "$CLASP" "$@" </dev/null >"$CASE_DIR/out.out" \
        2>"$CASE_DIR/err.log"
    local rc=$?
    [ "$rc" = "$want" ] || why "'clasp $*': exit $rc, expected $want" ||
        return 1
    has "$CASE_DIR/err.log" "$text"
}

t_bad_usage() {
    expect_usage_error 2 "usage: clasp" &&
        expect_usage_error 2 'unknown command "frobnicate"' frobnicate &&
        expect_usage_error 2 'unknown option "-frob"' client -frob &&
        expect_usage_error 2 'unknown group "x9"' client -groups x25519:x9 &&
        expect_usage_error 2 'unknown cipher suite "TLS_NULL"' \
            server -ciphersuites TLS_NULL &&
        expect_usage_error 2 'unknown signature scheme "rsa_md5"' \
            client -sigalgs rsa_md5 &&
        expect_usage_error 2 "-connect needs an argument" client -connect &&
        expect_usage_error 2 "give one -key per -cert" \
            server -cert "$PKI/rsa2048/chain.pem" &&
        expect_usage_error 2 "a server needs -cert and -key" server &&
        expect_usage_error 2 "-accept is a server option" \
            client -accept 1 &&
        expect_usage_error 2 "-www and -echo exclude each other" \
            server $(cert_of rsa2048) -www -echo &&
        expect_usage_error 2 "-key_shares wants a number in 1..5" \
            client -key_shares 9 &&
        expect_usage_error 1 "cannot read file" \
            server -cert /nonexistent.pem -key "$PKI/rsa2048/leaf.key" \
            -accept 0 -naccept 1
}

t_key_mismatch() {
    # An Ed25519 chain with a P-256 key: clasp_conf_own_cert_file should
    # refuse the pair ("every setter ... returns CLASP_ERR_BAD_INPUT_DATA
    # on nonsense"), so that the server does not start at all.
    timeout 2 "$CLASP" server -cert "$PKI/ed25519/chain.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" -accept 0 -naccept 1 </dev/null \
        >/dev/null 2>"$CASE_DIR/err.log"
    local rc=$?
    [ "$rc" = 1 ] || why "exit $rc: the server started with a key that \
does not match its certificate" || return 1
    has "$CASE_DIR/err.log" "-cert $PKI/ed25519/chain.pem"
}

# ---- demo -----------------------------------------------------------------

# in_order FILE REGEX...: each regex matches a later line than the last.
in_order() {
    local file=$1 line=0 re n
    shift
    for re in "$@"; do
        n=$(tail -n +$((line + 1)) "$file" | grep -nE -- "$re" | head -n 1 |
            cut -d: -f1)
        [ -n "$n" ] || why "'$re' missing (or out of order) in the ladder" ||
            return 1
        line=$((line + n))
    done
}

t_demo() {
    NO_COLOR=1 timeout "$T" "$CLASP" demo >"$CASE_DIR/demo.out" \
        2>"$CASE_DIR/demo.log" || why "clasp demo exit $?" || return 1
    # RFC 8446 §2 full handshake, then the demo's application data,
    # KeyUpdate both ways and close_notify.
    in_order "$CASE_DIR/demo.out" \
        ' ms ClientHello .*--------->' \
        '<--------- ServerHello ' \
        '<--------- \{EncryptedExtensions\}' \
        '<--------- \{Certificate\}' \
        '<--------- \{CertificateVerify\}' \
        '<--------- \{Finished\}' \
        ' ms \{Finished\} .*--------->' \
        ' ms \[Application Data\] .*--------->' \
        '"GET / HTTP/1.1' \
        '<--------- \[Application Data\]' \
        ' ms \[KeyUpdate\] .*--------->' || return 1
    grep -qE '<--------- \[KeyUpdate\]' "$CASE_DIR/demo.out" ||
        why "no KeyUpdate from the server" || return 1
    has "$CASE_DIR/demo.out" "Protocol           TLSv1.3" &&
        has "$CASE_DIR/demo.out" "Cipher suite       TLS_AES_128_GCM_SHA256" &&
        has "$CASE_DIR/demo.out" "Key exchange       x25519" &&
        has "$CASE_DIR/demo.out" "Server signature   ecdsa_secp256r1_sha256" &&
        has "$CASE_DIR/demo.out" "ALPN               http/1.1" &&
        has "$CASE_DIR/demo.out" "Server name (SNI)  localhost" &&
        has "$CASE_DIR/demo.out" "both sides derived the same keys" &&
        grep -qE "^  Handshake +[0-9.]+ ms" "$CASE_DIR/demo.out" ||
        why "no handshake time" || return 1
    has "$CASE_DIR/demo.out" "OK: handshake" &&
        hasnt "$CASE_DIR/demo.out" "HelloRetryRequest  " || return 1
    # Then a resumed connection: no Certificate, no CertificateVerify
    # (RFC 8446 §2.2), and the timing of both handshakes.
    local from
    from=$(grep -n "resumes the first one's session" "$CASE_DIR/demo.out" |
        cut -d: -f1)
    [ -n "$from" ] || why "no resumed connection" || return 1
    tail -n +"$from" "$CASE_DIR/demo.out" >"$CASE_DIR/resumed.out"
    in_order "$CASE_DIR/resumed.out" \
        ' ms ClientHello .*--------->' \
        '<--------- ServerHello ' \
        '<--------- \{EncryptedExtensions\}' \
        '<--------- \{Finished\}' \
        ' ms \{Finished\} .*--------->' || return 1
    hasnt "$CASE_DIR/resumed.out" "Certificate}" &&
        has "$CASE_DIR/resumed.out" "Resumed            yes (server says yes)" &&
        has "$CASE_DIR/resumed.out" "Key exchange       psk_dhe_ke, x25519" &&
        grep -qE "^  Full handshake +[0-9.]+ ms" "$CASE_DIR/resumed.out" &&
        grep -qE "^  Resumed handshake +[0-9.]+ ms" "$CASE_DIR/resumed.out" ||
        why "no timing of both handshakes" || return 1
    # Then 0-RTT (RFC 8446 §2.3): the request with the ClientHello under
    # the early keys, EndOfEarlyData, accepted, delivered once (all of it
    # through clasp_read_early_data, nothing through clasp_read).
    from=$(grep -n "resumes it again with 0-RTT" "$CASE_DIR/demo.out" |
        cut -d: -f1)
    [ -n "$from" ] || why "no 0-RTT connection" || return 1
    tail -n +"$from" "$CASE_DIR/demo.out" >"$CASE_DIR/early.out"
    in_order "$CASE_DIR/early.out" \
        ' ms ClientHello .*--------->' \
        ' ms \(Application Data\) .*--------->' \
        '"GET /early HTTP/1.1' \
        '<--------- ServerHello ' \
        '<--------- \{EncryptedExtensions\}' \
        '<--------- \{Finished\}' \
        ' ms \(EndOfEarlyData\) .*--------->' \
        ' ms \{Finished\} .*--------->' || return 1
    has "$CASE_DIR/early.out" "Resumed            yes (server says yes)" &&
        has "$CASE_DIR/early.out" \
            "Early data         accepted (server says accepted)" &&
        has "$CASE_DIR/early.out" \
            "Request            40 bytes, 40 of them sent as 0-RTT" &&
        has "$CASE_DIR/early.out" \
            "Server received    40 bytes with clasp_read_early_data, 0 with clasp_read" &&
        has "$CASE_DIR/early.out" "§8.2" &&
        hasnt "$CASE_DIR/early.out" "[Application Data]      40 B --------->" &&
        has "$CASE_DIR/early.out" "0-RTT early data accepted."
}

t_demo_hrr() {
    NO_COLOR=1 timeout "$T" "$CLASP" demo -hrr >"$CASE_DIR/demo.out" \
        2>"$CASE_DIR/demo.log" || why "clasp demo -hrr exit $?" || return 1
    in_order "$CASE_DIR/demo.out" \
        ' ms ClientHello .*--------->' \
        '<--------- HelloRetryRequest ' \
        ' ms ClientHello .*--------->' \
        '<--------- ServerHello ' || return 1
    has "$CASE_DIR/demo.out" "Key exchange       secp384r1 (the server asked" &&
        has "$CASE_DIR/demo.out" "OK: handshake" || return 1
    # A HelloRetryRequest rejects 0-RTT (RFC 8446 §4.2.10): the request is
    # resent after the handshake and arrives once, through clasp_read.
    has "$CASE_DIR/demo.out" "Early data         rejected (server says rejected)" &&
        has "$CASE_DIR/demo.out" \
            "Server received    0 bytes with clasp_read_early_data, 40 with clasp_read" &&
        has "$CASE_DIR/demo.out" "a HelloRetryRequest rejects 0-RTT"
}

# pem_of_constant NAME: the PEM text of a C string constant of demo_creds.c
pem_of_constant() {
    sed -n "/^const char $1\[\] =/,/;\$/p" \
        "$CLASP_SOURCE_DIR/tools/cli/demo_creds.c" |
        sed -n 's/^ *"\(.*\)\\n";\{0,1\}$/\1/p'
}

t_demo_creds() {
    # The embedded TEST ONLY credentials are copies of tests/pki/ecdsa-p256.
    local n f
    for n in "cli_demo_chain_pem chain.pem" "cli_demo_key_pem leaf.key" \
        "cli_demo_root_pem root.pem"; do
        set -- $n
        pem_of_constant "$1" >"$CASE_DIR/$1.pem"
        f=$PKI/ecdsa-p256/$2
        cmp -s "$CASE_DIR/$1.pem" "$f" ||
            why "$1 in tools/cli/demo_creds.c differs from $f" || return 1
    done
}

# ---- sockets --------------------------------------------------------------

hexport() {
    printf '%04X' "$1"
}

t_loopback_only() {
    s_srv -echo $(cert_of ecdsa-p256) || return 1
    has "$CASE_DIR/clasp-server.log" "ACCEPT 127.0.0.1 ::1 port $PORT" ||
        return 1
    local hp
    hp=$(hexport "$PORT")
    # Listening sockets (state 0A) on our port: loopback only.
    grep -qE "^ *[0-9]+: 0100007F:$hp 00000000:0000 0A" /proc/net/tcp ||
        why "not listening on 127.0.0.1" || return 1
    ! grep -qE "^ *[0-9]+: 00000000:$hp 00000000:0000 0A" /proc/net/tcp ||
        why "listening on 0.0.0.0" || return 1
    ! grep -qE "^ *[0-9]+: 0{32}:$hp 0{32}:0000 0A" /proc/net/tcp6 ||
        why "listening on ::"
}

t_bind_v6() {
    s_srv -www -bind ::1 $(cert_of ecdsa-p256) &&
        printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "[::1]:$PORT" -CAfile "$ROOTS" \
            -ign_eof >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "client failed (exit $?)" || return 1
    # No SNI for an address (RFC 6066 §3); the certificate names ::1.
    grep -qE "^SNI +: \(none\)$" "$CASE_DIR/page.out" || why "SNI sent"
}

t_timeout() {
    # A peer that accepts and never speaks: -timeout 1 must give up.
    start_server silent '^listening' python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
time.sleep(15)' @PORT@ || return 1
    local t0=$SECONDS
    timeout "$T" "$CLASP" client -connect "127.0.0.1:$PORT" -CAfile "$ROOTS" \
        -timeout 1 </dev/null >"$CASE_DIR/client.out" \
        2>"$CASE_DIR/client.log"
    local rc=$?
    [ "$rc" = 1 ] || why "exit $rc, expected 1" || return 1
    [ $((SECONDS - t0)) -le 5 ] || why "took $((SECONDS - t0)) s" || return 1
    has "$CASE_DIR/client.log" "timed out after 1000 ms"
}

t_port_busy() {
    s_srv -echo $(cert_of ecdsa-p256) || return 1
    timeout "$T" "$CLASP" server -accept "$PORT" $(cert_of ecdsa-p256) \
        -naccept 1 </dev/null >/dev/null 2>"$CASE_DIR/second.log"
    local rc=$?
    [ "$rc" = 1 ] || why "second server on a busy port: exit $rc" ||
        return 1
    has "$CASE_DIR/second.log" "Address already in use"
}

# ---- clasp client <-> clasp server -------------------------------------------

t_echo_big() {
    head -c 1048576 /dev/urandom >"$CASE_DIR/big.bin"
    s_srv -echo $(cert_of ecdsa-p256) || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -CAfile "$ROOTS" \
        -quiet -nocommands <"$CASE_DIR/big.bin" >"$CASE_DIR/echo.out" \
        2>"$CASE_DIR/client.log"
    [ "$(sha "$CASE_DIR/echo.out")" = "$(sha "$CASE_DIR/big.bin")" ] ||
        why "echo differs ($(stat -c %s "$CASE_DIR/echo.out") bytes back)"
}

t_orderly_close() {
    # stdin ends: the client sends close_notify, the server answers with
    # its own (RFC 8446 §6.1), both exit 0 and nobody sees a truncation.
    s_srv -echo $(cert_of ecdsa-p256) || return 1
    echo hello | timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
        -CAfile "$ROOTS" >"$CASE_DIR/client.out" 2>"$CASE_DIR/client.log"
    local rc=$?
    wait_server
    local src=$?
    [ "$rc" = 0 ] && [ "$src" = 0 ] ||
        why "client exit $rc, server exit $src" || return 1
    hasnt "$CASE_DIR/client.log" "CLASP_ERR_CONN_EOF" &&
        hasnt "$CASE_DIR/clasp-server.log" "close_notify not sent"
}

t_commands() {
    # stdin commands: 'K' (update, peer too), 'k' (update), data, 'Q'.
    fifo_open c.in || return 1
    s_srv -echo $(cert_of ecdsa-p256) -trace || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -CAfile "$ROOTS" \
        -brief -trace <"$CASE_DIR/c.in" >"$CASE_DIR/client.out" \
        2>"$CASE_DIR/client.log" &
    local cpid=$!
    PIDS+=("$cpid")
    wait_for "$CASE_DIR/client.log" "CONNECTION ESTABLISHED" ||
        why "no handshake" || return 1
    fifo_send c.in K
    wait_for "$CASE_DIR/client.log" '<--------- \[KeyUpdate\]' ||
        why "no KeyUpdate answer to K" || return 1
    fifo_send c.in k
    fifo_send c.in "after two updates"
    wait_for "$CASE_DIR/client.out" "after two updates" ||
        why "no echo after the updates" || return 1
    fifo_send c.in Q
    wait "$cpid" || why "client exit $?" || return 1
    fifo_close c.in
    # Client: K and k sent, one answer. Server: two received, one sent.
    local sent answered
    sent=$(grep -cE '\[KeyUpdate\] +5 B --------->' "$CASE_DIR/client.log")
    answered=$(grep -cE '<--------- \[KeyUpdate\]' \
        "$CASE_DIR/clasp-server.log")
    [ "$sent" = 2 ] ||
        why "client trace: expected 2 KeyUpdates sent" || return 1
    [ "$answered" = 1 ] ||
        why "server trace: expected 1 KeyUpdate sent" || return 1
    hasnt "$CASE_DIR/client.out" "K"
}

t_client_cert() {
    s_srv -www $(cert_of rsa2048) -Verify 1 -CAfile "$ROOTS" || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -cert "$PKI/client/client-chain.pem" \
            -key "$PKI/client/client.key" >"$CASE_DIR/page.out" \
            2>"$CASE_DIR/client.log" || why "client failed" || return 1
    grep -qE "^Client signature +: ecdsa_secp256r1_sha256$" \
        "$CASE_DIR/page.out" || why "no client signature on the page"
}

t_client_cert_untrusted() {
    # -Verify with only the RSA root: the ECDSA client chain is refused
    # with unknown_ca, and the client hears it.
    s_srv -www $(cert_of rsa2048) -Verify 1 -CAfile "$PKI/rsa2048/root.pem" ||
        return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -cert "$PKI/client/client-chain.pem" \
            -key "$PKI/client/client.key" >"$CASE_DIR/page.out" \
            2>"$CASE_DIR/client.log" && why "client succeeded" && return 1
    # The client can exit before the server has logged its side.
    wait_for "$CASE_DIR/clasp-server.log" CLASP_ERR_UNKNOWN_CA 10
    has "$CASE_DIR/clasp-server.log" "CLASP_ERR_UNKNOWN_CA" &&
        has "$CASE_DIR/client.log" "peer sent alert 48 (unknown_ca)"
}

t_client_alert_heard() {
    # Our client refuses the server's chain (unknown_ca) before it has
    # handshake keys to send with (RFC 8446 App. A.1: K_send changes after
    # the server's Finished), so its alert is unprotected; the server must
    # report that alert, not an unexpected_message of its own.
    s_srv -www $(cert_of ecdsa-p256) || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$PKI/rsa2048/root.pem" -ign_eof >"$CASE_DIR/page.out" \
            2>"$CASE_DIR/client.log" && why "client succeeded" && return 1
    has "$CASE_DIR/client.log" "CLASP_ERR_UNKNOWN_CA" &&
        has "$CASE_DIR/clasp-server.log" "peer sent alert 48 (unknown_ca)"
}

t_www_errors() {
    NACCEPT=2 s_srv -www $(cert_of ecdsa-p256) || return 1
    printf 'GET /nothing HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -quiet >"$CASE_DIR/a.out" 2>&1
    printf 'POST / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -quiet >"$CASE_DIR/b.out" 2>&1
    has "$CASE_DIR/a.out" "HTTP/1.0 404 Not Found" &&
        has "$CASE_DIR/b.out" "HTTP/1.0 400 Bad Request"
}

t_keylog() {
    # Both ends log the same five TLS 1.3 secrets (NSS key log format).
    s_srv -www $(cert_of ecdsa-p256) -keylogfile "$CASE_DIR/srv.keys" ||
        return 1
    printf 'GET / HTTP/1.0\r\n\r\n' | SSLKEYLOGFILE=$CASE_DIR/cli.keys \
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
        -CAfile "$ROOTS" -ign_eof -quiet >/dev/null 2>&1
    wait_server
    local l
    for l in CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET \
        CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0 EXPORTER_SECRET; do
        grep -qE "^$l [0-9a-f]{64} [0-9a-f]{64}$" "$CASE_DIR/cli.keys" ||
            why "no $l line" || return 1
    done
    [ "$(sort "$CASE_DIR/cli.keys")" = "$(sort "$CASE_DIR/srv.keys")" ] ||
        why "client and server key logs differ"
}

t_quiet_brief() {
    NACCEPT=2 s_srv -www $(cert_of ecdsa-p256) || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -brief >"$CASE_DIR/b.out" \
            2>"$CASE_DIR/brief.log" || why "-brief client failed" || return 1
    [ "$(grep -c 'CONNECTION ESTABLISHED' "$CASE_DIR/brief.log")" = 1 ] ||
        why "-brief: no single summary line" || return 1
    hasnt "$CASE_DIR/brief.log" "--- handshake complete" || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -quiet >"$CASE_DIR/q.out" \
            2>"$CASE_DIR/quiet.log" || why "-quiet client failed" || return 1
    has "$CASE_DIR/q.out" "Protocol           : TLSv1.3" &&
        hasnt "$CASE_DIR/quiet.log" "CONNECT"
}

t_naccept() {
    NACCEPT=3 s_srv -www $(cert_of ecdsa-p256) || return 1
    local i
    for i in 1 2 3; do
        printf 'GET / HTTP/1.0\r\n\r\n' |
            timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
                -CAfile "$ROOTS" -ign_eof -quiet >"$CASE_DIR/p$i.out" \
                2>&1 || why "connection $i failed" || return 1
    done
    wait_server || why "server exit $?" || return 1
    [ "$(grep -c '^CONNECTION from' "$CASE_DIR/clasp-server.log")" = 3 ] ||
        why "expected 3 connections"
}

# ---- resumption and PSKs ----------------------------------------------------

PSK_HEX=0102030405060708090a0b0c0d0e0f10

t_reconnect() {
    # -reconnect against our own server: the page of the second connection
    # says it resumed; -trace shows the PSK extensions and the tickets.
    NACCEPT=2 s_srv -www $(cert_of ecdsa-p256) || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -reconnect -trace \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "client failed (exit $?)" || return 1
    grep -qE "^Resumed +: yes$" "$CASE_DIR/page.out" ||
        why "the page does not say resumed" || return 1
    has "$CASE_DIR/client.log" "RECONNECT (resuming, " &&
        has "$CASE_DIR/client.log" "Resumed         yes (session ticket)" &&
        grep -qE '<--------- \[NewSessionTicket\]' "$CASE_DIR/client.log" &&
        has "$CASE_DIR/client.log" "pre_shared_key: 1 identity offered (ticket)" &&
        has "$CASE_DIR/client.log" "psk_key_exchange_modes: psk_dhe_ke psk_ke" &&
        has "$CASE_DIR/client.log" "pre_shared_key: server selected ticket 0, psk_dhe_ke" ||
        why "trace lines missing"
}

t_sess_files() {
    NACCEPT=2 s_srv -www $(cert_of ecdsa-p256) -num_tickets 3 || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -brief -sess_out "$CASE_DIR/s.bin" \
            >/dev/null 2>"$CASE_DIR/c1.log" || why "first client failed" ||
        return 1
    has "$CASE_DIR/c1.log" "SESSION saved to $CASE_DIR/s.bin (3 tickets)" &&
        [ "$(stat -c %a "$CASE_DIR/s.bin")" = 600 ] ||
        why "session file missing or not 0600" || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -ign_eof -brief -sess_in "$CASE_DIR/s.bin" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/c2.log" ||
        why "second client failed" || return 1
    expect_field "$CASE_DIR/c2.log" resumed yes &&
        grep -qE "^Resumed +: yes$" "$CASE_DIR/page.out" ||
        why "not resumed" || return 1
    # Garbage is refused cleanly: exit 1, a message, no connection.
    head -c 300 /dev/urandom >"$CASE_DIR/junk.bin"
    timeout "$T" "$CLASP" client -connect "localhost:1" -sess_in \
        "$CASE_DIR/junk.bin" </dev/null >/dev/null 2>"$CASE_DIR/c3.log"
    [ $? = 1 ] || why "garbage session: exit status" || return 1
    has "$CASE_DIR/c3.log" "not a clasp session" &&
        hasnt "$CASE_DIR/c3.log" "CONNECTED"
}

t_psk() {
    s_srv -www -psk "$PSK_HEX" -psk_identity demo-id -brief || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" -brief \
            -ign_eof -psk "$PSK_HEX" -psk_identity demo-id \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "client failed" || return 1
    expect_field "$CASE_DIR/client.log" psk_identity demo-id &&
        expect_field "$CASE_DIR/client.log" kex psk_ephemeral &&
        grep -qE "^PSK identity +: demo-id$" "$CASE_DIR/page.out" ||
        why "no PSK identity on the page"
}

t_psk_refused() {
    # Another key: decrypt_error (binder); another identity and no
    # certificate: unknown_psk_identity (RFC 8446 §4.2.11, §6.2).
    NACCEPT=2 s_srv -www -psk "$PSK_HEX" -psk_identity demo-id || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -ign_eof \
        -psk ff"${PSK_HEX:2}" -psk_identity demo-id </dev/null \
        >/dev/null 2>"$CASE_DIR/c1.log"
    has "$CASE_DIR/c1.log" "peer sent alert 51 (decrypt_error)" || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -ign_eof \
        -psk "$PSK_HEX" -psk_identity nobody </dev/null \
        >/dev/null 2>"$CASE_DIR/c2.log"
    has "$CASE_DIR/c2.log" "peer sent alert 115 (unknown_psk_identity)"
}

t_psk_usage() {
    expect_usage_error 2 "-psk wants 1..1024 bytes in hex" client -psk abc &&
        expect_usage_error 2 '"x" is not a hex digit' client -psk 0x &&
        expect_usage_error 2 "-psk_identity needs -psk" \
            client -psk_identity id &&
        expect_usage_error 2 "bad -kex_modes" client -kex_modes psk,dh &&
        expect_usage_error 2 "-num_tickets wants a number in 0..16" \
            server -num_tickets 17 -psk 00 &&
        expect_usage_error 2 "-sess_out is a client option" \
            server -sess_out x
}

echo "clasp tool"
run_case "version" t_version
run_case "help lists every option and name" t_help
run_case "bad usage: exit status and message" t_bad_usage
run_case "certificate and key that do not match are refused" t_key_mismatch
run_case "demo: ladder in RFC 8446 order, parameters, OK" t_demo
run_case "demo -hrr: HelloRetryRequest in the ladder" t_demo_hrr
run_case "demo credentials equal tests/pki/ecdsa-p256" t_demo_creds
run_case "server listens on loopback only" t_loopback_only
run_case "server -bind ::1, client to [::1] (no SNI)" t_bind_v6
run_case "client gives up on a silent peer (-timeout 1)" t_timeout
run_case "server on a busy port fails" t_port_busy
echo "clasp client -> clasp server"
run_case "echo 1 MiB random, byte for byte" t_echo_big
run_case "orderly close: close_notify both ways" t_orderly_close
run_case "stdin commands K, k, Q" t_commands
run_case "client certificate" t_client_cert
run_case "client certificate untrusted -> unknown_ca" \
    t_client_cert_untrusted
run_case "server hears the client's unknown_ca alert" t_client_alert_heard
run_case "-www 404 and 400" t_www_errors
run_case "key logs: five secrets, equal on both ends" t_keylog
run_case "-brief and -quiet" t_quiet_brief
run_case "-naccept 3" t_naccept
run_case "-reconnect resumes; -trace shows pre_shared_key" t_reconnect
run_case "-sess_out / -sess_in, garbage refused" t_sess_files
run_case "external PSK both ends (-psk, -psk_identity)" t_psk
run_case "PSK refused: decrypt_error, unknown_psk_identity" t_psk_refused
run_case "PSK options: usage errors" t_psk_usage

finish "clasp tool"
