"""Signup (restricted agent + organization + hashed token) and whoami."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ENUMS
from image_skill_mock import ids
from image_skill_mock.auth import CLAIM_STATE, CREDENTIAL_STATUS, TOKEN_CLASS, actor_of, token_hash
from image_skill_mock.clock import timestamp
from image_skill_mock.state import Call
from image_skill_mock.storage import Agent

GRANTS = list(ENUMS["Grants"])  # a restricted agent holds every grant of the preview


def _organization(agent: Agent) -> dict[str, Any]:
    return {
        "organization_id": agent.organization_id,
        "name": agent.organization_name,
        "claim_state": CLAIM_STATE,
    }


def create_agent_signup(call: Call) -> dict[str, Any]:
    body = call.body or {}
    contact = body.get("agent_contact") or body["human_email"]
    agent = Agent(
        agent_id=ids.new_id("AgentId"),
        organization_id=ids.new_id("OrganizationId"),
        organization_name=f"{body['agent_name']} (restricted agent)",
        agent_name=body["agent_name"],
        runtime=body.get("runtime", "unknown"),
        contact=contact,
        preview_credits=call.settings.free_credits,
        daily_job_limit=call.settings.daily_jobs,
        created_at=timestamp(call.now()),
    )
    token = ids.new_token()
    call.storage.add_agent(agent, token_hash(token))
    call.agent, call.actor = agent, actor_of(agent)
    return {
        "token": token if body.get("return_token") else None,
        "human_email": contact,
        "agent_name": agent.agent_name,
        "runtime": agent.runtime,
        "storage": {"server": "hashed", "token_class": TOKEN_CLASS},
        "actor": call.actor,
        "organization": _organization(agent),
        "grants": GRANTS,
    }


def get_whoami(call: Call) -> dict[str, Any]:
    agent = call.require_agent()
    return {
        "actor": call.actor,
        "agent_name": agent.agent_name,
        "runtime": agent.runtime,
        "organization": _organization(agent),
        "claim_state": CLAIM_STATE,
        "token": {"token_class": TOKEN_CLASS, "status": CREDENTIAL_STATUS, "created_at": agent.created_at},
        "grants": GRANTS,
    }


HANDLERS = {"createAgentSignup": create_agent_signup, "getWhoami": get_whoami}
