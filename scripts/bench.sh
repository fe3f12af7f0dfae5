#!/usr/bin/env bash
# `npm run bench [-- options]`: the benchmarks of bench/ on a fresh clone. Installs what is missing (npm packages,
# Kratos and Pulumi from Go modules; PostgreSQL via scripts/postgres.sh when a PostgreSQL backend is measured),
# builds the CLI, then runs bench/run.ts (TypeScript transpiled on the fly by bench/register.js).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
export PATH="$(bash scripts/install-tools.sh kratos kratos-sources pulumi | tail -n 1):$PATH"
npm run --silent build
exec node -r ./bench/register.js bench/run.ts "$@"
