"""Shell completion (issue 18 item 4): `image-skill completion bash|zsh|fish` prints a script made from
the manifest; the bash one is sourced in a real bash and asked with its completion function."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from image_skill.main import main
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import Run


def _require(shell: str) -> None:
    """Skip where ``shell`` is absent, or fail where it was installed for these tests (``.ci/run``
    installs zsh and fish and sets ``IMAGE_SKILL_REQUIRE_SHELLS=1``)."""
    if shutil.which(shell) is not None:
        return
    if os.environ.get("IMAGE_SKILL_REQUIRE_SHELLS") == "1":
        pytest.fail(f"IMAGE_SKILL_REQUIRE_SHELLS=1 but {shell} is not installed")
    pytest.skip(f"{shell} is not installed")


def _script(shell: str) -> str:
    out = io.StringIO()
    assert main(["completion", shell], env={}, stdin=io.StringIO(), stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue()


def _complete(script: Path, *words: str) -> list[str]:
    """What bash offers for the last of ``words`` (``image-skill`` first), from the sourced script."""
    line = " ".join(f"'{word}'" for word in words)
    program = (
        f"source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n_image_skill\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile"], input=program, capture_output=True, text=True, check=True
    )
    return [word for word in done.stdout.splitlines() if word]


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("bash")
    path = tmp_path_factory.mktemp("completion") / "image-skill.bash"
    path.write_text(_script("bash"))
    return path


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (["image-skill", "cre"], ["create", "credits"]),
        (["image-skill", "jobs", ""], ["show", "wait"]),
        (["image-skill", "jobs", "wait", "job_x", "--t"], ["--timeout-ms", "--token-stdin"]),
        (
            ["image-skill", "create", "--intent", ""],
            ["explore", "draft", "final", "finalize", "product", "hero"],
        ),
        (["image-skill", "models", "list", "--operation", "image.e"], ["image.edit"]),
        (["image-skill", "create", "--prompt", "x", "--provider", "x"], ["xai"]),
        (["image-skill", "image", "ed"], ["edit"]),
        (["image-skill", "image", "edit", "--inp"], ["--input", "--input-asset-id"]),
        (["image-skill", "credits", "buy", "--pro"], ["--provider"]),
    ],
    ids=lambda words: " ".join(words) if isinstance(words, list) else "",
)
def test_bash_completes_commands_flags_and_values(
    bash_script: Path, words: list[str], offered: list[str]
) -> None:
    assert sorted(_complete(bash_script, *words)) == sorted(offered)


@pytest.mark.parametrize(("shell", "check"), [("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])])
def test_zsh_and_fish_scripts_parse(tmp_path: Path, shell: str, check: list[str]) -> None:
    _require(check[0])
    path = tmp_path / f"image-skill.{shell}"
    path.write_text(_script(shell))
    subprocess.run([*check, str(path)], check=True)


def test_json_gives_the_script_in_an_envelope_and_a_bad_shell_is_refused(run_cli: Callable[..., Run]) -> None:
    result = run_cli("completion", "fish", "--json")
    assert result.data["script"] == _script("fish")
    assert "complete -c image-skill" in result.data["script"]
    bad = run_cli("completion", "powershell")
    assert bad.code == ExitCode.INVALID_ARGUMENTS
    assert bad.error["code"] == ErrorCode.INVALID_ARGUMENTS
