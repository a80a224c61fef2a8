#!/usr/bin/env bash
# Client authentication with OpenSSL and GnuTLS peers:
#   post-handshake authentication (RFC 8446 §4.6.2): openssl s_client
#   -enable_pha and gnutls-cli --post-handshake-auth against `clasp server
#   -www -enable_pha` (GET /secret asks for the certificate after the
#   handshake) and our stdin command c; `clasp client -enable_pha` against
#   openssl s_server's `c` command;
#   certificate_authorities (§4.2.4) both ways; certificate_required from
#   s_server -Verify 1.
. "$(dirname "$0")/lib.sh"

need_bin openssl openssl
need_bin gnutls-cli gnutls-bin

# s_srv [clasp server args...]: our -www server, one connection.
s_srv() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 1 -www -cert "$PKI/ecdsa-p256/chain.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" -CAfile "$ROOTS" "$@"
}

CLIENT_CERT=(-cert "$PKI/client/client.pem"
    -cert_chain "$PKI/ecdsa-p256/inter.pem" -key "$PKI/client/client.key")

# o_get PATH [s_client args...]
o_get() {
    local path=$1
    shift
    printf 'GET %s HTTP/1.0\r\n\r\n' "$path" |
        timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -verify_return_error -ign_eof "$@" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "s_client failed (exit $?)"
}

s_secret() {
    # No CertificateRequest in the handshake; the page after the
    # post-handshake one is answered with a certificate that verifies.
    s_srv -Verify 1 -enable_pha &&
        o_get /secret -enable_pha "${CLIENT_CERT[@]}" &&
        has "$CASE_DIR/page.out" "clasp secret: your certificate verified" &&
        has "$CASE_DIR/clasp-server.log" "PHA done: certificate verified"
}

s_secret_no_cert() {
    # -verify (optional): s_client has no certificate, answers with an
    # empty one, and the page is refused.
    s_srv -verify 1 -enable_pha &&
        o_get /secret -enable_pha &&
        has "$CASE_DIR/page.out" "403 Forbidden" &&
        has "$CASE_DIR/clasp-server.log" "PHA done: no certificate"
}

s_secret_required_no_cert() {
    # -Verify: an empty Certificate is certificate_required (§4.4.2.4).
    s_srv -Verify 1 -enable_pha || return 1
    o_get /secret -enable_pha
    has "$CASE_DIR/clasp-server.log" "CLASP_ERR_CERTIFICATE_REQUIRED" &&
        hasnt "$CASE_DIR/page.out" "clasp secret"
}

s_secret_not_offered() {
    # s_client without -enable_pha: the handshake asks (fallback), but no
    # post-handshake request may be sent (§4.6.2): 403.
    s_srv -Verify 1 -enable_pha &&
        o_get /secret "${CLIENT_CERT[@]}" &&
        has "$CASE_DIR/page.out" "403 Forbidden"
}

c_answers_s_server() {
    # s_server's `c` command: a CertificateRequest after the handshake;
    # we answer, then data flows on both ways.
    fifo_open s.in && fifo_open c.in || return 1
    SERVER_STDIN=$CASE_DIR/s.in start_server s_server '^ACCEPT' \
        openssl s_server -tls1_3 -accept "127.0.0.1:@PORT@" -naccept 1 \
        -cert "$PKI/ecdsa-p256/leaf.pem" \
        -cert_chain "$PKI/ecdsa-p256/inter.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" -verifyCAfile "$ROOTS" || return 1
    timeout "$T" "$CLASP" client -connect "localhost:$PORT" -CAfile "$ROOTS" \
        -brief -trace -enable_pha -cert "$PKI/client/client-chain.pem" \
        -key "$PKI/client/client.key" <"$CASE_DIR/c.in" \
        >"$CASE_DIR/client.out" 2>"$CASE_DIR/client.log" &
    local cpid=$!
    PIDS+=("$cpid")
    wait_for "$CASE_DIR/client.log" "CONNECTION ESTABLISHED" ||
        why "no handshake" || return 1
    fifo_send s.in c
    wait_for "$CASE_DIR/client.log" '\[Finished\] +[0-9]+ B --------->' ||
        why "no answer from us" || return 1
    fifo_send s.in "data after the request"
    wait_for "$CASE_DIR/client.out" "data after the request" ||
        why "data after the request not received" || return 1
    fifo_send c.in "data from the client"
    wait_for "$CASE_DIR/s_server.log" "data from the client" ||
        why "s_server did not get our data after the answer" || return 1
    fifo_send c.in Q
    wait "$cpid" || why "clasp client exit status $?" || return 1
    fifo_close s.in
    fifo_close c.in
    grep -qE '<--------- \[CertificateRequest\]' "$CASE_DIR/client.log" ||
        why "the CertificateRequest not in our trace" || return 1
    grep -qE '\[CertificateVerify\] +[0-9]+ B --------->' \
        "$CASE_DIR/client.log" || why "no CertificateVerify from us"
}

