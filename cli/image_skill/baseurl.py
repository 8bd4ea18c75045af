"""The API base URL of a run, and the suggested commands aimed at it.

Which one: ``--api-base-url``, else ``IMAGE_SKILL_API_BASE_URL``, else the spec's default. A given
URL is usable when it is an absolute http(s) URL with a host and nothing that must not be there
(``problem``). A suggested ``image-skill`` command carries ``--api-base-url`` whenever the run does
not use the default API (``aimed``), so that it runs against the same API as printed.

Cheap to import (``urllib.parse`` and ``shlex`` are imported only when a URL is checked or aimed at):
``main`` aims the recovery of a usage error with it before any command module is loaded.
"""

from __future__ import annotations

from image_skill_api.constants import DEFAULT_API_BASE_URL

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

FLAG = "--api-base-url"
VARIABLE = "IMAGE_SKILL_API_BASE_URL"


def normalize(url: str) -> str:
    return url.strip().rstrip("/")


DEFAULT = normalize(DEFAULT_API_BASE_URL)


def given(flag: str | None, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(the URL as given, where it was given) for ``--api-base-url``, else the variable; None: the default."""
    if flag:
        return flag, FLAG
    if env.get(VARIABLE):
        return env[VARIABLE], VARIABLE
    return None


def problem(url: str) -> str | None:
    """Why the (normalized) ``url`` is not a usable API base URL, else None.

    Refused: credentials (``user:pw@``), another scheme, a query or fragment (the API path is
    appended), whitespace or control characters, undecodable bytes, an unparsable host or port.
    """
    from urllib.parse import urlsplit

    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except (UnicodeEncodeError, ValueError):
        return "it is not a parsable URL"
    if "@" in parts.netloc:
        return "it holds credentials (user:password@); they are never sent or saved"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http:// and https:// URLs are accepted"
    if not parts.hostname:
        return "it has no host"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "it has a query or fragment"
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return "it holds whitespace or control characters"
    return None


def resolve(flag: str | None, env: Mapping[str, str]) -> str:
    """This run's base URL; INVALID_ARGUMENTS (naming where it was given, never echoing it) when unusable."""
    source = given(flag, env)
    if source is None:
        return DEFAULT
    url = normalize(source[0])
    why = problem(url)
    if why:
        from image_skill.envelope import CliError
        from image_skill_api.registry import ErrorCode

        raise CliError(ErrorCode.INVALID_ARGUMENTS, f"{source[1]} is not a usable API base URL: {why}.")
    return url


def usable(flag: str | None, env: Mapping[str, str]) -> str | None:
    """This run's base URL, or None when the one given is not usable (for aiming: never raises)."""
    source = given(flag, env)
    if source is None:
        return DEFAULT
    url = normalize(source[0])
    return None if problem(url) else url


def aimed(command: str, base_url: str) -> str:
    """A suggested command that targets ``base_url`` (unchanged for the default API)."""
    if base_url == DEFAULT:
        return command
    import shlex

    return f"{command} {FLAG} {shlex.quote(base_url)}"


def aim_recovery(envelope: dict[str, Any], flag: str | None, env: Mapping[str, str]) -> dict[str, Any]:
    """A failure's suggested ``image-skill`` command (or the one after a shell step's ``&&``), aimed
    at this run's API (``usable``; when the URL given is not usable, the envelope says so already and
    the command is left as it is).

    The registry's default recoveries (and the server's, which cannot know how it is reached) name
    no base URL; run as printed they would go to the hosted default API.
    """
    error = envelope.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("recovery"), dict):
        return envelope
    recovery: dict[str, Any] = error["recovery"]
    command = recovery.get("suggested_command")
    if not isinstance(command, str) or FLAG in command:
        return envelope
    prepared, _, rerun = command.rpartition(" && ")  # (a shell step first, then the command)
    base_url = usable(flag, env)
    if base_url is None or not rerun.startswith("image-skill "):
        return envelope
    aimed_command = f"{prepared} && {aimed(rerun, base_url)}" if prepared else aimed(rerun, base_url)
    if aimed_command == command:
        return envelope
    return {**envelope, "error": {**error, "recovery": {**recovery, "suggested_command": aimed_command}}}
