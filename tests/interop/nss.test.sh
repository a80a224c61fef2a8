#!/usr/bin/env bash
# Interop with NSS (libnss3-tools):
#   part 1: `clasp client` against `selfserv`
#   part 2: `tstclnt` against `clasp server -www`
# per suite, group and certificate type NSS supports, HRR, SNI, client
# certificates and the exporter. NSS has no x448, no CCM suites and no
# EdDSA certificates, so those are not tried here (openssl.test.sh and
# gnutls.test.sh cover them). NSS databases are built from tests/pki in
# the temporary directory: one per server key (NSS gives every
# certificate of one subject the same nickname, and all our leaves are
# CN=localhost), and one client database with the roots.
. "$(dirname "$0")/lib.sh"

need_bin selfserv libnss3-tools
need_bin tstclnt libnss3-tools
need_bin certutil libnss3-tools
need_bin pk12util libnss3-tools
need_bin openssl openssl

NSS_KINDS="rsa2048 rsapss ecdsa-p256 ecdsa-p384 ecdsa-p521"
NSS_SUITES="TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384
TLS_CHACHA20_POLY1305_SHA256"
# NSS leaves RSASSA-PSS (rsa_pss_pss_*) schemes out unless asked (-J).
NSS_SIGS=ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512
NSS_SIGS=$NSS_SIGS,rsa_pss_rsae_sha256,rsa_pss_pss_sha256

suite_hex() {
    case $1 in
    TLS_AES_128_GCM_SHA256) echo :1301 ;;
    TLS_AES_256_GCM_SHA384) echo :1302 ;;
    TLS_CHACHA20_POLY1305_SHA256) echo :1303 ;;
    esac
}

nss_group() {
    case $1 in
    x25519) echo x25519 ;;
    secp256r1) echo P256 ;;
    secp384r1) echo P384 ;;
    secp521r1) echo P521 ;;
    esac
}

# ---- NSS databases --------------------------------------------------------

nss_db() {
    mkdir -p "$1" && certutil -N -d "sql:$1" --empty-password >/dev/null
}

p12_import() { # DB CHAIN KEY NICKNAME
    openssl pkcs12 -export -in "$2" -inkey "$3" -name "$4" -passout pass: \
        -out "$TMP/$4.p12" 2>/dev/null &&
        pk12util -i "$TMP/$4.p12" -d "sql:$1" -W '' >/dev/null
}

CDB=$TMP/nss-client
nss_db "$CDB" || die "certutil -N failed"
for k in $NSS_KINDS; do
    certutil -A -d "sql:$CDB" -n "root-$k" -t "CT,," \
        -i "$PKI/$k/root.pem" || die "cannot add root $k to NSS"
done
p12_import "$CDB" "$PKI/client/client-chain.pem" "$PKI/client/client.key" \
    client || die "cannot import the client certificate into NSS"
for k in $NSS_KINDS; do
    nss_db "$TMP/nss-$k" &&
        p12_import "$TMP/nss-$k" "$PKI/$k/chain.pem" "$PKI/$k/leaf.key" \
            "srv-$k" &&
        certutil -A -d "sql:$TMP/nss-$k" -n root-ecdsa-p256 -t "CT,," \
            -i "$PKI/ecdsa-p256/root.pem" ||
        die "cannot build the NSS database for $k"
done

# NSS prints exporter output as colon-separated hex on following lines.
nss_exporter() {
    sed -n '/Keying Material:/,$p' "$1" | tail -n +2 |
        grep -E '^ *([0-9a-f]{2}:?)+$' | tr -d ' :\n' | tr a-f A-F
}

# ---- part 1: clasp client -> selfserv -------------------------------------

# n_server KIND [selfserv args...]
n_server() {
    local kind=$1 opt=-e
    shift
    case $kind in rsa*) opt=-n ;; esac
    start_server selfserv 'About to call accept' selfserv \
        -d "sql:$TMP/nss-$kind" -p @PORT@ $opt "srv-$kind" \
        -V tls1.3:tls1.3 -J "$NSS_SIGS" -v "$@"
}

c_get() {
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout "$T" "$CLASP" client -connect "localhost:$PORT" \
            -CAfile "$ROOTS" -brief -ign_eof "$@" \
            >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "clasp client failed (exit $?)" || return 1
    # selfserv answers with the request it read.
    has "$CASE_DIR/page.out" "GET / HTTP/1.0"
}

c_suite() {
    n_server ecdsa-p256 -c "$(suite_hex "$1")" && c_get &&
        expect_field "$CASE_DIR/client.log" suite "$1"
}

c_group() {
    n_server ecdsa-p256 -I "$(nss_group "$1")" && c_get -groups "$1" &&
        expect_field "$CASE_DIR/client.log" group "$1" &&
        expect_field "$CASE_DIR/client.log" hrr no
}

c_kind() {
    n_server "$1" && c_get &&
        expect_field "$CASE_DIR/client.log" peer_sig "$(sig_for_kind "$1")"
}

c_hrr() {
    n_server ecdsa-p256 -I P384 && c_get &&
        expect_field "$CASE_DIR/client.log" hrr yes &&
        expect_field "$CASE_DIR/client.log" group secp384r1
}

