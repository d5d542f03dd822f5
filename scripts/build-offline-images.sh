#!/usr/bin/env bash
# Builds the "offline" image set from Debian packages, with no container registry:
# debootstrap a minimal bookworm with redis-server, memcached, mariadb-server (with
# galera-4, rsync, mariadb-backup, socat and iproute2 for mysql:galera and its rsync
# or mariabackup SST) and postgresql-15,
# then `docker import` it. One image serves every backend; per-backend tags point at it.
#
#   scripts/build-offline-images.sh [--force | --print-mirror]
#
# Environment:
#   SESSION_BENCH_OFFLINE_IMAGE   image name (default session-bench/offline:bookworm)
#   SESSION_BENCH_DEBIAN_MIRROR   Debian mirror; default: the one apt is configured with
#                                 (no built-in fallback: without either, it fails)
#   SESSION_BENCH_APT_DIR         apt's configuration folder (default /etc/apt)
#   SESSION_BENCH_BUILD_LOG       build log (default /var/tmp/session-bench-offline-build.log)
#
# --print-mirror prints the mirror it would use and exits (no root needed).
# Needs root (debootstrap), debootstrap and a running Docker daemon. About 2 minutes.
set -euo pipefail

IMAGE="${SESSION_BENCH_OFFLINE_IMAGE:-session-bench/offline:bookworm}"
SUITE=bookworm
PACKAGES=redis-server,memcached,mariadb-server,galera-4,rsync,mariadb-backup,socat,iproute2,postgresql-15
# Per-backend names for the same image, so `docker images` says what it is for.
ALIASES=(session-bench/redis:offline session-bench/memcached:offline session-bench/mariadb:offline session-bench/postgres:offline)
LOG="${SESSION_BENCH_BUILD_LOG:-/var/tmp/session-bench-offline-build.log}"
APT_DIR="${SESSION_BENCH_APT_DIR:-/etc/apt}"
FORCE=0
PRINT_MIRROR=0

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print-mirror) PRINT_MIRROR=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "build-offline-images: unknown argument $arg (allowed: --force, --print-mirror)" >&2
      exit 2
      ;;
  esac
done

say() { echo "build-offline-images: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

# The mirror apt already uses for $SUITE: deb822 *.sources first, then the one-line
# format (sources.list, sources.list.d/*.list). Prints nothing when there is none.
apt_mirror() {
  local file uri
  for file in "$APT_DIR"/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    # The first deb stanza whose Suites has the plain suite (not -security/-updates).
    uri=$(awk -v suite="$SUITE" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; ok = 0; deb = 1
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/ && $i !~ /[ \t]deb([ \t]|$)/) deb = 0
          if ($i ~ /^Enabled:[ \t]*no/) deb = 0
          if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); uris = u[1] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
        }
        if (ok && deb && uris != "") { print uris; exit }
      }' "$file")
    if [ -n "$uri" ]; then
      echo "$uri"
      return
    fi
  done
  for file in "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    # "deb [options] URI suite components": the URI is the first word with a scheme.
    uri=$(awk -v suite="$SUITE" '$1 == "deb" {
        for (i = 2; i < NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($(i + 1) == suite) { print $i; exit } else break }
      }' "$file")
    if [ -n "$uri" ]; then
      echo "$uri"
      return
    fi
  done
}

MIRROR="${SESSION_BENCH_DEBIAN_MIRROR:-$(apt_mirror)}"
[ -n "$MIRROR" ] || fail "no Debian mirror for $SUITE in apt's configuration ($APT_DIR/sources.list, $APT_DIR/sources.list.d/*.list or *.sources); set SESSION_BENCH_DEBIAN_MIRROR to one"
if [ "$PRINT_MIRROR" = 1 ]; then
  echo "$MIRROR"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "debootstrap needs root; run as root (e.g. sudo $0)"
command -v docker >/dev/null || fail "docker CLI not found; install docker.io (or run .ci/setup-docker.sh)"
command -v debootstrap >/dev/null || fail "debootstrap not found; apt-get install -y debootstrap"
docker info >/dev/null 2>&1 || fail "the Docker daemon does not answer (docker info failed); start dockerd first"

# An image built from another package list (an older checkout's, before galera-4 and
# rsync) lacks what the backends now run: built again rather than reused.
if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  built_from=$(docker image inspect -f '{{ index .Config.Labels "session-bench.include" }}' "$IMAGE" 2>/dev/null || true)
  if [ "$built_from" = "$PACKAGES" ]; then
    say "$IMAGE already present (use --force to rebuild)"
    exit 0
  fi
  say "$IMAGE was built from ${built_from:-an unrecorded package list}, not $PACKAGES: building it again"
  replaced=$(docker image inspect -f '{{.Id}}' "$IMAGE")
fi


ROOTFS=$(mktemp -d /var/tmp/session-bench-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
start=$(date +%s)
: >"$LOG"
say "debootstrap $SUITE from $MIRROR with $PACKAGES (log: $LOG)"

# A package whose postinst starts its service is held back by debootstrap's fake
# start-stop-daemon and policy-rc.d, so nothing keeps running in the chroot.
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >>"$LOG" 2>&1; then
  tail -n 30 "$LOG" >&2
  fail "debootstrap failed after $(($(date +%s) - start)) s (full log: $LOG)"
fi

# Versions go into the image labels, so a result can say what it ran.
versions=$(chroot "$ROOTFS" dpkg-query -W -f='${Package}=${Version} ' redis-server memcached mariadb-server postgresql-15)
say "installed: $versions"

# Debian keeps PostgreSQL's binaries off PATH (/usr/lib/postgresql/<version>/bin):
# the image puts them on it, as the official image does.
pg_bin=$(cd "$ROOTFS" && ls -d usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
[ -n "$pg_bin" ] || fail "postgresql-15 installed no /usr/lib/postgresql/<version>/bin"

# Smaller image: no package lists, caches, docs; no data dirs left from postinst.
rm -rf "$ROOTFS"/var/lib/postgresql/*/main "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/var/log/*.log

say "docker import as $IMAGE"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/$pg_bin" \
  --change 'CMD ["/bin/bash"]' \
  --change 'LABEL session-bench.image-set=offline' \
  --change "LABEL session-bench.suite=$SUITE" \
  --change "LABEL session-bench.mirror=$MIRROR" \
  --change "LABEL session-bench.packages=\"${versions% }\"" \
  --change "LABEL session-bench.include=$PACKAGES" \
  --message "session-bench offline image: debootstrap $SUITE + $PACKAGES" \
  - "$IMAGE" >>"$LOG" 2>&1 || {
  tail -n 30 "$LOG" >&2
  fail "docker import failed (full log: $LOG)"
}
for alias in "${ALIASES[@]}"; do docker tag "$IMAGE" "$alias"; done
# The image it replaced has no name left: removed, not left behind as <none>.
if [ -n "${replaced:-}" ] && [ -z "$(docker image inspect -f '{{join .RepoTags ","}}' "$replaced" 2>/dev/null)" ]; then
  docker rmi "$replaced" >>"$LOG" 2>&1 || true
fi

size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
say "built $IMAGE ($((size / 1024 / 1024)) MiB, also tagged ${ALIASES[*]}) in $(($(date +%s) - start)) s"
echo "$IMAGE"
