"""The MCP tools of ``image-skill mcp``, made from the command manifest (no tool is written by hand).

One tool per command the manifest marks ``mcp_tool``: its name is the command's words joined by
``_`` (``jobs wait`` -> ``jobs_wait``, ``create --guide`` -> ``create_guide``), its input schema
holds the command's arguments and flags (those not marked ``mcp: false``; never a global flag, so
never a token), its description the command's summary, description and effects. A call becomes the
command line the CLI would run (``argv``); the answer is the CLI's envelope.

**No spend by default** (``listed``): a command whose effects include ``spend``, ``payment_object``
or ``media_write`` is a tool only when the server was started with ``--allow-spend``. A download
(``--output``) is written only under the server's ``--output-dir``: the argument is a relative
path, refused when it would leave that directory.

Plain data work (no MCP SDK): ``image_skill.commands.mcp`` serves these with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from image_skill_api.manifest import MANIFEST

#: Effects a tool may have only with --allow-spend.
SPENDING_EFFECTS = ("spend", "payment_object", "media_write")
JSON_TYPES = {"boolean": "boolean", "integer": "integer", "number": "number", "string": "string"}
OUTPUT_FLAG = "--output"


class ToolRefused(Exception):
    """A tool call that must not run: an unknown tool or argument, or a path outside --output-dir."""


def tool_name(row: dict[str, Any]) -> str:
    return "_".join(word.strip("-").replace("-", "_") for word in str(row["id"]).split())


def spends(row: dict[str, Any]) -> bool:
    return any(row["effects"][effect] for effect in SPENDING_EFFECTS)


def listed(*, allow_spend: bool) -> list[dict[str, Any]]:
    """The manifest rows served as tools, in the manifest's order."""
    rows: list[dict[str, Any]] = MANIFEST["commands"]
    return [row for row in rows if row["mcp_tool"] and (allow_spend or not spends(row))]


def _property(flag: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": JSON_TYPES[flag["type"]], "description": flag["description"]}
    if flag.get("enum"):
        schema["enum"] = flag["enum"]
    if flag["default"] is not None:
        schema["description"] += f" Default: {flag['default']}."
    if flag["name"] == OUTPUT_FLAG:
        schema["description"] = (
            "A file name or relative path under the server's --output-dir (default: there)."
        )
    return (
        {"type": "array", "items": schema, "description": schema["description"]}
        if flag["repeatable"]
        else schema
    )


def _flags(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [flag for flag in row["flags"] if flag["mcp"]]


def input_schema(row: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        arg["name"]: {"type": "string", "description": arg["description"]} for arg in row["arguments"]
    }
    properties |= {flag["name"][2:].replace("-", "_"): _property(flag) for flag in _flags(row)}
    required = [arg["name"] for arg in row["arguments"]]
    required += [flag["name"][2:].replace("-", "_") for flag in _flags(row) if flag["required"]]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def description(row: dict[str, Any]) -> str:
    said = [name.replace("_", " ") for name, value in row["effects"].items() if value]
    parts = [row["summary"], row["description"] if row["description"] != row["summary"] else ""]
    parts.append(f"Effects: {', '.join(said) or 'none'}.")
    parts.append(f"Same as `{row['example']}`; the result is its JSON envelope.")
    if row["required_flags"]:
        parts.append(f"Needs: {', '.join(row['required_flags'])}.")
    return " ".join(part for part in parts if part)


def _confined(value: str, output_dir: Path) -> str:
    """``value`` as a path under ``output_dir``, else ToolRefused."""
    if Path(value).is_absolute():
        raise ToolRefused("output must be a relative path under the server's --output-dir")
    root = output_dir.resolve()
    target = (root / value).resolve()
    if target != root and root not in target.parents:
        raise ToolRefused("output must stay under the server's --output-dir")
    return str(target)


def argv(row: dict[str, Any], arguments: dict[str, Any], output_dir: Path) -> list[str]:
    """The command line of a tool call (``--json`` and the command's fixed flags included)."""
    flags = {flag["name"][2:].replace("-", "_"): flag for flag in _flags(row)}
    known = {arg["name"] for arg in row["arguments"]} | set(flags)
    unknown = sorted(set(arguments) - known)
    if unknown:
        raise ToolRefused(f"unknown argument(s): {', '.join(unknown)}")
    line = [*str(row["id"]).split(" --")[0].split(), *row["fixed_flags"]]
    line += [str(arguments[arg["name"]]) for arg in row["arguments"] if arg["name"] in arguments]
    for key, flag in flags.items():
        value = arguments.get(key)
        if flag["name"] == OUTPUT_FLAG:
            value = _confined(str(value or "."), output_dir)
        if value is None or value is False:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            line += [flag["name"]] if flag["type"] == "boolean" else [flag["name"], str(item)]
    return [*line, "--json"]
