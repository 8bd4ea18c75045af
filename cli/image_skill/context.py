"""Everything a command needs: IO streams, environment, global options, token and API client.

Commands receive a ``Context`` and never read ``os.environ`` or ``sys.std*`` themselves, so tests
inject streams, environment, a fake client and a fake clock (GitHub CLI's IOStreams idea).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from image_skill import config
from image_skill.envelope import CliError, new_trace_id
from image_skill_api.registry import DEFAULT_API_BASE_URL, ERRORS, ErrorCode


class ApiClient(Protocol):
    """The generated ``Client`` protocol plus owned-media downloads."""

    def call(
        self,
        operation: Any,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, str | int | float | bool] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any: ...

    def download(
        self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None
    ) -> dict[str, Any]: ...


#: The one signup an agent is pointed at (AUTH_REQUIRED, AUTH_TOKEN_INVALID, the guide): the spec
#: registry's default recovery. AGENT_CONTACT_EMAIL, AGENT_NAME and RUNTIME are placeholders the agent
#: replaces (``image-skill signup --help`` says with what).
SIGNUP_COMMAND: str = ERRORS[ErrorCode.AUTH_REQUIRED].recovery["suggested_command"]
SIGNUP_ARGV = tuple(shlex.split(SIGNUP_COMMAND))

#: How to hand a token over standard input (the contract's example).
STDIN_HANDOFF_COMMAND = "printf '%s\\n' \"$IMAGE_SKILL_TOKEN\" | image-skill usage quota --token-stdin --json"


@dataclass
class Context:
    env: Mapping[str, str]
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    api_base_url_flag: str | None = None
    token_stdin: bool = False
    command: str = "image-skill"
    trace_id: str = field(default_factory=new_trace_id)
    client_factory: Callable[[Context], ApiClient] | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _token: tuple[str | None, str] | None = field(default=None, repr=False)
    _client: ApiClient | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """This run's API base URL; INVALID_ARGUMENTS unless it is a plain http(s) URL (no credentials)."""
        if self.api_base_url_flag:
            return config.checked_base_url(self.api_base_url_flag, "--api-base-url")
        if self.env.get("IMAGE_SKILL_API_BASE_URL"):
            return config.checked_base_url(self.env["IMAGE_SKILL_API_BASE_URL"], "IMAGE_SKILL_API_BASE_URL")
        return config.normalize_base_url(DEFAULT_API_BASE_URL)

    @property
    def is_default_base_url(self) -> bool:
        return self.base_url == config.normalize_base_url(DEFAULT_API_BASE_URL)

    @property
    def config_path(self) -> Path:
        return config.config_path(self.env)

    def _resolve_token(self) -> tuple[str | None, str]:
        """(token, source) with source one of flag, env, config, config_other_base_url, none."""
        if self._token is None:
            from image_skill.validate import header_token

            if self.token_stdin:
                try:
                    line = self.stdin.readline().strip()
                except UnicodeDecodeError:  # a strict stdin; a surrogateescape one fails header_token
                    line = "\udcff"
                if not line:
                    raise CliError(
                        ErrorCode.INVALID_ARGUMENTS,
                        "--token-stdin was given but stdin had no token: pipe the token in as the first"
                        " line of standard input (no token yet? `image-skill signup --help`).",
                        recovery={"suggested_command": self.with_base_url(STDIN_HANDOFF_COMMAND)},
                    )
                self._token = (header_token(line, "--token-stdin"), "flag")
            elif self.env.get("IMAGE_SKILL_TOKEN"):
                env_token = header_token(self.env["IMAGE_SKILL_TOKEN"].strip(), "IMAGE_SKILL_TOKEN")
                self._token = (env_token, "env")
            else:
                saved = config.load(self.config_path)
                token = saved.get("token")
                if not isinstance(token, str) or not token:
                    self._token = (None, "none")
                elif config.normalize_base_url(str(saved.get("api_base_url", ""))) != self.base_url:
                    self._token = (None, "config_other_base_url")
                else:
                    self._token = (header_token(token, "the saved config"), "config")
        return self._token

    def resolved_token(self) -> str | None:
        """The token if this run already resolved one (never triggers reading stdin or config)."""
        return self._token[0] if self._token else None

    def token(self) -> str | None:
        return self._resolve_token()[0]

    def token_source(self) -> str:
        return self._resolve_token()[1]

    def require_token(self) -> str:
        token, source = self._resolve_token()
        if token is not None:
            return token
        if source == "config_other_base_url":
            message = (
                "The saved token belongs to another API base URL; it is never sent elsewhere. Sign up here."
            )
        else:
            message = (
                "No agent token: sign up (replace the placeholders of the suggested command), "
                "or pass IMAGE_SKILL_TOKEN or --token-stdin."
            )
        recovery = {"suggested_command": self.with_base_url(SIGNUP_COMMAND)}
        raise CliError(ErrorCode.AUTH_REQUIRED, message, recovery=recovery)

    def with_base_url(self, command: str) -> str:
        """A suggested command that targets the same API as this run."""
        if self.is_default_base_url:
            return command
        import shlex

        return f"{command} --api-base-url {shlex.quote(self.base_url)}"

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            if self.client_factory is not None:
                self._client = self.client_factory(self)
            else:
                from image_skill.transport import Transport

                self._client = Transport(self)
        return self._client

    def hint(self, text: str) -> None:
        """Progress for humans: stderr, and only when it is a terminal."""
        if self.stderr.isatty():
            print(text, file=self.stderr, flush=True)
