#!/usr/bin/env bash
# Python's ssl module (TLS 1.3 only, certificate and name checked) as a
# client of `clasp server`: echo of small and 1 MiB random data (sent
# while reading back), every certificate type, ALPN, SNI, HRR, client
# certificate, KeyUpdate, key log agreement, the close_notify exchange,
# and a TLS 1.2-only client that must be refused.
. "$(dirname "$0")/lib.sh"

need_bin python3 python3
python3 -c 'import ssl; ssl.TLSVersion.TLSv1_3' 2>/dev/null ||
    die "python3 has no TLS 1.3 in its ssl module"

PYC="$CLASP_SOURCE_DIR/tests/interop/python_client.py"

s_srv() {
    local mode=$1
    shift
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 1 "$mode" "$@"
}

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

# py MODE [python_client.py args...]
py() {
    local mode=$1
    shift
    timeout "$T" python3 "$PYC" "$mode" "$PORT" "$ROOTS" "$@" \
        >"$CASE_DIR/client.out" 2>"$CASE_DIR/client.log" ||
        why "python client failed: $(tail -n 1 "$CASE_DIR/client.log")"
}

field() {
    grep -qE "^$2 +: $3\$" "$1" || why "page: '$2' is not '$3'"
}

c_echo_small() {
    s_srv -echo $(cert_of ecdsa-p256) && py echo --size 100 &&
        has "$CASE_DIR/client.out" "version=TLSv1.3" &&
        has "$CASE_DIR/client.out" "echo ok: 100 bytes"
}

c_echo_big() {
    s_srv -echo $(cert_of ecdsa-p256) && py echo --size 1048576 &&
        has "$CASE_DIR/client.out" "echo ok: 1048576 bytes"
}

c_close_notify() {
    # RFC 8446 §6.1: after our close_notify the server sends its own
    # (Python's unwrap() waits for it).
    s_srv -echo $(cert_of ecdsa-p256) && py echo --size 10 --unwrap &&
        has "$CASE_DIR/client.out" "close_notify answered"
}

c_kind() {
    s_srv -echo $(cert_of "$1") && py echo --size 1000 &&
        has "$CASE_DIR/client.out" "echo ok: 1000 bytes"
}

c_alpn() {
    s_srv -echo $(cert_of ecdsa-p256) -alpn http/1.1 &&
        py echo --alpn h2,http/1.1 && has "$CASE_DIR/client.out" "alpn=http/1.1"
}

c_sni() {
    s_srv -www $(cert_of ecdsa-p256) && py get --sni server.test &&
        field "$CASE_DIR/client.out" SNI server.test
}

c_hrr() {
    # Python (OpenSSL) sends one x25519 key share.
    s_srv -www $(cert_of ecdsa-p256) -groups secp384r1 && py get &&
        field "$CASE_DIR/client.out" HelloRetryRequest yes &&
        field "$CASE_DIR/client.out" Group secp384r1
}

c_client_cert() {
    s_srv -www $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        py get --cert "$PKI/client/client-chain.pem" \
            --key "$PKI/client/client.key" &&
        field "$CASE_DIR/client.out" "Client signature" ecdsa_secp256r1_sha256
}

c_keyupdate() {
    s_srv -www $(cert_of ecdsa-p256) && py get --path /keyupdate &&
        field "$CASE_DIR/client.out" KeyUpdate \
            "sent before this reply \(update_requested\)"
}

c_keylog() {
    s_srv -echo $(cert_of ecdsa-p256) -keylogfile "$CASE_DIR/ours.keys" &&
        py echo --keylog "$CASE_DIR/theirs.keys" || return 1
    wait_server
    [ -s "$CASE_DIR/ours.keys" ] || why "-keylogfile not written" ||
        return 1
    [ "$(grep -v '^#' "$CASE_DIR/ours.keys" | sort)" = \
        "$(grep -v '^#' "$CASE_DIR/theirs.keys" | sort)" ] ||
        why "key log lines differ from Python's"
}

c_tls12_refused() {
    # No TLS 1.2 here: a client offering only 1.2 gets a protocol_version
    # alert (RFC 8446 §4.2.1, App. D).
    s_srv -echo $(cert_of ecdsa-p256) && ! py tls12 &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_PROTOCOL_VERSION" &&
        has "$CASE_DIR/client.log" "PROTOCOL_VERSION"
}

echo "python3 ssl -> clasp server"
run_case "echo 100 bytes" c_echo_small
run_case "echo 1 MiB random, sent while reading" c_echo_big
for k in $KINDS; do run_case "cert $k" c_kind "$k"; done
run_case "ALPN h2,http/1.1 -> http/1.1" c_alpn
run_case "SNI server.test" c_sni
run_case "HelloRetryRequest (secp384r1 only)" c_hrr
run_case "client certificate" c_client_cert
run_case "KeyUpdate (GET /keyupdate)" c_keyupdate
run_case "-keylogfile equals Python's keylog_filename" c_keylog
run_case "close_notify answered (unwrap)" c_close_notify
run_case "TLS 1.2-only client refused with protocol_version" c_tls12_refused

finish "python interop"
