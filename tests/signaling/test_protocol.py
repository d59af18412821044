"""The Socket.IO protocol against the real server process, with python-socketio clients.

Every test uses its own session id on the shared `server` (grace period 3 s), or a
dedicated server from `make_server` when it needs another grace period. Tests wait for
events with timeouts; to show that nobody received something, they send a harmless
change afterwards (a barrier) and check that it is the very next thing others get.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import jwt
import pytest
import socketio

from rooms.model import Role
from signaling import protocol, tokens
from tests.support.services import RedisProcess, ServerProcess

TIMEOUT = 5.0
Mint = Callable[..., str]


class Client:
    """One browser tab, as far as the protocol is concerned."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.seen: list[dict[str, Any]] = []  # every room event ever received
        self.signals: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.connect_errors: asyncio.Queue[Any] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.sio.on("room.event", self._on_room_event)
        self.sio.on("signal", self._on_signal)
        self.sio.on("session.closed", self._on_closed)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)
        self.self_view: dict[str, Any] = {}

    async def _on_room_event(self, data: dict[str, Any]) -> None:
        self.seen.append(data)
        self.events.put_nowait(data)

    async def _on_signal(self, data: dict[str, Any]) -> None:
        self.signals.put_nowait(data)

    async def _on_closed(self, data: dict[str, Any]) -> None:
        self.closed.put_nowait(data)

    async def _on_connect_error(self, data: Any = None) -> None:
        self.connect_errors.put_nowait(data)

    async def _on_disconnect(self, *_: Any) -> None:
        self.gone.set()

    async def connect(self, auth: dict[str, Any] | None) -> None:
        await self.sio.connect(
            self.base_url, transports=["websocket"], auth=auth, wait_timeout=TIMEOUT
        )

    async def call(self, event: str, data: Any = None, wait: float = TIMEOUT) -> Any:
        return await self.sio.call(event, data, timeout=wait)

    async def join(self, **request: Any) -> dict[str, Any]:
        ack: dict[str, Any] = await self.call("join", request)
        assert ack["ok"], ack
        self.self_view = ack["self"]
        return ack

    @property
    def id(self) -> str:
        return str(self.self_view["id"])

    async def next_event(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), TIMEOUT)

    async def next_signal(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.signals.get(), TIMEOUT)

    async def event_named(self, name: str, about: str | None = None) -> dict[str, Any]:
        """Skip ahead to the next event called `name` (about participant `about`)."""
        while True:
            event = await self.next_event()
            if event["name"] == name and (about is None or subject(event) == about):
                return event

    async def drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


def subject(event: dict[str, Any]) -> str:
    payload = event["payload"]
    if "participant" in payload:
        return str(payload["participant"]["id"])
    return str(payload["participant_id"])


Connect = Callable[..., Awaitable[Client]]


@pytest.fixture
def session_id(request: pytest.FixtureRequest) -> str:
    """A session of its own for each test (named after it, for the server log)."""
    name = re.sub(r"[^A-Za-z0-9._:-]+", "-", request.node.name.removeprefix("test_"))
    return f"{name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


@pytest.fixture
def connect(server: ServerProcess, clients: list[Client], mint: Mint, session_id: str) -> Connect:
    """Connect a client to `server` (or `on`) with a fresh or given token."""

    async def _connect(
        name: str = "Sam",
        role: Role = Role.PARTICIPANT,
        *,
        token: str | None = None,
        session: str | None = None,
        on: ServerProcess | None = None,
    ) -> Client:
        session = session or session_id
        client = Client((on or server).base_url)
        clients.append(client)
        await client.connect({"token": token or mint(session, name, role), "session": session})
        return client

    return _connect


async def barrier(actor: Client, *observers: Client) -> None:
    """A harmless change by `actor` that every observer must get next: proof that nothing
    else was sent to them in between."""
    ack = await actor.call("media.update", {"video_off": not actor.self_view["video_off"]})
    assert ack == {"ok": True}
    actor.self_view["video_off"] = not actor.self_view["video_off"]
    for observer in observers:
        event = await observer.next_event()
        assert event["name"] == "participant.updated", event
        assert event["payload"]["participant"]["id"] == actor.id
        assert event["payload"]["participant"]["video_off"] == actor.self_view["video_off"]


