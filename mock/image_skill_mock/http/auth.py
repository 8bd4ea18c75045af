"""Bearer tokens: stored as sha256 only. Every auth failure is AUTH_REQUIRED (its recovery the signup
command), with ``recovery.auth_state``: ``missing`` when no token was sent, ``invalid`` for a
malformed, unknown or revoked one."""

from __future__ import annotations

import hashlib
from typing import Any

from image_skill_api.registry import ENUMS, ErrorCode
from image_skill_mock.errors import ApiError
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Storage

#: Every agent of the mock is a restricted agent (the spec's only token class) whose organization is
#: never claimed, holding an active token: the preview has no claim flow and no token revocation.
CLAIM_STATE = "unclaimed"
(TOKEN_CLASS,) = ENUMS["TokenClass"]
CREDENTIAL_STATUS = "active"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def auth_required(message: str, *, state: str = "missing") -> ApiError:
    """AUTH_REQUIRED with its ``auth_state`` (``missing`` or ``invalid``) and the signup recovery."""
    return ApiError(ErrorCode.AUTH_REQUIRED, message, recovery={"auth_state": state})


def authenticate(storage: Storage, authorization: str | None) -> Agent:
    if not authorization:
        raise auth_required("This operation needs an agent token.")
    scheme, _, token = authorization.partition(" ")
    agent = (
        storage.agent_by_token(token_hash(token.strip())) if scheme.lower() == "bearer" and token else None
    )
    if agent is None:
        raise auth_required("The bearer token is not a valid agent token; sign up again.", state="invalid")
    return agent


def actor_of(agent: Agent) -> dict[str, Any]:
    return {
        "actor_type": "agent",
        "actor_id": agent.agent_id,
        "organization_id": agent.organization_id,
        "claim_state": CLAIM_STATE,
    }
