"""The CLI's side of telemetry (headers, or none in the no-telemetry mode) and of product memory
(secrets refused before anything is sent; activity references checked locally)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from image_skill import __version__, telemetry
from image_skill_api.constants import (
    TELEMETRY_CLIENT_HEADER,
    TELEMETRY_COMMAND_HEADER,
    TELEMETRY_ELAPSED_HEADER,
)
from image_skill_api.registry import TRACE_ID_HEADER, ErrorCode, ExitCode
from image_skill_api.screening import find_secret

from .conftest import TOKEN, Reply, Run, Script, envelope

TELEMETRY_HEADERS = (TELEMETRY_CLIENT_HEADER, TELEMETRY_COMMAND_HEADER, TELEMETRY_ELAPSED_HEADER)


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, True),
        ({"IMAGE_SKILL_TELEMETRY": "on"}, True),
        ({"IMAGE_SKILL_TELEMETRY": ""}, True),
        ({"DO_NOT_TRACK": "0"}, True),
        ({"DO_NOT_TRACK": ""}, True),
        ({"IMAGE_SKILL_TELEMETRY": "off"}, False),
        ({"IMAGE_SKILL_TELEMETRY": "OFF"}, False),
        ({"IMAGE_SKILL_TELEMETRY": "0"}, False),
        ({"DO_NOT_TRACK": "1"}, False),
        ({"DO_NOT_TRACK": "true"}, False),
    ],
)
def test_the_mode_follows_the_documented_switches(env: dict[str, str], enabled: bool) -> None:
    on, why = telemetry.mode(env)
    assert on is enabled
    assert why.startswith("on" if enabled else "off")
    assert bool(telemetry.headers(env, "image-skill whoami")) is enabled


def test_a_run_describes_itself_in_every_request(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({})))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.OK
    [seen] = script.seen
    assert seen.headers[TELEMETRY_CLIENT_HEADER] == f"image-skill/{__version__}"
    assert seen.headers[TELEMETRY_COMMAND_HEADER] == "image-skill whoami"
    assert int(seen.headers[TELEMETRY_ELAPSED_HEADER]) >= 0
    assert seen.headers[TRACE_ID_HEADER].startswith("trace_")


@pytest.mark.parametrize("switch", [{"IMAGE_SKILL_TELEMETRY": "off"}, {"DO_NOT_TRACK": "1"}])
def test_the_no_telemetry_mode_sends_no_telemetry_header_and_prints_the_same(
    http: tuple[str, Script], run_cli: Callable[..., Run], switch: dict[str, str]
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({"agent_name": "a"})))
    on = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    off = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN, **switch})
    assert not set(TELEMETRY_HEADERS) & set(script.seen[1].headers)
    assert (on.code, on.stdout) == (off.code, off.stdout)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("isk_r_abcdefgh12345678", True),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", True),
        ("sk-proj-" + "Ab1" * 12, True),
        ("whsec_" + "a1" * 10, True),
        ("xoxb-1234567890-abcdef", True),
        ("AIza" + "A" * 35, True),
        ("tokens start isk_r_", False),
        ("ask-me-anything-about-the-cli-and-its-flags", False),
        ("bearer of bad news", False),
        ("trace:trace_0123456789abcdef", False),
    ],
)
def test_secret_shapes(text: str, found: bool) -> None:
    assert (find_secret({"body": text}) is not None) is found


def test_a_secret_in_feedback_is_refused_before_any_request(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    secret = "isk_r_" + "s3cr3t" * 5
    result = run_cli(
        "feedback", "create", "--title", "t", "--body", "b",
        "--evidence", "ok", "--evidence", f"leak {secret}",
        "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN},
    )  # fmt: skip
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.SECRET_IN_REQUEST_REJECTED
    assert "--evidence" in result.error["message"]
    assert secret not in result.stdout
    assert script.seen == []


def test_feedback_sends_design_md_defaults(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    data = {"feedback_id": "fb_0123456789abcdef", "status": "accepted"}
    script.on("POST", "/v1/feedback", Reply(201, envelope(data)))
    result = run_cli(
        "feedback",
        "create",
        "--title",
        "t",
        "--body",
        "b",
        "--api-base-url",
        base,
        env={"IMAGE_SKILL_TOKEN": TOKEN},
    )
    assert result.code == ExitCode.OK
    assert json.loads(script.seen[0].body) == {
        "type": "user_feedback",
        "severity": "medium",
        "confidence": "medium",
        "next_state": "watch",
        "surface": ["cli"],
        "title": "t",
        "body": "b",
    }


@pytest.mark.parametrize("ref", ["nope", "agt_0123456789abcdef", "job_", "job_a/b", "evt_a b"])
def test_a_malformed_activity_reference_is_refused_before_any_request(
    http: tuple[str, Script], run_cli: Callable[..., Run], ref: str
) -> None:
    base, script = http
    result = run_cli("activity", "show", ref, "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert "sig_" in result.error["message"]
    assert script.seen == []
