#!/usr/bin/env bash
# Every test, cheapest failures first. Called by `make test` (and so by CI through .ci/run).
# PostgreSQL, Redis and RabbitMQ tests run when FEYNLAB_TEST_DATABASE_URL, FEYNLAB_TEST_REDIS_URL
# and FEYNLAB_TEST_AMQP_URL are set (.ci/run sets all three); otherwise they are skipped and this
# script says so.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/pytest -p no:cacheprovider)
# The first passes are on SQLite whatever the environment says; PostgreSQL gets its own pass.
SQLITE=(env -u FEYNLAB_TEST_DATABASE_URL)
export KERAS_BACKEND=torch
failed=()

step() { echo; echo "==== $*"; }
run() { local name=$1; shift; "$@" || failed+=("$name"); }

step "generated API client is current (frontend/src/api/schema.d.ts against the OpenAPI schema)"
run "generated API client is current" scripts/check-client.sh

step "Python tests on SQLite (API, accounts, courses, sandbox attacks, queue and its faults)"
run "python (SQLite)" "${SQLITE[@]}" "${PYTEST[@]}" --ignore=tests/courses_content

step "Course content: warm-up exercises with their wrong solutions, then every lesson's cells"
# The training exercises (marked slow) are proved by `feynlab courses check` below.
run "course content" "${SQLITE[@]}" "${PYTEST[@]}" tests/courses_content -m "not slow"
run "lesson cells" "${SQLITE[@]}" "${PYTEST[@]}" tests/courses_content/test_lesson_cells.py

step "feynlab courses check courses/ (every exercise proved through the real sandbox)"
run "courses check" .venv/bin/feynlab courses check courses/

if [ -n "${FEYNLAB_TEST_DATABASE_URL:-}" ]; then
  step "Database tests again on PostgreSQL"
  run "python (PostgreSQL)" "${PYTEST[@]}" -m "not slow" \
    tests/accounts tests/api tests/courses tests/progress tests/authoring tests/submissions \
    tests/classes tests/similarity tests/lti \
    tests/grading/queue/test_jobs.py tests/grading/queue/test_stream_hub.py tests/test_cli.py tests/test_settings.py
else
  echo; echo "SKIPPED: the PostgreSQL pass (set FEYNLAB_TEST_DATABASE_URL=postgresql+psycopg://... to run it)"
fi
[ -n "${FEYNLAB_TEST_REDIS_URL:-}" ] || echo "SKIPPED: the Celery/Redis tests (set FEYNLAB_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run them)"
[ -n "${FEYNLAB_TEST_AMQP_URL:-}" ] || echo "SKIPPED: the Celery/RabbitMQ tests (set FEYNLAB_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672// to run them)"

step "Front-end component tests (Vitest)"
run "front-end components" bash -c "cd frontend && npm run --silent test"

step "Browser tests (Playwright in Debian's Chromium against a real feynlab serve)"
run "browser" scripts/e2e.sh

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "All test steps passed."
