#!/usr/bin/env bash
# Every test, in the order a failure is cheapest to find. Called by `make test` (and so by CI).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export KERAS_BACKEND=torch
status=0

step() { echo; echo "==== $*"; }

step "Python tests on SQLite"
$BIN/pytest -p no:cacheprovider || status=1

if [ -n "${FEYNLAB_TEST_DATABASE_URL:-}" ]; then
  step "Database tests again on PostgreSQL ($FEYNLAB_TEST_DATABASE_URL)"
  $BIN/pytest -p no:cacheprovider -m "not sandbox and not browser and not slow" \
    --ignore=tests/sandbox --ignore=tests/datasets --ignore=tests/envs || status=1
else
  echo "SKIPPED: the PostgreSQL pass (set FEYNLAB_TEST_DATABASE_URL=postgresql+psycopg://... to run it)"
fi

if [ -f frontend/package.json ]; then
  step "Front-end component tests"
  (cd frontend && npm run --silent test) || status=1
fi

exit $status
