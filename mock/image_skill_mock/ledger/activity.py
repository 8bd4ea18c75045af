"""The hosted activity ledger: one builder for every event, checked against the spec's registry.

Every flow that emits an event (create and edit jobs, uploads, payments, credits, feedback) builds
it here with ``event(...)`` and writes it with ``add(conn, event)`` inside the transaction that
records what it describes, so an event never exists without its subject and the reverse.
``listing`` and ``lookup`` read the ledger back (``GET /v1/activity``, ``GET /v1/activity/{ref}``).

``event`` refuses (``ValueError``: a bug, never an input problem) a type outside the registry
(``image_skill_api.registry.ACTIVITY_EVENTS``), a link the registry does not list for that type,
and a missing stable link. The ``links`` object carries exactly the type's registry links:
``asset_ids`` a list, every other link an id or null.

An event never carries a prompt, a path, a provider or storage detail: ``summary`` is written by
the flow from fixed words and ids, and ``details`` holds only what the registry names
(``plan_receipt``, ``github_queue``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from image_skill_api.constants import ACTIVITY_LIMIT_DEFAULT
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ACTIVITY_EVENTS, ID_PREFIXES, ActivityEventType, ErrorCode
from image_skill_mock import ids
from image_skill_mock.errors import ApiError
from image_skill_mock.store.activity_events import insert_event
from image_skill_mock.store.database import Connection, Storage

#: Where the answers of ``GET /v1/activity`` say their events come from.
SOURCE: Final = "hosted_activity_ledger"
LIST_COMMAND: Final = f"{OPERATIONS['listActivity'].command} --json"


@dataclass(frozen=True)
class Event:
    """One event as stored: its JSON shape, its owner and the ids it can be found by."""

    agent_id: str
    body: dict[str, Any]
    refs: tuple[str, ...]

    @property
    def event_id(self) -> str:
        return str(self.body["event_id"])


def event(
    type_: ActivityEventType | str,
    *,
    agent_id: str,
    subject_id: str,
    summary: str,
    status: str,
    occurred_at: str,
    trace_id: str | None,
    links: Mapping[str, str | Sequence[str] | None],
    operation: str | None = None,
    cost: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Event:
    """An event of registry type ``type_`` about ``subject_id``, with exactly the type's stable links.

    ``operation`` is needed only where the registry names several (``create/edit``).
    """
    kind = ActivityEventType(type_)
    spec = ACTIVITY_EVENTS[kind]
    unknown = set(links) - set(spec.links)
    if unknown:
        raise ValueError(f"{kind}: links {sorted(unknown)} are not in the registry")
    missing = set(spec.links) - set(links)
    if missing:
        raise ValueError(f"{kind}: stable links {sorted(missing)} are missing")
    operations = spec.operation.split("/")
    chosen = operation or operations[0]
    if chosen not in operations or (operation is None and len(operations) > 1):
        raise ValueError(f"{kind}: operation must be one of {operations}")
    body: dict[str, Any] = {
        "event_id": ids.new_id("EventId"),
        "type": str(kind),
        "occurred_at": occurred_at,
        "summary": summary,
        "operation": chosen,
        "subject": {"type": spec.subject, "id": subject_id},
        "links": {name: _link(name, links[name]) for name in spec.links},
        "status": status,
    }
    if cost is not None:
        body["cost"] = dict(cost)
    if trace_id is not None:
        body["trace_id"] = trace_id
    if details is not None:
        body["details"] = dict(details)
    refs = {subject_id} | ({trace_id} if trace_id else set())
    for value in body["links"].values():
        refs.update(value if isinstance(value, list) else [value] if value else [])
    return Event(agent_id, body, tuple(sorted(refs)))


def _link(name: str, value: str | Sequence[str] | None) -> Any:
    if name == "asset_ids":
        if isinstance(value, str) or value is None:
            raise ValueError("asset_ids is a list of asset ids")
        return list(value)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is one id or null")
    return value


def add(conn: Connection, item: Event) -> None:
    """Write ``item`` inside the caller's transaction (``storage.transaction()``)."""
    insert_event(conn, event_id=item.event_id, agent_id=item.agent_id, body=item.body, refs=item.refs)


def listing(storage: Storage, agent_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/activity``: the newest ``limit`` events (the spec's default and bounds), or those
    about ``subject``."""
    limit = int(query.get("limit", ACTIVITY_LIMIT_DEFAULT))
    subject = query.get("subject")
    events = storage.activity(agent_id, limit=limit, ref=subject)
    return {"events": events, "source": SOURCE, "request": {"limit": limit, "subject": subject}}


def lookup(storage: Storage, agent_id: str, ref: str) -> dict[str, Any]:
    """``GET /v1/activity/{ref}``: an ``evt_`` id answers that one event (NOT_FOUND when the caller has
    none); any other reference answers the events that name it (an empty list when none do)."""
    limit = ACTIVITY_LIMIT_DEFAULT
    events = storage.activity(agent_id, limit=limit, ref=ref)
    if ref.startswith(ID_PREFIXES["EventId"]):
        events = [item for item in events if item["event_id"] == ref]
        if not events:
            raise ApiError(
                ErrorCode.NOT_FOUND,
                "No activity event with this id belongs to the caller.",
                recovery={"suggested_command": LIST_COMMAND},
            )
    return {"events": events, "source": SOURCE, "request": {"reference": ref, "limit": limit}}