async def signal_barrier(sender: Client, receiver: Client) -> None:
    request = {"to": receiver.id, "pc": "barrier", "candidate": {"candidate": ""}}
    ack = await sender.call("signal", request)
    assert ack == {"ok": True}
    got = await receiver.next_signal()
    assert got["pc"] == "barrier", got


def assert_error(ack: Any, code: str) -> None:
    assert isinstance(ack, dict) and ack.get("ok") is False, ack
    assert ack["error"]["code"] == code, ack
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]


async def pair(connect: Connect) -> tuple[Client, Client]:
    """Two people in the main room; each has seen every event so far."""
    amy = await connect("Amy", Role.FACILITATOR)
    await amy.join()
    bob = await connect("Bob")
    await bob.join()
    await amy.event_named("participant.joined", bob.id)
    await bob.drain()
    await amy.drain()
    return amy, bob


# ---- HTTP ----------------------------------------------------------------------------------
async def test_healthz(server: ServerProcess) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base_url}/healthz") as r:
        assert r.status == 200
        assert await r.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/s/some-session"])
async def test_pages_carry_security_headers(server: ServerProcess, path: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base_url}{path}") as r:
        # 200 with the built web client, 503 with a clear message without it.
        assert r.status in (200, 503)
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "camera=(self)" in r.headers["Permissions-Policy"]
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp


# ---- connecting ----------------------------------------------------------------------------
async def _refused(server: ServerProcess, clients: list[Client], auth: Any) -> dict[str, Any]:
    client = Client(server.base_url)
    clients.append(client)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(auth)
    error = await asyncio.wait_for(client.connect_errors.get(), TIMEOUT)
    assert not client.sio.connected
    assert isinstance(error, dict) and isinstance(error.get("data"), dict), error
    data: dict[str, Any] = error["data"]
    assert set(data) == {"code", "message"} and data["message"], data
    return data


@pytest.mark.parametrize(
    ("problem", "code"),
    [
        ("no auth", "token_missing"),
        ("no token", "token_missing"),
        ("garbage", "token_invalid"),
        ("other secret", "token_invalid"),
        ("expired", "token_expired"),
        ("not yet valid", "token_not_yet_valid"),
        ("unknown claim", "token_claims_invalid"),
        ("unknown role", "token_claims_invalid"),
        ("other session", "token_wrong_session"),
        ("no name", "token_claims_invalid"),
        ("unsigned", "token_invalid"),
    ],
)
async def test_connect_refusals(
    server: ServerProcess,
    clients: list[Client],
    mint: Mint,
    secret: str,
    session_id: str,
    problem: str,
    code: str,
) -> None:
    now = time.time()
    claims = jwt.decode(mint(session_id, "Sam"), options={"verify_signature": False})
    without_name = {k: v for k, v in claims.items() if k != "name"}
    tokens_for = {
        "garbage": "not.a.token",
        "other secret": tokens.mint(
            "another-secret-" + "z" * 40, session=session_id, name="Sam", role=Role.PARTICIPANT
        ),
        "expired": mint(session_id, "Sam", now=now - 7200, ttl_seconds=3600),
        "not yet valid": mint(session_id, "Sam", not_before=now + 3600),
        "unknown claim": mint(session_id, "Sam", extra={"admin": True}),
        "unknown role": mint(session_id, "Sam", extra={"role": "admin"}),
        "other session": mint("some-other-session", "Sam"),
        "no name": jwt.encode(without_name, secret, algorithm="HS256"),
        "unsigned": jwt.encode(claims, "", algorithm="none"),
    }
    auth: Any
    if problem == "no auth":
        auth = None
    elif problem == "no token":
        auth = {"session": session_id}
    else:
        auth = {"token": tokens_for[problem], "session": session_id}
    data = await _refused(server, clients, auth)
    assert data["code"] == code


