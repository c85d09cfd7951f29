#!/usr/bin/env bash
# Finds (or installs) schemathesis, the OpenAPI fuzzer `npm run fuzz:api` runs,
# at the pinned version, in the project-local .venv that also holds the
# pinned Temporal binaries (scripts/lib/pinned-binary.sh). Idempotent: a venv
# that already has this version is used as it is; another version is replaced.
#
# Prints the binary's path on stdout; says which it used on stderr. Exits 1
# when it can be neither found nor installed (no python3, PyPI unreachable).
# Order: $SCHEMATHESIS_PATH, then the project venv.
set -euo pipefail
PIN_VERSION="4.32.5"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
binary="$venv/bin/schemathesis"
say() { echo "schemathesis: $*" >&2; }

if [ -n "${SCHEMATHESIS_PATH:-}" ]; then
  if [ -x "$SCHEMATHESIS_PATH" ] && [ -f "$SCHEMATHESIS_PATH" ]; then
    say "$SCHEMATHESIS_PATH (from SCHEMATHESIS_PATH)"
    echo "$SCHEMATHESIS_PATH"
    exit 0
  fi
  say "SCHEMATHESIS_PATH=$SCHEMATHESIS_PATH is not an executable file"
  exit 1
fi

installed_version() {
  [ -x "$binary" ] || return 0
  # "schemathesis, version X.Y.Z"
  "$binary" --version 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -n 1
}

if [ "$(installed_version)" != "$PIN_VERSION" ]; then
  python=""
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  if [ -z "$python" ] && [ ! -x "$venv/bin/pip" ]; then
    say "no python3 to install schemathesis==$PIN_VERSION with"
    exit 1
  fi
  say "installing schemathesis==$PIN_VERSION into $venv"
  # One venv holds every pinned tool: create it only once.
  if ! { [ -x "$venv/bin/pip" ] || "$python" -m venv "$venv" >&2; } \
    || ! "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$PIN_VERSION" >&2; then
    say "could not install schemathesis==$PIN_VERSION (no PyPI access?)"
    exit 1
  fi
  if [ "$(installed_version)" != "$PIN_VERSION" ]; then
    say "installed, but $binary does not report version $PIN_VERSION"
    exit 1
  fi
fi

say "$binary (project venv, schemathesis==$PIN_VERSION)"
echo "$binary"
