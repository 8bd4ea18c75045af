"""``POST /v1/credit-quotes``: a pack or an exact number of credits, idempotent per agent and key.

The same key and terms return the same quote; the same key with other terms is
``CREDIT_QUOTE_CONFLICT``, whose recovery carries a fresh key for the attempted terms. A quote can
be bought until ``expires_at`` (``Settings.quote_ttl_seconds``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock import ids, suggested
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.payments.packs import CURRENCY, MAX_CREDITS, MIN_CREDITS, PACKS_BY_ID
from image_skill_mock.payments.records import parse_time
from image_skill_mock.store import rows
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Storage


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def quote_state(row: dict[str, Any], now: datetime) -> str:
    """``created``, ``consumed`` (paid) or ``expired``."""
    if row["state"] == "consumed":
        return "consumed"
    return "expired" if now >= parse_time(row["expires_at"]) else "created"


def quote_shape(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    pack = PACKS_BY_ID.get(row["pack_id"] or "")
    return {
        "quote_id": row["quote_id"],
        "state": quote_state(row, now),
        "credits": row["credits"],
        "price_amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "expires_at": row["expires_at"],
        "accepted_payment_method": row["payment_method"],
        "idempotency_key": row["idempotency_key"],
        "pack_id": row["pack_id"],
        "pack": pack.shape() if pack else None,
        "live_money": False,  # a test-mode rail: no real money ever moves
    }


def _credits(pack_id: str | None, requested: int | None) -> int:
    """How many credits the terms buy: the pack's, or the requested number within the bounds."""
    if pack_id is not None:
        pack = PACKS_BY_ID.get(pack_id)
        if pack is None:
            raise ApiError(
                ErrorCode.NOT_FOUND,
                f"There is no credit pack {pack_id!r}.",
                recovery={"suggested_command": suggested.CREDITS_PACKS},
            )
        return pack.credits
    assert requested is not None  # the spec requires exactly one of credits and pack_id
    if not MIN_CREDITS <= requested <= MAX_CREDITS:
        raise ApiError(
            ErrorCode.INVALID_ARGUMENTS, f"A custom quote is {MIN_CREDITS} to {MAX_CREDITS} credits."
        )
    return requested


def quote(
    storage: Storage, agent: Agent, body: dict[str, Any], *, now: datetime, ttl_seconds: int
) -> dict[str, Any]:
    """The quote for these terms under this key (new or replayed)."""
    pack_id: str | None = body.get("pack_id")
    requested: int | None = body.get("credits")
    method: str = body["payment_method"]
    key: str = body["idempotency_key"]
    credits = _credits(pack_id, requested)
    fingerprint = _fingerprint(credits, pack_id, method)
    row = {
        "quote_id": ids.new_id("QuoteId"),
        "agent_id": agent.agent_id,
        "idempotency_key": key,
        "fingerprint": fingerprint,
        "credits": credits,
        "amount_cents": credits,
        "currency": CURRENCY,
        "pack_id": pack_id,
        "payment_method": method,
        "state": "created",
        "created_at": timestamp(now),
        "expires_at": timestamp(now + timedelta(seconds=ttl_seconds)),
    }
    with storage.transaction() as conn:
        if not rows.insert_row(conn, "credit_quotes", row):
            existing = rows.select_row(
                conn, "credit_quotes", {"agent_id": agent.agent_id, "idempotency_key": key}
            )
            assert existing is not None
            if existing["fingerprint"] != fingerprint:
                raise ApiError(
                    ErrorCode.CREDIT_QUOTE_CONFLICT,
                    "This idempotency key was already used for other quote terms; nothing was quoted."
                    " Use the fresh key in the suggested command for these terms.",
                    recovery={
                        "suggested_command": suggested.quote_command(
                            requested, pack_id, suggested.fresh_key("quote")
                        )
                    },
                )
            row = existing
    return quote_shape(row, now)