# ---- join ----------------------------------------------------------------------------------
async def test_join_ack_and_snapshot(connect: Connect, session_id: str) -> None:
    amy = await connect("Amy", Role.FACILITATOR)
    first = await amy.join(audio_muted=True)
    assert set(first) == {
        "ok", "self", "room", "resumed", "missed", "ice_servers", "grace_seconds",
        "waiting", "rules", "session", "chat", "lobby", "breakouts", "mood",
    }
    me = first["self"]
    assert me["name"] == "Amy" and me["role"] == "facilitator" and me["seat"] == 1
    assert me["audio_muted"] is True and me["video_off"] is False
    assert me["connection"] == "connected"
    assert first["room"] == {
        "room": f"{session_id}/main",
        "seq": 1,
        "participants": [me],
        "media": {"mode": "mesh", "epoch": 0},
        "hands": [],
        "spotlight": None,
        "speaking": [],
    }
    assert first["waiting"] is None and first["chat"] == [] and first["lobby"] == []
    assert first["resumed"] is False and first["missed"] is None
    assert first["ice_servers"] == [] and first["grace_seconds"] == 3.0

    trainee = await connect("Trainee", Role.OBSERVER)
    second = await trainee.join(audio_muted=False, video_off=False)
    assert second["self"]["seat"] == 2
    # Observers never publish, whatever they ask for.
    assert second["self"]["audio_muted"] is True and second["self"]["video_off"] is True
    assert second["room"]["seq"] == 2
    assert [p["name"] for p in second["room"]["participants"]] == ["Amy", "Trainee"]

    assert_error(await trainee.call("join", {}), "already_joined")


async def test_people_see_each_other_come_change_and_go(connect: Connect, session_id: str) -> None:
    amy = await connect("Amy", Role.FACILITATOR)
    amy_ack = await amy.join()
    bob = await connect("Bob")
    bob_ack = await bob.join()

    joined = await amy.event_named("participant.joined", bob.id)
    assert joined["room"] == f"{session_id}/main"
    assert joined["payload"] == {"participant": bob_ack["self"]}
    assert joined["seq"] == bob_ack["room"]["seq"]

    assert await bob.call("media.update", {"audio_muted": True, "video_off": True}) == {"ok": True}
    updated = await amy.next_event()
    assert updated["name"] == "participant.updated"
    assert updated["payload"]["participant"]["id"] == bob.id
    assert updated["payload"]["participant"]["audio_muted"] is True
    assert updated["payload"]["participant"]["video_off"] is True

    assert await bob.call("leave") == {"ok": True}
    left = await amy.next_event()
    assert left["name"] == "participant.left"
    assert left["payload"] == {"participant_id": bob.id, "reason": "left"}

    seqs = [e["seq"] for e in amy.seen]
    assert seqs == list(range(amy_ack["room"]["seq"], amy_ack["room"]["seq"] + len(seqs)))
    # After leaving, Bob is out until he joins again.
    assert_error(await bob.call("media.update", {"audio_muted": False}), "not_joined")
    back = await bob.join()
    assert back["resumed"] is False and back["self"]["seat"] == 3


async def test_a_window_that_left_gets_nothing_meant_for_the_seat(
    connect: Connect, mint: Mint, session_id: str
) -> None:
    """Leave in one window, join again from another device with the same link: the first
    window, still open, must not receive what is meant for the new seat."""
    amy, _ = await pair(connect)
    token = mint(session_id, "Cat")
    laptop = await connect(token=token)
    await laptop.join()
    assert await laptop.call("leave") == {"ok": True}
    seen_before = list(laptop.seen)
    phone = await connect(token=token)
    assert (await phone.join())["resumed"] is False
    await amy.event_named("participant.joined", phone.id)
    await phone.event_named("participant.joined", phone.id)

    ack = await amy.call("signal", {"to": phone.id, "pc": "pc-1", "description": OFFER})
    assert ack == {"ok": True}
    assert (await phone.next_signal())["from"] == amy.id
    await barrier(amy, phone)
    assert_error(await laptop.call("media.update", {"audio_muted": True}), "not_joined")
    assert laptop.signals.empty()
    assert laptop.seen == seen_before


async def test_a_change_without_effect_is_not_announced(connect: Connect) -> None:
    amy, bob = await pair(connect)
    assert await bob.call("media.update", {"audio_muted": False}) == {"ok": True}
    assert await bob.call("media.update", {}) == {"ok": True}
    await barrier(bob, amy)


async def test_an_observer_may_not_unmute(connect: Connect) -> None:
    amy, _ = await pair(connect)
    trainee = await connect("Trainee", Role.OBSERVER)
    await trainee.join()
    await amy.event_named("participant.joined", trainee.id)

    assert_error(await trainee.call("media.update", {"audio_muted": False}), "not_permitted")
    assert_error(await trainee.call("media.update", {"video_off": False}), "not_permitted")
    await barrier(amy, amy)  # Amy got nothing about the trainee in between


