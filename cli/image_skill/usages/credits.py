"""image-skill credits: its usage, and payment-credential flags refused before anything runs."""

from __future__ import annotations

from image_skill.envelope import Refusal
from image_skill_api.constants import ErrorCodes

USAGE = """
Usage:
  image-skill credits methods [options]
  image-skill credits packs [list] [options]
  image-skill credits quote [--credits=N] [--pack=PACK_ID] [--payment-method=M] [--idempotency-key=KEY]
      [options]
  image-skill credits buy [--provider=P] [--quote-id=QUOTE_ID] [--idempotency-key=KEY] [options]
  image-skill credits status [--quote-id=QUOTE_ID] [--payment-attempt-id=ID] [--checkout-session-id=ID]
      [--receipt-id=ID] [options]

Options:
  --credits=N               quote: an exact number of credits (1 credit = USD 0.01).
  --pack=PACK_ID            quote: a named pack (`credits packs list`); with --credits they must agree.
  --payment-method=M        quote: the rail [default: stripe_checkout].
  --idempotency-key=KEY     quote: makes a retry return the same quote (generated when omitted: see
                            data.idempotency_key). buy: required; the same key returns the same session.
  --provider=P              buy: the payment provider (stripe).
  --quote-id=QUOTE_ID       buy: the quote to pay. status: a quote reference.
  --payment-attempt-id=ID   status: a payment attempt (payatt_...) reference.
  --checkout-session-id=ID  status: a Stripe Checkout Session (cs_...) reference.
  --receipt-id=ID           status: a receipt (rcpt_...) reference.

`credits methods` and `credits packs list` need no token. `status` takes at most one reference;
without one it answers the balance (`state: balance`, the same data as `usage quota`).
`buy` answers action_required: open `checkout_handoff_url` (or `checkout_compact_url`) in a browser;
if only the raw `checkout_url` is usable, keep its `#...` fragment intact. Credits are granted only
after Stripe's verified webhook: poll `credits status` or `usage quota`.

Payment credentials (cards, wallet keys, seed phrases, Stripe secrets, authorization headers,
payment tokens, promotion codes) never pass through the CLI: any such flag is refused before anything
runs. Stripe Checkout collects them in the browser.
"""

#: Flag stems that look like payment credentials; a flag starting with any of them is refused.
CREDENTIAL_FLAG_STEMS = (
    "--card", "--cvc", "--cvv", "--expiry", "--exp-", "--wallet", "--private-key", "--seed-phrase",
    "--mnemonic", "--stripe-secret", "--secret-key", "--sk-", "--authorization", "--payment-token",
    "--spt", "--mpp", "--x402", "--promo",
)  # fmt: skip


def reject_argv(argv: list[str]) -> Refusal | None:
    """Payment-credential flags are refused before parsing, whatever else the command line says."""
    for arg in argv:
        flag = arg.split("=", 1)[0].lower()
        if flag.startswith(CREDENTIAL_FLAG_STEMS):
            return Refusal(
                ErrorCodes.PAYMENT_CREDENTIAL_FLAG_REJECTED,
                f"{flag} is refused: payment credentials never pass through the CLI; pay in Stripe Checkout.",
            )
    return None
