"""The ``agents`` table: one row per signed-up agent (its token stored only as a SHA-256)."""

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
