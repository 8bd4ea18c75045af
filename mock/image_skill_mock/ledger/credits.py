"""Credit and daily-job arithmetic over the credit ledger, and the ledger's writes.

A balance is a sum of ledger entries (``store.credit_entries.CreditEntry`` rows): preview grants
and payment-backed grants add; job debits, and the reversals of payment-backed grants (a refund, a
dispute), subtract. Debits draw on preview credits first, so what is left of the preview grant is
reported apart from what is left of payment-backed credit. The daily job cap counts an agent's
jobs of the UTC day (dry runs excepted) and resets at the next UTC midnight.

The sums are kept as running totals (``store.balances``), so reading a balance costs the same
whatever an agent's history: every entry is written here (``grant_preview``, ``debit``,
``post_payment_backed``) together with its total, and every job that counts toward the cap with
its day's count (``count_job``), in the caller's transaction. The entries stay the source of truth
(``credits`` sums them; ``image-skill-mock check`` compares the totals with them).

``balance`` reads the totals for a report (``GET /v1/quota``: ``quota_data``; the early checks of
a create); ``admit_job`` is the check a job's writer (``creative.pipeline.record``) runs inside its
transaction, on the totals and the day's job count read there, so the cap and the balance hold
under concurrent requests. Because preview credits are spent first, what a refund or a dispute can
take back is ``Credits.payment_backed_remaining`` (the paid credits still unspent): ``payments``
never debits more, so no balance goes negative, and records the rest as pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from image_skill_api.registry import CREDIT_UNIT_USD
from image_skill_mock.clock import timestamp
from image_skill_mock.http.auth import CLAIM_STATE, CREDENTIAL_STATUS
from image_skill_mock.store import balances, rows
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.credit_entries import CreditEntry
from image_skill_mock.store.database import Connection, Storage
from image_skill_mock.store.jobs import insert_usage_event

#: The check a job's writer runs in its transaction: the agent's credits and the day's counted jobs
#: in, a refusal raised (then nothing is written).
Admission = Callable[["Credits", int], None]


class InsufficientCredits(Exception):
    """The balance does not cover a debit (raised inside the job's transaction: nothing written)."""


class DailyJobLimitReached(Exception):
    """The jobs of the day already fill the agent's cap (raised inside the transaction: nothing written)."""


@dataclass(frozen=True)
class Credits:
    """The ledger summed: what was granted (by pool) and what was consumed."""

    preview_granted: int
    payment_backed_granted: int
    consumed: int

    @property
    def remaining(self) -> int:
        return max(0, self.preview_granted + self.payment_backed_granted - self.consumed)

    @property
    def preview_remaining(self) -> int:
        return max(0, self.preview_granted - self.consumed)

    @property
    def payment_backed_remaining(self) -> int:
        return self.remaining - self.preview_remaining


def credits(entries: Iterable[CreditEntry]) -> Credits:
    """The entries summed: payment-backed ones by their pool (grants add, reversals subtract), the
    others as preview grants (positive) or consumption (negative: a job's debit)."""
    preview = paid = consumed = 0
    for entry in entries:
        if entry.payment_backed:
            paid += entry.credits
        elif entry.credits < 0:
            consumed -= entry.credits
        else:
            preview += entry.credits
    return Credits(preview, paid, consumed)


def remaining(entries: Iterable[CreditEntry]) -> int:
    return credits(entries).remaining


def _summed(totals: balances.Totals) -> Credits:
    return Credits(totals.preview_granted, totals.payment_backed_granted, totals.consumed)


def credits_of(conn: Connection, agent_id: str) -> Credits:
    """The agent's credits as its running totals hold them (read in the caller's transaction)."""
    return _summed(balances.totals(conn, agent_id))


# ------------------------------------------------------------------- the ledger's writes
def grant_preview(conn: Connection, agent: Agent) -> None:
    """A new agent's preview grant (its ``agents`` row is the entry): its totals start there."""
    balances.open_balance(conn, agent.agent_id, agent.preview_credits)


def debit(
    conn: Connection, *, usage_event_id: str, agent_id: str, job_id: str, credits: int, created_at: str
) -> None:
    """A job's debit: its ``usage_events`` row and the agent's total consumed."""
    insert_usage_event(
        conn,
        usage_event_id=usage_event_id,
        agent_id=agent_id,
        job_id=job_id,
        credits=credits,
        created_at=created_at,
    )
    balances.add(conn, agent_id, consumed=credits)


def post_payment_backed(conn: Connection, row: dict[str, Any]) -> None:
    """A payment-backed credit event (a grant, or a reversal when negative) and the agent's total."""
    rows.insert_row(conn, "credit_events", row)
    balances.add(conn, row["agent_id"], payment_backed=int(row["credits"]))


def count_job(conn: Connection, agent_id: str, day: str) -> None:
    """One more job of ``day`` toward the agent's daily cap."""
    balances.count_job(conn, agent_id, day)


def jobs_on_day(conn: Connection, agent_id: str, day: str) -> int:
    return balances.jobs_on_day(conn, agent_id, day)


def day_of(now: datetime) -> str:
    """The UTC day a job counts toward (the key of the daily cap)."""
    return now.date().isoformat()


def next_reset(now: datetime) -> datetime:
    """When the daily job cap resets: the next midnight of ``now``'s (UTC) day."""
    return datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)


