#!/usr/bin/env bash
# Interop with OpenSSL's command-line peers (libssl):
#   part 1: `clasp client` against `openssl s_server -tls1_3`
#   part 2: `openssl s_client -tls1_3` against `clasp server`
# across every suite, group and certificate type, HelloRetryRequest,
# ALPN, SNI, client certificates, KeyUpdate both ways, a 1 MB download
# checked by hash, key log files compared line by line, refusals, session
# resumption (-reconnect, -sess_out/-sess_in both ways, psk_ke, HRR) and
# external PSKs in both directions (-psk/-psk_identity).
. "$(dirname "$0")/lib.sh"

need_bin openssl openssl

# ---- part 1: clasp client -> openssl s_server ---------------------------

# o_server KIND MODE [s_server args...]: s_server with the KIND chain.
o_server() {
    local kind=$1 mode=$2
    shift 2
    start_server s_server '^ACCEPT' openssl s_server -tls1_3 \
        -accept "127.0.0.1:@PORT@" -naccept 1 \
        -cert "$PKI/$kind/leaf.pem" -cert_chain "$PKI/$kind/inter.pem" \
        -key "$PKI/$kind/leaf.key" $mode "$@"
}

# c_get PATH [clasp client args...]: GET PATH, page to page.out.
c_get() {
    local path=$1
    shift
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -brief -ign_eof "$@" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "clasp client failed (exit $?)"
}

c_suite() {
    o_server ecdsa-p256 -www -ciphersuites "$1" &&
        c_get / && expect_field "$CASE_DIR/client.log" suite "$1" &&
        has "$CASE_DIR/page.out" "Cipher is $1"
}

c_group() {
    o_server ecdsa-p256 -www -groups "$1" &&
        c_get / -groups "$1" &&
        expect_field "$CASE_DIR/client.log" group "$1" &&
        expect_field "$CASE_DIR/client.log" hrr no &&
        has "$CASE_DIR/page.out" "Protocol  : TLSv1.3"
}

c_kind() {
    o_server "$1" -www &&
        c_get / && expect_field "$CASE_DIR/client.log" peer_sig \
        "$(sig_for_kind "$1")" &&
        has "$CASE_DIR/page.out" "Verify return code: 0 (ok)"
}

c_hrr() {
    # x25519 is our first group and only key share: s_server wants
    # secp384r1, so it must ask again (RFC 8446 §4.1.4).
    o_server ecdsa-p256 -www -groups secp384r1 &&
        c_get / && expect_field "$CASE_DIR/client.log" hrr yes &&
        expect_field "$CASE_DIR/client.log" group secp384r1 &&
        has "$CASE_DIR/page.out" "Cipher is"
}

c_two_shares() {
    # Two key shares (x25519, secp256r1): a server wanting secp256r1 takes
    # the second share without HelloRetryRequest.
    o_server ecdsa-p256 -www -groups secp256r1 &&
        c_get / -groups x25519:secp256r1 -key_shares 2 &&
        expect_field "$CASE_DIR/client.log" hrr no &&
        expect_field "$CASE_DIR/client.log" group secp256r1
}

c_alpn() {
    o_server ecdsa-p256 -www -alpn http/1.1 &&
        c_get / -alpn h2,http/1.1 &&
        expect_field "$CASE_DIR/client.log" alpn http/1.1
}

c_sni() {
    # s_server answers "server.test" with its second certificate (ECDSA,
    # whose intermediate s_server does not send: trust it directly).
    cat "$ROOTS" "$PKI/ecdsa-p256/inter.pem" >"$CASE_DIR/ca.pem"
    o_server rsa2048 -www -servername server.test \
        -cert2 "$PKI/ecdsa-p256/leaf.pem" -key2 "$PKI/ecdsa-p256/leaf.key" &&
        c_get / -servername server.test -CAfile "$CASE_DIR/ca.pem" &&
        expect_field "$CASE_DIR/client.log" sni server.test &&
        expect_field "$CASE_DIR/client.log" peer_sig ecdsa_secp256r1_sha256
}

