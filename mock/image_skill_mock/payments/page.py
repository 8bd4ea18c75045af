"""The mock's Stripe side (not JSON API operations): the test-mode checkout page, the handoff
redirect, the webhook endpoint, and the test-mode object lookup ``stripe trigger`` uses.

- ``GET /pay/<payatt>``: the copy-safe ``checkout_handoff_url``; a 303 to the whole ``checkout_url``,
  ``#`` fragment included.
- ``GET /checkout/c/pay/<cs>``: the checkout page, clearly TEST MODE, showing amount, credits and
  currency. Its script reads the URL's ``#`` fragment and asks the server to check it
  (``POST .../verify``); a trimmed or altered fragment never shows the card form. Paying posts the
  card, expiry, CVC and optional promotion code with the fragment (``POST .../confirm``), which the
  server checks again; Stripe's test cards decide the outcome (``cards.TEST_CARDS``). A declined
  card leaves the session open. A success delivers ``checkout.session.completed`` to the webhook
  (``delivery``), and the page polls ``POST .../state`` until the credits are granted.
- ``POST /webhooks/stripe``: a Stripe-format delivery, verified and handled by ``webhook.receive``.
- ``GET /stripe/v1/payment_attempts/<payatt>``: the session, charge and disputes of one attempt, for a
  caller holding the webhook secret as its bearer (the mock's one test-mode key).
"""

from __future__ import annotations

import hmac
import html
import json
import secrets
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from image_skill_api.registry import MOCK_CHECKOUT_PATH, ErrorCode
from image_skill_mock.errors import ApiError
from image_skill_mock.http.envelope import ROOT_COMMAND, failure, success
from image_skill_mock.http.limits import read_body
from image_skill_mock.payments import cards, stripe_wire, webhook
from image_skill_mock.payments.delivery import deliver
from image_skill_mock.payments.sessions import (
    CHECKOUT_PAGE_PATH,
    Session,
    check_secret,
    handoff_target,
    session_by_id,
)
from image_skill_mock.payments.stripe_objects import stripe_objects
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

#: The largest body the checkout page's calls or a webhook delivery may send.
MAX_BODY: Final = 64 * 1024

TraceId = Callable[[Request], str]


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await read_body(request, MAX_BODY)
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "The body must be a JSON object.")
    return body


def _field(body: dict[str, Any], name: str, *, max_length: int = 64) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > max_length:
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, f"{name} must be a short string.")
    return value


def _state(session: Session) -> dict[str, Any]:
    return {
        "checkout_session_id": session.checkout_session_id,
        "status": session.status,
        "credits": session.credits,
        "amount_cents": session.amount_cents,
        "currency": session.currency,
    }


