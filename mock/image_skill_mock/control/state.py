"""The state document (export, import, ``serve --seed-file``) and reset.

A document (the spec's ``MockStateDocument``) is every row of every state table, by section:
``agents``, ``credits``, ``jobs``, ``assets`` (their bytes as base64), ``quotes``, ``payments``,
``activity``, ``feedback``, and ``other`` for any table this version sorts nowhere; with the clock
and the ``format``/``version`` a reader checks. Rows keep their ids, timestamps and order, so
importing a document into a mock of the same version reproduces every answer it gave (a frozen
clock is also set to the document's ``clock.now``). Import replaces the whole state in one
transaction: a document that does not fit changes nothing. Telemetry, the journal and the fault
rules are not state.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any, Final

from image_skill_api.constants import API_VERSION, MOCK_STATE_FORMAT, MOCK_STATE_VERSION
from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import Clock, parse_instant, timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.http import validation
from image_skill_mock.settings import Settings
from image_skill_mock.store import balances, harness
from image_skill_mock.store.database import Connection, Storage

#: Section -> the tables it holds; a state table not listed goes to ``OTHER``.
SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "agents": ("agents", "agent_discovery"),
    "credits": ("usage_events", "credit_events"),
    "jobs": ("jobs", "idempotency_keys"),
    "assets": ("assets",),
    "quotes": ("credit_quotes",),
    "payments": ("payment_attempts", "receipts", "payment_reversals", "stripe_events"),
    "activity": ("activity_events", "activity_refs"),
    "feedback": ("feedback",),
}
OTHER: Final = "other"
_SECTION_OF: Final = {table: section for section, tables in SECTIONS.items() for table in tables}


def clock_state(settings: Settings) -> dict[str, Any]:
    """The clock as the control API shows it (a plain callable a test handed in: never advanced)."""
    clock = settings.clock
    if isinstance(clock, Clock):
        return clock.state()
    return {"now": timestamp(clock()), "frozen": False, "advanced_seconds": 0}


def _encoded(value: Any) -> Any:
    return {"base64": base64.b64encode(value).decode("ascii")} if isinstance(value, bytes) else value


def _decoded(value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        return value
    try:
        return base64.b64decode(value["base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            ErrorCode.MOCK_CONTROL_REQUEST_INVALID, f"{where} is not standard padded base64."
        ) from None


def export(storage: Storage, settings: Settings) -> dict[str, Any]:
    """``GET /_mock/state/export``: the whole state as one document."""
    document: dict[str, Any] = {
        "format": MOCK_STATE_FORMAT,
        "version": MOCK_STATE_VERSION,
        "api_version": API_VERSION,
        "exported_at": timestamp(settings.clock()),
        "clock": clock_state(settings),
        **{section: {} for section in [*SECTIONS, OTHER]},
    }
    with storage.transaction() as conn:  # one consistent snapshot
        for table in harness.data_tables(conn):
            rows = [{k: _encoded(v) for k, v in row.items()} for row in harness.dump(conn, table)]
            document[_SECTION_OF.get(table, OTHER)][table] = rows
    return document


def _tables(conn: Connection, document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The document's (table, rows), each table known here and in the section it belongs to."""
    known = set(harness.data_tables(conn))
    found = []
    for section in [*SECTIONS, OTHER]:
        for table, rows in document.get(section, {}).items():
            if table not in known or _SECTION_OF.get(table, OTHER) != section:
                raise ApiError(
                    ErrorCode.MOCK_CONTROL_REQUEST_INVALID,
                    f"{section}.{table} is not a table of this mock's state.",
                )
            decoded = [{k: _decoded(v, f"{table}.{k}") for k, v in row.items()} for row in rows]
            found.append((table, decoded))
    return found


def _load(storage: Storage, document: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    with storage.transaction() as conn:
        harness.defer_foreign_keys(conn)
        tables = _tables(conn, document)
        harness.clear(conn, harness.data_tables(conn))
        try:
            for table, rows in tables:
                counts[table] = harness.load(conn, table, rows)
        except ValueError as exc:
            raise ApiError(
                ErrorCode.MOCK_CONTROL_REQUEST_INVALID, f"The state document does not fit: {exc}."
            ) from None
        problem = harness.foreign_key_problem(conn)
        if problem is not None:
            raise ApiError(
                ErrorCode.MOCK_CONTROL_REQUEST_INVALID, f"The state document does not fit: {problem}."
            )
        balances.rebuild(conn)  # the running totals follow the loaded ledger
    return counts


def import_(storage: Storage, settings: Settings, document: dict[str, Any]) -> dict[str, Any]:
    """``POST /_mock/state/import`` (the body already matched ``MockStateDocument``)."""
    counts = _load(storage, document)
    if isinstance(settings.clock, Clock):
        settings.clock.set_frozen(parse_instant(document["clock"]["now"]))
    return {"version": MOCK_STATE_VERSION, "rows": counts, "clock": clock_state(settings)}


def seed(storage: Storage, settings: Settings, path: Path) -> dict[str, Any]:
    """``serve --seed-file``: the document in ``path`` imported at start; ValueError saying why not."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"--seed-file {path}: {exc}") from None
    problem = validation.validate_against("MockStateDocument", document)
    if problem is not None:
        raise ValueError(f"--seed-file {path} is not a state document of this version: {problem}")
    try:
        return import_(storage, settings, document)
    except ApiError as exc:
        raise ValueError(f"--seed-file {path}: {exc.message}") from None


def reset(storage: Storage, body: dict[str, Any] | None) -> dict[str, Any]:
    """``POST /_mock/reset``: everything (and the journal and fault rules), or one agent's rows."""
    agent_id = (body or {}).get("agent_id")
    with storage.transaction() as conn:
        harness.defer_foreign_keys(conn)
        if agent_id is not None:
            deleted = harness.delete_agent(conn, agent_id)
        else:
            deleted = harness.clear(conn, harness.data_tables(conn))
            harness.clear_rules(conn)
            harness.clear_journal(conn)
        balances.rebuild(conn, agent_id)
    return {"scope": "agent" if agent_id else "all", "agent_id": agent_id, "deleted_rows": deleted}
