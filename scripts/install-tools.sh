#!/usr/bin/env bash
# Installs the real servers the project runs against into a cache outside the repo:
#   - kratos: Ory Kratos v1.3.1 built from Go modules -> bin/kratos (KRATOS_MODULE_VERSION selects another module
#     version of github.com/ory/kratos -> bin/kratos-<version>; Kratos' v25+ tags are none, having no /v25 module
#     path). KRATOS_VERSION, which picks the server tests and the demo run, does not change what this builds.
#   - kratos-sources: every Kratos source tarball in ../shared/ory-kratos (KRATOS_SOURCES overrides the folder),
#     `kratos-<version>.tar.gz`, built inside its own tree -> bin/kratos-<version>; the newest `git describe` build
#     (`v26.2.0-202-gb86338da0`) is also linked as bin/kratos-master. Keyed by the tarball's SHA-256: a new tarball
#     rebuilds. Without that folder: one line says those servers are skipped, and everything else works.
#   - pulumi: the Pulumi CLI v3.248.0 built from Go modules -> bin/pulumi
# Idempotent: a second call only checks the stamped versions (and checksums) and returns.
#
# Usage: scripts/install-tools.sh [kratos] [kratos-sources] [pulumi]     (default: all three)
# Env:   ORY_RECONCILE_CACHE (default ~/.cache/ory-reconcile), KRATOS_MODULE_VERSION, KRATOS_SOURCES, PULUMI_VERSION
set -euo pipefail

CACHE="${ORY_RECONCILE_CACHE:-$HOME/.cache/ory-reconcile}"
KRATOS_VERSION="${KRATOS_MODULE_VERSION:-v1.3.1}"
PULUMI_VERSION="${PULUMI_VERSION:-v3.248.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KRATOS_SOURCES="${KRATOS_SOURCES:-$ROOT/../shared/ory-kratos}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GONOSUMDB="${GONOSUMDB:-github.com/pulumi/*}"
export GOTOOLCHAIN=local

step() { echo "[install-tools] $*" >&2; }

# Runs a long command, printing a heartbeat every 30 s so a cold build never looks hung.
with_heartbeat() {
  local label="$1"; shift
  ( local t=0; while sleep 30; do t=$((t + 30)); step "$label: still working (${t}s)"; done ) &
  local beat=$!
  local status=0
  "$@" || status=$?
  # The sleep first: a subshell that is waiting for its sleep handles the TERM only once the sleep is over.
  pkill -P "$beat" sleep 2>/dev/null; kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  return "$status"
}
fail() { echo "[install-tools] FAILED at step '$1': $2" >&2; exit 1; }

# Whether binary $1 reports version $2. The whole output is read before matching: `| grep -q` would stop reading at
# the first match and the binary, still writing, would die of SIGPIPE (exit 141, a failure under pipefail).
reports_version() {
  local out
  out="$("$1" version 2>/dev/null)" || return 1
  grep -qF -- "$2" <<<"$out"
}

need_go() {
  command -v go >/dev/null || fail "$1" "go is not on PATH (Go >= 1.23 is required to build from modules)"
}

need_cc() {
  command -v gcc >/dev/null && return
  step "gcc missing: installing build-essential with apt-get"
  { apt-get update -qq && apt-get install -y -qq build-essential; } >&2 || fail "$1" "gcc is needed for CGO (sqlite)"
}