g_secret() {
    # gnutls-cli --post-handshake-auth answers the request with its
    # --x509certfile certificate.
    s_srv -Verify 1 -enable_pha || return 1
    # stdin stays open a moment: at its end gnutls-cli closes its write
    # side, after which it can no longer answer the request.
    { printf 'GET /secret HTTP/1.0\r\n\r\n'; sleep 2; } |
        timeout "$T" gnutls-cli --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" \
            --x509cafile "$ROOTS" -p "$PORT" --post-handshake-auth \
            --x509certfile "$PKI/client/client-chain.pem" \
            --x509keyfile "$PKI/client/client.key" localhost \
            >"$CASE_DIR/page.out" 2>&1 ||
        why "gnutls-cli failed (exit $?)" || return 1
    has "$CASE_DIR/page.out" "clasp secret: your certificate verified" &&
        has "$CASE_DIR/clasp-server.log" "PHA done: certificate verified"
}

s_ca_names() {
    # certificate_authorities in our CertificateRequest (RFC 8446 §4.2.4):
    # s_client lists the names it received.
    s_srv -Verify 1 &&
        o_get / "${CLIENT_CERT[@]}" &&
        has "$CASE_DIR/page.out" "Acceptable client certificate CA names" &&
        has "$CASE_DIR/page.out" "clasp test root ecdsa-p256"
}

s_no_ca_names() {
    # -no_ca_names: the CertificateRequest lists no authorities.
    s_srv -Verify 1 -no_ca_names &&
        o_get / "${CLIENT_CERT[@]}" &&
        has "$CASE_DIR/page.out" "No client certificate CA names sent"
}

c_picks_by_ca_names() {
    # s_server -Verify lists the names of its -CAfile; our client holds an
    # ed25519 chain first and picks the client chain the list names.
    start_server s_server '^ACCEPT' openssl s_server -tls1_3 \
        -accept "127.0.0.1:@PORT@" -naccept 1 -www \
        -cert "$PKI/ecdsa-p256/leaf.pem" \
        -cert_chain "$PKI/ecdsa-p256/inter.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" -Verify 1 -verify_return_error \
        -CAfile "$PKI/ecdsa-p256/root.pem" || return 1
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -brief -ign_eof \
            -cert "$PKI/ed25519/chain.pem" -key "$PKI/ed25519/leaf.key" \
            -cert "$PKI/client/client-chain.pem" \
            -key "$PKI/client/client.key" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "clasp client failed (exit $?)" || return 1
    has "$CASE_DIR/page.out" "clasp test client"
}

c_no_cert_s_server_requires() {
    # s_server -Verify 1: our empty Certificate gets certificate_required.
    start_server s_server '^ACCEPT' openssl s_server -tls1_3 \
        -accept "127.0.0.1:@PORT@" -naccept 1 -www \
        -cert "$PKI/ecdsa-p256/leaf.pem" \
        -cert_chain "$PKI/ecdsa-p256/inter.pem" \
        -key "$PKI/ecdsa-p256/leaf.key" -Verify 1 -verify_return_error \
        -CAfile "$ROOTS" || return 1
    ! printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -brief -ign_eof \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "clasp client succeeded without a certificate" || return 1
    has "$CASE_DIR/client.log" "certificate_required"
}

run_case "s_client -enable_pha: GET /secret after the certificate" s_secret
run_case "s_client -enable_pha without certificate, -verify: 403" \
    s_secret_no_cert
run_case "s_client -enable_pha without certificate, -Verify: fatal" \
    s_secret_required_no_cert
run_case "s_client without -enable_pha: no request, 403" s_secret_not_offered
run_case "clasp client -enable_pha answers s_server's c" c_answers_s_server
s_command_c() {
    # Our relay's stdin command c: a request at any time; s_client
    # -enable_pha answers, data flows on after it.
    fifo_open s.in && fifo_open c.in || return 1
    SERVER_STDIN=$CASE_DIR/s.in start_server clasp-server '^ACCEPT' \
        "$CLASP" server -accept @PORT@ -naccept 1 \
        -cert "$PKI/ecdsa-p256/chain.pem" -key "$PKI/ecdsa-p256/leaf.key" \
        -CAfile "$ROOTS" -Verify 1 -enable_pha || return 1
    timeout "$T" openssl s_client -tls1_3 -connect "localhost:$PORT" \
        -CAfile "$ROOTS" -enable_pha "${CLIENT_CERT[@]}" \
        <"$CASE_DIR/c.in" >"$CASE_DIR/client.out" 2>"$CASE_DIR/client.log" &
    local cpid=$!
    PIDS+=("$cpid")
    wait_for "$CASE_DIR/clasp-server.log" "handshake complete" ||
        why "no handshake" || return 1
    fifo_send s.in c
    fifo_send s.in "data after the request"
    wait_for "$CASE_DIR/clasp-server.log" "PHA done: certificate verified" ||
        why "no verified answer" || return 1
    wait_for "$CASE_DIR/client.out" "data after the request" ||
        why "s_client did not get our data" || return 1
    fifo_send c.in "data from s_client"
    wait_for "$CASE_DIR/clasp-server.log" "data from s_client" ||
        why "no data from s_client after the answer" || return 1
    fifo_send s.in Q
    fifo_close s.in
    fifo_close c.in
    wait "$cpid" 2>/dev/null
    return 0
}

run_case "clasp server command c, s_client -enable_pha answers" s_command_c
run_case "s_client sees our certificate_authorities" s_ca_names
run_case "clasp server -no_ca_names: s_client sees none" s_no_ca_names
run_case "clasp client picks its chain by s_server's CA names" \
    c_picks_by_ca_names
run_case "clasp client without certificate, s_server -Verify 1: refused" \
    c_no_cert_s_server_requires
run_case "gnutls-cli --post-handshake-auth: GET /secret" g_secret
finish "pha interop"
