#!/usr/bin/env bash
# Runs the browser tests against scripts/mock-server.mjs (a stand-in API) instead of `feynlab serve`:
# for front-end work while the back end is elsewhere. The real check is `npm run e2e` on the platform.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${MOCK_PORT:-8765}"
[[ -f dist/index.html ]] || npm run build
if curl -fs "http://127.0.0.1:$port/" > /dev/null 2>&1; then
  echo "Port $port is taken: stop what runs there or set MOCK_PORT." >&2
  exit 2
fi
mkdir -p test-results
node scripts/mock-server.mjs "$port" > test-results/mock-server.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" > /dev/null && break; sleep 0.1; done
FEYNLAB_E2E_URL="http://127.0.0.1:$port" npx playwright test --config ../tests/e2e/playwright.config.ts "$@"
