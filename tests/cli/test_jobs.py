"""jobs wait over a fake client: polls until terminal, and only completed is success."""

from __future__ import annotations

import io
from typing import Any

import pytest

from image_skill.envelope import CliError
from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import envelope
from .fakes import FakeClient, command, make_ctx

JOB_ID = "job_abcdefghijklmnop"


def job(status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
    return envelope({"job": {"job_id": JOB_ID, "status": status, "error": error}})


def wait(client: FakeClient, timeout_ms: str = "5000") -> dict[str, Any]:
    argv = ["jobs", "wait", JOB_ID, "--timeout-ms", timeout_ms, "--poll-interval-ms", "1000"]
    return command(make_ctx(client), *argv)


def test_wait_polls_until_completed() -> None:
    states = iter([job("queued"), job("running"), job("completed")])
    client = FakeClient({"getJob": lambda: next(states)})
    result = wait(client)
    assert result["data"]["job"]["status"] == "completed"
    assert result["command"] == "image-skill jobs wait"
    assert len(client.calls) == 3


@pytest.mark.parametrize(
    ("state", "error", "code"),
    [
        ("failed", None, ErrorCode.JOB_FAILED),
        ("failed", {"code": "PROVIDER_FAILED", "message": "upstream"}, ErrorCode.PROVIDER_FAILED),
        ("failed", {"code": "SOMETHING_NEW"}, ErrorCode.JOB_FAILED),
        ("canceled", None, ErrorCode.JOB_CANCELED),
    ],
)
def test_wait_failed_or_canceled_is_not_success(state: str, error: Any, code: ErrorCode) -> None:
    with pytest.raises(CliError) as caught:
        wait(FakeClient({"getJob": job(state, error)}))
    assert caught.value.code is code
    assert caught.value.exit_code == ERRORS[code].exit_code != ExitCode.OK


def test_wait_times_out_with_exit_8_and_a_way_to_keep_waiting() -> None:
    client = FakeClient({"getJob": job("running")})
    with pytest.raises(CliError) as caught:
        wait(client, timeout_ms="3000")
    assert caught.value.code is ErrorCode.TIMEOUT
    assert caught.value.exit_code == ExitCode.TIMEOUT
    assert caught.value.recovery is not None
    assert caught.value.recovery["suggested_command"].startswith(f"image-skill jobs wait {JOB_ID}")
    assert len(client.calls) == 4  # t = 0, 1, 2, 3 s


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "piped"])
def test_wait_shows_progress_on_stderr_only_on_a_terminal(tty: bool) -> None:
    states = iter([job("queued"), job("running"), job("completed")])
    ctx = make_ctx(FakeClient({"getJob": lambda: next(states)}))
    ctx.stderr = _Terminal() if tty else io.StringIO()
    command(ctx, "jobs", "wait", JOB_ID, "--poll-interval-ms", "1000")
    progress = ctx.stderr.getvalue()
    assert ctx.stdout.getvalue() == ""  # the envelope is main's to print; progress never goes there
    if tty:
        assert progress.splitlines() == [f"job {JOB_ID}: queued", f"job {JOB_ID}: running"]
    else:
        assert progress == ""
