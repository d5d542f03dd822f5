#!/bin/sh
# Starts PostgreSQL the same way on the official image and on the offline one:
# initialise the data dir on first start (initdb, superuser postgres with the
# password from SESSION_BENCH_POSTGRES_PASSWORD), admit password logins over TCP,
# then run the server with the variant's synchronous_commit
# (SESSION_BENCH_SYNCHRONOUS_COMMIT). PostgreSQL refuses root: initdb and the
# server run as user postgres (both images have it) through setpriv. The official
# image's own entrypoint (POSTGRES_* env vars) is not used, so the offline image,
# which has none, behaves the same. postgres:unlogged is a table setting of the
# store, not of the server: it uses the same server flags as postgres.
set -eu
datadir=/var/lib/session-bench-postgres
rundir=/run/session-bench-postgres
password=${SESSION_BENCH_POSTGRES_PASSWORD:?set SESSION_BENCH_POSTGRES_PASSWORD}
sync=${SESSION_BENCH_SYNCHRONOUS_COMMIT:-on}
server=$(command -v postgres || ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)
as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups --"

umask 077
mkdir -p "$datadir" "$rundir"
chown postgres: "$datadir" "$rundir"
if [ ! -s "$datadir/PG_VERSION" ]; then
  echo "session-bench: initialising $datadir with $(dirname "$server")/initdb"
  printf '%s\n' "$password" >"$rundir/pwfile"
  chown postgres: "$rundir/pwfile"
  $as_postgres "$(dirname "$server")/initdb" --pgdata="$datadir" --username=postgres \
    --pwfile="$rundir/pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
  rm -f "$rundir/pwfile"
fi
printf 'local all all trust\nhost all all all scram-sha-256\n' >"$rundir/pg_hba.conf"
chown postgres: "$rundir/pg_hba.conf"

# shellcheck disable=SC2086 # $as_postgres is a command and its options
exec $as_postgres "$server" -D "$datadir" -c port=5432 -c listen_addresses=0.0.0.0 \
  -c unix_socket_directories="$rundir" -c hba_file="$rundir/pg_hba.conf" \
  -c synchronous_commit="$sync" -c fsync=on -c max_connections=200
