"""The ``credit_entries`` view: every grant and debit of an agent's credits, in one list.

Its rows come from each agent's preview grant (``agents``), each job's debit (``usage_events``)
and each payment-backed credit event (``credit_events``: a verified payment's grant, a refund's
or dispute's reversal, a reinstatement). The arithmetic over them is the ledger's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class CreditEntry:
    """One row of the credit ledger: a grant (``credits`` > 0) or a debit (``credits`` < 0)."""

    kind: str  # preview_grant | job_debit | payment_backed_granted | _refunded | _disputed | _reinstated
    credits: int
    payment_backed: bool  # from a payment: a grant (> 0) or its reversal (< 0)
    source_id: str  # what the entry records: the agent (its preview grant), a usage event (a debit)
    created_at: str


def credit_entries(conn: sqlite3.Connection, agent_id: str) -> list[CreditEntry]:
    rows = conn.execute(
        "SELECT kind, credits, payment_backed, source_id, created_at FROM credit_entries"
        " WHERE agent_id = ? ORDER BY created_at, source_id",
        (agent_id,),
    ).fetchall()
    return [CreditEntry(str(k), int(c), bool(p), str(s), str(at)) for k, c, p, s, at in rows]