c_sni_default() {
    cat "$ROOTS" "$PKI/ecdsa-p256/inter.pem" >"$CASE_DIR/ca.pem"
    o_server rsa2048 -www -servername server.test \
        -cert2 "$PKI/ecdsa-p256/leaf.pem" -key2 "$PKI/ecdsa-p256/leaf.key" &&
        c_get / -CAfile "$CASE_DIR/ca.pem" &&
        expect_field "$CASE_DIR/client.log" sni localhost &&
        expect_field "$CASE_DIR/client.log" peer_sig rsa_pss_rsae_sha256
}

c_big_download() {
    # 1 MiB of random bytes from s_server -WWW, checked by SHA-256.
    head -c 1048576 /dev/urandom >"$CASE_DIR/big.bin"
    SERVER_CWD=$CASE_DIR o_server ecdsa-p256 -WWW &&
        c_get /big.bin || return 1
    local n
    n=$(stat -c %s "$CASE_DIR/big.bin")
    tail -c "$n" "$CASE_DIR/page.out" >"$CASE_DIR/got.bin"
    head -c 40 "$CASE_DIR/page.out" | grep -q "200 ok" ||
        why "no '200 ok' from s_server -WWW" || return 1
    [ "$(sha "$CASE_DIR/got.bin")" = "$(sha "$CASE_DIR/big.bin")" ] ||
        why "SHA-256 of the 1 MiB download differs"
}

c_keyupdate_ours() {
    # Our KeyUpdate asks s_server to update too; the page arrives under
    # the new keys and the trace shows both KeyUpdates.
    o_server ecdsa-p256 -www &&
        c_get / -keyupdate -trace &&
        has "$CASE_DIR/page.out" "Cipher is" &&
        grep -qE '\[KeyUpdate\] +5 B --------->' "$CASE_DIR/client.log" ||
        why "our KeyUpdate not in the trace" || return 1
    grep -qE '<--------- \[KeyUpdate\]' "$CASE_DIR/client.log" ||
        why "s_server's KeyUpdate answer not in the trace"
}

c_keyupdate_theirs() {
    # s_server's 'K' command: a KeyUpdate asking us to update; then data
    # under the new keys; then our 'Q' command closes.
    fifo_open s.in && fifo_open c.in || return 1
    SERVER_STDIN=$CASE_DIR/s.in o_server ecdsa-p256 "" || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -CAfile "$ROOTS" \
        -brief -trace <"$CASE_DIR/c.in" >"$CASE_DIR/client.out" \
        2>"$CASE_DIR/client.log" &
    local cpid=$!
    PIDS+=("$cpid")
    wait_for "$CASE_DIR/client.log" "CONNECTION ESTABLISHED" ||
        why "no handshake" || return 1
    fifo_send s.in K
    wait_for "$CASE_DIR/client.log" '\[KeyUpdate\] +5 B --------->' ||
        why "no KeyUpdate answer from us" || return 1
    fifo_send s.in "data after the KeyUpdate"
    wait_for "$CASE_DIR/client.out" "data after the KeyUpdate" ||
        why "data after the KeyUpdate not received" || return 1
    fifo_send c.in Q
    wait "$cpid" || why "clasp client exit status $?" || return 1
    fifo_close s.in
    fifo_close c.in
    grep -qE '<--------- \[KeyUpdate\]' "$CASE_DIR/client.log" ||
        why "s_server's KeyUpdate not in the trace"
}

c_keylog() {
    # SSLKEYLOGFILE (no -keylogfile): our lines must equal s_server's.
    o_server ecdsa-p256 -www -keylogfile "$CASE_DIR/theirs.keys" &&
        SSLKEYLOGFILE=$CASE_DIR/ours.keys c_get / || return 1
    wait_server
    [ -s "$CASE_DIR/ours.keys" ] || why "SSLKEYLOGFILE not written" ||
        return 1
    [ "$(grep -v '^#' "$CASE_DIR/ours.keys" | sort)" = \
        "$(grep -v '^#' "$CASE_DIR/theirs.keys" | sort)" ] ||
        why "key log lines differ from s_server's"
}

