"""How one server runs: its defaults are written here once (``main``'s usage text formats them in).

Importable without the ``[mock]`` extra: ``image-skill-mock --help`` reads the defaults from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from image_skill_mock.clock import Clock

#: Preview credits a new agent is granted (``serve --free-credits``).
FREE_CREDITS = 50
#: Jobs an agent may run per UTC day (``serve --daily-jobs``).
DAILY_JOBS = 4
#: Where ``serve`` binds by default.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
#: Where asset URLs point when the server is not told its public address (``serve``'s default bind).
DEFAULT_PUBLIC_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
#: Seconds a credit quote stays buyable (``serve --quote-ttl``).
QUOTE_TTL_SECONDS = 1800
#: The prefix of a Stripe webhook signing secret.
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_webhook_secret() -> str:
    """A fresh ``whsec_`` signing secret (``serve`` prints it in its ready line when not given one)."""
    import secrets

    return WEBHOOK_SECRET_PREFIX + secrets.token_hex(24)


@dataclass(frozen=True)
class Settings:
    db_path: Path
    strict: bool = False
    free_credits: int = FREE_CREDITS
    daily_jobs: int = DAILY_JOBS
    #: The one clock every time read goes through (``clock.Clock``; a test may hand in any callable).
    clock: Callable[[], datetime] = field(default_factory=Clock)
    #: The scheme://host[:port] asset URLs are built on (``serve --public-base-url``); never the Host header.
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    #: Honour the ``x-image-skill-mock-fault`` request header (``serve --faults``; see ``faults``).
    faults: bool = False
    #: The ``whsec_`` secret Stripe-format webhook deliveries are signed with (``serve --webhook-secret``).
    webhook_secret: str = field(default_factory=new_webhook_secret)
    #: Where paying on the checkout page delivers its webhook over HTTP (``serve`` sets its own bound
    #: address); None: handed to the webhook handler in-process, still signed and verified.
    webhook_delivery_base_url: str | None = None
    #: How long a credit quote can be bought (``serve --quote-ttl``).
    quote_ttl_seconds: int = QUOTE_TTL_SECONDS
    #: Serve the control API under ``/_mock/`` (``serve --control``); without it those paths are 404.
    control: bool = False
    #: The token a control request must carry (``serve --control-token``); without one only loopback
    #: clients may use the control API.
    control_token: str | None = None
    #: The fault rules' hook (``control.fault_rules``, set by the app with ``--control``): the fault an
    #: operation's request draws from the rule table (``faults`` fires it as if the header asked), or None.
    fault_rule: Callable[[str], str | None] | None = None
    #: How long a real create or edit job takes (``serve --job-latency-ms``): 0 answers it completed
    #: (synchronous); more answers it ``queued`` and runs it in the background (``creative.deferred``).
    job_latency_ms: int = 0
    #: The catalog data file served instead of the packaged one (``serve --catalog``).
    catalog_path: Path | None = None
    #: Deliberate defects for the conformance kit's tests (``serve --defect NAME``; see ``defects``).
    defects: frozenset[str] = frozenset()
