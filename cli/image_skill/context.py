"""Everything a command needs: IO streams, environment, global options, token and API client.

Commands receive a ``Context`` and never read ``os.environ`` or ``sys.std*`` themselves, so tests
inject streams, environment, a fake client and a fake clock (GitHub CLI's IOStreams idea). The
Context is also the factory of the API client (GitHub CLI's ``Factory.HttpClient``): it resolves
the base URL, the timeouts and the token's sources and hands the transport those plain values;
the transport never reaches back into it.
"""

from __future__ import annotations

import time

from image_skill import auth, baseurl, config, telemetry
from image_skill.command_table import PROGRAM
from image_skill.envelope import new_trace_id

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import Any, Protocol, TextIO

    from image_skill.auth import Credential
    from image_skill_api.operations import Client

    class ApiClient(Client, Protocol):  # only a type: at run time, neither typing nor the operations
        """The generated ``Client`` protocol plus owned-media downloads and per-call time bounds."""

        def download(
            self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None
        ) -> dict[str, Any]: ...

        def bounded(self, seconds: float) -> AbstractContextManager[None]:
            """Calls made inside take at most ``seconds`` each (a caller's own deadline)."""
            ...


class Context:
    """One run's streams, environment and options; ``client`` is built on first use (``client_factory``
    in tests). A plain class, not a dataclass: the network path stays free of ``dataclasses``."""

    def __init__(
        self,
        *,
        env: Mapping[str, str],
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        api_base_url_flag: str | None = None,
        token_stdin: bool = False,
        command: str = PROGRAM,
        trace_id: str | None = None,
        client_factory: Callable[[Context], ApiClient] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        started: float | None = None,
    ) -> None:
        self.env = env
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.api_base_url_flag = api_base_url_flag
        self.token_stdin = token_stdin
        self.command = command
        self.trace_id = new_trace_id() if trace_id is None else trace_id
        self.client_factory = client_factory
        self.sleep = sleep
        self.monotonic = monotonic
        #: When this run began (``time.monotonic``): telemetry reports the run's duration from here.
        self.started = time.monotonic() if started is None else started
        self._credential: Credential | None = None
        self._client: ApiClient | None = None

    @property
    def base_url(self) -> str:
        """This run's API base URL; INVALID_ARGUMENTS unless it is a plain http(s) URL (no credentials)."""
        return baseurl.resolve(self.api_base_url_flag, self.env)

    @property
    def is_default_base_url(self) -> bool:
        return self.base_url == baseurl.DEFAULT

    @property
    def config_path(self) -> Path:
        return config.config_path(self.env)

    def credential(self) -> Credential:
        """This run's token and its source, resolved from its sources once (reads stdin or the config)."""
        if self._credential is None:
            self._credential = auth.resolve(
                token_stdin=self.token_stdin,
                stdin=self.stdin,
                env=self.env,
                config_path=self.config_path,
                base_url=self.base_url,
            )
        return self._credential

    def resolved_token(self) -> str | None:
        """The token if this run already resolved one (never triggers reading stdin or config)."""
        return self._credential.token if self._credential else None

    def require_token(self) -> str:
        """The token, else AUTH_REQUIRED (for a rule the operation's ``auth`` cannot express)."""
        token, source = self.credential()
        if token is None:
            raise auth.missing(source)
        return token

    def with_base_url(self, command: str) -> str:
        """A suggested command that targets the same API as this run."""
        return baseurl.aimed(command, self.base_url)

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            if self.client_factory is not None:
                self._client = self.client_factory(self)
            else:
                from image_skill.transport.api import Transport

                read_timeout = config.read_timeout(self.env)
                self._client = Transport(
                    self.base_url,
                    credential=self.credential,
                    read_timeout=read_timeout,
                    trace_id=self.trace_id,
                    sleep=self.sleep,
                    telemetry=telemetry.headers(self.env, self.command),
                    started=self.started,
                )
        return self._client

    def hint(self, text: str) -> None:
        """Progress for humans: stderr, and only when it is a terminal."""
        if self.stderr.isatty():
            print(text, file=self.stderr, flush=True)
