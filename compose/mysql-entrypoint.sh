#!/bin/sh
# Starts MariaDB (or MySQL) the same way on the official images and on the offline
# one: initialise the data dir on first start (mariadb-install-db, or mysqld
# --initialize-insecure on Oracle's image), let root in over TCP with the password
# from SESSION_BENCH_MYSQL_PASSWORD, create the session_bench database, then run the
# server with the variant's innodb_flush_log_at_trx_commit (SESSION_BENCH_FLUSH).
# The official images' own entrypoints (MARIADB_* env vars) are not used, so the
# offline image, which has none, behaves the same.
set -eu
datadir=/var/lib/session-bench-mysql
password=${SESSION_BENCH_MYSQL_PASSWORD:?set SESSION_BENCH_MYSQL_PASSWORD}
flush=${SESSION_BENCH_FLUSH:-1}
if command -v mariadbd >/dev/null 2>&1; then server=mariadbd; else server=mysqld; fi

if [ ! -d "$datadir/mysql" ]; then
  echo "session-bench: initialising $datadir with $server"
  if command -v mariadb-install-db >/dev/null 2>&1; then
    mariadb-install-db --no-defaults --user=root --datadir="$datadir" \
      --skip-test-db --auth-root-authentication-method=normal >/dev/null
  else
    "$server" --no-defaults --initialize-insecure --user=root --datadir="$datadir"
  fi
fi

quoted=$(printf '%s' "$password" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")
init=/tmp/session-bench-init.sql
umask 077
cat >"$init" <<SQL
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$quoted';
ALTER USER 'root'@'%' IDENTIFIED BY '$quoted';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS session_bench;
SQL

extra=""
[ "$server" = mysqld ] && ! command -v mariadb-install-db >/dev/null 2>&1 && extra="--mysqlx=OFF"
# shellcheck disable=SC2086 # $extra is one flag or nothing
exec "$server" --no-defaults --user=root --datadir="$datadir" --port=3306 \
  --bind-address=0.0.0.0 --skip-name-resolve --init-file="$init" \
  --socket=/tmp/mysqld.sock --pid-file=/tmp/mysqld.pid \
  --default-storage-engine=InnoDB --innodb-flush-log-at-trx-commit="$flush" \
  --max-connections=200 $extra
