#!/usr/bin/env bash
# Start the services the test suite talks to for real: a Docker engine and PostgreSQL.
# Prints the environment the tests need (TGGRID_TEST_POSTGRES_URL); meant to be sourced.
set -euo pipefail
# Only the export line may reach stdout (the caller evals it): everything the tools print,
# such as pg_ctlcluster's "Removed stale pid file", goes to stderr. The daemons started here
# must not inherit fd 3: the caller's $(...) waits for every writer of that pipe to close it.
exec 3>&1 1>&2

if ! docker info >/dev/null 2>&1; then
  echo "services: starting dockerd" >&2
  nohup dockerd </dev/null >/tmp/tggrid-dockerd.log 2>&1 3>&- &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start:" >&2;
                                   tail -20 /tmp/tggrid-dockerd.log >&2; exit 1; }
fi

cluster_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
if [ -z "$cluster_version" ]; then
  echo "services: no PostgreSQL cluster found" >&2
  exit 1
fi
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  echo "services: starting PostgreSQL $cluster_version" >&2
  pg_ctlcluster "$cluster_version" main start 3>&-
fi
for _ in $(seq 30); do
  runuser -u postgres -- psql -qAtc "select 1" >/dev/null 2>&1 && break
  sleep 1
done
runuser -u postgres -- psql -qAtc \
  "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='tggrid') THEN
     CREATE ROLE tggrid LOGIN SUPERUSER PASSWORD 'tggrid'; END IF; END\$\$;" >/dev/null
runuser -u postgres -- psql -qAtc "SELECT 1 FROM pg_database WHERE datname='tggrid'" \
  | grep -q 1 || runuser -u postgres -- createdb -O tggrid tggrid
echo "export TGGRID_TEST_POSTGRES_URL=postgresql://tggrid:tggrid@127.0.0.1:5432/tggrid" >&3
