"""jobs wait over a fake client: polls until terminal, and only completed is success."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from image_skill.envelope import CliError
from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import TOKEN, Run, envelope, transport
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


# ------------------------------------------------------------------ the wait's deadline bounds every poll
def test_each_poll_may_take_only_what_is_left_of_the_wait() -> None:
    from image_skill.commands.jobs import MIN_POLL_SECONDS

    client = FakeClient({"getJob": job("running")})
    with pytest.raises(CliError) as caught:
        wait(client, timeout_ms="3000")
    assert caught.value.code is ErrorCode.TIMEOUT
    # the fake clock stands at 0, 1, 2, 3 s at the polls: each is capped by what is left (3, 2, 1, 0 s),
    # the last one at the floor a poll always gets
    assert client.bounds == [3.0, 2.0, 1.0, MIN_POLL_SECONDS]


def test_a_poll_that_times_out_ends_the_wait_with_its_timeout() -> None:
    from image_skill.transport.streaming import timed_out

    client = FakeClient({"getJob": timed_out("the API did not answer within 3 s")})
    with pytest.raises(CliError) as caught:
        wait(client, timeout_ms="3000")
    assert caught.value.code is ErrorCode.TIMEOUT
    assert caught.value.recovery is not None
    assert caught.value.recovery["suggested_command"].startswith(f"image-skill jobs wait {JOB_ID}")
    assert client.bounds == [3.0]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_jobs_wait_against_a_silent_server_gives_up_at_its_own_deadline(
    silent_server: str, run_cli: Callable[..., Run]
) -> None:
    argv = ["jobs", "wait", JOB_ID, "--timeout-ms", "300", "--poll-interval-ms", "100"]
    env = {"IMAGE_SKILL_TOKEN": TOKEN, "IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "5"}
    result = run_cli(*argv, "--api-base-url", silent_server, env=env)
    assert result.code == ExitCode.TIMEOUT
    assert "after 300 ms" in result.error["message"]  # the wait's deadline, not the read timeout


def test_a_bounded_transport_call_caps_the_whole_exchange(silent_server: str) -> None:
    from image_skill_api import operations as ops

    client, _ = transport(silent_server, read_timeout=3600)
    with pytest.raises(CliError) as caught, client.bounded(0.2):
        ops.get_job(client, JOB_ID)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert "within 0.2 s" in caught.value.message
    assert client.cap is None  # the bound ends with its block
