#!/usr/bin/env bash
# `npm run bench [-- options]`: the benchmarks of bench/ on a fresh clone. Installs what is missing (npm packages,
# Kratos and Pulumi from Go modules; PostgreSQL via scripts/postgres.sh when a PostgreSQL backend is measured),
# builds the CLI, then runs bench/run.ts (TypeScript transpiled on the fly by bench/register.js).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# Its own line: inside `export` a failed install would not stop this script.
tools="$(bash scripts/install-tools.sh kratos kratos-sources pulumi | tail -n 1)"
export PATH="$tools:$PATH"
npm run --silent build
exec node -r ./bench/register.js bench/run.ts "$@"