def seconds_until_reset(now: datetime) -> int:
    return max(0, int((next_reset(now) - now).total_seconds()))


@dataclass(frozen=True)
class Balance:
    credits: Credits
    jobs_today: int
    job_limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return self.credits.remaining

    @property
    def jobs_remaining(self) -> int:
        return max(0, self.job_limit - self.jobs_today)


def balance(storage: Storage, agent: Agent, now: datetime) -> Balance:
    with storage.reading() as conn:
        summed = credits_of(conn, agent.agent_id)
        jobs_today = jobs_on_day(conn, agent.agent_id, day_of(now))
    return Balance(
        credits=summed, jobs_today=jobs_today, job_limit=agent.daily_job_limit, resets_at=next_reset(now)
    )


def admit_job(agent: Agent, *, debit: int, counts_toward_daily_cap: bool) -> Admission:
    """The check that admits a job into the ledger: within the daily cap, and the balance covers it."""

    def admit(summed: Credits, jobs_today: int) -> None:
        if counts_toward_daily_cap and jobs_today >= agent.daily_job_limit:
            raise DailyJobLimitReached
        if debit and summed.remaining < debit:
            raise InsufficientCredits

    return admit


def spendable(summed: Credits) -> dict[str, Any]:
    """The balance split as the wire reports it: ``remaining_credits`` is the preview (free) part only
    (what clients add ``payment_backed_remaining_credits`` to), ``total_remaining_credits`` the sum."""
    return {
        "remaining_credits": summed.preview_remaining,
        "preview_remaining_credits": summed.preview_remaining,
        "payment_backed_remaining_credits": summed.payment_backed_remaining,
        "total_remaining_credits": summed.remaining,
    }


def credit_limits(summed: Credits) -> dict[str, Any]:
    """The balance as ``QuotaData.limits`` reports it (a purchase status reports the same)."""
    return {**spendable(summed), "consumed_credits": summed.consumed}


def daily_jobs(found: Balance) -> dict[str, Any]:
    return {
        "limit": found.job_limit,
        "used": found.jobs_today,
        "remaining": found.jobs_remaining,
        "resets_at": timestamp(found.resets_at),
    }


def quota_data(storage: Storage, agent: Agent, now: datetime) -> dict[str, Any]:
    """``GET /v1/quota``: the agent's credits and daily job cap."""
    found = balance(storage, agent, now)
    jobs = daily_jobs(found)
    return {
        "authenticated": True,
        "claim_state": CLAIM_STATE,
        "token_status": CREDENTIAL_STATUS,
        "credit_unit_usd": float(CREDIT_UNIT_USD),
        "limits": credit_limits(found.credits),
        "daily_jobs": jobs,
        "reset_windows": [{"name": "daily_jobs", "resets_at": jobs["resets_at"]}],
    }
