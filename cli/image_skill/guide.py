"""``create --guide``: the first safe next command, from read-only checks (design.md §5).

Only GETs: health, executable create models, payment methods, and quota when a token exists.
The stage is the first that applies of: prompt_required, service_unreachable,
no_executable_model, auth_required, quota_required, ready_to_create. Every command returned
is built from an argv list with ``shlex`` so it survives a POSIX shell unchanged, and carries
``--api-base-url`` whenever this run does not use the default API.
"""

from __future__ import annotations

import shlex
from typing import Any

from image_skill.context import Context
from image_skill.envelope import CliError, ServerError
from image_skill.suggestions import (
    CREATE_MODELS_COMMAND,
    DOCTOR_COMMAND,
    METHODS_COMMAND,
    MODELS_COMMAND,
    QUOTA_COMMAND,
    SIGNUP_COMMAND,
)
from image_skill_api import operations as ops
from image_skill_api.registry import OPERATION_VALUES

SCHEMA = "image-skill.create-guide.v1"
PLACEHOLDER_PROMPT = "describe the image"


#: The pack and rail the guide quotes when credits are short (unless the rail names its own default).
DEFAULT_PACK_ID = "starter-500"
PAYMENT_METHOD = "stripe_checkout"
#: The operation the guide looks for models of.
GENERATE, _ = OPERATION_VALUES


def _cmd(ctx: Context, *argv: str) -> str:
    """``image-skill <argv>`` quoted for a POSIX shell, aimed at this run's API."""
    return ctx.with_base_url(shlex.join(["image-skill", *argv]))


def _check(ok: bool, detail: str, **extra: Any) -> dict[str, Any]:
    return {"ok": ok, "detail": detail, **extra}


def _reason(exc: CliError | ServerError) -> str:
    if isinstance(exc, CliError):
        return str(exc.code)
    return str((exc.envelope.get("error") or {}).get("code", "ERROR"))


def _quote_command(ctx: Context, pack_id: object) -> str:
    """The quote for the payment rail's default pack (the contract's example pack when none is named)."""
    pack = pack_id if isinstance(pack_id, str) and pack_id else DEFAULT_PACK_ID
    return _cmd(ctx, "credits", "quote", "--pack", pack, "--payment-method", PAYMENT_METHOD, "--json")


