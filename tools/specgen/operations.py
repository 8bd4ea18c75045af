"""``operations.py``: one request function per operationId, plus the operation table."""

from __future__ import annotations

from typing import Any

from .common import HTTP_METHODS
from .templates import render

PY_TYPES = {"boolean": "bool", "integer": "int", "number": "float", "string": "str"}
#: Methods whose requests may be sent twice with the effect of once (RFC 9110 §9.2.2): a client may
#: retry them after any failure. A POST is not; one whose body schema has an ``idempotency_key``
#: property is ``keyed`` instead (sent again with the same key, it has the effect of once).
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
IDEMPOTENCY_KEY = "idempotency_key"


def auth_facts(security: list[dict[str, Any]]) -> dict[str, bool]:
    """``auth``: the operation takes a token (some requirement names a scheme); ``auth_optional``: it
    also runs without one (its ``security`` lists the empty requirement ``{}`` too)."""
    auth = any(requirement for requirement in security)
    return {"auth": auth, "auth_optional": auth and any(not requirement for requirement in security)}


def collect_operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    shared_params = spec["components"]["parameters"]
    ops = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [
                shared_params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                for p in op.get("parameters", [])
            ]
            body_ref = None
            if "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                body_ref = schema.get("$ref", "").rsplit("/", 1)[-1] or None
            ops.append(
                {
                    "operation_id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "command": op["x-image-skill-command"],
                    **auth_facts(op.get("security", spec.get("security")) or []),
                    "idempotent": method.upper() in IDEMPOTENT_METHODS,
                    "keyed": body_ref is not None
                    and IDEMPOTENCY_KEY in spec["components"]["schemas"][body_ref].get("properties", {}),
                    "path_params": tuple(p["name"] for p in params if p["in"] == "path"),
                    "query_params": tuple(p["name"] for p in params if p["in"] == "query"),
                    "query_types": {
                        p["name"]: PY_TYPES.get(p.get("schema", {}).get("type", "string"), "str")
                        for p in params
                        if p["in"] == "query"
                    },
                    "body": body_ref,
                    "summary": op.get("summary", ""),
                    "success_status": int(next(s for s in op["responses"] if str(s).startswith("2"))),
                }
            )
    return ops


def render_operations(spec: dict[str, Any]) -> str:
    ops = collect_operations(spec)
    body_types = sorted({op["body"] for op in ops if op["body"]})
    return render("operations.py.jinja", operations=ops, body_types=body_types)
