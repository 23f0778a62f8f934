#!/bin/sh
# cluster-cert.sh - the certificates of a sitemark cluster's TLS (stunnel).
#
#   cluster-cert.sh ca DIR              a new CA: DIR/ca.key (keep it offline), DIR/ca.crt
#   cluster-cert.sh host DIR NAME       a key and a certificate for the machine NAME
#                                       (its DNS name, checked by the peers'
#                                       checkHost), signed by DIR's CA:
#                                       DIR/NAME.key, DIR/NAME.crt
#
# Keys are P-256, certificates good for both ends of a connection (server
# and client authentication, the tunnel being mutual).  DAYS (environment)
# is the certificates' lifetime: 3650 for the CA and 825 for a host unless
# set.  Copy NAME.crt, NAME.key and ca.crt to the machine NAME as
# /etc/sitemark/tls/host.crt, host.key (root:stunnel4, mode 0640) and ca.crt
# (doc/cluster.md).  tests/dqlite_tls.sh makes its certificates with it.
set -eu
umask 077

usage() {
	echo "usage: $0 ca DIR | host DIR NAME" >&2
	exit 2
}

[ $# -ge 2 ] || usage
dir=$2
case $1 in
ca)
	[ $# -eq 2 ] || usage
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days "${DAYS:-3650}" -subj "/CN=sitemark cluster CA" \
	    -addext "basicConstraints = critical, CA:TRUE" \
	    -addext "keyUsage = critical, keyCertSign, cRLSign" \
	    -keyout "$dir/ca.key" -out "$dir/ca.crt"
	;;
host)
	[ $# -eq 3 ] || usage
	name=$3
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr"
	printf '%s\n' "basicConstraints = critical, CA:FALSE" \
	    "keyUsage = critical, digitalSignature" \
	    "extendedKeyUsage = serverAuth, clientAuth" \
	    "subjectAltName = DNS:$name" >"$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
	    -CAcreateserial -days "${DAYS:-825}" -extfile "$dir/$name.ext" -out "$dir/$name.crt"
	rm -f "$dir/$name.csr" "$dir/$name.ext"
	;;
*)
	usage
	;;
esac
