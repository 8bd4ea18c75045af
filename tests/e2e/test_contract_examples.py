"""Every ```bash example of both cli.md texts (0.1.13: ``--contract=PATH``; 0.1.70:
``--contract-upstream=PATH``), image scope, run with our CLI against our mock.

The examples are extracted from the documents (never copied here): each shell statement of a
```bash block is one example. ``image-skill ...`` runs with the real CLI (a ``printf ... |``
pipeline feeds the token on stdin); ``curl ...`` runs as the plain HTTP request it spells, with the
hosted base URL swapped for the mock's and ``$IMAGE_SKILL_TOKEN`` for the agent's token. The
documented outcome is success (exit 0 / HTTP 2xx) unless an example is listed below: ``OUT_OF_SCOPE``
(video/audio/3D, the x402/USDC rail, npm/npx installs, shell set-up) is reported and not run;
``CANNOT_SUCCEED_AS_WRITTEN`` runs and must fail with the code named, for the reason given.
Placeholders (``job_...``, ``MODEL_ID``, ``./source.png`` ...) are replaced by real values of this run.
"""

from __future__ import annotations

import itertools
import json
import shlex
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from e2e.conftest import Cli
from image_skill_api.registry import ErrorCode
from image_skill_mock.creative import catalog

HOSTED = "https://api.image-skill.com"
OWNED_URL = "https://media.image-skill.com/a/image_abc123.png"

#: Example text (a substring of the statement) -> why it is not run here.
OUT_OF_SCOPE = {
    "x402": "the x402/USDC payment rail is out of scope (issue 15 Scope)",
    "video": "video models are out of scope",
    "stable-audio": "audio models are out of scope",
    "trellis-image-to-3d": "3D models are out of scope",
    "npx ": "runs the npm package (npm install paths and provenance are out of scope)",
    "export ": "shell set-up for npm/npx installs, not a command of the CLI",
    "mkdir ": "shell set-up for npm/npx installs, not a command of the CLI",
}
#: Example text -> (the error code it must fail with, why it cannot succeed as written).
CANNOT_SUCCEED_AS_WRITTEN = {
    "--model MODEL_ID": (
        ErrorCode.MODEL_PARAMETERS_INVALID,
        "asks for --output-count 2 with a seed on MODEL_ID; no catalog model offers both (the hosted"
        " default takes several outputs but no seed)",
    ),
}
#: Example text -> why it is in scope but not run here.
NOT_RUN = {
    "https://example.com/": "fetches a URL on the public internet; the suite never reaches the network",
}


def statements(document: str) -> list[str]:
    """Every shell statement of the document's ```bash blocks (continuations and quotes joined)."""
    found: list[str] = []
    for block in document.split("```bash")[1:]:
        pending = ""
        for line in block.split("```", 1)[0].splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.rstrip().endswith("\\"):
                pending = pending.rstrip()[:-1]
                continue
            try:
                shlex.split(pending)
            except ValueError:  # an open quote: the statement goes on
                continue
            if pending.strip():
                found.append(" ".join(pending.split()) if "'" not in pending else pending.strip())
            pending = ""
    return found


def _png(
    path: Path, size: tuple[int, int] = (512, 512), colour: tuple[int, int, int] = (90, 120, 200)
) -> None:
    Image.new("RGB", (512, 512), colour).save(path)


