"""Upload, edit, masks and references end to end: the real CLI against the real mock server, remote
sources served by a local HTTP server, outputs checked on real pixels."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from image_skill_api.registry import ERRORS, ErrorCode

from .conftest import Cli

pytestmark = pytest.mark.e2e

RED, GREEN = (230, 20, 20), (20, 200, 40)
MASK_BOX = (100, 80, 300, 220)


def exit_of(code: ErrorCode) -> int:
    return int(ERRORS[code].exit_code)


@dataclass
class ImageHost:
    """A local HTTP server standing in for the internet: named files, redirects, failures; it records
    every request's headers."""

    base_url: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    host = ImageHost("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host.headers.append({k.lower(): v for k, v in self.headers.items()})
            path = self.path.split("?", 1)[0]
            host.paths.append(path)
            if path == "/loop":
                self._redirect("/loop")
            elif path == "/huge":  # declares more than uploads accept, sends nothing
                self.send_response(200)
                self.send_header("content-length", str(30 << 20))
                self.end_headers()
            elif path == "/stall":  # headers, then a dribble slower than the time limit
                self.send_response(200)
                self.send_header("content-length", "1000")
                self.end_headers()
                for _ in range(40):
                    try:
                        self.wfile.write(b"\x89")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.1)
            elif path.startswith("/go/"):
                self._redirect("/img/" + path[len("/go/") :])
            elif path.startswith("/img/") and path[5:] in host.files:
                content_type, data = host.files[path[5:]]
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("location", location)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield host
    server.shutdown()
    server.server_close()


