#!/usr/bin/env bash
# Installs PostgreSQL (Debian package) if it is missing, starts it on 127.0.0.1, makes sure the
# test role and database exist, and prints the line to export for esi-store's PostgreSQL tests:
#
#     eval "$(bash .ci/postgres.sh)"
#
# Idempotent: safe to run again while the server is up. Needs root (CI and the dev machines run
# as root). Progress goes to stderr; stdout carries only the export line.
set -euo pipefail

PG_PORT="${ESI_PG_PORT:-5432}"
PG_ROLE="esi"
PG_PASSWORD="esi"
PG_DB="esi_test"

log() { echo "postgres.sh: $*" >&2; }

if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
    log "creating cluster $version/main on port $PG_PORT"
    pg_createcluster "$version" main --port "$PG_PORT" >&2
fi

# Loopback only: the tests never need more.
conf="/etc/postgresql/$version/main/postgresql.conf"
changed=0
if ! grep -q "^listen_addresses = '127.0.0.1'" "$conf"; then
    echo "listen_addresses = '127.0.0.1'" >>"$conf"
    changed=1
fi
# Enough connections for parallel test processes, each with a small pool.
if ! grep -q "^max_connections = 300" "$conf"; then
    echo "max_connections = 300" >>"$conf"
    changed=1
fi

status="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}')"
if [ "$status" != "online" ]; then
    log "starting cluster $version/main"
    pg_ctlcluster "$version" main start >&2
elif [ "$changed" = 1 ]; then
    log "restarting cluster $version/main for the new settings"
    pg_ctlcluster "$version" main restart >&2
fi

port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"
for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then
        break
    fi
    sleep 1
done
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    log "PostgreSQL did not become ready on 127.0.0.1:$port"
    exit 1
fi

psql_as_postgres() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtA $*" ; }

if [ "$(psql_as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname='$PG_ROLE'\"")" != "1" ]; then
    log "creating role $PG_ROLE"
    psql_as_postgres "-c \"CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\"" >&2
fi
if [ "$(psql_as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"")" != "1" ]; then
    log "creating database $PG_DB"
    psql_as_postgres "-c \"CREATE DATABASE $PG_DB OWNER $PG_ROLE\"" >&2
fi

log "PostgreSQL $version ready on 127.0.0.1:$port"
echo "export ESI_TEST_POSTGRES_URL=postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
