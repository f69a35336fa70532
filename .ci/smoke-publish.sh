#!/usr/bin/env bash
# Publishes the webhook with build/publish.sh (the command the Dockerfile runs) and starts the published output once,
# as the image's ENTRYPOINT does (`dotnet AdmissionWebhook.dll serve`) and with the image's runtime settings
# (build/runtime.env), on loopback and free ports; waits for /readyz.
set -euo pipefail
cd "$(dirname "$0")/.."

# build/runtime.env and the image's ENV must name the same DOTNET_* settings: the benchmarks measure with the file.
mapfile -t runtime_env < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' build/runtime.env)
mapfile -t image_env < <(sed -n '/^FROM .* AS runtime/,$p' Dockerfile | grep -oE '(^|[[:space:]])DOTNET_[A-Za-z0-9_]+=[^[:space:]\\]*' | sed -E 's/^[[:space:]]+//')
# The Deployment sets them again (for an image built otherwise): as "- name: DOTNET_x" then "value: ...".
mapfile -t deployment_env < <(awk '/- name: DOTNET_/ { name = $3; next } name && /value:/ { gsub(/"/, "", $2); print name "=" $2 } { name = "" }' \
  manifests/base/deployment.yaml)
sorted() { printf '%s\n' "$@" | sort; }
if [ "$(sorted "${runtime_env[@]}")" != "$(sorted "${image_env[@]}")" ] || [ "$(sorted "${runtime_env[@]}")" != "$(sorted "${deployment_env[@]}")" ]; then
  echo "DOTNET_* settings differ: build/runtime.env (${runtime_env[*]}), the Dockerfile's ENV (${image_env[*]}), manifests/base/deployment.yaml (${deployment_env[*]})"
  exit 1
fi
echo "runtime settings as in the image: ${runtime_env[*]}"

dir=$(mktemp -d)
pid=
stop() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop EXIT

build/publish.sh "$dir/app"

# A free port: a random one nothing listens on (checked with ss).
free_port() {
  for _ in $(seq 1 50); do
    local p=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  echo "no free port found" >&2; exit 1
}
https_port=$(free_port)
health_port=$(free_port)
while [ "$health_port" = "$https_port" ]; do health_port=$(free_port); done

log="$dir/webhook.log"
(cd "$dir" && exec env "${runtime_env[@]}" dotnet app/AdmissionWebhook.dll serve --state "$OLDPWD/examples/cluster" \
  --https-port "$https_port" --health-port "$health_port" --bind-address 127.0.0.1) >"$log" 2>&1 &
pid=$!

for _ in $(seq 1 60); do
  if curl -sf "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1; then
    curl -s "http://127.0.0.1:$health_port/readyz"; echo
    kill -TERM "$pid"
    status=0; wait "$pid" || status=$?
    pid=
    echo "published output: ready on 127.0.0.1:$health_port, stopped with SIGTERM (exit $status)"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
echo "the published webhook never became ready:"; cat "$log"; exit 1