c_exporter() {
    # RFC 8446 §7.5 exporter: our value equals s_server's.
    # s_server prints it in relay mode only (whose stdin must stay open);
    # our 'Q' command closes.
    fifo_open s.in || return 1
    SERVER_STDIN=$CASE_DIR/s.in o_server ecdsa-p256 "" \
        -keymatexport EXPORTER-clasp-interop -keymatexportlen 32 || return 1
    echo Q | timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
        -CAfile "$ROOTS" -brief -keymatexport EXPORTER-clasp-interop \
        -keymatexportlen 32 >"$CASE_DIR/client.out" \
        2>"$CASE_DIR/client.log" || why "clasp client failed" || return 1
    wait_server
    fifo_close s.in
    local ours theirs
    ours=$(sed -n 's/^Keying material: //p' "$CASE_DIR/client.log")
    theirs=$(sed -n 's/^ *Keying material: //p' "$CASE_DIR/s_server.log")
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
        why "exporter: ours '$ours', s_server's '$theirs'"
}

c_bad_ca() {
    # Trusting only the RSA root, the ECDSA chain must be refused.
    o_server ecdsa-p256 -www &&
        ! c_get / -CAfile "$PKI/rsa2048/root.pem" &&
        has "$CASE_DIR/client.log" "CLASP_ERR_UNKNOWN_CA"
}

c_no_common_suite() {
    # RFC 8446 §4.1.1: no common suite is a handshake_failure alert.
    o_server ecdsa-p256 -www -ciphersuites TLS_AES_256_GCM_SHA384 &&
        ! c_get / -ciphersuites TLS_AES_128_GCM_SHA256 &&
        has "$CASE_DIR/client.log" "peer sent alert 40 (handshake_failure)"
}

c_bad_name() {
    o_server ecdsa-p256 -www &&
        ! c_get / -servername other.test &&
        has "$CASE_DIR/client.log" "CLASP_ERR_HOSTNAME_MISMATCH"
}

# ---- resumption and PSKs (RFC 8446 §2.2, §4.2.11) ----------------------

PSK_HEX=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

# count_of FILE KEY VALUE: -brief lines with KEY=VALUE.
count_of() {
    grep -c "CONNECTION ESTABLISHED: .* $2=$3 " "$1"
}

c_resume_reconnect() {
    # -reconnect: the first connection waits for s_server's ticket, the
    # second resumes it (psk_dhe_ke, no certificate).
    o_server ecdsa-p256 -www "$@" -naccept 2 &&
        c_get / -reconnect || return 1
    [ "$(count_of "$CASE_DIR/client.log" resumed no)" = 1 ] &&
        [ "$(count_of "$CASE_DIR/client.log" resumed yes)" = 1 ] ||
        why "expected one full and one resumed connection" || return 1
    [ "$(count_of "$CASE_DIR/client.log" kex psk_ephemeral)" = 1 ] ||
        why "the resumed connection is not psk_ephemeral" || return 1
    has "$CASE_DIR/page.out" "Reused, TLSv1.3"
}

c_resume_files() {
    # -sess_out, then -sess_in in a new process.
    o_server ecdsa-p256 -www -naccept 2 &&
        c_get / -sess_out "$CASE_DIR/sess.bin" || return 1
    [ -s "$CASE_DIR/sess.bin" ] || why "no session saved" || return 1
    [ "$(stat -c %a "$CASE_DIR/sess.bin")" = 600 ] ||
        why "session file is not private (0600)" || return 1
    expect_field "$CASE_DIR/client.log" resumed no &&
        c_get / -sess_in "$CASE_DIR/sess.bin" &&
        expect_field "$CASE_DIR/client.log" resumed yes &&
        expect_field "$CASE_DIR/client.log" peer_cert no &&
        has "$CASE_DIR/page.out" "Reused, TLSv1.3"
}

c_resume_psk_ke() {
    # s_server allows psk_ke (-allow_no_dhe_kex); so does our client, and
    # only that.
    o_server ecdsa-p256 -www -allow_no_dhe_kex -naccept 2 &&
        c_get / -reconnect -kex_modes psk,ephemeral || return 1
    [ "$(count_of "$CASE_DIR/client.log" kex psk)" = 1 ] ||
        why "the resumed connection is not psk_ke" || return 1
    grep -q "resumed=yes.*" "$CASE_DIR/client.log" &&
        grep -qE "group=\(none\).* resumed=yes" "$CASE_DIR/client.log" ||
        why "psk_ke with a group"
}

