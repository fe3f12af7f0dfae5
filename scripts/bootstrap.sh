#!/usr/bin/env bash
# Installs the system and npm prerequisites of a brand-new machine (idempotent, quick when nothing is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
command -v gcc >/dev/null || missing+=(build-essential)
command -v go >/dev/null || missing+=(golang-go)
command -v node >/dev/null || missing+=(nodejs npm)
# The busy-database test holds a Kratos SQLite write lock with the sqlite3 shell.
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[bootstrap] installing ${missing[*]} with apt-get" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
