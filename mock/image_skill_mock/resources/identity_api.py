"""Tag ``identity``: signup, the claim request and whoami (``ledger.accounts``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import Encoded, fixed
from image_skill_mock.ledger import accounts

#: whoami's answer is the agent's row alone: built and encoded once per agent, keyed on the whole
#: (frozen) row, so an agent whose row differs in any field gets a fresh answer.
_whoami = fixed(accounts.whoami)


def create_agent_signup(call: Call) -> dict[str, Any]:
    agent, data = accounts.signup(call.storage, call.body or {}, settings=call.settings, now=call.now())
    call.agent, call.actor = agent, data["actor"]  # the answer's envelope names the new agent
    return data


def create_agent_claim(call: Call) -> dict[str, Any]:
    return accounts.claim(call.storage, call.require_agent(), (call.body or {})["contact"])


def get_whoami(call: Call) -> Encoded:
    return _whoami(call.require_agent())


HANDLERS = {
    "createAgentSignup": create_agent_signup,
    "createAgentClaim": create_agent_claim,
    "getWhoami": get_whoami,
}
#: whoami reads only the authenticated agent: it runs on the event loop, no worker thread.
INLINE = frozenset({"getWhoami"})
