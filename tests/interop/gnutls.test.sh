#!/usr/bin/env bash
# Interop with GnuTLS:
#   part 1: `clasp client` against `gnutls-serv --echo`
#   part 2: `gnutls-cli` against `clasp server`
# with TLS 1.3-only priority strings, per suite, group and certificate
# type, HelloRetryRequest, ALPN, SNI, client certificates, KeyUpdate both
# ways (gnutls-cli ^rekey^), the exporter, a 1 MiB echo, resumption both
# ways (-reconnect, --resume) and external PSKs both ways
# (--pskusername/--pskkey, --pskpasswd).
. "$(dirname "$0")/lib.sh"

need_bin gnutls-serv gnutls-bin
need_bin gnutls-cli gnutls-bin

TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"

gnutls_cipher() {
    case $1 in
    TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
    TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
    TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
    TLS_AES_128_CCM_SHA256) echo AES-128-CCM ;;
    TLS_AES_128_CCM_8_SHA256) echo AES-128-CCM-8 ;;
    esac
}

gnutls_group() {
    case $1 in
    x25519) echo X25519 ;;
    x448) echo X448 ;;
    secp256r1) echo SECP256R1 ;;
    secp384r1) echo SECP384R1 ;;
    secp521r1) echo SECP521R1 ;;
    esac
}

# ---- part 1: clasp client -> gnutls-serv --echo --------------------------

# g_server KIND PRIORITY [gnutls-serv args...]
g_server() {
    local kind=$1 prio=$2
    shift 2
    start_server gnutls-serv 'listening on IPv4' gnutls-serv --echo \
        -p @PORT@ --x509certfile "$PKI/$kind/chain.pem" \
        --x509keyfile "$PKI/$kind/leaf.key" --priority "$prio" "$@"
}

# c_echo INPUT_FILE [clasp client args...]: send the file, read it back
# (our client half-closes at the end of stdin and reads to the end).
c_echo() {
    local in=$1
    shift
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -CAfile "$ROOTS" \
        -brief "$@" <"$in" >"$CASE_DIR/echo.out" 2>"$CASE_DIR/client.log" ||
        why "clasp client failed (exit $?)" || return 1
    cmp -s "$in" "$CASE_DIR/echo.out" || why "echoed data differs"
}

small() {
    printf 'hello gnutls, this is clasp\nsecond line\n' >"$CASE_DIR/in.txt"
    echo "$CASE_DIR/in.txt"
}

c_suite() {
    g_server ecdsa-p256 "$TLS13:-CIPHER-ALL:+$(gnutls_cipher "$1")" &&
        c_echo "$(small)" && expect_field "$CASE_DIR/client.log" suite "$1"
}

c_group() {
    g_server ecdsa-p256 "$TLS13:-GROUP-ALL:+GROUP-$(gnutls_group "$1")" &&
        c_echo "$(small)" -groups "$1" &&
        expect_field "$CASE_DIR/client.log" group "$1" &&
        expect_field "$CASE_DIR/client.log" hrr no
}

c_kind() {
    g_server "$1" "$TLS13" && c_echo "$(small)" &&
        expect_field "$CASE_DIR/client.log" peer_sig "$(sig_for_kind "$1")"
}

c_hrr() {
    g_server ecdsa-p256 "$TLS13:-GROUP-ALL:+GROUP-SECP521R1" &&
        c_echo "$(small)" && expect_field "$CASE_DIR/client.log" hrr yes &&
        expect_field "$CASE_DIR/client.log" group secp521r1
}

c_alpn() {
    g_server ecdsa-p256 "$TLS13" --alpn http/1.1 &&
        c_echo "$(small)" -alpn h2,http/1.1 &&
        expect_field "$CASE_DIR/client.log" alpn http/1.1
}

c_big_echo() {
    # gnutls-serv --echo answers strings (it stops at a zero byte): send
    # 1 MiB of random bytes as base64 text.
    head -c 1048576 /dev/urandom | base64 >"$CASE_DIR/big.txt"
    g_server ecdsa-p256 "$TLS13" && c_echo "$CASE_DIR/big.txt"
}

