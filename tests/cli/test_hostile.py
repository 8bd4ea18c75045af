"""The CLI against a hostile or broken server and environment (issue 5 §3).

Every defect has a test here that fails on the code before the fix: a server that names files,
redirects, dribbles, nests or floods; an environment with credentials in the base URL, bad
timeouts, undecodable tokens and prompts, config paths that cannot be written, and special files
where an output should go.
"""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import image_skill
from image_skill.envelope import CliError
from image_skill.transport.api import derive_exit_code
from image_skill_api import operations as ops
from image_skill_api import registry
from image_skill_api.registry import EXIT_CODE_HEADER, ErrorCode, ExitCode

from .conftest import SIGNUP, TOKEN, Reply, Run, Script, envelope, transport
from .output_rules import check_output

ASSET_ID = "image_abcdefghijklmnop"
MEDIA = f"/media/a/{ASSET_ID}.png"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
BAD_REPLY = ErrorCode.HOSTED_API_BAD_RESPONSE
TIMEOUT_ENV = "IMAGE_SKILL_HTTP_TIMEOUT_SECONDS"


def asset_reply(base: str, **fields: object) -> Reply:
    asset = {"asset_id": ASSET_ID, "url": base + MEDIA, "mime_type": "image/png", **fields}
    return Reply(200, envelope({"asset": asset}))


def script_asset(base: str, script: Script, media: Reply | None = None, **fields: object) -> None:
    script.on("GET", f"/v1/assets/{ASSET_ID}", asset_reply(base, **fields))
    script.on("GET", MEDIA, media or Reply(200, PNG, {"content-type": "image/png"}))


def get_asset(run_cli: Callable[..., Run], base: str, *extra: str, env: dict[str, str] | None = None) -> Run:
    return run_cli(
        "assets",
        "get",
        ASSET_ID,
        *extra,
        "--api-base-url",
        base,
        env={"IMAGE_SKILL_TOKEN": TOKEN, **(env or {})},
    )


def media_requests(script: Script) -> list[str]:
    return [seen.path for seen in script.seen if seen.path.startswith("/media/")]


def entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# --------------------------------------------------------- 1. server-named files
@pytest.mark.parametrize(
    "asset_id",
    ["../escaped", "ABSOLUTE", "image_x/../../escaped", "image_ok\n", "image_", "", None, 7, ["image_x"]],
)
def test_assets_get_refuses_an_asset_id_that_is_not_an_id(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    asset_id: object,
) -> None:
    base, script = http
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    if asset_id == "ABSOLUTE":
        asset_id = str(tmp_path / "escaped")
    script_asset(base, script, asset_id=asset_id)
    result = get_asset(run_cli, base)
    assert result.code == ExitCode.PROVIDER
    assert result.error["code"] == BAD_REPLY
    assert "asset id" in result.error["message"]
    assert media_requests(script) == []
    assert [path for path in tmp_path.rglob("*") if not path.is_dir()] == []  # nothing written anywhere


@pytest.mark.parametrize(
    "path", ["/media/a/../../v1/whoami.png", "/media/a/image_x.png?x=/../y", "/media/a/x.png"]
)
def test_assets_get_refuses_a_media_url_that_is_not_an_asset_file(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path, path: str
) -> None:
    base, script = http
    script_asset(base, script, url=base + path)
    result = get_asset(run_cli, base, "--output", str(tmp_path / "out.png"))
    assert result.code == ExitCode.PROVIDER
    assert result.error["code"] == BAD_REPLY
    assert len(script.seen) == 1
    assert not (tmp_path / "out.png").exists()


def test_assets_get_with_a_well_formed_id_writes_one_file_in_the_working_directory(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, script = http
    monkeypatch.chdir(tmp_path)
    script_asset(base, script)
    result = get_asset(run_cli, base)
    assert result.code == ExitCode.OK, result.envelope
    assert (tmp_path / f"{ASSET_ID}.png").read_bytes() == PNG


# ------------------------------------------------- 2./3. signup --save precheck
def _parent_is_a_file(tmp: Path) -> Path:
    (tmp / "file").write_text("x")
    return tmp / "file" / "config.json"


def _under_a_non_directory(tmp: Path) -> Path:
    (tmp / "file").write_text("x")
    return tmp / "file" / "sub" / "config.json"


def _path_is_a_directory(tmp: Path) -> Path:
    (tmp / "config.json").mkdir()
    return tmp / "config.json"


def _read_only_directory(tmp: Path) -> Path:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o500)
    return tmp / "ro" / "config.json"


