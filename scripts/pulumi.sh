#!/usr/bin/env bash
# Runs the root Pulumi program (Pulumi.yaml: every set in manifests/ as an IdentitySet) under the real Pulumi CLI
# through the Automation API, against ORY_ADMIN_URL (or `ory-reconcile:adminUrl` in the stack config).
#   ORY_ADMIN_URL=http://127.0.0.1:4434 PULUMI_CONFIG_PASSPHRASE=… bash scripts/pulumi.sh preview|up|refresh|destroy [--stack NAME]
# State goes to a local file backend in .pulumi/ unless PULUMI_BACKEND_URL says otherwise.
# Stack secrets are encrypted with PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): an empty one is refused
# unless ORY_RECONCILE_THROWAWAY_STACK=1 says the stack is a throwaway (a local demo or test).
set -euo pipefail
# A blank passphrase, or a passphrase file that is missing, not a regular file (/dev/null) or blank, is refused too.
refuse() {
  echo "Error: $1" >&2
  echo "  hint: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or set ORY_RECONCILE_THROWAWAY_STACK=1 for a throwaway stack" >&2
  exit 1
}
if [[ "${ORY_RECONCILE_THROWAWAY_STACK:-}" != "1" ]]; then
  if [[ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]]; then
    [[ -n "${PULUMI_CONFIG_PASSPHRASE//[[:space:]]/}" ]] || refuse "PULUMI_CONFIG_PASSPHRASE is blank: the stack's secrets would be encrypted with a blank passphrase"
  elif [[ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    if ! [[ -f "$PULUMI_CONFIG_PASSPHRASE_FILE" && -r "$PULUMI_CONFIG_PASSPHRASE_FILE" ]] || ! grep -q '[^[:space:]]' "$PULUMI_CONFIG_PASSPHRASE_FILE"; then
      refuse "PULUMI_CONFIG_PASSPHRASE_FILE is not a readable regular file holding a passphrase: the stack's secrets would be encrypted with an empty one"
    fi
  else
    refuse "PULUMI_CONFIG_PASSPHRASE is empty: the stack's secrets would be encrypted with an empty passphrase"
  fi
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/install-tools.sh pulumi >/dev/null
npm run --silent build
exec node dist/dev/run-program.js "$@"
