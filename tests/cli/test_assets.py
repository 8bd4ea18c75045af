"""assets get over a fake client: which references are accepted, and nothing is clobbered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from image_skill.envelope import CliError
from image_skill_api.registry import ErrorCode

from .conftest import envelope
from .fakes import FakeClient, command, make_ctx

ASSET = {
    "asset_id": "image_abc",
    "url": "http://127.0.0.1:8787/media/a/image_abc.png",
    "mime_type": "image/png",
    "sha256": "x",
}


def get(client: FakeClient, ref: str, output: str, overwrite: bool = False) -> dict[str, Any]:
    argv = ["assets", "get", ref, "--output", output, *(["--overwrite"] if overwrite else [])]
    return command(make_ctx(client, base="http://127.0.0.1:8787"), *argv)


def asset_client(asset: dict[str, Any] = ASSET) -> FakeClient:
    return FakeClient({"getAsset": envelope({"request": {}, "asset": asset})})


@pytest.mark.parametrize(
    ("ref", "reference_type"),
    [
        ("image_abc", "asset_id"),
        (ASSET["url"], "owned_url"),
        ("https://media.image-skill.com/a/image_abc.png", "owned_url"),
    ],
)
def test_assets_get_accepts_ids_and_owned_urls(tmp_path: Path, ref: str, reference_type: str) -> None:
    client = asset_client()
    result = get(client, ref, str(tmp_path / "a.png"))
    assert result["data"]["request"] == {"reference": ref, "reference_type": reference_type}
    assert [call[1] for call in client.calls] == [{"asset_id": "image_abc"}]


def test_assets_get_refuses_existing_output_before_downloading(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"original")
    client = asset_client()
    with pytest.raises(CliError) as caught:
        get(client, "image_abc", str(target))
    assert caught.value.code is ErrorCode.OUTPUT_EXISTS
    assert caught.value.recovery == {"required_flag": "--overwrite"}
    assert client.downloads == []
    assert target.read_bytes() == b"original"
    get(client, "image_abc", str(target), overwrite=True)
    assert client.downloads[0][2] is True


def test_assets_get_refuses_a_non_owned_asset_url(tmp_path: Path) -> None:
    client = asset_client({**ASSET, "url": "https://evil.example/image_abc.png"})
    with pytest.raises(CliError) as caught:
        get(client, "image_abc", str(tmp_path / "a.png"))
    assert caught.value.code is ErrorCode.EXTERNAL_URL_REJECTED
    assert client.downloads == []


def test_assets_get_derives_the_file_name_in_a_directory(tmp_path: Path) -> None:
    client = asset_client()
    result = get(client, "image_abc", str(tmp_path))
    assert result["data"]["output"]["path"] == str(tmp_path / "image_abc.png")
