"""Bearer tokens: stored as sha256 only. Every auth failure is AUTH_REQUIRED (its recovery the signup
command), with ``recovery.auth_state``: ``missing`` when no token was sent, ``invalid`` for a
malformed, unknown or revoked one."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from starlette.concurrency import run_in_threadpool

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
    digest = _digest(authorization)
    agent = storage.agent_by_token(digest) if digest is not None else None
    if agent is None:
        raise auth_required("The bearer token is not a valid agent token; sign up again.", state="invalid")
    return agent


class Authenticator:
    """``authenticate`` with a bounded memory of the tokens it has accepted.

    Agents are never removed and tokens never revoked (the preview has no such flow; a claim changes
    only the stored contact, which no answer reads from the ``Agent``), so a token once accepted
    names the same agent for the server's life: a repeat is answered from memory, on the event loop,
    without a worker thread. Unknown tokens are looked up every time (never remembered); the memory
    holds at most ``REMEMBERED`` tokens (least recently used out). With ``remember=False`` (``serve
    --control``: a state reset or import may remove or replace agents) every token is looked up.
    """

    REMEMBERED = 4096

    def __init__(self, storage: Storage, *, remember: bool = True) -> None:
        self.storage = storage
        self.remember = remember
        self._known: OrderedDict[str, Agent] = OrderedDict()

    def remembered(self, authorization: str | None) -> Agent | None:
        """The agent of an already accepted token, else None (no lookup)."""
        if not self.remember:
            return None
        digest = _digest(authorization)
        agent = self._known.get(digest) if digest is not None else None
        if agent is not None and digest is not None:
            self._known.move_to_end(digest)
        return agent

    async def authenticate(self, authorization: str | None) -> Agent:
        """As ``authenticate``; a worker thread only for a token not seen yet."""
        agent = self.remembered(authorization)
        if agent is not None:
            return agent
        if not authorization:
            raise auth_required("This operation needs an agent token.")
        agent = await run_in_threadpool(authenticate, self.storage, authorization)
        digest = _digest(authorization)
        if digest is not None and self.remember:
            self._known[digest] = agent
            while len(self._known) > self.REMEMBERED:
                self._known.popitem(last=False)
        return agent


def _digest(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token_hash(token.strip()) if scheme.lower() == "bearer" and token else None


def actor_of(agent: Agent) -> dict[str, Any]:
    return {
        "actor_type": "agent",
        "actor_id": agent.agent_id,
        "organization_id": agent.organization_id,
        "claim_state": CLAIM_STATE,
    }
