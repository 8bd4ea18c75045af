"""Cost as an agent's history grows (issue #19, item 1): ``GET /v1/quota``, a live create,
``activity list`` (``GET /v1/activity``) and ``jobs show`` (``GET /v1/jobs/{id}``) for an agent with
10,000 and 100,000 prior jobs, and for a new agent in a database that holds 1,000,000 jobs of
another, each against an agent with none (a fresh database), alternated request by request. Each
database has its own server; the histories are built by direct inserts (``rows``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.procs import Client, Server, mock, signup
from bench.rows import insert_prior_jobs
from bench.stats import Budget, Row, Sample, alternate, paired_row

HISTORIES = (10_000, 100_000)
CROWD = 1_000_000
BUDGET = Budget(1.5)
#: Enough credits and daily jobs that no create is refused while the bench runs.
FLAGS = ("--free-credits", "1000000000", "--daily-jobs", "1000000")
CREATE = {"prompt": "a bench job, one of many"}


@dataclass(frozen=True)
class Agent:
    client: Client
    token: str
    job_id: str  # its first job (the template of its history)
    label: str

    def quota(self) -> Sample:
        return self.client.sample("GET", "/v1/quota", token=self.token)

    def create(self) -> Sample:
        return self.client.sample("POST", "/v1/create", token=self.token, body=CREATE)

    def activity(self) -> Sample:
        return self.client.sample("GET", "/v1/activity?limit=20", token=self.token)

    def job(self) -> Sample:
        return self.client.sample("GET", f"/v1/jobs/{self.job_id}", token=self.token)


def _agent(server: Server, db: Path, jobs: int, label: str, *, compact: bool = False) -> Agent:
    """A new agent with one job and ``jobs`` more copied from it."""
    client = server.connect()
    token, agent_id = signup(client, f"history-{jobs}")
    created = client.json("POST", "/v1/create", token=token, body=CREATE)  # the template of the copies
    if jobs:
        insert_prior_jobs(db, agent_id, jobs, compact=compact)
        client.close()  # idle through the inserts: the server may have closed it
    return Agent(client, token, str(created["data"]["job_id"]), label)


def _database(stack: ExitStack, tmp: Path, name: str) -> tuple[Server, Path]:
    db = tmp / f"history-{name}.sqlite3"
    return stack.enter_context(mock(db, *FLAGS)), db


#: What is timed, its pairs (quota rounds or create rounds) and the requests' label.
_PATHS: tuple[tuple[str, Callable[[Agent], Callable[[], Sample]], bool], ...] = (
    ("GET /v1/quota", lambda a: a.quota, False),
    ("live create", lambda a: a.create, True),
    ("activity list", lambda a: a.activity, False),
    ("jobs show", lambda a: a.job, False),
)


def history_rows(tmp: Path, *, rounds: int, create_rounds: int) -> list[Row]:
    began = time.perf_counter()
    with ExitStack() as stack:
        server, db = _database(stack, tmp, "0")
        fresh = _agent(server, db, 0, "0")
        agents = []
        for jobs in HISTORIES:
            server, db = _database(stack, tmp, str(jobs))
            agents.append(_agent(server, db, jobs, f"{jobs:,} prior jobs"))
        server, db = _database(stack, tmp, "crowd")
        _agent(server, db, CROWD, "crowd", compact=True)
        agents.append(_agent(server, db, 0, f"a new agent among {CROWD:,} other jobs"))
        print(f"bench: histories built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        return [
            paired_row(
                f"{name}: {agent.label} vs 0 prior jobs",
                alternate(timed(agent), timed(fresh), create_rounds if creates else rounds),
                budget=BUDGET,
            )
            for name, timed, creates in _PATHS
            for agent in agents
        ]
