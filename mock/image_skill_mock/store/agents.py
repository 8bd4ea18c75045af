"""The ``agents`` table: one row per signed-up agent (its token stored only as a SHA-256; its
``contact`` the empty string for an anonymous signup), and ``agent_discovery``: the discovery
source an agent reported at signup."""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass


@dataclass(frozen=True)
class Agent:
    agent_id: str
    organization_id: str
    organization_name: str
    agent_name: str
    runtime: str
    contact: str
    preview_credits: int
    daily_job_limit: int
    created_at: str


def insert_agent(conn: sqlite3.Connection, agent: Agent, token_sha256: str) -> None:
    a = agent
    conn.execute(
        "INSERT INTO agents (agent_id, organization_id, organization_name, agent_name, runtime, contact,"
        " token_sha256, preview_credits, daily_job_limit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*astuple(a)[:6], token_sha256, a.preview_credits, a.daily_job_limit, a.created_at),
    )


def agent_by_token(conn: sqlite3.Connection, token_sha256: str) -> Agent | None:
    row = conn.execute(
        "SELECT agent_id, organization_id, organization_name, agent_name, runtime, contact, preview_credits,"
        " daily_job_limit, created_at FROM agents WHERE token_sha256 = ?",
        (token_sha256,),
    ).fetchone()
    return Agent(*row) if row else None


def contact_of(conn: sqlite3.Connection, agent_id: str) -> str:
    """The agent's contact inbox ("" when it has none)."""
    row = conn.execute("SELECT contact FROM agents WHERE agent_id = ?", (agent_id,)).fetchone()
    return str(row[0]) if row else ""


def set_contact(conn: sqlite3.Connection, agent_id: str, contact: str) -> None:
    conn.execute("UPDATE agents SET contact = ? WHERE agent_id = ?", (contact, agent_id))


def insert_discovery(conn: sqlite3.Connection, agent_id: str, source: str, recorded_at: str) -> None:
    """The agent's first-touch discovery source (a later write never relabels it)."""
    conn.execute(
        "INSERT OR IGNORE INTO agent_discovery (agent_id, source, recorded_at) VALUES (?, ?, ?)",
        (agent_id, source, recorded_at),
    )


def discovery_of(conn: sqlite3.Connection, agent_id: str) -> str | None:
    row = conn.execute("SELECT source FROM agent_discovery WHERE agent_id = ?", (agent_id,)).fetchone()
    return str(row[0]) if row else None
