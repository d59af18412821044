"""The aiohttp application: Socket.IO, the web client, and the HTTP endpoints."""

from __future__ import annotations

import logging
from pathlib import Path

import socketio
from aiohttp import web
from aiohttp.typedefs import Handler

from facilitation import AdmissionPolicy, MediaControl, MediaPolicy, Presence
from rooms.memory_store import MemoryStore
from rooms.store import Store
from signaling import clinic_api, protocol
from signaling.audit import AuditLog
from signaling.config import Config
from signaling.handlers import Handlers
from signaling.janus_link import JanusLink
from signaling.webhooks import WebhookOutbox

log = logging.getLogger("facilitation.server")

PACKAGED_STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=()",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob: mediastream:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}

STORE_KEY = web.AppKey("store", Store)
HANDLERS_KEY = web.AppKey("handlers", Handlers)
SIO_KEY = web.AppKey("sio", socketio.AsyncServer)


def make_store(config: Config) -> Store:
    if config.redis_url:
        from rooms.redis_store import RedisStore

        return RedisStore(config.redis_url, attendance_retention=config.attendance_retention)
    return MemoryStore(attendance_retention=config.attendance_retention)


def create_app(config: Config, store: Store | None = None) -> web.Application:
    store = store if store is not None else make_store(config)
    manager = socketio.AsyncRedisManager(config.redis_url) if config.redis_url else None
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        serializer="msgpack",
        transports=["websocket"],
        # One message at a time per connection, in the order sent: negotiation steps
        # (offer, then candidates) must reach the SFU and peers in order.
        async_handlers=False,
        client_manager=manager,
        # Hard cap per message; fields have their own, clearer limits in `protocol`.
        max_http_buffer_size=protocol.MAX_MESSAGE_BYTES * 2,
        # None: only pages served by this server (Origin must match Host) may connect.
        cors_allowed_origins=None,
        ping_interval=10,
        ping_timeout=10,
    )
    app = web.Application(middlewares=[_security_headers])
    sio.attach(app)
    policy = MediaPolicy(sfu_threshold=config.sfu_threshold)
    admission = AdmissionPolicy(waiting_room=config.waiting_room, ground_rules=config.ground_rules)
    presence = Presence(
        store, grace_seconds=config.grace_seconds, policy=policy, admission=admission
    )
    media = MediaControl(store, locks=presence.locks, policy=policy, admission=admission)
    audit = AuditLog(config.audit_log or "audit.jsonl")
    webhooks = None
    if config.webhook_url:
        webhooks = WebhookOutbox(config.webhook_url, config.secret, config.issuer,
                                 config.webhook_spool, max_delay=config.webhook_max_delay)
    handlers = Handlers(sio, presence, media, config, audit, webhooks=webhooks)
    janus = JanusLink(config, handlers.sfu)
    app[STORE_KEY] = store
    app[HANDLERS_KEY] = handlers
    app[SIO_KEY] = sio

    static = Path(config.static_dir) if config.static_dir else PACKAGED_STATIC
    app.router.add_get("/healthz", _healthz(webhooks))
    app.router.add_routes(clinic_api.routes(
        config, handlers.admission, handlers.deliver, handlers.attendance, handlers.whiteboard
    ))
    app.router.add_get("/", _index(static))
    app.router.add_get("/s/{session}", _index(static))
    if (static / "assets").is_dir():
        app.router.add_static("/assets/", static / "assets")

    async def _start(_: web.Application) -> None:
        if webhooks is not None:
            await webhooks.start()
        await janus.start()

    async def _close(_: web.Application) -> None:
        await handlers.close()
        if webhooks is not None:
            await webhooks.close()
        await handlers.sfu.close()
        await janus.close()
        await store.close()
        audit.close()

    app.on_startup.append(_start)
    app.on_cleanup.append(_close)
    return app


@web.middleware
async def _security_headers(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    response = await handler(request)
    if not request.path.startswith("/socket.io"):
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
    return response


def _healthz(webhooks: WebhookOutbox | None) -> Handler:
    """`{"status": "ok"}` while the server serves; with webhooks on, also their backlog
    (a receiver that refuses or is down shows here before anyone misses an event)."""
    async def handler(_: web.Request) -> web.StreamResponse:
        body: dict[str, object] = {"status": "ok"}
        if webhooks is not None:
            body["webhooks"] = webhooks.status()
        return web.json_response(body)

    return handler


def _index(static: Path) -> Handler:
    async def handler(_: web.Request) -> web.StreamResponse:
        index = static / "index.html"
        if not index.is_file():
            return web.Response(
                status=503,
                text="The web client is not built. Run: npm --prefix web_client run build",
            )
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    return handler