def _read_only_file(tmp: Path) -> Path:
    (tmp / "config.json").write_text("{}")
    (tmp / "config.json").chmod(0o400)
    return tmp / "config.json"


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "config.json")
    return tmp / "config.json"


def _symlink_to_a_directory(tmp: Path) -> Path:
    (tmp / "dir").mkdir()
    (tmp / "config.json").symlink_to(tmp / "dir")
    return tmp / "config.json"


@pytest.mark.parametrize(
    "make",
    [
        _parent_is_a_file,
        _under_a_non_directory,
        _path_is_a_directory,
        _read_only_directory,
        _read_only_file,
        _fifo,
        _symlink_to_a_directory,
    ],
)
def test_signup_save_proves_the_config_writable_before_any_signup(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    path = make(tmp_path)
    before = sorted((p.name, p.lstat().st_mode) for p in tmp_path.rglob("*"))
    argv = [*SIGNUP, "--save"]
    result = run_cli(*argv, "--api-base-url", base, env={"IMAGE_SKILL_CONFIG_PATH": str(path)})
    assert result.code == ExitCode.STORAGE, result.envelope
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED
    assert str(tmp_path) not in result.error["message"]
    assert [seen for seen in script.seen if seen.method == "POST"] == []  # no agent whose token is lost
    assert sorted((p.name, p.lstat().st_mode) for p in tmp_path.rglob("*")) == before


def test_saving_never_changes_an_existing_directory_and_creates_new_ones_0700(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    existing = tmp_path / "kept"
    existing.mkdir()
    existing.chmod(0o755)
    argv = [*SIGNUP, "--api-base-url", base]
    kept = run_cli(*argv, env={"IMAGE_SKILL_CONFIG_PATH": str(existing / "config.json")})
    assert kept.code == ExitCode.OK, kept.envelope
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755
    assert stat.S_IMODE((existing / "config.json").stat().st_mode) == 0o600
    nested = existing / "new" / "deeper" / "config.json"
    created = run_cli(*argv, env={"IMAGE_SKILL_CONFIG_PATH": str(nested)})
    assert created.code == ExitCode.OK, created.envelope
    assert stat.S_IMODE((existing / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE((existing / "new" / "deeper").stat().st_mode) == 0o700
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755
    assert json.loads(nested.read_text())["token"] == TOKEN


def test_a_config_path_that_is_a_fifo_is_not_read_and_does_not_hang(
    run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    results: list[Run] = []
    worker = threading.Thread(
        target=lambda: results.append(run_cli("whoami", env={"IMAGE_SKILL_CONFIG_PATH": str(fifo)})),
        daemon=True,
    )
    worker.start()
    worker.join(10)
    assert results, "whoami blocked on a FIFO config path"
    assert results[0].code == ExitCode.AUTH
    assert results[0].error["code"] == ErrorCode.AUTH_REQUIRED


# ---------------------------------------------------- 4. base URLs with secrets
BAD_BASE_URLS = [
    "http://alice:s3cr3tpw@{host}",
    "http://s3cr3tpw@{host}",
    "ftp://{host}",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://[::1",
    "http://{host}:99999",
    "http://{host}/?s3cr3tpw=1",
    "http://{host}/#s3cr3tpw",
    "http://ho st",
    "{host}",
    "http://",
    "http://caf\udcff.example",
]


@pytest.mark.parametrize("template", BAD_BASE_URLS)
@pytest.mark.parametrize("via", ["flag", "env"])
@pytest.mark.parametrize(
    "command",
    [["whoami"], ["doctor"], list(SIGNUP)],
)
def test_a_base_url_with_credentials_or_a_bad_shape_is_refused_before_any_request(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    home: Path,
    template: str,
    via: str,
    command: list[str],
) -> None:
    base, script = http
    url = template.format(host=base.removeprefix("http://"))
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    env = {"IMAGE_SKILL_TOKEN": TOKEN}
    argv = [*command]
    if via == "flag":
        argv += ["--api-base-url", url]
    else:
        env["IMAGE_SKILL_API_BASE_URL"] = url
    result = run_cli(*argv, env=env)
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert ("--api-base-url" if via == "flag" else "IMAGE_SKILL_API_BASE_URL") in result.error["message"]
    assert "s3cr3tpw" not in result.stdout
    assert "alice" not in result.stdout
    assert script.seen == []
    assert not (home / "cfg" / "config.json").exists()


# ------------------------------------------------ 5. --overwrite: regular files only
def _link_to_dev_null(out: Path) -> None:
    out.symlink_to("/dev/null")


def _fifo_output(out: Path) -> None:
    os.mkfifo(out)


def _dangling_link(out: Path) -> None:
    out.symlink_to(out.parent / "missing")


def _link_to_a_fifo(out: Path) -> None:
    os.mkfifo(out.parent / "pipe")
    out.symlink_to(out.parent / "pipe")


@pytest.mark.parametrize("overwrite", [True, False])
@pytest.mark.parametrize("make", [_link_to_dev_null, _fifo_output, _dangling_link, _link_to_a_fifo])
def test_overwrite_never_replaces_a_special_file(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    tmp_path: Path,
    make: Callable[[Path], None],
    overwrite: bool,
) -> None:
    base, script = http
    script_asset(base, script)
    out = tmp_path / "out.png"
    make(out)
    before = sorted(
        (p.name, p.lstat().st_mode, os.readlink(p) if p.is_symlink() else "") for p in tmp_path.iterdir()
    )
    result = get_asset(run_cli, base, "--output", str(out), *(["--overwrite"] if overwrite else []))
    assert result.code == ExitCode.STORAGE, result.envelope
    assert result.error["code"] == ErrorCode.OUTPUT_NOT_REGULAR_FILE
    assert result.error["recovery"] == {"required_flag": "--output"}
    assert media_requests(script) == []
    after = sorted(
        (p.name, p.lstat().st_mode, os.readlink(p) if p.is_symlink() else "") for p in tmp_path.iterdir()
    )
    assert after == before


@pytest.mark.parametrize("into_output_dir", [False, True], ids=["default-name", "name-inside-output-dir"])
def test_a_directory_where_the_file_should_go_is_refused(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    into_output_dir: bool,
) -> None:
    base, script = http
    script_asset(base, script)
    (tmp_path / f"{ASSET_ID}.png").mkdir()
    monkeypatch.chdir(tmp_path)
    extra = ["--output", str(tmp_path)] if into_output_dir else []
    result = get_asset(run_cli, base, *extra, "--overwrite")
    assert result.code == ExitCode.STORAGE, result.envelope
    assert result.error["code"] == ErrorCode.OUTPUT_NOT_REGULAR_FILE
    assert (tmp_path / f"{ASSET_ID}.png").is_dir()
    assert list((tmp_path / f"{ASSET_ID}.png").iterdir()) == []
    assert media_requests(script) == []


def test_overwrite_replaces_a_symlink_itself_never_its_target(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    script_asset(base, script)
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    out = tmp_path / "out.png"
    out.symlink_to(target)
    result = get_asset(run_cli, base, "--output", str(out), "--overwrite")
    assert result.code == ExitCode.OK, result.envelope
    assert not out.is_symlink()
    assert out.read_bytes() == PNG
    assert target.read_text() == "keep"


def test_the_transport_itself_refuses_to_replace_a_special_file(
    http: tuple[str, Script], tmp_path: Path
) -> None:
    base, script = http
    script.on("GET", MEDIA, Reply(200, PNG))
    out = tmp_path / "out.png"
    os.mkfifo(out)
    with pytest.raises(CliError) as caught:
        transport(base)[0].download(base + MEDIA, out, overwrite=True)
    assert caught.value.code is ErrorCode.OUTPUT_NOT_REGULAR_FILE
    assert stat.S_ISFIFO(out.lstat().st_mode)
    assert entries(tmp_path) == ["out.png"]


def test_an_output_path_that_is_not_utf8_is_refused(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    script_asset(base, script)
    result = get_asset(run_cli, base, "--output", str(tmp_path / "caf\udcff.png"))
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "--output" in result.error["message"]
    assert entries(tmp_path) == []


# ------------------------------------------------------ 6. whole-reply deadlines
DRIBBLES = {
    "body": Reply(200, envelope({"padding": "x" * 200}), dribble=0.2),
    "head": Reply(
        200, envelope({"padding": "x" * 200}), {"x-padding": "y" * 200}, dribble=0.2, dribble_head=True
    ),
    "stall": Reply(200, envelope({"padding": "x" * 200}), dribble=5),
}


@pytest.mark.parametrize("kind", sorted(DRIBBLES))
def test_a_dribbling_api_reply_times_out_within_the_timeout(
    http: tuple[str, Script], run_cli: Callable[..., Run], kind: str
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", DRIBBLES[kind])
    started = time.monotonic()
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN, TIMEOUT_ENV: "1"})
    elapsed = time.monotonic() - started
    assert result.code == ExitCode.TIMEOUT, result.envelope
    assert result.error["code"] == ErrorCode.TIMEOUT
    assert elapsed < 2.0
    assert len(script.seen) == 1  # a timeout is not retried


def test_the_deadline_holds_outside_the_main_thread_too(http: tuple[str, Script]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", DRIBBLES["body"])
    client, _ = transport(base, read_timeout=1)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            ops.get_whoami(client)
        except BaseException as exc:  # recorded for the main thread
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=call)
    worker.start()
    worker.join(10)
    elapsed = time.monotonic() - started
    assert len(outcome) == 1
    assert isinstance(outcome[0], CliError)
    assert outcome[0].code is ErrorCode.TIMEOUT
    assert elapsed < 2.0


def test_a_dribbling_download_times_out_and_leaves_no_file(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    script_asset(base, script, media=Reply(200, PNG, dribble=0.2))
    started = time.monotonic()
    result = get_asset(run_cli, base, "--output", str(tmp_path / "out.png"), env={TIMEOUT_ENV: "1"})
    elapsed = time.monotonic() - started
    assert result.code == ExitCode.TIMEOUT, result.envelope
    assert result.error["code"] == ErrorCode.TIMEOUT
    assert elapsed < 2.0 + 1.0  # one deadline for the metadata call (fast), one for the download
    assert entries(tmp_path) == []


def test_sigterm_during_a_download_removes_the_temporary_file(
    http: tuple[str, Script], tmp_path: Path
) -> None:
    base, script = http
    script_asset(base, script, media=Reply(200, PNG, dribble=0.05))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(
            str(Path(m.__file__ or "").parents[1]) for m in (image_skill, registry)
        ),
        "HOME": str(tmp_path),
        "IMAGE_SKILL_TOKEN": TOKEN,
        "IMAGE_SKILL_CONFIG_PATH": str(tmp_path / "cfg" / "config.json"),
    }
    work = tmp_path / "work"
    work.mkdir()
    argv = [sys.executable, "-m", "image_skill", "assets", "get", ASSET_ID, "--api-base-url", base]
    proc = subprocess.Popen(argv, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while not any(name.endswith(".part") for name in entries(work)):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed = check_output(argv, proc.returncode, out.decode(), err.decode())
    assert proc.returncode == ExitCode.GENERIC_FAILURE, err
    assert printed["error"]["code"] == ErrorCode.INTERRUPTED
    assert entries(work) == []


# ------------------------------------------------------------------ 7. redirects
def test_an_api_call_never_follows_a_redirect_with_its_body(
    http: tuple[str, Script], other_http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    elsewhere, other = other_http
    script.on("POST", "/v1/create", Reply(307, b"", {"location": elsewhere + "/v1/create"}))
    other.on("POST", "/v1/create", Reply(200, envelope({"job_id": "job_abcdefghijklmnop"})))
    result = run_cli(
        "create", "--prompt", "secret prompt", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN}
    )
    assert result.code == ExitCode.PROVIDER, result.envelope
    assert result.error["code"] == BAD_REPLY
    assert "redirect" in result.error["message"]
    assert other.seen == []
    assert len(script.seen) == 1


def test_a_get_redirect_is_not_followed_either(
    http: tuple[str, Script], other_http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    elsewhere, other = other_http
    script.on("GET", "/v1/whoami", Reply(302, b"", {"location": elsewhere + "/v1/whoami"}))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.PROVIDER
    assert result.error["code"] == BAD_REPLY
    assert other.seen == []


def test_a_download_follows_redirects_only_within_its_origin(
    http: tuple[str, Script], other_http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    elsewhere, other = other_http
    other.on("GET", "/stolen.png", Reply(200, PNG))
    script_asset(base, script, media=Reply(302, b"", {"location": elsewhere + "/stolen.png"}))
    refused = get_asset(run_cli, base, "--output", str(tmp_path / "a.png"))
    assert refused.code == ExitCode.PROVIDER, refused.envelope
    assert refused.error["code"] == BAD_REPLY
    assert other.seen == []
    assert entries(tmp_path) == []
    script.on("GET", MEDIA, Reply(302, b"", {"location": "/media/a/moved.png"}))
    script.on("GET", "/media/a/moved.png", Reply(200, PNG))
    followed = get_asset(run_cli, base, "--output", str(tmp_path / "b.png"))
    assert followed.code == ExitCode.OK, followed.envelope
    assert (tmp_path / "b.png").read_bytes() == PNG


# ------------------------------------------------- 8. malformed input, one code each
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, ExitCode.PROVIDER),
        (401, ExitCode.AUTH),
        (429, ExitCode.QUOTA),
        (404, ExitCode.GENERIC_FAILURE),
    ],
)
@pytest.mark.parametrize("header", ["abc", "99", "-1", "٣", "²", "¹", " ", "7.0", "1e0", "0x7"])
def test_a_malformed_exit_code_header_is_ignored(header: str, status: int, expected: ExitCode) -> None:
    assert derive_exit_code(False, status, header) == expected


@pytest.mark.parametrize("header", ["²", "¹", "99", "-1", "abc"])
def test_a_malformed_exit_code_header_on_the_wire_never_crashes(
    http: tuple[str, Script], run_cli: Callable[..., Run], header: str
) -> None:
    base, script = http
    error = {"code": "PROVIDER_FAILED", "message": "down", "retryable": True}
    script.on("GET", "/v1/whoami", Reply(500, envelope(ok=False, error=error), {EXIT_CODE_HEADER: header}))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.PROVIDER
    assert result.error["code"] == "PROVIDER_FAILED"


@pytest.mark.parametrize(
    "token",
    [
        "isk_r_é…abcdefghijklmnopqrstu",
        "isk_r_😀abcdefghijklmnopqrstu",
        "isk_r_café_abcdefghijklmnopq",
        "isk_r_a b",
    ],
)
def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it(
    http: tuple[str, Script], run_cli: Callable[..., Run], token: str
) -> None:
    base, script = http
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": token})
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "IMAGE_SKILL_TOKEN" in result.error["message"]
    assert token not in result.stdout
    assert token[6:] not in result.stdout
    assert script.seen == []


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_token_stdin_that_is_not_utf8_is_refused(
    http: tuple[str, Script], run_cli: Callable[..., Run], errors: str
) -> None:
    base, script = http
    stdin = io.TextIOWrapper(
        io.BytesIO(b"isk_r_\xff\xfeabcdefghijklmnopqrstuvwx\n"), encoding="utf-8", errors=errors
    )
    result = run_cli("whoami", "--token-stdin", "--api-base-url", base, stdin=stdin)
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "--token-stdin" in result.error["message"]
    assert "abcdefghijklmnop" not in result.stdout
    assert script.seen == []


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "abc", "1e999", "0", "3601", "٣", "1_0", " -0.5 "])
def test_a_bad_http_timeout_is_refused_naming_the_variable(
    http: tuple[str, Script], run_cli: Callable[..., Run], value: str
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({})))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN, TIMEOUT_ENV: value})
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert TIMEOUT_ENV in result.error["message"]
    assert "3600" in result.error["message"]
    assert script.seen == []


@pytest.mark.parametrize("value", ["0.5", "30", "3600", " 12.25 "])
def test_a_good_http_timeout_is_accepted(
    http: tuple[str, Script], run_cli: Callable[..., Run], value: str
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({})))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN, TIMEOUT_ENV: value})
    assert result.code == ExitCode.OK, result.envelope


