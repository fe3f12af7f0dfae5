#!/usr/bin/env bash
# Runs the root Pulumi program (Pulumi.yaml: every set in manifests/ as an IdentitySet) under the real Pulumi CLI
# through the Automation API, against ORY_ADMIN_URL (or `ory-reconcile:adminUrl` in the stack config).
#   ORY_ADMIN_URL=http://127.0.0.1:4434 bash scripts/pulumi.sh preview|up|refresh|destroy [--stack NAME]
# State goes to a local file backend in .pulumi/ unless PULUMI_BACKEND_URL says otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/install-tools.sh pulumi >/dev/null
npm run --silent build
exec node dist/resources/run-program.js "$@"
