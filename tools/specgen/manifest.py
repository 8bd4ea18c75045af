"""``manifest.py``: the public command manifest (``image-skill.public-command-manifest.v1``).

The shape of the 0.1.70 ``commands.json`` (``commands``, ``modality_aliases``, ``help_entries``,
the URLs) and more: every command's flags with their types, requirement, repetition, environment
variable, default and description, its effects, its example, the global flags, the environment
variables and the exit codes. ``image-skill help --json`` answers it whole; ``image-skill <command>
--help --json`` answers one of its ``commands`` rows.
"""

from __future__ import annotations

from typing import Any

from .commands import collect_commands, global_flags
from .templates import render
from .usages import usage_lines

SCHEMA = "image-skill.public-command-manifest.v1"
GENERATE = "image.generate"


def docs_anchor(label: str) -> str:
    """The cli.md heading of a command: its first word (and any ``--flag`` of its label)."""
    words = label.split()
    return "-".join(w.strip("-") for w in [*words[:2], *[w for w in words[2:] if w.startswith("--")]])


def _flag_row(flag: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in flag.items() if key != "short"}


def optional_flags(command: dict[str, Any]) -> list[str]:
    """The flags a command takes without needing them: its own (neither required nor fixed) and the
    global flags that change what it does (``--api-base-url`` when it talks to the API,
    ``--token-stdin`` when it needs a token)."""
    needed = {name for item in command["required"] for name in item.split(" or ")}
    own = [f["name"] for f in command["flags"] if f["name"] not in needed | set(command["fixed_flags"])]
    effects = command["effects"]
    return own + ["--api-base-url"] * effects["network"] + ["--token-stdin"] * effects["auth"]


def command_row(command: dict[str, Any], docs_url: str) -> dict[str, Any]:
    anchor = docs_anchor(command["label"])
    pattern = command["usage"]
    return {
        "id": command["key"],
        "command": command["label"],
        "summary": command["summary"],
        "available": True,
        "group": command["group"],
        "surface": command["surface"],
        "docs_anchor": anchor,
        "docs_url": f"{docs_url}#{anchor}",
        "mutation": command["effects"]["mutation"],
        "spend": command["effects"]["spend"],
        "effects": command["effects"],
        "usage": " ".join(line.strip() for line in usage_lines(pattern)) if pattern else None,
        "example": command["example"],
        "description": command["about"] or command["summary"],
        "arguments": command["arguments"],
        "flags": [_flag_row(flag) for flag in command["flags"]],
        "required_flags": command["required"],
        "optional_flags": optional_flags(command),
        "fixed_flags": command["fixed_flags"],
        "alias_of": command["alias_of"],
        "mcp_tool": command["mcp"],
        "help_command": f"image-skill {command['key']} --help --json",
    }


def _help_entries(rows: list[dict[str, Any]], cli: dict[str, Any]) -> list[dict[str, Any]]:
    """``help_entries`` as 0.1.70 keys them: ``""`` (the list), each word, each subcommand."""
    words: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not row["fixed_flags"]:
            words.setdefault(row["id"].split()[0], []).append(row)
    aliases = [f"{a['alias']} {a['command']}" for a in cli["modality_aliases"]]
    entries: list[dict[str, Any]] = [{"key": "", "help": _list_entry(rows, words, aliases, cli)}]
    for word, group in words.items():
        subs = [" ".join(row["id"].split()[1:]) for row in group]
        if len(group) == 1 and not subs[0]:
            entries.append({"key": word, "help": _entry(group[0], word)})
            continue
        entries.append({"key": word, "help": {**_entry(group[0], word, whole=False), "subcommands": subs}})
        entries.extend({"key": row["id"], "help": _entry(row, row["id"])} for row in group)
    return entries


def _entry(row: dict[str, Any], key: str, *, whole: bool = True) -> dict[str, Any]:
    entry = {
        "command": f"image-skill {key} help",
        "usage": row["example"],
        "docs_url": row["docs_url"],
    }
    if whole:
        entry |= {
            "description": row["description"],
            "required_flags": row["required_flags"],
            "optional_flags": row["optional_flags"],
        }
    return entry


def _list_entry(
    rows: list[dict[str, Any]],
    words: dict[str, list[dict[str, Any]]],
    aliases: list[str],
    cli: dict[str, Any],
) -> dict[str, Any]:
    return {
        "command": "help",
        "usage": f"image-skill <{'|'.join(words)}> --json",
        "docs_url": cli["docs_url"],
        "agent_skill": {
            "url": cli["skill_url"],
            "llms_url": cli["llms_url"],
            "cli_docs_url": cli["docs_url"],
            "read_command": f"curl -fsSL {cli['skill_url']}",
            "recommended_start_command": "image-skill create --guide --prompt PROMPT --json",
            "model_discovery_command": f"image-skill models list --available --operation {GENERATE} --json",
            "model_inspection_command": "image-skill models show MODEL_ID --json",
            "no_spend": True,
            "purpose": "Read the agent skill before paid media work: the guide-first loop, model discovery, "
            "quota, exit codes and recovery.",
        },
        "commands": [row["id"] for row in rows] + aliases,
    }


def build_manifest(spec: dict[str, Any]) -> dict[str, Any]:
    cli = spec["x-image-skill-cli"]
    commands = collect_commands(spec)
    rows = [command_row(command, cli["docs_url"]) for command in commands]
    return {
        "schema": SCHEMA,
        "command_prefix": cli["program"],
        "product_frame": cli["product_frame"],
        "skill_url": cli["skill_url"],
        "docs_url": cli["docs_url"],
        "llms_url": cli["llms_url"],
        "commands": rows,
        "modality_aliases": cli["modality_aliases"],
        "help_entries": _help_entries(rows, cli),
        "groups": cli["groups"],
        "global_flags": [_flag_row(flag) | {"short": flag.get("short")} for flag in global_flags(spec)],
        "environment": cli["environment"],
        "exit_codes": spec["x-image-skill-exit-codes"],
        "first_step": cli["first_step"],
    }


def render_manifest(spec: dict[str, Any]) -> str:
    return render("manifest.py.jinja", manifest=build_manifest(spec))
