"""``skills/image-skill/SKILL.md`` and ``llms.txt``: what an agent reads first, from the spec and the
manifest (``SKILL.md.jinja``, ``llms.txt.jinja``).

SKILL.md follows the Agent Skills specification: its frontmatter ``name`` is its folder's name,
``metadata`` a flat mapping of strings; the body teaches the guide-first loop, the no-spend
commands, the exit codes and recovery, within the specification's size guidance (``MAX_LINES``).
``llms.txt`` (llmstxt.org) lists every command with its usage, example, effects and flags; the mock
serves it as ``/llms.txt`` (it is package data of ``image_skill_api``).
"""

from __future__ import annotations

from typing import Any

from .common import SpecError
from .manifest import build_manifest
from .templates import TEXT_TEMPLATES

SKILL_NAME = "image-skill"
SKILL_PATH = f"skills/{SKILL_NAME}/SKILL.md"
#: The Agent Skills specification's guidance for a SKILL.md body.
MAX_LINES = 500
SPENDING = ("spend", "payment_object")


def _context(spec: dict[str, Any]) -> dict[str, Any]:
    manifest = build_manifest(spec)
    rows = manifest["commands"]
    errors = spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]
    return {
        "name": SKILL_NAME,
        "version": spec["info"]["version"],
        "manifest": manifest,
        "no_spend": [r for r in rows if r["mcp_tool"] and not any(r["effects"][e] for e in SPENDING)],
        "spending": [r for r in rows if any(r["effects"][e] for e in SPENDING)],
        "errors": [
            {"code": code, "exit_code": row["exit_code"], "retryable": row["retryable"], **row}
            for code, row in errors.items()
        ],
    }


def render_skill(spec: dict[str, Any]) -> str:
    text = TEXT_TEMPLATES.get_template("SKILL.md.jinja").render(**_context(spec))
    if len(text.splitlines()) > MAX_LINES:
        raise SpecError(f"{SKILL_PATH} would be {len(text.splitlines())} lines (guidance: {MAX_LINES})")
    return text


def render_llms(spec: dict[str, Any]) -> str:
    return TEXT_TEMPLATES.get_template("llms.txt.jinja").render(**_context(spec))
