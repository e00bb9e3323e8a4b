#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server on loopback.
# initdb/postgres refuse to run as root, so as root the server runs as the postgres user in
# a temporary directory it owns. ASSESS_TEST_DATABASE points the test suite at the server;
# the server is stopped and its files removed however the command ends.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (install the postgresql package)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DIR=$(mktemp -d /tmp/assess-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; echo "with-postgres: initdb failed" >&2; exit 1; }
# fsync off: the cluster is thrown away after the run, durability buys nothing here.
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null \
  || { cat "$DIR/server.log" >&2; echo "with-postgres: PostgreSQL did not start" >&2; exit 1; }

echo "with-postgres: PostgreSQL on 127.0.0.1:$PORT"
export ASSESS_TEST_DATABASE="postgresql://postgres@127.0.0.1:$PORT/postgres"
"$@"
