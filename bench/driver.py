#!/usr/bin/env python3
"""Drives bench/run.sh: starts the floor and the webhook, warms both up, runs interleaved wrk rounds, prints tables.

CPU use of each server comes from /proc/<pid>/stat (utime+stime deltas), wrk's from its rusage; 100% = one core.
"""
import argparse
import base64
import datetime
import json
import os
import platform
import re
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from runtime_env import runtime_env  # noqa: E402

SCENARIOS = [
    # name, path (with the ?timeout= a kube-apiserver adds), body (reviews as it sends them: bench/bodies/capture.sh),
    # what the webhook must answer
    ("validate allowed CREATE", "/validate?timeout=10s", "bench/bodies/create-valid.json", "allowed"),
    ("validate denied (duplicate name)", "/validate?timeout=10s", "bench/bodies/create-duplicate.json", "denied 409"),
    ("mutate defaults + checkType (5 ops)", "/mutate?timeout=10s", "bench/bodies/create-valid-undefaulted.json", "patched 5"),
    ("validate v1beta1 review", "/validate?timeout=10s", "bench/bodies/create-v1beta1-review.json", "allowed"),
]


def decision(answer):
    """The webhook's answer in the words of SCENARIOS: allowed, denied <code>, patched <operations>."""
    response = json.loads(answer)["response"]
    if not response["allowed"]:
        return f"denied {response['status']['code']}"
    if "patch" in response:
        return f"patched {len(json.loads(base64.b64decode(response['patch'])))}"
    return "allowed"

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the full line)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def post(url, path, body_file, cafile):
    context = ssl.create_default_context(cafile=cafile)
    with open(body_file, "rb") as f:
        body = f.read()
    request = urllib.request.Request(url + path, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return response.status, response.read()


def wait_until(check, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = f.readline().split()[1]
    return f"nproc={os.cpu_count()} (affinity {len(os.sched_getaffinity(0))}), CPU {model}, MemTotal {int(mem) // 1024} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 s warm-up, 3 s rounds, 1 round")
    parser.add_argument("--warmup", type=float, default=30, help="seconds of warm-up per server (all scenarios in turn)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario and server (the median is reported)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--log-format", default="json", help="the webhook's --log-format (default json, as manifests/ deploy it)")
    parser.add_argument("--log-level", default="", help="e.g. Warning: Serilog minimum level of the webhook (default: as shipped, Information)")
    parser.add_argument("--scenario", action="append", default=[], help="run only scenarios whose name contains this")
    parser.add_argument("--webhook-dir", default="", help="a published webhook to measure instead of this tree's (e.g. an older commit's)")
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.duration, args.rounds = 5, 3, 1

    root, out = args.root, args.out
    cert, key = f"{out}/certs/tls.crt", f"{out}/certs/tls.key"
    cpus = sorted(os.sched_getaffinity(0))
    pinned = len(cpus) >= 2
    server_pin = ["taskset", "-c", str(cpus[0])] if pinned else []
    wrk_pin = ["taskset", "-c", ",".join(str(c) for c in cpus[1:])] if pinned else []

    print(f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC; {machine()}; loadavg {open('/proc/loadavg').read().split()[:3]}")
    print(f"warm-up {args.warmup:g} s per server, {args.rounds} round(s) x {args.duration:g} s per scenario and server, "
          f"wrk -t{args.threads} -c{args.connections}, HTTP/1.1 keep-alive; "
          + (f"server on CPU {cpus[0]}, wrk on CPU {','.join(str(c) for c in cpus[1:])}" if pinned else "NOT pinned (one CPU)"))

    settings = runtime_env(root)
    webhook_env = {**settings, **os.environ}
    print("webhook runtime settings (build/runtime.env, as the image sets them): "
          + " ".join(f"{key}={webhook_env[key]}" for key in settings))

    floor_port, webhook_port, health_port = free_port(), free_port(), free_port()
    log = open(f"{out}/webhook.log", "wb")
    webhook_cmd = server_pin + ["dotnet", f"{args.webhook_dir or out + '/webhook'}/AdmissionWebhook.dll", "--state", f"{root}/examples/cluster",
                                "--bind-address", "127.0.0.1", "--https-port", str(webhook_port), "--health-port", str(health_port),
                                "--tls-cert", cert, "--tls-key", key, "--log-format", args.log_format]
    if args.log_level:
        webhook_cmd += ["--Serilog:MinimumLevel:Default", args.log_level]
    floor_cmd = server_pin + ["dotnet", f"{out}/floor/Floor.dll", "--port", str(floor_port), "--tls-cert", cert, "--tls-key", key]
    # The webhook writes its review lines to stdout as in a container; here they go to a file (bench/.out/webhook.log).
    # With the image's runtime settings; a setting in this environment wins, for experiments.
    webhook = subprocess.Popen(webhook_cmd, stdout=log, stderr=subprocess.STDOUT, env=webhook_env)
    floor = subprocess.Popen(floor_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    servers = {"floor": (floor, f"https://127.0.0.1:{floor_port}"), "webhook": (webhook, f"https://127.0.0.1:{webhook_port}")}
    try:
        wait_until(lambda: urllib.request.urlopen(f"http://127.0.0.1:{health_port}/readyz", timeout=2).status == 200, "webhook /readyz")
        for name, (_, url) in servers.items():
            wait_until(lambda: post(url, "/validate", f"{root}/examples/admission/create-valid.json", cert)[0] == 200, f"{name} answers")
        # Answers are checked once, so a broken server cannot produce a fast but meaningless table.
        for scenario, path, body, expected in SCENARIOS:
            status, answer = post(servers["webhook"][1], path, f"{root}/{body}", cert)
            if status != 200 or decision(answer) != expected:
                sys.exit(f"{scenario}: webhook answered {status} {answer[:300]!r}, expected {expected}")
        for _ in range(5):
            post(servers["webhook"][1], "/validate", f"{root}/examples/admission/create-valid.json", cert)
        idle_rss = rss_kb(webhook.pid)
        print(f"webhook RSS after start + a few requests (example state): {idle_rss / 1024:.1f} MiB; floor: {rss_kb(floor.pid) / 1024:.1f} MiB")

        mixed = ";".join(f"{path}={root}/{body}" for _, path, body, _ in SCENARIOS)
        for name in ("floor", "webhook"):
            run_wrk(args, wrk_pin, servers[name], mixed, args.warmup)

        scenarios = [s for s in SCENARIOS if not args.scenario or any(f in s[0] for f in args.scenario)]
        results = {(s[0], n): [] for s in scenarios for n in servers}
        for round_ in range(args.rounds):
            for scenario, path, body, _ in scenarios:
                for name in ("floor", "webhook"):
                    results[(scenario, name)].append(run_wrk(args, wrk_pin, servers[name], f"{path}={root}/{body}", args.duration))
        webhook_rss = rss_kb(webhook.pid)

        for scenario, _, _, _ in scenarios:
            print()
            print(f"### {scenario}")
            print()
            print("| server | req/s (median) | p50 ms | p90 ms | p99 ms | errors | server CPU | wrk CPU |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            medians = {}
            for name in servers:
                runs = results[(scenario, name)]
                medians[name] = m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                errors = sum(r["errors"] for r in runs)
                print(f"| {name} | {m['rps']:,.0f} | {m['p50'] / 1000:.2f} | {m['p90'] / 1000:.2f} | {m['p99'] / 1000:.2f} | {errors} | "
                      f"{m['server_cpu']:.0f}% | {m['wrk_cpu']:.0f}% |")
            f, w = medians["floor"], medians["webhook"]
            print(f"| webhook/floor | {w['rps'] / f['rps']:.2f}x | {w['p50'] / f['p50']:.2f}x | {w['p90'] / f['p90']:.2f}x | {w['p99'] / f['p99']:.2f}x | | | |")
        print()
        print(f"webhook RSS after the load: {webhook_rss / 1024:.1f} MiB; loadavg {open('/proc/loadavg').read().split()[:3]}")
        print("CPU: 100% = one core busy for the whole round. A server well under 100% while wrk is near 100% means wrk, not the server, was the limit.")
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def run_wrk(args, wrk_pin, server, bodies, seconds):
    process, url = server
    env = dict(os.environ, BENCH_BODIES=bodies)
    cmd = wrk_pin + ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{max(1, round(seconds))}s", "--latency",
                     "-s", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk", "review.lua"), url]
    before, started = cpu_ticks(process.pid), time.monotonic()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    server_cpu = (cpu_ticks(process.pid) - before) / TICKS / wall * 100
    match = re.search(r"^RESULT (.*)$", output, re.M)
    if status != 0 or not match:
        sys.exit(f"wrk failed:\n{output}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    return {
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "p50": r["p50_us"], "p90": r["p90_us"], "p99": r["p99_us"],
        "errors": r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"],
        "server_cpu": server_cpu,
        "wrk_cpu": (usage.ru_utime + usage.ru_stime) / wall * 100,
    }


if __name__ == "__main__":
    main()
