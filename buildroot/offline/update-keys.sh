#!/usr/bin/env bash
# update-keys.sh DIR: the keys that sign update bundles (make bundle), made once in DIR unless
# DIR already has them. A development CA (ca.cert.pem: the keyring the image trusts, put in it
# as /etc/rauc/ca.cert.pem) and a signer under it (signer.cert.pem, signer.key.pem) with the
# codeSigning usage RAUC's check-purpose=codesign asks for. These are test keys made on this
# machine: never commit them. To use your own, put your CA certificate and a signer's
# certificate and key under these names in a directory and pass it as UPDATE_KEYS=DIR.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
if [ -s "$D/ca.cert.pem" ] && [ -s "$D/signer.cert.pem" ] && [ -s "$D/signer.key.pem" ]; then
	exit 0
fi
command -v openssl >/dev/null || { echo "update-keys: openssl is missing: apt-get install --no-install-recommends openssl (make deps)" >&2; exit 1; }
[ ! -e "$D/ca.cert.pem" ] || { echo "update-keys: $D has ca.cert.pem but no signer.cert.pem/signer.key.pem: complete it, or remove it for new test keys" >&2; exit 1; }
mkdir -p "$D"
chmod 700 "$D"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$T/ca.key.pem" -out "$T/ca.cert.pem" -days 3650 \
	-subj "/CN=picam update CA (test key made on $(hostname))" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req "${ec[@]}" -keyout "$T/signer.key.pem" -out "$T/signer.csr" -subj "/CN=picam update signer" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,codeSigning\n' >"$T/leaf.ext"
openssl x509 -req -in "$T/signer.csr" -CA "$T/ca.cert.pem" -CAkey "$T/ca.key.pem" -CAcreateserial \
	-days 3650 -extfile "$T/leaf.ext" -out "$T/signer.cert.pem" 2>/dev/null
chmod 600 "$T"/*.key.pem
mv "$T/ca.key.pem" "$T/signer.key.pem" "$T/signer.cert.pem" "$D/"
mv "$T/ca.cert.pem" "$D/" # last: its presence means the set is complete
echo "update-keys: made test keys in $D (never commit them; README: Updates)" >&2
