#!/usr/bin/env bash
# Provides a kube-apiserver 1.20.2 and an etcd for the end-to-end tests and prints, as the LAST line of stdout, the
# folder that holds both (executable `kube-apiserver` and `etcd`). Progress goes to stderr.
#
#   1. KUBEBUILDER_ASSETS names a folder with both binaries (the controller-runtime envtest convention): use it.
#   2. Otherwise build them from Debian's registry, once, into a cache outside the repository:
#        ${KEPTN_WEBHOOK_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keptn-task-webhook-e2e}/k8s-1.20.2/bin/
#      etcd is Debian's etcd-server (3.4); kube-apiserver is built from Debian's `kubernetes` source package (1.20.2,
#      which vendors all its Go code) with Debian's golang-go (1.19) after three vendor fixes (see tests/e2e/README.md).
#      A cache hit costs nothing; the first build takes about 5 minutes on 2 cores.
#
# Also makes sure kubectl is on PATH (Debian's kubernetes-client where there is none).
# Runs as root, non-interactively, and is safe to run again (or twice at once: a lock serialises the runs).
set -euo pipefail

K8S_VERSION=1.20.2
export DEBIAN_FRONTEND=noninteractive
export HOME="${HOME:-/root}"

log() { printf '[provision-control-plane] %s\n' "$*" >&2; }
die() {
    printf '[provision-control-plane] ERROR: %s\n' "$*" >&2
    exit 1
}
has_both() { [ -n "$1" ] && [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }
trap 'printf "[provision-control-plane] ERROR: failed (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

APT=(apt-get -y -qq -o DPkg::Lock::Timeout=600)
apt_updated=0
apt_update() {
    log "apt-get update"
    "${APT[@]}" update >&2 || die "apt-get update failed"
    apt_updated=1
}
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    # A machine whose package lists were never downloaded knows no package yet.
    [ "$apt_updated" -eq 1 ] || apt-cache show "${missing[@]}" >/dev/null 2>&1 || apt_update
    log "apt-get install ${missing[*]}"
    if ! "${APT[@]}" install --no-install-recommends "${missing[@]}" >&2; then
        [ "$apt_updated" -eq 1 ] && die "apt-get install ${missing[*]} failed"
        apt_update
        "${APT[@]}" install --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
    fi
}

# The tests drive the apiserver with the real kubectl: any recent one works (1.20 and 1.32 were tried). Where there is
# none, Debian's kubernetes-client is installed (kubectl 1.20.2, the server's own version).
ensure_kubectl() {
    command -v kubectl >/dev/null 2>&1 && return 0
    { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; } || die "kubectl is not on PATH; install it (Debian: apt-get install kubernetes-client)"
    apt_install kubernetes-client
    command -v kubectl >/dev/null 2>&1 || die "kubernetes-client is installed but kubectl is not on PATH"
}
# Prints the folder (the last line of stdout) and ends the script.
provided() {
    ensure_kubectl
    log "$1: $2"
    echo "$2"
    exit 0
}

# --- 1. KUBEBUILDER_ASSETS -------------------------------------------------------------------------------------------
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    has_both "$KUBEBUILDER_ASSETS" && provided "using KUBEBUILDER_ASSETS" "$KUBEBUILDER_ASSETS"
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable kube-apiserver and etcd; building them from Debian's registry instead"
fi

# --- 2. the cache ----------------------------------------------------------------------------------------------------
cache_root="${KEPTN_WEBHOOK_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keptn-task-webhook-e2e}"
base="$cache_root/k8s-$K8S_VERSION"
bin="$base/bin"

# (Output is captured before matching: `cmd | grep -q` can fail under pipefail when grep stops reading early.)
apiserver_ok() {
    local v
    [ -x "$bin/kube-apiserver" ] && v=$("$bin/kube-apiserver" --version 2>/dev/null) && [[ "$v" == *"v$K8S_VERSION"* ]]
}
etcd_ok() { [ -x "$bin/etcd" ] && "$bin/etcd" --version >/dev/null 2>&1; }

if apiserver_ok && etcd_ok; then
    provided cached "$bin"
fi

[ "$(id -u)" -eq 0 ] || die "building the control plane needs root (apt-get); run as root or set KUBEBUILDER_ASSETS to a folder with kube-apiserver and etcd"
command -v apt-get >/dev/null || die "apt-get not found: this fallback needs Debian; set KUBEBUILDER_ASSETS to a folder with kube-apiserver and etcd"

mkdir -p "$base"
exec 9>"$base/.lock"
if ! flock -n 9; then
    log "waiting for the provisioning lock $base/.lock (another run is building)"
    flock -w 1800 9 || die "could not get the lock $base/.lock within 30 minutes"
fi
if apiserver_ok && etcd_ok; then
    provided "cached (provided by a concurrent run)" "$bin"
fi

mkdir -p "$bin"

# --- etcd ------------------------------------------------------------------------------------------------------------
if ! etcd_ok; then
    apt_install etcd-server
    [ -x /usr/bin/etcd ] || die "etcd-server is installed but /usr/bin/etcd is missing"
    ln -sfn /usr/bin/etcd "$bin/etcd"
    log "etcd: $("$bin/etcd" --version 2>&1 | head -1)"
fi

