"""``image-skill-mock stripe trigger EVENT``: the mock's answer to ``stripe trigger``.

Sends one correctly signed Stripe-format event about a payment attempt to a running mock's webhook
endpoint, over HTTP, so tests and people can drive every payment path without a browser:

- ``checkout.session.completed``: the session paid (``--amount``/``--currency`` alter what it says
  was paid, to see a mismatch refused);
- ``checkout.session.expired``: the open session expired;
- ``charge.refunded``: a refund of ``--amount`` cents (default: whatever is not refunded yet), with
  the charge's cumulative ``amount_refunded`` as Stripe sends it;
- ``charge.dispute.created``: a dispute of ``--amount`` cents (default: the whole charge);
- ``charge.dispute.funds_reinstated``: the latest open dispute (or ``--dispute-id``) won.

The event is built from the attempt's Stripe objects, read from the mock's test-mode Stripe API
with the webhook secret (``GET /stripe/v1/payment_attempts/<payatt>``). ``--charge-id`` replaces the
charge id (an unknown charge); ``--repeat N`` delivers the same event N times (at-least-once
delivery). Prints one JSON line: the event's id and type and each delivery's HTTP status and outcome.
Exit 0 when the last delivery was accepted (2xx), else 1. Needs only the standard library.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from image_skill_api.operations import OPERATIONS
from image_skill_mock.payments import stripe_wire as stripe
from image_skill_mock.payments.stripe_wire import OBJECTS_PATH, WEBHOOK_PATH


class TriggerFailed(Exception):
    """The event could not be built (the attempt is unknown, the secret is wrong, the server is down)."""


def _request(url: str, *, data: bytes | None = None, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    try:
        request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")  # noqa: S310
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (an http(s) URL we were given)
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (OSError, ValueError) as exc:  # ValueError: not an http(s) URL at all
        raise TriggerFailed(f"the server could not be reached ({type(exc).__name__})") from None
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    return status, body if isinstance(body, dict) else {}


def server_now(base_url: str) -> int:
    """The mock's own now (``GET /healthz``'s ``time``: its one clock, frozen or advanced, so a signed
    event is within the tolerance it checks); this machine's time when it says none."""
    from image_skill_mock.clock import parse_instant, utc_now

    _, body = _request(base_url + OPERATIONS["getHealth"].path, headers={})
    shown = (body.get("data") or {}).get("time")
    try:
        return int(parse_instant(shown if isinstance(shown, str) else "").timestamp())
    except ValueError:
        return int(utc_now().timestamp())


def objects(base_url: str, secret: str, attempt_id: str) -> dict[str, Any]:
    url = base_url + OBJECTS_PATH + urllib.parse.quote(attempt_id, safe="")
    status, body = _request(url, headers={"authorization": f"Bearer {secret}"})
    if status != 200 or not body.get("ok"):
        error = (body.get("error") or {}).get("message", f"HTTP {status}")
        raise TriggerFailed(f"the payment attempt's Stripe objects could not be read: {error}")
    data: dict[str, Any] = body["data"]
    return data


def build(
    type_: str,
    found: dict[str, Any],
    *,
    amount: int | None = None,
    currency: str | None = None,
    charge_id: str | None = None,
    dispute_id: str | None = None,
    now: int,
) -> dict[str, Any]:
    """The event of ``type_`` for an attempt's objects (``objects``)."""
    if type_ not in stripe.EVENT_TYPES:
        raise TriggerFailed(f"unsupported event {type_!r}; supported: {', '.join(stripe.EVENT_TYPES)}")
    session, charge = dict(found["checkout_session"]), dict(found["charge"])
    if charge_id:
        charge["id"] = charge_id
    if type_ == stripe.CHECKOUT_COMPLETED:
        session.update(status="complete", payment_status="paid")
        if amount is not None:
            session.update(amount_total=amount, amount_subtotal=amount)
        if currency:
            session["currency"] = currency.lower()
        return stripe.event(type_, session, created=now)
    if type_ == stripe.CHECKOUT_EXPIRED:
        session.update(status="expired", payment_status="unpaid")
        return stripe.event(type_, session, created=now)
    if type_ == stripe.CHARGE_REFUNDED:
        refund = amount if amount is not None else charge["amount"] - charge["amount_refunded"]
        obj = stripe.charge(
            charge_id=charge["id"],
            payment_intent=charge["payment_intent"],
            amount_cents=charge["amount"],
            amount_refunded=charge["amount_refunded"] + refund,
            currency=currency or charge["currency"],
            metadata=charge["metadata"],
            created=charge["created"],
            refund_id=stripe.stripe_id("re_"),
            refund_amount=refund,
        )
        return stripe.event(type_, obj, created=now)
    if type_ == stripe.DISPUTE_CREATED:
        obj = stripe.dispute(
            dispute_id=stripe.stripe_id("dp_"),
            charge_id=charge["id"],
            payment_intent=charge["payment_intent"],
            amount_cents=amount if amount is not None else charge["amount"],
            currency=currency or charge["currency"],
            status="needs_response",
            metadata=charge["metadata"],
            created=now,
        )
        return stripe.event(type_, obj, created=now)
    disputes = [d for d in found["disputes"] if dispute_id in (None, d["id"])]
    if not disputes:
        raise TriggerFailed("the payment attempt has no such dispute to reinstate")
    obj = {**disputes[-1], "status": "won"}
    return stripe.event(type_, obj, created=now)


def send(base_url: str, secret: str, event: dict[str, Any], *, now: int) -> tuple[int, dict[str, Any]]:
    body, headers = stripe.delivery(secret, event, now=now)
    return _request(base_url + WEBHOOK_PATH, data=body, headers=headers)


def run(
    type_: str,
    *,
    attempt_id: str,
    base_url: str,
    secret: str,
    amount: int | None = None,
    currency: str | None = None,
    charge_id: str | None = None,
    dispute_id: str | None = None,
    repeat: int = 1,
) -> tuple[int, dict[str, Any]]:
    """Build and deliver the event; (exit code, the report printed)."""
    base_url = base_url.rstrip("/")
    try:
        if not base_url.startswith(("http://", "https://")):
            raise TriggerFailed("--api-base-url must be the running mock's http(s):// base URL")
        found = objects(base_url, secret, attempt_id)
        now = server_now(base_url)
        event = build(
            type_,
            found,
            amount=amount,
            currency=currency,
            charge_id=charge_id,
            dispute_id=dispute_id,
            now=now,
        )
        deliveries = []
        for _ in range(repeat):
            status, answer = send(base_url, secret, event, now=server_now(base_url))
            data = answer.get("data") or {}
            error = answer.get("error") or {}
            deliveries.append({"status": status, "outcome": data.get("outcome") or error.get("code")})
    except TriggerFailed as exc:
        return 1, {"ok": False, "error": str(exc)}
    last = int(deliveries[-1]["status"] or 0)
    ok = 200 <= last < 300
    return (0 if ok else 1), {"ok": ok, "event_id": event["id"], "type": type_, "deliveries": deliveries}
