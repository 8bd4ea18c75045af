"""``usages.py``: the docopt usage text of every command word, rendered with ``usage.txt.jinja``.

A word's text holds the usage line of each command it starts (an alias such as ``quota`` shares the
text of the command it runs), the commands' ``about`` paragraphs, and one ``Options:`` line per flag
(a flag two subcommands describe differently says both, each after its subcommand). The global
options end every text. Lines are wrapped so that docopt reads them as written: a wrapped usage line
is indented, and no line of prose starts with ``-`` (docopt would take it for an option).
"""

from __future__ import annotations

import textwrap
from typing import Any

from .common import SpecError
from .templates import TEXT_TEMPLATES

WIDTH = 104
USAGE_INDENT = "    "


def doc_word(command: dict[str, Any], by_key: dict[str, dict[str, Any]]) -> str:
    """The word whose usage text holds ``command``'s usage line (an alias: its target's)."""
    target = by_key.get(command["alias_of"] or "", command)
    return str(target["words"][0])


def _top_level_tokens(pattern: str) -> list[str]:
    """``pattern`` split at the spaces outside brackets and parentheses."""
    tokens, depth, current = [], 0, ""
    for char in pattern:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == " " and depth == 0:
            tokens.append(current)
            current = ""
        else:
            current += char
    return [*tokens, current]


def usage_lines(pattern: str) -> list[str]:
    """``image-skill <pattern> [options]``, wrapped at ``WIDTH`` between top-level tokens (a
    continuation line is indented, as docopt needs)."""
    lines: list[str] = []
    for token in _top_level_tokens(f"image-skill {pattern} [options]"):
        if lines and len(lines[-1]) + 1 + len(token) <= WIDTH:
            lines[-1] += " " + token
        else:
            lines.append((USAGE_INDENT if lines else "") + token)
    return lines


def wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped at ``width``; a line that would start with ``-`` takes the word before it too,
    and docopt's ``[default: ...]`` stays on one line."""
    glued = text.replace("[default: ", "[default:\0")
    lines = [
        line.replace("\0", " ")
        for line in textwrap.wrap(glued, width, break_on_hyphens=False, break_long_words=False)
    ]
    for i in range(1, len(lines)):
        while lines[i].startswith("-"):
            head, _, last = lines[i - 1].rpartition(" ")
            if not head:
                raise SpecError(f"cannot wrap {text!r} so that no line starts with '-'")
            lines[i - 1], lines[i] = head, f"{last} {lines[i]}"
    return lines


def option_text(flag: dict[str, Any]) -> str:
    """A flag's description as its usage says it: the enumeration and docopt's ``[default: ...]``."""
    text = flag["description"]
    if flag.get("enum"):
        text += f" One of: {', '.join(flag['enum'])}."
    if flag["default"] is not None:
        text += f" [default: {flag['default']}]"
    return text


def spelling(flag: dict[str, Any]) -> str:
    name = f"{flag['short']} {flag['name']}" if "short" in flag else flag["name"]
    return f"{name}={flag['value']}" if flag["takes_value"] else name


def _options(commands: list[dict[str, Any]], word: str) -> list[tuple[str, str]]:
    """(spelling, description) of every flag of ``word``'s commands, in order of first mention."""
    seen: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for command in commands:
        for flag in command["flags"]:
            seen.setdefault(flag["name"], []).append((command, flag))
    options = []
    for name, uses in seen.items():
        if len({(f["takes_value"], f["default"]) for _, f in uses}) != 1:
            raise SpecError(f"usage of {word}: {name} takes a value or a default in one command only")
        texts = list(dict.fromkeys(option_text(f) for _, f in uses))
        if len(texts) > 1:
            texts = [f"{c['words'][-1]}: {option_text(f)}" for c, f in uses]
        options.append((spelling(uses[0][1]), " ".join(texts)))
    return options


def _option_rows(options: list[tuple[str, str]]) -> list[dict[str, Any]]:
    width = max((len(spell) for spell, _ in options), default=0)
    return [
        {"spelling": spell.ljust(width), "lines": wrap(text, WIDTH - width - 4), "indent": " " * (width + 4)}
        for spell, text in options
    ]


def render_usage(commands: list[dict[str, Any]], word: str, global_options: str) -> str:
    about = [wrap(c["about"], WIDTH) for c in commands if c["about"]]
    about += [
        wrap(f"`{c['key']}` needs {', '.join(c['required'])}.", WIDTH) for c in commands if c["required"]
    ]
    text = TEXT_TEMPLATES.get_template("usage.txt.jinja").render(
        usage_lines=[line for c in commands for line in usage_lines(c["usage"])],
        about=about,
        options=_option_rows(_options(commands, word)),
        global_options=global_options,
    )
    return text.rstrip("\n") + "\n"


def global_options_text(globals_: list[dict[str, Any]]) -> str:
    return TEXT_TEMPLATES.get_template("global_options.txt.jinja").render(
        options=_option_rows([(spelling(f), option_text(f)) for f in globals_])
    )


def usage_texts(commands: list[dict[str, Any]], globals_: list[dict[str, Any]]) -> dict[str, str]:
    """Command word -> its usage text (docopt's), globals included."""
    by_key = {c["key"]: c for c in commands}
    global_options = global_options_text(globals_)
    words: dict[str, list[dict[str, Any]]] = {}
    for command in commands:
        if command["usage"] is not None:
            words.setdefault(doc_word(command, by_key), []).append(command)
    texts = {word: render_usage(group, word, global_options) for word, group in words.items()}
    for command in commands:  # an alias word shares the text of its target's word
        texts.setdefault(command["words"][0], texts[doc_word(command, by_key)])
    return texts


def word_flags(
    commands: list[dict[str, Any]], globals_: list[dict[str, Any]], texts: dict[str, str]
) -> dict[str, dict[str, bool]]:
    """Command word -> every flag its usage text knows -> whether it takes a value."""
    by_key = {c["key"]: c for c in commands}
    table: dict[str, dict[str, bool]] = {word: {} for word in texts}
    for command in commands:
        for word in {command["words"][0], doc_word(command, by_key)}:
            for flag in command["flags"]:
                table[word][flag["name"]] = flag["takes_value"]
    for word, flags in table.items():
        flags.update({f["name"]: f["takes_value"] for f in globals_})
        table[word] = dict(sorted(flags.items()))
    for command in commands:  # an alias word knows what its target's word knows
        table[command["words"][0]] = table[doc_word(command, by_key)] | table[command["words"][0]]
    return table


def render_usages(spec: dict[str, Any]) -> str:
    from .commands import collect_commands, global_flags
    from .templates import render

    commands, globals_ = collect_commands(spec), global_flags(spec)
    texts = usage_texts(commands, globals_)
    aliases: dict[str, tuple[str, ...]] = {}
    for row in spec["x-image-skill-cli"]["modality_aliases"]:
        aliases[row["alias"]] = (*aliases.get(row["alias"], ()), row["command"])
    return render(
        "usages.py.jinja",
        global_options=global_options_text(globals_),
        usages=texts,
        flags=word_flags(commands, globals_, texts),
        keys=tuple(c["key"] for c in commands),
        modality_aliases=aliases,
    )