# ---- signals -------------------------------------------------------------------------------
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}


async def test_signals_are_relayed_to_a_peer_in_the_room(connect: Connect) -> None:
    amy, bob = await pair(connect)
    ack = await amy.call("signal", {"to": bob.id, "pc": "pc-a1", "description": OFFER})
    assert ack == {"ok": True}
    assert await bob.next_signal() == {"from": amy.id, "pc": "pc-a1", "description": OFFER}

    candidate = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                 "sdpMid": "0", "sdpMLineIndex": 0}
    ack = await bob.call("signal", {"to": amy.id, "pc": "pc-b1", "candidate": candidate})
    assert ack == {"ok": True}
    assert await amy.next_signal() == {"from": bob.id, "pc": "pc-b1", "candidate": candidate}


async def test_signals_to_someone_outside_the_room_are_refused(
    connect: Connect, session_id: str
) -> None:
    amy, bob = await pair(connect)
    stranger = await connect("Stranger", session=f"{session_id}-other")
    await stranger.join()

    for target in (stranger.id, "nobody-here", amy.id):
        ack = await amy.call("signal", {"to": target, "pc": "pc-1", "description": OFFER})
        assert_error(ack, "peer_not_in_room")
    # Nor can the stranger reach into this session.
    ack = await stranger.call("signal", {"to": bob.id, "pc": "pc-1", "description": OFFER})
    assert_error(ack, "peer_not_in_room")

    await signal_barrier(amy, bob)
    assert stranger.signals.empty() and amy.signals.empty()


async def test_signal_to_a_peer_who_dropped_is_refused(connect: Connect) -> None:
    amy, bob = await pair(connect)
    await bob.close()
    await amy.event_named("participant.updated", bob.id)
    ack = await amy.call("signal", {"to": bob.id, "pc": "pc-1", "description": OFFER})
    assert_error(ack, "peer_unavailable")


# ---- validation ----------------------------------------------------------------------------
SDP_TOO_LONG = {"type": "offer", "sdp": "a" * (protocol.MAX_SDP_CHARS + 1)}


def _bad_requests(bob: str) -> list[tuple[str, Any, str]]:
    cand = {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}
    return [
        ("no.such.event", {}, "unknown_event"),
        ("admit", {"participant": bob}, "unknown_event"),
        ("media.update", [True], "invalid_payload"),
        ("media.update", "mute", "invalid_payload"),
        ("media.update", 1, "invalid_payload"),
        ("media.update", {"audio_muted": "yes"}, "invalid_payload"),
        ("media.update", {"audio_muted": 1}, "invalid_payload"),
        ("media.update", {"audio_muted": True, "video_off": "off"}, "invalid_payload"),
        ("media.update", {"audio_muted": True, "participant": bob}, "invalid_payload"),
        ("leave", {"for": bob}, "invalid_payload"),
        ("leave", ["now"], "invalid_payload"),
        ("signal", {"to": bob, "pc": "p", "description": SDP_TOO_LONG}, "payload_too_large"),
        ("signal", {"to": bob, "pc": "p", "description": OFFER, "candidate": cand},
         "invalid_payload"),
        ("signal", {"to": bob, "pc": "p"}, "invalid_payload"),
        ("signal", {"to": "bob/../x", "pc": "p", "description": OFFER}, "invalid_payload"),
        ("signal", {"to": "x" * 65, "pc": "p", "description": OFFER}, "invalid_payload"),
        ("signal", {"to": bob, "pc": "pc 1", "description": OFFER}, "invalid_payload"),
        ("signal", {"to": bob, "pc": "p", "description": {"type": "rollback", "sdp": "x"}},
         "invalid_payload"),
        ("signal", {"to": bob, "pc": "p", "description": {**OFFER, "evil": 1}},
         "invalid_payload"),
        ("signal", {"to": 7, "pc": "p", "description": OFFER}, "invalid_payload"),
        ("sync", {"room": "x/main", "since": -1}, "invalid_payload"),
        ("sync", {"room": "x/main", "since": "0"}, "invalid_payload"),
        ("sync", {"room": "x/main"}, "invalid_payload"),
        ("join", {"last_seq": "7"}, "invalid_payload"),
    ]


