#!/bin/bash
# Certificates of the conformance suite (TEST KEYS ONLY), next to this
# script; see README.md. Needs the openssl command-line tool (3.0 or
# later). The output is committed so that the tests do not need the tool.
#   deep/   a chain root -> i1 -> ... -> i10 and two leaves: leaf10 under
#           i9 (chain10.pem: leaf + 9 intermediates = 10 certificates)
#           and leaf11 under i10 (chain11.pem: 11 certificates)
#   weak/   RSA leaves signed with MD5 and with SHA-1 by an RSA
#           intermediate (md5-chain.pem, sha1-chain.pem)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/ext.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_ca]
basicConstraints = critical, CA:TRUE
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
CNF

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

# sign <csr> <ca.pem|-selfsign> <ca.key> <md> <ext> <out>
sign() {
    local cert=(-cert "$2")
    if [ "$2" = -selfsign ]; then cert=(-selfsign); fi
    openssl rand -hex 8 > "$work/ca/serial"
    openssl ca -batch -config "$work/ca.cnf" "${cert[@]}" -keyfile "$3" \
        -md "$4" -extfile "$work/ext.cnf" -extensions "$5" -notext \
        -preserveDN -startdate 20200101000000Z -enddate 21200101000000Z \
        -in "$1" -out "$6" 2>/dev/null
}
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
           -pkeyopt ec_param_enc:named_curve -out "$1"; }
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$1" 2>/dev/null; }
csr() { openssl req -new -key "$1" -subj "$2" -config "$work/ext.cnf" \
            -out "$3"; }

# ---- deep --------------------------------------------------------------------
mkdir -p deep
ec "$work/root.key"
csr "$work/root.key" "/O=clasp tests/CN=clasp conformance deep root" \
    "$work/r.csr"
sign "$work/r.csr" -selfsign "$work/root.key" sha256 v3_root deep/root.pem
prev_pem=deep/root.pem
prev_key="$work/root.key"
for i in 1 2 3 4 5 6 7 8 9 10; do
    ec "$work/i$i.key"
    csr "$work/i$i.key" "/O=clasp tests/CN=clasp conformance deep i$i" \
        "$work/i$i.csr"
    sign "$work/i$i.csr" "$prev_pem" "$prev_key" sha256 v3_ca "$work/i$i.pem"
    prev_pem="$work/i$i.pem"
    prev_key="$work/i$i.key"
done
ec deep/leaf.key
csr deep/leaf.key "/CN=localhost" "$work/leaf.csr"
sign "$work/leaf.csr" "$work/i9.pem" "$work/i9.key" sha256 v3_leaf \
    "$work/leaf10.pem"
sign "$work/leaf.csr" "$work/i10.pem" "$work/i10.key" sha256 v3_leaf \
    "$work/leaf11.pem"
cat "$work/leaf10.pem" > deep/chain10.pem
for i in 9 8 7 6 5 4 3 2 1; do cat "$work/i$i.pem" >> deep/chain10.pem; done
cat "$work/leaf11.pem" > deep/chain11.pem
for i in 10 9 8 7 6 5 4 3 2 1; do cat "$work/i$i.pem" >> deep/chain11.pem; done

# ---- weak --------------------------------------------------------------------
mkdir -p weak
rsa "$work/wroot.key"
csr "$work/wroot.key" "/O=clasp tests/CN=clasp conformance weak root" \
    "$work/wr.csr"
sign "$work/wr.csr" -selfsign "$work/wroot.key" sha256 v3_root weak/root.pem
rsa "$work/winter.key"
csr "$work/winter.key" "/O=clasp tests/CN=clasp conformance weak inter" \
    "$work/wi.csr"
sign "$work/wi.csr" weak/root.pem "$work/wroot.key" sha256 v3_ca \
    "$work/winter.pem"
rsa weak/leaf.key
csr weak/leaf.key "/CN=localhost" "$work/wl.csr"
for md in md5 sha1; do
    sign "$work/wl.csr" "$work/winter.pem" "$work/winter.key" "$md" v3_leaf \
        "$work/$md.pem"
    cat "$work/$md.pem" "$work/winter.pem" > "weak/$md-chain.pem"
done

echo "conformance certificates written to $here"
