#!/usr/bin/env bash
# Installs pyxform (the XLSForm converter Central uses) into .build/pyxform-venv when missing and prints
# the path of its xls2xform command. Pinned, so a form converts the same way on every machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${PYXFORM_VENV:-$PWD/.build/pyxform-venv}"
if [ ! -x "$venv/bin/xls2xform" ] || ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("pyxform") != "4.5.0")' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyxform==4.5.0" >&2
fi
echo "$venv/bin/xls2xform"
