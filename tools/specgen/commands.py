"""The command line of the spec (``x-image-skill-cli``, ``x-image-skill-commands``), read and checked.

``collect_commands`` resolves every command: its label (the operation's ``x-image-skill-command``,
else ``image-skill <key>``), its flags (the shared definitions of ``x-image-skill-cli.flags`` under
its own), their enumerations (from the schemas they name), what it requires and its effects. Every
other output of the command line (the usage texts, the manifest, completion, the skill file) is
made from what this returns.
"""

from __future__ import annotations

import re
from typing import Any

from .common import HTTP_METHODS, SHELL_WORD, SpecError

EFFECTS = ("network", "auth", "spend", "mutation", "media_write", "payment_object")
FLAG_TYPES = ("boolean", "string", "integer", "number")
FLAG_KEYS = {"type", "value", "schema", "repeatable", "env", "default", "description", "short", "mcp"}
COMMAND_KEYS = {
    "operation", "alias_of", "fixed_flags", "group", "surface", "summary", "usage", "about", "required",
    "flags", "arguments", "effects", "example", "mcp",
}  # fmt: skip
#: A flag, an argument placeholder (``<name>``) or a command word in a usage pattern.
PATTERN_FLAG = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)(=[A-Z_]+)?")
PATTERN_ARGUMENT = re.compile(r"<([a-z_]+)>")


def _operations(spec: dict[str, Any]) -> dict[str, str]:
    """operationId -> its ``x-image-skill-command`` label."""
    return {
        op["operationId"]: op["x-image-skill-command"]
        for item in spec["paths"].values()
        for method in HTTP_METHODS
        if (op := item.get(method)) is not None
    }


def _enum(spec: dict[str, Any], name: str | None, where: str) -> list[str] | None:
    if name is None:
        return None
    schema = spec["components"]["schemas"].get(name)
    if schema is None or "enum" not in schema:
        raise SpecError(f"{where}: schema {name!r} is not an enumeration of the spec")
    return [str(value) for value in schema["enum"]]


def _no_option_lines(text: str, where: str) -> None:
    """docopt reads a line that starts with ``-`` as an option: prose never may."""
    if any(line.lstrip().startswith("-") for line in text.splitlines()):
        raise SpecError(f"{where}: a line of its text starts with '-', which docopt reads as an option")


