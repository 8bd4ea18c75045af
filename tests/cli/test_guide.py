"""create --guide over a fake client: read-only checks, the first stage that applies, and commands
that survive a POSIX shell."""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from image_skill.envelope import CliError, ServerError
from image_skill.suggestions import SIGNUP_COMMAND
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import envelope
from .fakes import FakeClient, command, make_ctx

MODEL_ROW = {
    "id": "xai.grok-imagine-image-quality",
    "capability_id": "is.image.generate.xai-grok-imagine-image-quality.v1",
    "economics": {"credit_pricing": {"credits_required": 12}},
}
QUOTA = {"limits": {"remaining_credits": 50}, "daily_jobs": {"remaining": 4}}


def healthy(**overrides: Any) -> FakeClient:
    answers: dict[str, Any] = {
        "getHealth": envelope({"status": "ok"}),
        "listModels": envelope(
            {"models": [MODEL_ROW], "summary": {"first_actionable_model_ids": [MODEL_ROW["id"]]}}
        ),
        "listPaymentMethods": envelope({"methods": [{"method_id": "stripe_checkout", "available": True}]}),
        "getQuota": envelope(QUOTA),
    }
    answers.update(overrides)
    return FakeClient(answers)


def guide(client: FakeClient, prompt: str = "a camera", **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = command(make_ctx(client, **kw), "create", "--guide", f"--prompt={prompt}")["data"]
    assert not any(data["mutation"].values())
    assert {call[0] for call in client.calls} <= {"getHealth", "listModels", "listPaymentMethods", "getQuota"}
    return data


def test_guide_ready_to_create() -> None:
    data = guide(healthy())
    assert data["stage"] == "ready_to_create"
    assert data["ready"] is True
    assert data["cost"] == {"credits_required": 12}
    assert shlex.split(data["next_command"]) == ["image-skill", "create", "--prompt", "a camera", "--json"]


@pytest.mark.parametrize(
    ("answers", "kw", "stage", "next_command"),
    [
        pytest.param({}, {"prompt": "  "}, "prompt_required", None, id="blank-prompt"),
        pytest.param(
            {"getHealth": CliError(ErrorCode.HOSTED_API_REQUEST_FAILED, "down")},
            {},
            "service_unreachable",
            None,
            id="service-down",
        ),
        pytest.param(
            {"listModels": envelope({"models": [], "summary": {"first_actionable_model_ids": []}})},
            {},
            "no_executable_model",
            None,
            id="no-model",
        ),
        pytest.param({}, {"token": None}, "auth_required", SIGNUP_COMMAND, id="no-token"),
        pytest.param(
            {"getQuota": envelope({"limits": {"remaining_credits": 5}, "daily_jobs": {"remaining": 4}})},
            {},
            "quota_required",
            None,
            id="too-few-credits",
        ),
        pytest.param(
            {"getQuota": envelope({"limits": {"remaining_credits": 50}, "daily_jobs": {"remaining": 0}})},
            {},
            "quota_required",
            "image-skill credits methods --json",
            id="no-daily-jobs-left",
        ),
        pytest.param(
            {
                "getQuota": ServerError(
                    envelope(ok=False, error={"code": "AUTH_TOKEN_INVALID"}), ExitCode.AUTH
                )
            },
            {},
            "auth_required",
            None,
            id="token-rejected",
        ),
    ],
)
def test_guide_stages_in_order(
    answers: dict[str, Any], kw: dict[str, Any], stage: str, next_command: str | None
) -> None:
    data = guide(healthy(**answers), **kw)
    assert data["stage"] == stage
    if next_command is not None:
        assert data["next_command"] == next_command


def test_guide_never_asks_quota_without_a_token() -> None:
    client = healthy()
    guide(client, token=None)
    assert "getQuota" not in [call[0] for call in client.calls]


@pytest.mark.parametrize(
    "prompt", ['it\'s "quoted" $HOME `id` $(id)', "line one\nline two", "--json", "ünïcødé ✓ 'single'"]
)
def test_guide_commands_survive_a_posix_shell(prompt: str) -> None:
    data = guide(healthy(), prompt=prompt, base="http://127.0.0.1:8787")
    argv = shlex.split(data["next_command"])
    assert argv == [
        "image-skill",
        "create",
        "--prompt",
        prompt,
        "--json",
        "--api-base-url",
        "http://127.0.0.1:8787",
    ]
    echoed = subprocess.run(
        ["sh", "-c", data["next_command"].replace("image-skill", "printf '%s\\0'", 1)],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert echoed.split("\0")[:-1] == argv[1:]
    for hatch in data["escape_hatches"].values():
        assert "--api-base-url" in shlex.split(hatch)


@settings(max_examples=60, deadline=None)
@given(prompt=st.text(min_size=1, max_size=60).filter(lambda p: p.strip() and "\0" not in p))
def test_any_prompt_round_trips_through_shlex(prompt: str) -> None:
    data = guide(healthy(), prompt=prompt)
    assert shlex.split(data["next_command"]) == ["image-skill", "create", "--prompt", prompt, "--json"]
    assert shlex.split(data["escape_hatches"]["dry_run"])[3] == prompt
