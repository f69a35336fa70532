#!/usr/bin/env bash
# The scale benchmark of the cluster state against the REAL e2e control plane (issue 5):
#
#   bench/scale-e2e.sh [TASKS DEFINITIONS WORKLOADS]      (defaults 100000 10000 10000, in 100 namespaces)
#
# 1. publishes the webhook (Release) and the HeapProbe startup hook into a temp directory under /tmp;
# 2. starts etcd 3.4 + kube-apiserver 1.20.2 from tests/e2e/provision-control-plane.sh with the flags of the E2E harness
#    (tests/AdmissionWebhook.E2E/Harness/ControlPlane.cs), installs the Keptn CRDs of tests/e2e/testdata/crds;
# 3. creates the namespaces and objects with concurrent POSTs (bench/ScaleE2E/scale_e2e.py populate) and prints the
#    creation rate;
#    Before: the same webhook against the empty cluster (baseline RSS); after: a "list floor", a plain client listing
#    every kind in pages of 500 without decoding (what the apiserver alone needs to serve the webhook's first lists);
# 4. starts the published webhook with --kubeconfig (the admin's) and a throw-away certificate (certs/generate.sh) and
#    measures (scale_e2e.py measure): start → first /readyz 200, VmRSS/VmHWM after the sync, the managed heap (through
#    DOTNET_STARTUP_HOOKS=HeapProbe.dll: the webhook's /metrics has no .NET runtime collectors), the latency of
#    /validate CREATE reviews of an existing name (denied 409) and of a fresh one (allowed), RSS after them and after
#    30 s idle; prints a markdown table (also written to bench/.out/scale-e2e-<UTC time>.md).
#
# Everything it starts is stopped at the end, also on failure or Ctrl-C, and the temp directory is deleted
# (SCALE_E2E_KEEP=1 keeps it: logs of etcd, the apiserver and the webhook, kubeconfig, figures.json).
# Environment: SCALE_E2E_CONCURRENCY (POSTs in flight, default 24), SCALE_E2E_REVIEWS (per case, default 200),
# SCALE_E2E_IDLE (seconds, default 30), SCALE_E2E_ETCD_QUOTA (etcd --quota-backend-bytes, default 8 GiB),
# SCALE_E2E_RUNS (webhook starts measured one after the other against the same objects, default 1),
# SCALE_E2E_HEAP_PROBE=0 (start the webhook without the startup hook: no managed-heap figures).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tasks=${1:-100000}
definitions=${2:-10000}
workloads=${3:-10000}
concurrency=${SCALE_E2E_CONCURRENCY:-24}
reviews=${SCALE_E2E_REVIEWS:-200}
idle=${SCALE_E2E_IDLE:-30}
etcd_quota=${SCALE_E2E_ETCD_QUOTA:-8589934592}
runs=${SCALE_E2E_RUNS:-1}
helper="$repo/bench/ScaleE2E/scale_e2e.py"

log_tag=scale-e2e
# shellcheck source=lib/processes.sh
source "$repo/bench/lib/processes.sh"

work=$(mktemp -d /tmp/keptn-scale-e2e.XXXXXX)
pids=() # started processes, stopped in reverse order (webhook, apiserver, etcd)

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The helper writes the webhook's pid; it stops the webhook itself unless it was killed.
    if [ -f "$work/webhook.pid" ]; then
        stop_pid "$(cat "$work/webhook.pid")" webhook
    fi
    finish "$status" "${SCALE_E2E_KEEP:-0}" kube-apiserver.log etcd.log webhook.log
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "work directory $work; $tasks KeptnTasks, $definitions KeptnTaskDefinitions, $workloads KeptnWorkloads"
log "nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. build first (fails fast, and its CPU does not overlap the measurements) -------------------------------------
log "dotnet publish src/AdmissionWebhook -c Release"
dotnet publish "$repo/src/AdmissionWebhook" -c Release -o "$work/publish" --nologo -v quiet >"$work/publish.log" 2>&1 ||
    { tail -n 30 "$work/publish.log" >&2; die "dotnet publish failed"; }
dotnet build "$repo/bench/ScaleE2E/HeapProbe/HeapProbe.csproj" -c Release -o "$work/heap-probe" --nologo -v quiet >"$work/heap-probe-build.log" 2>&1 ||
    { tail -n 30 "$work/heap-probe-build.log" >&2; die "building bench/ScaleE2E/HeapProbe failed"; }
"$repo/certs/generate.sh" --ip 127.0.0.1 --out "$work/certs" >/dev/null 2>&1 || die "certs/generate.sh failed"

# --- 2. the control plane (the flags of tests/AdmissionWebhook.E2E/Harness/ControlPlane.cs) ---------------------------
bin=$(bash "$repo/tests/e2e/provision-control-plane.sh" | tail -n 1)
[ -x "$bin/etcd" ] && [ -x "$bin/kube-apiserver" ] || die "provision-control-plane.sh gave no etcd and kube-apiserver ($bin)"

