#!/usr/bin/env bash
# Regenerates the typed API client from the back end's OpenAPI schema; never edit schema.d.ts by hand.
#   feynlab openapi > var/openapi.json      (from the repository root)
#   cd frontend && npm run generate-client
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
schema="${1:-$here/../var/openapi.json}"
if [[ ! -f "$schema" ]]; then
  echo "No OpenAPI schema at $schema. Export it first: feynlab openapi > var/openapi.json" >&2
  exit 2
fi
"$here/node_modules/.bin/openapi-typescript" "$schema" -o "$here/src/api/schema.d.ts"
echo "Wrote src/api/schema.d.ts from $schema. Now run: npm run build (type-checks every API call)."
