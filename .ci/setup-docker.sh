#!/usr/bin/env bash
# Makes Docker usable for session-bench on a fresh Debian 12 machine (as root), and
# is a no-op when it already is: installs docker.io, docker-compose (for the
# docker-compose.yml test) and debootstrap from Debian's packages, starts dockerd in the background if the daemon does not answer, and
# builds the offline image set (no registry needed) when it is missing.
#
#   .ci/setup-docker.sh
#
# Environment: DOCKERD_LOG (default /var/log/session-bench-dockerd.log),
# DOCKERD_WAIT_S (default 60), and those of scripts/build-offline-images.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/session-bench-dockerd.log}"
DOCKERD_WAIT_S="${DOCKERD_WAIT_S:-60}"

say() { echo "setup-docker: $*" >&2; }

[ "$(id -u)" = 0 ] || {
  say "needs root (apt-get, dockerd, debootstrap)"
  exit 1
}

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2207 # package names have no spaces
  missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # debian-archive-keyring: debootstrap checks the mirror's signatures with it.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" ca-certificates iptables \
    debian-archive-keyring >/dev/null
fi

if docker info >/dev/null 2>&1; then
  say "Docker daemon already answers"
else
  say "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid + nohup: the daemon outlives this script and the shell that ran it.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$DOCKERD_WAIT_S" ]; then
      say "dockerd did not answer within ${DOCKERD_WAIT_S} s; last lines of $DOCKERD_LOG:"
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd answers after ${waited} s ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
fi

# Idempotent: exits at once when the image is present.
"$ROOT/scripts/build-offline-images.sh"
