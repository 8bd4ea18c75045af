"""The transport against a scripted local server: retries, timeouts, exit codes, tokens, downloads."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from image_skill.context import Context
from image_skill.envelope import ApiError, CliError
from image_skill.transport import Transport, derive_exit_code
from image_skill_api import operations as ops
from image_skill_api.registry import EXIT_CODE_HEADER, ErrorCode

from .conftest import TOKEN, Reply, Run, Script, envelope

ERROR = {"code": "QUOTA_EXCEEDED", "message": "no credits", "retryable": False}


def transport(base: str, env: dict[str, str] | None = None) -> tuple[Transport, list[float]]:
    slept: list[float] = []
    ctx = Context(
        env={"IMAGE_SKILL_TOKEN": TOKEN, **(env or {})},
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        api_base_url_flag=base,
        sleep=slept.append,
    )
    return Transport(ctx), slept


def test_get_is_retried_on_503_then_succeeds(http: tuple[str, Script]) -> None:
    base, script = http
    script.on(
        "GET", "/v1/models", Reply(503, b"busy"), Reply(503, b"busy"), Reply(200, envelope({"models": []}))
    )
    client, slept = transport(base)
    assert ops.list_models(client)["data"] == {"models": []}
    assert len(script.seen) == 3
    assert slept == [0.2, 0.4]


def test_post_is_not_retried_on_503(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("POST", "/v1/create", Reply(503, b"busy"))
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        ops.create_image(client, {"prompt": "x"})
    assert caught.value.code is ErrorCode.HOSTED_API_NON_JSON_RESPONSE
    assert caught.value.retryable is True
    assert len(script.seen) == 1


def test_non_envelope_json_is_rejected(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/healthz", Reply(200, {"status": "ok"}))
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        ops.get_health(client)
    assert caught.value.code is ErrorCode.HOSTED_API_NON_JSON_RESPONSE
    assert caught.value.retryable is False


def test_error_envelope_uses_the_exit_code_header(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/v1/quota", Reply(400, envelope(ok=False, error=ERROR), {EXIT_CODE_HEADER: "5"}))
    client, _ = transport(base)
    with pytest.raises(ApiError) as caught:
        ops.get_quota(client)
    assert caught.value.exit_code == 5


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (401, None, 3),
        (403, None, 3),
        (402, None, 5),
        (429, None, 5),
        (502, None, 7),
        (404, None, 1),
        (500, "9", 9),
    ],
)
def test_exit_code_is_derived_when_the_header_is_missing(
    status: int, header: str | None, expected: int
) -> None:
    assert derive_exit_code(False, status, header) == expected
    assert derive_exit_code(False, status, "not-a-number") == derive_exit_code(False, status, None)


def test_read_timeout_is_exit_8_and_not_retried(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({}), delay=3))
    client, _ = transport(base, {"IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "0.3"})
    with pytest.raises(CliError) as caught:
        ops.get_whoami(client)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert caught.value.exit_code == 8
    assert len(script.seen) == 1


def test_connection_refused_is_exit_7_after_retries(closed_port: str) -> None:
    client, slept = transport(closed_port)
    with pytest.raises(CliError) as caught:
        ops.get_health(client)
    assert caught.value.code is ErrorCode.HOSTED_API_REQUEST_FAILED
    assert caught.value.exit_code == 7
    assert slept == [0.2, 0.4]


def test_token_only_on_auth_operations_and_headers_set(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({})))
    script.on("GET", "/v1/models", Reply(200, envelope({})))
    client, _ = transport(base)
    ops.get_whoami(client)
    ops.list_models(client, available=True)
    whoami, models = script.seen
    assert whoami.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in models.headers
    assert models.path == "/v1/models?available=true"
    assert whoami.headers["x-image-skill-trace-id"].startswith("trace_")
    assert whoami.headers["user-agent"].startswith("image-skill-python/")


def test_path_parameters_are_quoted(http: tuple[str, Script]) -> None:
    base, script = http
    client, _ = transport(base)
    with pytest.raises(ApiError):
        ops.get_model(client, "a/b?c")
    assert script.seen[0].path == "/v1/models/a%2Fb%3Fc"


# ------------------------------------------------------------------ downloads
def _media(script: Script, data: bytes, **kw: int) -> str:
    script.on("GET", "/media/a/image_x.png", Reply(200, data, {"content-type": "image/png"}, **kw))
    return "/media/a/image_x.png"


def test_download_writes_atomically_with_digest(http: tuple[str, Script], tmp_path: Path) -> None:
    base, script = http
    data = os.urandom(200_000)
    client, _ = transport(base)
    out = client.download(base + _media(script, data), tmp_path / "a.png", overwrite=False)
    assert (tmp_path / "a.png").read_bytes() == data
    assert out == {
        "path": str(tmp_path / "a.png"),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "overwritten": False,
    }
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) & 0o044  # not a private mkstemp file
    assert "authorization" not in script.seen[0].headers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_download_never_clobbers_without_overwrite(http: tuple[str, Script], tmp_path: Path) -> None:
    base, script = http
    target = tmp_path / "a.png"
    target.write_bytes(b"keep me")
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        client.download(base + _media(script, b"new bytes"), target, overwrite=False)
    assert caught.value.code is ErrorCode.OUTPUT_EXISTS
    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
    out = client.download(base + _media(script, b"new bytes"), target, overwrite=True)
    assert target.read_bytes() == b"new bytes"
    assert out["overwritten"] is True


def test_short_download_leaves_no_file(http: tuple[str, Script], tmp_path: Path) -> None:
    base, script = http
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        client.download(
            base + _media(script, b"12345", declared_length=10), tmp_path / "a.png", overwrite=False
        )
    assert caught.value.code in (ErrorCode.ARTIFACT_INTEGRITY_MISMATCH, ErrorCode.HOSTED_API_REQUEST_FAILED)
    assert list(tmp_path.iterdir()) == []


def test_digest_mismatch_leaves_no_file(http: tuple[str, Script], tmp_path: Path) -> None:
    base, script = http
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        client.download(
            base + _media(script, b"12345"), tmp_path / "a.png", overwrite=False, expected_sha256="0" * 64
        )
    assert caught.value.code is ErrorCode.ARTIFACT_INTEGRITY_MISMATCH
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------- tokens and config
def test_saved_token_is_never_sent_to_another_base_url(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"api_base_url": "https://elsewhere.example", "token": TOKEN}))
    result = run_cli("whoami", "--api-base-url", base)
    assert result.code == 3
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert "another API base URL" in result.error["message"]
    assert script.seen == []
    assert TOKEN not in result.stdout


def test_token_precedence_stdin_then_env_then_config(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({"who": "me"})))
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"api_base_url": base + "/", "token": "isk_r_saved_token_aaaaaaaaaaaaaaa"}))
    run_cli("whoami", "--api-base-url", base)
    run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": "isk_r_env_token_bbbbbbbbbbbbbbbbbb"})
    result = run_cli(
        "whoami",
        "--token-stdin",
        "--api-base-url",
        base,
        env={"IMAGE_SKILL_TOKEN": "isk_r_env_token_bbbbbbbbbbbbbbbbbb"},
        stdin="isk_r_stdin_token_ccccccccccccccccc\n",
    )
    sent = [seen.headers["authorization"] for seen in script.seen]
    assert sent == [
        "Bearer isk_r_saved_token_aaaaaaaaaaaaaaa",
        "Bearer isk_r_env_token_bbbbbbbbbbbbbbbbbb",
        "Bearer isk_r_stdin_token_ccccccccccccccccc",
    ]
    assert "isk_r_" not in result.stdout


def test_signup_saves_0600_atomically_and_never_prints_the_token(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    result = run_cli(
        "signup", "--agent", "--agent-contact", "a@example.com", "--agent-name", "n", "--api-base-url", base
    )
    config = home / "cfg" / "config.json"
    assert result.code == 0
    assert result.data["token"] is None
    assert result.data["token_saved"] is True
    assert TOKEN not in result.stdout
    assert json.loads(config.read_text())["token"] == TOKEN
    assert json.loads(config.read_text())["api_base_url"] == base
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert [p.name for p in config.parent.iterdir()] == ["config.json"]
    assert json.loads(script.seen[0].body)["return_token"] is True


def test_show_token_prints_once_and_does_not_save(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    argv = ["signup", "--agent", "--human-email", "a@example.com", "--agent-name", "n", "--show-token"]
    result = run_cli(*argv, "--api-base-url", base)
    assert result.data["token"] == TOKEN
    assert not (home / "cfg" / "config.json").exists()


def test_unwritable_config_fails_before_signup(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    argv = [
        "signup",
        "--agent",
        "--agent-contact",
        "a@example.com",
        "--agent-name",
        "n",
        "--api-base-url",
        base,
    ]
    result = run_cli(*argv, env={"IMAGE_SKILL_CONFIG_PATH": str(blocker / "config.json")})
    assert result.code == 9
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED
    assert result.error["recovery"]["suggested_command"]
    assert script.seen == []


def test_doctor_reports_service_auth_config_and_telemetry(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    result = run_cli("doctor", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == 0
    data = result.data
    assert data["hosted_api"]["ok"] is True
    assert data["auth"] == {**data["auth"], "ok": True, "token_source": "env"}
    assert data["config"]["directory_writable"] is True
    assert data["telemetry"]["enabled"] is False
    assert TOKEN not in result.stdout
    assert "authorization" not in script.seen[0].headers


def test_doctor_when_the_service_is_down_still_reports_exit_0(
    closed_port: str, run_cli: Callable[..., Run]
) -> None:
    result = run_cli("doctor", "--api-base-url", closed_port)
    assert result.code == 0  # doctor works offline (tests/cli/test_first_run_cli.py has the details)
    assert result.data["hosted_api"]["reachable"] is False
    assert result.envelope["warnings"][0]["code"] == ErrorCode.HOSTED_API_REQUEST_FAILED
