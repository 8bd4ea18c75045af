"""Help as a person reads it on a terminal: the command list in groups, one command's usage with its
example and effects, the environment variables, the exit codes (gh's ``help environment`` and
``help exit-codes`` are the model).

Shown only when standard output is a terminal and ``--json`` was not given (``argv.wants_text``); piped,
help is the envelope. Headings are bold unless ``NO_COLOR`` is set (or the terminal is ``dumb``).
Everything is read from the generated manifest; plain string work, cheap to import.
"""

from __future__ import annotations

from image_skill_api.manifest import MANIFEST

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

TOPICS = ("environment", "exit-codes")


class Style:
    """Bold headings, unless NO_COLOR (any value) or TERM=dumb says no."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.colour = "NO_COLOR" not in env and env.get("TERM") != "dumb"

    def heading(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.colour else text


def _table(rows: list[tuple[str, str]], indent: str = "  ", width: int = 0) -> list[str]:
    width = max([width, *(len(left) for left, _ in rows)])
    return [f"{indent}{left.ljust(width)}  {right}".rstrip() for left, right in rows]


def command_list(style: Style) -> str:
    """``image-skill --help`` on a terminal."""
    lines = [
        MANIFEST["product_frame"],
        "",
        style.heading("USAGE"),
        "  image-skill <command> [<args>...] [options]",
    ]
    rows: list[dict[str, Any]] = MANIFEST["commands"]
    width = max(len(row["id"]) for row in rows)
    for group in MANIFEST["groups"]:
        lines += ["", style.heading(group["title"].upper())]
        listed = [(row["id"], row["summary"]) for row in rows if row["group"] == group["id"]]
        lines += _table(listed, width=width)
    aliases = ", ".join(f"{a['alias']} {a['command']}" for a in MANIFEST["modality_aliases"])
    lines += ["", style.heading("ALIASES"), f"  {aliases} (the same commands)"]
    lines += ["", style.heading("FIRST STEP"), f"  {MANIFEST['first_step']}"]
    lines += [
        "",
        style.heading("LEARN MORE"),
        "  image-skill help COMMAND        one command's usage, example and effects",
        "  image-skill help environment    the environment variables",
        "  image-skill help exit-codes     what each exit code means",
        "  image-skill help --json         this list as the command manifest (for agents)",
        f"  {MANIFEST['docs_url']}",
    ]
    return "\n".join(lines) + "\n"


def effects_line(effects: Mapping[str, bool]) -> str:
    said = [name.replace("_", " ") for name, value in effects.items() if value]
    return ", ".join(said) if said else "none (local only)"


def command_help(style: Style, usage: str, rows: list[dict[str, Any]]) -> str:
    """``image-skill <command> --help`` on a terminal: the usage text, then each command's facts."""
    lines = [usage.rstrip()]
    for row in rows:
        lines += ["", style.heading(row["command"].upper()), f"  {row['summary']}"]
        lines += [f"  example:  {row['example']}", f"  effects:  {effects_line(row['effects'])}"]
        if row["required_flags"]:
            lines.append(f"  needs:    {', '.join(row['required_flags'])}")
    lines += ["", f"Learn more: {rows[0]['docs_url'] if rows else MANIFEST['docs_url']}"]
    return "\n".join(lines) + "\n"


def environment(style: Style) -> str:
    rows = [(row["name"], row["description"]) for row in MANIFEST["environment"]]
    return "\n".join([style.heading("ENVIRONMENT VARIABLES"), *_table(rows)]) + "\n"


def exit_codes(style: Style) -> str:
    rows = [(str(row["code"]), f"{row['name']}: {row['meaning']}") for row in MANIFEST["exit_codes"]]
    lines = [style.heading("EXIT CODES"), *_table(rows)]
    lines += ["", "A failure's envelope says why in error.code and what to run next in error.recovery."]
    return "\n".join(lines) + "\n"


def topic(style: Style, name: str) -> str:
    return environment(style) if name == "environment" else exit_codes(style)
