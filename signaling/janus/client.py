"""A client for the Janus API over its WebSocket transport (subprotocol `janus-protocol`).

The protocol in brief. Every request carries a `transaction` string and the `apisecret`;
Janus answers with the same transaction: `success` (with `data`, or `plugindata` for a
plugin request it handled synchronously), `error` ({code, reason}), or `ack`. An `ack`
ends `keepalive` and `trickle`; for a plugin `message` it only says "received", and the
answer follows as an `event` with the same transaction (with a `jsep` when the plugin
negotiates). Janus also sends events of its own, named by `sender` (the handle id):
plugin events, `webrtcup`, `media`, `slowlink`, `hangup`, `detached`, `trickle`. A session
dies after `session_timeout` seconds without a request, hence the keepalive loop.

One `JanusClient` is one WebSocket and one Janus session; its handles share both. When
the socket closes unexpectedly (Janus died), every pending request fails with
`JanusConnectionLost`, every event stream raises it, and the `on_lost` callbacks run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

log = logging.getLogger("facilitation.janus.client")

Json = dict[str, Any]

KEEPALIVE_SECONDS = 20.0  # well inside Janus's default 60 s session timeout
REQUEST_TIMEOUT = 10.0
# Janus core error: the session is gone (timed out, or Janus restarted).
SESSION_NOT_FOUND = 458


class JanusError(Exception):
    """Janus refused a request: a core `error` or a plugin's `error_code`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusConnectionLost(ConnectionError):
    """The WebSocket to Janus is closed: Janus died or was stopped, or we closed it."""


@dataclass(frozen=True)
class JanusEvent:
    """Something Janus sent about a handle without being asked (or after answering).

    `kind` is the message's `janus` field; `data` is the plugin's data for plugin events
    (`kind == "event"`) and the whole message otherwise."""

    kind: str
    data: Json
    jsep: Json | None
    raw: Json


@dataclass(frozen=True)
class _End:
    """Put into an event stream when its handle or the connection ends."""

    reason: str


class EventStream:
    """The events of one handle from the moment it was opened, in order. Open it before
    sending a request whose consequence you want to await, so nothing slips past.

    Bounded: a stream nobody reads drops its oldest events rather than grow forever."""

    MAX_QUEUED = 256

    def __init__(self, handle: Handle) -> None:
        self._handle = handle
        self._queue: asyncio.Queue[JanusEvent | _End] = asyncio.Queue()
        self._closed = False
        self.dropped = 0

    def _put(self, item: JanusEvent | _End) -> None:
        if self._queue.qsize() >= self.MAX_QUEUED:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(item)

    async def get(self, timeout: float | None = None) -> JanusEvent:  # noqa: ASYNC109
        """The next event. Raises `JanusConnectionLost` once the connection is gone or
        the handle detached (and `async for` simply ends then)."""
        if self._closed and self._queue.empty():
            raise JanusConnectionLost("event stream closed")
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if isinstance(item, _End):
            self._closed = True
            self._queue.put_nowait(item)  # every later get() ends the same way
            raise JanusConnectionLost(item.reason)
        return item

    async def wait_for(
        self, match: Callable[[JanusEvent], bool], timeout: float  # noqa: ASYNC109
    ) -> JanusEvent:
        """The first event for which `match` is true; earlier ones are consumed."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.get()
                if match(event):
                    return event

    def close(self) -> None:
        self._handle._streams.discard(self)
        self._closed = True

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> JanusEvent:
        try:
            return await self.get()
        except JanusConnectionLost:
            raise StopAsyncIteration from None

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Handle:
    """One attachment to a plugin (in VideoRoom: one publisher or one subscription)."""

    def __init__(self, client: JanusClient, handle_id: int, plugin: str) -> None:
        self.client = client
        self.id = handle_id
        self.plugin = plugin
        self._streams: set[EventStream] = set()
        self.detached = False

    def events(self) -> EventStream:
        """A new stream of this handle's events (see `EventStream`)."""
        stream = EventStream(self)
        if self.client.closed:
            stream._put(_End("Janus connection lost"))
        else:
            self._streams.add(stream)
        return stream

    def _deliver(self, event: JanusEvent) -> None:
        if event.kind == "detached":
            self.detached = True
        for stream in self._streams:
            stream._put(event)

    def _end(self, reason: str) -> None:
        for stream in self._streams:
            stream._put(_End(reason))
        self._streams.clear()

    async def request(self, body: Json, timeout: float = REQUEST_TIMEOUT) -> Json:  # noqa: ASYNC109
        """A plugin request; returns the plugin's data (whether the plugin answered at
        once or after an `ack`). Raises `JanusError` for a plugin `error_code`."""
        data, _ = await self.message(body, timeout=timeout)
        return data

    async def message(
        self, body: Json, jsep: Json | None = None, timeout: float = REQUEST_TIMEOUT  # noqa: ASYNC109
    ) -> tuple[Json, Json | None]:
        """A plugin request, optionally with an SDP (`jsep`); returns the plugin's data
        and the SDP Janus sent back, if any."""
        payload: Json = {"janus": "message", "handle_id": self.id, "body": body}
        if jsep is not None:
            payload["jsep"] = jsep
        reply = await self.client._request(payload, ack_ends=False, timeout=timeout)
        data = _plugin_data(reply)
        if "error_code" in data:
            raise JanusError(int(data["error_code"]), str(data.get("error", "")))
        jsep_back = reply.get("jsep")
        return data, jsep_back if isinstance(jsep_back, dict) else None

    async def trickle(self, candidate: Json | None) -> None:
        """Send one ICE candidate ({candidate, sdpMid, sdpMLineIndex}); None says
        gathering is complete."""
        payload: Json = {
            "janus": "trickle",
            "handle_id": self.id,
            "candidate": candidate if candidate is not None else {"completed": True},
        }
        await self.client._request(payload, ack_ends=True)

    async def hangup(self) -> None:
        """Close this handle's PeerConnection but keep the handle."""
        await self.client._request({"janus": "hangup", "handle_id": self.id}, ack_ends=False)

    async def detach(self) -> None:
        """Detach from the plugin (closes any PeerConnection); the handle is then unusable.
        Quietly does nothing when the connection is already gone."""
        self.client._handles.pop(self.id, None)
        self._end("handle detached")
        if self.detached or self.client.closed:
            return
        self.detached = True
        with contextlib.suppress(JanusConnectionLost):
            await self.client._request({"janus": "detach", "handle_id": self.id}, ack_ends=False)