c_client_cert() {
    # -r -r: selfserv requires a client certificate.
    n_server ecdsa-p256 -r -r &&
        c_get -cert "$PKI/client/client-chain.pem" \
            -key "$PKI/client/client.key"
}

c_exporter() {
    n_server ecdsa-p256 -x EXPORTER-clasp-interop:32 &&
        c_get -keymatexport EXPORTER-clasp-interop -keymatexportlen 32 ||
        return 1
    local ours theirs
    ours=$(sed -n 's/^Keying material: //p' "$CASE_DIR/client.log")
    local i
    for ((i = 0; i < 100; i++)); do
        theirs=$(nss_exporter "$CASE_DIR/selfserv.log")
        [ ${#theirs} -ge 64 ] && break
        sleep 0.05
    done
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
        why "exporter: ours '$ours', selfserv's '$theirs'"
}

echo "clasp client -> NSS selfserv"
for s in $NSS_SUITES; do run_case "client suite $s" c_suite "$s"; done
for g in x25519 secp256r1 secp384r1 secp521r1; do
    run_case "client group $g" c_group "$g"
done
for k in $NSS_KINDS; do run_case "client server-cert $k" c_kind "$k"; done
run_case "client HelloRetryRequest (selfserv wants P-384)" c_hrr
run_case "client certificate required by selfserv" c_client_cert
run_case "client exporter equals selfserv's" c_exporter

# ---- part 2: tstclnt -> clasp server ----------------------------------------

s_srv() {
    start_server clasp-server '^ACCEPT' "$CLASP" server -accept @PORT@ \
        -naccept 1 -www "$@"
}

cert_of() {
    echo "-cert $PKI/$1/chain.pem -key $PKI/$1/leaf.key"
}

# t_get [tstclnt args...]: the request comes from a regular file
# (tstclnt spins on a pipe at end of input).
t_get() {
    printf 'GET / HTTP/1.0\r\n\r\n' >"$CASE_DIR/req.txt"
    timeout "$T" tstclnt -h localhost -p "$PORT" -d "sql:$CDB" \
        -V tls1.3:tls1.3 -J "$NSS_SIGS" "$@" <"$CASE_DIR/req.txt" \
        >"$CASE_DIR/page.out" 2>"$CASE_DIR/client.log" ||
        why "tstclnt failed (exit $?)"
}

field() {
    grep -qE "^$2 +: $3\$" "$1" || why "page: '$2' is not '$3'"
}

s_suite() {
    s_srv $(cert_of ecdsa-p256) && t_get -c "$(suite_hex "$1")" &&
        field "$CASE_DIR/page.out" "Cipher suite" "$1"
}

s_group() {
    s_srv $(cert_of ecdsa-p256) -groups "$1" &&
        t_get -I "$(nss_group "$1")" &&
        field "$CASE_DIR/page.out" Group "$1" &&
        field "$CASE_DIR/page.out" HelloRetryRequest no
}

s_kind() {
    # NSS wants keyEncipherment in an RSA (rsaEncryption) server
    # certificate even in TLS 1.3, where it only signs; our rsa2048 leaf
    # has digitalSignature only (SEC_ERROR_INADEQUATE_KEY_USAGE, with any
    # server): -o lets tstclnt go on for that one.
    local override=
    [ "$1" = rsa2048 ] && override=-o
    s_srv $(cert_of "$1") && t_get $override &&
        field "$CASE_DIR/page.out" Protocol TLSv1.3
}

s_hrr() {
    s_srv $(cert_of ecdsa-p256) -groups secp384r1 && t_get &&
        field "$CASE_DIR/page.out" HelloRetryRequest yes &&
        field "$CASE_DIR/page.out" Group secp384r1
}

s_sni() {
    s_srv $(cert_of ecdsa-p256) && t_get -a server.test &&
        field "$CASE_DIR/page.out" SNI server.test
}

s_client_cert() {
    s_srv $(cert_of ecdsa-p256) -Verify 1 -CAfile "$ROOTS" &&
        t_get -n client &&
        field "$CASE_DIR/page.out" "Client signature" ecdsa_secp256r1_sha256
}

s_exporter() {
    s_srv $(cert_of ecdsa-p256) -keymatexport EXPORTER-clasp-interop \
        -keymatexportlen 32 && t_get -x EXPORTER-clasp-interop:32 ||
        return 1
    local ours theirs
    ours=$(sed -n 's/^Keying material *: //p' "$CASE_DIR/page.out")
    theirs=$(nss_exporter "$CASE_DIR/page.out")
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] ||
        why "exporter: ours '$ours', tstclnt's '$theirs'"
}

echo "NSS tstclnt -> clasp server"
for s in $NSS_SUITES; do run_case "server suite $s" s_suite "$s"; done
for g in x25519 secp256r1 secp384r1 secp521r1; do
    run_case "server group $g" s_group "$g"
done
for k in $NSS_KINDS; do run_case "server cert $k" s_kind "$k"; done
run_case "server HelloRetryRequest (secp384r1 only)" s_hrr
run_case "server sees SNI server.test" s_sni
run_case "server client certificate required and given" s_client_cert
run_case "server exporter equals tstclnt's" s_exporter

finish "nss interop"
