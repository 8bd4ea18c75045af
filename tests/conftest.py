"""Suite-wide options. The suite reads nothing outside the repository.

Tests that compare the spec or the CLI with the contract document (``cli.md``, which lives outside
this repository) are marked ``contract``; they run only when ``--contract=PATH`` names the
document, and are otherwise reported as skipped with the reason. CI passes it (see ``.ci/run``).
Spell it with ``=``: pytest takes a separate ``PATH`` outside the repository for a test path
before this option is known, and then looks for its configuration above the repository.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from image_skill.main import GC_THRESHOLD

SKIP_REASON = "pass --contract=PATH to check against the contract document"
UPSTREAM_SKIP_REASON = "pass --contract-upstream=PATH to check against the 0.1.70 contract document"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--contract",
        metavar="PATH",
        default=None,
        help="the Image Skill CLI contract document (cli.md), as --contract=PATH; tests marked `contract` "
        "compare against it",
    )
    parser.addoption(
        "--contract-upstream",
        metavar="PATH",
        default=None,
        help="the 0.1.70 text of the contract (upstream-0.1.70/cli.md), as --contract-upstream=PATH; tests "
        "marked `contract_upstream` compare against it",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The collector as the CLI's console entry sets it (``image_skill.main.GC_THRESHOLD``): a test
    # process makes its modules, the collected tests and hypothesis' and schemathesis' strategies once,
    # and CPython's default (700) scans them again and again (the conformance and property tests took
    # 24-26 s with this, 28-32 s without, alternated on 2 cpus).
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    config.addinivalue_line("markers", "contract: compares against the document given by --contract=PATH")
    config.addinivalue_line(
        "markers", "contract_upstream: compares against the document given by --contract-upstream=PATH"
    )
    for option in ("--contract", "--contract-upstream"):
        path = config.getoption(option)
        if path is not None and not Path(path).is_file():
            raise pytest.UsageError(f"{option}={path}: no such file")


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()  # what collection made lives as long as the session: later collections pass it over


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for option, marker, reason in (
        ("--contract", "contract", SKIP_REASON),
        ("--contract-upstream", "contract_upstream", UPSTREAM_SKIP_REASON),
    ):
        if config.getoption(option) is not None:
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def contract_text(pytestconfig: pytest.Config) -> str:
    """The contract document's text (only for tests marked ``contract``)."""
    path = pytestconfig.getoption("--contract")
    assert path is not None, "mark the test `contract` so it is skipped without --contract"
    return Path(path).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def contract_upstream_text(pytestconfig: pytest.Config) -> str:
    """The 0.1.70 contract document's text (only for tests marked ``contract_upstream``)."""
    path = pytestconfig.getoption("--contract-upstream")
    assert path is not None, "mark the test `contract_upstream` so it is skipped without --contract-upstream"
    return Path(path).read_text(encoding="utf-8")