@dataclass
class _Pending:
    future: asyncio.Future[Json]
    # `ack` is the whole answer to keepalive and trickle; for a plugin message it is not.
    ack_ends: bool


LostCallback = Callable[[], Awaitable[None]]


class JanusClient:
    """A Janus session over one WebSocket. Use `await JanusClient.connect(url, secret)`."""

    def __init__(
        self,
        url: str,
        api_secret: str,
        *,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        http: aiohttp.ClientSession | None = None,
    ) -> None:
        self.url = url
        self._api_secret = api_secret
        self._keepalive_seconds = keepalive_seconds
        self._http = http
        self._own_http = http is None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self.session_id: int | None = None
        self._pending: dict[str, _Pending] = {}
        self._handles: dict[int, Handle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._lost_callbacks: list[LostCallback] = []
        self._tx_prefix = secrets.token_hex(4)
        self._tx_counter = itertools.count(1)
        self.closed = False
        self._closing = False  # close() was called: the end is not a loss
        self._done = asyncio.Event()

    # ---- life cycle -----------------------------------------------------------------------
    @classmethod
    async def connect(
        cls,
        url: str,
        api_secret: str,
        *,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        http: aiohttp.ClientSession | None = None,
        timeout: float = REQUEST_TIMEOUT,  # noqa: ASYNC109
    ) -> JanusClient:
        """Open the WebSocket and create a Janus session (with its keepalive loop)."""
        client = cls(url, api_secret, keepalive_seconds=keepalive_seconds, http=http)
        try:
            await client._open(timeout)
            reply = await client._request({"janus": "create"}, ack_ends=False, timeout=timeout)
            client.session_id = int(reply["data"]["id"])
        except BaseException:
            await client.close()
            raise
        client._spawn(client._keepalive_loop())
        return client

    async def _open(self, timeout: float) -> None:  # noqa: ASYNC109
        if self._http is None:
            self._http = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(timeout):
                self._ws = await self._http.ws_connect(
                    self.url,
                    protocols=("janus-protocol",),
                    # Janus may not answer our close frame when it is going down.
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise JanusConnectionLost(f"cannot reach Janus at {self.url}: {exc!r}") from exc
        self._spawn(self._read_loop())

    async def info(self, timeout: float = REQUEST_TIMEOUT) -> Json:  # noqa: ASYNC109
        """Janus's `server_info` (name, version, plugins): works without a session."""
        return await self._request({"janus": "info"}, ack_ends=False, timeout=timeout,
                                   session=False)

    def on_lost(self, callback: LostCallback) -> None:
        """Run `callback` (once) when the connection ends without our `close()`."""
        self._lost_callbacks.append(callback)

    async def wait_closed(self) -> None:
        await self._done.wait()

    async def close(self) -> None:
        """Destroy the session (its handles and media end) and close the WebSocket."""
        if self.closed:
            return
        self._closing = True
        if self.session_id is not None and self._ws is not None and not self._ws.closed:
            with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
                await self._request({"janus": "destroy"}, ack_ends=False, timeout=2.0)
        await self._shutdown("closed by us")

    async def __aenter__(self) -> JanusClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # ---- handles --------------------------------------------------------------------------
    async def attach(self, plugin: str) -> Handle:
        reply = await self._request({"janus": "attach", "plugin": plugin}, ack_ends=False)
        handle = Handle(self, int(reply["data"]["id"]), plugin)
        self._handles[handle.id] = handle
        return handle

    # ---- requests -------------------------------------------------------------------------
    async def _request(
        self,
        payload: Json,
        *,
        ack_ends: bool,
        timeout: float = REQUEST_TIMEOUT,  # noqa: ASYNC109
        session: bool = True,
    ) -> Json:
        if self.closed or self._ws is None:
            raise JanusConnectionLost("not connected to Janus")
        transaction = f"{self._tx_prefix}-{next(self._tx_counter)}"
        message = {**payload, "transaction": transaction, "apisecret": self._api_secret}
        if session and self.session_id is not None:
            message["session_id"] = self.session_id
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = _Pending(future, ack_ends)
        try:
            await self._ws.send_str(json.dumps(message))
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise TimeoutError(
                f"Janus did not answer {payload.get('janus')} within {timeout}s"
            ) from None
        except (ConnectionError, aiohttp.ClientError) as exc:
            raise JanusConnectionLost(f"Janus connection lost: {exc}") from exc
        finally:
            self._pending.pop(transaction, None)

    # ---- incoming ------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        assert self._ws is not None
        reason = "Janus closed the connection"
        try:
            async for frame in self._ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = json.loads(frame.data)
                except ValueError:
                    log.warning("Janus sent a frame that is not JSON")
                    continue
                if isinstance(message, dict):
                    self._dispatch(message)
        except (aiohttp.ClientError, ConnectionError) as exc:
            reason = f"Janus connection failed: {exc}"
        # (Not when cancelled: that is our own shutdown.) A task that _shutdown cancels
        # must not run it itself, so hand it off.
        if not self.closed:
            self._spawn(self._shutdown(reason))

    def _dispatch(self, message: Json) -> None:
        kind = str(message.get("janus", ""))
        transaction = message.get("transaction")
        pending = self._pending.get(transaction) if isinstance(transaction, str) else None
        if pending is not None and not pending.future.done():
            if kind == "ack" and not pending.ack_ends:
                return  # the plugin's answer follows as an event
            if kind == "error":
                error = message.get("error") or {}
                pending.future.set_exception(
                    JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
                )
            else:
                pending.future.set_result(message)
            return
        if kind == "timeout":
            # Janus dropped our session (we missed keepalives): nothing here works now.
            log.warning("Janus timed out our session")
            self._spawn(self._shutdown("Janus timed out the session"))
            return
        handle = self._handles.get(message.get("sender", -1))
        if handle is None:
            return  # for a handle we already detached
        jsep = message.get("jsep")
        data = _plugin_data(message) if kind == "event" else message
        handle._deliver(JanusEvent(kind, data, jsep if isinstance(jsep, dict) else None, message))

    # ---- keepalive and shutdown ----------------------------------------------------------
    async def _keepalive_loop(self) -> None:
        while not self.closed:
            await asyncio.sleep(self._keepalive_seconds)
            try:
                await self._request({"janus": "keepalive"}, ack_ends=True)
            except JanusConnectionLost:
                return
            except (JanusError, TimeoutError) as exc:
                # Janus forgot our session, or stopped answering: treat it as gone.
                log.warning("Janus keepalive failed: %s", exc)
                self._spawn(self._shutdown("Janus keepalive failed"))
                return

    async def _shutdown(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        lost = not self._closing
        if lost:
            log.warning("Janus connection lost: %s", reason)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(JanusConnectionLost(reason))
        self._pending.clear()
        for handle in self._handles.values():
            handle._end(f"Janus connection lost: {reason}" if lost else "connection closed")
        self._handles.clear()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._own_http and self._http is not None:
            await self._http.close()
        self._done.set()
        if lost:
            for callback in self._lost_callbacks:
                try:
                    await callback()
                except Exception:
                    log.exception("a Janus on_lost callback failed")

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _plugin_data(message: Json) -> Json:
    plugindata = message.get("plugindata")
    if isinstance(plugindata, dict) and isinstance(plugindata.get("data"), dict):
        data: Json = plugindata["data"]
        return data
    return {}
