"""Media both ways (issues #8, #19 item 3): server memory above idle for a 256 MiB download and a
25 MiB upload, the CLI's own peak memory for that upload (and its MB/s), and the throughput of
``image-skill assets get`` against curl on the same URL, alternated.

Server memory is the peak resident set (``VmHWM``, started over from the current RSS just before)
minus the RSS at idle. The 256 MiB asset is a generated image whose bytes are replaced in SQLite.
The downloads alternate after one unrecorded pair, and each starts after an untimed ``sync``: the CLI
syncs its file before renaming it into place and curl does not, so without it our run would wait
behind the writeback of curl's file, written just before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bench.procs import BenchError, Client, Ran, Server, run, run_for_peak
from bench.rows import grow_asset
from bench.stats import Budget, Row, Sample, alternate, paired_row

MB = 1_000_000
#: Just under the upload cap (25 MiB): a random-noise PNG, stored uncompressed.
UPLOAD_BYTES = (25 << 20) - (64 << 10)
UPLOAD_SERVER_BUDGET = Budget(2.0)  # issue #19: peak above idle / file
UPLOAD_CLI_BUDGET = Budget(2.5)  # issue #8: the CLI's peak RSS / file
DOWNLOAD_BYTES = 256 << 20
DOWNLOAD_RSS_BUDGET = Budget(64, unit="MB")
DOWNLOAD_RATE_BUDGET = Budget(0.8, at_least=True)


@dataclass(frozen=True)
class Setup:
    """A mock (and its database), an agent's token, and the CLI with an environment pointing at both."""

    server: Server
    db: Path
    token: str
    cli: str
    env: Mapping[str, str]
    tmp: Path

    def run(self, *argv: str) -> Ran:
        return run([self.cli, *argv], self.env)


def noise_png(path: Path, size: int) -> Path:
    """An RGB PNG of random pixels, stored uncompressed, at most ``size`` bytes."""
    side = int(((size - 8192) / 3 / 1.0002) ** 0.5) - 1  # a filter byte a row, stored deflate blocks
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, compress_level=0)
    if path.stat().st_size > size:
        raise BenchError(f"the upload PNG is {path.stat().st_size} bytes, over {size}")
    return path


def upload_rows(setup: Setup) -> list[Row]:
    path = noise_png(setup.tmp / "upload-bench.png", UPLOAD_BYTES)
    size = path.stat().st_size
    idle = setup.server.rss()
    setup.server.reset_peak()
    ran = run_for_peak([setup.cli, "upload", str(path), "--json"], setup.env)
    above = setup.server.peak() - idle
    file = f"{size / MB:.1f} MB file"
    return [
        Row(
            "upload 25 MiB: server peak RSS above idle / file",
            f"{above / MB:.1f} MB above {idle / MB:.0f} MB idle",
            file,
            ratio=above / size,
            budget=UPLOAD_SERVER_BUDGET,
        ),
        Row(
            "upload 25 MiB: CLI peak RSS / file",
            f"{ran.peak_rss / MB:.1f} MB, {size / MB / ran.wall:.1f} MB/s end to end (cpu {ran.cpu:.2f} s)",
            file,
            ratio=ran.peak_rss / size,
            budget=UPLOAD_CLI_BUDGET,
        ),
    ]


def _big_asset(server: Server, db: Path, token: str) -> tuple[str, str]:
    """A generated asset grown to ``DOWNLOAD_BYTES``: its id and its media URL."""
    client: Client = server.connect()
    created = client.json("POST", "/v1/create", token=token, body={"prompt": "a very large bench asset"})
    asset_id = str(created["data"]["assets"][0]["asset_id"])
    grow_asset(db, asset_id, DOWNLOAD_BYTES)
    url = str(client.json("GET", f"/v1/assets/{asset_id}", token=token)["data"]["asset"]["url"])
    client.close()
    return asset_id, url


def download_rows(setup: Setup, *, rounds: int) -> list[Row]:
    server = setup.server
    asset_id, url = _big_asset(server, setup.db, setup.token)
    idle = server.rss()
    server.reset_peak()
    curl = shutil.which("curl")

    def rate(ran: Ran) -> Sample:
        return Sample(DOWNLOAD_BYTES / MB / ran.wall, ran.cpu)

    def ours() -> Sample:
        os.sync()  # untimed: no run pays for the writeback of the one before (curl never syncs its file)
        return rate(
            setup.run("assets", "get", asset_id, "--output", str(setup.tmp / "ours.bin"), "--overwrite")
        )

    def theirs() -> Sample:
        os.sync()
        return rate(run([str(curl), "-sS", "-o", str(setup.tmp / "curl.bin"), url], setup.env))

    rows = []
    if curl is None:
        ours()  # the server's memory is still measured
        rows.append(
            Row("assets get 256 MiB: MB/s vs curl", "", budget=DOWNLOAD_RATE_BUDGET, skipped="curl is absent")
        )
    else:
        paired = alternate(ours, theirs, rounds)  # one unrecorded pair: the asset just written is read once
        rows.append(
            paired_row(
                "assets get 256 MiB: MB/s vs curl (same URL)", paired, budget=DOWNLOAD_RATE_BUDGET, text=_rate
            )
        )
    above = server.peak() - idle
    rows.insert(
        0,
        Row(
            "download 256 MiB: server peak RSS above idle",
            f"{above / MB:.0f} MB above {idle / MB:.0f} MB idle",
            f"{DOWNLOAD_BYTES / MB:.0f} MB asset",
            figure=above / MB,
            budget=DOWNLOAD_RSS_BUDGET,
        ),
    )
    return rows


def _rate(sample: Sample) -> str:
    cpu = "" if sample.cpu is None else f" (cpu {sample.cpu:.2f} s)"
    return f"{sample.value:.0f} MB/s{cpu}"
