"""How the mock is put together: resources share modules, never each other; one fact, one place."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from docopt import docopt

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import MOCK_MEDIA_PATH
from image_skill_mock import main, settings
from image_skill_mock import suggested as commands
from image_skill_mock.app import Settings

PACKAGE = Path(main.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


#: The resource modules (the package's ``__init__`` gathers their handlers, so it imports them all).
RESOURCES = sorted(p for p in (PACKAGE / "resources").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", RESOURCES, ids=lambda p: p.stem)
def test_resources_do_not_import_each_other(path: Path) -> None:
    resources = {f"image_skill_mock.resources.{p.stem}" for p in (PACKAGE / "resources").glob("*.py")}
    assert not _imports(path) & (resources | {"image_skill_mock.resources"})


def test_only_storage_touches_sqlite() -> None:
    users = sorted(p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py") if "sqlite3" in _imports(p))
    assert users
    assert set(users) == {"store"}


def test_the_usage_text_states_the_settings_defaults() -> None:
    opts = docopt(main.USAGE, argv=["serve"])
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert int(opts["--free-credits"]) == defaults["free_credits"] == settings.FREE_CREDITS
    assert int(opts["--daily-jobs"]) == defaults["daily_jobs"] == settings.DAILY_JOBS
    assert f"http://{opts['--host']}:{opts['--port']}" == defaults["public_base_url"]


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (commands.MODELS_LIST, "models list --available"),
        (commands.MODELS_LIST_FOR["image.generate"], "models list --available --operation image.generate"),
        (commands.MODELS_LIST_FOR["image.edit"], "models list --available --operation image.edit"),
        (commands.CAPABILITIES_LIST, "capabilities list"),
        (commands.CREDITS_METHODS, "credits methods"),
        (commands.CREDITS_QUOTE, "credits quote --pack starter-500 --payment-method stripe_checkout"),
        (commands.CREDITS_BUY, "credits buy --provider stripe --quote-id QUOTE_ID --idempotency-key KEY"),
        (commands.CREDITS_STATUS, "credits status --payment-attempt-id PAYMENT_ATTEMPT_ID"),
        (commands.models_show("fal.flux-dev"), "models show fal.flux-dev"),
    ],
)
def test_suggested_command_lines(command: str, line: str) -> None:
    assert command == f"image-skill {line} --json"


def test_paths_come_from_the_spec() -> None:
    """No module of the mock spells an API path or the media path itself: they are the spec's."""
    spelled = [
        f"{path.relative_to(PACKAGE)}: {literal}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for literal in [node.value]
        if literal in {op.path for op in OPERATIONS.values()} | {MOCK_MEDIA_PATH}
    ]
    assert spelled == []
