"""``envelope.py``: the envelope builder and the trace-id minter."""

from __future__ import annotations

import ast
import re
from typing import Any

from .common import SpecError
from .templates import render


def trace_id_bytes(spec: dict[str, Any]) -> int:
    """Random bytes in a trace id, read off the TraceId pattern: ``^<x-id-prefix>[0-9a-f]{N}$``, N even."""
    schema = spec["components"]["schemas"]["TraceId"]
    match = re.fullmatch(r"\^(.*)\[0-9a-f\]\{(\d+)\}\$", schema["pattern"])
    if match is None or match[1] != re.escape(schema["x-id-prefix"]) or int(match[2]) % 2:
        raise SpecError(
            f"TraceId: pattern {schema['pattern']!r} is not its x-id-prefix and an even number of hex digits"
        )
    return int(match[2]) // 2


def render_envelope(spec: dict[str, Any]) -> str:
    schemas = spec["components"]["schemas"]
    keys = tuple(schemas["Envelope"]["required"])
    if set(keys) != set(schemas["Envelope"]["properties"]):
        raise SpecError("Envelope: every property must be required (all keys are always present)")
    text = render(
        "envelope.py.jinja",
        envelope_keys=keys,
        trace_id_bytes=trace_id_bytes(spec),
        trace_id_pattern=schemas["TraceId"]["pattern"],
        trace_id_prefix=schemas["TraceId"]["x-id-prefix"],
    )
    builder = next(
        node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name == "envelope"
    )
    params = {arg.arg for arg in builder.args.kwonlyargs}
    if params != set(keys):
        raise SpecError(
            f"Envelope keys {sorted(keys)} differ from the parameters of envelope() {sorted(params)}:"
            " update tools/templates/envelope.py.jinja"
        )
    return text
