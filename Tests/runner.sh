# Sourced by the runners of the Python test suites (Tests/*/run.sh): finds the ingest binary and makes
# the suite's virtualenv. Sets `repo`; the runner sets `here` before sourcing.
repo="$(cd "$here/../.." && pwd)"

# The ingest binary named by the runner's first argument (default .build/debug/ingest, relative to the
# repository); call as `bin=$(runner_binary "${1:-}") || exit 2`.
runner_binary() {
  local bin="${1:-.build/debug/ingest}"
  case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
  if [ ! -x "$bin" ]; then
    echo "run.sh: ingest binary not found or not executable: $bin" >&2
    return 2
  fi
  echo "$bin"
}

# `runner_venv DIR CHECK PACKAGE...`: creates the virtualenv DIR when missing, and installs the packages
# unless the Python statement CHECK succeeds in it.
runner_venv() {
  local venv="$1" check="$2"
  shift 2
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  if ! "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
    echo "run.sh: installing $* into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  fi
}
