"""Named crash points, for crash tests: off unless ``serve --faults --pause-at NAME``.

A server armed with ``--pause-at NAME`` freezes the first time a request reaches the point NAME:
it writes one line ``image-skill-mock: paused at NAME (pid PID)`` to stderr and stops itself
(``SIGSTOP``: no thread of the process runs on), so a test can ``SIGKILL`` it exactly there and
restart it on the same ``--db``. Unarmed (the default, and always without ``--faults``),
``reach`` does nothing.

==========================  ============================================================
NAME                        where the server stops
==========================  ============================================================
``payment_charged``         the checkout page's 4242 payment is committed (the attempt
                            ``processing`` and its webhook delivery in the outbox), before
                            the delivery is attempted
``create_claimed``          a keyed create/edit holds its idempotency key (committed),
                            before it is planned and rendered
``create_rendered``         a keyed create/edit has rendered its outputs, before the job is
                            recorded
``create_recorded``         a keyed create/edit's job, debit and stored answer are
                            committed, before the answer is sent
==========================  ============================================================
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Final

PAYMENT_CHARGED: Final = "payment_charged"
CREATE_CLAIMED: Final = "create_claimed"
CREATE_RENDERED: Final = "create_rendered"
CREATE_RECORDED: Final = "create_recorded"
NAMES: Final = (PAYMENT_CHARGED, CREATE_CLAIMED, CREATE_RENDERED, CREATE_RECORDED)

_armed: str | None = None
_lock = threading.Lock()


def arm(name: str | None) -> None:
    """Pause the server at ``name`` (one of ``NAMES``), or nowhere (None)."""
    global _armed  # noqa: PLW0603 - one process, one armed point (set once by ``serve``)
    if name is not None and name not in NAMES:
        raise ValueError(f"unknown crash point {name!r} (one of {', '.join(NAMES)})")
    _armed = name


def reach(name: str) -> None:
    """The request is at the point ``name``: when armed there, announce it and freeze the process."""
    if _armed != name:
        return
    with _lock:  # one announcement: the process stops while holding it
        print(f"image-skill-mock: paused at {name} (pid {os.getpid()})", file=sys.stderr, flush=True)
        # Directed at this thread, so it is delivered before the thread runs another instruction (a
        # process-directed SIGSTOP may be taken by another thread while this one runs on briefly).
        signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
        while True:  # a frozen point stays frozen: even a SIGCONT never lets this request go on
            time.sleep(3600)