c_keyupdate() {
    g_server ecdsa-p256 "$TLS13" && c_echo "$(small)" -keyupdate -trace &&
        grep -qE '<--------- \[KeyUpdate\]' "$CASE_DIR/client.log" ||
        why "gnutls-serv's KeyUpdate answer not in the trace"
}

c_client_cert() {
    g_server ecdsa-p256 "$TLS13" --require-client-cert \
        --x509cafile "$ROOTS" &&
        c_echo "$(small)" -cert "$PKI/client/client-chain.pem" \
            -key "$PKI/client/client.key"
}

# ---- resumption and PSKs -------------------------------------------------

PSK_HEX=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
PSK_PRIO="$TLS13:+ECDHE-PSK:+DHE-PSK:+PSK"

count_of() {
    grep -c "CONNECTION ESTABLISHED: .* $2=$3 " "$1"
}

c_resume() {
    # -reconnect: gnutls-serv's ticket resumes the second connection.
    # c_resume PRIORITY SUITE
    g_server ecdsa-p256 "$1" &&
        c_echo "$(small)" -reconnect || return 1
    [ "$(count_of "$CASE_DIR/client.log" resumed no)" = 1 ] &&
        [ "$(count_of "$CASE_DIR/client.log" resumed yes)" = 1 ] ||
        why "expected one full and one resumed connection" || return 1
    [ "$(count_of "$CASE_DIR/client.log" suite "$2")" = 2 ] ||
        why "not $2 both times"
}

c_psk() {
    # External PSK: gnutls-serv --pskpasswd (user:hexkey).
    printf 'clasp-interop:%s\n' "$PSK_HEX" >"$CASE_DIR/psk.txt"
    start_server gnutls-serv 'listening on IPv4' gnutls-serv --echo \
        -p @PORT@ --pskpasswd "$CASE_DIR/psk.txt" --priority "$PSK_PRIO" ||
        return 1
    c_echo "$(small)" -psk "$PSK_HEX" -psk_identity clasp-interop "$@" &&
        expect_field "$CASE_DIR/client.log" psk_identity clasp-interop &&
        expect_field "$CASE_DIR/client.log" peer_cert no
}

echo "clasp client -> gnutls-serv"
for s in $SUITES; do run_case "client suite $s" c_suite "$s"; done
for g in $GROUPS_ALL; do run_case "client group $g" c_group "$g"; done
for k in $KINDS; do run_case "client server-cert $k" c_kind "$k"; done
run_case "client HelloRetryRequest (server wants secp521r1)" c_hrr
run_case "client ALPN h2,http/1.1 -> http/1.1" c_alpn
run_case "client 1 MiB (base64) echo, byte for byte" c_big_echo
run_case "client KeyUpdate sent, answered" c_keyupdate
run_case "client certificate required by gnutls-serv" c_client_cert
run_case "client -reconnect resumes gnutls-serv's ticket" c_resume \
    "$TLS13" TLS_AES_128_GCM_SHA256
run_case "client -reconnect resumes, TLS_AES_256_GCM_SHA384" c_resume \
    "$TLS13:-CIPHER-ALL:+AES-256-GCM" TLS_AES_256_GCM_SHA384
run_case "client external PSK (gnutls-serv --pskpasswd)" c_psk
run_case "client external PSK, psk_ke" c_psk -kex_modes psk

# ---- part 2: gnutls-cli -> clasp server ----------------------------------

s_srv() {
    local mode=$1
    shift
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept "${NACCEPT:-1}" $mode "$@"
}

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

# g_get PRIORITY [gnutls-cli args...]: GET / through gnutls-cli.
g_get() {
    local prio=$1
    shift
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" gnutls-cli --priority "$prio" --x509cafile "$ROOTS" \
            -p "$PORT" --logfile "$CASE_DIR/client.log" "$@" localhost \
            >"$CASE_DIR/page.out" 2>&1 ||
        why "gnutls-cli failed (exit $?)"
}

