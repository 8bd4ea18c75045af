"""One conformance run's state: the target, its agents, the ids the run made, the clients it ran."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from image_skill_api.registry import ENVELOPE_KEYS
from image_skill_conformance.checks import CheckFailed, CheckSkipped
from image_skill_conformance.http import Api, Exchange, Log, walk_commands

CLI_TIMEOUT_SECONDS = 180
#: Where a run's agents say they are reachable (a reserved domain: nothing is ever sent there).
CONTACT = "conformance-kit@example.invalid"
RUNTIME = "image-skill-conformance"


@dataclass
class CliRun:
    """One run of the client under test."""

    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    envelope: dict[str, Any] | None
    repro: str

    @property
    def error_code(self) -> str | None:
        error = (self.envelope or {}).get("error")
        return error.get("code") if isinstance(error, dict) else None


@dataclass
class Snapshot:
    """What an agent's spending state is: its balance, today's counted jobs and its newest event."""

    credits: int
    jobs_used: int
    newest_event: str | None


@dataclass
class Options:
    base_url: str
    token: str | None = None
    signup: bool = True
    cli: list[str] | None = None  # the client that runs advertised commands (flows and recovery)
    workdir: Path = field(default_factory=lambda: Path.cwd() / "conformance-report" / "work")


class Context:
    """Shared by the categories of one run."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.log = Log()
        self.api = Api(options.base_url, self.log)
        self.ids: dict[str, str] = {}
        self.cache: dict[str, Any] = {}  # what a category computes once for several checks
        self.cli_runs: list[CliRun] = []
        self.prompts: set[str] = set()
        self._primary: str | None = options.token
        options.workdir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ agents
    def primary(self) -> str:
        """The run's agent: ``--token``, else one signed up for the run."""
        if self._primary is None:
            self._primary = self.fresh_agent("primary")
        return self._primary

    def fresh_agent(self, purpose: str) -> str:
        """A new agent's token (signup); skips the check when the run may not sign up."""
        if not self.options.signup:
            raise CheckSkipped("needs a fresh agent and the run was given --token without --signup")
        body = {
            "agent_contact": CONTACT,
            "agent_name": f"conformance-{purpose}",
            "runtime": RUNTIME,
            "return_token": True,
        }
        answer = self.api.call("createAgentSignup", body=body)
        token = (data_of(answer) or {}).get("token")
        if not isinstance(token, str):
            raise CheckFailed("signup with return_token did not answer a token", answer.repro())
        return token

    def prompt(self, words: str) -> str:
        """A distinctive prompt (remembered: no message may echo it)."""
        text = f"{words} {uuid.uuid4().hex[:8]}"
        self.prompts.add(text)
        return text

    def snapshot(self, token: str) -> Snapshot:
        quota = require_ok(self.api.call("getQuota", token=token))
        events = require_ok(self.api.call("listActivity", token=token, query={"limit": 1}))["events"]
        return Snapshot(
            # what a job can spend: the total (remaining_credits is the preview part only)
            credits=int(quota["limits"].get("total_remaining_credits", quota["limits"]["remaining_credits"])),
            jobs_used=int(quota["daily_jobs"]["used"]),
            newest_event=events[0]["event_id"] if events else None,
        )

    # ------------------------------------------------------------------ clients
    def cli(self, *argv: str, token: str | None = None, command: list[str] | None = None) -> CliRun:
        """Run the client under test with ``argv`` against the target (skips when there is none)."""
        program = command or self.options.cli
        if not program:
            raise CheckSkipped("no client to run: give --cli (e.g. image-skill)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGE_SKILL_")}
        env["IMAGE_SKILL_API_BASE_URL"] = self.options.base_url
        env["IMAGE_SKILL_CONFIG_PATH"] = str(self.options.workdir / "config" / "config.json")
        shown = f"IMAGE_SKILL_API_BASE_URL={shlex.quote(self.options.base_url)} "
        if token is not None:
            env["IMAGE_SKILL_TOKEN"] = token
            shown += 'IMAGE_SKILL_TOKEN="$IMAGE_SKILL_TOKEN" '
        done = subprocess.run(  # noqa: S603 (the client under test, given by the user; no shell)
            [*program, *argv],
            env=env,
            cwd=self.options.workdir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
        run = CliRun(list(argv), done.returncode, done.stdout, done.stderr, parse_envelope(done.stdout), "")
        run.repro = f"{shown}{shlex.join([*program, *argv])}\n# -> exit {done.returncode} {done.stdout[:400]}"
        self.cli_runs.append(run)
        return run

    def advertised(self) -> list[tuple[str, str, str | None]]:
        """(command, where it was advertised, the error code it recovers from) seen so far, each once."""
        seen: dict[str, tuple[str, str, str | None]] = {}
        sources: list[tuple[dict[str, Any] | None, str]] = [
            (e.envelope, f"{e.method} {e.url.partition('?')[0]}") for e in self.log.since(0)
        ]
        sources += [(run.envelope, shlex.join(run.argv)) for run in self.cli_runs]
        for envelope, where in sources:
            if envelope is None:
                continue
            error = envelope.get("error")
            code = error.get("code") if isinstance(error, dict) else None
            for _key, command in walk_commands(envelope):
                seen.setdefault(command, (command, where, code))
        return list(seen.values())


def parse_envelope(stdout: str) -> dict[str, Any] | None:
    """The one JSON envelope ``stdout`` holds, else None."""
    try:
        value = json.loads(stdout)
    except ValueError:
        return None
    return value if isinstance(value, dict) and set(ENVELOPE_KEYS) <= set(value) else None


def data_of(exchange: Exchange) -> dict[str, Any] | None:
    data = (exchange.envelope or {}).get("data")
    return data if isinstance(data, dict) else None


def require_ok(exchange: Exchange) -> dict[str, Any]:
    """The data of a successful answer; fails the check (with the exchange as repro) otherwise."""
    data = data_of(exchange)
    if not (exchange.envelope or {}).get("ok") or data is None:
        raise CheckFailed(
            f"{exchange.method} {exchange.url} did not succeed (HTTP {exchange.status})", exchange.repro()
        )
    return data


def error_code(exchange: Exchange) -> str | None:
    error = (exchange.envelope or {}).get("error")
    return error.get("code") if isinstance(error, dict) else None
