"""The facilitators' engagement view, pushed every few seconds (`engagement.updated`).

One small task per session that has people connected to this process: it wakes every
`interval` seconds and delivers what `Engagement.tick` returns (nothing when the session
has no facilitator in a room). It ends by itself once nobody of the session is connected
here, and starts again when someone joins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from facilitation import Delivery, Engagement

log = logging.getLogger("facilitation.engagement")

DEFAULT_INTERVAL = 15.0


class EngagementPush:
    def __init__(
        self,
        engagement: Engagement,
        deliver: Callable[[list[Delivery]], Awaitable[None]],
        connected: Callable[[str], bool],
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._engagement = engagement
        self._deliver = deliver
        self._connected = connected  # whether anyone of the session is connected here
        self._interval = interval
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, session_id: str) -> None:
        """Make sure the session's updates run (someone of it just joined)."""
        task = self._tasks.get(session_id)
        if task is None or task.done():
            self._tasks[session_id] = asyncio.ensure_future(self._run(session_id))

    async def _run(self, session_id: str) -> None:
        while True:
            await asyncio.sleep(self._interval)
            if not self._connected(session_id):
                self._tasks.pop(session_id, None)
                return
            try:
                await self._deliver(await self._engagement.tick(session_id))
            except Exception:
                log.exception("engagement update failed (session %s)", session_id)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
