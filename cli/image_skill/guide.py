"""``create --guide``: the first safe next command, from read-only checks.

Only GETs: health, executable create models, payment methods, and quota when a token exists; the
guide never creates, signs up, pays or writes anything. The stage is the first that applies of:
prompt_required, service_unreachable, no_executable_model, auth_required, quota_required,
ready_to_create. Every command returned is built from an argv list with ``shlex`` so it survives a
POSIX shell unchanged, and carries ``--api-base-url`` whenever this run does not use the default API.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from image_skill.compat import spendable
from image_skill.context import Context
from image_skill.envelope import CliError, ServerError
from image_skill.suggestions import (
    CREATE_MODELS_COMMAND,
    DEFAULT_PACK_ID,
    DEFAULT_PAYMENT_METHOD,
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
READY = "ready_to_create"
#: The checks every answer reports, in this order ("not checked" when a stage before them blocked).
CHECKS = ("hosted_api", "auth", "models", "quota", "payments")
#: The operation the guide looks for models of.
GENERATE, _ = OPERATION_VALUES
#: What the guide never does (every flag false: it only reads).
MUTATION = {
    "provider_call": False,
    "hosted_create": False,
    "hosted_signup": False,
    "payment_object": False,
    "credit_debit": False,
    "media_write": False,
}


@dataclass
class Findings:
    """What the read-only checks found: each check, the stages that block, the chosen model."""

    checks: dict[str, Any] = field(default_factory=dict)
    blocked: list[tuple[str, str]] = field(default_factory=list)
    selection: dict[str, Any] = field(default_factory=lambda: {"model_id": None, "capability_id": None})
    cost: Any = None
    default_pack: object = None
    credits_short: bool = False

    def check(self, name: str, ok: bool, detail: str, **extra: Any) -> None:
        self.checks[name] = {"ok": ok, "detail": detail, **extra}

    def stage(self) -> tuple[str, str]:
        """The first stage that blocks (with why), else ready_to_create."""
        return self.blocked[0] if self.blocked else (READY, "Everything needed is in place.")


def _cmd(ctx: Context, *argv: str) -> str:
    """``image-skill <argv>`` quoted for a POSIX shell, aimed at this run's API."""
    return ctx.with_base_url(shlex.join(["image-skill", *argv]))


def _reason(exc: CliError | ServerError) -> str:
    if isinstance(exc, CliError):
        return str(exc.code)
    return str((exc.envelope.get("error") or {}).get("code", "ERROR"))


def build(ctx: Context, prompt: str | None, model: str | None) -> dict[str, Any]:
    """The guide's answer for ``prompt`` (None or blank: prompt_required) and an optional ``model``."""
    has_prompt = prompt is not None and bool(prompt.strip())
    found = Findings()
    if not has_prompt:
        found.blocked.append(("prompt_required", "Give the guide the prompt you want to create."))
    if _check_service(ctx, found):
        _check_models(ctx, found, model)
        _check_payments(ctx, found)
        _check_account(ctx, found)
    for name in CHECKS:
        found.checks.setdefault(name, {"ok": False, "detail": "not checked"})
    return _answer(ctx, found, prompt if has_prompt and prompt is not None else PLACEHOLDER_PROMPT, model)


def _check_service(ctx: Context, found: Findings) -> bool:
    """Whether the hosted API answers its health check."""
    try:
        health = ops.get_health(ctx.client)["data"]
    except (CliError, ServerError) as exc:
        found.check("hosted_api", False, f"not reachable ({_reason(exc)})")
        found.blocked.append(("service_unreachable", "The hosted API cannot be reached."))
        return False
    found.check("hosted_api", True, f"reachable, status {health.get('status')}")
    return True


def _check_models(ctx: Context, found: Findings, model: str | None) -> None:
    """The model to create with: ``model``, else the first actionable executable create model."""
    listing = ops.list_models(ctx.client, available=True, executable=True, operation=GENERATE)["data"]
    rows = {row["id"]: row for row in listing["models"]}
    actionable = [i for i in listing["summary"]["first_actionable_model_ids"] if i in rows]
    chosen = model if model else (actionable[0] if actionable else None)
    if chosen is None or chosen not in rows:
        why = f"{chosen} is not an executable create model" if chosen else "no executable create model"
        found.check("models", False, why, executable=len(actionable))
        found.blocked.append(("no_executable_model", f"There is {why} right now."))
        return
    row = rows[chosen]
    found.selection = {"model_id": chosen, "capability_id": row["capability_id"]}
    found.cost = row["economics"]["credit_pricing"]
    found.check("models", True, f"{len(actionable)} executable create models", executable=len(actionable))


