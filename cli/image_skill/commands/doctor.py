"""image-skill doctor: is the hosted API reachable, and is this machine ready to use it?

Doctor is the command other recoveries point at, so it never fails because the API is down: the
local checks (config, auth source, output directory, telemetry) are always reported, exit 0, with
``hosted_api.reachable`` and a warning when the API could not be used. ``data.next_command`` is
the first fix that applies, runnable as printed: for an API that cannot be used, a plain
``curl`` of its health endpoint (it shows the raw network, DNS, proxy or TLS failure that the CLI
can only summarize; the base URL comes from --api-base-url / IMAGE_SKILL_API_BASE_URL); then a
writable config path; then signup. It never suggests running doctor again.

``data.in_flight`` reports the in-flight notes of live creates and edits (``inflight``): key, age,
whether a sweep may remove it, and its ``recover_command`` (a spend, so never ``next_command``:
the agent decides whether the original result still matters). Only ``--sweep-in-flight`` deletes,
and only notes past the sweep age; plain doctor never does.
"""

from __future__ import annotations

import os
import platform
import shlex
from collections.abc import Mapping
from typing import Any

from image_skill import __version__, telemetry
from image_skill.context import Context
from image_skill.envelope import CliError, ServerError, success
from image_skill.suggestions import SIGNUP_COMMAND
from image_skill_api import operations as ops
from image_skill_api.registry import ERRORS, ErrorCode

LABEL = ops.OPERATIONS["getHealth"].command

#: Failures that mean nothing usable answered at the base URL.
UNREACHABLE = frozenset({ErrorCode.HOSTED_API_REQUEST_FAILED, ErrorCode.TIMEOUT})


def _config_check(ctx: Context) -> dict[str, Any]:
    path = ctx.config_path
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    writable = os.access(existing, os.W_OK | os.X_OK)
    return {"ok": writable, "path": str(path), "exists": path.exists(), "directory_writable": writable}


def hosted_api(ctx: Context) -> dict[str, Any]:
    try:
        health = ops.get_health(ctx.client)["data"]
    except CliError as exc:
        if exc.code is ErrorCode.INVALID_ARGUMENTS:
            raise
        reachable = exc.code not in UNREACHABLE
        return {"ok": False, "reachable": reachable, "error": str(exc.code), "detail": exc.message}
    except ServerError as exc:
        error = exc.envelope.get("error") or {}
        code = str(error.get("code") or ErrorCode.HOSTED_API_REQUEST_FAILED)
        detail = f"the API answered with {code}: {error.get('message')}"
        return {"ok": False, "reachable": True, "error": code, "detail": detail}
    service = {"ok": True, "reachable": True, "status": health.get("status")}
    return {**service, "api_version": health.get("api_version")}


def _telemetry(ctx: Context) -> dict[str, Any]:
    """Which telemetry mode is on and why (doctor's own requests are described like any command's)."""
    enabled, why = telemetry.mode(ctx.env)
    return {
        "ok": True,
        "enabled": enabled,
        "mode": "on" if enabled else "off",
        "detail": why,
        "records": list(telemetry.RECORDED) if enabled else [],
    }


def _in_flight(ctx: Context, sweep: bool) -> dict[str, Any]:
    """The in-flight notes of live creates/edits (``inflight``); with ``sweep``, the stale ones removed."""
    from image_skill import inflight

    swept = inflight.sweep(ctx.config_path) if sweep else []
    entries = inflight.entries(ctx.config_path)
    return {
        "ok": not entries,
        "directory": str(inflight.directory(ctx.config_path)),
        "outstanding": sum(1 for entry in entries if not entry["sweep_eligible"]),
        "sweep_after_seconds": inflight.SWEEP_AFTER_SECONDS,
        "entries": entries,
        "swept": swept,
    }


def parse(opts: Mapping[str, Any]) -> bool:
    """Whether to sweep stale in-flight notes (``--sweep-in-flight``)."""
    return bool(opts.get("--sweep-in-flight"))


def run(ctx: Context, opts: bool) -> dict[str, Any]:
    service = hosted_api(ctx)
    token, source = ctx.credential()
    auth_ok = token is not None
    config_check = _config_check(ctx)
    data: dict[str, Any] = {
        "api_base_url": ctx.base_url,
        "hosted_api": service,
        "config": config_check,
        "output": {
            "ok": os.access(".", os.W_OK | os.X_OK),
            "detail": "the current directory is where assets get writes",
        },
        "auth": {
            "ok": auth_ok,
            "token_source": source,
            "detail": {
                "flag": "token from --token-stdin",
                "env": "token from IMAGE_SKILL_TOKEN",
                "config": "token saved for this base URL",
                "config_other_base_url": "the saved token belongs to another base URL and is not used",
                "none": "no token; run signup",
            }[source],
        },
        "telemetry": _telemetry(ctx),
        "in_flight": _in_flight(ctx, sweep=opts),
        "cli": {"version": __version__, "python": platform.python_version()},
    }
    warnings = []
    next_command: str | None = None
    if not service["ok"]:
        next_command = shlex.join(["curl", "-sS", ctx.base_url + ops.OPERATIONS["getHealth"].path])
        message = (
            f"The hosted API at {ctx.base_url} cannot be used; check the network (proxy, DNS, firewall) "
            "and the base URL (--api-base-url / IMAGE_SKILL_API_BASE_URL; omit both for the hosted API)."
        )
        warnings.append(f"{service['error']}: {message}")
    elif not config_check["ok"]:
        next_command = ERRORS[ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED].recovery["suggested_command"]
    elif not auth_ok:
        next_command = ctx.with_base_url(SIGNUP_COMMAND)
    data["next_command"] = next_command
    return success(ctx.command, data, trace_id=ctx.trace_id, warnings=warnings)
