"""The credit ledger's arithmetic: balances are sums of entries, debits draw preview credits first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from image_skill_mock.ledger import credits as ledger
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.credit_entries import CreditEntry

AT = "2026-11-24T12:00:00.000Z"


def grant(credits: int, *, paid: bool = False) -> CreditEntry:
    kind = "payment_backed_granted" if paid else "preview_grant"
    return CreditEntry(kind, credits, paid, "src", AT)


def debit(credits: int) -> CreditEntry:
    return CreditEntry("job_debit", -credits, False, "usage", AT)


def agent(daily_job_limit: int = 4) -> Agent:
    return Agent("agt", "org", "org name", "name", "runtime", "a@b.co", 50, daily_job_limit, AT)


@pytest.mark.parametrize(
    ("entries", "remaining", "preview", "paid", "consumed"),
    [
        ([grant(50)], 50, 50, 0, 0),
        ([grant(50), debit(12)], 38, 38, 0, 12),
        ([grant(50), debit(12), debit(38)], 0, 0, 0, 50),
        ([grant(50), grant(500, paid=True)], 550, 50, 500, 0),
        ([grant(50), grant(500, paid=True), debit(60)], 490, 0, 490, 60),  # preview credits go first
        ([grant(50), grant(500, paid=True), grant(-500, paid=True)], 50, 50, 0, 0),  # a refund
        ([], 0, 0, 0, 0),
    ],
)
def test_credits_are_the_sum_of_the_entries(
    entries: list[CreditEntry], remaining: int, preview: int, paid: int, consumed: int
) -> None:
    credits = ledger.credits(entries)
    assert (credits.remaining, credits.preview_remaining, credits.payment_backed_remaining) == (
        remaining,
        preview,
        paid,
    )
    assert credits.consumed == consumed
    assert ledger.remaining(entries) == remaining


@pytest.mark.parametrize(
    ("now", "day", "seconds"),
    [
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "2026-11-24", 12 * 3600),
        (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), "2026-11-24", 24 * 3600),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), "2026-12-31", 1),
    ],
)
def test_the_daily_cap_resets_at_utc_midnight(now: datetime, day: str, seconds: int) -> None:
    assert ledger.day_of(now) == day
    assert ledger.seconds_until_reset(now) == seconds


@pytest.mark.parametrize(
    ("entries", "jobs_today", "debit_credits", "counts", "refusal"),
    [
        ([grant(50)], 3, 12, True, None),
        ([grant(50)], 4, 12, True, ledger.DailyJobLimitReached),
        ([grant(50)], 4, 0, False, None),  # a dry run: outside the cap, debits nothing
        ([grant(10)], 0, 12, True, ledger.InsufficientCredits),
        ([grant(12)], 0, 12, True, None),
        ([grant(0)], 0, 0, True, None),  # nothing to pay: admitted on an empty balance
    ],
)
def test_admission_checks_the_cap_then_the_balance(
    entries: list[CreditEntry],
    jobs_today: int,
    debit_credits: int,
    counts: bool,
    refusal: type[Exception] | None,
) -> None:
    admit = ledger.admit_job(agent(), debit=debit_credits, counts_toward_daily_cap=counts)
    if refusal is None:
        admit(ledger.credits(entries), jobs_today)
    else:
        with pytest.raises(refusal):
            admit(ledger.credits(entries), jobs_today)
