"""image-skill trust: the no-auth, no-spend evidence packet (``image-skill.trust-packet.v0``).

It reads ``GET /healthz`` and ``GET /v1/models`` (no token is sent: both are public) and never
signs up, creates, pays or writes anything. Every fact it cannot verify keeps its field, with an
explicit ``state``: the npm registry is never queried by this (Python) CLI, so ``npm`` is
``unavailable``; an API that does not answer is ``unreachable``; one that answers with another API
version than the contract this CLI was built from is ``stale_or_mismatched``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from image_skill import __version__
from image_skill.command_table import LABELS, PROGRAM
from image_skill.commands.doctor import hosted_api
from image_skill.context import Context
from image_skill.envelope import CliError, ServerError, success
from image_skill.guide import MUTATION
from image_skill_api import operations as ops
from image_skill_api.constants import API_VERSION

LABEL = LABELS["trust"]
SCHEMA = "image-skill.trust-packet.v0"
#: The commands the packet offers, all no-spend (the guide never mutates).
SAFE_COMMANDS = (
    f"{PROGRAM} create --guide --prompt PROMPT --json",
    f"{PROGRAM} doctor --json",
    f"{PROGRAM} models list --json",
    f"{PROGRAM} models show default --json",
    f"{PROGRAM} credits methods --json",
)


def parse(opts: Mapping[str, Any]) -> None:
    """trust has no options of its own."""


def _health(ctx: Context) -> dict[str, Any]:
    service = hosted_api(ctx)
    if not service["ok"]:
        state = "unreachable" if not service["reachable"] else "stale_or_mismatched"
        return {"state": state, "reachable": service["reachable"], "error": service["error"]}
    same = service.get("api_version") == API_VERSION
    return {
        "state": "ok" if same else "stale_or_mismatched",
        "reachable": True,
        "api_version": service.get("api_version"),
        "expected_api_version": API_VERSION,
    }


def _models(ctx: Context) -> dict[str, Any]:
    try:
        summary = ops.list_models(ctx.client, available=True, executable=True)["data"]["summary"]
    except (CliError, ServerError) as exc:
        code = exc.code if isinstance(exc, CliError) else (exc.envelope.get("error") or {}).get("code")
        return {"state": "unreachable", "error": str(code)}
    actionable = summary.get("first_actionable_model_ids") or []
    return {
        "state": "ok" if actionable else "not_available_yet",
        "executable": summary.get("executable"),
        "default_model_id": summary.get("default_model_id"),
        "first_actionable_model_ids": actionable[:5],
    }


def _contract() -> dict[str, Any]:
    spec = (files("image_skill_api") / "spec.json").read_bytes()
    return {
        "state": "inspect_only",
        "api_version": API_VERSION,
        "bundled_spec_sha256": hashlib.sha256(spec).hexdigest(),
        "hosted_documents": {
            "state": "not_available_yet",
            "detail": "this CLI does not fetch or hash the hosted cli.md/llms.txt; compare them yourself",
        },
    }


def run(ctx: Context, opts: None) -> dict[str, Any]:
    data = {
        "schema": SCHEMA,
        "cli": {"name": PROGRAM, "version": __version__, "implementation": "python"},
        "npm": {
            "state": "unavailable",
            "package": PROGRAM,
            "latest_version": None,
            "cli_version_is_latest": None,
            "detail": "this is the Python CLI; npm metadata is not queried",
        },
        "repository": {"state": "unavailable", "url": None, "detail": "not inferable from this install"},
        "contract": _contract(),
        "hosted": {"api_base_url": ctx.base_url, "healthz": _health(ctx), "models": _models(ctx)},
        "safe_commands": [ctx.with_base_url(command) for command in SAFE_COMMANDS],
        "proof_urls": {"state": "inspect_only", "activity": None, "job": None},
        "redaction": {
            "token_printed": False,
            "token_sent": False,
            "prompt_sent": False,
            "local_paths": False,
        },
        "mutation": dict(MUTATION),  # the guide's: every flag false
        "next_command": ctx.with_base_url(SAFE_COMMANDS[0]),
    }
    return success(ctx.command, data, trace_id=ctx.trace_id)
