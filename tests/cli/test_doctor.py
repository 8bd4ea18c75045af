"""doctor: service, auth, config and telemetry checks; it works offline (exit 0)."""

from __future__ import annotations

from collections.abc import Callable

from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope


def test_doctor_reports_service_auth_config_and_telemetry(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    result = run_cli("doctor", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.OK
    data = result.data
    assert data["hosted_api"]["ok"] is True
    assert data["auth"] == {**data["auth"], "ok": True, "token_source": "env"}
    assert data["config"]["directory_writable"] is True
    assert data["telemetry"]["enabled"] is True  # on unless IMAGE_SKILL_TELEMETRY=off / DO_NOT_TRACK=1
    assert data["telemetry"]["mode"] == "on"
    assert script.seen[0].headers["x-image-skill-client-command"] == "image-skill doctor"
    assert TOKEN not in result.stdout
    assert "authorization" not in script.seen[0].headers


def test_doctor_when_the_service_is_down_still_reports_exit_0(
    closed_port: str, run_cli: Callable[..., Run]
) -> None:
    result = run_cli("doctor", "--api-base-url", closed_port)
    assert (
        result.code == ExitCode.OK
    )  # doctor works offline (tests/cli/test_first_run_cli.py has the details)
    assert result.data["hosted_api"]["reachable"] is False
    assert result.data["hosted_api"]["error"] == ErrorCode.HOSTED_API_REQUEST_FAILED  # the fact, in data
    assert result.envelope["warnings"][0].startswith(f"{ErrorCode.HOSTED_API_REQUEST_FAILED}: ")  # a string
