"""An agent's account: signup (a restricted agent, its organization, a hashed token and the preview
grant of credits) and whoami."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ENUMS
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.http.auth import CLAIM_STATE, CREDENTIAL_STATUS, TOKEN_CLASS, actor_of, token_hash
from image_skill_mock.settings import Settings
from image_skill_mock.store.agents import Agent, insert_agent
from image_skill_mock.store.database import Storage

GRANTS: Final = list(ENUMS["Grants"])  # a restricted agent holds every grant of the preview


def _organization(agent: Agent) -> dict[str, Any]:
    return {
        "organization_id": agent.organization_id,
        "name": agent.organization_name,
        "claim_state": CLAIM_STATE,
    }


def signup(
    storage: Storage, body: dict[str, Any], *, settings: Settings, now: datetime
) -> tuple[Agent, dict[str, Any]]:
    """``POST /v1/agent-signups``: the new agent and the answer (its token only if asked for)."""
    contact = body.get("agent_contact") or body["human_email"]
    agent = Agent(
        agent_id=ids.new_id("AgentId"),
        organization_id=ids.new_id("OrganizationId"),
        organization_name=f"{body['agent_name']} (restricted agent)",
        agent_name=body["agent_name"],
        runtime=body.get("runtime", "unknown"),
        contact=contact,
        preview_credits=settings.free_credits,
        daily_job_limit=settings.daily_jobs,
        created_at=timestamp(now),
    )
    token = ids.new_token()
    with storage.transaction() as conn:
        insert_agent(conn, agent, token_hash(token))
    return agent, {
        "token": token if body.get("return_token") else None,
        "human_email": contact,
        "agent_name": agent.agent_name,
        "runtime": agent.runtime,
        "storage": {"server": "hashed", "token_class": TOKEN_CLASS},
        "actor": actor_of(agent),
        "organization": _organization(agent),
        "grants": GRANTS,
    }


def whoami(agent: Agent) -> dict[str, Any]:
    """``GET /v1/whoami``."""
    return {
        "actor": actor_of(agent),
        "agent_name": agent.agent_name,
        "runtime": agent.runtime,
        "organization": _organization(agent),
        "claim_state": CLAIM_STATE,
        "token": {"token_class": TOKEN_CLASS, "status": CREDENTIAL_STATUS, "created_at": agent.created_at},
        "grants": GRANTS,
        "authenticated": True,
        "token_status": CREDENTIAL_STATUS,
        "token_created_at": agent.created_at,
    }
