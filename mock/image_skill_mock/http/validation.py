"""Requests and responses checked against the bundled spec (``image_skill_api/spec.json``).

Each operation's parameters and body are compiled once into JSON Schema 2020-12 validators
whose ``$ref``s resolve inside the spec and whose ``pattern``s are read as ECMA-262 by an
ECMA-262 engine (``http.ecma``: ``regress``, each pattern compiled once and cached). Query
strings are coerced by their schema type (``true``/``false``, integers, finite numbers) before
validation; values that do not coerce stay strings so the
validator reports them. Errors name the offending field, never echo values.

Bodies are parsed strictly (``parse_json``): UTF-8 only, no ``NaN``/``Infinity``, no number
that overflows to infinity, no lone surrogate, nesting no deeper than the spec's
``x-image-skill-limits.max_json_depth`` (checked on the text before parsing). Validation stops
after a bounded number of errors. These functions are CPU work: the app runs them in a worker
thread, never on the event loop.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import islice
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from image_skill_api.operations import OPERATIONS, Operation
from image_skill_mock.http import ecma, lifted

SPEC_URI = "urn:image-skill:spec"
#: How many validation errors are looked at to pick the one to report (the deepest of them).
ERRORS_CONSIDERED = 16


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((files("image_skill_api") / "spec.json").read_text(encoding="utf-8"))
    return loaded


@cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec()))
    return registry


def _ecma_pattern(
    validator: Draft202012Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """JSON Schema ``pattern`` with the spec's (ECMA-262) reading of the regex."""
    if validator.is_type(instance, "string") and not ecma.compile_pattern(pattern).search(instance):
        yield ValidationError(f"the value does not match {pattern!r}")


Keyword = Callable[[Draft202012Validator, Any, Any, dict[str, Any]], Iterator[ValidationError]]


def _within(bound: str, kind: str, keyword: Keyword) -> Keyword:
    """``keyword`` looked at only when the instance is within the schema's ``bound`` (``maxItems``,
    ``maxLength``, ``maxProperties``): over it, the bound's own error reports the instance, and a
    hostile body's 16,000 array items or megabyte of string cost nothing more to refuse."""

    def checked(
        validator: Draft202012Validator, value: Any, instance: Any, schema: dict[str, Any]
    ) -> Iterator[ValidationError]:
        if bound in schema and validator.is_type(instance, kind) and len(instance) > schema[bound]:
            return
        yield from keyword(validator, value, instance, schema)

    return checked


_BASE = Draft202012Validator.VALIDATORS
_BOUNDED = {
    **{
        name: _within("maxItems", "array", _BASE[name])
        for name in ("items", "prefixItems", "contains", "uniqueItems")
    },
    **{
        name: _within("maxProperties", "object", _BASE[name])
        for name in ("properties", "additionalProperties", "patternProperties", "propertyNames")
    },
    "pattern": _within("maxLength", "string", _ecma_pattern),
}

