"""Parse every resource of a FHIR export with pure FHIR 4.0.1 models (fhir.resources 6.1.x).

Run in .venv-fhir (see requirements.txt beside this file), not in trialpro's venv:
    .venv-fhir/bin/python tests/fhir_r4/validate.py study-bundle.json participants.ndjson
Prints one JSON object: {"fhir_version": ..., "resources": {type: count}, "errors": [...]}; exit 1 on errors.
"""

from __future__ import annotations

import json
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def bundles(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".ndjson"):
            return [json.loads(line) for line in fh if line.strip()]
        return [json.load(fh)]


def main(paths: list[str]) -> int:
    counts: dict[str, int] = {}
    errors: list[str] = []
    for path in paths:
        for n, bundle in enumerate(bundles(path), start=1):
            try:
                construct_fhir_element("Bundle", bundle)
            except Exception as exc:  # noqa: BLE001 - every parse failure is reported, none hidden
                errors.append(f"{path} bundle {n}: {exc}")
            for entry in bundle.get("entry", []):
                res = entry["resource"]
                kind = res.get("resourceType", "?")
                counts[kind] = counts.get(kind, 0) + 1
                try:
                    construct_fhir_element(kind, res)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"{path} bundle {n} {kind}/{res.get('id')}: {exc}")
    print(json.dumps({"fhir_version": fhir.resources.__fhir_version__, "package": fhir.resources.__version__,
                      "resources": counts, "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