async def test_bad_requests_get_a_clear_error_and_change_nothing(
    connect: Connect, session_id: str
) -> None:
    amy, bob = await pair(connect)
    room = f"{session_id}/main"
    last = amy.seen[-1]["seq"]

    for event, data, code in _bad_requests(bob.id):
        assert_error(await amy.call(event, data), code)

    # The room did not change ...
    assert await bob.call("sync", {"room": room, "since": last}) == {"ok": True, "events": []}
    # ... nobody was told anything, nobody got a signal, and Amy is still in her seat.
    await barrier(amy, bob)
    await signal_barrier(amy, bob)
    assert_error(await amy.call("join", {}), "already_joined")


@pytest.mark.parametrize("event", ["connect", "disconnect"])
async def test_events_named_like_connection_events_are_unknown(
    connect: Connect, mint: Mint, session_id: str, event: str
) -> None:
    """Socket.IO hands such events to the connect/disconnect handlers: a client must not
    be able to fake its own drop (and later 'connection_lost') or swap its identity."""
    amy, bob = await pair(connect)
    other = {"token": mint(session_id, "Eve", Role.FACILITATOR), "session": session_id}
    for args in [(), ("x",), ({}, other)]:
        ack = await bob.sio.call(event, args, timeout=TIMEOUT)
        assert_error(ack, "unknown_event")
    # Bob is still joined as himself, and nobody saw him drop.
    await barrier(bob, amy)
    assert_error(await bob.call("join", {}), "already_joined")
    assert bob.sio.connected


async def test_requests_before_joining_are_refused(connect: Connect, session_id: str) -> None:
    amy, bob = await pair(connect)
    sam = await connect("Sam")
    room = f"{session_id}/main"
    for event, data in [
        ("media.update", {"audio_muted": True}),
        ("signal", {"to": bob.id, "pc": "p", "description": OFFER}),
        ("sync", {"room": room, "since": 0}),
        ("leave", None),
    ]:
        assert_error(await sam.call(event, data), "not_joined")
    # Validation still comes first.
    assert_error(await sam.call("no.such.event", {}), "unknown_event")
    assert_error(await sam.call("media.update", {"audio_muted": "no"}), "invalid_payload")
    await barrier(amy, bob)
    assert bob.signals.empty()


# ---- rate limits ---------------------------------------------------------------------------
async def test_a_flooding_client_is_limited_and_nobody_else_is(
    connect: Connect, session_id: str
) -> None:
    flooder = await connect("Flood")
    await flooder.join()
    amy = await connect("Amy", session=f"{session_id}-calm")
    await amy.join()
    bob = await connect("Bob", session=f"{session_id}-calm")
    await bob.join()
    await amy.event_named("participant.joined", bob.id)
    await bob.drain()

    room = f"{session_id}/main"
    flood = asyncio.gather(
        *(
            flooder.call("sync", {"room": room, "since": 0}, wait=20)
            for _ in range(protocol.RATE_BURST + 150)
        )
    )
    # Meanwhile, in another session, the group goes on as usual.
    for _ in range(5):
        await barrier(bob, amy)
    acks = await flood

    limited = [a for a in acks if not a["ok"]]
    assert limited, "the flood was never limited"
    for ack in limited:
        assert_error(ack, "rate_limited")
    assert len(acks) - len(limited) >= protocol.RATE_BURST


async def test_an_oversized_message_costs_only_the_sender_its_connection(
    connect: Connect,
) -> None:
    amy, bob = await pair(connect)
    huge = {"type": "offer", "sdp": "a" * (protocol.MAX_MESSAGE_BYTES * 3)}
    await bob.sio.emit("signal", {"to": amy.id, "pc": "p", "description": huge})
    await asyncio.wait_for(bob.gone.wait(), TIMEOUT)

    dropped = await amy.next_event()
    assert dropped["name"] == "participant.updated"
    assert dropped["payload"]["participant"]["connection"] == "reconnecting"
    assert amy.signals.empty()
    assert await amy.call("media.update", {"audio_muted": True}) == {"ok": True}


