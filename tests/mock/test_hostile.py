"""Hostile and concurrent clients (issue #5): the mock stays correct, responsive and traceback-free.

Live-server tests run the real ``image-skill-mock serve`` on a free loopback port (127.0.0.1 only)
and talk to it over raw sockets where the exact bytes on the wire matter. Every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from image_skill_api.registry import (
    ENVELOPE_KEYS,
    ERRORS,
    EXIT_CODE_HEADER,
    MOCK_MEDIA_PATH,
    ErrorCode,
    ExitCode,
)
from image_skill_mock import main
from image_skill_mock.creative.pricing import credits_for_usd
from image_skill_mock.http import ecma, validation

from .conftest import NOON, Api, LiveServer, fixed_clock, ledger_check

JSON = {"content-type": "application/json"}
MiB = 1024 * 1024
#: What one fal.flux-dev image debits (USD 0.025 -> 5 credits).
FLUX_DEV_CREDITS = credits_for_usd(Decimal("0.025"))


# ------------------------------------------------------------------ helpers
def check_envelope(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The seven-key envelope, with an exit-code header and status that agree with the registry."""
    envelope: dict[str, Any] = json.loads(body)
    assert tuple(envelope) == ENVELOPE_KEYS
    exit_code = int(headers[EXIT_CODE_HEADER])
    assert (exit_code == 0) is envelope["ok"]
    if not envelope["ok"]:
        spec = ERRORS[ErrorCode(envelope["error"]["code"])]
        assert (status, exit_code) == (spec.http_status, spec.exit_code)
    return envelope


def connect(server: LiveServer, timeout: float = 15.0) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=timeout)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the connection closed before a whole response arrived: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (ln.partition(":") for ln in lines)}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]


def request_head(path: str, *, length: int | None = None, extra: str = "") -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{extra}{framing}\r\n\r\n"
    ).encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


def signup(base_url: str, name: str = "agent") -> str:
    response = requests.post(
        f"{base_url}/v1/agent-signups",
        json={"agent_contact": f"{name}@example.com", "agent_name": name, "return_token": True},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["data"]["token"]
    return token


def health_latency(base_url: str) -> float:
    began = time.perf_counter()
    response = requests.get(f"{base_url}/healthz", timeout=30)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200
    return elapsed


def jobs_in(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])


