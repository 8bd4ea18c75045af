"""Start-up stays fast (issue 18 item 8): what argv alone decides (the version, help piped or on a
terminal, a command's entry, a misspelt flag or command) loads neither docopt, requests, typing,
difflib nor json (its envelope is written by ``image_skill.jsonline``), nor the MCP SDK; `--version`
not even the manifest."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "requests", "docopt", "typing", "difflib", "mcp", "anyio", "image_skill.context", "image_skill.transport",
    "image_skill_api.models", "image_skill_api.registry", "image_skill_api.operations", "json",
)  # fmt: skip


def _loaded(argv: list[str], *, terminal: bool = False) -> set[str]:
    probe = (
        "import io, sys\n"
        "from image_skill.main import main\n"
        "class T(io.StringIO):\n"
        f"    def isatty(self): return {terminal}\n"
        f"main({argv!r}, env={{}}, stdout=T(), stderr=io.StringIO())\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["help", "jobs", "wait"],
        ["create", "--help"],
        ["create", "--bogus"],
        ["creat", "--guide"],
        ["jobs", "wait", "job_abcdefghijklmnop", "--timeout", "5"],
    ],
    ids=" ".join,
)
@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
def test_what_argv_alone_decides_stays_cheap(argv: list[str], terminal: bool) -> None:
    loaded = _loaded(argv, terminal=terminal)
    assert [module for module in HEAVY if module in loaded] == []
    if argv == ["--version"]:
        assert "image_skill_api.manifest" not in loaded
    if not terminal:  # piped, help is the envelope: the text renderer is not even imported
        assert "image_skill.helptext" not in loaded


def test_a_command_that_runs_loads_no_help() -> None:
    loaded = _loaded(["whoami", "--api-base-url", "http://127.0.0.1:9"])
    assert "image_skill.helptext" not in loaded
    assert "image_skill_api.manifest" not in loaded
