"""The CLI against a server that sends the older shapes (issue 15): warning objects, the retired
``AUTH_TOKEN_INVALID``, and the total in ``limits.remaining_credits``. Read liberally, printed as
the spec says today; today's shapes pass through unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from image_skill.compat import credit_limits, spendable, warning_texts
from image_skill.suggestions import SIGNUP_COMMAND
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope
from .test_guide import guide, healthy

AUTH = {"IMAGE_SKILL_TOKEN": TOKEN}


def _with_warnings(data: Any, warnings: list[Any]) -> dict[str, Any]:
    return {**envelope(data), "warnings": warnings}


def test_warning_objects_are_printed_as_strings(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    old = [{"code": "IDEMPOTENCY_KEY_GENERATED", "message": "generated key k"}, "plain", {"message": "m"}, 7]
    script.on("GET", "/v1/whoami", Reply(200, _with_warnings({"actor": None}, old)))
    result = run_cli("whoami", "--api-base-url", base, env=AUTH)
    assert result.code == ExitCode.OK
    assert result.envelope["warnings"] == ["IDEMPOTENCY_KEY_GENERATED: generated key k", "plain", "m", "7"]


def test_todays_string_warnings_pass_through(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, _with_warnings({"actor": None}, ["one", "two"])))
    result = run_cli("whoami", "--api-base-url", base, env=AUTH)
    assert result.envelope["warnings"] == ["one", "two"]


def test_auth_token_invalid_is_read_as_auth_required(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    error = {
        "code": "AUTH_TOKEN_INVALID",
        "message": "The bearer token is not a valid agent token.",
        "retryable": False,
    }
    script.on("GET", "/v1/quota", Reply(401, envelope(ok=False, error=error)))
    result = run_cli("usage", "quota", "--api-base-url", base, env=AUTH)
    assert result.code == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert result.error["recovery"]["auth_state"] == "invalid"
    assert result.error["recovery"]["suggested_command"] == f"{SIGNUP_COMMAND} --api-base-url {base}"


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        pytest.param(  # an older server: the total in remaining_credits, beside the preview alias
            {
                "remaining_credits": 60,
                "preview_remaining_credits": 10,
                "payment_backed_remaining_credits": 50,
            },
            (10, 50, 60),
            id="older-total",
        ),
        pytest.param(  # the hosted service: the preview part, no total
            {"remaining_credits": 10, "payment_backed_remaining_credits": 50},
            (10, 50, 60),
            id="hosted-no-total",
        ),
        pytest.param(  # today's spec
            {
                "remaining_credits": 10,
                "preview_remaining_credits": 10,
                "payment_backed_remaining_credits": 50,
                "total_remaining_credits": 60,
            },
            (10, 50, 60),
            id="today",
        ),
    ],
)
def test_usage_quota_prints_todays_limits_from_any_shape(
    http: tuple[str, Script], run_cli: Callable[..., Run], limits: dict[str, int], expected: tuple[int, ...]
) -> None:
    base, script = http
    script.on("GET", "/v1/quota", Reply(200, envelope({"limits": limits, "daily_jobs": {"remaining": 4}})))
    printed = run_cli("usage", "quota", "--api-base-url", base, env=AUTH).data["limits"]
    keys = ("remaining_credits", "payment_backed_remaining_credits", "total_remaining_credits")
    assert tuple(printed[key] for key in keys) == expected
    assert printed["preview_remaining_credits"] == printed["remaining_credits"]
    assert spendable(limits) == expected[2]


def test_what_says_nothing_stays_as_it_is() -> None:
    assert credit_limits(None) is None
    assert credit_limits({"other": 1}) == {"other": 1}
    assert spendable({"remaining_credits": "many"}) is None
    assert warning_texts("not a list") == []


@pytest.mark.parametrize(
    ("limits", "stage"),
    [
        ({"remaining_credits": 5, "payment_backed_remaining_credits": 20}, "ready_to_create"),  # 5 + 20 >= 12
        ({"remaining_credits": 20, "preview_remaining_credits": 0, "payment_backed_remaining_credits": 20},
         "ready_to_create"),  # an older total: 20, not 40
        ({"remaining_credits": 10, "preview_remaining_credits": 0, "payment_backed_remaining_credits": 10},
         "quota_required"),  # an older total of 10 is not counted twice
        ({"remaining_credits": 5, "payment_backed_remaining_credits": 0}, "quota_required"),
    ],
)  # fmt: skip
def test_the_guide_spends_preview_plus_paid_credits(limits: dict[str, int], stage: str) -> None:
    data = guide(healthy(getQuota=envelope({"limits": limits, "daily_jobs": {"remaining": 4}})))
    assert data["stage"] == stage
