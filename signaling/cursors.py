"""Live whiteboard cursors, batched per room.

Everyone's pointer moves up to ten times a second; relaying each move to each other
person in the room costs one delivery per move per receiver (20 rooms of 12 people:
26,400 a second, which alone fills a core). Instead the latest position of each person
is kept here, in memory (cursors are passing: never stored, never numbered), and every
`interval` each room that moved gets one `whiteboard.cursors` message with all of them.
Receivers skip their own entry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

CURSORS = "whiteboard.cursors"
# Ten updates a second look live to the eye and bound the fan-out.
DEFAULT_INTERVAL = 0.1

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]  # (room key, payload)


class CursorBatcher:
    def __init__(self, emit: Emit, interval: float = DEFAULT_INTERVAL) -> None:
        self._emit = emit
        self._interval = interval
        # room key -> participant id -> its latest cursor
        self._pending: dict[str, dict[str, dict[str, Any]]] = {}
        self._task: asyncio.Task[None] | None = None

    def put(self, room: str, cursor: dict[str, Any]) -> None:
        """Someone pointed (`cursor`: {participant_id, name, x, y}): kept until the
        room's next batch (a newer move of the same person replaces it)."""
        self._pending.setdefault(room, {})[cursor["participant_id"]] = cursor
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        # Runs while people point; ends after a quiet interval (started again on the next).
        while True:
            await asyncio.sleep(self._interval)
            if not self._pending:
                return
            batches, self._pending = self._pending, {}
            for room, cursors in batches.items():
                await self._emit(room, {"room": room, "cursors": list(cursors.values())})

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
