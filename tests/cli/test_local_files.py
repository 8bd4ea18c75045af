"""Local files the CLI writes or streams: output names at the filesystem's limit, and a source that
changes while it uploads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from image_skill import media
from image_skill.transport.download import TEMP_OVERHEAD, name_max
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope
from .test_hostile import PNG, entries, get_asset, media_requests, script_asset


# ------------------------------------------------------------------ output names
@pytest.mark.parametrize("extra", [0, 1, 14, TEMP_OVERHEAD + 1])
def test_a_name_at_the_limit_is_written_whatever_its_temporary_name(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path, extra: int
) -> None:
    base, script = http
    script_asset(base, script)
    limit = name_max(tmp_path)
    name = "n" * (limit - extra - len(".png")) + ".png"
    result = get_asset(run_cli, base, "--output", str(tmp_path / name))
    assert result.code == ExitCode.OK, result.envelope
    assert entries(tmp_path) == [name]
    assert (tmp_path / name).read_bytes() == PNG


@pytest.mark.parametrize("size", [1, 45, 300])
def test_a_name_too_long_for_the_filesystem_is_output_write_failed(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path, size: int
) -> None:
    base, script = http
    script_asset(base, script)
    name = "é" * ((name_max(tmp_path) + size) // 2 + 1) + ".png"  # two bytes each
    result = get_asset(run_cli, base, "--output", str(tmp_path / name))
    assert result.code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.OUTPUT_WRITE_FAILED
    assert "filesystem allows at most" in result.error["message"]
    assert media_requests(script) == []
    assert entries(tmp_path) == []


# ------------------------------------------------------------------ a source that changes while it uploads
def _changing(change: Callable[[Path], None]) -> Callable[..., media.Source]:
    read = media.read_local

    def read_then_change(path: str, **kwargs: str) -> media.Source:
        source = read(path, **kwargs)
        change(Path(path))
        return source

    return read_then_change


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.write_bytes(p.read_bytes()[:100]),
        lambda p: p.write_bytes(p.read_bytes() + b"more"),
        lambda p: p.write_bytes(p.read_bytes()[:-1] + b"\x00"),
    ],
    ids=["shrank", "grew", "rewritten"],
)
def test_a_file_that_changes_during_upload_is_its_own_error(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Path], None],
) -> None:
    base, script = http
    script.on("POST", "/v1/upload", Reply(200, envelope({"asset": {"asset_id": "image_abcdefghijklmnop"}})))
    image = tmp_path / "in.png"
    image.write_bytes(PNG)
    monkeypatch.setattr(media, "read_local", _changing(change))
    result = run_cli("upload", str(image), "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.UPLOAD_SOURCE_CHANGED
    assert "file changed during upload" in result.error["message"]
    assert all(not seen.body.endswith(b'"}') for seen in script.seen)  # no complete body was sent
