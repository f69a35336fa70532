#!/usr/bin/env bash
# A/B of two published webhooks, or of one under two environments: both run side by side on CPU 0, wrk on CPU 1, a
# warm-up each, then interleaved rounds (A, B, A, B, ...). Per round: requests/s, server CPU per review (utime+stime of
# the process over the requests answered) and p99. Medians at the end. Run bench/run.sh once first (it publishes the
# webhook and makes the certificate in bench/.out).
# --together loads both at once instead (16 connections each, one wrk per side, both on CPU 1) and compares CPU per
# review round by round. On this VM the machine's speed drifts by 5-10% between rounds, more than most changes are
# worth; loaded together, both sides share every moment of it, so B/A moves by about ±1% from round to round (an A/A
# run: median 0.995, spread 0.010). Use it to decide whether a change of code costs or saves CPU; requests/s and latency
# under the real load are what bench/run.sh and the interleaved mode measure. Only a change in the work done per review
# carries over from it. Two processes on one core also share its caches and its time, so --together exaggerates how a
# setting of code placement or of waiting does: DOTNET_ReadyToRun=0 saved 3% together and nothing alone, the thread
# pool's spin limit at 0 saved 5.7% together and nothing alone (docs/performance.md, tenth session).
# A side whose DIR holds Floor.dll (bench/.out/floor) is the floor server instead of a webhook: `--a bench/.out/floor
# --together` gives the webhook's CPU per review against the floor's at the same moments (what run.sh's throughput ratio
# depends on). Two runs of the same pair differ by up to 2% (each process's JIT-compiled code differs a little):
# a change needs a run in each order, or more than 2%, to count.
# Usage: bench/ab.sh [--a DIR] [--b DIR] [--env-a "K=V ..."] [--env-b "K=V ..."] [--body FILE] [--path PATH]
#   [--warmup S] [--rounds N] [--duration S] [--together]
# Example: bench/ab.sh --env-b "DOTNET_TieredPGO=0" --body bench/bodies/create-valid-undefaulted.json --path /mutate
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/.out"
log_tag=ab
source "$root/bench/lib/processes.sh"

a="$out/webhook" b="$out/webhook" env_a="" env_b="" body="$root/bench/bodies/create-duplicate.json" path=/validate
warmup="" rounds="" duration="" together=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --together) together=1; shift; continue ;;
    --a) a=$2 ;; --b) b=$2 ;; --env-a) env_a=$2 ;; --env-b) env_b=$2 ;; --body) body=$2 ;; --path) path=$2 ;;
    --warmup) warmup=$2 ;; --rounds) rounds=$2 ;; --duration) duration=$2 ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done
server_dll() { [[ -f "$1/AdmissionWebhook.dll" || -f "$1/Floor.dll" ]]; }
[[ -f "$out/certs/tls.key" ]] && server_dll "$a" && server_dll "$b" || die "run bench/run.sh once first, or pass --a/--b published directories"

pids=()
work=$(mktemp -d /tmp/keptn-ab.XXXXXX)
trap 'finish $? 0 A.log B.log' EXIT

start() { # start NAME DIR ENV: sets started_pid and started_port
  local https health
  https=$(free_port) health=$(free_port)
  if [[ -f "$2/Floor.dll" ]]; then
    env $3 taskset -c 0 dotnet "$2/Floor.dll" --port "$https" --tls-cert "$out/certs/tls.crt" --tls-key "$out/certs/tls.key" >"$work/$1.log" 2>&1 &
    pids+=("$!:$1")
    started_pid=$! started_port=$https
    wait_until 30 "$1 (floor) ready" curl -sk -o /dev/null "https://127.0.0.1:$https/"
    return
  fi
  # The image's runtime settings (build/runtime.env) unless set here already, then this side's --env.
  env $(runtime_env "$root") $3 taskset -c 0 dotnet "$2/AdmissionWebhook.dll" --state "$root/examples/cluster" --bind-address 127.0.0.1 \
    --https-port "$https" --health-port "$health" --tls-cert "$out/certs/tls.crt" --tls-key "$out/certs/tls.key" \
    --log-format json >"$work/$1.log" 2>&1 &
  pids+=("$!:$1")
  started_pid=$! started_port=$https
  wait_until 30 "$1 ready" curl -sf "http://127.0.0.1:$health/readyz"
}

start A "$a" "$env_a"
pid_a=$started_pid port_a=$started_port
start B "$b" "$env_b"
pid_b=$started_pid port_b=$started_port
export BENCH_BODIES="$path?timeout=10s=$body"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of PID, in clock ticks

load() { # load PORT CONNECTIONS SECONDS: wrk on CPU 1 against one side, its output on stdout
  taskset -c 1 wrk -t1 -c"$2" -d"$3"s -s "$root/bench/wrk/review.lua" "https://127.0.0.1:$1$path?timeout=10s"
}

