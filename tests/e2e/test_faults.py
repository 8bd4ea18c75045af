"""Faults end to end: the real CLI against ``image-skill-mock serve --faults``, through a forwarding
HTTP proxy that adds ``x-image-skill-mock-fault`` to every request (the CLI itself never sends it).
Each fault's exit code reaches the agent; nothing is debited or half-written."""

from __future__ import annotations

import http.client
import json
import shlex
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from image_skill_api.registry import ERRORS, ErrorCode, ExitCode
from image_skill_mock.http import faults

from .conftest import Cli

pytestmark = pytest.mark.e2e

PROMPT = "a lighthouse in fog"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade"}


@contextmanager
def fault_proxy(fault: str, seen: list[tuple[str, str, bytes]] | None = None) -> Iterator[str]:
    """An HTTP proxy (``http://127.0.0.1:PORT``) forwarding every request with the fault header;
    each request's (method, path, body) is appended to ``seen`` when given."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            target = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if seen is not None:
                seen.append((self.command, target.path, body))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers[faults.HEADER] = fault
            conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=60)
            path = target.path + (f"?{target.query}" if target.query else "")
            conn.request(self.command, path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            conn.close()

        do_GET = do_POST = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def faults_server(start_module_server: Callable[..., str]) -> str:
    """One ``--faults`` server for the module: a fault is asked for per request (``fault_proxy``
    adds its header), and each test signs up an agent of its own."""
    return start_module_server("--faults")


@pytest.fixture
def faulty_cli(faults_server: str, tmp_path: Path) -> Cli:
    home = tmp_path / "faulty-home"
    home.mkdir()
    cli = Cli(faults_server, home)
    cli.signup()
    return cli


def _through(proxy: str) -> dict[str, str]:
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (faults.PROVIDER_FAILED, ErrorCode.PROVIDER_FAILED),
        (faults.PROVIDER_TIMEOUT, ErrorCode.TIMEOUT),
        (faults.STORAGE_FAILED, ErrorCode.ARTIFACT_STORAGE_WRITE_FAILED),
    ],
)
def test_a_create_fault_is_its_exit_code_and_nothing_is_debited(
    faulty_cli: Cli, fault: str, code: ErrorCode
) -> None:
    before = faulty_cli("usage", "quota").data["limits"]["remaining_credits"]
    with fault_proxy(fault) as proxy:
        result = faulty_cli("create", "--prompt", PROMPT, env=_through(proxy))
    assert result.exit_code == ERRORS[code].exit_code
    assert result.error["code"] == code
    assert result.error["retryable"] is ERRORS[code].retryable
    assert PROMPT not in result.stdout
    assert faulty_cli("usage", "quota").data["limits"]["remaining_credits"] == before
    assert faulty_cli("activity", "list").data["events"] == []  # no job, asset or debit was recorded


def test_a_feedback_storage_failure_is_exit_9_and_stores_nothing(faulty_cli: Cli) -> None:
    with fault_proxy(faults.FEEDBACK_STORAGE_FAILED) as proxy:
        result = faulty_cli(
            "feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "k1", env=_through(proxy)
        )
    assert result.exit_code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.FEEDBACK_STORAGE_FAILED
    assert faulty_cli("activity", "list").data["events"] == []
    retried = faulty_cli("feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "k1")
    assert retried.data["status"] == "accepted"


def test_a_server_error_is_exit_7(faulty_cli: Cli) -> None:
    with fault_proxy(faults.SERVER_ERROR) as proxy:
        result = faulty_cli("whoami", env=_through(proxy))
    assert result.exit_code == ExitCode.PROVIDER
    assert result.error["code"] == ErrorCode.INTERNAL_ERROR


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "--prompt", PROMPT],
        ["edit", "--input-asset-id", "asset_faulty-input", "--prompt", PROMPT],
    ],
    ids=["create", "edit"],
)
def test_a_keyed_post_answered_by_a_5xx_is_sent_once_more_with_the_same_key(
    faulty_cli: Cli, argv: list[str]
) -> None:
    seen: list[tuple[str, str, bytes]] = []
    with fault_proxy(faults.SERVER_ERROR, seen) as proxy:
        result = faulty_cli(*argv, "--idempotency-key", "retry-key-001", env=_through(proxy))
    assert result.exit_code == ExitCode.PROVIDER
    assert result.error["code"] == ErrorCode.INTERNAL_ERROR
    assert [(method, path) for method, path, _ in seen] == [("POST", f"/v1/{argv[0]}")] * 2
    posts = [json.loads(body) for _, _, body in seen]
    assert [post["idempotency_key"] for post in posts] == ["retry-key-001", "retry-key-001"]
    assert posts[0] == posts[1]


def test_an_unkeyed_post_answered_by_a_5xx_is_not_sent_again(faulty_cli: Cli) -> None:
    seen: list[tuple[str, str, bytes]] = []
    with fault_proxy(faults.SERVER_ERROR, seen) as proxy:
        result = faulty_cli(
            "feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "k2", env=_through(proxy)
        )
    assert result.exit_code == ExitCode.PROVIDER
    assert result.error["code"] == ErrorCode.INTERNAL_ERROR
    assert [(method, path) for method, path, _ in seen] == [("POST", "/v1/feedback")]


def test_a_slow_answer_past_the_read_timeout_is_exit_8(faulty_cli: Cli) -> None:
    with fault_proxy("slow:3000") as proxy:
        env = {**_through(proxy), "IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "1"}
        result = faulty_cli("usage", "quota", env=env)
    assert result.exit_code == ExitCode.TIMEOUT
    assert result.error["code"] == ErrorCode.TIMEOUT


# ------------------------------------------------------------------ recoveries of keyed requests, for real
def test_a_storage_failure_recovers_by_inspection_and_every_inspection_runs(faulty_cli: Cli) -> None:
    with fault_proxy(faults.STORAGE_FAILED) as proxy:
        result = faulty_cli(
            "create", "--prompt", PROMPT, "--idempotency-key", "inspect-key-001", env=_through(proxy)
        )
    recovery = result.error["recovery"]
    assert recovery["idempotency_key"] == "inspect-key-001"
    assert not recovery["suggested_command"].startswith("image-skill create")  # never a blind rerun
    for command in recovery["inspect_commands"]:
        assert faulty_cli.follow(command).exit_code == ExitCode.OK, command
    assert not list((faulty_cli.config_path.parent / "in-flight").glob("*.json"))


def test_a_provider_failure_leaves_a_note_whose_replay_finishes_the_create_once(faulty_cli: Cli) -> None:
    with fault_proxy(faults.PROVIDER_FAILED) as proxy:
        failed = faulty_cli(
            "create", "--prompt", PROMPT, "--idempotency-key", "replay-key-001", env=_through(proxy)
        )
    assert failed.error["retryable"] is True
    [entry] = faulty_cli("doctor").data["in_flight"]["entries"]
    assert entry["idempotency_key"] == "replay-key-001"
    argv = shlex.split(entry["recover_command"])
    first = faulty_cli(*argv[1:], stdin=PROMPT)
    again = faulty_cli(*argv[1:], stdin=PROMPT)
    assert first.exit_code == again.exit_code == ExitCode.OK, first.envelope
    assert first.data["job_id"] == again.data["job_id"]  # the same key: one job
    assert faulty_cli("doctor").data["in_flight"]["entries"] == []