# ------------------------------------------------------ 1. the daily job cap
def test_the_daily_cap_holds_under_20_concurrent_creates(live_server: Callable[..., LiveServer]) -> None:
    server = live_server("--daily-jobs", "4", "--free-credits", "1000")
    token = signup(server.base_url)
    start = threading.Barrier(20)

    def create(_: int) -> requests.Response:
        start.wait(timeout=30)
        return requests.post(
            f"{server.base_url}/v1/create",
            json={"prompt": "a quiet harbour at dawn", "model": "fal.flux-dev"},
            headers={"authorization": f"Bearer {token}"},
            timeout=120,
        )

    results: list[requests.Response] = []
    threads = [threading.Thread(target=lambda i=i: results.append(create(i))) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert len(results) == 20
    envelopes = [check_envelope(r.status_code, dict(r.headers), r.content) for r in results]
    won = [e["data"] for e in envelopes if e["ok"]]
    refused = [e["error"] for e in envelopes if not e["ok"]]
    assert len(won) == 4
    assert {e["code"] for e in refused} == {ErrorCode.DAILY_JOB_LIMIT_EXCEEDED}
    assert all(0 <= e["recovery"]["retry_after_seconds"] <= 24 * 3600 for e in refused)
    # Each winner reports the balance its own debit left: no two see the same stale figure.
    debit = won[0]["quota"]["consumed_credits"]
    assert debit == FLUX_DEV_CREDITS
    assert sorted(d["quota"]["remaining_credits"] for d in won) == [1000 - debit * k for k in (4, 3, 2, 1)]
    quota = requests.get(
        f"{server.base_url}/v1/quota", headers={"authorization": f"Bearer {token}"}, timeout=30
    ).json()["data"]
    assert quota["daily_jobs"]["used"] == 4
    assert quota["limits"]["remaining_credits"] == 1000 - 4 * debit
    assert ledger_check(server.db_path)["differences"] == []


def test_dry_runs_still_do_not_count_toward_the_cap(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=1, clock=fixed_clock(NOON))
    api.signup()
    assert api.create(dry_run=True)["status"] == 200
    assert api.create()["status"] == 200
    refused = api.create()["error"]
    assert refused["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    assert refused["recovery"]["retry_after_seconds"] == 12 * 3600
    assert api.create(dry_run=True)["status"] == 200


# --------------------------------------------------------- 2. body size
def test_a_declared_oversized_body_is_refused_before_it_is_sent(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server()
    with connect(server) as sock:
        # 100 MB announced, 11 bytes sent: the answer must not wait for the rest.
        sock.sendall(request_head("/v1/create", length=100_000_000) + b'{"prompt":"')
        status, headers, body = read_response(sock)
    envelope = check_envelope(status, headers, body)
    assert status == 413
    assert envelope["error"]["code"] == ErrorCode.REQUEST_TOO_LARGE
    assert int(headers[EXIT_CODE_HEADER]) == ExitCode.INVALID_ARGUMENTS
    assert headers["connection"] == "close"


def test_a_chunked_body_is_refused_once_it_passes_the_limit(live_server: Callable[..., LiveServer]) -> None:
    server = live_server()
    limit = validation.schemas_for("createImage").max_body_bytes
    assert limit == validation.limits()["max_json_body_bytes"] == MiB
    piece = b"0," * 32768
    sent = 0
    with connect(server) as sock:
        sock.sendall(request_head("/v1/create") + chunk(b'{"prompt":"x","references":['))
        try:
            while sent < 64 * MiB and not readable(sock):
                sock.sendall(chunk(piece))
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed after answering: the answer is already here
        status, headers, body = read_response(sock)
    assert status == 413
    assert check_envelope(status, headers, body)["error"]["code"] == ErrorCode.REQUEST_TOO_LARGE
    assert sent < 64 * MiB  # refused long before the client gave up


def test_the_upload_limit_admits_the_largest_valid_upload() -> None:
    upload = validation.spec()["components"]["schemas"]["UploadRequest"]["properties"]
    largest = upload["bytes_base64"]["maxLength"] + upload["filename"]["maxLength"] * 6 + 4096
    assert validation.schemas_for("uploadAsset").max_body_bytes >= largest
    assert (
        validation.schemas_for("createImage").max_body_bytes
        < validation.schemas_for("uploadAsset").max_body_bytes
    )


@pytest.mark.parametrize(
    ("framing", "expected"),
    [
        ("under the limit, slow", ErrorCode.INVALID_ARGUMENTS),  # read whole, then refused by the schema
        ("chunked past the limit, slow", ErrorCode.REQUEST_TOO_LARGE),
    ],
)
def test_health_answers_while_a_big_request_is_in_flight(
    live_server: Callable[..., LiveServer], framing: str, expected: ErrorCode
) -> None:
    server = live_server()
    # Authenticated: an anonymous request is held to the much smaller anonymous body limit.
    auth = f"Authorization: Bearer {signup(server.base_url)}\r\n"
    outcome: dict[str, Any] = {}
    done = threading.Event()
    array = b"0," * 499_990 + b"0"
    big = b'{"prompt":"x","references":[' + array + b"]}"

    def upload() -> None:
        try:
            with connect(server, timeout=60) as sock:
                if framing.startswith("under"):
                    assert len(big) < MiB
                    sock.sendall(request_head("/v1/create", length=len(big), extra=auth))
                    for at in range(0, len(big), 64 * 1024):
                        sock.sendall(big[at : at + 64 * 1024])
                        time.sleep(0.02)
                else:
                    sock.sendall(request_head("/v1/create", extra=auth))
                    with_tail = big + b" " * MiB
                    for at in range(0, len(with_tail), 64 * 1024):
                        if readable(sock):
                            break
                        sock.sendall(chunk(with_tail[at : at + 64 * 1024]))
                        time.sleep(0.02)
                outcome["response"] = read_response(sock)
        except OSError as exc:
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=upload)
    thread.start()
    latencies = []
    while not done.is_set() and len(latencies) < 400:
        latencies.append(health_latency(server.base_url))
        time.sleep(0.01)
    latencies += [health_latency(server.base_url) for _ in range(3)]
    thread.join(60)
    assert "error" not in outcome, outcome
    status, headers, body = outcome["response"]
    envelope = check_envelope(status, headers, body)
    assert envelope["error"]["code"] == expected
    assert max(latencies) < 1.0, f"healthz stalled for {max(latencies):.2f} s while a big request was handled"


def test_the_largest_json_body_is_refused_by_its_bound(live_server: Callable[..., LiveServer]) -> None:
    """A 1 MiB body of 520,001 references is refused by ``maxItems`` (that its items are never
    looked at, so it costs no more than a small body, is tests/mock/test_bounded_validation.py)."""
    server = live_server()
    body = b'{"prompt":"x","references":[' + b"0," * 520_000 + b"0]}"
    assert len(body) <= MiB
    # Authenticated: an anonymous request is held to the much smaller anonymous body limit.
    headers = {**JSON, "authorization": f"Bearer {signup(server.base_url)}"}
    response = requests.post(f"{server.base_url}/v1/create", data=body, headers=headers, timeout=60)
    envelope = check_envelope(response.status_code, dict(response.headers), response.content)
    assert envelope["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "references" in envelope["error"]["message"]
    assert "maxItems" in envelope["error"]["message"]


class ManyErrors:
    """A validator whose errors never end (a body with a million bad items, say)."""

    def __init__(self) -> None:
        self.pulled = 0

    def iter_errors(self, value: Any) -> Iterator[Any]:
        from jsonschema.exceptions import ValidationError

        while True:
            self.pulled += 1
            if self.pulled > 1000:
                raise AssertionError("walked every error")
            yield ValidationError("bad", path=[self.pulled])


def test_validation_stops_after_a_bounded_number_of_errors() -> None:
    many = ManyErrors()
    error = validation._first_error(many, [0] * 10)  # type: ignore[arg-type]
    assert error is not None
    assert many.pulled <= validation.ERRORS_CONSIDERED


# ------------------------------------------------- 3. malformed JSON bodies
def nested(depth: int) -> bytes:
    return b'{"prompt":"x","model_parameters":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b'{"prompt":"x","max_estimated_usd_per_image":NaN}', "not valid JSON"),
        (b'{"prompt":"x","max_estimated_usd_per_image":Infinity}', "not valid JSON"),
        (b'{"prompt":"x","max_estimated_usd_per_image":-Infinity}', "not valid JSON"),
        (b'{"prompt":"x","max_estimated_usd_per_image":1e400}', "not valid JSON"),
        (b'{"prompt":"a harbour \\ud800 at dawn"}', "lone surrogate"),
        (b'{"prompt":"\\udfff"}', "lone surrogate"),
        (nested(5000), "deeper than 64"),
        (nested(65), "deeper than 64"),
        (b'{"prompt":"\xff"}', "not UTF-8"),
    ],
)
def test_malformed_json_is_a_400_envelope(api: Api, raw: bytes, says: str) -> None:
    api.signup()
    refused = api.request("POST", "/v1/create", content=raw, headers=JSON)
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert says in refused["error"]["message"]


def test_nesting_up_to_the_limit_is_parsed(api: Api) -> None:
    api.signup()
    at_limit = api.request("POST", "/v1/create", content=nested(64), headers=JSON)
    assert at_limit["status"] == 400
    assert at_limit["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "deeper" not in at_limit["error"]["message"]  # parsed, then refused by the schema
    assert at_limit["error"]["message"].startswith("body.model_parameters")


def test_a_surrogate_pair_is_fine(api: Api) -> None:
    api.signup()
    emoji = api.request(
        "POST", "/v1/create", content=b'{"prompt":"a \\ud83d\\ude00 harbour","dry_run":true}', headers=JSON
    )
    assert emoji["status"] == 200


def test_lone_surrogates_in_signup_are_refused_before_storage(api: Api) -> None:
    refused = api.request(
        "POST",
        "/v1/agent-signups",
        content=b'{"agent_contact":"a@example.com","agent_name":"\\ud800","return_token":true}',
        headers=JSON,
    )
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "lone surrogate" in refused["error"]["message"]


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ('"a" "b"', False),
        ('"' + '\\"' * 20000, False),
        ("[" * 70, True),
        ('["' + "[" * 100 + '"]', False),
        ('{"a":"]]]]' + "[" * 70 + '"}', False),
    ],
)
def test_the_nesting_scan_skips_strings(text: str, exceeds: bool) -> None:
    # The scan's expressions are possessive (linear on any input); the 20,000 escaped quotes above
    # would hang a backtracking one here rather than fail a timed assertion.
    assert validation.nesting_exceeds(text, 64) is exceeds


