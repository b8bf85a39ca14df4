"""HL7's R4 JSON Schema (vendored in fixtures/fhir, checked by its sha256): the problems it
finds in one resource, each as "Type.path: message"."""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import cache
from typing import Any

from conftest import ROOT
from jsonschema import Draft6Validator

SCHEMA = ROOT / "tests" / "fixtures" / "fhir" / "fhir.schema.json.gz"
SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"


@cache
def _definitions() -> dict[str, Any]:
    raw = gzip.decompress(SCHEMA.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == SHA256, "the vendored R4 schema is not the published one"
    schema = json.loads(raw)
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    definitions: dict[str, Any] = schema["definitions"]
    return definitions


@cache
def _validator(kind: str) -> Draft6Validator:
    return Draft6Validator({"$ref": f"#/definitions/{kind}", "definitions": _definitions()})


def r4_problems(resource: dict[str, Any]) -> list[str]:
    """What the R4 schema says is wrong with `resource` (a Bundle's entries each by their own
    definition, which is much quicker than the schema's choice among every resource type)."""
    kind = resource["resourceType"]
    if kind == "Bundle":
        shell = {
            **resource,
            "entry": [{k: v for k, v in e.items() if k != "resource"} for e in resource.get("entry", [])],
        }
        return [f"Bundle{e.json_path[1:]}: {e.message}" for e in _validator("Bundle").iter_errors(shell)] + [
            p for e in resource.get("entry", []) if "resource" in e for p in r4_problems(e["resource"])
        ]
    return [f"{kind}{e.json_path[1:]}: {e.message[:300]}" for e in _validator(kind).iter_errors(resource)]
