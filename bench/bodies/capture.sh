#!/usr/bin/env bash
# Captures the AdmissionReview bodies of the HTTP benchmark from a REAL kube-apiserver, byte for byte:
#
#   bench/bodies/capture.sh            (writes bench/bodies/{create-valid,create-duplicate,create-v1beta1-review}.json
#                                       and create-valid-undefaulted.json, derived from create-valid.json)
#
# 1. starts etcd 3.4 + kube-apiserver 1.20.2 from tests/e2e/provision-control-plane.sh (cached after its first build)
#    with the flags of bench/scale-e2e.sh / the E2E harness, and installs the Keptn CRDs of tests/e2e/testdata/crds.
#    The admin authenticates like kubeadm's admin.conf: a client certificate CN=kubernetes-admin, O=system:masters
#    (so request.userInfo is {"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]});
# 2. starts a capture HTTPS server on 127.0.0.1 (python3 http.server + ssl, certificate from certs/generate.sh
#    --ip 127.0.0.1) that writes every POSTed body unchanged to <path>--<request.name>.json and answers "allowed" in
#    the review's own apiVersion, echoing the uid;
# 3. registers two ValidatingWebhookConfigurations for lifecycle.keptn.sh/*/keptntasks CREATE (sideEffects None,
#    failurePolicy Fail) with clientConfig.url to the capture server: admissionReviewVersions ["v1"] at /v1 and
#    ["v1beta1"] at /v1beta1. Both are called for every CREATE, each gets its own request, so the v1 body of one object
#    and the v1beta1 body of another are each clean; waits until both are in effect (server-side dry-run probes);
# 4. creates namespace podtato-kubectl and, with `kubectl apply -f` (client-side apply: the last-applied annotation
#    and kubectl's managedFields entry are present, as for a user), the objects of examples/admission/
#    create-valid.json, create-duplicate.json and create-v1beta1-review.json, minus the server-set metadata (uid,
#    creationTimestamp, generation, managedFields, resourceVersion);
# 5. copies /v1 of frontend-entry-check-7 → create-valid.json, /v1 of helloworldtask-1 → create-duplicate.json and
#    /v1beta1 of frontend-entry-check-10 → create-v1beta1-review.json into bench/bodies/ unchanged, prints the sizes.
#
# Note: the apiserver applies the CRD defaults (spec.retries 10, spec.timeout "5m") before it calls any webhook, so the
# captured objects carry them although the applied manifests do not.
#
# Everything it starts is stopped at the end, also on failure or Ctrl-C, and its temp directory is deleted
# (CAPTURE_KEEP=1 keeps it: logs, kubeconfig, manifests, every captured body). CAPTURE_OUT=DIR writes elsewhere.
# etcd, the apiserver and the capture server run under `nice -n 10`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${CAPTURE_OUT:-$repo/bench/bodies}
namespace=podtato-kubectl
started=$(date +%s%3N)

log_tag=capture
# shellcheck source=../lib/processes.sh
source "$repo/bench/lib/processes.sh"

for tool in kubectl jq openssl python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
done

work=$(mktemp -d /tmp/keptn-capture-bodies.XXXXXX)
pids=() # started processes "pid:name", stopped in reverse order

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    finish "$status" "${CAPTURE_KEEP:-0}" kube-apiserver.log etcd.log capture.log
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. the control plane (flags of bench/scale-e2e.sh and tests/AdmissionWebhook.E2E/Harness/ControlPlane.cs) ------
bin=$(bash "$repo/tests/e2e/provision-control-plane.sh" | tail -n 1)
[ -x "$bin/etcd" ] && [ -x "$bin/kube-apiserver" ] || die "provision-control-plane.sh gave no etcd and kube-apiserver ($bin)"

etcd_port=$(free_port)
peer_port=$(free_port)
secure_port=$(free_port)
capture_port=$(free_port)
etcd_url="http://127.0.0.1:$etcd_port"
nice -n 10 "$bin/etcd" --name capture --data-dir "$work/etcd-data" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "capture=http://127.0.0.1:$peer_port" --log-level warn >"$work/etcd.log" 2>&1 &
pids+=("$!:etcd")
wait_until 60 "etcd /health" sh -c "curl -sf '$etcd_url/health' | grep -q '\"health\":\"true\"'"

# Client certificate of the admin, as kubeadm's admin.conf has it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/client-ca.key" -out "$work/client-ca.crt" -days 1 \
    -subj "/CN=kubernetes" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/admin.key" -out "$work/admin.csr" \
    -subj "/O=system:masters/CN=kubernetes-admin" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$work/admin.ext"
