"""The server's notion of now, and the one timestamp format of the spec (``Timestamp``).

Every time the mock reads goes through one ``Clock`` (``Settings.clock``): quote and session
expiry, the daily-cap window, webhook timestamps, job and asset timestamps, every time the API
shows. A clock runs with the system's time or stands ``frozen`` at an instant (``serve
--clock=frozen:2026-12-01T00:00:00Z``); either can be moved forward (``advance``, the control API's
``POST /_mock/clock/advance``), never backward.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

#: ``serve --clock`` values: the system's time, or ``frozen:`` followed by an RFC 3339 UTC instant.
SYSTEM = "system"
#: How far a clock can be moved (dates a day or a year later must still be dates).
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
FROZEN_PREFIX = "frozen:"


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, as the spec's ``Timestamp``."""
    m = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    if m.year < 1000:  # strftime's %Y does not pad a year below 1000 (the answer keeps its form)
        return m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    # The same text as strftime's, formatted directly (strftime was a visible share of a request).
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{moment.microsecond // 1000:03d}Z"
    )


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant with an explicit offset (``Z`` or ``+HH:MM``), as UTC; ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment.astimezone(UTC)


class Clock:
    """A server's one clock: the system's time or a frozen instant, plus how far it was advanced.

    Callable (``clock()`` is now), so it is what ``Settings.clock`` holds; thread-safe.
    """

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._frozen_at = frozen_at.astimezone(UTC) if frozen_at is not None else None
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text: str) -> Clock:
        """``system`` or ``frozen:INSTANT`` (``serve --clock``); ValueError for anything else."""
        if text == SYSTEM:
            return cls()
        if text.startswith(FROZEN_PREFIX):
            return cls(parse_instant(text.removeprefix(FROZEN_PREFIX)))
        raise ValueError(f"--clock is {SYSTEM} or {FROZEN_PREFIX}YYYY-MM-DDTHH:MM:SSZ, not {text!r}")

    def __call__(self) -> datetime:
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else utc_now()
            return base + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (>= 0, and never past ``LATEST``); the new now."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else utc_now()
            if base + self._offset + timedelta(seconds=seconds) > LATEST:
                raise ValueError(f"the clock does not move past {timestamp(LATEST)}")
            self._offset += timedelta(seconds=seconds)
        return self()

    def set_frozen(self, moment: datetime) -> None:
        """Stand a frozen clock at ``moment`` (a state import restores the instant it was exported at)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at, self._offset = moment.astimezone(UTC), timedelta(0)

    def state(self) -> dict[str, Any]:
        """What the control API shows: now, whether it is frozen, and how far it was advanced."""
        now = self()
        with self._lock:
            offset = self._offset.total_seconds()
        return {"now": timestamp(now), "frozen": self.frozen, "advanced_seconds": offset}
