"""One module per command word: ``parse`` (docopt's dict -> typed options) and ``run`` (the
options and the ``Context`` -> the envelope); ``image_skill.command_table`` says which word loads
which module."""

from __future__ import annotations

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType


def load(name: str) -> ModuleType:
    """``image_skill.commands.<name>``: ``parse`` and ``run`` (imported only when the command runs)."""
    import importlib

    return importlib.import_module(f"image_skill.commands.{name}")
