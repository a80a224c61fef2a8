#!/bin/bash
# Regenerate the test PKI of clasp (TEST KEYS ONLY: never use them for
# anything else). Needs the openssl command-line tool (3.0 or later).
# Usage: tests/pki/gen.sh   (writes next to this script; see README.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

kinds="rsa2048 rsapss ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519 ed448"

cat > "$work/ext.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, DNS:server.test, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_client_only]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost, DNS:server.test, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_keyenc_only]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, DNS:server.test, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_other_host]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:other.test, IP:192.0.2.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

genkey() { # kind out
    case "$1" in
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
                 -out "$2" ;;
    rsapss) openssl genpkey -algorithm RSA-PSS \
                -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                    -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ecdsa-p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
                    -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ecdsa-p521) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 \
                    -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ecdsa-p256-explicit) openssl genpkey -algorithm EC \
                    -pkeyopt ec_paramgen_curve:P-256 \
                    -pkeyopt ec_param_enc:explicit -out "$2" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$2" ;;
    ed448) openssl genpkey -algorithm ED448 -out "$2" ;;
    *) echo "unknown kind $1" >&2; exit 1 ;;
    esac
}

mdopt() { # kind -> digest for signing with that kind's CA key
    case "$1" in
    rsa2048|rsapss|ecdsa-p256) echo sha256 ;;
    ecdsa-p384) echo sha384 ;;
    ecdsa-p521) echo sha512 ;;
    *) echo default ;; # EdDSA: no separate digest
    esac
}

# Every certificate is issued with `openssl ca`, which takes explicit
# validity dates (`openssl x509 -req` of OpenSSL 3.0 has no -not_before):
# valid ones from 2020 to 2120 (so a slow clock does not break them),
# the expired one in 2000-2001.
mkdir -p "$work/ca"
: > "$work/ca/index.txt"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $work/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
CNF

# sign <csr> <ca.pem|-selfsign> <ca.key> <ca-kind> <ext> <out> [start end]
sign() {
    local cert=(-cert "$2")
    if [ "$2" = -selfsign ]; then cert=(-selfsign); fi
    openssl rand -hex 8 > "$work/ca/serial"
    openssl ca -batch -config "$work/ca.cnf" "${cert[@]}" -keyfile "$3" \
        -md "$(mdopt "$4")" -extfile "$work/ext.cnf" -extensions "$5" \
        -notext -preserveDN -startdate "${7:-20200101000000Z}" \
        -enddate "${8:-21200101000000Z}" -in "$1" -out "$6" 2>/dev/null
}

# csr <key> <subject> <out>
csr() {
    openssl req -new -key "$1" -subj "$2" -config "$work/ext.cnf" -out "$3"
}

# leaf <kind-of-key> <cn> <ext> <dir> <name> <ca-dir> <ca-kind> [start end]
leaf() {
    genkey "$1" "$4/$5.key"
    csr "$4/$5.key" "/CN=$2" "$work/$5.csr"
    sign "$work/$5.csr" "$6/inter.pem" "$6/inter.key" "$7" "$3" "$4/$5.pem" \
        "${8:-}" "${9:-}"
    cat "$4/$5.pem" "$6/inter.pem" > "$4/$5-chain.pem"
}

: > all-roots.pem
for k in $kinds; do
    mkdir -p "$k"
    genkey "$k" "$k/root.key"
    csr "$k/root.key" "/O=clasp tests/CN=clasp test root $k" "$work/root.csr"
    sign "$work/root.csr" -selfsign "$k/root.key" "$k" v3_root "$k/root.pem"
    genkey "$k" "$k/inter.key"
    csr "$k/inter.key" "/O=clasp tests/CN=clasp test intermediate $k" \
        "$work/inter.csr"
    sign "$work/inter.csr" "$k/root.pem" "$k/root.key" "$k" v3_inter \
        "$k/inter.pem"
    leaf "$k" localhost v3_leaf "$k" leaf "$k" "$k"
    mv "$k/leaf-chain.pem" "$k/chain.pem"
    cat "$k/root.pem" >> all-roots.pem
done

# Negative and client certificates, issued by the ecdsa-p256 intermediate.
ca=ecdsa-p256
mkdir -p neg client
leaf ecdsa-p256 localhost v3_client_only neg client-eku-only "$ca" "$ca"
leaf ecdsa-p256 localhost v3_keyenc_only neg ku-keyenc-only "$ca" "$ca"
leaf ecdsa-p256 other.test v3_other_host neg other-host "$ca" "$ca"
leaf ecdsa-p256-explicit localhost v3_leaf neg explicit-ec "$ca" "$ca"
leaf ecdsa-p256 "clasp test client" v3_client client client "$ca" "$ca"

leaf ecdsa-p256 localhost v3_leaf neg expired "$ca" "$ca" \
    20000101000000Z 20010101000000Z

# An RSASSA-PSS key restricted to SHA-384 / MGF1-SHA-384 / salt >= 48
# (RFC 4055 §3.1 parameters in the key): fits rsa_pss_pss_sha384 only.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
    -pkeyopt rsa_pss_keygen_md:sha384 -pkeyopt rsa_pss_keygen_mgf1_md:sha384 \
    -pkeyopt rsa_pss_keygen_saltlen:48 -out rsapss/restricted-sha384.key

# The ecdsa-p256 leaf key again, in other encodings: PKCS#8 DER, and
# encrypted PKCS#8 PEM (password "clasp-test").
openssl pkey -in ecdsa-p256/leaf.key -outform DER -out ecdsa-p256/leaf.key.der
openssl pkcs8 -topk8 -in ecdsa-p256/leaf.key -v2 aes-256-cbc \
    -passout pass:clasp-test -out ecdsa-p256/leaf.enc.key
openssl x509 -in ecdsa-p256/leaf.pem -outform DER -out ecdsa-p256/leaf.der

echo "test PKI written to $here"
