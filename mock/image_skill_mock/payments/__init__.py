"""The payment rail, as Stripe test mode runs it. Every state change and its activity event share one
transaction; a balance changes only through verified webhook fulfilment.

- ``packs``: what can be bought (packs, custom quote bounds, the payment method).
- ``quotes``: ``POST /v1/credit-quotes``, idempotent per agent and key.
- ``sessions``: ``POST .../stripe-checkout-sessions``: the Checkout Session, its handoff and URLs.
- ``status``: ``GET /v1/credit-purchases/status``: the durable state behind one reference.
- ``cards``: the checkout page's card checks (Stripe's test cards) and a successful payment.
- ``webhook``: one delivery, verified and handled exactly once; the table of event handlers.
- ``fulfilment``: ``checkout.session.completed`` / ``.expired``.
- ``reversals``: refunds, disputes and reinstatements.
- ``records``: the credit and activity events every change writes.
- ``stripe_wire``: Stripe's signature header and event envelope (pure, standard library only).
- ``stripe_objects``: the test-mode objects ``stripe trigger`` reads.
- ``delivery``: at-least-once delivery of the events the checkout page causes.
- ``page``: the checkout page, the handoff redirect, the webhook route, the test-mode Stripe API.
- ``trigger``: ``image-skill-mock stripe trigger EVENT`` (standard library only).

Which credits a job spends first: preview credits, then payment-backed ones (``ledger``); so a
reversal can take back whatever paid credits are still unspent.
"""
