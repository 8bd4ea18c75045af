"""Tag ``identity``: signup, the claim request and whoami (``ledger.accounts``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.ledger import accounts


def create_agent_signup(call: Call) -> dict[str, Any]:
    agent, data = accounts.signup(call.storage, call.body or {}, settings=call.settings, now=call.now())
    call.agent, call.actor = agent, data["actor"]  # the answer's envelope names the new agent
    return data


def create_agent_claim(call: Call) -> dict[str, Any]:
    return accounts.claim(call.storage, call.require_agent(), (call.body or {})["contact"])


def get_whoami(call: Call) -> dict[str, Any]:
    return accounts.whoami(call.require_agent())


HANDLERS = {
    "createAgentSignup": create_agent_signup,
    "createAgentClaim": create_agent_claim,
    "getWhoami": get_whoami,
}
#: whoami reads only the authenticated agent: it runs on the event loop, no worker thread.
INLINE = frozenset({"getWhoami"})