c_psk() {
    # An external PSK, s_server without a certificate.
    start_server s_server '^ACCEPT' openssl s_server -tls1_3 \
        -accept "127.0.0.1:@PORT@" -naccept 1 -nocert -www \
        -psk "$PSK_HEX" -psk_identity clasp-interop "$@" || return 1
    c_get / -psk "$PSK_HEX" -psk_identity clasp-interop &&
        expect_field "$CASE_DIR/client.log" kex psk_ephemeral &&
        expect_field "$CASE_DIR/client.log" psk_identity clasp-interop &&
        expect_field "$CASE_DIR/client.log" peer_cert no &&
        has "$CASE_DIR/page.out" "Cipher is TLS_AES_128_GCM_SHA256"
}

c_psk_wrong_key() {
    # The same identity, another key: s_server finds our binder wrong and
    # aborts (OpenSSL 3.0 says illegal_parameter; clasp's own server says
    # decrypt_error, tests/handshake/test_psk_external.c).
    start_server s_server '^ACCEPT' openssl s_server -tls1_3 \
        -accept "127.0.0.1:@PORT@" -naccept 1 -nocert -www \
        -psk "$PSK_HEX" -psk_identity clasp-interop || return 1
    ! c_get / -psk ff"${PSK_HEX:2}" -psk_identity clasp-interop &&
        has "$CASE_DIR/s_server.log" "binder does not verify" &&
        has "$CASE_DIR/client.log" "CLASP_ERR_PEER_ALERT"
}

echo "clasp client -> openssl s_server"
for s in $SUITES; do run_case "client suite $s" c_suite "$s"; done
for g in $GROUPS_ALL; do run_case "client group $g" c_group "$g"; done
for k in $KINDS; do run_case "client server-cert $k" c_kind "$k"; done
run_case "client HelloRetryRequest (server wants secp384r1)" c_hrr
run_case "client two key shares, no HRR" c_two_shares
run_case "client ALPN h2,http/1.1 -> http/1.1" c_alpn
run_case "client SNI server.test selects s_server's 2nd cert" c_sni
run_case "client SNI localhost keeps s_server's 1st cert" c_sni_default
run_case "client 1 MiB download (-WWW), SHA-256" c_big_download
run_case "client KeyUpdate sent, answered" c_keyupdate_ours
run_case "client KeyUpdate received (s_server K), data after" \
    c_keyupdate_theirs
run_case "client SSLKEYLOGFILE equals s_server -keylogfile" c_keylog
run_case "client exporter equals s_server's" c_exporter
run_case "client refuses an untrusted chain (unknown_ca)" c_bad_ca
run_case "client refuses a wrong name" c_bad_name
run_case "client no common suite -> s_server's handshake_failure" \
    c_no_common_suite
run_case "client -reconnect resumes s_server's ticket" c_resume_reconnect
run_case "client -reconnect resumes, TLS_AES_256_GCM_SHA384" \
    c_resume_reconnect -ciphersuites TLS_AES_256_GCM_SHA384
run_case "client -reconnect resumes after HelloRetryRequest" \
    c_resume_reconnect -groups secp384r1
run_case "client -sess_out, then -sess_in resumes" c_resume_files
run_case "client resumes with psk_ke (-allow_no_dhe_kex)" c_resume_psk_ke
run_case "client external PSK (s_server -psk -nocert)" c_psk
run_case "client external PSK, wrong key: s_server refuses the binder" \
    c_psk_wrong_key

# ---- part 2: openssl s_client -> clasp server ---------------------------

# s_srv MODE [clasp server args...]: our server, one connection.
s_srv() {
    local mode=$1
    shift
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept "${NACCEPT:-1}" $mode "$@"
}

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

# o_get PATH [s_client args...]: GET PATH through s_client.
o_get() {
    local path=$1
    shift
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -brief -ign_eof "$@" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client failed (exit $?)"
}

