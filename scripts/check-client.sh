#!/usr/bin/env bash
# Checks that the committed API client (frontend/src/api/schema.d.ts) is what the back end's
# OpenAPI schema generates now, with the pinned openapi-typescript: the schema is exported and the
# client generated into a temporary folder, then compared. Run by scripts/test.sh (make test).
#   scripts/check-client.sh [CLIENT]    CLIENT: the file to check (default the committed one)
# Exit 0: current; 1: stale (the message says how to regenerate); 2: could not check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
client="${1:-$root/frontend/src/api/schema.d.ts}"
tool="$root/frontend/node_modules/.bin/openapi-typescript"
regenerate='.venv/bin/feynlab openapi > var/openapi.json && (cd frontend && npm run generate-client)'

if [[ ! -f "$client" ]]; then
  echo "No API client at $client: generate it with: $regenerate" >&2
  exit 2
fi
if [[ ! -x "$tool" ]]; then
  echo "openapi-typescript is not installed: run 'cd frontend && npm ci' (or 'make frontend') first." >&2
  exit 2
fi
# The version that generates must be the one package.json pins: another one writes other text.
pinned=$(node -p "require('$root/frontend/package.json').devDependencies['openapi-typescript']")
installed=$(node -p "require('$root/frontend/node_modules/openapi-typescript/package.json').version")
if [[ "$pinned" != "$installed" ]]; then
  echo "openapi-typescript $installed is installed but package.json pins $pinned: run 'cd frontend && npm ci'." >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The default app's schema: no FEYNLAB_* setting of this shell changes what is exported.
unset_feynlab=()
while IFS= read -r name; do unset_feynlab+=(-u "$name"); done < <(compgen -e | grep '^FEYNLAB_' || true)
if ! env "${unset_feynlab[@]}" "$root/.venv/bin/feynlab" openapi >"$tmp/openapi.json" 2>"$tmp/export.log"; then
  echo "Could not export the OpenAPI schema (feynlab openapi):" >&2
  cat "$tmp/export.log" >&2
  exit 2
fi
if ! "$tool" "$tmp/openapi.json" -o "$tmp/schema.d.ts" >"$tmp/generate.log" 2>&1; then
  echo "openapi-typescript could not generate the client:" >&2
  cat "$tmp/generate.log" >&2
  exit 2
fi

if ! cmp -s "$client" "$tmp/schema.d.ts"; then
  echo "The generated API client is stale: run \`$regenerate\`, then \`cd frontend && npm run build\`" >&2
  echo "(the type-check names every call to fix) and commit frontend/src/api/schema.d.ts." >&2
  echo "What differs (committed -> generated now), first lines:" >&2
  diff -u --label committed --label generated "$client" "$tmp/schema.d.ts" | head -40 >&2 || true
  exit 1
fi
echo "The generated API client is current ($(basename "$client") matches the OpenAPI schema)."
