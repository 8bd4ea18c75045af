"""An agent's account: signup (a restricted agent, its organization, a hashed token and the preview
grant of credits), the claim request (a contact inbox attached later) and whoami.

Signup is anonymous by default: with no contact the agent has none (stored as ""; the answer's
``agent_contact`` and ``human_email`` are null). A claim request attaches or replaces the contact;
the same contact again is ``unchanged``. It writes no activity event: the spec's registry has no
type for one (the answer's ``activity`` says so)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ENUMS
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.http.auth import CLAIM_STATE, CREDENTIAL_STATUS, TOKEN_CLASS, actor_of, token_hash
from image_skill_mock.ledger import credits
from image_skill_mock.settings import Settings
from image_skill_mock.store.agents import Agent, contact_of, insert_agent, insert_discovery, set_contact
from image_skill_mock.store.database import Storage

GRANTS: Final = list(ENUMS["Grants"])  # a restricted agent holds every grant of the preview
#: What a claim request asks for; attaching a contact verifies nothing, so the claim state is unchanged.
CLAIM_REQUEST_STATE: Final = "requested"
NOT_RECORDED: Final = "The activity registry has no event type for a claim request, so none was recorded."


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
    contact = body.get("agent_contact") or body.get("human_email")
    agent = Agent(
        agent_id=ids.new_id("AgentId"),
        organization_id=ids.new_id("OrganizationId"),
        organization_name=f"{body['agent_name']} (restricted agent)",
        agent_name=body["agent_name"],
        runtime=body.get("runtime", "unknown"),
        contact=contact or "",
        preview_credits=settings.free_credits,
        daily_job_limit=settings.daily_jobs,
        created_at=timestamp(now),
    )
    token = ids.new_token()
    source = body.get("discovery_source")
    with storage.transaction() as conn:
        insert_agent(conn, agent, token_hash(token))
        credits.grant_preview(conn, agent)
        if source:
            insert_discovery(conn, agent.agent_id, source, agent.created_at)
    return agent, {
        "token": token if body.get("return_token") else None,
        "human_email": contact,
        "agent_contact": contact,
        "discovery_source": source,
        "agent_name": agent.agent_name,
        "runtime": agent.runtime,
        "storage": {"server": "hashed", "token_class": TOKEN_CLASS},
        "actor": actor_of(agent),
        "organization": _organization(agent),
        "grants": GRANTS,
    }


def redacted(contact: str) -> str:
    """``a***@example.com``: the first character and the domain, never the whole address."""
    local, _, domain = contact.rpartition("@")
    return f"{local[:1]}***@{domain}"


def claim(storage: Storage, agent: Agent, contact: str) -> dict[str, Any]:
    """``POST /v1/agent-claims``: attach ``contact`` (or replace another); the same one is unchanged."""
    with storage.transaction() as conn:
        unchanged = contact_of(conn, agent.agent_id).casefold() == contact.casefold()
        if not unchanged:
            set_contact(conn, agent.agent_id, contact)
    return {
        "state": "unchanged" if unchanged else "attached",
        "contact": redacted(contact),
        "claim_state": CLAIM_STATE,
        "claim_request_state": CLAIM_REQUEST_STATE,
        "activity": {"recorded": False, "reason": NOT_RECORDED},
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