# ------------------------------------------------ 4. patterns as ECMA-262
@pytest.mark.parametrize(
    ("prompt", "accepted"),
    [
        ("\u001d", True),  # INFORMATION SEPARATOR THREE: not white space in ECMA-262 (it is in Python)
        ("\u001c\u001f", True),
        ("\u0085", True),  # NEXT LINE: not white space in ECMA-262
        ("\ufeff", False),  # BYTE ORDER MARK: white space in ECMA-262 (not in Python)
        ("\u00a0\u3000", False),
        ("\u2028 \u2029", False),
        ("\t\n\u000b\u000c\r ", False),
        ("\u1680\u2000\u200a\u202f\u205f", False),
        (" x ", True),
    ],
)
def test_the_prompt_pattern_means_what_ecma_262_says(api: Api, prompt: str, accepted: bool) -> None:
    api.signup()
    answer = api.create(prompt=prompt, dry_run=True)
    assert answer["ok"] is accepted, answer["error"]
    assert answer["status"] == (200 if accepted else 400), answer["error"]
    assert (answer["error"] or {}).get("code") == (None if accepted else ErrorCode.INVALID_ARGUMENTS)
    spec_pattern = validation.spec()["components"]["schemas"]["CreateRequest"]["properties"]["prompt"][
        "pattern"
    ]
    assert (ecma.compile_pattern(r"\S").search(prompt) is not None) is accepted
    assert (ecma.compile_pattern(spec_pattern).search(prompt) is not None) is accepted


