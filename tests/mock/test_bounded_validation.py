"""Validation past a schema's bound costs nothing more (issue #14 item 1): a body whose array is over
its ``maxItems`` (or a string over its ``maxLength``) is refused by the bound's own error, and its
elements are never looked at, so a hostile body's 16,000 items cannot hold a worker for a second."""

from __future__ import annotations

import json
from typing import Any

import pytest

from image_skill_mock.http import ecma, validation

FEEDBACK = "createFeedback"


class _CountingPattern:
    def __init__(self, inner: Any, seen: list[str]) -> None:
        self.inner, self.seen = inner, seen

    def search(self, text: str) -> Any:
        self.seen.append(text)
        return self.inner.search(text)


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every string a ``pattern`` keyword was matched against during the test."""
    seen: list[str] = []
    real = ecma.compile_pattern
    monkeypatch.setattr(ecma, "compile_pattern", lambda pattern: _CountingPattern(real(pattern), seen))
    return seen


def _feedback(**changes: Any) -> bytearray:
    body = {
        "type": "user_feedback",
        "title": "t",
        "body": "b",
        "severity": "low",
        "confidence": "low",
        "next_state": "watch",
        "surface": ["cli"],
        **changes,
    }
    return bytearray(json.dumps(body).encode())


def test_the_operation_is_the_feedback_one() -> None:
    assert validation.schemas_for(FEEDBACK).body is not None


def test_an_array_over_max_items_is_refused_without_looking_at_its_items(searches: list[str]) -> None:
    with pytest.raises(validation.RequestInvalid, match=r"body\.surface is invalid \(maxItems 10\)"):
        validation.validate_body(FEEDBACK, _feedback(surface=["cli"] * 16_000), "application/json")
    assert searches == []


def test_items_within_the_bound_are_each_checked(searches: list[str]) -> None:
    with pytest.raises(validation.RequestInvalid, match=r"body\.surface\.2 is invalid \(pattern"):
        validation.validate_body(FEEDBACK, _feedback(surface=["cli", "docs", "NOT OK"]), "application/json")
    assert searches == ["cli", "docs", "NOT OK"]


def test_a_string_over_max_length_is_not_matched_against_its_pattern(searches: list[str]) -> None:
    schema = {"type": "string", "maxLength": 8, "pattern": "^a+$"}
    error = validation.check_instance(schema, "a" * 100_000)
    assert error is not None
    assert error.validator == "maxLength"
    assert searches == []
    error = validation.check_instance(schema, "aab")
    assert error is not None
    assert error.validator == "pattern"
    assert searches == ["aab"]


def test_a_valid_body_passes() -> None:
    body = validation.validate_body(FEEDBACK, _feedback(surface=["cli", "docs"]), "application/json")
    assert body is not None
    assert body["surface"] == ["cli", "docs"]
