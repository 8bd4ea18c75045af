"""The first-run demo: the real ``image-skill`` CLI against an embedded mock server.

Starts ``image-skill-mock serve`` on a free port with a throwaway database, then follows the
contract's first-run sequence exactly as an agent would: guide -> (auth_required) -> the guide's
``next_command`` -> guide -> (ready_to_create) -> the guide's ``next_command`` -> ``jobs wait`` ->
``assets get``. Every command and its envelope is printed; the image lands in ``--out``. The CLI
is run as a subprocess (``python -m image_skill``): the mock never imports the CLI.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

PROMPT = "a compact field camera on a stainless workbench"
#: The demo agent's own values for the placeholders of the suggested signup command.
SIGNUP_VALUES = {
    "AGENT_CONTACT_EMAIL": "demo-agent@example.invalid",
    "AGENT_NAME": "demo-agent",
    "RUNTIME": "demo",
}


class DemoFailed(Exception):
    """A step did not end the way the first-run flow says it should."""


@contextmanager
def serving(
    db_path: Path, *, extra_args: tuple[str, ...] = (), stderr: Any = subprocess.DEVNULL
) -> Iterator[dict[str, Any]]:
    """Start ``image-skill-mock serve --port 0`` and yield its ready line (``base_url``,
    ``webhook_secret``) once it accepts requests; stopped on the way out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--db", str(db_path), *extra_args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise DemoFailed("the mock server exited before it printed its base URL")
        ready: dict[str, Any] = json.loads(line)
        yield ready
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_server(db_path: Path, *, extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Start ``image-skill-mock serve --port 0`` and yield its base URL once it accepts requests."""
    with serving(db_path, extra_args=extra_args) as ready:
        yield str(ready["base_url"])


class Demo:
    """Runs CLI commands, echoing each one and its envelope to ``out``."""

    def __init__(self, env: Mapping[str, str], cwd: Path, out: TextIO) -> None:
        self.env = dict(env)
        self.cwd = cwd
        self.out = out

    def run(self, argv: list[str], *, expect_exit: int = 0) -> dict[str, Any]:
        if argv[0] != "image-skill":
            raise DemoFailed(f"refusing to run a command that is not image-skill: {argv[0]}")
        print(f"\n$ {shlex.join(argv)}", file=self.out)
        done = subprocess.run(
            [sys.executable, "-m", "image_skill", *argv[1:]],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            envelope: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError as exc:
            raise DemoFailed(f"stdout of {argv[1]!r} is not one JSON envelope") from exc
        print(json.dumps(envelope, indent=2), file=self.out)
        print(f"(exit {done.returncode})", file=self.out)
        if done.returncode != expect_exit:
            raise DemoFailed(f"{shlex.join(argv[:3])} exited {done.returncode}, expected {expect_exit}")
        return envelope

    def follow(self, command: str) -> dict[str, Any]:
        """Run a ``next_command`` exactly as a POSIX shell would split it."""
        return self.run(shlex.split(command))


def first_run(demo: Demo, out_dir: Path) -> Path:
    """The contract's First Run Sequence; returns the path of the downloaded image."""
    demo.run(["image-skill", "doctor", "--json"])
    guide = demo.run(["image-skill", "create", "--guide", "--prompt", PROMPT, "--json"])["data"]
    if guide["stage"] != "auth_required":
        raise DemoFailed(f"expected the guide to ask for auth first, got stage {guide['stage']!r}")
    demo.follow(" ".join(SIGNUP_VALUES.get(word, word) for word in guide["next_command"].split(" ")))
    guide = demo.run(["image-skill", "create", "--guide", "--prompt", PROMPT, "--json"])["data"]
    if guide["stage"] != "ready_to_create":
        raise DemoFailed(f"expected ready_to_create after signup, got {guide['stage']!r}")
    demo.run(["image-skill", "usage", "quota", "--json"])
    created = demo.follow(guide["next_command"])["data"]
    demo.run(["image-skill", "jobs", "wait", created["job_id"], "--timeout-ms", "30000", "--json"])
    asset = created["assets"][0]
    target = out_dir / f"{asset['asset_id']}.png"
    got = demo.run(["image-skill", "assets", "get", asset["asset_id"], "--output", str(target), "--json"])
    return Path(got["data"]["output"]["path"])


def main(out_dir: Path, out: TextIO = sys.stdout) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="image-skill-demo-") as tmp:
        tmp_path = Path(tmp)
        with running_server(tmp_path / "mock.sqlite3") as base_url:
            print(f"mock server: {base_url} (throwaway database, stopped at the end)", file=out)
            env = {
                **os.environ,
                "IMAGE_SKILL_API_BASE_URL": base_url,
                "IMAGE_SKILL_CONFIG_PATH": str(tmp_path / "config" / "config.json"),
            }
            env.pop("IMAGE_SKILL_TOKEN", None)
            try:
                image = first_run(Demo(env, Path.cwd(), out), out_dir)
            except DemoFailed as exc:
                print(f"\ndemo failed: {exc}", file=out)
                return 1
    print(f"\nDone: the first image is at {image}", file=out)
    return 0