@pytest.mark.parametrize(
    "raw",
    [
        '{"a": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"a": ' + "[" * 100 + "]" * 100 + "}",
        '{"seed": NaN}',
        '{"s": "\\udcff"}',
    ],
    ids=["50000-deep", "100-deep", "nan", "escaped-surrogate"],
)
def test_model_parameters_json_that_is_too_deep_or_not_json_is_exit_2(
    http: tuple[str, Script], run_cli: Callable[..., Run], raw: str
) -> None:
    base, script = http
    argv = ["create", "--prompt", "p", "--model-parameters-json", raw, "--api-base-url", base]
    result = run_cli(*argv, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "--model-parameters-json" in result.error["message"]
    assert script.seen == []


def _deep(depth: int) -> bytes:
    return json.dumps(envelope({"x": "NEST"})).replace('"NEST"', "[" * depth + "]" * depth).encode()


def _huge() -> bytes:
    return json.dumps(envelope({"x": "PAD"})).replace("PAD", "x" * (17 << 20)).encode()


@pytest.mark.parametrize("kind", ["50000-deep", "200-deep", "17-MiB", "17-MiB-undeclared"])
def test_a_reply_nested_too_deep_or_too_large_is_a_bad_reply(
    http: tuple[str, Script], run_cli: Callable[..., Run], kind: str
) -> None:
    base, script = http
    reply = {
        "50000-deep": lambda: Reply(200, _deep(50_000)),
        "200-deep": lambda: Reply(200, _deep(200)),
        "17-MiB": lambda: Reply(200, _huge()),
        "17-MiB-undeclared": lambda: Reply(200, _huge(), declared_length=-1),
    }[kind]()
    script.on("GET", "/v1/whoami", reply)
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.PROVIDER, result.envelope
    assert result.error["code"] == BAD_REPLY


def test_a_reply_within_the_bounds_still_works(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, _deep(40)))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.OK, result.envelope


