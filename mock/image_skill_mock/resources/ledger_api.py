"""Tag ``ledger``: the caller's hosted activity ledger (``ledger.activity``) and product feedback
(``ledger.product_feedback``). Every query is scoped to the caller."""

from __future__ import annotations

from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.ledger import activity, product_feedback


def list_activity(call: Call) -> dict[str, Any]:
    return activity.listing(call.storage, call.require_agent().agent_id, call.query)


def get_activity(call: Call) -> dict[str, Any]:
    return activity.lookup(call.storage, call.require_agent().agent_id, call.path["ref"])


def create_feedback(call: Call) -> dict[str, Any]:
    agent, body = call.require_agent(), call.body or {}
    return product_feedback.submit(
        call.storage, agent, body, now=call.now(), trace_id=call.trace_id, fault=call.fault
    )


HANDLERS = {"listActivity": list_activity, "getActivity": get_activity, "createFeedback": create_feedback}
