"""A Socket.IO client that does only what a load bench needs: Engine.IO 4 over WebSocket,
the msgpack parser (as the web client uses), events, acknowledgements and pings.

Hundreds of python-socketio clients spend more CPU than the server they measure; this one
costs a WebSocket frame and a msgpack decode per message, so on a shared machine the
figures stay the server's. Bench code only.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import msgpack  # type: ignore[import-untyped]

CONNECT, EVENT, ACK, CONNECT_ERROR = 0, 2, 3, 4


class LeanClient:
    def __init__(self, on_event: Callable[[str, Any], None]) -> None:
        self.on_event = on_event
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, http: aiohttp.ClientSession, url: str, auth: dict[str, Any]) -> None:
        ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket")
        opened = await ws.receive(timeout=30)
        if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
            raise RuntimeError(f"no Engine.IO open packet: {opened!r}")
        await ws.send_bytes(msgpack.packb({"type": CONNECT, "nsp": "/", "data": auth}))
        answer = await ws.receive(timeout=30)
        packet = msgpack.unpackb(answer.data)
        if packet["type"] != CONNECT:
            raise RuntimeError(f"connection refused: {packet.get('data')}")
        self._ws = ws
        self._reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                if message.data == "2":  # the server's ping
                    await ws.send_str("3")
                continue
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            packet = msgpack.unpackb(message.data)
            if packet["type"] == EVENT:
                name, *args = packet["data"]
                self.on_event(name, args[0] if args else None)
            elif packet["type"] == ACK:
                waiting = self._acks.pop(packet["id"], None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(packet["data"][0])

    async def emit(self, event: str, data: Any) -> None:
        assert self._ws is not None
        await self._ws.send_bytes(msgpack.packb({"type": EVENT, "nsp": "/", "data": [event, data]}))

    async def call(self, event: str, data: Any, timeout: float = 60.0) -> Any:  # noqa: ASYNC109
        assert self._ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self._ws.send_bytes(
            msgpack.packb({"type": EVENT, "nsp": "/", "data": [event, data], "id": ack_id})
        )
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
