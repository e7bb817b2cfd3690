#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver if missing (for esi-web's browser test) and prints
# where they are:   eval "$(bash .ci/chromium.sh)"
# Idempotent; needs root. Progress goes to stderr; stdout carries only the export line.
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "chromium.sh: installing chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium chromium-driver >&2
fi
echo "export CHROMIUM=$(command -v chromium) CHROMEDRIVER=$(command -v chromedriver)"
