#!/usr/bin/env bash
# Makes a private CA and a serving certificate for the webhook's Service, for installing without cert-manager
# (manifests/overlays/self-signed). Needs bash and openssl (1.1.1 or 3.x). See --help.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
service=keptn-task-webhook
namespace=keptn-task-webhook
days=365
key_type=ecdsa
out="$repo_root/manifests/overlays/self-signed/generated"
force=false
ips=()

usage() {
  cat <<USAGE
Usage: certs/generate.sh [options]

Makes a CA and a serving certificate signed by it, with the DNS names the apiserver uses to call the webhook's Service:
  <service>, <service>.<namespace>, <service>.<namespace>.svc, <service>.<namespace>.svc.cluster.local
and writes into the output folder:
  ca.crt            the CA certificate (PEM): the webhook configurations' caBundle
  ca.key            the CA's private key (keep it, or delete it: it is needed only to sign another serving cert)
  tls.crt, tls.key  the serving certificate and key (PEM): the Secret keptn-task-webhook-tls
  ca-bundle-patch.yaml  a JSON6902 patch that sets clientConfig.caBundle (used by manifests/overlays/self-signed)

Options:
  --service NAME     Service name (default: $service)
  --namespace NS     namespace of the Service (default: $namespace)
  --ip ADDR          also an IP SAN (repeatable), e.g. --ip 127.0.0.1 for a webhook called by URL
  --days N           validity of the serving certificate in days (default: $days; the CA gets 10 times as long)
  --key-type TYPE    rsa (3072 bit) or ecdsa (P-256) (default: $key_type)
  --out DIR          output folder (default: manifests/overlays/self-signed/generated)
  --force            overwrite files that exist (otherwise the script refuses and changes nothing)
  -h, --help         this text

Then: kubectl apply -k manifests/overlays/self-signed
USAGE
}

die() { echo "certs/generate.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --service) need_value "$@"; service=$2; shift 2 ;;
    --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --ip) need_value "$@"; ips+=("$2"); shift 2 ;;
    --days) need_value "$@"; days=$2; shift 2 ;;
    --key-type) need_value "$@"; key_type=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

command -v openssl >/dev/null 2>&1 || die "openssl is not installed"
[[ "$days" =~ ^[1-9][0-9]*$ ]] || die "--days must be a positive whole number, not '$days'"
dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ "$service" =~ $dns_label ]] || die "--service must be a DNS-1123 label, not '$service'"
[[ "$namespace" =~ $dns_label ]] || die "--namespace must be a DNS-1123 label, not '$namespace'"
case "$key_type" in
  rsa) key_args=(-algorithm RSA -pkeyopt rsa_keygen_bits:3072) ;;
  ecdsa) key_args=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
  *) die "--key-type must be rsa or ecdsa, not '$key_type'" ;;
esac
for ip in "${ips[@]+"${ips[@]}"}"; do
  [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || "$ip" =~ ^[0-9a-fA-F:]+$ ]] || die "--ip must be an IPv4 or IPv6 address, not '$ip'"
done

files=(ca.crt ca.key tls.crt tls.key ca-bundle-patch.yaml)
if [ "$force" != true ]; then
  existing=()
  for f in "${files[@]}"; do [ -e "$out/$f" ] && existing+=("$out/$f"); done
  if [ ${#existing[@]} -gt 0 ]; then
    echo "certs/generate.sh: refusing to overwrite ${existing[*]} (use --force to replace them)" >&2
    exit 1
  fi
fi

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

san="DNS:$service,DNS:$service.$namespace,DNS:$service.$namespace.svc,DNS:$service.$namespace.svc.cluster.local"
for ip in "${ips[@]+"${ips[@]}"}"; do san="$san,IP:$ip"; done

openssl genpkey "${key_args[@]}" -out "$work/ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/ca.key" -sha256 -days $((days * 10)) -subj "/CN=$service-ca" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out "$work/ca.crt"

openssl genpkey "${key_args[@]}" -out "$work/tls.key" 2>/dev/null
openssl req -new -key "$work/tls.key" -subj "/CN=$service.$namespace.svc" -out "$work/tls.csr"
cat >"$work/ext.cnf" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=$san
EXT
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -sha256 \
  -days "$days" -extfile "$work/ext.cnf" -out "$work/tls.crt" 2>/dev/null
openssl verify -CAfile "$work/ca.crt" "$work/tls.crt" >/dev/null

ca_bundle=$(base64 <"$work/ca.crt" | tr -d '\n')
cat >"$work/ca-bundle-patch.yaml" <<PATCH
# Written by certs/generate.sh: the CA of tls.crt as the caBundle of the (single) webhook of a webhook configuration.
- op: add
  path: /webhooks/0/clientConfig/caBundle
  value: $ca_bundle
PATCH

chmod 600 "$work/ca.key" "$work/tls.key"
chmod 644 "$work/ca.crt" "$work/tls.crt" "$work/ca-bundle-patch.yaml"
for f in "${files[@]}"; do mv -f "$work/$f" "$out/$f"; done

echo "wrote $out/{ca.crt,ca.key,tls.crt,tls.key,ca-bundle-patch.yaml}"
echo "serving certificate: $san; valid $days days ($key_type)"
