#!/usr/bin/env bash
# Installs Debian's Chromium for the HTML report test (test/integration/html-report.test.ts),
# and is a no-op when /usr/bin/chromium is already there. The test drives it with
# playwright-core; no browser build is ever downloaded.
#
#   .ci/setup-chromium.sh
set -euo pipefail

say() { echo "setup-chromium: $*" >&2; }

if [ -x /usr/bin/chromium ]; then
  say "already installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi

[ "$(id -u)" = 0 ] || {
  say "needs root (apt-get install chromium)"
  exit 1
}

say "installing chromium from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
say "installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
