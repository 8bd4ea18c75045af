"""``completion.bash``, ``completion.zsh``, ``completion.fish``: shell completion from the manifest.

Each script completes the command words, a word's subcommands, its flags (the global ones too) and
the values of the flags that take one of an enumeration (``--intent``, ``--operation``,
``--provider``, ...); any other flag value completes as a file name. Words and values are plain
shell words (``sh`` checks), descriptions are quoted for the shell that reads them.
"""

from __future__ import annotations

from typing import Any

from .commands import collect_commands, global_flags
from .templates import TEXT_TEMPLATES

SHELLS = ("bash", "zsh", "fish")


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_spec(text: str) -> str:
    """Text inside a zsh ``_arguments``/``_describe`` spec: its brackets and colons escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def completion_model(spec: dict[str, Any]) -> dict[str, Any]:
    commands = collect_commands(spec)
    globals_ = global_flags(spec)
    words: dict[str, dict[str, Any]] = {}
    for command in commands:
        if command["fixed_flags"]:
            continue
        word = words.setdefault(
            command["words"][0], {"summary": command["summary"], "subs": {}, "flags": {}, "enums": {}}
        )
        if len(command["words"]) > 1:
            word["subs"].setdefault(command["words"][1], command["summary"])
        for flag in [*command["flags"], *globals_]:
            word["flags"].setdefault(flag["name"], flag)
            if flag.get("enum"):
                word["enums"][flag["name"]] = flag["enum"]
    for name, word in words.items():
        if len(word["subs"]) > 1:
            word["summary"] = f"{name} {'|'.join(word['subs'])}"
    value_flags = sorted({f["name"] for w in words.values() for f in w["flags"].values() if f["takes_value"]})
    aliases = sorted({row["alias"] for row in spec["x-image-skill-cli"]["modality_aliases"]})
    return {"words": words, "value_flags": value_flags, "aliases": aliases}


def render_completions(spec: dict[str, Any]) -> dict[str, str]:
    model = completion_model(spec)
    env = TEXT_TEMPLATES.overlay()
    env.filters.update(sq=_single_quoted, zsh=_zsh_spec)
    return {
        f"completion.{shell}": env.get_template(f"completion.{shell}.jinja").render(**model)
        for shell in SHELLS
    }
