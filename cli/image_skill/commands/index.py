"""Which module answers which command word, and the global options every usage ends with.

Plain constants (cheap to import, no typing): ``main`` dispatches with them and ``help`` lists and
loads usages with them, so neither imports the other.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType

GLOBAL_OPTIONS = """
Global options:
  --json              Print the JSON envelope (the default; accepted by every command).
  --api-base-url=URL  Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).
  --token-stdin       Read the agent token from the first line of standard input.
  -h --help           Show this command's usage (as an envelope).
"""

#: First argv word -> module under ``image_skill.commands``.
COMMANDS: dict[str, str] = {
    "help": "help",
    "version": "version",
    "doctor": "doctor",
    "signup": "signup",
    "whoami": "whoami",
    "usage": "usage",
    "quota": "usage",
    "credits": "credits",
    "models": "models",
    "capabilities": "capabilities",
    "create": "create",
    "jobs": "jobs",
    "assets": "assets",
    # Contract commands this release does not build yet: PUBLIC_CLI_COMMAND_NOT_AVAILABLE (see planned).
    "upload": "upload",
    "edit": "edit",
    "activity": "activity",
    "feedback": "feedback",
}


def load(name: str) -> ModuleType:
    """The command module ``image_skill.commands.<name>`` (imported only when a command needs it)."""
    import importlib

    return importlib.import_module(f"image_skill.commands.{name}")
