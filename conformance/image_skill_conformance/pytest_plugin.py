"""pytest plugin mode: ``pytest --image-skill-conformance-url URL`` runs the kit's checks as tests.

Registered through the ``pytest11`` entry point; it only adds options. Without the URL it collects
nothing and imports nothing else. The checks share one run (one context), in the kit's order: run
them in one process (``-p no:xdist`` or without ``-n``).
"""

from __future__ import annotations

from typing import Any

import pytest

OPTION = "--image-skill-conformance-url"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("image-skill-conformance", "the Image Skill conformance kit")
    group.addoption(OPTION, default=None, help="run the conformance checks against the server at this URL")
    group.addoption("--image-skill-conformance-token", default=None, help="an agent token to run as")
    group.addoption(
        "--image-skill-conformance-category", action="append", default=None, help="only these categories"
    )
    group.addoption(
        "--image-skill-conformance-cli", default=None, help="the client that runs advertised commands"
    )


class Kit(pytest.Collector):
    """The parent of the checks' items (they are made from the kit's registry, not from files)."""

    def collect(self) -> list[pytest.Item]:
        return []


class CheckItem(pytest.Item):
    def __init__(self, *, check: Any, body: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check, self.body = check, body

    def runtest(self) -> None:
        from image_skill_conformance.checks import Status
        from image_skill_conformance.runner import run_check

        outcome = run_check(_context(self.config), self.check, self.body)
        if outcome.status is Status.SKIPPED:
            pytest.skip(outcome.detail)
        if outcome.status is not Status.PASSED:
            raise AssertionError(f"{self.check.statement}\n{outcome.detail}\nrepro:\n{outcome.repro}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[str, int, str]:
        return self.check.contract_ref, 0, self.check.id


_CONTEXT = pytest.StashKey[Any]()


def _context(config: pytest.Config) -> Any:
    if _CONTEXT not in config.stash:
        import shlex
        from pathlib import Path

        from image_skill_conformance.context import Context, Options
        from image_skill_conformance.main import default_cli

        cli = config.getoption("image_skill_conformance_cli")
        workdir = Path(str(config.rootpath)) / "conformance-report" / "work"
        token = config.getoption("image_skill_conformance_token")
        config.stash[_CONTEXT] = Context(
            Options(
                config.getoption("image_skill_conformance_url"),
                token=token,
                cli=shlex.split(cli) if cli else default_cli(),
                workdir=workdir,
            )
        )
    return config.stash[_CONTEXT]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("image_skill_conformance_url"):
        return
    from image_skill_conformance import categories

    chosen = config.getoption("image_skill_conformance_category")
    kit = Kit.from_parent(session, name="image-skill-conformance")
    for name in categories.SERVER:
        if chosen and name not in chosen:
            continue
        for check, body in categories.load(name).entries:
            items.append(CheckItem.from_parent(kit, name=check.id, check=check, body=body))
