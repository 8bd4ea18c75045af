"""Validate envelopes and requests against the bundled spec (test-side helper)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from image_skill_api.operations import OPERATIONS, Operation


@cache
def spec() -> dict[str, Any]:
    return json.loads(resources.files("image_skill_api").joinpath("spec.json").read_text())


@cache
def registry() -> Registry:
    return Registry().with_resource(
        "urn:spec", Resource.from_contents(spec(), default_specification=DRAFT202012)
    )


def validator(pointer: str) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:spec#{pointer}"}, registry=registry(), format_checker=jsonschema.FormatChecker()
    )


def validate_envelope(envelope: Any) -> None:
    validator("/components/schemas/Envelope").validate(envelope)


def match_operation(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for op in OPERATIONS.values():
        if op.method != method:
            continue
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path)) + "$"
        found = re.match(pattern, path)
        if found:
            return op, found.groupdict()
    return None


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    return value


def validate_request(op: Operation, path_params: dict[str, str], query: str, body: bytes) -> None:
    """Raise jsonschema.ValidationError when a request does not match its operation in the spec."""
    item = spec()["paths"][op.path][op.method.lower()]
    shared = spec()["components"]["parameters"]
    params = [shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in item.get("parameters", [])]
    pairs = dict(parse_qsl(query, keep_blank_values=True))
    declared = {p["name"]: p for p in params if p["in"] == "query"}
    unknown = set(pairs) - set(declared)
    if unknown:
        raise jsonschema.ValidationError(f"undeclared query parameters {sorted(unknown)}")
    for p in params:
        schema = p["schema"]
        rooted = {"$ref": "urn:spec" + schema["$ref"]} if "$ref" in schema else schema
        if p["in"] == "path":
            jsonschema.Draft202012Validator(rooted, registry=registry()).validate(path_params[p["name"]])
        elif p["in"] == "query" and p["name"] in pairs:
            value = _coerce(pairs[p["name"]], schema)
            jsonschema.Draft202012Validator(rooted, registry=registry()).validate(value)
    if "requestBody" in item:
        ref = item["requestBody"]["content"]["application/json"]["schema"]["$ref"].removeprefix("#")
        validator(ref).validate(json.loads(body))
    elif body:
        raise jsonschema.ValidationError(f"{op.operation_id} takes no body")