field() {
    grep -qE "^$2 +: $3\$" "$1" || why "page: '$2' is not '$3'"
}

s_suite() {
    s_srv -www $(cert_of ecdsa-p256) &&
        g_get "$TLS13:-CIPHER-ALL:+$(gnutls_cipher "$1")" &&
        field "$CASE_DIR/page.out" "Cipher suite" "$1" &&
        has "$CASE_DIR/client.log" "($(gnutls_cipher "$1"))"
}

s_group() {
    s_srv -www $(cert_of ecdsa-p256) -groups "$1" &&
        g_get "$TLS13:-GROUP-ALL:+GROUP-$(gnutls_group "$1")" &&
        field "$CASE_DIR/page.out" "Group" "$1" &&
        field "$CASE_DIR/page.out" "HelloRetryRequest" no
}

s_kind() {
    s_srv -www $(cert_of "$1") && g_get "$TLS13" &&
        has "$CASE_DIR/client.log" "The certificate is trusted" &&
        field "$CASE_DIR/page.out" "Protocol" "TLSv1.3"
}

s_hrr() {
    # gnutls-cli sends key shares for its first groups, not secp521r1.
    s_srv -www $(cert_of ecdsa-p256) -groups secp521r1 &&
        g_get "$TLS13" && field "$CASE_DIR/page.out" "HelloRetryRequest" yes &&
        field "$CASE_DIR/page.out" "Group" secp521r1
}

s_alpn() {
    s_srv -www $(cert_of ecdsa-p256) -alpn http/1.1 &&
        g_get "$TLS13" --alpn h2 --alpn http/1.1 &&
        field "$CASE_DIR/page.out" "ALPN" "http/1.1"
}

s_sni() {
    s_srv -www $(cert_of ecdsa-p256) &&
        g_get "$TLS13" --sni-hostname server.test \
            --verify-hostname localhost &&
        field "$CASE_DIR/page.out" "SNI" "server.test"
}

s_client_cert() {
    s_srv -www $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        g_get "$TLS13" --x509certfile "$PKI/client/client-chain.pem" \
            --x509keyfile "$PKI/client/client.key" &&
        field "$CASE_DIR/page.out" "Client signature" ecdsa_secp256r1_sha256
}

s_exporter() {
    s_srv -www $(cert_of ecdsa-p256) -keymatexport EXPORTER-clasp-interop \
        -keymatexportlen 32 &&
        g_get "$TLS13" --keymatexport EXPORTER-clasp-interop \
            --keymatexportsize 32 || return 1
    local ours theirs
    ours=$(sed -n 's/^Keying material *: //p' "$CASE_DIR/page.out")
    theirs=$(sed -n 's/^- Key material: //p' "$CASE_DIR/client.log" |
        tr a-f A-F)
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
        why "exporter: ours '$ours', gnutls-cli's '$theirs'"
}

s_keyupdate() {
    # gnutls-cli's ^rekey^ updates both directions; data echoed after it.
    fifo_open c.in || return 1
    s_srv -echo $(cert_of ecdsa-p256) -trace || return 1
    timeout "$T" gnutls-cli --priority "$TLS13" --x509cafile "$ROOTS" \
        -p "$PORT" --inline-commands --logfile "$CASE_DIR/client.log" \
        localhost <"$CASE_DIR/c.in" >"$CASE_DIR/client.out" 2>&1 &
    local cpid=$!
    PIDS+=("$cpid")
    fifo_send c.in "before the KeyUpdate"
    wait_for "$CASE_DIR/client.out" "before the KeyUpdate" ||
        why "no echo before the KeyUpdate" || return 1
    fifo_send c.in "^rekey^"
    wait_for "$CASE_DIR/clasp-server.log" '<--------- \[KeyUpdate\]' ||
        why "we did not answer gnutls-cli's KeyUpdate" || return 1
    fifo_send c.in "after the KeyUpdate"
    wait_for "$CASE_DIR/client.out" "after the KeyUpdate" ||
        why "no echo after the KeyUpdate" || return 1
    fifo_close c.in
    wait "$cpid" || why "gnutls-cli exit status $?"
}