round() { # round PID PORT SECONDS: prints "req/s cpu-ns-per-review p99-us"
  local before after result
  before=$(cpu_ticks "$1")
  result=$(load "$2" 32 "$3" | grep RESULT)
  after=$(cpu_ticks "$1")
  python3 - "$result" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import re, sys
fields = dict(re.findall(r"(\w+)=(\d+)", sys.argv[1]))
if "requests" not in fields:
    sys.exit("wrk printed no RESULT line")
errors = {name: int(fields[name]) for name in ("connect", "read", "write", "status", "timeout") if int(fields.get(name, 0))}
if errors:
    sys.exit(f"wrk saw errors {errors}: check --body and --path")
requests, seconds = int(fields["requests"]), int(fields["duration_us"]) / 1e6
cpu = (float(sys.argv[3]) - float(sys.argv[2])) / int(sys.argv[4])
print(round(requests / seconds), round(cpu * 1e9 / max(requests, 1)), fields["p99_us"])
PY
}

if [[ $together == 1 ]]; then
  # Each side gets about half the core: the warm-up runs longer, so each sees about as many requests as alone.
  : "${warmup:=60}" "${rounds:=8}" "${duration:=8}"
  together_round() { # together_round SECONDS: prints "requests-A cpu-ticks-A requests-B cpu-ticks-B"
    local a0 b0 wa wb
    a0=$(cpu_ticks "$pid_a") b0=$(cpu_ticks "$pid_b")
    load "$port_a" 16 "$1" >"$work/wrk-A" &
    wa=$!
    load "$port_b" 16 "$1" >"$work/wrk-B" &
    wb=$!
    wait "$wa" "$wb"
    echo "$(grep -o 'requests=[0-9]*' "$work/wrk-A" | cut -d= -f2) $(($(cpu_ticks "$pid_a") - a0))" \
      "$(grep -o 'requests=[0-9]*' "$work/wrk-B" | cut -d= -f2) $(($(cpu_ticks "$pid_b") - b0))"
  }
  log "warm-up ${warmup} s, both at once"
  together_round "$warmup" >/dev/null
  : >"$work/rounds"
  for i in $(seq "$rounds"); do
    together_round "$duration" >>"$work/rounds"
  done
  python3 - "$work/rounds" "$(getconf CLK_TCK)" "$a" "$env_a" "$b" "$env_b" <<'PY'
import statistics, sys
rows = [list(map(int, line.split())) for line in open(sys.argv[1])]
if any(row[0] == 0 or row[2] == 0 for row in rows):
    sys.exit("a round answered no requests: check --body and --path")
tick = int(sys.argv[2])
cpu_a = [row[1] / tick / row[0] * 1e6 for row in rows]
cpu_b = [row[3] / tick / row[2] * 1e6 for row in rows]
ratios = [b / a for a, b in zip(cpu_a, cpu_b)]
for side, cpu, directory, env in (("A", cpu_a, sys.argv[3], sys.argv[4]), ("B", cpu_b, sys.argv[5], sys.argv[6])):
    print(f"{side} {directory} {env or '(default environment)'}")
    print(f"  CPU per review, µs: {' '.join(f'{x:.1f}' for x in cpu)}  median {statistics.median(cpu):.1f}")
print(f"B/A CPU per review, per round: {' '.join(f'{x:.3f}' for x in ratios)}")
print(f"  median {statistics.median(ratios):.3f}, spread (stdev) {statistics.pstdev(ratios):.3f}")
PY
  exit 0
fi

: "${warmup:=40}" "${rounds:=6}" "${duration:=5}"
log "warm-up ${warmup} s each"
result=$(round "$pid_a" "$port_a" "$warmup")
result=$(round "$pid_b" "$port_b" "$warmup")
: >"$work/rounds"
for i in $(seq "$rounds"); do
  result=$(round "$pid_a" "$port_a" "$duration")
  echo "A $result" >>"$work/rounds"
  result=$(round "$pid_b" "$port_b" "$duration")
  echo "B $result" >>"$work/rounds"
done

python3 - "$work/rounds" "$a" "$env_a" "$b" "$env_b" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for side, directory, env in (("A", sys.argv[2], sys.argv[3]), ("B", sys.argv[4], sys.argv[5])):
    mine = [list(map(int, row[1:])) for row in rows if row[0] == side]
    rps, cpu, p99 = zip(*mine)
    print(f"{side} {directory} {env or '(default environment)'}")
    print(f"  req/s {' '.join(map(str, rps))}  median {statistics.median(rps):,.0f}")
    print(f"  CPU per review {statistics.median(cpu) / 1000:.1f} µs (median), p99 {statistics.median(p99) / 1000:.2f} ms (median)")
PY
