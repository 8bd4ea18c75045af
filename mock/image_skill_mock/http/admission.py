"""A bounded, fair admission for the CPU-heavy steps of a request (validating a large body, the
handlers that decode and render): work waits on the event loop, never in a worker thread.

At most ``slots`` pieces of work run at once, at most ``per_key`` of them for one key (an agent; an
anonymous request is keyed by its peer address). At most ``queue`` requests wait, at most
``per_key_queue`` of them for one key. A request beyond either bound is refused at once with
``SERVER_BUSY`` (HTTP 503, ``recovery.retry_after_seconds``), never stalled. A freed slot goes to
the keys in turn (round robin, FIFO within a key), so one busy agent cannot starve the others.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from image_skill_api.registry import ErrorCode
from image_skill_mock.errors import ApiError

#: Seconds the refusal asks a client to wait before it retries.
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class Bounds:
    slots: int = 4
    per_key: int = 2
    queue: int = 256
    per_key_queue: int = 64


def busy(why: str) -> ApiError:
    return ApiError(
        ErrorCode.SERVER_BUSY,
        f"The server is busy ({why}); nothing was done. Retry shortly.",
        recovery={"retry_after_seconds": RETRY_AFTER_SECONDS},
    )


class Admission:
    def __init__(self, bounds: Bounds = Bounds()) -> None:
        self.bounds = bounds
        self.running: dict[str, int] = {}
        self.waiting: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()

    @property
    def total_running(self) -> int:
        return sum(self.running.values())

    @property
    def total_waiting(self) -> int:
        return sum(len(q) for q in self.waiting.values())

    def _can_run(self, key: str) -> bool:
        return self.total_running < self.bounds.slots and self.running.get(key, 0) < self.bounds.per_key

    @asynccontextmanager
    async def admit(self, key: str) -> AsyncIterator[None]:
        """Hold one slot for ``key`` while the block runs; ``SERVER_BUSY`` when none can be waited for."""
        if self._can_run(key) and not self.waiting.get(key):
            self.running[key] = self.running.get(key, 0) + 1
        else:
            await self._wait(key)
        try:
            yield
        finally:
            self._release(key)

    async def _wait(self, key: str) -> None:
        if self.total_waiting >= self.bounds.queue:
            raise busy("too many requests are waiting")
        mine = self.waiting.setdefault(key, deque())
        if len(mine) >= self.bounds.per_key_queue:
            raise busy("too many of this agent's requests are waiting")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        mine.append(turn)
        try:
            await turn  # the slot is counted for ``key`` when the turn is granted (``_grant``)
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release(key)  # granted, then cancelled before it could start: pass it on
            else:
                turn.cancel()
                self._forget(key, turn)
            raise

    def _forget(self, key: str, turn: asyncio.Future[None]) -> None:
        mine = self.waiting.get(key)
        if mine is not None and turn in mine:
            mine.remove(turn)
            if not mine:
                del self.waiting[key]

    def _release(self, key: str) -> None:
        left = self.running.get(key, 0) - 1
        if left > 0:
            self.running[key] = left
        else:
            self.running.pop(key, None)
        self._grant()

    def _grant(self) -> None:
        """Start waiters while slots are free: the keys in turn, each key's oldest first."""
        progressed = True
        while progressed and self.total_running < self.bounds.slots:
            progressed = False
            for key in list(self.waiting):
                if not self._can_run(key):
                    continue
                queue = self.waiting[key]
                turn = queue.popleft()
                del self.waiting[key]
                if queue:
                    self.waiting[key] = queue  # back of the line: the next key goes first
                self.running[key] = self.running.get(key, 0) + 1
                turn.set_result(None)
                progressed = True
                break
