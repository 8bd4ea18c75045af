"""``constants.py`` and ``registry.py``: the wire constants, the request bounds and the registries."""

from __future__ import annotations

import re
from typing import Any

from .checks import status_exit_codes
from .common import SpecError, constant, snake
from .operations import collect_operations
from .templates import render


def wire_constants(spec: dict[str, Any]) -> dict[str, Any]:
    """Plain wire constants, importable without ``typing`` or ``enum`` (the CLI's fast paths use them)."""
    schemas = spec["components"]["schemas"]
    policy = spec["x-image-skill-credit-policy"]
    telemetry = spec["x-image-skill-telemetry"]["headers"]
    (activity_limit,) = [
        p["schema"] for p in spec["paths"]["/v1/activity"]["get"]["parameters"] if p.get("name") == "limit"
    ]
    return {
        "API_VERSION": spec["info"]["version"],
        "DEFAULT_API_BASE_URL": spec["servers"][0]["url"],
        "EXIT_CODE_HEADER": next(iter(spec["components"]["responses"]["Error"]["headers"])),
        "TRACE_ID_HEADER": spec["components"]["parameters"]["TraceIdHeader"]["name"],
        "TRACE_ID_PREFIX": schemas["TraceId"]["x-id-prefix"],
        "CREDIT_UNIT_USD": policy["credit_unit_usd"],
        "CREDIT_MARGIN": policy["margin"],
        "TOKEN_PREFIX": policy["token_prefix"],
        "OWNED_MEDIA_BASE_URL": policy["owned_media_base_url"],
        "MOCK_MEDIA_PATH": policy["mock_media_path"],
        "MOCK_CHECKOUT_PATH": policy["mock_checkout_path"],
        "TELEMETRY_CLIENT_HEADER": telemetry["client"]["name"],
        "TELEMETRY_CLIENT_PATTERN": telemetry["client"]["pattern"],
        "TELEMETRY_COMMAND_HEADER": telemetry["command"]["name"],
        "TELEMETRY_COMMAND_PATTERN": telemetry["command"]["pattern"],
        "TELEMETRY_ELAPSED_HEADER": telemetry["elapsed_ms"]["name"],
        "TELEMETRY_ELAPSED_PATTERN": telemetry["elapsed_ms"]["pattern"],
        "TELEMETRY_OPT_OUT": tuple(spec["x-image-skill-telemetry"]["opt_out"].items()),
        "TELEMETRY_COMMANDS": telemetry_commands(spec),
        "SECRET_SHAPES": tuple((row["name"], row["pattern"]) for row in spec["x-image-skill-secret-shapes"]),
        **{f"ACTIVITY_LIMIT_{key.upper()}": activity_limit[key] for key in ("default", "minimum", "maximum")},
        "PROVIDER_NATIVE_KEYS": provider_native_keys(spec),
        **{f"LIMIT_{constant(key)}": value for key, value in spec["x-image-skill-limits"].items()},
        "ENVELOPE_KEYS": tuple(schemas["Envelope"]["required"]),
        **{
            f"MOCK_CONTROL_{constant(key)}": value
            for key, value in spec["x-image-skill-mock-control"].items()
        },
        "MOCK_STATE_FORMAT": schemas["MockStateDocument"]["properties"]["format"]["const"],
        "MOCK_STATE_VERSION": schemas["MockStateDocument"]["properties"]["version"]["const"],
    }


def telemetry_commands(spec: dict[str, Any]) -> tuple[str, ...]:
    """Every command label the service records: the operations' ``x-image-skill-command`` (in spec
    order, each once) and then ``x-image-skill-telemetry.commands``, each of those checked against the
    header's pattern (a label the pattern refuses could never be recorded)."""
    pattern = spec["x-image-skill-telemetry"]["headers"]["command"]["pattern"]
    extra = spec["x-image-skill-telemetry"].get("commands", [])
    for label in extra:
        if not isinstance(label, str) or not re.fullmatch(pattern, label):
            raise SpecError(f"x-image-skill-telemetry: the command label {label!r} breaks its pattern")
    return tuple(dict.fromkeys([*(op["command"] for op in collect_operations(spec)), *extra]))