etcd_port=$(free_port)
peer_port=$(free_port)
secure_port=$(free_port)
etcd_url="http://127.0.0.1:$etcd_port"
clock=$(date +%s%3N)
"$bin/etcd" --name scale --data-dir "$work/etcd-data" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "scale=http://127.0.0.1:$peer_port" --log-level warn \
    --quota-backend-bytes "$etcd_quota" >"$work/etcd.log" 2>&1 &
pids+=("$!:etcd")
echo "$!" >"$work/etcd.pid"
wait_until 60 "etcd /health" sh -c "curl -sf '$etcd_url/health' | grep -q '\"health\":\"true\"'"

token=$(openssl rand -hex 24)
echo "$token,admin,admin,system:masters" >"$work/tokens.csv"
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
mkdir -p "$work/apiserver-certs"
server="https://127.0.0.1:$secure_port"
"$bin/kube-apiserver" --etcd-servers="$etcd_url" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$secure_port" --cert-dir="$work/apiserver-certs" --token-auth-file="$work/tokens.csv" \
    --authorization-mode=RBAC --service-account-key-file="$work/sa.pub" \
    --service-account-signing-key-file="$work/sa.key" --service-account-issuer=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.0.0.0/24 --disable-admission-plugins=ServiceAccount >"$work/kube-apiserver.log" 2>&1 &
pids+=("$!:kube-apiserver")
echo "$!" >"$work/kube-apiserver.pid"
wait_until 120 "kube-apiserver /readyz" curl -sfk -H "Authorization: Bearer $token" "$server/readyz"
ca="$work/apiserver-certs/apiserver.crt"

kubeconfig="$work/kubeconfig-admin"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: scale
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 "$ca")
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: scale
    context:
      cluster: scale
      user: admin
current-context: scale
EOF
kubectl_() { KUBECONFIG="$kubeconfig" kubectl --cache-dir="$work/kubectl-cache" "$@"; }
# Server-side apply: the KeptnTaskDefinition CRD is larger than the annotation a client-side apply writes.
kubectl_ apply --server-side -f "$repo/tests/e2e/testdata/crds" >"$work/crds.log" 2>&1 || { cat "$work/crds.log" >&2; die "installing the CRDs failed"; }
kubectl_ wait --for=condition=Established --timeout=60s -f "$repo/tests/e2e/testdata/crds" >>"$work/crds.log" 2>&1 ||
    { cat "$work/crds.log" >&2; die "the CRDs did not become Established"; }
elapsed_ms=$(($(date +%s%3N) - clock))
log "control plane ready with the CRDs in $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s ($server)"

# The same webhook against the empty cluster: what the process costs before it caches anything.
log "the webhook against the empty cluster (baseline)"
python3 "$helper" measure --baseline --dll "$work/publish/AdmissionWebhook.dll" --kubeconfig "$kubeconfig" \
    --certs "$work/certs" --work "$work" --probe "$work/heap-probe/HeapProbe.dll" --figures "$work/baseline.json" \
    --tasks 0 --definitions 0 --workloads 0
rm -f "$work/webhook.pid"

# --- 3. the objects ---------------------------------------------------------------------------------------------------
log "creating 100 namespaces, $definitions KeptnTaskDefinitions, $tasks KeptnTasks, $workloads KeptnWorkloads ($concurrency concurrent POSTs)"
python3 "$helper" populate --server "$server" --token "$token" --cafile "$ca" --concurrency "$concurrency" \
    --tasks "$tasks" --definitions "$definitions" --workloads "$workloads" --out "$work/populate.json"
log "etcd database: $(du -sh "$work/etcd-data" | cut -f1) on disk; kube-apiserver RSS $(($(awk '/VmRSS/ {print $2}' "/proc/$(cat "$work/kube-apiserver.pid")/status") / 1024)) MiB"
# Let the apiserver and etcd settle (compaction, watch-cache) before the webhook's lists are timed.
sleep 5

log "list floor: every kind in pages of 500 with a plain client"
python3 "$helper" list-floor --server "$server" --token "$token" --cafile "$ca" --out "$work/floor.json"

# --- 4. the webhook ---------------------------------------------------------------------------------------------------
log "starting the webhook (dotnet $work/publish/AdmissionWebhook.dll --kubeconfig ...), load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$repo/bench/.out"
report="$repo/bench/.out/scale-e2e-$(date -u +%Y%m%dT%H%M%SZ).md"
probe=(--probe "$work/heap-probe/HeapProbe.dll")
[ "${SCALE_E2E_HEAP_PROBE:-1}" = 1 ] || probe=()
for run in $(seq 1 "$runs"); do
    [ "$runs" -eq 1 ] || log "webhook run $run of $runs"
    python3 "$helper" measure --dll "$work/publish/AdmissionWebhook.dll" --kubeconfig "$kubeconfig" --certs "$work/certs" \
        --work "$work" "${probe[@]}" --populate-json "$work/populate.json" \
        --baseline-json "$work/baseline.json" --floor-json "$work/floor.json" --figures "$work/figures-$run.json" \
        --apiserver-pid "$work/kube-apiserver.pid" --etcd-pid "$work/etcd.pid" \
        --tasks "$tasks" --definitions "$definitions" --workloads "$workloads" --reviews "$reviews" --idle "$idle" | tee -a "$report"
done
log "report: $report"
