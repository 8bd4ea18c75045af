"""The transport against a scripted local server: retries, timeouts, exit codes, headers, downloads.

It is built with plain values (``conftest.transport``), as ``Context.client`` builds it."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from image_skill.envelope import CliError, ServerError
from image_skill.transport.api import derive_exit_code
from image_skill_api import operations as ops
from image_skill_api.registry import EXIT_CODE_HEADER, ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope, transport

ERROR = {"code": "QUOTA_EXCEEDED", "message": "no credits", "retryable": False}


def test_get_is_retried_on_503_then_succeeds(http: tuple[str, Script]) -> None:
    base, script = http
    script.on(
        "GET", "/v1/models", Reply(503, b"busy"), Reply(503, b"busy"), Reply(200, envelope({"models": []}))
    )
    client, slept = transport(base)
    assert ops.list_models(client)["data"] == {"models": []}
    assert len(script.seen) == 3
    assert slept == [0.2, 0.4]


#: A keyed POST of each kind (its operation takes an idempotency key, and the body carries one).
KEYED = [
    pytest.param("create_image", "/v1/create", {"prompt": "x", "idempotency_key": "key-001"}, id="create"),
    pytest.param(
        "edit_image", "/v1/edit", {"input_asset_id": "asset_in", "idempotency_key": "key-001"}, id="edit"
    ),
]


def test_an_unkeyed_post_is_not_retried_on_503(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("POST", "/v1/create", Reply(503, b"busy"))
    client, slept = transport(base)
    with pytest.raises(CliError) as caught:
        ops.create_image(client, {"prompt": "x"})  # no idempotency_key: sending it again could run it twice
    assert caught.value.code is ErrorCode.HOSTED_API_NON_JSON_RESPONSE
    assert caught.value.retryable is True
    assert len(script.seen) == 1
    assert slept == []


def test_an_unkeyed_post_whose_answer_was_lost_is_not_retried(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("POST", "/v1/feedback", Reply(drop=True))
    client, _ = transport(base)
    with pytest.raises(CliError) as caught:
        ops.create_feedback(client, {"title": "t", "body": "b"})
    assert caught.value.code is ErrorCode.HOSTED_API_REQUEST_FAILED
    assert len(script.seen) == 1


@pytest.mark.parametrize(("send", "path", "body"), KEYED)
def test_a_keyed_post_answered_by_a_5xx_is_retried_once_with_the_same_key(
    http: tuple[str, Script], send: str, path: str, body: dict[str, Any]
) -> None:
    base, script = http
    script.on("POST", path, Reply(502, b"<html>bad gateway</html>"), Reply(200, envelope({"job_id": "j"})))
    client, slept = transport(base)
    assert getattr(ops, send)(client, body)["data"] == {"job_id": "j"}
    assert [json.loads(seen.body) for seen in script.seen] == [body, body]
    assert slept == [0.2]


@pytest.mark.parametrize(("send", "path", "body"), KEYED)
def test_a_keyed_post_whose_answer_was_lost_is_retried_once_with_the_same_key(
    http: tuple[str, Script], send: str, path: str, body: dict[str, Any]
) -> None:
    base, script = http
    script.on("POST", path, Reply(drop=True), Reply(200, envelope({"job_id": "j"})))
    client, _ = transport(base)
    assert getattr(ops, send)(client, body)["data"] == {"job_id": "j"}
    assert [json.loads(seen.body)["idempotency_key"] for seen in script.seen] == ["key-001", "key-001"]


@pytest.mark.parametrize(("send", "path", "body"), KEYED)
def test_a_keyed_post_is_retried_only_once(
    http: tuple[str, Script], send: str, path: str, body: dict[str, Any]
) -> None:
    base, script = http
    failed = {"code": "INTERNAL_ERROR", "message": "boom", "retryable": True}
    script.on("POST", path, Reply(500, envelope(ok=False, error=failed)))
    client, _ = transport(base)
    with pytest.raises(ServerError) as caught:
        getattr(ops, send)(client, body)
    assert caught.value.exit_code == ExitCode.PROVIDER
    assert len(script.seen) == 2


@pytest.mark.parametrize(
    "argv",
    [["create", "--prompt", "p"], ["edit", "--input-asset-id", "asset_in", "--prompt", "p"]],
    ids=["create", "edit"],
)
def test_create_and_edit_are_sent_once_more_with_their_key_after_a_5xx(
    http: tuple[str, Script], run_cli: Callable[..., Run], argv: list[str]
) -> None:
    base, script = http
    script.on("POST", f"/v1/{argv[0]}", Reply(503, b"busy"), Reply(200, envelope({"job_id": "j"})))
    result = run_cli(
        *argv, "--idempotency-key", "run-001", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN}
    )
    assert result.code == ExitCode.OK, result.envelope
    assert [json.loads(seen.body)["idempotency_key"] for seen in script.seen] == ["run-001", "run-001"]


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
    script.on(
        "GET",
        "/v1/quota",
        Reply(400, envelope(ok=False, error=ERROR), {EXIT_CODE_HEADER: str(ExitCode.QUOTA.value)}),
    )
    client, _ = transport(base)
    with pytest.raises(ServerError) as caught:
        ops.get_quota(client)
    assert caught.value.exit_code == ExitCode.QUOTA


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (401, None, ExitCode.AUTH),
        (403, None, ExitCode.AUTH),
        (402, None, ExitCode.QUOTA),
        (429, None, ExitCode.QUOTA),
        (502, None, ExitCode.PROVIDER),
        (404, None, ExitCode.GENERIC_FAILURE),
        (500, "9", ExitCode.STORAGE),
    ],
)
def test_exit_code_is_derived_when_the_header_is_missing(
    status: int, header: str | None, expected: ExitCode
) -> None:
    assert derive_exit_code(False, status, header) == expected
    assert derive_exit_code(False, status, "not-a-number") == derive_exit_code(False, status, None)


def test_read_timeout_is_exit_8_and_not_retried(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({}), delay=3))
    client, _ = transport(base, read_timeout=0.3)
    with pytest.raises(CliError) as caught:
        ops.get_whoami(client)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert caught.value.exit_code == ExitCode.TIMEOUT
    assert len(script.seen) == 1


def test_connection_refused_is_exit_7_after_retries(closed_port: str) -> None:
    client, slept = transport(closed_port)
    with pytest.raises(CliError) as caught:
        ops.get_health(client)
    assert caught.value.code is ErrorCode.HOSTED_API_REQUEST_FAILED
    assert caught.value.exit_code == ExitCode.PROVIDER
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


def test_a_netrc_entry_for_the_api_host_never_replaces_or_adds_credentials(
    http: tuple[str, Script], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, script = http
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    script.on("GET", "/v1/whoami", Reply(200, envelope({})))
    script.on("GET", "/v1/models", Reply(200, envelope({})))
    client, _ = transport(base)
    ops.get_whoami(client)
    ops.list_models(client)
    whoami, models = script.seen
    assert whoami.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in models.headers


def test_path_parameters_are_quoted(http: tuple[str, Script]) -> None:
    base, script = http
    client, _ = transport(base)
    with pytest.raises(ServerError):
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
    assert caught.value.code is ErrorCode.HOSTED_API_REQUEST_FAILED  # urllib3 enforces content-length
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


def test_a_download_hands_what_is_written_to_writeback_as_it_goes(
    http: tuple[str, Script], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from image_skill.transport import download

    started: list[tuple[int, int, int]] = []
    monkeypatch.setattr(download, "WRITEBACK_BYTES", 1 << 16)
    monkeypatch.setattr(
        download, "_start_writeback", lambda fd, at, n: started.append((at, n, os.fstat(fd).st_size))
    )
    base, script = http
    monkeypatch.setattr(download, "MEDIA_CHUNK", 1 << 14)
    data = os.urandom(300_000)
    client, _ = transport(base)
    out = client.download(base + _media(script, data), tmp_path / "a.png", overwrite=False)
    assert (tmp_path / "a.png").read_bytes() == data
    assert out["sha256"] == hashlib.sha256(data).hexdigest()  # hashed piece by piece
    assert started, "a download over WRITEBACK_BYTES starts writeback before its end"
    assert [at for at, _, _ in started] == [0, *(at + n for at, n, _ in started[:-1])]  # back to back
    piece = download.MEDIA_CHUNK
    assert all(n >= 1 << 16 for _, n, _ in started)
    # whole pieces, a piece behind what is written: the partial last page is written again next
    assert all((at + n) % piece == 0 and at + n <= size - piece for at, n, size in started)
    assert started[-1][0] + started[-1][1] <= len(data)
