#!/bin/bash
# First start: make the cluster in $PGDATA with the role $POSTGRES_USER (password from
# POSTGRES_PASSWORD or the file POSTGRES_PASSWORD_FILE) and the database $POSTGRES_DB. Every
# start: run postgres in the foreground on $POSTGRES_LISTEN:$POSTGRES_PORT. Connections over
# TCP need the password (scram-sha-256), from loopback only unless POSTGRES_ALLOW_NETWORK
# names a network (CIDR) too, as on a bridge network. The Unix socket stays inside the
# container (only its own processes, the healthcheck's pg_isready, reach it): trusted.
set -euo pipefail

log() { echo "tggrid-postgres: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password="${POSTGRES_PASSWORD:-}"
    if [ -z "$password" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        password="$(cat -- "$POSTGRES_PASSWORD_FILE")"
    fi
    if [ -z "$password" ]; then
        log "set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) for the first start"
        exit 2
    fi
    log "initdb data=$PGDATA user=$POSTGRES_USER db=$POSTGRES_DB"
    pwfile="$(mktemp)"
    printf '%s\n' "$password" > "$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" >/dev/null
    rm -f "$pwfile"
    if [ "$POSTGRES_DB" != postgres ]; then
        # Single-user mode: no listening socket before the database exists.
        echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" \
            | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
fi

if [ -n "${POSTGRES_ALLOW_NETWORK:-}" ] \
        && ! grep -q "^host all all $POSTGRES_ALLOW_NETWORK " "$PGDATA/pg_hba.conf"; then
    echo "host all all $POSTGRES_ALLOW_NETWORK scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi

log "start listen=$POSTGRES_LISTEN port=$POSTGRES_PORT"
exec postgres -D "$PGDATA" -c listen_addresses="$POSTGRES_LISTEN" -c port="$POSTGRES_PORT" \
    -c unix_socket_directories=/run/postgresql
