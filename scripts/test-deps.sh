#!/usr/bin/env bash
# Test-only tools from the npm registry (an independent JWT library, used to prove that
# our tokens verify from the JWKS alone). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "test-deps: npm ci in tests/js"
  npm ci --no-audit --no-fund --loglevel=error
fi
