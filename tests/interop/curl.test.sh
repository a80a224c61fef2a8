#!/usr/bin/env bash
# curl (OpenSSL backend) against `clasp server -www`: the page must
# describe the connection curl made (suite, group, HRR, ALPN, SNI, client
# certificate, KeyUpdate), for every suite, several groups and every
# certificate type; the key logs of both ends must agree.
. "$(dirname "$0")/lib.sh"

need_bin curl curl

s_srv() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept "${NACCEPT:-1}" -www "$@"
}

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

# get PATH [curl args...]: the page to page.out, curl -v to client.log.
get() {
    local path=$1
    shift
    timeout "$T" curl -sS -v --tlsv1.3 --cacert "$ROOTS" "$@" \
        "https://localhost:$PORT$path" >"$CASE_DIR/page.out" \
        2>"$CASE_DIR/client.log" || why "curl failed (exit $?)"
}

field() {
    grep -qE "^$2 +: $3\$" "$1" || why "page: '$2' is not '$3'"
}

c_basic() {
    s_srv $(cert_of ecdsa-p256) && get / &&
        field "$CASE_DIR/page.out" Protocol TLSv1.3 &&
        field "$CASE_DIR/page.out" SNI localhost &&
        field "$CASE_DIR/page.out" Request "GET / HTTP/1.1" &&
        has "$CASE_DIR/client.log" "SSL connection using TLSv1.3"
}

c_suite() {
    s_srv $(cert_of ecdsa-p256) && get / --tls13-ciphers "$1" &&
        field "$CASE_DIR/page.out" "Cipher suite" "$1" &&
        has "$CASE_DIR/client.log" "TLSv1.3 / $1"
}

c_group() {
    # $1: our name, $2: OpenSSL's name for curl --curves.
    s_srv $(cert_of ecdsa-p256) -groups "$1" && get / --curves "$2" &&
        field "$CASE_DIR/page.out" Group "$1" &&
        field "$CASE_DIR/page.out" HelloRetryRequest no
}

c_kind() {
    s_srv $(cert_of "$1") && get / &&
        field "$CASE_DIR/page.out" Protocol TLSv1.3
}

c_hrr() {
    s_srv $(cert_of ecdsa-p256) -groups secp384r1 && get / &&
        field "$CASE_DIR/page.out" HelloRetryRequest yes &&
        field "$CASE_DIR/page.out" Group secp384r1
}

c_alpn() {
    s_srv $(cert_of ecdsa-p256) -alpn http/1.1 && get / &&
        field "$CASE_DIR/page.out" ALPN http/1.1 &&
        has "$CASE_DIR/client.log" "ALPN: server accepted http/1.1"
}

c_keyupdate() {
    s_srv $(cert_of ecdsa-p256) && get /keyupdate &&
        field "$CASE_DIR/page.out" KeyUpdate \
            "sent before this reply \(update_requested\)" &&
        field "$CASE_DIR/page.out" Request "GET /keyupdate HTTP/1.1"
}

c_client_cert() {
    s_srv $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        get / --cert "$PKI/client/client-chain.pem" \
            --key "$PKI/client/client.key" &&
        field "$CASE_DIR/page.out" "Client signature" ecdsa_secp256r1_sha256
}

c_client_cert_missing() {
    s_srv $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        ! get / &&
        has "$CASE_DIR/clasp-server.log" "CLASP_ERR_CERTIFICATE_REQUIRED" &&
        has "$CASE_DIR/client.log" "certificate required"
}

c_two_connections() {
    # -naccept 2: two URLs, two connections, then the server exits 0.
    NACCEPT=2 s_srv $(cert_of ecdsa-p256) || return 1
    timeout "$T" curl -sS --tlsv1.3 --cacert "$ROOTS" \
        "https://localhost:$PORT/" "https://localhost:$PORT/keyupdate" \
        >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "curl failed" || return 1
    [ "$(grep -c '^Protocol  *: TLSv1.3$' "$CASE_DIR/page.out")" = 2 ] ||
        why "expected two pages" || return 1
    wait_server || why "clasp server exit status $?"
}

c_keylog() {
    s_srv $(cert_of ecdsa-p256) -keylogfile "$CASE_DIR/ours.keys" &&
        SSLKEYLOGFILE=$CASE_DIR/theirs.keys get / || return 1
    wait_server
    [ -s "$CASE_DIR/ours.keys" ] || why "-keylogfile not written" ||
        return 1
    [ "$(grep -v '^#' "$CASE_DIR/ours.keys" | sort)" = \
        "$(grep -v '^#' "$CASE_DIR/theirs.keys" | sort)" ] ||
        why "key log lines differ from curl's"
}

echo "curl -> clasp server -www"
run_case "GET / over TLS 1.3" c_basic
for s in $SUITES; do run_case "suite $s" c_suite "$s"; done
run_case "group x25519" c_group x25519 X25519
run_case "group secp256r1" c_group secp256r1 P-256
run_case "group x448" c_group x448 X448
run_case "group secp384r1" c_group secp384r1 P-384
run_case "group secp521r1" c_group secp521r1 P-521
for k in $KINDS; do run_case "cert $k" c_kind "$k"; done
run_case "HelloRetryRequest (secp384r1 only)" c_hrr
run_case "ALPN h2,http/1.1 -> http/1.1" c_alpn
run_case "GET /keyupdate" c_keyupdate
run_case "client certificate" c_client_cert
run_case "client certificate missing -> certificate_required" \
    c_client_cert_missing
run_case "two connections (-naccept 2)" c_two_connections
run_case "-keylogfile equals curl's SSLKEYLOGFILE" c_keylog

finish "curl interop"