# Writes a wrapper module that re-declares Kratos' replace directives (Go ignores a dependency's replaces).
kratos_wrapper() {
  local dir="$1" gomod
  mkdir -p "$dir"
  local info
  # `|| true`: under set -e a failed download would end the script here without saying why.
  info="$(go mod download -json "github.com/ory/kratos@$KRATOS_VERSION" 2>&1 || true)"
  gomod="$(printf '%s\n' "$info" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || fail kratos-download "could not download github.com/ory/kratos@$KRATOS_VERSION from the Go module proxy ($(go env GOPROXY)): $(printf '%s\n' "$info" | sed -n 's/.*"Error": "\(.*\)".*/\1/p;/^go: /p' | head -1)"
  {
    echo "module ory-reconcile.local/kratos-build"
    echo
    echo "go 1.23"
    echo
    echo "require github.com/ory/kratos $KRATOS_VERSION"
    echo
    echo "replace ("
    # Keep every module replace of Kratos' own go.mod except local-path ones (./internal/...): those are
    # code the kratos binary does not import.
    awk '/^replace \(/{r=1; next} r && /^\)/{r=0} r' "$gomod" | grep '=>' | grep -v '=> *\./' | sed 's#//.*##'
    echo ")"
  } >"$dir/go.mod"
}

install_kratos() {
  local bin="$CACHE/bin/kratos" build="$CACHE/build/kratos-$KRATOS_VERSION"
  [ "$KRATOS_VERSION" = v1.3.1 ] || bin="$CACHE/bin/kratos-$KRATOS_VERSION"
  if [ -x "$bin" ] && reports_version "$bin" "$KRATOS_VERSION"; then
    step "kratos $KRATOS_VERSION present: $bin"; return
  fi
  need_go kratos; need_cc kratos
  step "kratos $KRATOS_VERSION: writing wrapper module in $build"
  kratos_wrapper "$build"
  cd "$build"
  step "kratos: resolving modules (go mod download; first run takes a few minutes)"
  with_heartbeat "kratos modules" go get "github.com/ory/kratos@$KRATOS_VERSION" >&2 || fail kratos-resolve "go get github.com/ory/kratos@$KRATOS_VERSION failed"
  step "kratos: compiling with -tags sqlite, CGO on (first run takes 5-15 minutes on 2 cores)"
  mkdir -p "$CACHE/bin"
  CGO_ENABLED=1 with_heartbeat "kratos build" go build -tags sqlite -trimpath \
    -ldflags "-s -w -X github.com/ory/kratos/driver/config.Version=$KRATOS_VERSION -X github.com/ory/kratos/driver/config.Commit=$KRATOS_VERSION -X github.com/ory/kratos/driver/config.Date=module-build" \
    -o "$bin.tmp" github.com/ory/kratos >&2 || fail kratos-build "go build github.com/ory/kratos failed (see above)"
  reports_version "$bin.tmp" "$KRATOS_VERSION" || fail kratos-verify "built binary does not report $KRATOS_VERSION (the cached one is kept)"
  mv "$bin.tmp" "$bin"
  step "kratos $KRATOS_VERSION installed: $bin"
}

install_pulumi() {
  local bin="$CACHE/bin/pulumi" build="$CACHE/build/pulumi-$PULUMI_VERSION"
  if ! { [ -x "$bin" ] && reports_version "$bin" "$PULUMI_VERSION"; }; then
    need_go pulumi
    step "pulumi $PULUMI_VERSION: writing wrapper module in $build"
    mkdir -p "$build" "$CACHE/bin"
    cd "$build"
    printf 'module ory-reconcile.local/pulumi-build\n\ngo 1.25\n\nreplace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e\n' >go.mod
    step "pulumi: resolving modules (first run takes a few minutes)"
    with_heartbeat "pulumi modules" go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2 \
      || fail pulumi-resolve "go get github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION failed"
    step "pulumi: compiling the CLI (first run takes 5-15 minutes on 2 cores)"
    CGO_ENABLED=0 with_heartbeat "pulumi build" go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2 || fail pulumi-build "go build of the pulumi CLI failed (see above)"
    reports_version "$bin.tmp" "$PULUMI_VERSION" || fail pulumi-verify "built binary does not report $PULUMI_VERSION (the cached one is kept)"
    mv "$bin.tmp" "$bin"
  fi
  # The dynamic-provider plugin (pulumi-resource-pulumi-nodejs) is not kept here: each clone puts its own
  # node_modules/@pulumi/pulumi on PATH (src/dev/pulumi-env.ts). A link left by an older version of this script
  # would tie every clone to the one that made it.
  rm -f "$CACHE/bin/pulumi-resource-pulumi-nodejs"
  step "pulumi $PULUMI_VERSION present: $bin"
}

