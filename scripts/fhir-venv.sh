#!/usr/bin/env bash
# Make .venv-fhir: pure FHIR R4 (4.0.1) models (fhir.resources 6.1.x on pydantic 1) for the FHIR export's tests.
# Separate from .venv because trialpro uses pydantic 2. Idempotent: reinstalls only when the pins change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FHIR_VENV="$ROOT/.venv-fhir"
REQ="$ROOT/tests/fhir_r4/requirements.txt"
if [ ! -x "$FHIR_VENV/bin/python" ]; then
  echo "==> creating $FHIR_VENV"
  python3 -m venv "$FHIR_VENV"
fi
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
stamp="$FHIR_VENV/.trialpro-installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing FHIR R4 validation packages (pinned in tests/fhir_r4/requirements.txt)"
  "$FHIR_VENV/bin/python" -m pip install -q -r "$REQ"
  echo "$want" > "$stamp"
fi
