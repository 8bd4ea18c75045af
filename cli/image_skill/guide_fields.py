"""The 0.1.70 fields of ``create --guide``, each derived from what the guide's commands really do.

``extend(answer, ...)`` adds to the guide's answer: ``next_command_effect`` (what running
``next_command`` does), ``next_command_copy_runnable`` / ``next_command_missing_inputs`` (its
placeholders, by flag), ``no_spend_next_command`` = ``recommended_no_spend_command`` (the dry run
whenever a model is chosen, else ``next_command`` itself, which is then no-spend) with its effect,
``guide_warning``, ``auth_ready``, ``auth_handoff``, ``no_spend_evaluation`` and ``guide_recovery``.
Image scope: no self-fund handoff fields (``self_fund_*``, ``top_up``).
"""

from __future__ import annotations

import itertools
import re
import shlex
from typing import Any

#: A placeholder the agent must replace (AGENT_NAME, JOB_ID): upper case, digits and underscores.
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
#: What each stage's ``next_command`` does (the labels of 0.1.70 where it names them).
_EFFECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "prompt_required": ("guide_rerun_no_mutation", ()),
    "service_unreachable": ("local_diagnostics_no_mutation", ()),
    "no_executable_model": ("read_only_model_inspection", ()),
    "auth_required": ("hosted_signup_no_spend_setup", ("hosted_signup",)),
    "quota_required": ("read_only_payment_inspection", ()),
    "ready_to_create": (
        "live_media_create_credit_debit",
        ("provider_call", "hosted_create", "credit_debit", "media_write"),
    ),
}
_MUTATIONS = (
    "provider_call",
    "hosted_create",
    "hosted_signup",
    "payment_object",
    "credit_debit",
    "media_write",
)
DRY_RUN_LABEL = "dry_run_planned_job_no_provider_call_no_credit_debit_no_media_write"
_HANDOFF = {"config": "saved_config_ready", "env": "env_token", "flag": "stdin_token"}


def effect(stage: str) -> dict[str, Any]:
    label, done = _EFFECTS[stage]
    flags = {name: name in done for name in _MUTATIONS}
    return {"label": label, "no_spend": not flags["credit_debit"] and not flags["payment_object"], **flags}


def missing_inputs(command: str, *, prompt_placeholder: str | None) -> list[dict[str, str]]:
    """The values of ``command`` the agent must fill in first, by flag."""
    argv = shlex.split(command)
    found = []
    for flag, value in itertools.pairwise(argv):
        is_prompt = flag == "--prompt" and value == prompt_placeholder
        if flag.startswith("--") and (is_prompt or _PLACEHOLDER.fullmatch(value)):
            found.append({"flag": flag, "placeholder": value})
    return found


def _dry_run_effect(stores: bool) -> dict[str, Any]:
    """A dry run: no provider call, debit or media; with a token it stores a planned job (job.planned)."""
    return {
        "label": DRY_RUN_LABEL,
        "no_spend": True,
        "hosted_create_dry_run": True,
        "planned_job": stores,
        "plan_receipt": True,
        "activity_event": "job.planned" if stores else None,
        **dict.fromkeys(_MUTATIONS, False),
    }


def _with_stdin(command: str) -> str:
    return "printf '%s\\n' \"$IMAGE_SKILL_TOKEN\" | " + command + " --token-stdin"


def _auth(answer: dict[str, Any], source: str, stage: str, guide_again: str) -> dict[str, Any]:
    authed = bool(answer["checks"].get("auth", {}).get("ok"))
    needs_auth = stage in ("ready_to_create", "quota_required")
    auth_ready = {
        "ready": authed,
        "token_source": source,
        "next_command_requires_auth": needs_auth,
        "next_command_auth_ready": authed or not needs_auth,
    }
    command = answer["next_command"]
    handoff = {
        "status": _HANDOFF.get(source, "signup_required") if authed else "signup_required",
        "token_in_output": False,
        "next_command": {"with_env": command, "with_stdin": _with_stdin(command)} if needs_auth else None,
        "rerun_guide": {"with_env": guide_again, "with_stdin": _with_stdin(guide_again)},
    }
    return {"auth_ready": auth_ready, "auth_handoff": handoff}


def extend(answer: dict[str, Any], *, source: str, prompt_placeholder: str | None, guide_again: str) -> None:
    """Add the 0.1.70 fields to the guide's ``answer`` (in place)."""
    stage = answer["stage"]
    ready = stage == "ready_to_create"
    next_effect = effect(stage)
    missing = missing_inputs(answer["next_command"], prompt_placeholder=prompt_placeholder)
    has_model = answer["selection"]["model_id"] is not None and stage != "prompt_required"
    no_spend = answer["escape_hatches"]["dry_run"] if has_model else answer["next_command"]
    stores = bool(answer["checks"].get("auth", {}).get("ok"))
    no_spend_effect = _dry_run_effect(stores) if has_model else next_effect
    answer.update(
        next_command_effect=next_effect,
        next_command_copy_runnable=not missing,
        next_command_missing_inputs=missing,
        no_spend_next_command=no_spend,
        recommended_no_spend_command=no_spend,
        no_spend_next_command_effect=no_spend_effect,
        recommended_no_spend_command_effect=no_spend_effect,
        guide_warning={
            "next_command_safety": next_effect["label"],
            "no_spend_safe": next_effect["no_spend"] and not next_effect["hosted_signup"],
            "spend_required": not next_effect["no_spend"],
            "recommended_command_field": "recommended_no_spend_command",
        },
        no_spend_evaluation={
            "stop_here": ready,
            "next_command_is_live_create": ready,
            "recommended_command_field": "recommended_no_spend_command",
        },
        guide_recovery={
            "precondition_code": stage,
            "precondition_message": (answer["blocker"] or {}).get(
                "message", "Everything needed is in place."
            ),
            "no_spend_command_field": "recommended_no_spend_command",
            "no_spend_command": no_spend,
            "after_precondition_command": answer["after_next"] or guide_again,
            "live_create_command_field": "next_command" if ready else None,
            "live_payment_command_field": None,
            "double_spend_guard": {
                "required": ready,
                "detail": "after a partial or unknown failure, check `jobs show`/`activity list` before"
                " rerunning the live create",
            },
        },
        **_auth(answer, source, stage, guide_again),
    )