openssl x509 -req -in "$work/admin.csr" -CA "$work/client-ca.crt" -CAkey "$work/client-ca.key" -CAcreateserial \
    -days 1 -extfile "$work/admin.ext" -out "$work/admin.crt" 2>/dev/null
token=$(openssl rand -hex 24) # only for the readiness probe
echo "$token,admin,admin,system:masters" >"$work/tokens.csv"
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
mkdir -p "$work/apiserver-certs"
server="https://127.0.0.1:$secure_port"
nice -n 10 "$bin/kube-apiserver" --etcd-servers="$etcd_url" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$secure_port" --cert-dir="$work/apiserver-certs" --token-auth-file="$work/tokens.csv" \
    --client-ca-file="$work/client-ca.crt" \
    --authorization-mode=RBAC --service-account-key-file="$work/sa.pub" \
    --service-account-signing-key-file="$work/sa.key" --service-account-issuer=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.0.0.0/24 --disable-admission-plugins=ServiceAccount >"$work/kube-apiserver.log" 2>&1 &
pids+=("$!:kube-apiserver")
wait_until 120 "kube-apiserver /readyz" curl -sfk -H "Authorization: Bearer $token" "$server/readyz"

kubeconfig="$work/kubeconfig-admin"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: capture
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 "$work/apiserver-certs/apiserver.crt")
users:
  - name: kubernetes-admin
    user:
      client-certificate-data: $(base64 -w0 "$work/admin.crt")
      client-key-data: $(base64 -w0 "$work/admin.key")
contexts:
  - name: capture
    context:
      cluster: capture
      user: kubernetes-admin
current-context: capture
EOF
kubectl_() { KUBECONFIG="$kubeconfig" kubectl --cache-dir="$work/kubectl-cache" "$@"; }
# Server-side apply: the KeptnTaskDefinition CRD is larger than the annotation a client-side apply writes.
kubectl_ apply --server-side -f "$repo/tests/e2e/testdata/crds" >"$work/crds.log" 2>&1 || { cat "$work/crds.log" >&2; die "installing the CRDs failed"; }
kubectl_ wait --for=condition=Established --timeout=60s -f "$repo/tests/e2e/testdata/crds" >>"$work/crds.log" 2>&1 ||
    { cat "$work/crds.log" >&2; die "the CRDs did not become Established"; }
log "control plane ready with the CRDs ($server)"

# --- 2. the capture server --------------------------------------------------------------------------------------------
"$repo/certs/generate.sh" --ip 127.0.0.1 --out "$work/certs" >/dev/null 2>&1 || die "certs/generate.sh failed"
mkdir -p "$work/captured"
cat >"$work/capture_server.py" <<'PY'
"""Saves each POSTed body unchanged to DIR/<path>--<request.name>.json (the path without the ?timeout=10s query the
apiserver adds); answers allowed, echoing apiVersion and uid."""
import http.server, json, os, ssl, sys, urllib.parse

