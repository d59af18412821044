"""The clinic's system as the tests see it: an HTTP server on loopback that checks every
webhook with `signaling.webhook_verify` (the receiver example of docs/webhooks.md) and
keeps the events it accepted, in the order they arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from signaling.webhook_verify import InvalidWebhook, verify_webhook
from tests.support.services import free_port


class WebhookReceiver:
    def __init__(self, secret: str, issuer: str | None = None) -> None:
        self.secret, self.issuer = secret, issuer
        self.port = free_port()
        # Verified events, in arrival order (a redelivery shows twice, with the same id).
        self.events: list[dict[str, Any]] = []
        self.content_types: set[str] = set()
        self.refused = 0  # answered 503 while "down"
        self.invalid: list[str] = []
        self.down = False
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/clinic/webhooks"

    async def start(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/clinic/webhooks", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self._changed:
            try:
                if self.down:
                    self.refused += 1
                    return web.Response(status=503)
                try:
                    event = verify_webhook(body, request.headers.get("Authorization", ""),
                                           self.secret, issuer=self.issuer)
                except InvalidWebhook as exc:
                    self.invalid.append(str(exc))
                    return web.Response(status=401)
                self.events.append(event)
                self.content_types.add(request.content_type)
                return web.json_response({"ok": True})
            finally:
                self._changed.notify_all()

    async def wait_for(self, check: Callable[[], bool]) -> None:
        """Until `check()` holds (looked at whenever a request arrived); a generous
        deadline turns "never" into a failure."""
        async with asyncio.timeout(60), self._changed:
            await self._changed.wait_for(check)

    def unique(self, session: str | None = None) -> list[dict[str, Any]]:
        """Each event once (receivers deduplicate by `id`), in the order first received."""
        seen: set[str] = set()
        out = []
        for event in self.events:
            if event["id"] not in seen and (session is None or event["session"] == session):
                seen.add(event["id"])
                out.append(event)
        return out