# ---- several server processes ------------------------------------------------------------
@pytest.mark.redis
async def test_two_server_processes_share_one_redis(
    make_server: Callable[..., ServerProcess],
    redis_server: RedisProcess,
    connect: Connect,
    mint: Mint,
    session_id: str,
) -> None:
    node1 = make_server(extra_args=["--redis-url", redis_server.url])
    node2 = make_server(extra_args=["--redis-url", redis_server.url])
    amy = await connect("Amy", Role.FACILITATOR, on=node1)
    await amy.join()
    bob = await connect("Bob", on=node2)
    bob_ack = await bob.join()
    assert [p["name"] for p in bob_ack["room"]["participants"]] == ["Amy", "Bob"]
    assert (await amy.event_named("participant.joined", bob.id))["seq"] == bob_ack["room"]["seq"]

    await barrier(bob, amy)
    ack = await amy.call("signal", {"to": bob.id, "pc": "pc-1", "description": OFFER})
    assert ack == {"ok": True}
    assert (await bob.next_signal())["from"] == amy.id

    # The same link opened on the other node closes the first window there.
    token = mint(session_id, "Cat")
    laptop = await connect(token=token, on=node1)
    await laptop.join()
    await amy.event_named("participant.joined", laptop.id)
    await bob.event_named("participant.joined", laptop.id)
    phone = await connect(token=token, on=node2)
    assert (await phone.join())["resumed"] is True
    assert (await asyncio.wait_for(laptop.closed.get(), TIMEOUT))["code"] == "replaced"
    await asyncio.wait_for(laptop.gone.wait(), TIMEOUT)
    await barrier(phone, amy, bob)


@pytest.mark.redis
async def test_a_connection_closed_while_joining_leaves_no_ghost(
    make_server: Callable[..., ServerProcess],
    redis_server: RedisProcess,
    connect: Connect,
    session_id: str,
) -> None:
    """Flaky connections close mid-join. With Redis the join has real waits in it; a seat
    taken after its connection closed must still be given up after the grace period."""
    node = make_server(grace_seconds=1.0, extra_args=["--redis-url", redis_server.url])
    amy = await connect("Amy", Role.FACILITATOR, on=node)
    await amy.join()
    for i in range(40):
        client = await connect(f"P{i}", on=node)
        await client.sio.emit("join", {})
        if i % 4:
            await asyncio.sleep(0.001 * (i % 4))
        await client.close()

    present: set[str] = set()
    while True:
        event = await amy.next_event()  # fails on a timeout if someone never leaves
        if subject(event) == amy.id:
            continue
        if event["name"] == "participant.joined":
            present.add(subject(event))
        elif event["name"] == "participant.left":
            present.discard(subject(event))
        if not present:
            break
    ack = await amy.call("sync", {"room": f"{session_id}/main", "since": 10**9})
    others = [p for p in ack["snapshot"]["participants"] if p["id"] != amy.id]
    assert not [p for p in others if p["connection"] == "connected"], others


# ---- replaced connections ------------------------------------------------------------------
async def test_same_link_opened_twice_closes_the_older_window(
    connect: Connect, mint: Mint, session_id: str
) -> None:
    amy, _ = await pair(connect)
    token = mint(session_id, "Cat")
    laptop = await connect(token=token)
    first = await laptop.join()
    await amy.event_named("participant.joined", first["self"]["id"])

    phone = await connect(token=token)
    second = await phone.join()
    assert second["resumed"] is True
    assert second["self"]["seat"] == first["self"]["seat"]

    closed = await asyncio.wait_for(laptop.closed.get(), TIMEOUT)
    assert closed["code"] == "replaced" and closed["message"]
    await asyncio.wait_for(laptop.gone.wait(), TIMEOUT)
    # For the others, nothing happened: the same person, still connected.
    await barrier(amy, amy)
    assert [e["name"] for e in amy.seen].count("participant.left") == 0
    # The new window works.
    assert await phone.call("media.update", {"audio_muted": True}) == {"ok": True}
    changed = await amy.next_event()
    assert changed["payload"]["participant"]["id"] == first["self"]["id"]


