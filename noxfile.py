"""Developer and CI sessions: tests, quick, lint, typecheck, codegen, demo, bench."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

# Pinned: the generated code must be byte-identical wherever it is regenerated.
CODEGEN_DEPS = [
    "datamodel-code-generator==0.89.0",
    "ruff==0.17.6",
    "pyyaml==6.0.3",
    "openapi-spec-validator==0.9.0",
    "jinja2==3.1.6",
]
TEST_DEPS = [
    "pytest>=8",
    "pytest-xdist>=3.5",
    "hypothesis>=6.100",
    "schemathesis>=4.3,<5",
    "pyyaml>=6",
    "openapi-spec-validator>=0.7",
    "httpx>=0.27",
    "selenium>=4.20,<5",  # tests/browser: the checkout page in the system's headless Chromium
    "skills-ref>=0.1.1",  # tests/spec: the Agent Skills validator, run on skills/image-skill/SKILL.md
    "hatchling>=1.25",  # tests/e2e/test_container.py builds the wheel the Containerfile installs, offline
]


def install(session: nox.Session, *requirements: str) -> None:
    """``session.install``, skipped when this reused virtualenv was last given exactly these
    requirements with this ``pyproject.toml`` (pip's check that nothing changed costs 7-10 s a run).
    Only for editable or dependency-only installs: the code itself is read from the checkout.
    ``nox -N`` (``--no-reuse-existing-virtualenvs``) starts over."""
    location = getattr(session.virtualenv, "location", None)
    if not location:  # no virtualenv of nox's own (--no-venv): nothing to remember the install in
        session.install(*requirements)
        return
    stamp = Path(location) / ".image-skill-requirements"
    key = hashlib.sha256(json.dumps([requirements, Path("pyproject.toml").read_text()]).encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == key:
        session.log("requirements unchanged since this virtualenv's last install: not reinstalled")
        return
    stamp.unlink(missing_ok=True)
    session.install(*requirements)
    stamp.write_text(key)


#: pytest-xdist workers: twice the cores, since much of the suite waits on servers and CLI processes
#: (on 2 cores, 4 workers took the suite from 521 s to 319 s), at most 8 (each may hold a few hundred MB).
WORKERS = str(min(8, 2 * (os.cpu_count() or 1)))


#: pytest and the processes it starts write bytecode whatever the environment says: with a machine-wide
#: PYTHONDONTWRITEBYTECODE every test worker, mock server and CLI process compiled the repository's
#: sources again (a bare clone's suite on this box: 272 s of pytest with it set, 196 s without). The
#: files go to the gitignored __pycache__ folders, as an installed package's do.
WRITE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


@nox.session
def tests(session: nox.Session) -> None:
    """Every test: unit, property (hypothesis), conformance (schemathesis) and end to end."""
    install(session, "-e", ".[mock,conformance,mcp]", *TEST_DEPS, *CODEGEN_DEPS)
    session.run("pytest", "-n", WORKERS, *session.posargs, env=WRITE_BYTECODE)


#: The everyday loop: unit and property tests, none of which starts a server (the CLI's tests talk to
#: an in-process scripted HTTP server at most). End to end, mock, conformance and browser tests run in
#: `tests`, as do the two codegen runs below (drift is also `nox -s codegen -- --check`).
QUICK_PATHS = ["tests/cli", "tests/spec", "tests/properties", "tests/tools", "tests/test_architecture.py"]
QUICK_SKIPS = [
    "tests/spec/test_spec.py::test_codegen_is_deterministic",
    "tests/spec/test_spec.py::test_generated_code_matches_the_spec",
]
#: One worker more than the cores: a few tests wait out a deadline (on 2 cores, 3 workers took 23-24 s
#: where 2 took 27-32 s, alternated).
QUICK_WORKERS = str(min(8, (os.cpu_count() or 1) + 1))
QUICK_DEPS = [dep for dep in TEST_DEPS if dep.split(">")[0] not in ("schemathesis", "httpx", "selenium")]


@nox.session
def quick(session: nox.Session) -> None:
    """Unit and property tests, no servers, in well under 30 s: the everyday loop (`tests` runs all)."""
    install(session, "-e", ".[mock]", *QUICK_DEPS, *CODEGEN_DEPS)
    deselect = [arg for test in QUICK_SKIPS for arg in ("--deselect", test)]
    argv = ["pytest", "-n", QUICK_WORKERS, "-m", "not e2e", *deselect, *QUICK_PATHS, *session.posargs]
    session.run(*argv, env=WRITE_BYTECODE)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    install(session, "ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the CLI, the mock and the conformance kit."""
    install(
        session,
        "-e",
        ".[mock,conformance,mcp]",
        "mypy==2.4.1",
        "types-requests",
        "types-jsonschema",
        "types-PyYAML",
        "pytest>=8",
    )
    session.run(
        "mypy", "--strict", "cli/image_skill", "mock/image_skill_mock", "conformance/image_skill_conformance"
    )


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ (`-- --check` fails on drift instead of writing)."""
    install(session, *CODEGEN_DEPS)
    session.run("python", "tools/codegen.py", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The first-run flow, with the real CLI against an embedded mock server."""
    session.install(".[mock]")
    session.run("image-skill-mock", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The CLI's and the mock's budgets, as paired ratios in one table (reports; never fails on timing).

    `nox -s bench -- --quick` for fewer rounds; `-- --json FILE` also writes the table as JSON.
    """
    session.install(".[mock,mcp]")
    session.run("python", "tools/bench", *session.posargs)
