#!/usr/bin/env bash
# The demo: starts a throwaway local Kratos, plans and applies manifests/ into it, shows the result, then plans
# again to show that nothing is left to do. Everything it starts is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
export PATH="$(bash scripts/install-tools.sh kratos | tail -n 1):$PATH"
npm run --silent build
node dist/dev/demo.js "${@:-manifests}"
