"""Cost as an agent's history grows (issue #19, item 1): ``GET /v1/quota`` and a live create for an
agent with 10,000 and 100,000 prior jobs, and ``GET /v1/quota`` for a new agent in a database that
holds 100,000 jobs of another, each against an agent with none (a fresh database), alternated
request by request. Each agent has its own server; the histories are built by direct inserts."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.procs import Client, Server, mock, signup
from bench.rows import insert_prior_jobs
from bench.stats import Budget, Row, Sample, alternate, paired_row

HISTORIES = (10_000, 100_000)
BUDGET = Budget(1.5)
#: Enough credits and daily jobs that no create is refused while the bench runs.
FLAGS = ("--free-credits", "1000000000", "--daily-jobs", "1000000")
CREATE = {"prompt": "a bench job, one of many"}


@dataclass(frozen=True)
class Agent:
    client: Client
    token: str
    label: str

    def quota(self) -> Sample:
        return self.client.sample("GET", "/v1/quota", token=self.token)

    def create(self) -> Sample:
        return self.client.sample("POST", "/v1/create", token=self.token, body=CREATE)


def _server(stack: ExitStack, db: Path) -> Server:
    return stack.enter_context(mock(db, *FLAGS))


def _agent(server: Server, jobs: int, db: Path, label: str) -> Agent:
    client = server.connect()
    token, agent_id = signup(client, f"history-{jobs}")
    if jobs:
        client.json("POST", "/v1/create", token=token, body=CREATE)  # the template of the copies
        insert_prior_jobs(db, agent_id, jobs - 1)
        client.close()  # idle through the inserts: the server may have closed it
    return Agent(client, token, label)


def history_rows(tmp: Path, *, rounds: int, create_rounds: int) -> list[Row]:
    began = time.perf_counter()
    with ExitStack() as stack:
        fresh = _agent(_server(stack, tmp / "history-0.sqlite3"), 0, tmp / "history-0.sqlite3", "0")
        agents = []
        for jobs in HISTORIES:
            db = tmp / f"history-{jobs}.sqlite3"
            agents.append(_agent(_server(stack, db), jobs, db, f"{jobs:,} prior jobs"))
        crowded = agents[-1].client.server
        print(f"bench: histories built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        newcomer = _agent(crowded, 0, tmp, f"a new agent among {HISTORIES[-1]:,} other jobs")
        rows = [
            paired_row(
                f"GET /v1/quota: {agent.label} vs 0 prior jobs",
                alternate(agent.quota, fresh.quota, rounds),
                budget=BUDGET,
            )
            for agent in (*agents, newcomer)
        ]
        rows += [
            paired_row(
                f"live create: {agent.label} vs 0 prior jobs",
                alternate(agent.create, fresh.create, create_rounds),
                budget=BUDGET,
            )
            for agent in agents
        ]
    return rows
