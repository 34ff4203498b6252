#!/usr/bin/env bash
# Validate the deployment code offline, the way CI does (no Bicep CLI or Azure account needed):
#   1. infra/iac_guard.py: every bicep/**/*.bicep parses (pycep-parser; checkov alone reports
#      a parse error and still exits 0), every checkov skip carries a reason, no for-expression
#      sits inside a function call or operator (compile error BCP138) or in another property
#      loop (BCP142), no conditional module's outputs are read without '!'/'.?' (BCP318), no
#      string hard-codes a cloud host (no-hardcoded-env-urls); and the guard must refuse each
#      template in tests/infra/bicep_guard/refused_*.bicep (its own test);
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

echo "== 1/3 Bicep syntax, skip reasons, compiler and linter rules (infra/iac_guard.py)"
"$VENV/bin/python" -m infra.iac_guard bicep
# the guard's own test: each template there holds something the compiler or linter refuses
"$VENV/bin/python" -m infra.iac_guard --refuse tests/infra/bicep_guard/refused_*.bicep

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