@dataclass
class Run:
    """One document's run: the CLI, the agent's token and the real values placeholders stand for."""

    cli: Cli
    base_url: str
    token: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def prepare(self) -> None:
        home = self.cli.cwd
        for name in ("source.png", "identity.png", "starting-frame.png", "character-front.png"):
            _png(home / name)
        _png(home / "mask.png", colour=(255, 255, 255))
        for name in ("character-side.webp", "style.webp"):
            Image.new("RGB", (512, 512), (200, 120, 90)).save(home / name, "WEBP")
        self.cli.signup("contract-examples")
        self.token = str(json.loads(self.cli.config_path.read_text(encoding="utf-8"))["token"])
        created = self.cli("create", "--prompt", "a kettle", "--json").data
        asset = created["assets"][0]
        quote = self.cli("credits", "quote", "--pack", "starter-500", "--json").data
        bought = self.cli("credits", "buy", "--provider", "stripe", "--quote-id", quote["quote_id"],
                          "--idempotency-key", "contract-examples-buy", "--json").data  # fmt: skip
        events = self.cli("activity", "list", "--limit", "1", "--json").data["events"]
        model = catalog.get_model(catalog.HOSTED_DEFAULT_MODEL_ID)
        assert model is not None
        self.values = {
            OWNED_URL: asset["url"],
            "job_...": created["job_id"],
            "image_...": asset["asset_id"],
            "quote_...": quote["quote_id"],
            "payatt_...": bought["payment_attempt_id"],
            "evt_...": events[0]["event_id"],
            "sig_...": "sig_" + "0" * 16,
            "TRACE_ID": created["job"]["trace_id"],
            "CAPABILITY_ID": model["capability_id"],
            "MODEL_ID": model["id"],
            "MASK_ASSET_ID_OR_PATH_OR_URL": "./mask.png",
            "ASSET_ID_OR_PATH_OR_URL": "./source.png",
            HOSTED: self.base_url,
        }

    def fill(self, text: str) -> str:
        for placeholder, value in self.values.items():
            text = text.replace(placeholder, value)
        return text

    def cli_example(self, statement: str) -> tuple[bool, str | None]:
        stdin = None
        if statement.startswith("printf"):
            stdin, statement = self.token + "\n", statement.split("|", 1)[1].strip()
        # A signup example makes another agent: its config goes elsewhere, so the rest run as this one.
        env = {"IMAGE_SKILL_CONFIG_PATH": str(self.cli.cwd / "signup-example.json")}
        result = self.cli(
            *shlex.split(self.fill(statement))[1:], stdin=stdin, env=env if "signup" in statement else None
        )
        return result.exit_code == 0, (result.error or {}).get("code")

    def curl_example(self, statement: str) -> tuple[bool, str | None]:
        argv = shlex.split(self.fill(statement).replace("$IMAGE_SKILL_TOKEN", self.token))
        url = next(a for a in argv[1:] if a.startswith(self.base_url))
        headers = dict(h.split(": ", 1) for flag, h in itertools.pairwise(argv) if flag == "-H")
        body = argv[argv.index("-d") + 1].encode() if "-d" in argv else None
        request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                envelope = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            envelope = json.loads(exc.read())
        return bool(envelope["ok"]), (envelope["error"] or {}).get("code")


def run_document(document: str, cli: Cli, server: str) -> list[str]:
    """Run every in-scope example; the list of those whose outcome is not the documented one."""
    run = Run(cli, server)
    run.prepare()
    problems, ran = [], 0
    for statement in statements(document):
        if any(text in statement for text in (*OUT_OF_SCOPE, *NOT_RUN)):
            continue
        ok, code = run.curl_example(statement) if statement.startswith("curl") else run.cli_example(statement)
        ran += 1
        expected = next((v for text, v in CANNOT_SUCCEED_AS_WRITTEN.items() if text in statement), None)
        if expected is None and not ok:
            problems.append(f"{statement[:120]!r} failed with {code}")
        if expected is not None and (ok or code != expected[0]):
            problems.append(
                f"{statement[:120]!r}: {code}, expected to fail with {expected[0]} ({expected[1]})"
            )
    assert ran > 0, "no example was run: is this the contract document?"
    return problems


#: Room for every example's job (the mock's defaults allow a few a day).
SERVER_FLAGS = ("--daily-jobs", "100", "--free-credits", "100000")


def _run(document: str, start_server: Callable[..., str], tmp_path: Path) -> list[str]:
    home = tmp_path / "examples-home"
    home.mkdir()
    base_url = start_server(*SERVER_FLAGS)
    return run_document(document, Cli(base_url, home), base_url)


@pytest.mark.contract
def test_the_0_1_13_examples_run(
    contract_text: str, start_server: Callable[..., str], tmp_path: Path
) -> None:
    assert _run(contract_text, start_server, tmp_path) == []


@pytest.mark.contract_upstream
def test_the_0_1_70_examples_run(
    contract_upstream_text: str, start_server: Callable[..., str], tmp_path: Path
) -> None:
    assert _run(contract_upstream_text, start_server, tmp_path) == []


def test_statements_join_continuations_and_quoted_lines() -> None:
    document = "```bash\nimage-skill a \\\n  --json\ncurl -d '{\n  \"x\": 1\n}'\n```\n"
    assert statements(document) == ["image-skill a --json", "curl -d '{\n  \"x\": 1\n}'"]
