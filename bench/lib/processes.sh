# Shell helpers of the bench scripts that start processes (scale-e2e.sh, ab.sh, bodies/capture.sh). Source it after setting
# log_tag; the caller keeps `pids` (started processes as "pid:name") and its own cleanup trap.

log() { printf '[%s %s] %s\n' "$log_tag" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
    local pid=$1 name=$2 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$name ($pid) did not stop within 10 s of SIGTERM: killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2 start=$SECONDS
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ $((SECONDS - start)) -lt "$limit" ] || die "$what: not within $limit s"
        sleep 0.2
    done
}

# finish STATUS KEEP LOG...: stops the started processes (newest first), shows the tail of each named log in $work when
# STATUS is a failure, and deletes $work unless KEEP is 1. The body of the callers' EXIT traps.
finish() {
    local status=$1 keep=$2 i f
    shift 2
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${pids[$i]%%:*}" "${pids[$i]#*:}"
    done
    if [ "$status" -ne 0 ]; then
        for f in "$@"; do
            [ -s "$work/$f" ] && { log "last lines of $f:"; tail -n 15 "$work/$f" >&2; }
        done
    fi
    if [ "$keep" = 1 ]; then
        log "keeping $work"
    else
        rm -rf "$work"
    fi
}

# runtime_env ROOT: the image's runtime settings (build/runtime.env) as KEY=VALUE words, for `env`; a setting already in
# this environment is left out, so the caller's wins (as in bench/driver.py and scale_e2e.py), for experiments.
runtime_env() {
    local setting
    grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$1/build/runtime.env" | while IFS= read -r setting; do
        [[ -v ${setting%%=*} ]] || printf '%s\n' "$setting"
    done
}
