"""Where a run's token comes from, and the one refusal when an operation needs one that is missing.

The token flows one way: its sources (``--token-stdin`` > ``IMAGE_SKILL_TOKEN`` > the config's
profile of this base URL) -> ``resolve`` -> the ``Context`` (which resolves once, when first asked) -> the
transport (which asks only for operations that take a token) -> the ``authorization`` header.
A token saved for another base URL is never used. Commands do not check for a token themselves:
the transport refuses an operation whose ``auth`` needs one with ``missing`` (AUTH_REQUIRED, the
registry's signup recovery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple  # (typing: requests imports it anyway)

from image_skill import config
from image_skill.baseurl import aimed
from image_skill.envelope import CliError
from image_skill.validate import header_token

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import TextIO

#: Where a token came from: --token-stdin, IMAGE_SKILL_TOKEN, the saved config, or nowhere (none, or
#: only one saved for another base URL).
SOURCES = ("flag", "env", "config", "config_other_base_url", "none")


#: A run's token (None: it has none) and its source (one of ``SOURCES``). The functional form: its types
#: are values, so defining it compiles no forward reference (the class form's start-up cost here).
Credential = NamedTuple("Credential", [("token", str | None), ("source", str)])  # noqa: UP014


def resolve(
    *, token_stdin: bool, stdin: TextIO, env: Mapping[str, str], config_path: Path, base_url: str
) -> Credential:
    """The token of this run and its source (reads stdin or the config file; call it once)."""
    if token_stdin:
        try:
            line = stdin.readline().strip()
        except UnicodeDecodeError:  # a strict stdin; a surrogateescape one fails header_token
            line = "\udcff"
        if not line:
            from image_skill.suggestions import STDIN_HANDOFF_COMMAND
            from image_skill_api.registry import ErrorCode

            raise CliError(
                ErrorCode.INVALID_ARGUMENTS,
                "--token-stdin was given but stdin had no token: pipe the token in as the first"
                " line of standard input (no token yet? `image-skill signup --help`).",
                recovery={"suggested_command": aimed(STDIN_HANDOFF_COMMAND, base_url)},
            )
        return Credential(header_token(line, "--token-stdin"), "flag")
    if env.get("IMAGE_SKILL_TOKEN"):
        return Credential(header_token(env["IMAGE_SKILL_TOKEN"].strip(), "IMAGE_SKILL_TOKEN"), "env")
    token, source = config.token_for(config.load(config_path), base_url)  # this base URL's profile only
    return Credential(None if token is None else header_token(token, "the saved config"), source)


def missing(source: str) -> CliError:
    """AUTH_REQUIRED for a run whose token ``source`` gave none (recovery: the registry's signup)."""
    from image_skill_api.registry import ErrorCode

    if source == "config_other_base_url":
        message = "The saved token belongs to another API base URL; it is never sent elsewhere. Sign up here."
    else:
        message = (
            "No agent token: sign up (replace the placeholders of the suggested command), "
            "or pass IMAGE_SKILL_TOKEN or --token-stdin."
        )
    return CliError(ErrorCode.AUTH_REQUIRED, message, recovery={"auth_state": "missing"})