#: Draft 2020-12 with ECMA-262 ``pattern`` semantics, and per-element keywords skipped past a bound.
EcmaValidator: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, _BOUNDED
)


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    rooted = _rebase(schema)
    return EcmaValidator(rooted, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def limits() -> dict[str, int]:
    """The spec's ``x-image-skill-limits`` (body size and JSON depth)."""
    found: dict[str, int] = spec()["x-image-skill-limits"]
    return found


def _rebase(node: Any) -> Any:
    """Point local ``#/...`` refs at the spec resource so a fragment of it validates on its own."""
    if isinstance(node, dict):
        return {
            k: (SPEC_URI + v if k == "$ref" and v.startswith("#") else _rebase(v)) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operation_object(op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = spec()["paths"][op.path][op.method.lower()]
    return found


class RequestInvalid(Exception):
    """The request does not match the spec; ``message`` names the field."""


@dataclass(frozen=True)
class Param:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    validator: Draft202012Validator


@dataclass(frozen=True)
class OperationSchemas:
    params: tuple[Param, ...]
    body: Draft202012Validator | None
    body_required: bool
    responses: dict[str, Draft202012Validator]
    #: The largest request body accepted (``x-image-skill-max-body-bytes``, else the spec default).
    max_body_bytes: int
    #: The body property lifted out before parsing (``contentEncoding: base64``) and its maxLength.
    lift: tuple[str, int] | None = None


@cache
def schemas_for(operation_id: str) -> OperationSchemas:
    op = OPERATIONS[operation_id]
    obj = _operation_object(op)
    params = []
    for raw in obj.get("parameters", []):
        p = _deref(raw)
        params.append(
            Param(p["name"], p["in"], bool(p.get("required")), _deref(p["schema"]), _validator(p["schema"]))
        )
    body = None
    body_required = False
    lift = None
    if "requestBody" in obj:
        request_body = _deref(obj["requestBody"])
        body_required = bool(request_body.get("required"))
        body = _validator(request_body["content"]["application/json"]["schema"])
        lift = _liftable(_deref(request_body["content"]["application/json"]["schema"]))
    responses = {}
    for status, raw in obj["responses"].items():
        content = _deref(raw).get("content", {}).get("application/json")
        if content:
            responses[status] = _validator(content["schema"])
    max_body = int(obj.get("x-image-skill-max-body-bytes", limits()["max_json_body_bytes"]))
    return OperationSchemas(tuple(params), body, body_required, responses, max_body, lift)


#: What a liftable property's schema may say: nothing a placeholder would pass in its stead but maxLength.
_LIFTABLE_KEYWORDS = {"type", "description", "maxLength", "contentEncoding"}


def _liftable(schema: dict[str, Any]) -> tuple[str, int] | None:
    """The body's base64 string property (``http.lifted``) and its maxLength, when it has one."""
    for name, prop in schema.get("properties", {}).items():
        if (
            prop.get("contentEncoding") == "base64"
            and set(prop) <= _LIFTABLE_KEYWORDS
            and "maxLength" in prop
        ):
            return str(name), int(prop["maxLength"])
    return None


def _describe(error: ValidationError, where: str) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    field = f"{where}.{path}" if path else where
    if error.validator == "required":
        return f"{field}: {error.message.split(' is ')[0]} is required"
    if error.validator == "additionalProperties":
        return f"{field}: unknown property"
    if error.validator in ("oneOf", "anyOf"):
        return f"{field} does not match any allowed shape"
    return f"{field} is invalid ({error.validator} {json.dumps(error.validator_value)[:80]})"


def _first_error(validator: Draft202012Validator, value: Any) -> ValidationError | None:
    """The deepest of the first ``ERRORS_CONSIDERED`` errors (never a walk over every error)."""
    best: ValidationError | None = None
    for error in islice(validator.iter_errors(value), ERRORS_CONSIDERED):
        if best is None or len(error.absolute_path) > len(best.absolute_path):
            best = error
    return best


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw)
            return number if math.isfinite(number) else raw
    except ValueError:
        return raw
    return raw


# A JSON string, terminated or not, matched possessively: linear time on any input.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit`` (strings are skipped)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if brackets.count("[") + brackets.count("{") <= limit:
        return False
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def parse_json(raw: bytes | bytearray) -> Any:
    """Strictly parsed JSON; ``RequestInvalid`` for anything that is not plain, finite, UTF-8 JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestInvalid("the request body is not UTF-8") from None
    depth = limits()["max_json_depth"]
    if nesting_exceeds(text, depth):
        raise RequestInvalid(f"the request body nests JSON deeper than {depth} levels")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise RequestInvalid(f"the request body nests JSON deeper than {depth} levels") from None
    except json.JSONDecodeError as exc:  # its message names a position, never the content
        raise RequestInvalid(f"the request body is not valid JSON ({exc.msg} at char {exc.pos})") from None
    except ValueError as exc:  # NaN/Infinity, a number out of range, an integer too long to convert
        raise RequestInvalid(f"the request body is not valid JSON ({str(exc)[:60]})") from None
    if "\\u" in text and _SURROGATE.search(json.dumps(value, ensure_ascii=False)):
        raise RequestInvalid("the request body has a string with a lone surrogate (not encodable as UTF-8)")
    return value


def refuse_unknown_query(operation_id: str, query: Mapping[str, str]) -> None:
    """``RequestInvalid`` for a query parameter the operation does not declare (a filter the server
    does not know is never ignored silently)."""
    declared = {param.name for param in schemas_for(operation_id).params if param.location == "query"}
    unknown = sorted(set(query) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RequestInvalid(f"query parameter {unknown[0][:40]!r} is not known here (known: {known})")


def validate_params(
    operation_id: str, path: dict[str, str], query: dict[str, str], headers: dict[str, str]
) -> dict[str, Any]:
    """Validated and coerced query parameters. A query parameter the operation does not declare is
    refused (a filter the server does not know is never ignored silently)."""
    coerced: dict[str, Any] = {}
    sources = {"path": path, "query": query, "header": headers}
    refuse_unknown_query(operation_id, query)
    for param in schemas_for(operation_id).params:
        source = sources.get(param.location, {})
        if param.name not in source:
            if param.required:
                raise RequestInvalid(f"{param.location} parameter {param.name!r} is required")
            continue
        value = _coerce(source[param.name], param.schema)
        error = _first_error(param.validator, value)
        if error is not None:
            raise RequestInvalid(f"{param.location} parameter {param.name!r} is invalid ({error.validator})")
        if param.location == "query":
            coerced[param.name] = value
    return coerced


def validate_body(operation_id: str, raw: bytes | bytearray, content_type: str) -> dict[str, Any] | None:
    """The body parsed and checked; a property ``http.lifted`` lifts out is a ``lifted.Base64Text``."""
    schemas = schemas_for(operation_id)
    if schemas.body is None:
        return None
    if not raw:  # no body; one of only whitespace is malformed JSON, as any other (schemathesis ST201)
        if schemas.body_required:
            raise RequestInvalid("a JSON request body is required")
        return None
    if content_type.split(";", maxsplit=1)[0].strip().lower() not in ("application/json", ""):
        raise RequestInvalid("the request body must be application/json")
    name, max_length = schemas.lift or ("", 0)
    found = lifted.lift(raw, name) if name and isinstance(raw, bytearray) else None
    body = parse_json(found[0] if found else raw)
    if found and (not isinstance(body, dict) or body.get(name) != found[2]):
        found, body = None, parse_json(raw)  # what was found was not that property's value
    error = _first_error(schemas.body, body)
    if error is not None:
        raise RequestInvalid(_describe(error, "body"))
    if not isinstance(body, dict):
        raise RequestInvalid("the request body must be a JSON object")
    if found:
        if len(found[1]) > max_length:
            raise RequestInvalid(f"body.{name} is invalid (maxLength {max_length})")
        body[name] = found[1]
    return body


def response_problem(operation_id: str | None, status: int, envelope: Any) -> str | None:
    """Why a response breaks the spec (strict mode), or None when it conforms."""
    if operation_id is None:
        return None
    responses = schemas_for(operation_id).responses
    validator = responses.get(str(status)) or responses.get("default")
    if validator is None:
        return f"status {status} is not documented"
    error = _first_error(validator, envelope)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "/"
    return f"response does not match the spec at {where}: {error.message[:200]}"


def validate_against(schema_name: str, value: Any) -> str | None:
    """Check a value against a named component schema (model parameters, catalog rows)."""
    error = _first_error(_validator({"$ref": f"#/components/schemas/{schema_name}"}), value)
    return None if error is None else error.message[:200]


def check_instance(schema: dict[str, Any], value: Any) -> ValidationError | None:
    """First error of ``value`` against a standalone JSON Schema (a model's parameter schema)."""
    return _first_error(EcmaValidator(schema), value)