s_no_common_group() {
    # RFC 8446 §4.1.1: no common group aborts with handshake_failure
    # (or insufficient_security); gnutls-cli must see the alert.
    s_srv -www $(cert_of ecdsa-p256) -groups secp521r1 &&
        ! g_get "$TLS13:-GROUP-ALL:+GROUP-X25519" &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_HANDSHAKE_FAILURE" &&
        grep -qiE "alert.*(handshake|insufficient)|(handsh|insuff).*alert" \
            "$CASE_DIR/page.out" "$CASE_DIR/client.log" ||
        why "gnutls-cli did not receive a handshake_failure alert"
}

s_keyupdate_ours() {
    s_srv -www $(cert_of ecdsa-p256) || return 1
    printf 'GET /keyupdate HTTP/1.0\r\n\r\n' |
        timeout "$T" gnutls-cli --priority "$TLS13" --x509cafile "$ROOTS" \
            -p "$PORT" --logfile "$CASE_DIR/client.log" localhost \
            >"$CASE_DIR/page.out" 2>&1 || why "gnutls-cli failed" || return 1
    field "$CASE_DIR/page.out" "KeyUpdate" \
        "sent before this reply \(update_requested\)"
}

s_resume() {
    # gnutls-cli --resume: a second connection with the first one's
    # ticket.
    NACCEPT=2 s_srv -echo $(cert_of ecdsa-p256) -brief "$@" || return 1
    echo "hello again" | timeout "$T" gnutls-cli --priority "$TLS13" \
        --x509cafile "$ROOTS" -p "$PORT" --resume localhost \
        >"$CASE_DIR/client.out" 2>&1 || why "gnutls-cli --resume failed" ||
        return 1
    has "$CASE_DIR/client.out" "This is a resumed session" &&
        has "$CASE_DIR/client.out" "hello again" || return 1
    wait_server
    [ "$(count_of "$CASE_DIR/clasp-server.log" resumed yes)" = 1 ] ||
        why "our server did not resume"
}

s_psk() {
    # gnutls-cli --pskusername / --pskkey against our PSK-only server.
    s_srv -echo -psk "$PSK_HEX" -psk_identity clasp-interop -brief "$@" ||
        return 1
    echo "psk data" | timeout "$T" gnutls-cli --priority "$PSK_PRIO" \
        -p "$PORT" --pskusername clasp-interop --pskkey "$PSK_HEX" \
        localhost >"$CASE_DIR/client.out" 2>&1 ||
        why "gnutls-cli --pskkey failed" || return 1
    has "$CASE_DIR/client.out" "PSK authentication. Connected as 'clasp-interop'" &&
        has "$CASE_DIR/client.out" "psk data" || return 1
    wait_server
    has "$CASE_DIR/clasp-server.log" "psk_identity=clasp-interop"
}

echo "gnutls-cli -> clasp server"
for s in $SUITES; do run_case "server suite $s" s_suite "$s"; done
for g in $GROUPS_ALL; do run_case "server group $g" s_group "$g"; done
for k in $KINDS; do run_case "server cert $k" s_kind "$k"; done
run_case "server HelloRetryRequest (secp521r1 only)" s_hrr
run_case "server ALPN h2,http/1.1 -> http/1.1" s_alpn
run_case "server sees SNI server.test" s_sni
run_case "server client certificate required and given" s_client_cert
run_case "server exporter equals gnutls-cli's" s_exporter
run_case "server KeyUpdate received (^rekey^), echo after" s_keyupdate
run_case "server KeyUpdate (GET /keyupdate)" s_keyupdate_ours
run_case "server no common group -> handshake_failure alert" \
    s_no_common_group
run_case "server resumes gnutls-cli --resume" s_resume
run_case "server resumes gnutls-cli --resume after HelloRetryRequest" \
    s_resume -groups secp521r1
run_case "server external PSK, gnutls-cli --pskkey" s_psk

finish "gnutls interop"
