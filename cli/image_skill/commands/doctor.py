"""image-skill doctor: is the hosted API reachable, and is this machine ready to use it?"""

from __future__ import annotations

import os
import platform
from typing import Any

from image_skill import __version__
from image_skill.context import Context
from image_skill.envelope import ApiError, CliError, success
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

USAGE = """
Usage:
  image-skill doctor [options]
"""


def _config_check(ctx: Context) -> dict[str, Any]:
    path = ctx.config_path
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    writable = os.access(existing, os.W_OK | os.X_OK)
    return {"ok": writable, "path": str(path), "exists": path.exists(), "directory_writable": writable}


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill doctor"
    try:
        health = ops.get_health(ctx.client)["data"]
        service: dict[str, Any] = {
            "ok": True,
            "status": health.get("status"),
            "api_version": health.get("api_version"),
        }
    except (CliError, ApiError) as exc:
        code = exc.code if isinstance(exc, CliError) else (exc.envelope.get("error") or {}).get("code")
        if isinstance(exc, CliError) and exc.code is ErrorCode.INVALID_ARGUMENTS:
            raise
        raise CliError(
            ErrorCode.HOSTED_API_REQUEST_FAILED,
            f"The hosted API is not healthy ({code}).",
            recovery={"suggested_command": ctx.with_base_url("image-skill doctor --json")},
        ) from None
    source = ctx.token_source()
    data = {
        "api_base_url": ctx.base_url,
        "hosted_api": service,
        "config": _config_check(ctx),
        "output": {
            "ok": os.access(".", os.W_OK | os.X_OK),
            "detail": "the current directory is where assets get writes",
        },
        "auth": {
            "ok": ctx.token() is not None,
            "token_source": source,
            "detail": {
                "flag": "token from --token-stdin",
                "env": "token from IMAGE_SKILL_TOKEN",
                "config": "token saved for this base URL",
                "config_other_base_url": "the saved token belongs to another base URL and is not used",
                "none": "no token; run signup",
            }[source],
        },
        "telemetry": {"enabled": False, "detail": "this CLI sends no telemetry"},
        "cli": {"version": __version__, "python": platform.python_version()},
    }
    return success(ctx.command, data, trace_id=ctx.trace_id)
