#!/usr/bin/env bash
# Install axe-core, the accessibility engine the browser tests inject into every page
# (tests/e2e/test_accessibility.py), at the version pinned in tests/e2e/axe/package-lock.json.
# It goes to tests/e2e/axe/node_modules (ignored by git), never into what the app serves.
# Run by `scripts/install-system.sh test` (so by `make test`); safe to run again: npm is asked
# only when the installed version is not the locked one.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/axe"

want=$(python3 -c 'import json; print(json.load(open("package-lock.json"))["packages"]["node_modules/axe-core"]["version"])')
have=$(python3 -c 'import json; print(json.load(open("node_modules/axe-core/package.json"))["version"])' 2>/dev/null || true)
[ "$have" = "$want" ] && [ -f node_modules/axe-core/axe.min.js ] && exit 0

echo "Installing axe-core $want for the browser tests"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