field() {
    # A line of our -www page: field FILE NAME VALUE
    grep -qE "^$2 +: $3\$" "$1" || why "page: '$2' is not '$3'"
}

s_suite() {
    s_srv -www $(cert_of ecdsa-p256) -ciphersuites "$1" &&
        o_get / -ciphersuites "$1" &&
        field "$CASE_DIR/page.out" "Cipher suite" "$1" &&
        has "$CASE_DIR/client.log" "Ciphersuite: $1"
}

s_group() {
    s_srv -www $(cert_of ecdsa-p256) -groups "$1" &&
        o_get / -groups "$1" &&
        field "$CASE_DIR/page.out" "Group" "$1" &&
        field "$CASE_DIR/page.out" "HelloRetryRequest" no
}

s_kind() {
    s_srv -www $(cert_of "$1") &&
        o_get / && has "$CASE_DIR/client.log" "Verification: OK" &&
        field "$CASE_DIR/page.out" "Protocol" "TLSv1.3"
}

s_pick_cert() {
    # RSA and ECDSA certificates: the client's signature_algorithms pick.
    s_srv -www $(cert_of rsa2048) $(cert_of ecdsa-p256) &&
        o_get / -sigalgs "$1" && has "$CASE_DIR/client.log" \
        "Signature type: $2"
}

s_hrr() {
    # s_client sends one x25519 key share; we accept secp384r1 only.
    s_srv -www $(cert_of ecdsa-p256) -groups secp384r1 "$@" &&
        o_get / && field "$CASE_DIR/page.out" "HelloRetryRequest" yes &&
        field "$CASE_DIR/page.out" "Group" secp384r1
}

s_alpn() {
    s_srv -www $(cert_of ecdsa-p256) -alpn http/1.1 &&
        o_get / -alpn h2,http/1.1 &&
        field "$CASE_DIR/page.out" "ALPN" "http/1.1"
}

s_alpn_none() {
    # RFC 7301 §3.2: no protocol in common is a no_application_protocol
    # alert.
    s_srv -www $(cert_of ecdsa-p256) -alpn http/1.1 &&
        ! o_get / -alpn spdy/3 &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_NO_APPLICATION_PROTOCOL" &&
        has "$CASE_DIR/client.log" "no application protocol"
}

s_no_common_suite() {
    # RFC 8446 §4.1.1: we must refuse with a handshake_failure alert.
    s_srv -www $(cert_of ecdsa-p256) -ciphersuites TLS_AES_128_GCM_SHA256 &&
        ! o_get / -ciphersuites TLS_AES_256_GCM_SHA384 &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_HANDSHAKE_FAILURE" &&
        has "$CASE_DIR/client.log" "handshake failure"
}

s_sni() {
    s_srv -www $(cert_of ecdsa-p256) &&
        o_get / -servername server.test &&
        field "$CASE_DIR/page.out" "SNI" "server.test"
}

s_keyupdate_ours() {
    s_srv -www $(cert_of ecdsa-p256) &&
        o_get /keyupdate &&
        field "$CASE_DIR/page.out" "KeyUpdate" \
            "sent before this reply \(update_requested\)"
}

s_keyupdate_theirs() {
    # s_client's 'K': a KeyUpdate asking us to update; then data echoed
    # under the new keys; 'Q' ends s_client.
    fifo_open c.in || return 1
    s_srv -echo $(cert_of ecdsa-p256) -trace || return 1
    timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
        -CAfile "$ROOTS" -verify_return_error -brief \
        <"$CASE_DIR/c.in" >"$CASE_DIR/client.out" 2>"$CASE_DIR/client.log" &
    local cpid=$!
    PIDS+=("$cpid")
    wait_for "$CASE_DIR/client.log" "CONNECTION ESTABLISHED" ||
        why "no handshake" || return 1
    fifo_send c.in K
    wait_for "$CASE_DIR/clasp-server.log" '<--------- \[KeyUpdate\]' ||
        why "we did not answer s_client's KeyUpdate" || return 1
    fifo_send c.in "echo after the KeyUpdate"
    wait_for "$CASE_DIR/client.out" "echo after the KeyUpdate" ||
        why "no echo after the KeyUpdate" || return 1
    fifo_send c.in Q
    wait "$cpid"
    fifo_close c.in
    grep -qE '\[KeyUpdate\] +5 B --------->' "$CASE_DIR/clasp-server.log" ||
        why "s_client's KeyUpdate not in our trace"
}

