"""image-skill credits: payment rails, credit packs, quotes, Stripe Checkout purchases and their status.

``methods`` and ``packs list`` need no token; ``quote``, ``buy`` and ``status`` do. Every value is
checked against the spec before anything is sent. Payment credentials never pass through here
(``image_skill.usages.credits.reject_argv`` refuses their flags before parsing).

- ``quote``: ``--credits`` and/or ``--pack`` (they must agree when both are given),
  ``--payment-method`` (default: the spec's first rail), ``--idempotency-key`` (generated as
  ``quote-<epoch ms>-<8 hex>`` when omitted: ``data.idempotency_key_generated`` is then true and a
  warning says so, so a retry can reuse ``data.idempotency_key``).
- ``buy``: ``--provider stripe``, ``--quote-id`` and ``--idempotency-key`` are required; a missing one
  is INVALID_ARGUMENTS whose recovery is the command with it filled in (a fresh key for the key).
- ``status``: exactly one of ``--quote-id``, ``--payment-attempt-id``, ``--checkout-session-id``,
  ``--receipt-id``.

``quote`` and ``buy`` are keyed requests sent through ``keyed.send``: a retryable failure or Ctrl-C
recovers with the same command and key, a non-retryable one by inspection.

``buy`` and ``status`` always carry ``checkout_handoff_url`` and ``checkout_compact_url`` when the
server gives either (each stands in for the other); ``checkout_url`` is passed through whole, its
``#`` fragment intact.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from image_skill import keyed
from image_skill.compat import credit_limits
from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill.spending import new_idempotency_key
from image_skill.suggestions import DEFAULT_PACK_ID, DEFAULT_PAYMENT_METHOD
from image_skill.validate import invalid, positive_int, require
from image_skill_api import operations as ops
from image_skill_api.constants import CREDIT_QUOTE_REQUEST_CREDITS_MAXIMUM as MAX_CREDITS
from image_skill_api.constants import CREDIT_QUOTE_REQUEST_CREDITS_MINIMUM as MIN_CREDITS
from image_skill_api.registry import PAYMENT_METHOD_ID_VALUES, ErrorCode

if TYPE_CHECKING:
    from image_skill_api.models import CheckoutSessionRequest, CreditQuoteRequest, PaymentMethodId

OPERATIONS = {
    "methods": "listPaymentMethods",
    "packs": "listCreditPacks",
    "quote": "createCreditQuote",
    "buy": "createStripeCheckoutSession",
    "status": "getCreditPurchaseStatus",
}
PROVIDERS = ("stripe",)
#: status: flag -> (query parameter, the id schema it must match).
REFERENCES = {
    "--quote-id": ("quote_id", "QuoteId"),
    "--payment-attempt-id": ("payment_attempt_id", "PaymentAttemptId"),
    "--checkout-session-id": ("checkout_session_id", "CheckoutSessionId"),
    "--receipt-id": ("receipt_id", "ReceiptId"),
}


@dataclass(frozen=True)
class Listing:
    sub: str  # methods | packs


@dataclass(frozen=True)
class Quote:
    credits: int | None
    pack_id: str | None
    payment_method: PaymentMethodId
    idempotency_key: str
    key_generated: bool


@dataclass(frozen=True)
class Buy:
    quote_id: str
    idempotency_key: str


@dataclass(frozen=True)
class Status:
    query: dict[str, str]


def _sub(opts: Mapping[str, Any]) -> str:
    return next(word for word in OPERATIONS if opts.get(word))


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS[OPERATIONS[_sub(opts)]].command


def parse(opts: Mapping[str, Any]) -> Listing | Quote | Buy | Status:
    sub = _sub(opts)
    if sub in ("methods", "packs"):
        return Listing(sub)
    if sub == "quote":
        return _quote(opts)
    if sub == "buy":
        return _buy(opts)
    return _status(opts)


def _missing(flag: str, message: str, suggested: list[str] | None = None) -> CliError:
    recovery: dict[str, Any] = {"required_flag": flag}
    if suggested:
        recovery["suggested_command"] = shlex.join(["image-skill", *suggested, "--json"])
    return CliError(ErrorCode.INVALID_ARGUMENTS, message, recovery=recovery)


def _quote(opts: Mapping[str, Any]) -> Quote:
    credits = None
    if opts["--credits"] is not None:
        credits = positive_int(opts["--credits"], "--credits", "credits")
        if not MIN_CREDITS <= credits <= MAX_CREDITS:
            raise invalid("credits", f"--credits must be between {MIN_CREDITS} and {MAX_CREDITS}.")
    pack_id = opts["--pack"]
    if pack_id is not None and not _is_pack_id(pack_id):
        raise invalid("credits", "--pack is not a pack id (see `image-skill credits packs list`).")
    method = _method(opts["--payment-method"] or DEFAULT_PAYMENT_METHOD)
    if credits is None and pack_id is None:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            "credits quote needs --pack (a named pack) or --credits (an exact amount).",
            recovery={
                "required_flags": ["--pack", "--credits"],
                "suggested_command": "image-skill credits packs list --json",
            },
        )
    key = opts["--idempotency-key"]
    generated = key is None
    key = new_idempotency_key("quote") if key is None else require("IdempotencyKey", key, "credits")
    return Quote(credits, pack_id, method, key, generated)


def _is_pack_id(value: str) -> bool:
    import re

    return re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value) is not None


def _method(value: str) -> PaymentMethodId:
    for member in PAYMENT_METHOD_ID_VALUES:
        if member == value:
            return member
    raise invalid("credits", f"--payment-method must be one of: {', '.join(PAYMENT_METHOD_ID_VALUES)}.")


def _buy(opts: Mapping[str, Any]) -> Buy:
    quote_id = require("QuoteId", opts["--quote-id"], "credits")
    provider = opts["--provider"]
    key = require("IdempotencyKey", opts["--idempotency-key"], "credits")
    if quote_id is None:
        raise _missing(
            "--quote-id",
            "credits buy needs --quote-id: the quote_id of `image-skill credits quote`.",
            ["credits", "quote", "--pack", DEFAULT_PACK_ID, "--payment-method", DEFAULT_PAYMENT_METHOD],
        )
    filled = ["credits", "buy", "--provider", "stripe", "--quote-id", quote_id]
    if provider is None or provider not in PROVIDERS:
        why = "needs --provider stripe" if provider is None else "supports only --provider stripe"
        raise _missing(
            "--provider",
            f"credits buy {why}.",
            [*filled, "--idempotency-key", key or new_idempotency_key("buy")],
        )
    if key is None:
        raise _missing(
            "--idempotency-key",
            "credits buy needs --idempotency-key (a non-secret key you choose, so a retry cannot create a"
            " second checkout); the suggested command carries a fresh one.",
            [*filled, "--idempotency-key", new_idempotency_key("buy")],
        )
    return Buy(quote_id, key)


def _status(opts: Mapping[str, Any]) -> Status:
    given = {flag: opts[flag] for flag in REFERENCES if opts.get(flag) is not None}
    if not given:  # no reference: the balance (`state: balance`, the quota data)
        return Status({})
    if len(given) != 1:  # the server's code for the same refusal
        raise CliError(
            ErrorCode.CREDIT_PURCHASE_REFERENCE_REQUIRED,
            "credits status takes at most one of --quote-id, --payment-attempt-id, --checkout-session-id"
            " or --receipt-id.",
            recovery={
                "required_flags": list(REFERENCES),
                "suggested_command": "image-skill credits status --help",
            },
        )
    ((flag, value),) = given.items()
    name, schema = REFERENCES[flag]
    return Status({name: require(schema, value, "credits")})


def run(ctx: Context, opts: Listing | Quote | Buy | Status) -> dict[str, Any]:
    if isinstance(opts, Listing):
        call = ops.list_payment_methods if opts.sub == "methods" else ops.list_credit_packs
        return relabel(call(ctx.client), ctx.command)
    if isinstance(opts, Quote):
        return _run_quote(ctx, opts)
    if isinstance(opts, Buy):
        body: CheckoutSessionRequest = {"quote_id": opts.quote_id, "idempotency_key": opts.idempotency_key}
        replay = ["image-skill", "credits", "buy", "--provider", "stripe", "--quote-id", opts.quote_id]
        request = keyed.Keyed(opts.idempotency_key, replay)
        sent = keyed.send(ctx, request, lambda: ops.create_stripe_checkout_session(ctx.client, body))
        envelope = relabel(sent, ctx.command)
        data = envelope.get("data")
        if isinstance(data, dict):
            _copy_safe_urls(data)
            if isinstance(data.get("next"), dict):
                _copy_safe_urls(data["next"])
        return envelope
    envelope = relabel(ops.get_credit_purchase_status(ctx.client, **opts.query), ctx.command)
    data = envelope.get("data")
    if isinstance(data, dict):
        if "limits" in data:
            data["limits"] = credit_limits(data["limits"])
        for part in ("payment_attempt", "next"):
            if isinstance(data.get(part), dict):
                _copy_safe_urls(data[part])
    return envelope


def _run_quote(ctx: Context, opts: Quote) -> dict[str, Any]:
    body: CreditQuoteRequest
    if opts.pack_id is not None:
        if opts.credits is not None:
            _check_pack_credits(ctx, opts.pack_id, opts.credits)
        body = {
            "pack_id": opts.pack_id,
            "payment_method": opts.payment_method,
            "idempotency_key": opts.idempotency_key,
        }
    else:
        assert opts.credits is not None  # parse requires one of them
        body = {
            "credits": opts.credits,
            "payment_method": opts.payment_method,
            "idempotency_key": opts.idempotency_key,
        }
    terms = ["--pack", opts.pack_id] if opts.pack_id is not None else ["--credits", str(opts.credits)]
    replay = ["image-skill", "credits", "quote", *terms, "--payment-method", opts.payment_method]
    request = keyed.Keyed(opts.idempotency_key, replay)
    sent = keyed.send(ctx, request, lambda: ops.create_credit_quote(ctx.client, body))
    envelope = relabel(sent, ctx.command)
    data = envelope.get("data")
    if isinstance(data, dict):  # the fact in data (the warning only says it to a reader)
        envelope["data"] = {**data, "idempotency_key_generated": opts.key_generated}
    if opts.key_generated:
        envelope["warnings"] = [
            *envelope.get("warnings", []),
            f"No --idempotency-key was given; this quote used {opts.idempotency_key}. Pass"
            f" --idempotency-key {opts.idempotency_key} to retry it without making a second quote.",
        ]
    return envelope


def _check_pack_credits(ctx: Context, pack_id: str, credits: int) -> None:
    """``--pack`` with ``--credits``: they must agree (the wire takes the pack alone)."""
    packs = ops.list_credit_packs(ctx.client)["data"]["packs"]
    pack = next((p for p in packs if p.get("pack_id") == pack_id), None)
    if pack is not None and pack.get("credits") != credits:
        argv = [
            "image-skill",
            "credits",
            "quote",
            "--pack",
            pack_id,
            "--payment-method",
            DEFAULT_PAYMENT_METHOD,
        ]
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            f"Pack {pack_id} is {pack.get('credits')} credits, not {credits}: give one of them.",
            recovery={"suggested_command": shlex.join([*argv, "--json"])},
        )


def _copy_safe_urls(part: dict[str, Any]) -> None:
    """``checkout_handoff_url`` and ``checkout_compact_url`` both present when either is (the handoff
    redirects to Stripe; the compact URL equals it when the API has one)."""
    handoff, compact = part.get("checkout_handoff_url"), part.get("checkout_compact_url")
    if handoff or compact:
        part["checkout_handoff_url"] = handoff or compact
        part["checkout_compact_url"] = compact or handoff
