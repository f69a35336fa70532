#!/usr/bin/env bash
# The HTTP benchmark: the webhook against a floor server (bench/Floor), same load, interleaved rounds, one table per
# scenario. Usage: bench/run.sh [--quick] [--warmup S] [--duration S] [--rounds N] [--connections N] [--threads N]
#   [--log-format json|text] [--log-level Warning] [--scenario TEXT] [--webhook-dir PUBLISHED_DIR]
# Installs wrk from Debian if missing, builds both servers in Release, generates a throw-away certificate.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/.out"
mkdir -p "$out"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get)" >&2
  (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >"$out/apt.log" 2>&1
fi

echo "building Release (log: $out/build.log)" >&2
{
  dotnet publish "$root/src/AdmissionWebhook/AdmissionWebhook.csproj" -c Release -o "$out/webhook"
  dotnet publish "$root/bench/Floor/Floor.csproj" -c Release -o "$out/floor"
} >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }

if [[ ! -f "$out/certs/tls.key" ]]; then
  mkdir -p "$out/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$out/certs/tls.key" -out "$out/certs/tls.crt" >/dev/null 2>&1
fi

exec python3 "$root/bench/driver.py" --root "$root" --out "$out" "$@"
