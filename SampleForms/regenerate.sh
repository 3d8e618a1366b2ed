#!/usr/bin/env bash
# Regenerate SampleForms/xforms/*.xml from the XLSForm sources in SampleForms/xlsform/.
#
# Uses pyxform 4.5.0 in a virtualenv kept OUTSIDE the repository:
#   SAMPLEFORMS_VENV   path of the virtualenv (default: ${TMPDIR:-/tmp}/sampleforms-pyxform-venv)
#   PYTHON             interpreter used to create it (default: python3)
#
# Output is what pyxform's `convert()` returns with validation off and
# pretty_print off (the same bytes as `xls2xform --skip_validate SRC OUT`).
# Running the script twice gives byte-identical files.
set -euo pipefail

PYXFORM_VERSION="4.5.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_dir="$here/xlsform"
out_dir="$here/xforms"
venv="${SAMPLEFORMS_VENV:-${TMPDIR:-/tmp}/sampleforms-pyxform-venv}"
python="${PYTHON:-python3}"

case "$venv/" in
  "$here"/*) echo "regenerate.sh: SAMPLEFORMS_VENV must be outside $here" >&2; exit 1 ;;
esac

if [ ! -x "$venv/bin/python" ]; then
  echo "Creating virtualenv $venv"
  "$python" -m venv "$venv"
fi

installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pyxform"))' 2>/dev/null || true)"
if [ "$installed" != "$PYXFORM_VERSION" ]; then
  echo "Installing pyxform==$PYXFORM_VERSION into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyxform==$PYXFORM_VERSION"
fi

mkdir -p "$out_dir"

"$venv/bin/python" - "$src_dir" "$out_dir" <<'PY'
import sys
from pathlib import Path

from pyxform.xls2xform import convert

src_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
sources = sorted(
    p for p in src_dir.iterdir()
    if p.suffix in {".md", ".csv", ".xlsx", ".xls"} and not p.name.startswith(("~", "."))
)
if not sources:
    sys.exit(f"no XLSForm sources in {src_dir}")

stems = [p.stem for p in sources]
dupes = {s for s in stems if stems.count(s) > 1}
if dupes:
    sys.exit(f"more than one source for: {', '.join(sorted(dupes))}")

for src in sources:
    warnings = []
    result = convert(xlsform=str(src), validate=False, pretty_print=False, warnings=warnings)
    if result.itemsets:
        sys.exit(f"{src.name}: external itemsets (select_one_external) are not supported here")
    out = out_dir / f"{src.stem}.xml"
    data = result.xform.encode("utf-8")
    if out.exists() and out.read_bytes() == data:
        status = "unchanged"
    else:
        out.write_bytes(data)
        status = "written"
    print(f"{src.name} -> xforms/{out.name} ({status})")
    for w in warnings:
        print(f"  warning: {w}")

orphans = sorted(p.name for p in out_dir.glob("*.xml") if p.stem not in stems)
for name in orphans:
    print(f"  note: xforms/{name} has no source in xlsform/ (left as is)")
PY
