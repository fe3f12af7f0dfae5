#!/usr/bin/env bash
# The whole test suite on a fresh clone: installs what is missing (npm packages, Kratos and Pulumi built from Go
# modules into ~/.cache/ory-reconcile), type-checks, builds, then runs unit and integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# Its own line: inside `export` a failed install would not stop this script.
tools="$(bash scripts/install-tools.sh kratos kratos-sources pulumi | tail -n 1)"
export PATH="$tools:$PATH"
npx tsc -p tsconfig.json --noEmit
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
status=0
npx jest --ci "$@" --json --outputFile="$results" || status=$?
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$results" || true
exit $status
