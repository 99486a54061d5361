#!/usr/bin/env bash
# Browser tests: a real `feynlab serve` (fresh database, the shipped courses, the real sandbox)
# on a free port, then Playwright in Debian's Chromium. Screenshots: frontend/test-results/.
# Every spec, or only those named: scripts/e2e.sh tests/e2e/notebooks.spec.ts
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export FEYNLAB_ENV=development FEYNLAB_DATABASE_URL="sqlite:///$work/e2e.db" FEYNLAB_VAR_DIR="$work/var"
# Every spec signs its learners up from 127.0.0.1: the default of 10 sign-ups per address and hour
# (what a real server wants) would fail the suite once it has more than ten learners.
export FEYNLAB_SIGNUPS_PER_HOUR=500
# Specs that author (a course created, a notebook imported) write a copy, never courses/ itself.
cp -r courses "$work/courses" && export FEYNLAB_COURSES_DIR="$work/courses"
.venv/bin/feynlab serve --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 180); do
  curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { echo "feynlab serve died:"; cat "$work/serve.log"; exit 1; }
  sleep 1
done
curl -fs "http://127.0.0.1:$port/api/health" >/dev/null || { echo "feynlab serve did not start"; cat "$work/serve.log"; exit 1; }
(cd frontend && FEYNLAB_E2E_URL="http://127.0.0.1:$port" npm run --silent e2e -- "$@")
status=$?
[ $status -eq 0 ] || { echo "--- server log (tail)"; tail -50 "$work/serve.log"; }
exit $status