# --- kube-apiserver --------------------------------------------------------------------------------------------------
if ! apiserver_ok; then
    started=$(date +%s)
    apt_install golang-go rsync jq make golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev dpkg-dev

    # Debian ships Kubernetes' full source (with vendor/) as the source package `kubernetes`; it needs a deb-src line.
    # The signed-by must match the one of the existing bookworm `deb` entry, or apt refuses with
    # "Conflicting values set for option Signed-By".
    src_list=/etc/apt/sources.list.d/keptn-task-webhook-e2e-src.list
    knows_source() { [[ "$(apt-cache showsrc kubernetes 2>/dev/null || true)" == *"Package: kubernetes"* ]]; }
    if ! knows_source; then
        if [ ! -f "$src_list" ]; then
            log "adding $src_list (deb-src for bookworm main)"
            echo 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main' >"$src_list"
        fi
        apt_update
        knows_source ||
            die "apt knows no source package 'kubernetes' even after adding $src_list and apt-get update"
    fi

    dl="$base/download"
    mkdir -p "$dl"
    if ! ls "$dl"/kubernetes_*.orig.tar.* >/dev/null 2>&1; then
        log "apt-get source --download-only kubernetes (into $dl)"
        (cd "$dl" && apt-get -qq -o APT::Sandbox::User=root source --download-only kubernetes >&2) || die "apt-get source --download-only kubernetes failed"
    fi
    orig=$(ls "$dl"/kubernetes_*.orig.tar.* | head -1)

    build="$base/build"
    rm -rf "$build"
    mkdir -p "$build"
    log "unpacking $(basename "$orig")"
    tar -xf "$orig" -C "$build"
    src=$(find "$build" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes*' | head -1)
    [ -n "$src" ] && [ -f "$src/cmd/kube-apiserver/apiserver.go" ] || die "unexpected layout of $orig: no cmd/kube-apiserver"

    # Fixes 1 and 2: Go >= 1.18 changed map internals that the vendored reflect2 1.0.1 pokes at ("fatal error: fault"
    # in mapiterinit on the first custom-resource write); take Debian's reflect2 1.0.2 and json-iterator 1.1.12.
    replace_vendored() {
        local pkg=$1 from="/usr/share/gocode/src/$1"
        [ -d "$from" ] || die "$from not found (package for $pkg not installed?)"
        log "vendor fix: $pkg <- $from"
        rm -rf "${src:?}/vendor/$pkg"
        mkdir -p "$src/vendor/$pkg"
        cp -rL "$from/." "$src/vendor/$pkg/"
        rm -f "$src/vendor/$pkg/go.mod" "$src/vendor/$pkg/go.sum"
    }
    replace_vendored github.com/modern-go/reflect2
    replace_vendored github.com/json-iterator/go

    # Fix 3: kube-openapi's type validator treats a zero value ("" or 0) as null with newer Go, so every empty string in
    # a custom resource is refused as `Invalid value: "null"` (kubernetes issue 99804, fixed after 1.20).
    typego="$src/vendor/k8s.io/kube-openapi/pkg/validation/validate/type.go"
    [ -f "$typego" ] || die "$typego not found"
    cond='data == nil || reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data))'
    grep -qF "$cond" "$typego" || die "vendor fix 3: the condition to patch is not in $typego"
    log "vendor fix: $typego (zero value is not null)"
    sed -i 's/data == nil || reflect\.DeepEqual(reflect\.Zero(reflect\.TypeOf(data)), reflect\.ValueOf(data))/data == nil/' "$typego"
    ! grep -qF "$cond" "$typego" || die "vendor fix 3 did not apply to $typego"

    # Kubernetes 1.20 builds in GOPATH mode from k8s.io/kubernetes. The release tarball carries its version and commit
    # (hack/lib/version.sh, "git archive" form), so `kube-apiserver --version` says v1.20.2 without .git.
    mkdir -p "$src/.go/src/k8s.io"
    ln -sfn "$src" "$src/.go/src/k8s.io/kubernetes"
    log "building cmd/kube-apiserver (GOPATH mode; about 4-5 minutes on 2 cores, the log is $build/make.log)"
    if ! (cd "$src/.go/src/k8s.io/kubernetes" &&
        GOPATH="$src/.go" GO111MODULE=off CGO_ENABLED=0 GOFLAGS= make WHAT=cmd/kube-apiserver >"$build/make.log" 2>&1); then
        tail -n 40 "$build/make.log" >&2
        die "make WHAT=cmd/kube-apiserver failed; full log: $build/make.log"
    fi
    out="$src/_output/local/bin/linux/amd64/kube-apiserver"
    [ -x "$out" ] || out=$(find "$src/_output" -type f -name kube-apiserver -perm -u+x | head -1)
    [ -n "$out" ] && [ -x "$out" ] || die "the build succeeded but produced no kube-apiserver under $src/_output"
    cp "$out" "$bin/kube-apiserver.tmp"
    mv -f "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
    apiserver_ok || die "$bin/kube-apiserver --version does not report v$K8S_VERSION: $("$bin/kube-apiserver" --version 2>&1 || true)"
    log "built in $(($(date +%s) - started)) s: $("$bin/kube-apiserver" --version)"
    # The unpacked tree with _output (and Go's build cache, which the Kubernetes build keeps there) is large; only the
    # downloaded source stays. KEEP_BUILD=1 keeps the tree for a quicker rebuild.
    if [ "${KEPTN_WEBHOOK_E2E_KEEP_BUILD:-0}" != 1 ]; then
        rm -rf "$build"
    fi
fi

apiserver_ok && etcd_ok || die "the cache $bin is incomplete after provisioning"
provided ready "$bin"