# ---------------------------------------------------------- 9. undecodable text
@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--guide"]], ids=["create", "dry-run", "guide"])
def test_a_prompt_with_undecodable_bytes_is_exit_2_locally(
    http: tuple[str, Script], run_cli: Callable[..., Run], extra: list[str]
) -> None:
    base, script = http
    result = run_cli(
        "create",
        "--prompt",
        "prompt-text-caf\udcff",
        *extra,
        "--api-base-url",
        base,
        env={"IMAGE_SKILL_TOKEN": TOKEN},
    )
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "prompt" in result.error["message"]
    assert "UTF-8" in result.error["message"]
    assert "prompt-text" not in result.stdout  # the prompt is never echoed
    assert script.seen == []


@pytest.mark.parametrize(
    ("flag", "field"),
    [("--agent-name", "agent_name"), ("--agent-contact", "agent_contact"), ("--runtime", "runtime")],
)
def test_any_string_flag_bound_for_a_json_body_is_checked(
    http: tuple[str, Script], run_cli: Callable[..., Run], flag: str, field: str
) -> None:
    base, script = http
    values = {"--agent-name": "n", "--agent-contact": "a@example.com", "--runtime": "codex"}
    values[flag] = "x\udcffy"
    argv = ["signup", "--agent", "--show-token", *(part for pair in values.items() for part in pair)]
    result = run_cli(*argv, "--api-base-url", base)
    assert result.code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert field in result.error["message"] or flag in result.error["message"]
    assert "x\udcffy" not in result.stdout
    assert script.seen == []


