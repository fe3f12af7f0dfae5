#!/usr/bin/env bash
# The demo: starts a throwaway local Kratos, plans and applies manifests/ into it, shows the result, then plans
# again to show that nothing is left to do. Everything it starts is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# KRATOS_VERSION=v26.2.0 or master runs the demo on a server built from ../shared/ory-kratos instead of v1.3.1.
case "${KRATOS_VERSION:-v1.3.1}" in v1.3.1) servers=(kratos) ;; *) servers=(kratos-sources) ;; esac
# Its own line: inside `export` a failed install would not stop this script.
tools="$(bash scripts/install-tools.sh "${servers[@]}" | tail -n 1)"
export PATH="$tools:$PATH"
npm run --silent build
node dist/dev/demo.js "${@:-manifests}"