class Checkout:
    """The routes' handlers, over one server's settings and storage."""

    def __init__(self, settings: Settings, storage: Storage, trace_id: TraceId) -> None:
        self.settings = settings
        self.storage = storage
        self.trace_id = trace_id
        self.base_url = settings.public_base_url.rstrip("/")

    def routes(self) -> list[Route]:
        page_path = CHECKOUT_PAGE_PATH + "{session_id}"
        return [
            Route(MOCK_CHECKOUT_PATH + "{attempt_id}", self.handoff, methods=["GET"]),
            Route(page_path, self.page, methods=["GET"]),
            Route(page_path + "/verify", self.state, methods=["POST"]),
            Route(page_path + "/state", self.state, methods=["POST"]),
            Route(page_path + "/confirm", self.confirm, methods=["POST"]),
            Route(stripe_wire.WEBHOOK_PATH, self.webhook, methods=["POST"]),
            Route(stripe_wire.OBJECTS_PATH + "{attempt_id}", self.objects, methods=["GET"]),
        ]

    # ------------------------------------------------------------------ answers
    def _error(self, error: ApiError, request: Request) -> Response:
        return failure(ROOT_COMMAND, error, trace_id=self.trace_id(request))

    async def _answer(self, request: Request, work: Callable[[], Awaitable[Any]]) -> Response:
        """``work``'s data as a success envelope; a refusal or failure as an error envelope (a client
        that went away mid-body gets a bare 400: nobody reads it; a failure is a 5xx Stripe redelivers)."""
        try:
            data = await work()
        except ClientDisconnect:
            return Response(status_code=400)
        except ApiError as exc:
            return self._error(exc, request)
        except Exception:
            print(
                f"image-skill-mock: {request.url.path} failed:\n{traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )
            return self._error(
                ApiError(ErrorCode.INTERNAL_ERROR, "The server failed to handle the request."), request
            )
        return success(ROOT_COMMAND, data, trace_id=self.trace_id(request), actor=None)

    # ----------------------------------------------------------------- handlers
    def handoff(self, request: Request) -> Response:
        target = handoff_target(self.storage, str(request.path_params["attempt_id"]), self.base_url)
        if target is None:
            return self._error(ApiError(ErrorCode.NOT_FOUND, "No such checkout."), request)
        return RedirectResponse(target, status_code=303, headers={"cache-control": "no-store"})

    def page(self, request: Request) -> Response:
        session = session_by_id(
            self.storage, str(request.path_params["session_id"]), now=self.settings.clock()
        )
        if session is None:
            return HTMLResponse(_NOT_FOUND_PAGE, status_code=404, headers=_page_headers(""))
        nonce = secrets.token_urlsafe(16)
        return HTMLResponse(_page(session, nonce), headers=_page_headers(nonce))

    def _session(self, request: Request, body: dict[str, Any]) -> Session:
        session = session_by_id(
            self.storage, str(request.path_params["session_id"]), now=self.settings.clock()
        )
        if session is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such checkout session.")
        check_secret(session, _field(body, "secret", max_length=256))
        return session

    async def _session_call(
        self, request: Request, act: Callable[[Session, dict[str, Any]], Any]
    ) -> Response:
        async def work() -> Any:
            body = await _json_body(request)
            return await run_in_threadpool(lambda: act(self._session(request, body), body))

        return await self._answer(request, work)

    async def state(self, request: Request) -> Response:
        """The session's state, once the fragment's secret is proven (the page's verify and poll)."""
        return await self._session_call(request, lambda session, _body: _state(session))

    def _confirm(self, session: Session, body: dict[str, Any]) -> dict[str, Any]:
        if session.status != "requires_action":
            raise ApiError(
                ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
                "This checkout session is no longer open (already paid or expired); nothing was charged.",
            )
        cards.check_card(
            _field(body, "card_number"),
            _field(body, "expiry"),
            _field(body, "cvc"),
            _field(body, "promotion_code"),
            now=self.settings.clock(),
        )
        event = cards.pay(self.storage, session, now=self.settings.clock())
        deliver(self.settings, self.storage, event)
        return {**_state(session), "status": "processing"}

    async def confirm(self, request: Request) -> Response:
        return await self._session_call(request, self._confirm)

    async def webhook(self, request: Request) -> Response:
        async def work() -> Any:
            raw = bytes(await read_body(request, MAX_BODY))  # a small body: the signature is over bytes
            signature = request.headers.get(stripe_wire.SIGNATURE_HEADER)
            secret, now = self.settings.webhook_secret, self.settings.clock()
            return await run_in_threadpool(webhook.receive, self.storage, secret, raw, signature, now=now)

        return await self._answer(request, work)

    def objects(self, request: Request) -> Response:
        supplied = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(supplied, self.settings.webhook_secret.encode()):
            error = ApiError(
                ErrorCode.AUTH_REQUIRED,
                "The test-mode Stripe API needs the webhook secret.",
                recovery={"auth_state": "invalid"},
            )
            return self._error(error, request)
        found = stripe_objects(self.storage, str(request.path_params["attempt_id"]))
        if found is None:
            return self._error(ApiError(ErrorCode.NOT_FOUND, "No such payment attempt."), request)
        return success(ROOT_COMMAND, found, trace_id=self.trace_id(request), actor=None)


def routes(settings: Settings, storage: Storage, trace_id: TraceId) -> list[Route]:
    """The checkout page, the handoff redirect, the webhook and the test-mode Stripe API."""
    return Checkout(settings, storage, trace_id).routes()


# ---------------------------------------------------------------------------- page
def _page_headers(nonce: str) -> dict[str, str]:
    sources = f"'nonce-{nonce}'" if nonce else "'none'"
    return {
        "content-security-policy": (
            f"default-src 'none'; script-src {sources}; style-src {sources}; connect-src 'self';"
            " form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
    }


_NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Checkout not found</title></head><body><h1>This checkout session does not exist.</h1></body></html>"""

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1f36; }
.banner { background: #ffde92; color: #6b4a00; font-weight: 700; padding: .5rem .75rem; border-radius: 4px; }
.amount { font-size: 2rem; font-weight: 700; margin: 1rem 0 .25rem; }
label { display: block; margin-top: .75rem; font-size: .9rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
button { margin-top: 1rem; width: 100%; padding: .75rem; font-size: 1rem; background: #635bff; color: #fff;
  border: 0; border-radius: 4px; }
.error { color: #df1b41; margin-top: .75rem; }
.hint { color: #697386; font-size: .85rem; }
"""

_SCRIPT = """
(() => {
  const sessionPath = document.body.dataset.sessionPath;
  const secret = decodeURIComponent(window.location.hash.slice(1));
  const $ = (id) => document.getElementById(id);
  const show = (id) => { $(id).hidden = false; };
  const post = async (suffix, body) => {
    const response = await fetch(sessionPath + suffix, {
      method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({secret, ...body}),
    });
    return response.json();
  };
  const message = (text) => { $("message").textContent = text; show("message"); };
  const done = (status) => {
    $("payment-form").hidden = true;
    $("status").textContent = status === "succeeded"
      ? "Payment succeeded. Your credits have been granted; you can close this page."
      : "Payment received; granting your credits...";
    $("status").dataset.state = status;
    show("status");
  };
  const poll = async () => {
    const answer = await post("/state", {});
    if (answer.ok && answer.data.status === "succeeded") { done("succeeded"); return; }
    setTimeout(poll, 500);
  };
  const start = async () => {
    if (!secret) {
      $("link-error").textContent = "This checkout link is incomplete: the part after # is missing. "
        + "Open the checkout_handoff_url from `image-skill credits buy` instead of a copied Stripe URL.";
      show("link-error");
      return;
    }
    const answer = await post("/verify", {});
    if (!answer.ok) {
      $("link-error").textContent = answer.error.message;
      show("link-error");
      return;
    }
    if (answer.data.status === "requires_action") { show("payment-form"); return; }
    if (answer.data.status === "processing" || answer.data.status === "succeeded") {
      done(answer.data.status);
      if (answer.data.status === "processing") poll();
      return;
    }
    $("link-error").textContent = "This checkout session has expired; nothing was charged.";
    show("link-error");
  };
  $("payment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("message").hidden = true;
    $("pay").disabled = true;
    const answer = await post("/confirm", {
      card_number: $("card-number").value, expiry: $("expiry").value, cvc: $("cvc").value,
      promotion_code: $("promotion-code").value,
    });
    $("pay").disabled = false;
    if (!answer.ok) { message(answer.error.message); return; }
    done("processing");
    poll();
  });
  window.addEventListener("hashchange", () => window.location.reload());  // a new fragment: check again
  start();
})();
"""


def _page(session: Session, nonce: str) -> str:
    dollars = f"${session.amount_cents // 100}.{session.amount_cents % 100:02d}"
    path = html.escape(CHECKOUT_PAGE_PATH + session.checkout_session_id, quote=True)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TEST MODE - Image Skill credits checkout</title>
<style nonce="{nonce}">{_STYLE}</style></head>
<body data-session-path="{path}">
<div class="banner" id="test-mode">TEST MODE - no real money moves. Use a Stripe test card.</div>
<h1>Image Skill credits</h1>
<div class="amount" id="amount">{html.escape(dollars)} {html.escape(session.currency)}</div>
<div id="credits">{session.credits} credits (1 credit = $0.01)</div>
<p class="hint">Session {html.escape(session.checkout_session_id)}</p>
<p class="error" id="link-error" hidden></p>
<form id="payment-form" hidden autocomplete="off">
  <label for="card-number">Card number</label>
  <input id="card-number" name="card_number" inputmode="numeric" placeholder="4242 4242 4242 4242" required>
  <label for="expiry">Expiry (MM / YY)</label>
  <input id="expiry" name="expiry" placeholder="12 / 34" required>
  <label for="cvc">CVC</label>
  <input id="cvc" name="cvc" inputmode="numeric" placeholder="123" required>
  <label for="promotion-code">Promotion code (optional)</label>
  <input id="promotion-code" name="promotion_code">
  <button id="pay" type="submit">Pay {html.escape(dollars)}</button>
  <p class="error" id="message" hidden></p>
  <p class="hint">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
  4000 0000 0000 9995 has insufficient funds.</p>
</form>
<p id="status" hidden></p>
<script nonce="{nonce}">{_SCRIPT}</script>
</body></html>
"""