port, cert, key, directory = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # readiness
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        review = json.loads(body)
        request = review.get("request") or {}
        base = os.path.join(directory, "%s--%s" % (urllib.parse.urlsplit(self.path).path.strip("/").replace("/", "_") or "root", request.get("name") or "noname"))
        name, n = base + ".json", 1
        while os.path.exists(name):  # a second call of the same path and object (a retry) is kept apart
            n += 1
            name = "%s.%d.json" % (base, n)
        with open(name + ".tmp", "wb") as f:
            f.write(body)
        os.rename(name + ".tmp", name)
        answer = json.dumps({"apiVersion": review.get("apiVersion"), "kind": "AdmissionReview",
                             "response": {"uid": request.get("uid"), "allowed": True}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        sys.stderr.write("%s %s %s %d bytes -> %s\n" % (self.path, request.get("operation"), request.get("name"), len(body), os.path.basename(name)))
        sys.stderr.flush()

    def log_message(self, *args):
        pass


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
PY
nice -n 10 python3 "$work/capture_server.py" "$capture_port" "$work/certs/tls.crt" "$work/certs/tls.key" "$work/captured" \
    >"$work/capture.log" 2>&1 &
pids+=("$!:capture server")
wait_until 30 "capture server" curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$capture_port/"

# --- 3. the webhook configurations ------------------------------------------------------------------------------------
ca_bundle=$(base64 -w0 "$work/certs/ca.crt")
webhook_config() { # webhook_config VERSION
    cat <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: capture-$1
webhooks:
  - name: capture-$1.keptn-task-webhook.keptn.sh
    admissionReviewVersions: ["$1"]
    clientConfig:
      url: https://127.0.0.1:$capture_port/$1
      caBundle: $ca_bundle
    rules:
      - apiGroups: ["lifecycle.keptn.sh"]
        apiVersions: ["*"]
        operations: ["CREATE"]
        resources: ["keptntasks"]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 10
EOF
}
{ webhook_config v1; echo '---'; webhook_config v1beta1; } >"$work/webhooks.yaml"
kubectl_ create namespace "$namespace" >/dev/null
kubectl_ apply -f "$work/webhooks.yaml" >/dev/null

# The apiserver picks configurations up asynchronously: dry-run probes until both webhooks are called.
probe=0
probe_reached() {
    probe=$((probe + 1))
    local name="capture-probe-$probe"
    kubectl_ create --dry-run=server -o name -f - >/dev/null 2>&1 <<EOF || true
{"apiVersion":"lifecycle.keptn.sh/v1","kind":"KeptnTask","metadata":{"name":"$name","namespace":"$namespace"},"spec":{"taskDefinition":"probe"}}
EOF
    [ -f "$work/captured/v1--$name.json" ] && [ -f "$work/captured/v1beta1--$name.json" ]
}
wait_until 60 "both webhook configurations in effect" probe_reached
log "capture server on 127.0.0.1:$capture_port is called through both configurations (after $probe probe(s))"

# --- 4. the objects, with client-side apply ----------------------------------------------------------------------------
# scenario:file in examples/admission:path of the webhook whose body is kept
scenarios=(create-valid:v1 create-duplicate:v1 create-v1beta1-review:v1beta1)
declare -A captured_of
for s in "${scenarios[@]}"; do
    scenario=${s%%:*}
    path=${s#*:}
    example="$repo/examples/admission/$scenario.json"
    manifest="$work/$scenario.json"
    jq '.request.object | del(.metadata.uid, .metadata.creationTimestamp, .metadata.generation,
        .metadata.managedFields, .metadata.resourceVersion)' "$example" >"$manifest"
    name=$(jq -r .metadata.name "$manifest")
    [ "$(jq -r .metadata.namespace "$manifest")" = "$namespace" ] || die "$example: the object is not in $namespace"
    kubectl_ apply -f "$manifest" >"$work/$scenario.apply.log" 2>&1 || { cat "$work/$scenario.apply.log" >&2; die "kubectl apply -f $manifest failed"; }
    log "kubectl apply: $(cat "$work/$scenario.apply.log")"
    file="$work/captured/$path--$name.json"
    [ -f "$file" ] || die "the capture server got no /$path call for $name"
    ls "$work/captured/$path--$name".*.json >/dev/null 2>&1 && die "the capture server got more than one /$path call for $name"
    captured_of[$scenario]=$file
done

# --- 5. the bodies -------------------------------------------------------------------------------------------------------
mkdir -p "$out"
for s in "${scenarios[@]}"; do
    scenario=${s%%:*}
    cp "${captured_of[$scenario]}" "$out/$scenario.json"
    cmp -s "${captured_of[$scenario]}" "$out/$scenario.json" || die "copying $scenario.json changed it"
    printf '%-28s %6d bytes  (%s %s)\n' "$scenario.json" "$(stat -c %s "$out/$scenario.json")" \
        "$(jq -r .apiVersion "$out/$scenario.json")" "$(jq -r .request.name "$out/$scenario.json")"
done
# The mutate scenario exercises the webhook's own defaulting too: the same captured review with the two fields the
# apiserver defaulted from the CRD taken out (as when a CRD without those defaults is installed), re-encoded the way
# Go's encoder writes it. Python must give back the captured bytes unchanged when nothing is removed, or it stops.
python3 - "$out/create-valid.json" "$out/create-valid-undefaulted.json" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
encode = lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
review = json.loads(raw)
assert encode(review) == raw, "re-encoding the captured body changed it"
del review["request"]["object"]["spec"]["retries"], review["request"]["object"]["spec"]["timeout"]
open(sys.argv[2], "wb").write(encode(review))
PY
printf '%-28s %6d bytes  (create-valid.json without spec.retries and spec.timeout)\n' create-valid-undefaulted.json \
    "$(stat -c %s "$out/create-valid-undefaulted.json")"
elapsed=$(($(date +%s%3N) - started))
log "wrote $out/{create-valid,create-duplicate,create-v1beta1-review,create-valid-undefaulted}.json in $((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000))) s"