def build(ctx: Context, prompt: str | None, model: str | None) -> dict[str, Any]:
    has_prompt = bool(prompt and prompt.strip())
    shown_prompt = prompt if has_prompt and prompt is not None else PLACEHOLDER_PROMPT
    checks: dict[str, Any] = {}
    stages: list[tuple[str, str]] = []
    if not has_prompt:
        stages.append(("prompt_required", "Give the guide the prompt you want to create."))
    selection: dict[str, Any] = {"model_id": None, "capability_id": None}
    cost = None
    default_pack: object = None
    credits_short = False

    try:
        health = ops.get_health(ctx.client)["data"]
        checks["hosted_api"] = _check(True, f"reachable, status {health.get('status')}")
    except (CliError, ServerError) as exc:
        checks["hosted_api"] = _check(False, f"not reachable ({_reason(exc)})")
        stages.append(("service_unreachable", "The hosted API cannot be reached."))

    if checks["hosted_api"]["ok"]:
        listing = ops.list_models(ctx.client, available=True, executable=True, operation=GENERATE)["data"]
        rows = {row["id"]: row for row in listing["models"]}
        actionable = [i for i in listing["summary"]["first_actionable_model_ids"] if i in rows]
        chosen = model if model else (actionable[0] if actionable else None)
        if chosen is None or chosen not in rows:
            why = f"{chosen} is not an executable create model" if chosen else "no executable create model"
            checks["models"] = _check(False, why, executable=len(actionable))
            stages.append(("no_executable_model", f"There is {why} right now."))
        else:
            row = rows[chosen]
            selection = {"model_id": chosen, "capability_id": row["capability_id"]}
            cost = row["economics"]["credit_pricing"]
            checks["models"] = _check(
                True, f"{len(actionable)} executable create models", executable=len(actionable)
            )

        try:
            methods = ops.list_payment_methods(ctx.client)["data"]["methods"]
            usable = [m["method_id"] for m in methods if m.get("available")]
            default_pack = next((m.get("default_pack_id") for m in methods if m.get("purchasable")), None)
            checks["payments"] = _check(bool(usable), "payment methods: " + (", ".join(usable) or "none"))
        except (CliError, ServerError) as exc:
            checks["payments"] = _check(False, f"payment methods unavailable ({_reason(exc)})")

        token, source = ctx.credential()
        if token is None:
            checks["auth"] = _check(False, f"no usable token ({source})")
            stages.append(
                (
                    "auth_required",
                    "Sign up once (replace the placeholders of next_command with your own values, see"
                    " `image-skill signup --help`); the token is saved for this API. A dry run needs no"
                    " token (escape_hatches.dry_run).",
                )
            )
        else:
            try:
                quota = ops.get_quota(ctx.client)["data"]
                checks["auth"] = _check(True, f"token from {source}")
                remaining = quota["limits"]["remaining_credits"]
                jobs_left = quota["daily_jobs"]["remaining"]
                needed = (cost or {}).get("credits_required") or 0
                ok = remaining >= needed and jobs_left > 0
                detail = (
                    f"{remaining} credits, {jobs_left} jobs left today; this create needs {needed} credits"
                )
                checks["quota"] = _check(
                    ok, detail, remaining_credits=remaining, daily_jobs_remaining=jobs_left
                )
                if not ok:
                    credits_short = remaining < needed
                    stages.append(("quota_required", "Not enough credits or daily jobs for this create."))
            except ServerError as exc:
                checks["auth"] = _check(False, f"token rejected ({_reason(exc)})")
                stages.append(("auth_required", "The token was rejected; sign up again."))
    stage, why = stages[0] if stages else ("ready_to_create", "Everything needed is in place.")
    for name in ("hosted_api", "auth", "models", "quota", "payments"):
        checks.setdefault(name, _check(False, "not checked"))

    guide_again = _cmd(ctx, "create", "--guide", "--prompt", shown_prompt, "--json")
    model_flag = ["--model", str(selection["model_id"])] if model else []
    create_cmd = _cmd(ctx, "create", "--prompt", shown_prompt, *model_flag, "--json")
    next_steps = {
        "prompt_required": (guide_again, None),
        "service_unreachable": (ctx.with_base_url(DOCTOR_COMMAND), guide_again),
        "no_executable_model": (ctx.with_base_url(CREATE_MODELS_COMMAND), guide_again),
        "auth_required": (ctx.with_base_url(SIGNUP_COMMAND), guide_again),
        # Credits short: the packs, then a quote (then `credits buy`); daily jobs used up: the rails.
        "quota_required": (
            (_cmd(ctx, "credits", "packs", "list", "--json"), _quote_command(ctx, default_pack))
            if credits_short
            else (ctx.with_base_url(METHODS_COMMAND), guide_again)
        ),
        "ready_to_create": (create_cmd, _cmd(ctx, "jobs", "wait", "JOB_ID", "--json")),
    }
    next_command, after_next = next_steps[stage]
    inspect = (
        _cmd(ctx, "models", "show", str(selection["model_id"]), "--json") if selection["model_id"] else None
    )
    return {
        "schema": SCHEMA,
        "stage": stage,
        "ready": stage == "ready_to_create",
        "checks": checks,
        "selection": selection,
        "cost": cost,
        "blocker": None if stage == "ready_to_create" else {"stage": stage, "message": why},
        "next_command": next_command,
        "after_next": after_next,
        "escape_hatches": {
            "doctor": ctx.with_base_url(DOCTOR_COMMAND),
            "model_inspection": inspect or ctx.with_base_url(MODELS_COMMAND),
            "payment_methods": ctx.with_base_url(METHODS_COMMAND),
            "quota": ctx.with_base_url(QUOTA_COMMAND),
            "dry_run": _cmd(ctx, "create", "--prompt", shown_prompt, *model_flag, "--dry-run", "--json"),
        },
        "mutation": {
            "provider_call": False,
            "hosted_create": False,
            "hosted_signup": False,
            "payment_object": False,
            "credit_debit": False,
            "media_write": False,
        },
    }
