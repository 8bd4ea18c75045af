"""What a check is, what became of it, and how a check body reports a failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

Body = TypeVar("Body", bound=Callable[[Any], None])


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    BASELINED = "baselined"  # failed, and listed in the baseline (an expected failure)
    STALE = "stale"  # passed, but listed in the baseline: the baseline is out of date
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    """One check: a stable id, the one-line statement it proves and the contract section it comes from."""

    id: str
    category: str
    statement: str
    contract_ref: str


@dataclass
class Outcome:
    check: Check
    status: Status
    detail: str = ""
    repro: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.check.id,
            "category": self.check.category,
            "status": str(self.status),
            "statement": self.check.statement,
            "contract_ref": self.check.contract_ref,
            "detail": self.detail,
            "repro": self.repro,
        }


class CheckFailed(Exception):
    """Raised by a check body: the statement does not hold (``repro``: requests or commands to see it)."""

    def __init__(self, detail: str, repro: str = "") -> None:
        super().__init__(detail)
        self.repro = repro


class CheckSkipped(Exception):
    """Raised by a check body: the check cannot run against this target (the reason is the message)."""


def ensure(condition: bool, detail: str, repro: str = "") -> None:
    """Fail the running check with ``detail`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(detail, repro)


class Category:
    """A category's checks in the order they run; ``@category.check(...)`` registers a body."""

    def __init__(self, name: str, proves: str) -> None:
        self.name = name
        self.proves = proves
        self.entries: list[tuple[Check, Callable[[Any], None]]] = []

    def check(self, suffix: str, statement: str, contract_ref: str) -> Callable[[Body], Body]:
        def register(body: Body) -> Body:
            self.add(Check(f"{self.name}.{suffix}", self.name, statement, contract_ref), body)
            return body

        return register

    def add(self, check: Check, body: Callable[[Any], None]) -> None:
        self.entries.append((check, body))

    @property
    def checks(self) -> list[Check]:
        return [check for check, _ in self.entries]