def _save(image: Image.Image, path: Path, fmt: str = "PNG") -> Path:
    image.save(path, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    return path


def _picture(size: tuple[int, int] = (400, 300)) -> Image.Image:
    image = Image.new("RGB", size, (30, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.rectangle((x, 0, x + 19, size[1]), fill=(220, 200, 40))
    return image


def _download(cli: Cli, asset_id: str, dest: Path) -> Image.Image:
    got = cli("assets", "get", asset_id, "--output", str(dest))
    assert got.exit_code == 0, got.envelope
    return Image.open(dest).convert("RGB")


def _no_leaks(stdout: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in stdout, f"{secret!r} leaked into the output"


# ------------------------------------------------------------------------------ upload
def test_upload_a_local_png(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    path = _save(_picture(), tmp_path / "home" / "source.png")
    data = path.read_bytes()
    result = cli("upload", "./source.png", "--json")
    assert result.exit_code == 0, result.envelope
    assert result.data["request"] == {
        "source_kind": "local_path",
        "filename": "source.png",
        "remote_origin": None,
    }
    asset = result.data["asset"]
    assert (asset["kind"], asset["mime_type"], asset["width"], asset["height"]) == (
        "uploaded",
        "image/png",
        400,
        300,
    )
    assert result.data["upload"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert result.data["upload"]["policy"] == {"status": "allowed"}
    _no_leaks(result.stdout, str(tmp_path), str(path))
    downloaded = tmp_path / "back.png"
    _download(cli, asset["asset_id"], downloaded)
    assert downloaded.read_bytes() == data


def test_upload_a_url_the_cli_fetches_itself(cli: Cli, tmp_path: Path, image_host: ImageHost) -> None:
    cli.signup()
    buffer = tmp_path / "remote.jpg"
    _picture((320, 240)).save(buffer, format="JPEG")
    data = buffer.read_bytes()
    image_host.files["photo.jpg"] = ("application/octet-stream", data)  # the content-type is never trusted
    url = f"{image_host.base_url}/go/photo.jpg?sig=secret-query"
    result = cli("upload", url)
    assert result.exit_code == 0, result.envelope
    assert result.data["request"] == {
        "source_kind": "remote_url",
        "filename": "photo.jpg",
        "remote_origin": image_host.base_url,
    }
    assert (result.data["asset"]["mime_type"], result.data["asset"]["width"]) == ("image/jpeg", 320)
    assert result.data["upload"]["sha256"] == hashlib.sha256(data).hexdigest()
    _no_leaks(result.stdout, url, "secret-query", "/go/photo.jpg")
    assert len(image_host.headers) == 2  # the redirect, then the image
    for headers in image_host.headers:
        assert "authorization" not in headers
        assert "isk_r_" not in str(headers)


def test_upload_refusals(cli: Cli, tmp_path: Path, image_host: ImageHost) -> None:
    cli.signup()
    home = tmp_path / "home"
    (home / "notes.png").write_text("plain text with a .png name")
    image_host.files["fake.png"] = ("image/png", b"<html>not an image</html>")
    os.mkfifo(home / "pipe.png")  # opening it must not wait for a writer
    cases = [
        (["./pipe.png"], ErrorCode.INVALID_ARGUMENTS),
        (["."], ErrorCode.INVALID_ARGUMENTS),
        (["./notes.png"], ErrorCode.INPUT_POLICY_DENIED),  # sniffed, not named
        ([f"{image_host.base_url}/img/fake.png"], ErrorCode.INPUT_POLICY_DENIED),  # not the content-type
        ([f"{image_host.base_url}/img/missing.png"], ErrorCode.SOURCE_FETCH_FAILED),
        ([f"{image_host.base_url}/loop"], ErrorCode.SOURCE_FETCH_FAILED),
        (["./missing.png"], ErrorCode.INVALID_ARGUMENTS),
        ([image_host.base_url.replace("://", "://user:pw@") + "/img/fake.png"], ErrorCode.INVALID_ARGUMENTS),
        (["ftp://example.com/a.png"], ErrorCode.INVALID_ARGUMENTS),
    ]
    for argv, code in cases:
        before = len(image_host.headers)
        result = cli("upload", *argv)
        assert (result.exit_code, result.error["code"]) == (exit_of(code), code), (argv, result.envelope)
        _no_leaks(result.stdout, str(home), argv[0] if "://" in argv[0] else str(home / argv[0]), "pw@")
        if "user:pw" in argv[0]:
            assert len(image_host.headers) == before, "a URL with credentials was fetched"
    assert image_host.paths.count("/loop") == 6  # the first request and 5 redirects, then refused


def test_remote_fetches_are_bounded_in_size_and_time(cli: Cli, image_host: ImageHost) -> None:
    cli.signup()
    huge = cli("upload", f"{image_host.base_url}/huge")
    assert (huge.exit_code, huge.error["code"]) == (
        exit_of(ErrorCode.INPUT_POLICY_DENIED),
        "INPUT_POLICY_DENIED",
    )
    assert "25 MiB" in huge.error["message"]
    started = time.monotonic()
    slow = cli("upload", f"{image_host.base_url}/stall", env={"IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "1"})
    assert (slow.exit_code, slow.error["code"]) == (exit_of(ErrorCode.TIMEOUT), "TIMEOUT")
    assert time.monotonic() - started < 3.5  # the total limit, not a per-read one


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "AVIF"])
def test_every_supported_type_is_sniffed_by_the_cli(cli: Cli, tmp_path: Path, fmt: str) -> None:
    cli.signup()
    path = _save(_picture((64, 48)), tmp_path / "home" / "picture.bin", fmt)  # the name says nothing
    result = cli("upload", "./picture.bin")
    assert result.exit_code == 0, result.envelope
    expected = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}[fmt]
    assert result.data["upload"]["mime_type"] == f"image/{expected}"
    assert result.data["upload"]["bytes"] == path.stat().st_size


def _uploaded_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM assets WHERE kind = 'uploaded'").fetchone()[0])


def test_an_unsupported_mask_or_reference_stops_the_edit_before_any_upload(
    cli: Cli, tmp_path: Path, server_db: Path
) -> None:
    cli.signup()
    home = tmp_path / "home"
    _save(_picture(), home / "in.png")
    (home / "mask.png").write_bytes(b"GIF88a not really")  # a near miss of a signature
    before = _uploaded_count(server_db)
    for argv in (("--mask", "./mask.png"), ("--reference-image", "./mask.png@0")):
        result = cli("edit", "--input", "./in.png", *argv, "--prompt", "x", "--accept-unknown-cost")
        assert (result.exit_code, result.error["code"]) == (6, "INPUT_POLICY_DENIED"), result.envelope
        assert result.error["message"].startswith(argv[0])
    assert _uploaded_count(server_db) == before  # not even the valid input went up


def test_upload_needs_a_token_before_reading_anything(
    cli: Cli, tmp_path: Path, image_host: ImageHost
) -> None:
    image_host.files["a.png"] = ("image/png", b"x")
    result = cli("upload", f"{image_host.base_url}/img/a.png")
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert image_host.headers == []


# -------------------------------------------------------------------------------- edit
def test_edit_with_a_mask_changes_only_the_masked_pixels(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    home = tmp_path / "home"
    source = _picture((1024, 768))  # the model's 1k at 4:3: the output is the input's size
    _save(source, home / "in.png")
    mask = Image.new("L", source.size, 0)
    mask.paste(255, MASK_BOX)
    _save(mask, home / "mask.png")
    result = cli(
        "edit",
        "--input",
        "./in.png",
        "--mask",
        "./mask.png",
        "--prompt",
        "a red door",
        "--accept-unknown-cost",
    )
    assert result.exit_code == 0, result.envelope
    assert [u["for"] for u in result.data["uploaded"]] == ["--input", "--mask"]
    assert result.data["request"]["selection"]["model_id"] == "fal.ideogram-v2-edit"
    _no_leaks(result.stdout, "a red door", str(home))
    output = _download(cli, result.data["assets"][0]["asset_id"], tmp_path / "out.png")
    assert output.size == source.size
    diff = ImageChops.difference(output, source).convert("L")
    inside = diff.crop(MASK_BOX)
    assert sum(1 for v in inside.tobytes() if v) > 0.9 * inside.width * inside.height, (
        "the masked region did not change"
    )
    outside = diff.copy()
    outside.paste(0, MASK_BOX)
    assert outside.getbbox() is None, "a pixel outside the mask changed"


def test_edit_without_a_mask_by_asset_id_and_owned_url(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    _save(_picture(), tmp_path / "home" / "in.png")
    uploaded = cli("upload", "in.png")
    asset_id, url = uploaded.data["asset"]["asset_id"], uploaded.data["asset"]["url"]
    by_id = cli("edit", "--input", asset_id, "--prompt", "dusk", "--model", "fal.flux-pro-kontext")
    assert by_id.exit_code == 0, by_id.envelope
    assert by_id.data["uploaded"] == []  # an asset id is used as it is
    by_url = cli("edit", "--input", url, "--prompt", "dusk", "--model", "fal.flux-pro-kontext")
    assert by_url.data["uploaded"] == []
    assert by_url.data["assets"][0]["sha256"] == by_id.data["assets"][0]["sha256"]  # deterministic
    legacy = cli("edit", "--input-asset-id", asset_id, "--prompt", "dusk", "--model", "fal.flux-pro-kontext")
    assert legacy.exit_code == 0
    out = _download(cli, by_id.data["assets"][0]["asset_id"], tmp_path / "o.png")
    assert out.size == (1024, 768)  # auto keeps the input's 4:3 at the model's 1k
    assert by_id.data["quota"]["consumed_credits"] == 7


def test_a_retried_edit_with_the_same_key_is_the_same_job(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    _save(_picture(), tmp_path / "home" / "in.png")
    argv = ("edit", "--input", "./in.png", "--prompt", "dusk", "--model", "fal.flux-pro-kontext")
    first = cli(*argv, "--idempotency-key", "edit-retry-1")
    again = cli(*argv, "--idempotency-key", "edit-retry-1")  # re-reads and re-uploads ./in.png
    assert first.exit_code == again.exit_code == 0, again.envelope
    assert again.data["uploaded"] == first.data["uploaded"]  # the same bytes: the same asset
    assert again.data["job_id"] == first.data["job_id"]
    quota = cli("usage", "quota")
    assert quota.data["limits"]["remaining_credits"] == 50 - 7  # debited once


def test_a_mask_on_a_maskless_model_is_capability_denied(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    _save(_picture(), tmp_path / "home" / "in.png")
    _save(Image.new("L", (400, 300), 255), tmp_path / "home" / "m.png")
    result = cli(
        "edit", "--input", "in.png", "--mask", "m.png", "--prompt", "x", "--model", "fal.flux-pro-kontext"
    )
    assert (result.exit_code, result.error["code"]) == (
        exit_of(ErrorCode.CAPABILITY_DENIED),
        "CAPABILITY_DENIED",
    )


# -------------------------------------------------------------------------- references
def test_create_and_edit_with_references(cli: Cli, tmp_path: Path, image_host: ImageHost) -> None:
    cli.signup()
    home = tmp_path / "home"
    _save(Image.new("RGB", (400, 400), RED), home / "identity.png")
    _save(Image.new("RGB", (500, 400), GREEN), home / "style.webp", "WEBP")
    created = cli(
        "create",
        "--model",
        "fal.dreamo",
        "--prompt",
        "portrait",
        "--reference-image",
        "./identity.png@0:id",
        "--reference-image",
        "./style.webp@1:style",
    )
    assert created.exit_code == 0, created.envelope
    assert [u["for"] for u in created.data["uploaded"]] == ["--reference-image", "--reference-image"]
    image = _download(cli, created.data["assets"][0]["asset_id"], tmp_path / "c.png")
    colours = {c for _, c in image.getcolors(image.width * image.height) or []}
    assert RED in colours
    assert GREEN in colours

    buffer = tmp_path / "remote.png"
    Image.new("RGB", (400, 400), GREEN).save(buffer)
    image_host.files["ref.png"] = ("image/png", buffer.read_bytes())
    _save(_picture(), home / "in.png")
    edited = cli(
        "edit",
        "--input",
        "./in.png",
        "--model",
        "xai.grok-imagine-image-edit",
        "--prompt",
        "x",
        "--reference-image",
        f"{image_host.base_url}/img/ref.png@0",
        "--accept-unknown-cost",
    )
    assert edited.exit_code == 0, edited.envelope
    out = _download(cli, edited.data["assets"][0]["asset_id"], tmp_path / "e.png")
    assert out.getpixel((3, out.height - 2)) == GREEN

    kling = cli(
        "edit",
        "--model",
        "fal.kling-image-o3-image-to-image",
        "--input",
        "./in.png",
        "--element-frontal",
        "./identity.png@0",
        "--element-reference",
        "./style.webp@0:0",
        "--prompt",
        "studio portrait",
        "--accept-unknown-cost",
    )
    assert kling.exit_code == 0, kling.envelope


def test_reference_refusals(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    other = Cli(cli.env["IMAGE_SKILL_API_BASE_URL"], tmp_path)
    other.env["IMAGE_SKILL_CONFIG_PATH"] = str(tmp_path / "other" / "config.json")
    other.signup("someone-else")
    _save(Image.new("RGB", (400, 400), RED), home / "theirs.png")
    theirs = other("upload", str(home / "theirs.png")).data["asset"]["asset_id"]
    cli.signup()
    _save(Image.new("RGB", (299, 400), RED), home / "small.png")
    _save(Image.new("RGB", (1100, 400), RED), home / "wide.png")
    _save(Image.new("RGB", (400, 400), RED), home / "ok.png")
    (home / "doc.png").write_text("not an image")
    dreamo = ["create", "--model", "fal.dreamo", "--prompt", "p"]
    cases = [
        ([*dreamo, "--reference-image", "small.png@0"], ErrorCode.INPUT_POLICY_DENIED, "at least 300 px"),
        ([*dreamo, "--reference-image", "wide.png@0"], ErrorCode.INPUT_POLICY_DENIED, "aspect ratio"),
        ([*dreamo, "--reference-image", "doc.png@0"], ErrorCode.INPUT_POLICY_DENIED, "not an image type"),
        (
            [*dreamo, *[f for i in range(3) for f in ("--reference-image", f"ok.png@{i}")]],
            ErrorCode.CAPABILITY_DENIED,
            "at most 2",
        ),
        ([*dreamo, "--reference-image", "ok.png@1"], ErrorCode.REFERENCES_INVALID, "contiguous"),
        ([*dreamo, "--reference-image", f"{theirs}@0"], ErrorCode.NOT_FOUND, "not found"),
        (
            [*dreamo, "--reference-image", "ok.png@0:bogus"],
            ErrorCode.INVALID_ARGUMENTS,
            "INDEX[:ip|id|style]",
        ),
        ([*dreamo, "--element-reference", "ok.png@0:7"], ErrorCode.INVALID_ARGUMENTS, "REF must be"),
        (
            [*dreamo, "--model-parameters-json", '{"reference_image_urls": ["https://x.example/a.png"]}'],
            ErrorCode.MODEL_PARAMETERS_INVALID,
            "--reference-image",
        ),
        (
            [
                "edit",
                "--input",
                "ok.png",
                "--model-parameters-json",
                '{"mask_url": "https://x.example/m.png"}',
            ],
            ErrorCode.MODEL_PARAMETERS_INVALID,
            "--mask",
        ),
        (
            ["edit", "--input", "ok.png", "--model-parameters-json", '{"ip_reference_task": "id"}'],
            ErrorCode.MODEL_PARAMETERS_INVALID,
            "--reference-image",
        ),
    ]
    for argv, code, fragment in cases:
        result = cli(*argv)
        assert (result.exit_code, result.error["code"]) == (exit_of(code), code), (argv, result.envelope)
        assert fragment in result.error["message"], result.error
        _no_leaks(result.stdout, str(home))
        if code is ErrorCode.MODEL_PARAMETERS_INVALID:
            assert result.error["recovery"]["required_flag"] == fragment


PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_20_mb_upload_streams_under_two_and_a_half_times_its_size(cli: Cli, tmp_path: Path) -> None:
    import subprocess
    import sys

    from .conftest import cli_command

    cli.signup()
    side = 2582  # 2582^2 x 3 bytes of noise, stored uncompressed: ~20 MB
    path = tmp_path / "home" / "big.png"
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, compress_level=0)
    size = path.stat().st_size
    assert size > 19_000_000
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *cli_command(), "upload", str(path)],
        env=cli.env,
        cwd=cli.cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    code, peak_kib = (int(x) for x in done.stdout.split())
    assert code == 0
    assert peak_kib * 1024 < 2.5 * size, f"peak RSS {peak_kib} KiB for a {size} byte upload"


def test_the_contracts_reference_examples_run_as_printed(cli: Cli, tmp_path: Path) -> None:
    import shlex

    cli.signup()
    home = tmp_path / "home"
    for name, colour, fmt in (
        ("character-front.png", RED, "PNG"),
        ("character-side.webp", GREEN, "WEBP"),
        ("identity.png", RED, "PNG"),
        ("style.webp", GREEN, "WEBP"),
    ):
        _save(Image.new("RGB", (512, 640), colour), home / name, fmt)
    _save(_picture((800, 600)), home / "starting-frame.png")
    examples = [
        """image-skill create --model fal.kling-image-o3-text-to-image
           --prompt "Place the same character in a clean studio campaign"
           --element-frontal ./character-front.png@0 --element-reference ./character-side.webp@0:0
           --output-count 2 --max-estimated-usd-per-image 0.06 --json""",
        """image-skill create --model fal.dreamo
           --prompt "Studio portrait preserving identity with a bolder editorial style"
           --reference-image ./identity.png@0:id --reference-image ./style.webp@1:style
           --model-parameters-json '{"image_size":{"width":1280,"height":720}}'
           --max-estimated-usd-per-image 0.06 --json""",
        """image-skill edit --model fal.kling-image-o3-image-to-image --input ./starting-frame.png
           --element-frontal ./character-front.png@0 --element-reference ./character-side.webp@0:0
           --prompt "Place the same character in a clean studio product portrait"
           --accept-unknown-cost --json""",
    ]
    results = [cli.follow(" ".join(example.split())) for example in examples]
    for example, result in zip(examples, results, strict=True):
        assert result.exit_code == 0, (shlex.split(example)[1], result.envelope)
    assert len(results[0].data["assets"]) == 2
    assert results[0].data["quota"]["consumed_credits"] == 12  # USD 0.03 x 2 outputs
    dreamo = results[1].data["assets"][0]
    assert (dreamo["width"], dreamo["height"]) == (1280, 720)