s_client_cert() {
    s_srv -www $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        o_get / -cert "$PKI/client/client.pem" \
            -cert_chain "$PKI/ecdsa-p256/inter.pem" \
            -key "$PKI/client/client.key" &&
        grep -qE "^Client certificate : [0-9]+ bytes DER" \
            "$CASE_DIR/page.out" ||
        why "no client certificate on the page" || return 1
    field "$CASE_DIR/page.out" "Client signature" ecdsa_secp256r1_sha256
}

s_client_cert_missing() {
    # -Verify: a client without a certificate gets certificate_required
    # (RFC 8446 §4.4.2.4).
    s_srv -www $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        ! o_get / &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_CERTIFICATE_REQUIRED" &&
        has "$CASE_DIR/client.log" "certificate required"
}

s_exporter() {
    s_srv -www $(cert_of ecdsa-p256) -keymatexport EXPORTER-clasp-interop \
        -keymatexportlen 32 || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -ign_eof \
            -keymatexport EXPORTER-clasp-interop -keymatexportlen 32 \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client failed" || return 1
    local ours theirs
    ours=$(sed -n 's/^Keying material *: //p' "$CASE_DIR/page.out")
    theirs=$(sed -n 's/^ *Keying material: //p' "$CASE_DIR/page.out")
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
        why "exporter: ours '$ours', s_client's '$theirs'"
}

s_alert_heard() {
    # s_client refuses our chain (unknown_ca) and says so with an alert
    # that is not yet under handshake keys (RFC 8446 App. A.1); we must
    # report the peer's alert.
    s_srv -www $(cert_of ecdsa-p256) &&
        ! o_get / -CAfile "$PKI/rsa2048/root.pem" &&
        has "$CASE_DIR/clasp-server.log" "peer sent alert 48 (unknown_ca)"
}

s_keylog() {
    s_srv -www $(cert_of ecdsa-p256) -keylogfile "$CASE_DIR/ours.keys" &&
        o_get / -keylogfile "$CASE_DIR/theirs.keys" || return 1
    wait_server
    [ -s "$CASE_DIR/ours.keys" ] || why "-keylogfile not written" ||
        return 1
    [ "$(grep -v '^#' "$CASE_DIR/ours.keys" | sort)" = \
        "$(grep -v '^#' "$CASE_DIR/theirs.keys" | sort)" ] ||
        why "key log lines differ from s_client's"
}

s_resume() {
    # s_client -sess_out, then -sess_in: our server resumes (its page
    # says so, s_client says "Reused").
    NACCEPT=2 s_srv -www $(cert_of ecdsa-p256) "$@" &&
        o_get / -sess_out "$CASE_DIR/sess.pem" &&
        field "$CASE_DIR/page.out" "Resumed" no || return 1
    [ -s "$CASE_DIR/sess.pem" ] || why "s_client saved no session" ||
        return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -ign_eof \
            -sess_in "$CASE_DIR/sess.pem" >"$CASE_DIR/page2.out" \
            2>"$CASE_DIR/client2.log" || why "s_client -sess_in failed" ||
        return 1
    field "$CASE_DIR/page2.out" "Resumed" yes &&
        field "$CASE_DIR/page2.out" "Key exchange mode" psk_ephemeral &&
        has "$CASE_DIR/page2.out" "Reused, TLSv1.3"
}

