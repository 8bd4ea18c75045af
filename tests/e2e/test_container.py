"""The ``Containerfile`` recipe (issue 16), run as plain shell steps where no container engine is.

Read from the Containerfile itself: the base image, the install step (``pip install ".[mock]"``), the
``CMD`` and the ``HEALTHCHECK``. Then, in a fresh venv: the project's wheel (built once, offline,
``--no-build-isolation``) is installed as the install step would (its ``[mock]`` dependencies are
taken from this test environment through a ``.pth`` line rather than downloaded: the same pins,
nothing fetched); the ``CMD`` runs with the venv's own ``image-skill-mock`` console script, on a
free loopback port and a ``/data`` under the test's directory; the ``HEALTHCHECK`` passes against
it; and state written to the ``--db`` survives a restart of the same command.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
RECIPE = (ROOT / "Containerfile").read_text(encoding="utf-8")


def instruction(name: str) -> list[str]:
    """The instructions ``name`` of the recipe (each with its continuation lines joined)."""
    joined = RECIPE.replace("\\\n", " ")
    return [line[len(name) :].strip() for line in joined.splitlines() if line.startswith(name + " ")]


def exec_form(text: str) -> list[str]:
    argv = json.loads(text)
    assert isinstance(argv, list)
    return [str(arg) for arg in argv]


def test_the_recipe_is_the_one_the_issue_asks_for() -> None:
    assert instruction("FROM") == ["python:3.12-slim"]
    assert any(re.fullmatch(r'pip install (--no-cache-dir )?"\.\[mock\]"', run) for run in instruction("RUN"))
    [cmd] = instruction("CMD")
    assert exec_form(cmd) == [
        "image-skill-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/mock.sqlite",
    ]  # fmt: skip
    [health] = instruction("HEALTHCHECK")
    assert "/healthz" in health


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the project's wheel, as ``pip install ".[mock]"`` leaves the image."""
    work = tmp_path_factory.mktemp("container")
    wheels = work / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w",
         str(wheels), str(ROOT)],
        check=True, timeout=300,
    )  # fmt: skip
    [wheel] = wheels.glob("image_skill-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "image-skill-mock-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    return venv


@contextmanager
def running(argv: list[str], log: Path) -> Iterator[str]:
    with log.open("w") as stderr:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, log.read_text()
        yield str(json.loads(line)["base_url"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_recipe_runs_as_shell_steps_and_keeps_its_state(fresh_venv: Path, tmp_path: Path) -> None:
    [cmd] = instruction("CMD")
    argv = exec_form(cmd)
    script = fresh_venv / "bin" / argv[0]
    assert script.exists(), "the wheel installs the image-skill-mock console script"
    data = tmp_path / "data"
    local = [arg.replace("/data/", f"{data}/") for arg in argv[1:]]
    local[local.index("--host") + 1], local[local.index("--port") + 1] = "127.0.0.1", "0"
    [health] = instruction("HEALTHCHECK")
    check = exec_form(health[health.index("CMD") + 3 :].strip())
    with running([str(script), *local], tmp_path / "first.log") as base_url:
        port = base_url.rsplit(":", 1)[1]
        probe = [str(fresh_venv / "bin" / check[0]), *(a.replace(":8080/", f":{port}/") for a in check[1:])]
        assert subprocess.run(probe, timeout=30, check=False).returncode == 0
        token = requests.post(
            base_url + "/v1/agent-signups",
            json={"agent_contact": "box@example.invalid", "agent_name": "box", "return_token": True},
            timeout=30,
        ).json()["data"]["token"]
    assert (data / "mock.sqlite").is_file()
    with running([str(script), *local], tmp_path / "second.log") as base_url:
        whoami = requests.get(
            base_url + "/v1/whoami", headers={"authorization": f"Bearer {token}"}, timeout=30
        )
        assert whoami.json()["ok"], "the agent survived the restart"