def test_a_trailing_newline_does_not_satisfy_an_anchored_id_pattern(api: Api) -> None:
    assert api.request("GET", "/v1/models/fal.flux-dev")["status"] == 200
    refused = api.request("GET", "/v1/models/fal.flux-dev%0A")
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^\d+$", "\u0663", False),  # ARABIC-INDIC DIGIT THREE: a digit only to Python
        (r"^\w+$", "\u00e9", False),
        (r"^\w+$", "a_1", True),
        (r"^a.c$", "a\u2028c", False),
        (r"^a.c$", "a\u0085c", True),
        (r"^x$", "x\n", False),
        (r"^[\s]$", "\ufeff", True),
        (r"^[^\S]$", "\u001d", False),
        (r"^[^\s]$", "\u001d", True),
        (r"^[]$", "", False),
        (r"^[^]$", "\n", True),
        (r"^[a\]]+$", "a]", True),
    ],
)
def test_ecma_translation(pattern: str, value: str, matches: bool) -> None:
    assert (ecma.compile_pattern(pattern).search(value) is not None) is matches


# ---------------------------------------------- 5. the Host header is not trusted
def test_asset_urls_use_the_configured_public_base_url_not_host(make_api: Callable[..., Api]) -> None:
    api = make_api(public_base_url="https://public.example.test:8443/")
    api.signup()
    created = api.request("POST", "/v1/create", json={"prompt": "x"}, headers={"host": "attacker.example"})
    url = created["data"]["assets"][0]["url"]
    assert url.startswith(f"https://public.example.test:8443{MOCK_MEDIA_PATH}")
    shown = api.request(
        "GET", f"/v1/assets/{created['data']['assets'][0]['asset_id']}", headers={"host": "x.y"}
    )
    assert shown["data"]["asset"]["url"] == url