s_no_tickets() {
    # -num_tickets 0: no NewSessionTicket, so s_client has no session to
    # save; with 1, one.
    s_srv -www $(cert_of ecdsa-p256) -num_tickets 0 -trace &&
        o_get / -sess_out "$CASE_DIR/sess.pem" || return 1
    [ ! -s "$CASE_DIR/sess.pem" ] || why "a session was saved" || return 1
    hasnt "$CASE_DIR/clasp-server.log" "NewSessionTicket" || return 1
    s_srv -www $(cert_of ecdsa-p256) -num_tickets 1 -trace &&
        o_get / -sess_out "$CASE_DIR/sess.pem" || return 1
    [ -s "$CASE_DIR/sess.pem" ] || why "no session saved" || return 1
    [ "$(grep -c 'NewSessionTicket' "$CASE_DIR/clasp-server.log")" = 1 ] ||
        why "not exactly one NewSessionTicket"
}

s_psk() {
    # s_client with an external PSK; our server has no certificate.
    s_srv -www -psk "$PSK_HEX" -psk_identity clasp-interop "$@" || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -psk "$PSK_HEX" -psk_identity clasp-interop -ign_eof \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client -psk failed" || return 1
    field "$CASE_DIR/page.out" "PSK identity" clasp-interop &&
        field "$CASE_DIR/page.out" "Client certificate" "\(none\)"
}

s_psk_ke() {
    # psk_ke only on our side; s_client offers it with -allow_no_dhe_kex.
    s_srv -www -psk "$PSK_HEX" -psk_identity clasp-interop -kex_modes psk ||
        return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -psk "$PSK_HEX" -psk_identity clasp-interop -allow_no_dhe_kex \
            -ign_eof >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client -psk -allow_no_dhe_kex failed" || return 1
    field "$CASE_DIR/page.out" "Key exchange mode" psk &&
        field "$CASE_DIR/page.out" "Group" "\(none\)"
}

s_psk_unknown() {
    # An identity we do not know, and no certificate for a full
    # handshake: unknown_psk_identity (RFC 8446 §6.2).
    s_srv -www -psk "$PSK_HEX" -psk_identity clasp-interop || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -psk "$PSK_HEX" -psk_identity someone-else -ign_eof \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log"
    has "$CASE_DIR/clasp-server.log" "CLASP_ERR_UNKNOWN_PSK_IDENTITY" &&
        grep -qi "unknown psk identity" "$CASE_DIR/client.log" ||
        why "s_client did not see unknown_psk_identity"
}

echo "openssl s_client -> clasp server"
for s in $SUITES; do run_case "server suite $s" s_suite "$s"; done
for g in $GROUPS_ALL; do run_case "server group $g" s_group "$g"; done
for k in $KINDS; do run_case "server cert $k" s_kind "$k"; done
run_case "server RSA+ECDSA certs, client wants ECDSA" s_pick_cert \
    ecdsa_secp256r1_sha256 ECDSA
run_case "server RSA+ECDSA certs, client wants RSA-PSS" s_pick_cert \
    rsa_pss_rsae_sha256 RSA-PSS
run_case "server HelloRetryRequest (secp384r1 only)" s_hrr
run_case "server HelloRetryRequest with cookie" s_hrr -cookie
run_case "server ALPN h2,http/1.1 -> http/1.1" s_alpn
run_case "server ALPN mismatch -> no_application_protocol" s_alpn_none
run_case "server no common suite -> handshake_failure alert" \
    s_no_common_suite
run_case "server sees SNI server.test" s_sni
run_case "server KeyUpdate (GET /keyupdate)" s_keyupdate_ours
run_case "server KeyUpdate received (s_client K), echo after" \
    s_keyupdate_theirs
run_case "server client certificate required and given" s_client_cert
run_case "server client certificate required, missing" \
    s_client_cert_missing
run_case "server hears s_client's unknown_ca alert" s_alert_heard
run_case "server -keylogfile equals s_client -keylogfile" s_keylog
run_case "server exporter equals s_client's" s_exporter
run_case "server resumes s_client -sess_out / -sess_in" s_resume
run_case "server resumes after HelloRetryRequest" s_resume -groups secp384r1
run_case "server -num_tickets 0 and 1" s_no_tickets
run_case "server external PSK (no certificate), s_client -psk" s_psk
run_case "server external PSK, psk_ke (s_client -allow_no_dhe_kex)" s_psk_ke
run_case "server unknown PSK identity -> unknown_psk_identity" \
    s_psk_unknown

finish "openssl interop"