def test_a_path_parameter_with_undecodable_bytes_never_crashes(http: tuple[str, Script]) -> None:
    base, script = http
    with pytest.raises(CliError) as caught:
        ops.get_model(transport(base)[0], "fal.x\udcff")
    assert caught.value.code is ErrorCode.INVALID_ARGUMENTS
    assert script.seen == []


def test_a_reply_with_an_escaped_lone_surrogate_is_a_bad_reply(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    body = json.dumps(envelope({"name": "PLACE"})).replace("PLACE", "\\udcff").encode()
    script.on("GET", "/v1/whoami", Reply(200, body))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.PROVIDER, result.envelope
    assert result.error["code"] == BAD_REPLY
    result.stdout.encode("utf-8")  # printable: the real stdout is strict UTF-8


def test_url_credentials_a_server_relays_are_scrubbed(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    error = {
        "code": "PROVIDER_FAILED",
        "message": "see https://bob:hunter2@status.example/x",
        "retryable": True,
    }
    script.on("GET", "/v1/whoami", Reply(500, envelope(ok=False, error=error), {EXIT_CODE_HEADER: "7"}))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.PROVIDER
    assert "hunter2" not in result.stdout
    assert "bob" not in result.stdout
    assert "https://[redacted]@status.example/x" in result.error["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["activity", "list", "--limit", "9" * 20], "--limit is far too large."),
        (["credits", "quote", "--credits", "9" * 40], "--credits is far too large."),
        (["activity", "list", "--limit", "-3"], "--limit must be a positive integer."),
    ],
)
def test_a_count_too_large_or_negative_is_named_plainly(
    run_cli: Callable[..., Run], argv: list[str], message: str
) -> None:
    result = run_cli(*argv, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["message"] == message