# ---- reconnecting --------------------------------------------------------------------------
async def test_reconnect_within_grace_resumes_the_seat(
    server: ServerProcess, connect: Connect, mint: Mint, session_id: str
) -> None:
    amy = await connect("Amy", Role.FACILITATOR)
    await amy.join()
    token = mint(session_id, "Bob")
    bob = await connect(token=token)
    first = await bob.join()
    await amy.event_named("participant.joined", bob.id)
    last_seq = first["room"]["seq"]

    await bob.close()
    dropped_at = time.monotonic()
    away = await amy.next_event()
    assert away["name"] == "participant.updated"
    assert away["payload"]["participant"]["connection"] == "reconnecting"
    assert away["payload"]["participant"]["seat"] == first["self"]["seat"]
    # Something happens while Bob is away.
    assert await amy.call("media.update", {"audio_muted": True}) == {"ok": True}
    muted = await amy.next_event()

    bob_again = await connect(token=token)
    again = await bob_again.join(last_seq=last_seq)
    assert again["resumed"] is True
    assert again["self"]["seat"] == first["self"]["seat"]
    assert again["self"]["connection"] == "connected"
    missed = again["missed"]
    assert [e["seq"] for e in missed] == list(range(last_seq + 1, again["room"]["seq"] + 1))
    assert away in missed and muted in missed

    back = await amy.next_event()
    assert back["name"] == "participant.updated"
    assert back["payload"]["participant"]["id"] == bob.id
    assert back["payload"]["participant"]["connection"] == "connected"

    # Well past the moment the seat would have expired, Bob is still there.
    await asyncio.sleep(max(0.0, dropped_at + server.grace_seconds + 0.5 - time.monotonic()))
    await barrier(bob_again, amy)
    names = [e["name"] for e in amy.seen if subject(e) == bob.id]
    assert names == ["participant.joined", *["participant.updated"] * 3]


async def test_a_seat_is_given_up_after_the_grace_period(
    make_server: Callable[..., ServerProcess], connect: Connect, mint: Mint, session_id: str
) -> None:
    short = make_server(grace_seconds=1.0)
    amy = await connect("Amy", Role.FACILITATOR, on=short)
    await amy.join()
    token = mint(session_id, "Bob")
    bob = await connect(token=token, on=short)
    first = await bob.join()
    await amy.event_named("participant.joined", bob.id)

    await bob.close()
    away = await amy.next_event()
    dropped_at = time.monotonic()
    assert away["payload"]["participant"]["connection"] == "reconnecting"

    left = await amy.next_event()
    assert time.monotonic() - dropped_at >= 0.9  # not before the grace period
    assert left["name"] == "participant.left"
    assert left["payload"] == {"participant_id": bob.id, "reason": "connection_lost"}
    assert left["seq"] == away["seq"] + 1

    # Coming back later is a new arrival.
    bob_later = await connect(token=token, on=short)
    later = await bob_later.join(last_seq=first["room"]["seq"])
    assert later["resumed"] is False and later["missed"] is None
    assert later["self"]["seat"] != first["self"]["seat"]
    rejoined = await amy.next_event()
    assert rejoined["name"] == "participant.joined"


# ---- sync ----------------------------------------------------------------------------------
async def test_sync_returns_missed_events_or_a_snapshot(
    connect: Connect, session_id: str
) -> None:
    amy, bob = await pair(connect)
    room = f"{session_id}/main"
    assert await bob.call("media.update", {"audio_muted": True}) == {"ok": True}
    update = await amy.next_event()

    ack = await amy.call("sync", {"room": room, "since": update["seq"] - 1})
    assert ack == {"ok": True, "events": [update]}
    assert await amy.call("sync", {"room": room, "since": update["seq"]}) == {
        "ok": True, "events": []
    }
    everything = await amy.call("sync", {"room": room, "since": 0})
    assert [e["seq"] for e in everything["events"]] == list(range(1, update["seq"] + 1))

    # A number the room never reached (say, from before a server restart): a snapshot.
    ack = await amy.call("sync", {"room": room, "since": update["seq"] + 100})
    assert set(ack) == {"ok", "snapshot"}
    snapshot = ack["snapshot"]
    assert snapshot["room"] == room and snapshot["seq"] == update["seq"]
    assert [p["name"] for p in snapshot["participants"]] == ["Amy", "Bob"]
    assert snapshot["participants"][1]["audio_muted"] is True

    for other in (f"{session_id}-other/main", f"{session_id}/breakout-1"):
        assert_error(await amy.call("sync", {"room": other, "since": 0}), "not_in_room")
