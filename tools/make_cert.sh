#!/usr/bin/env bash
# Makes a throwaway certificate authority and a localhost certificate signed
# by it, for trying wss:// by hand (`make cert`; the unit tests make their own
# in-process and need no openssl binary):
#
#   bash tools/make_cert.sh <dir>
#
#   <dir>/ca.pem, ca.key       the CA (self-signed, 30 days): trust ca.pem in
#                              the client (wsload, curl --cacert, a browser)
#   <dir>/cert.pem, key.pem    the server's: SAN DNS:localhost, IP:127.0.0.1
#                              (RFC 6125: clients match the SAN, not the CN),
#                              for wsserver --tls-cert/--tls-key
#
# Idempotent: when all four files exist nothing is done, so a server started
# with them keeps working after another `make cert`. Keys are P-256 (small,
# fast handshakes, accepted everywhere TLS 1.2 is), never to be used for
# anything real: ca.key sits beside the certificate it signs.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <dir>" >&2
  exit 2
fi
dir=$1
if [ -f "$dir/ca.pem" ] && [ -f "$dir/ca.key" ] && [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ]; then
  echo "make_cert: $dir already has ca.pem, ca.key, cert.pem, key.pem"
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=wsserver test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.csr" 2>/dev/null
printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$tmp/ext.cnf"
openssl x509 -req -in "$tmp/cert.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 30 -extfile "$tmp/ext.cnf" -out "$tmp/cert.pem" 2>/dev/null

# Moved in only when all four are made, so a failed run leaves no half set.
chmod 600 "$tmp/ca.key" "$tmp/key.pem"
mv "$tmp/ca.pem" "$tmp/ca.key" "$tmp/cert.pem" "$tmp/key.pem" "$dir/"
echo "make_cert: $dir/cert.pem (localhost, 127.0.0.1) signed by $dir/ca.pem"
