#!/usr/bin/env bash
# Installs Redis (Debian's redis-server package) if it is missing, starts a server of our own on
# 127.0.0.1 (no persistence, data in memory only), and prints the line to export for the tests
# that need Redis:
#
#     eval "$(bash .ci/redis.sh)"
#
# Idempotent: a server already answering on the port is reused. Needs root to install (CI and
# the dev machines run as root). Progress goes to stderr; stdout carries only the export line.
# ESI_REDIS_PORT picks the port (default 6390, away from a system server on 6379).
set -euo pipefail

REDIS_PORT="${ESI_REDIS_PORT:-6390}"
RUN_DIR="${TMPDIR:-/tmp}/esi-redis-$REDIS_PORT"

log() { echo "redis.sh: $*" >&2; }

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    log "installing redis-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # The package's own service is not needed: the server below is started by hand.
    apt-get install -y -qq --no-install-recommends redis-server redis-tools >&2
fi

ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -qx PONG; }

if ping; then
    log "Redis already answering on 127.0.0.1:$REDIS_PORT"
else
    mkdir -p "$RUN_DIR"
    log "starting redis-server on 127.0.0.1:$REDIS_PORT"
    redis-server \
        --bind 127.0.0.1 \
        --port "$REDIS_PORT" \
        --protected-mode yes \
        --save '' \
        --appendonly no \
        --dir "$RUN_DIR" \
        --pidfile "$RUN_DIR/redis.pid" \
        --logfile "$RUN_DIR/redis.log" \
        --daemonize yes >&2
    for _ in $(seq 1 50); do
        if ping; then
            break
        fi
        sleep 0.1
    done
    if ! ping; then
        log "redis-server did not answer on 127.0.0.1:$REDIS_PORT (see $RUN_DIR/redis.log)"
        exit 1
    fi
fi

log "Redis $(redis-server --version | awk '{print $3}' | sed 's/v=//') ready on 127.0.0.1:$REDIS_PORT"
echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/"
