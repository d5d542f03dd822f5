#!/usr/bin/env bash
# Every test, on a fresh Debian 12 machine with Node 20: installs what the tests
# talk to (redis-server, memcached and MariaDB from Debian's packages; the Docker
# engine and the offline images; Chromium for the HTML report check), then runs
# `npm test` (typecheck, lint, vitest). Needs root for the installs; each setup
# step is a no-op when already done.
#
#   npm run test:all
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

for setup in .ci/setup-servers.sh .ci/setup-docker.sh .ci/setup-chromium.sh; do
  echo "== $setup" >&2
  bash "$setup"
done

[ -d node_modules ] || npm ci
echo "== npm test" >&2
npm test
