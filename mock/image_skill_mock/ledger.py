"""Credit and daily-job arithmetic over the credit ledger (``storage.CreditEntry`` rows).

A balance is a sum of ledger entries: preview grants and payment-backed grants add; job debits,
and the reversals of payment-backed grants (a refund, a dispute), subtract. Debits draw on
preview credits first, so what is left of the preview grant is reported apart from what is left
of payment-backed credit. The daily job cap counts an agent's jobs of the UTC day (dry runs
excepted) and resets at the next UTC midnight.

``balance`` reads the ledger for a report (``GET /v1/quota``, the early checks of a create);
``admit_job`` is the check ``Storage.record_job`` runs inside its transaction, so the cap and the
balance hold under concurrent requests; ``remaining`` reads the rows that transaction returns.
A payment-backed grant or its reversal is a row the payments module writes through ``storage``;
nothing here changes when it lands. Because preview credits are spent first, what a refund or a
dispute can take back is ``Credits.payment_backed_remaining`` (the paid credits still unspent):
``payments`` never debits more, so no balance goes negative, and records the rest as pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from image_skill_mock.storage import Admission, Agent, CreditEntry, Storage


class InsufficientCredits(Exception):
    """The balance does not cover a debit (raised inside ``record_job``'s transaction: nothing written)."""


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
    return Balance(
        credits=credits(storage.credit_entries(agent.agent_id)),
        jobs_today=storage.jobs_on_day(agent.agent_id, day_of(now)),
        job_limit=agent.daily_job_limit,
        resets_at=next_reset(now),
    )


def admit_job(agent: Agent, *, debit: int, counts_toward_daily_cap: bool) -> Admission:
    """The check that admits a job into the ledger: within the daily cap, and the balance covers it."""

    def admit(entries: list[CreditEntry], jobs_today: int) -> None:
        if counts_toward_daily_cap and jobs_today >= agent.daily_job_limit:
            raise DailyJobLimitReached
        if debit and remaining(entries) < debit:
            raise InsufficientCredits

    return admit