def provider_native_keys(spec: dict[str, Any]) -> tuple[tuple[str, dict[str, str]], ...]:
    """``x-image-skill-provider-native-keys`` as ``(key, {command: flag})`` rows, checked: a key is a
    plain key or a ``*suffix`` pattern (what ``native_keys.native_flag`` reads)."""
    rows = tuple(spec["x-image-skill-provider-native-keys"].items())
    for key, flags in rows:
        if "*" in key.lstrip("*") or key.count("*") > 1 or key == "*":
            raise SpecError(f"x-image-skill-provider-native-keys: {key!r} is neither a key nor a `*suffix`")
        if not flags or not all(isinstance(flag, str) and flag.startswith("--") for flag in flags.values()):
            raise SpecError(f"x-image-skill-provider-native-keys: {key!r} needs flags (`--name`) by command")
    return rows


#: The JSON Schema keywords that bound a request field, as the suffix of their constant's name.
BOUND_KEYWORDS = {
    "minLength": "MIN_LENGTH",
    "maxLength": "MAX_LENGTH",
    "minimum": "MINIMUM",
    "exclusiveMinimum": "EXCLUSIVE_MINIMUM",
    "maximum": "MAXIMUM",
    "exclusiveMaximum": "EXCLUSIVE_MAXIMUM",
    "minItems": "MIN_ITEMS",
    "maxItems": "MAX_ITEMS",
}


#: Schemas of request-body items (not ``*Request`` themselves) whose bounds the CLI checks.
REQUEST_ITEMS = ("Reference",)


def request_bounds(spec: dict[str, Any]) -> dict[str, int | float]:
    """``<SCHEMA>_<FIELD>_<KEYWORD>`` -> bound, for every bounded field of every ``*Request`` schema
    and of the request items the CLI builds itself (``REQUEST_ITEMS``)."""
    bounds: dict[str, int | float] = {}
    for name, schema in spec["components"]["schemas"].items():
        if not (name.endswith("Request") or name in REQUEST_ITEMS):
            continue
        for field, field_schema in schema.get("properties", {}).items():
            for bound, suffix in BOUND_KEYWORDS.items():
                if bound in field_schema:
                    bounds[f"{snake(name).upper()}_{constant(field)}_{suffix}"] = field_schema[bound]
    return bounds


def render_constants(spec: dict[str, Any]) -> str:
    errors = spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]
    return render(
        "constants.py.jinja",
        constants=wire_constants(spec),
        operation_commands={
            op["operation_id"]: op["command"]
            for op in collect_operations(spec)
            if not op["path"].startswith(spec["x-image-skill-mock-control"]["path_prefix"])
        },
        errors={code: {**row, "recovery": row.get("recovery") or {}} for code, row in errors.items()},
        request_bounds=request_bounds(spec),
    )


def render_registry(spec: dict[str, Any]) -> str:
    schemas = spec["components"]["schemas"]
    enums = {
        name: s.get("enum") or s["items"]["enum"]
        for name, s in schemas.items()
        if ("enum" in s or "enum" in s.get("items", {}))
        and name not in ("ErrorCode", "ActivityEventType", "JobStatus")
    }
    id_schemas = {name: s for name, s in schemas.items() if "pattern" in s and s.get("type") == "string"}
    return render(
        "registry.py.jinja",
        constant_names=list(wire_constants(spec)),
        exit_codes=spec["x-image-skill-exit-codes"],
        status_exits=status_exit_codes(spec),
        exit_names={row["code"]: row["name"] for row in spec["x-image-skill-exit-codes"]},
        errors=schemas["ErrorCode"]["x-image-skill-error-codes"],
        events=schemas["ActivityEventType"]["x-image-skill-activity-events"],
        job_statuses=schemas["JobStatus"]["enum"],
        terminal_job_statuses=schemas["JobStatus"]["x-terminal"],
        id_patterns={name: s["pattern"] for name, s in id_schemas.items()},
        id_prefixes={name: s["x-id-prefix"] for name, s in id_schemas.items() if "x-id-prefix" in s},
        enums=enums,
        # A scalar enum is a Literal alias in models.py: its values are typed as that alias.
        typed_enums={name: f"{snake(name).upper()}_VALUES" for name in enums if "enum" in schemas[name]},
    )
