#!/usr/bin/env bash
# Starts the webhook exactly as the README says, waits for readiness, and sends the README's curl.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp)
dotnet run --project src/AdmissionWebhook >"$out" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pkill -f 'bin/Debug/net10.0/AdmissionWebhook' 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 120); do
  curl -sf http://localhost:8080/readyz >/dev/null 2>&1 && break
  sleep 1
done
curl -sf http://localhost:8080/readyz || { echo "webhook never became ready:"; cat "$out"; exit 1; }
echo

answer=$(curl -s --cacert /tmp/keptn-task-webhook-dev-cert/tls.crt -H 'Content-Type: application/json' \
  --data @examples/admission/create-duplicate.json https://localhost:8443/validate)
echo "$answer"
grep -q '"allowed":false' <<<"$answer"
grep -q '"code":409' <<<"$answer"
grep -q 'helloworldtask-2' <<<"$answer"
# Log lines are written in batches (at most 100 ms apart): give the line a moment to arrive.
for _ in $(seq 20); do grep -q 'validate CREATE podtato-kubectl/helloworldtask-1' "$out" && break; sleep 0.1; done
grep -q 'validate CREATE podtato-kubectl/helloworldtask-1' "$out" || { echo "no review log line within 2 s:"; cat "$out"; exit 1; }
echo "README run command and curl: OK"
