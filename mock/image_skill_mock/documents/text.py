"""``/llms.txt`` and ``/cli.md``: the contract as plain text, made from the spec at start-up.

Both read only the spec and the contract notes it keeps (its description, the credit policy, the
limits, the exit-code, error-code and activity registries). ``llms_txt`` is the one function that
makes ``/llms.txt``: a richer generator (from the CLI's command manifest) can replace it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) of every operation, in the spec's order."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def first_line(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


def _registries(spec: dict[str, Any]) -> list[str]:
    lines = ["## Exit codes", ""]
    lines += [f"- {row['code']} {row['name']}: {row['meaning']}" for row in spec["x-image-skill-exit-codes"]]
    lines += ["", "## Error codes", ""]
    registry = spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]
    for code, row in registry.items():
        status = row["http_status"] if row["http_status"] is not None else "CLI only"
        retry = "retryable" if row["retryable"] else "not retryable"
        lines.append(
            f"- `{code}` (exit {row['exit_code']}, HTTP {status}, {retry}): {first_line(row['description'])}"
        )
    lines += ["", "## Activity events", ""]
    events = spec["components"]["schemas"]["ActivityEventType"]["x-image-skill-activity-events"]
    lines += [f"- `{name}`: {first_line(row['emitted_when'])}" for name, row in events.items()]
    return lines


def llms_txt(spec: dict[str, Any]) -> str:
    """The llms.txt of the API: what it is, every operation with its CLI command, the registries."""
    info = spec["info"]
    lines = [f"# {info['title']}", "", f"> {info['summary']}", "", info["description"].strip(), ""]
    lines += [
        "Documents: /openapi.json (the OpenAPI 3.1 spec), /cli.md (the commands), /docs (HTML).",
        "",
        "## Operations",
        "",
    ]
    for method, path, op in operations(spec):
        lines.append(
            f"- `{method} {path}` ({op['operationId']}, `{op['x-image-skill-command']}`): {op['summary']}."
            f" {first_line(op['description'])}"
        )
    lines += ["", "## Credits and limits", ""]
    lines += [f"- {key}: {value}" for key, value in spec["x-image-skill-credit-policy"].items()]
    lines += [f"- {key}: {value}" for key, value in spec["x-image-skill-limits"].items()]
    lines += ["", *_registries(spec)]
    return "\n".join(lines) + "\n"


def _schema_name(node: dict[str, Any] | None) -> str | None:
    ref = (node or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def cli_md(spec: dict[str, Any]) -> str:
    """cli.md: one section per command (by tag), each with its operation, request and description."""
    lines = [f"# Commands of the {spec['info']['title']} ({spec['info']['version']})", ""]
    lines += [
        "Every command prints one JSON envelope (`ok`, `command`, `trace_id`, `actor`, `data`,"
        " `warnings`, `error`) on stdout and exits with the code the error registry gives.",
        "",
    ]
    for tag in spec["tags"]:
        lines += [f"## {tag['name']}", "", tag["description"], ""]
        for method, path, op in operations(spec):
            if tag["name"] not in op.get("tags", []):
                continue
            lines += [
                f"### `{op['x-image-skill-command']}`",
                "",
                f"`{method} {path}` ({op['operationId']}): {op['summary']}.",
                "",
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if _schema_name(body):
                lines += [f"Request body: `{_schema_name(body)}`.", ""]
            params = [p for p in op.get("parameters", []) if "$ref" not in p]
            if params:
                named = ", ".join(f"`{param['name']}` ({param['in']})" for param in params)
                lines += [f"Parameters: {named}.", ""]
            lines += [op["description"].strip(), ""]
    return "\n".join(lines + _registries(spec)) + "\n"
