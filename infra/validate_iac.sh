#!/usr/bin/env bash
# Validate the deployment code offline, the way CI does (no Bicep CLI or Azure account needed):
#   1. every bicep/**/*.bicep parses (pycep-parser; a syntax error fails here, because checkov
#      alone reports parse errors and still exits 0), and every checkov skip carries a reason;
#   2. checkov, Bicep framework: zero failed checks (skips are justified inline in the Bicep);
#   3. azure-functions-doctor, full profile, Flex Consumption: zero failed checks.
# The tools live in their own venv (.venv-validate, from requirements-validate.txt), rebuilt only
# when that file changes, so checkov's dependencies never touch the app's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VALIDATE_VENV:-.venv-validate}"
PYTHON="${PYTHON:-python3}"
REQUIREMENTS=requirements-validate.txt
STAMP="$VENV/.installed-$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
started=$(date +%s)

if [ ! -f "$STAMP" ]; then
  echo "== installing validation tools into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  printf '*\n' > "$VENV/.gitignore"   # never committed, whatever the repo's .gitignore says
  # (this machine's pip config names local indexes that may be absent: drop those warnings)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
  touch "$STAMP"
fi

echo "== 1/3 Bicep syntax (pycep-parser) and checkov skip reasons"
"$VENV/bin/python" - <<'PY'
import pathlib
import re
import sys

from pycep import BicepParser

files = sorted(pathlib.Path("bicep").rglob("*.bicep"))
errors = []
for path in files:
    text = path.read_text(encoding="utf-8")
    try:
        BicepParser().parse(text=text)
    except Exception as exc:  # lark raises several types; the message carries line and column
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        errors.append(f"{path}: does not parse: {first}")
    for number, line in enumerate(text.splitlines(), 1):
        if "checkov:skip" not in line:
            continue
        match = re.search(r"//\s*checkov:skip=(CKV2?_[A-Z0-9_]+):\s*(.*)$", line)
        if not match or len(match.group(2).strip()) < 20:
            errors.append(f"{path}:{number}: a checkov skip needs '// checkov:skip=CKV_ID: reason'")
if not files:
    errors.append("no .bicep file under bicep/")
for error in errors:
    print(error, file=sys.stderr)
print(f"{len(files)} Bicep files checked, {len(errors)} problems")
sys.exit(1 if errors else 0)
PY

echo "== 2/3 checkov -d bicep --framework bicep"
"$VENV/bin/checkov" -d bicep --framework bicep --skip-download --compact --quiet

echo "== 3/3 azure-functions-doctor (full profile, Flex Consumption)"
summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
# The doctor's virtual-environment check reads VIRTUAL_ENV: it runs inside the validate venv.
VIRTUAL_ENV="$PWD/$VENV" "$VENV/bin/azure-functions-doctor" doctor --path . --profile full \
  --hosting-plan flex-consumption --summary-json "$summary"
"$VENV/bin/python" - "$summary" <<'PY'
import json
import sys

counts = json.load(open(sys.argv[1]))
print("doctor summary:", json.dumps(counts, sort_keys=True))
failed = counts.get("failed", counts.get("fails", 0))
sys.exit(1 if failed else 0)
PY

echo "infrastructure validation passed in $(( $(date +%s) - started )) s"