def resolve_flag(spec: dict[str, Any], name: str, own: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """One flag of a command: the shared definition under the command's own, checked and completed."""
    shared = spec["x-image-skill-cli"]["flags"].get(name, {})
    merged = {**shared, **(own or {})}
    unknown = set(merged) - FLAG_KEYS
    if unknown or merged.get("type") not in FLAG_TYPES or not merged.get("description"):
        raise SpecError(f"{where} {name}: needs a type of {FLAG_TYPES} and a description, no {unknown or ''}")
    if not SHELL_WORD.match(name) or not name.startswith("--"):
        raise SpecError(f"{where}: {name!r} is not a long flag")
    takes_value = merged["type"] != "boolean"
    if takes_value != bool(merged.get("value")):
        raise SpecError(f"{where} {name}: a flag has a `value` name exactly when it is not boolean")
    _no_option_lines(merged["description"], f"{where} {name}")
    enum = _enum(spec, merged.get("schema"), f"{where} {name}")
    default = merged.get("default")
    return {
        "name": name,
        "type": merged["type"],
        "value": merged.get("value"),
        "takes_value": takes_value,
        "required": False,
        "repeatable": bool(merged.get("repeatable", False)),
        "env": merged.get("env"),
        "default": None if default is None else str(default),
        "enum": enum,
        "description": " ".join(merged["description"].split()),
        "mcp": bool(merged.get("mcp", True)),
        **({"short": merged["short"]} if "short" in merged else {}),
    }


def _pattern_flags(pattern: str, where: str) -> list[tuple[str, bool]]:
    found: dict[str, bool] = {}
    for name, value in PATTERN_FLAG.findall(pattern):
        if found.get(name, bool(value)) != bool(value):
            raise SpecError(f"{where}: {name} is written with and without a value")
        found[name] = bool(value)
    return list(found.items())


def _required(entry: dict[str, Any], flags: dict[str, dict[str, Any]], where: str) -> list[str]:
    required = list(entry.get("required", []))
    for item in required:
        for name in item.split(" or "):
            if name not in flags:
                raise SpecError(f"{where}: required {name} is not one of its flags")
            if " or " not in item:
                flags[name]["required"] = True
            else:
                flags[name]["required_one_of"] = item.split(" or ")
    return required


def _flags(spec: dict[str, Any], key: str, entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    where = f"x-image-skill-commands[{key}]"
    own = entry.get("flags") or {}
    flags = {name: resolve_flag(spec, name, own[name], where) for name in own}
    if "usage" in entry:
        named = _pattern_flags(entry["usage"], where)
        if [name for name, _ in named] != list(flags) and {name for name, _ in named} != set(flags):
            raise SpecError(f"{where}: its usage names {[n for n, _ in named]}, its flags {list(flags)}")
        for name, valued in named:
            repeat = f"[{name}={flags[name]['value']}]..." in entry["usage"] if valued else False
            if valued != flags[name]["takes_value"] or repeat != flags[name]["repeatable"]:
                raise SpecError(f"{where}: {name} in its usage disagrees with its flag (value, repeatable)")
    return flags


def _command(spec: dict[str, Any], key: str, entry: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    where = f"x-image-skill-commands[{key}]"
    unknown = set(entry) - COMMAND_KEYS
    effects = entry.get("effects", {})
    if unknown or set(effects) != set(EFFECTS) or not all(isinstance(v, bool) for v in effects.values()):
        raise SpecError(f"{where}: effects must be {EFFECTS} (booleans), and no keys {unknown or ''}")
    if ("usage" in entry) == ("fixed_flags" in entry):
        raise SpecError(
            f"{where}: a command has its own usage, or fixed_flags on the usage it is an alias of"
        )
    operation = entry.get("operation")
    if operation is not None and operation not in labels:
        raise SpecError(f"{where}: operation {operation} is not an operationId of the spec")
    label = labels[operation] if operation else f"image-skill {key}"
    if not label.startswith(f"image-skill {key}"):
        raise SpecError(f"{where}: its operation's label {label!r} is not `image-skill {key}`")
    flags = _flags(spec, key, entry)
    required = _required(entry, flags, where)
    words = key.split(" --", maxsplit=1)[0].split()
    arguments = [
        {"name": name, "description": entry.get("arguments", {}).get(name, "")}
        for name in PATTERN_ARGUMENT.findall(entry.get("usage", ""))
    ]
    if any(not argument["description"] for argument in arguments):
        raise SpecError(f"{where}: every <argument> of its usage needs a description under `arguments`")
    for text in (entry.get("about") or "", entry["summary"]):
        _no_option_lines(text, where)
    example = entry["example"]
    if not example.startswith(f"image-skill {key}"):
        raise SpecError(f"{where}: its example must start with `image-skill {key}`")
    return {
        "key": key,
        "words": words,
        "label": label,
        "operation": operation,
        "alias_of": entry.get("alias_of"),
        "fixed_flags": list(entry.get("fixed_flags", [])),
        "group": entry["group"],
        "surface": entry.get("surface", "hosted_cli"),
        "summary": entry["summary"],
        "about": " ".join((entry.get("about") or "").split()),
        "usage": entry.get("usage"),
        "arguments": arguments,
        "flags": list(flags.values()),
        "required": required,
        "effects": dict(effects),
        "example": example,
        "mcp": bool(entry.get("mcp", True)),
    }


def collect_commands(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every command of the spec, resolved and checked, in the spec's order."""
    labels = _operations(spec)
    table = spec["x-image-skill-commands"]
    commands = [_command(spec, key, entry, labels) for key, entry in table.items()]
    by_key = {command["key"]: command for command in commands}
    groups = [group["id"] for group in spec["x-image-skill-cli"]["groups"]]
    for command in commands:
        target = command["alias_of"]
        if target is not None and (target not in by_key or by_key[target]["alias_of"]):
            raise SpecError(f"x-image-skill-commands[{command['key']}]: alias_of {target!r} is no command")
        if command["group"] not in groups:
            raise SpecError(f"x-image-skill-commands[{command['key']}]: group {command['group']!r} unknown")
        if command["fixed_flags"]:
            target_flags = {flag["name"] for flag in by_key[target]["flags"]}
            if not {flag["name"] for flag in command["flags"]} | set(command["fixed_flags"]) <= target_flags:
                raise SpecError(f"x-image-skill-commands[{command['key']}]: flags not all of {target}")
    program = spec["x-image-skill-cli"]["program"]
    ours = {op for op, label in labels.items() if label.split()[0] == program}  # (not `image-skill-mock`)
    missing = ours - {command["operation"] for command in commands}
    if missing:
        raise SpecError(f"operations no command of x-image-skill-commands runs: {sorted(missing)}")
    return commands


def global_flags(spec: dict[str, Any]) -> list[dict[str, Any]]:
    table = spec["x-image-skill-cli"]["global_flags"]
    return [resolve_flag(spec, name, row, "x-image-skill-cli.global_flags") for name, row in table.items()]