def _check_payments(ctx: Context, found: Findings) -> None:
    """The usable payment rails, and the pack the first purchasable one suggests."""
    try:
        methods = ops.list_payment_methods(ctx.client)["data"]["methods"]
    except (CliError, ServerError) as exc:
        found.check("payments", False, f"payment methods unavailable ({_reason(exc)})")
        return
    usable = [m["method_id"] for m in methods if m.get("available")]
    found.default_pack = next((m.get("default_pack_id") for m in methods if m.get("purchasable")), None)
    found.check("payments", bool(usable), "payment methods: " + (", ".join(usable) or "none"))


def _check_account(ctx: Context, found: Findings) -> None:
    """The token, and (with one) whether the quota covers this create."""
    token, source = ctx.credential()
    if token is None:
        found.check("auth", False, f"no usable token ({source})")
        found.blocked.append(
            (
                "auth_required",
                "Sign up once (replace the placeholders of next_command with your own values, see"
                " `image-skill signup --help`); the token is saved for this API. A dry run needs no"
                " token (escape_hatches.dry_run).",
            )
        )
        return
    try:
        quota = ops.get_quota(ctx.client)["data"]
    except ServerError as exc:
        found.check("auth", False, f"token rejected ({_reason(exc)})")
        found.blocked.append(("auth_required", "The token was rejected; sign up again."))
        return
    found.check("auth", True, f"token from {source}")
    remaining = spendable(quota.get("limits")) or 0  # preview plus payment-backed (compat.spendable)
    jobs_left = quota["daily_jobs"]["remaining"]
    needed = (found.cost or {}).get("credits_required") or 0
    ok = remaining >= needed and jobs_left > 0
    detail = f"{remaining} credits, {jobs_left} jobs left today; this create needs {needed} credits"
    found.check("quota", ok, detail, total_remaining_credits=remaining, daily_jobs_remaining=jobs_left)
    if not ok:
        found.credits_short = remaining < needed
        found.blocked.append(("quota_required", "Not enough credits or daily jobs for this create."))


def _next_steps(
    ctx: Context, found: Findings, stage: str, prompt: str, model_flag: list[str]
) -> tuple[str, str | None]:
    """(next_command, after_next) for ``stage``."""
    guide_again = _cmd(ctx, "create", "--guide", "--prompt", prompt, "--json")
    if stage == "prompt_required":
        return guide_again, None
    if stage == "quota_required" and found.credits_short:  # the packs, then a quote (then `credits buy`)
        pack = (
            found.default_pack
            if isinstance(found.default_pack, str) and found.default_pack
            else DEFAULT_PACK_ID
        )
        quote = _cmd(
            ctx, "credits", "quote", "--pack", pack, "--payment-method", DEFAULT_PAYMENT_METHOD, "--json"
        )
        return _cmd(ctx, "credits", "packs", "list", "--json"), quote
    if stage == READY:
        create = _cmd(ctx, "create", "--prompt", prompt, *model_flag, "--json")
        return create, _cmd(ctx, "jobs", "wait", "JOB_ID", "--json")
    first = {
        "service_unreachable": DOCTOR_COMMAND,
        "no_executable_model": CREATE_MODELS_COMMAND,
        "auth_required": SIGNUP_COMMAND,
        "quota_required": METHODS_COMMAND,  # daily jobs used up: the rails
    }[stage]
    return ctx.with_base_url(first), guide_again


def _answer(ctx: Context, found: Findings, prompt: str, model: str | None) -> dict[str, Any]:
    stage, why = found.stage()
    model_id = found.selection["model_id"]
    model_flag = ["--model", str(model_id)] if model else []
    next_command, after_next = _next_steps(ctx, found, stage, prompt, model_flag)
    inspect = _cmd(ctx, "models", "show", str(model_id), "--json") if model_id else None
    answer = {
        "schema": SCHEMA,
        "stage": stage,
        "ready": stage == READY,
        "checks": found.checks,
        "selection": found.selection,
        "cost": found.cost,
        "blocker": None if stage == READY else {"stage": stage, "message": why},
        "next_command": next_command,
        "after_next": after_next,
        "escape_hatches": {
            "doctor": ctx.with_base_url(DOCTOR_COMMAND),
            "model_inspection": inspect or ctx.with_base_url(MODELS_COMMAND),
            "payment_methods": ctx.with_base_url(METHODS_COMMAND),
            "quota": ctx.with_base_url(QUOTA_COMMAND),
            "dry_run": _cmd(ctx, "create", "--prompt", prompt, *model_flag, "--dry-run", "--json"),
        },
        "mutation": dict(MUTATION),
    }
    from image_skill import guide_fields

    guide_again = _cmd(ctx, "create", "--guide", "--prompt", prompt, "--json")
    placeholder = PLACEHOLDER_PROMPT if stage == "prompt_required" else None
    source = ctx.credential().source
    guide_fields.extend(answer, source=source, prompt_placeholder=placeholder, guide_again=guide_again)
    return answer
