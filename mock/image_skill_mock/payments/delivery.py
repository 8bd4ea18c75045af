"""At-least-once delivery of the events the checkout page causes (a paid session's completion).

A delivery that fails or is answered 5xx is retried with backoff in a background thread
(``Settings.webhook_delivery_base_url``, the server's own address); without one (an in-process
test app) the signed delivery is handed to ``webhook.receive`` directly.
"""

from __future__ import annotations

import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Final

from image_skill_mock.payments import stripe_wire, webhook
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

#: Seconds between delivery attempts of one event (at least once: until a 2xx or these run out).
DELIVERY_BACKOFF: Final = (0.0, 0.2, 0.5, 1.0, 2.0, 4.0)


def _log(message: str) -> None:
    print(f"image-skill-mock: {message}", file=sys.stderr, flush=True)


def deliver(settings: Settings, storage: Storage, event: dict[str, Any]) -> None:
    """Send ``event`` to the webhook endpoint, signed (over HTTP in a thread when the server knows
    its own address, else in-process)."""
    if settings.webhook_delivery_base_url is None:
        now = settings.clock()
        body, headers = stripe_wire.delivery(settings.webhook_secret, event, now=int(now.timestamp()))
        webhook.receive(
            storage, settings.webhook_secret, body, headers[stripe_wire.SIGNATURE_HEADER], now=now
        )
        return
    url = settings.webhook_delivery_base_url.rstrip("/") + stripe_wire.WEBHOOK_PATH
    thread = threading.Thread(target=_deliver_http, args=(settings, url, event), daemon=True)
    thread.start()


def _deliver_http(settings: Settings, url: str, event: dict[str, Any]) -> None:
    for delay in DELIVERY_BACKOFF:
        time.sleep(delay)
        body, headers = stripe_wire.delivery(
            settings.webhook_secret, event, now=int(settings.clock().timestamp())
        )
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own http URL)
                if 200 <= response.status < 300:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                _log(f"webhook delivery of {event['id']} refused with HTTP {exc.code}; not retried")
                return
        except OSError:
            pass
    _log(f"webhook delivery of {event['id']} gave up after {len(DELIVERY_BACKOFF)} attempts")
