"""The running totals (``balances``, ``daily_jobs``) agree with the ledger they sum (issue #19): a
database from before them is filled in on open, ``image-skill-mock check`` reports any total that
differs from its rows, and a server killed in the middle of writes leaves totals that agree."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from image_skill_mock.app import Settings, create_app

from .conftest import NOON, Api, LiveServer, fixed_clock, ledger_check


def _quota(api: Api) -> dict[str, Any]:
    data: dict[str, Any] = api.request("GET", "/v1/quota")["data"]
    return data


def test_a_database_from_before_the_totals_opens_with_them_filled_in(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = make_api(clock=fixed_clock(NOON))
    token = api.signup()
    for body in ({}, {}, {"dry_run": True}):
        assert api.create(**body)["ok"]
    before = _quota(api)
    db: Path = api.client.app.state.storage.path  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:  # as a database written before the totals existed
        conn.execute("DROP TABLE balances")
        conn.execute("DROP TABLE daily_jobs")
    assert ledger_check(db)["differences"] == [
        {"table": "balances", "problem": "absent: serve --db fills the totals in on open"}
    ]
    reopened = create_app(Settings(db_path=db, strict=True, clock=fixed_clock(NOON)))
    from starlette.testclient import TestClient

    with TestClient(reopened) as client:
        again = Api(client)
        again.token = token
        assert _quota(again) == before
        assert before["daily_jobs"]["used"] == 2  # the dry run does not count
        assert again.create()["ok"]
        assert _quota(again)["daily_jobs"]["used"] == 3
    assert ledger_check(db) == {"agents": 1, "differences": []}


def test_check_reports_every_total_that_differs_from_its_rows(api: Api) -> None:
    api.signup()
    assert api.create()["ok"]
    db: Path = api.client.app.state.storage.path  # type: ignore[attr-defined]
    assert ledger_check(db)["differences"] == []
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE balances SET consumed = consumed + 1")
        conn.execute("UPDATE daily_jobs SET jobs = jobs + 2")
    found = ledger_check(db)["differences"]
    assert [d["table"] for d in found] == ["balances", "daily_jobs"]
    assert found[0]["stored"]["consumed"] == found[0]["ledger"]["consumed"] + 1
    assert (found[1]["jobs"], found[1]["stored"]) == (1, 3)


def test_check_refuses_a_file_that_is_no_mock_database(tmp_path: Path) -> None:
    import subprocess
    import sys

    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).close()
    for db in (other, tmp_path / "absent.sqlite3"):
        ran = subprocess.run(
            [sys.executable, "-m", "image_skill_mock", "check", "--db", str(db)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert ran.returncode == 2, ran
        assert '"INVALID_ARGUMENTS"' in ran.stdout


def test_a_server_killed_mid_writes_leaves_totals_that_agree(live_server: Callable[..., LiveServer]) -> None:
    server = live_server("--free-credits", "100000", "--daily-jobs", "100000")
    token = requests.post(
        f"{server.base_url}/v1/agent-signups",
        json={"agent_contact": "crash@example.com", "agent_name": "crash", "return_token": True},
        timeout=30,
    ).json()["data"]["token"]
    done = threading.Semaphore(0)

    def create_until_killed() -> None:
        with requests.Session() as session:
            while True:
                try:
                    session.post(
                        f"{server.base_url}/v1/create",
                        json={"prompt": "a lighthouse in fog"},
                        headers={"authorization": f"Bearer {token}"},
                        timeout=60,
                    )
                except requests.RequestException:
                    return
                done.release()

    threads = [threading.Thread(target=create_until_killed) for _ in range(6)]
    for thread in threads:
        thread.start()
    for _ in range(12):  # some jobs landed, more are in flight
        assert done.acquire(timeout=120)
    os.kill(server.pid, signal.SIGKILL)
    for thread in threads:
        thread.join(120)
    report = ledger_check(server.db_path)
    assert report == {"agents": 1, "differences": []}
    with sqlite3.connect(server.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] >= 12
