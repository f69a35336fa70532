#!/usr/bin/env bash
# The one `dotnet publish` of the webhook: the Dockerfile runs this script, and so does .ci/run, so the container image
# and what CI starts are built with exactly the same flags.
#   build/publish.sh OUTPUT_DIR
# Framework-dependent (the image brings the ASP.NET Core runtime), no apphost: started as `dotnet AdmissionWebhook.dll`.
set -euo pipefail
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: build/publish.sh OUTPUT_DIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
exec dotnet publish src/AdmissionWebhook -c Release -o "$1" --no-self-contained -p:UseAppHost=false -p:DebugType=none -nologo