# Builds one source tarball (kratos-<version>.tar.gz) inside its own extracted tree into bin/kratos-<version>.
install_kratos_source() {
  local tarball="$1" version bin build sum
  version="$(basename "$tarball" .tar.gz)"; version="${version#kratos-}"
  bin="$CACHE/bin/kratos-$version"
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [ -x "$bin" ] && [ "$(cat "$bin.sha256" 2>/dev/null)" = "$sum" ] && reports_version "$bin" "$version"; then
    step "kratos $version present: $bin (source ${sum:0:12})"; return
  fi
  need_go "kratos-$version"; need_cc "kratos-$version"
  build="$CACHE/build/kratos-src-$version"
  step "kratos $version: extracting $(basename "$tarball") (sha256 ${sum:0:12}) into $build"
  rm -rf "$build"; mkdir -p "$build" "$CACHE/bin"
  tar -xzf "$tarball" -C "$build" || fail "kratos-$version-extract" "cannot extract $tarball"
  [ -f "$build/go.mod" ] || fail "kratos-$version-extract" "$tarball has no go.mod at its top level"
  step "kratos $version: downloading modules and compiling with -tags sqlite,json1, CGO on (cold: several minutes)"
  ( cd "$build" && CGO_ENABLED=1 GOFLAGS="-mod=mod -buildvcs=false" with_heartbeat "kratos $version build" go build -tags sqlite,json1 -trimpath \
      -ldflags "-s -w -X github.com/ory/kratos/driver/config.Version=$version -X github.com/ory/kratos/driver/config.Commit=$version -X github.com/ory/kratos/driver/config.Date=source-build" \
      -o "$bin.tmp" . >&2 ) || fail "kratos-$version-build" "go build in $build failed (see above)"
  reports_version "$bin.tmp" "$version" || fail "kratos-$version-verify" "built binary does not report $version (the cached one is kept)"
  # The build flags stamp the version, so also ask for a Kratos command: a tree that is no Kratos has none.
  grep -q "migrate sql" <<<"$("$bin.tmp" migrate sql --help 2>&1)" || fail "kratos-$version-verify" "the binary built from $(basename "$tarball") is not Kratos (no 'migrate sql' command; the cached one is kept)"
  mv "$bin.tmp" "$bin"
  echo "$sum" >"$bin.sha256"
  rm -rf "$build"
  step "kratos $version installed: $bin"
}

install_kratos_sources() {
  local tarballs=()
  [ -d "$KRATOS_SOURCES" ] && mapfile -t tarballs < <(ls "$KRATOS_SOURCES"/kratos-*.tar.gz 2>/dev/null | sort -V)
  if [ ${#tarballs[@]} -eq 0 ]; then
    step "no Kratos source tarballs in $KRATOS_SOURCES: Kratos v26.2.0 and master are not built (tests skip the servers missing from $CACHE/bin)"
    return
  fi
  local tarball master=""
  for tarball in "${tarballs[@]}"; do
    install_kratos_source "$tarball"
    # `v26.2.0-202-gb86338da0` (git describe: commits after a tag) is a master build; the last in version order wins.
    case "$(basename "$tarball")" in *-g[0-9a-f]*.tar.gz) master="$(basename "$tarball" .tar.gz)" ;; esac
  done
  if [ -n "$master" ]; then ln -sfn "$master" "$CACHE/bin/kratos-master"; step "kratos master = ${master#kratos-}"
  else rm -f "$CACHE/bin/kratos-master"; fi
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(kratos kratos-sources pulumi)
for t in "${targets[@]}"; do
  case "$t" in
    kratos) (install_kratos) ;;
    kratos-sources) (install_kratos_sources) ;;
    pulumi) (install_pulumi) ;;
    *) fail args "unknown target '$t' (expected kratos, kratos-sources or pulumi)" ;;
  esac
done
echo "$CACHE/bin"