@pytest.mark.parametrize(
    ("args", "public"),
    [((), None), (("--public-base-url", "https://images.example.test/"), "https://images.example.test")],
)
def test_serve_builds_asset_urls_from_its_bound_address_or_the_flag(
    live_server: Callable[..., LiveServer], args: tuple[str, ...], public: str | None
) -> None:
    server = live_server(*args)
    base = public or server.base_url
    token = signup(server.base_url)
    created = requests.post(
        f"{server.base_url}/v1/create",
        json={"prompt": "a quiet harbour", "model": "fal.flux-dev"},
        headers={"authorization": f"Bearer {token}", "host": "attacker.example:666"},
        timeout=60,
    ).json()
    assert created["data"]["assets"][0]["url"].startswith(f"{base}{MOCK_MEDIA_PATH}")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/models/"), ("GET", "/healthz/"), ("POST", "/v1/create/")]
)
def test_a_trailing_slash_is_a_404_envelope_not_a_redirect(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, headers={"host": "attacker.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    envelope = check_envelope(response.status_code, dict(response.headers), response.content)
    assert envelope["error"]["code"] == ErrorCode.NOT_FOUND


# ------------------------------------------------ 6. a client that walks away
def test_a_client_disconnecting_mid_body_leaves_no_traceback(live_server: Callable[..., LiveServer]) -> None:
    server = live_server()
    for _ in range(3):
        with connect(server) as sock:
            sock.sendall(request_head("/v1/create", length=5000) + b'{"prompt":"a har')
            time.sleep(0.1)
    with connect(server) as sock:
        sock.sendall(request_head("/v1/create") + chunk(b'{"prompt":'))
        time.sleep(0.1)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # give the server time to notice and (not) log
        health_latency(server.base_url)
        time.sleep(0.1)
    assert "Traceback" not in server.stderr()
    assert "Exception" not in server.stderr()


# -------------------------------------------------------- 7. TCP_NODELAY
# Nagle + delayed ACK held every keep-alive response for ~40 ms (headers and body go out as two
# writes). `serve` listens on ``main.listening_socket``; that its accepted connections get
# TCP_NODELAY is the mechanism tested here (the bench's one-connection latency row shows the time).
def test_accepted_connections_get_tcp_nodelay() -> None:
    async def accepted_nodelay() -> int:
        sock = main.listening_socket("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted = transport.get_extra_info("socket")
                seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0


# ------------------------------------------- 8. installed without the extra
BLOCK = "import sys\nfor name in {blocked!r}:\n    sys.modules[name] = None\n"
RUN = "from image_skill_mock.main import run\nsys.argv = ['image-skill-mock', *{argv!r}]\nrun()\n"


def run_blocked(
    blocked: tuple[str, ...], *argv: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    code = BLOCK.format(blocked=blocked) + RUN.format(argv=list(argv))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


SERVE = ("serve", "--port", "0")
DEMO = ("demo", "--out", "never-written")


@pytest.mark.parametrize(
    ("missing", "argv"),
    [
        *((name, SERVE) for name in main.MOCK_EXTRA_MODULES),
        ("starlette.applications", SERVE),  # a broken install, not just an absent one
        *((name, DEMO) for name in main.MOCK_EXTRA_MODULES),
    ],
)
def test_without_the_mock_extra_it_prints_an_envelope(
    missing: str, argv: tuple[str, ...], tmp_path: Path
) -> None:
    done = run_blocked((missing,), *argv, cwd=tmp_path)
    assert done.returncode == ExitCode.INVALID_ARGUMENTS, done.stderr
    assert "Traceback" not in done.stderr
    envelope = json.loads(done.stdout)
    assert tuple(envelope) == ENVELOPE_KEYS
    assert envelope["ok"] is False
    assert envelope["data"] is None
    assert envelope["trace_id"].startswith("trace_")
    error = envelope["error"]
    assert error["code"] == ErrorCode.MOCK_EXTRA_NOT_INSTALLED
    assert ERRORS[ErrorCode.MOCK_EXTRA_NOT_INSTALLED].exit_code == ExitCode.INVALID_ARGUMENTS
    assert "pip install 'image-skill[mock]'" in error["message"]
    assert error["recovery"]["suggested_command"] == "pip install 'image-skill[mock]'"
    assert not (tmp_path / "never-written").exists()


def test_version_works_without_the_extra() -> None:
    done = run_blocked(main.MOCK_EXTRA_MODULES, "--version")
    assert done.returncode == ExitCode.OK, done.stderr
    assert done.stdout.startswith("image-skill-mock ")
    assert "API " in done.stdout


# ------------------------------------------------------ 9. anonymous dry runs
def test_an_anonymous_dry_run_plans_without_storing(api: Api, tmp_path: Path) -> None:
    anonymous = api.create(dry_run=True, aspect_ratio="16:9")
    assert anonymous["status"] == 200
    assert anonymous["actor"] is None
    data = anonymous["data"]
    assert data["job_id"] is None
    assert data["job"] is None
    assert data["status"] == "planned"
    assert data["assets"] == []
    assert data["quota"] == {
        "consumed_credits": 0,
        "remaining_credits": None,
        "payment_backed_remaining_credits": None,
        "total_remaining_credits": None,
        "usage_event_id": None,
    }
    assert data["plan_receipt"]["credits_required"] == 12
    assert jobs_in(tmp_path / "mock-0.sqlite3") == 0

    api.signup()
    planned = api.create(dry_run=True, aspect_ratio="16:9")["data"]
    for key in ("cost", "request", "capability", "plan_receipt", "status", "dry_run"):
        assert planned[key] == data[key], key
    assert planned["quota"]["remaining_credits"] == 50
    assert api.request("GET", f"/v1/jobs/{planned['job_id']}")["data"]["job"]["status"] == "planned"
    assert jobs_in(tmp_path / "mock-0.sqlite3") == 1


REFERENCE = {"asset_id": "image_" + "0" * 32, "role": "reference_image", "index": 0}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"output_count": 0}, ErrorCode.INVALID_ARGUMENTS),
        ({"prompt": "x [policy-test:deny]"}, ErrorCode.CONTENT_POLICY_DENIED),
        ({"model": "fal.flux-dev", "output_count": 2}, ErrorCode.CAPABILITY_DENIED),
        (
            {"model": "openai.gpt-image-2", "model_parameters": {"quality": "auto"}},
            ErrorCode.BUDGET_REQUIRES_CONFIRMATION,
        ),
        (
            {"model": "fal.dreamo", "references": [REFERENCE]},
            ErrorCode.NOT_FOUND,
        ),  # an anonymous caller owns none
    ],
)
def test_anonymous_dry_runs_get_the_same_refusals(api: Api, body: dict[str, Any], code: ErrorCode) -> None:
    assert api.create(dry_run=True, **body)["error"]["code"] == code


@pytest.mark.parametrize(
    ("path", "body", "credentials", "auth_state"),
    [
        ("/v1/create", {"prompt": "a quiet harbour"}, {}, "missing"),
        (
            "/v1/create",
            {"prompt": "a quiet harbour", "dry_run": True},
            {"token": "isk_r_not_a_real_token_000000000"},
            "invalid",
        ),
        (
            "/v1/create",
            {"prompt": "a quiet harbour", "dry_run": True},
            {"headers": {"authorization": "Basic abc"}},
            "invalid",
        ),
        ("/v1/whoami", None, {}, "missing"),
    ],
)
def test_only_dry_runs_are_anonymous(
    api: Api, path: str, body: dict[str, Any] | None, credentials: dict[str, Any], auth_state: str
) -> None:
    refused = api.request("POST" if body else "GET", path, json=body, **credentials)
    assert (
        refused["error"]["code"] == ErrorCode.AUTH_REQUIRED
    )  # a bad token too (AUTH_TOKEN_INVALID is retired)
    assert refused["error"]["recovery"]["auth_state"] == auth_state
    assert refused["status"] == 401
