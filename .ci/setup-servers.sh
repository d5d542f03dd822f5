#!/usr/bin/env bash
# Installs the servers the process provider and its tests run (redis-server,
# memcached, MariaDB, PostgreSQL 15) from Debian 12's packages, as root, without leaving any
# system service running: session-bench starts its own server processes on its own
# ports and data dirs, and a packaged service would only hold ports and memory.
#
#   bash .ci/setup-servers.sh
#
# A no-op when the binaries are already there (SESSION_BENCH_SETUP_FORCE=1 installs anyway).
set -euo pipefail

PACKAGES=(redis-server memcached mariadb-server mariadb-client galera-4 rsync postgresql-15)
BINARIES=(redis-server redis-benchmark memcached mariadbd mariadb-install-db)
# Debian keeps PostgreSQL's server binaries off PATH, in a folder per major version
# (session-bench looks there too); postgresql-common creates the postgres user.
PG_BINARIES=(/usr/lib/postgresql/15/bin/postgres /usr/lib/postgresql/15/bin/initdb)
SERVERS=(redis-server memcached mariadbd postgres)

say() { echo "setup-servers: $*" >&2; }

have_all() {
  local bin
  for bin in "${BINARIES[@]}"; do
    PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$bin" >/dev/null || return 1
  done
  for bin in "${PG_BINARIES[@]}"; do [ -x "$bin" ] || return 1; done
  getent passwd postgres >/dev/null || return 1
}

if [ "${SESSION_BENCH_SETUP_FORCE:-0}" != 1 ] && have_all; then
  say "redis-server, memcached, mariadbd and postgres already installed"
  exit 0
fi

[ "$(id -u)" = 0 ] || {
  say "installing packages needs root; run as root (e.g. sudo $0)"
  exit 1
}

# Server processes running before the install are someone else's: never touched.
running_before=" $(pgrep -d ' ' -x "$(
  IFS='|'
  echo "${SERVERS[*]}"
)" || true) "

# policy-rc.d answering 101 ("action forbidden") makes invoke-rc.d and
# deb-systemd-invoke skip every service start during the install.
POLICY=/usr/sbin/policy-rc.d
saved_policy=""
if [ -e "$POLICY" ]; then
  saved_policy=$(mktemp)
  cp -p "$POLICY" "$saved_policy"
fi
restore_policy() {
  if [ -n "$saved_policy" ]; then
    mv -f "$saved_policy" "$POLICY"
  else
    rm -f "$POLICY"
  fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# session-bench setup-servers: no service starts during the install\nexit 101\n' >"$POLICY"
chmod 755 "$POLICY"

say "installing ${PACKAGES[*]}"
# Another apt run (e.g. the Docker setup) may hold the dpkg lock: wait for it.
apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
  --no-install-recommends "${PACKAGES[@]}"

restore_policy
trap - EXIT

# Belt and braces: if a service started anyway, stop exactly the processes that
# appeared during the install (by pid), through their own graceful shutdown.
started=()
for pid in $(pgrep -x "$(
  IFS='|'
  echo "${SERVERS[*]}"
)" || true); do
  case "$running_before" in
    *" $pid "*) ;;
    *) started+=("$pid") ;;
  esac
done
if [ "${#started[@]}" -gt 0 ]; then
  say "stopping server processes the install started: ${started[*]}"
  kill -TERM "${started[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${started[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
fi

have_all || {
  say "binaries still missing after the install: ${BINARIES[*]} ${PG_BINARIES[*]}"
  exit 1
}
say "installed: $(redis-server --version | cut -d' ' -f1-3), $(memcached -V), MariaDB $(/usr/sbin/mariadbd --version | awk '{print $3}'), $(/usr/lib/postgresql/15/bin/postgres --version)"
