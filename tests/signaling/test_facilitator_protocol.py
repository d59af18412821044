"""Coming in, facilitator controls, hands, chat and the audit log, through the real server
(waiting room and ground rules on), with python-socketio clients."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
import socketio

from rooms.model import Role
from signaling import tokens
from tests.support.services import ServerProcess

TIMEOUT = 5.0
# Every display name and chat text used here: none may ever reach the audit log.
NAMES = ["Dr Alvarez", "Bea Quill", "Cyd Marsh", "Dee Onslow", "Eli Park"]
TEXTS = ["I felt anxious this morning", "private note for the facilitator only",
         "a message that will be removed"]


@pytest.fixture(scope="module")
def gated_server(secret: str) -> Iterator[ServerProcess]:
    server = ServerProcess(secret=secret, waiting_room="on", ground_rules="on").start()
    yield server
    server.stop()
    # Whatever the tests did, the audit log carries no name and no chat text.
    assert server.audit_log is not None
    text = server.audit_log.read_text()
    for secret_word in NAMES + TEXTS:
        assert secret_word not in text


class Person:
    def __init__(self, server: ServerProcess, token: str, session: str) -> None:
        self.server, self.token, self.session = server, token, session
        self.sio = socketio.AsyncClient(serializer="msgpack", reconnection=False)
        self.inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.sio.on("*", self._on_any)
        self.id = ""

    async def _on_any(self, event: str, data: Any = None) -> None:
        self.inbox.put_nowait((event, data))

    async def connect(self) -> None:
        await self.sio.connect(self.server.base_url, transports=["websocket"],
                               auth={"token": self.token, "session": self.session},
                               wait_timeout=TIMEOUT)

    async def call(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        ack: dict[str, Any] = await self.sio.call(event, data or {}, timeout=TIMEOUT)
        return ack

    async def ok(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = await self.call(event, data)
        assert ack["ok"], (event, ack)
        return ack

    async def join(self, **request: Any) -> dict[str, Any]:
        await self.connect()
        ack = await self.ok("join", request)
        self.id = ack["self"]["id"]
        return ack

    async def expect(
        self, name: str, match: Callable[[Any], bool] = lambda _: True, wait: float = TIMEOUT
    ) -> Any:
        """The next event called `name` (room events by their inner name) that matches."""
        async def find() -> Any:
            while True:
                event, data = await self.inbox.get()
                if event == "room.event" and data["name"] == name and match(data["payload"]):
                    return data["payload"]
                if event == name and match(data):
                    return data
        return await asyncio.wait_for(find(), wait)

    async def never(self, name: str, barrier: Callable[[], Awaitable[Any]], done: str) -> None:
        """Nothing called `name` arrives before the event `done` that `barrier` causes."""
        await barrier()
        while True:
            event, data = await asyncio.wait_for(self.inbox.get(), TIMEOUT)
            inner = data["name"] if event == "room.event" else event
            assert inner != name, (event, data)
            if inner == done:
                return

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


P = TypeVar("P", bound=Person)


@asynccontextmanager
async def people_of(
    server: ServerProcess, secret: str, kind: type[P], prefix: str
) -> AsyncIterator[Callable[..., P]]:
    """Makes people (of `kind`) of one new session on `server`; all closed at the end."""
    session = f"{prefix}-{uuid.uuid4().hex[:10]}"
    made: list[P] = []

    def person(name: str, role: Role = Role.PARTICIPANT, **kw: Any) -> P:
        token = tokens.mint(secret, session=session, name=name, role=role, **kw)
        p = kind(server, token, session)
        made.append(p)
        return p

    try:
        yield person
    finally:
        for p in made:
            await p.close()


@pytest.fixture
async def group(
    gated_server: ServerProcess, secret: str
) -> AsyncIterator[Callable[..., Person]]:
    async with people_of(gated_server, secret, Person, "fac") as person:
        yield person


def audit_lines(server: ServerProcess, session: str | None = None) -> list[dict[str, Any]]:
    assert server.audit_log is not None
    lines = [json.loads(line) for line in server.audit_log.read_text().splitlines() if line]
    return [line for line in lines if session is None or line["session"] == session]


async def admitted(fac: Person, who: Person, **join: Any) -> dict[str, Any]:
    """`who` joins, accepts the rules, is admitted; returns their room.entered."""
    ack = await who.join(**join)
    assert ack["room"] is None and ack["waiting"]["admitted"] is False
    await fac.expect("waiting.updated", lambda d: any(w["id"] == who.id for w in d["waiting"]))
    await who.ok("rules.accept")
    await fac.ok("admission.admit", {"participant_id": who.id})
    return await who.expect("room.entered")


async def facilitator_and_two(group: Callable[..., Person]) -> tuple[Person, Person, Person]:
    """A facilitator in the room, and two participants they admitted."""
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea, cyd = group(NAMES[1]), group(NAMES[2])
    await admitted(fac, bea)
    await admitted(fac, cyd)
    return fac, bea, cyd


async def test_a_participant_waits_accepts_the_rules_is_admitted_and_appears(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    ack = await fac.join()
    assert ack["room"] is not None and ack["lobby"] == []
    bea = group(NAMES[1])
    ack = await bea.join()
    assert ack["room"] is None
    assert ack["waiting"] == {"admitted": False, "rules_accepted": False, "rules_required": True}
    assert "confidential" in ack["rules"].lower() or "stays in the group" in ack["rules"]
    lobby = await fac.expect("waiting.updated", lambda d: len(d["waiting"]) == 1)
    (entry,) = lobby["waiting"]
    assert entry["name"] == NAMES[1] and entry["waiting_since"] > 0

    # Admitted first: still waiting for the rules; nobody in the room sees them yet.
    await fac.ok("admission.admit", {"participant_id": bea.id})
    status = await bea.expect("waiting.status")
    assert status == {"admitted": True, "rules_accepted": False, "rules_required": True}
    # Waiting people cannot act in the room.
    assert (await bea.call("chat.send", {"to": "room", "text": "hi"}))["error"]["code"] == "waiting"

    await bea.ok("rules.accept")
    entered = await bea.expect("room.entered")
    names = [p["name"] for p in entered["room"]["participants"]]
    assert names == [NAMES[0], NAMES[1]]
    joined = await fac.expect("participant.joined")
    assert joined["participant"]["name"] == NAMES[1]
    session = fac.session
    assert [line["action"] for line in audit_lines(gated_server, session)] == ["admit"]
    line = audit_lines(gated_server, session)[0]
    assert line["actor"] == fac.id and line["target"] == bea.id


async def test_a_denied_participant_sees_the_message_and_cannot_come_back(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    cyd = group(NAMES[2])
    await cyd.join()
    await fac.ok("admission.deny", {"participant_id": cyd.id,
                                    "message": "This group is full today."})
    denied = await cyd.expect("admission.denied")
    assert denied["message"] == "This group is full today."
    closed = await cyd.expect("session.closed")
    assert closed["code"] == "denied"
    again = group(NAMES[2])
    again.token = cyd.token
    await again.connect()
    assert (await again.call("join"))["error"]["code"] == "denied"
    assert [a["action"] for a in audit_lines(gated_server, fac.session)] == ["deny"]


async def test_a_locked_session_admits_no_newcomer_but_lets_members_reconnect(
    group: Callable[..., Person],
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea = group(NAMES[1])
    await admitted(fac, bea)
    await fac.ok("session.configure", {"locked": True})
    assert (await bea.expect("session.updated"))["locked"] is True
    late = group(NAMES[3])
    await late.connect()
    assert (await late.call("join"))["error"]["code"] == "session_locked"
    # Bea drops and comes back: she has a seat, so the lock does not keep her out.
    await bea.close()
    back = group(NAMES[1])
    back.token = bea.token
    ack = await back.join()
    assert ack["room"] is not None


async def test_roster_only_admits_only_listed_people_to_the_waiting_room(
    group: Callable[..., Person],
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    await fac.ok("session.configure", {"roster_only": True, "roster": ["p-listed"]})
    stranger = group(NAMES[3], participant_id="p-stranger")
    await stranger.connect()
    assert (await stranger.call("join"))["error"]["code"] == "not_on_roster"
    listed = group(NAMES[1], participant_id="p-listed")
    assert (await listed.join())["waiting"] is not None


async def test_ask_to_unmute_refuses_a_self_unmute_until_allowed(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea = group(NAMES[1])
    await admitted(fac, bea, audio_muted=True)
    await fac.ok("moderate.ask_to_unmute", {"on": True})
    refused = await bea.call("media.update", {"audio_muted": False})
    assert refused["error"]["code"] == "unmute_not_allowed"
    await bea.ok("unmute.request")
    asked = await fac.expect("participant.updated",
                             lambda d: d["participant"]["unmute_requested"])
    assert asked["participant"]["id"] == bea.id
    await fac.ok("unmute.allow", {"participant_id": bea.id})
    await bea.expect("unmute.allowed")
    await bea.ok("media.update", {"audio_muted": False})
    # Muting again uses up the permission.
    await bea.ok("media.update", {"audio_muted": True})
    again = await bea.call("media.update", {"audio_muted": False})
    assert again["error"]["code"] == "unmute_not_allowed"
    actions = [a["action"] for a in audit_lines(gated_server, fac.session)]
    assert actions == ["admit", "ask_to_unmute", "allow_unmute"]


async def test_mute_all_mutes_everyone_but_the_facilitators(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac, bea, cyd = await facilitator_and_two(group)
    await fac.ok("moderate.mute_all")
    muted = set()
    while muted != {bea.id, cyd.id}:
        update = await fac.expect("participant.updated")
        if update["participant"]["audio_muted"]:
            muted.add(update["participant"]["id"])
    # Not ask-to-unmute mode: they may unmute themselves.
    await bea.ok("media.update", {"audio_muted": False})
    actions = [a["action"] for a in audit_lines(gated_server, fac.session)]
    assert actions.count("mute_all") == 1


async def test_a_removed_participant_cannot_come_back_with_the_same_link(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    dee = group(NAMES[3])
    await admitted(fac, dee)
    await fac.ok("moderate.remove", {"participant_id": dee.id, "keep_out": True})
    assert (await dee.expect("session.closed"))["code"] == "removed"
    left = await fac.expect("participant.left")
    assert left == {"participant_id": dee.id, "reason": "removed"}
    back = group(NAMES[3])
    back.token = dee.token
    await back.connect()
    assert (await back.call("join"))["error"]["code"] == "removed"
    line = audit_lines(gated_server, fac.session)[-1]
    assert (line["action"], line["target"], line["detail"]) == (
        "remove", dee.id, {"keep_out": True}
    )


async def test_hands_queue_in_order_and_the_facilitator_calls_the_next(
    group: Callable[..., Person],
) -> None:
    fac, bea, cyd = await facilitator_and_two(group)
    await cyd.ok("hand.raise")
    await bea.ok("hand.raise")
    queue = await fac.expect("hands.updated", lambda d: len(d["queue"]) == 2)
    assert queue["queue"] == [cyd.id, bea.id]
    await fac.ok("hand.next")
    called = await bea.expect("hands.updated", lambda d: d["called"] is not None)
    assert called == {"queue": [bea.id], "called": cyd.id}
    await bea.ok("hand.lower")
    assert (await cyd.expect("hands.updated", lambda d: d["queue"] == []))["called"] is None
    # A participant cannot lower someone else's hand.
    await cyd.ok("hand.raise")
    refused = await bea.call("hand.lower", {"participant_id": cyd.id})
    assert refused["error"]["code"] == "not_permitted"


async def test_spotlight_reaches_everyone(group: Callable[..., Person]) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea = group(NAMES[1])
    await admitted(fac, bea)
    await fac.ok("room.spotlight", {"participant_id": bea.id})
    assert (await bea.expect("room.spotlight")) == {"participant_id": bea.id}
    await fac.ok("room.spotlight", {})
    assert (await bea.expect("room.spotlight")) == {"participant_id": None}


async def test_chat_to_the_room_to_the_facilitators_and_removed(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac, bea, cyd = await facilitator_and_two(group)
    await bea.ok("chat.send", {"to": "room", "text": TEXTS[0]})
    for person in (fac, bea, cyd):
        message = (await person.expect("chat.message"))["message"]
        assert (message["text"], message["name"], message["to"]) == (TEXTS[0], NAMES[1], "room")
    await bea.ok("chat.send", {"to": "facilitators", "text": TEXTS[1]})
    assert (await fac.expect("chat.message"))["message"]["text"] == TEXTS[1]
    assert (await bea.expect("chat.message"))["message"]["text"] == TEXTS[1]
    await cyd.never("chat.message", lambda: cyd.ok("hand.raise"), "hands.updated")

    await cyd.ok("chat.send", {"to": "room", "text": TEXTS[2]})
    removed_id = (await fac.expect("chat.message", lambda d: d["message"]["text"] == TEXTS[2]))[
        "message"]["id"]
    await fac.ok("chat.remove", {"message_id": removed_id})
    assert (await bea.expect("chat.removed"))["id"] == removed_id
    # A late joiner's history: the removed message has no text; the private one is absent.
    eli = group(NAMES[4])
    entered = await admitted(fac, eli)
    history = [(m["text"], m["removed"]) for m in entered["chat"]]
    assert history == [(TEXTS[0], False), ("", True)]
    # Limits: too long, and too many at once.
    too_long = await bea.call("chat.send", {"to": "room", "text": "x" * 1001})
    assert too_long["error"]["code"] == "payload_too_large"
    codes = [(await eli.call("chat.send", {"to": "room", "text": f"n{i}"}))
             for i in range(7)]
    assert any(not c["ok"] and c["error"]["code"] == "rate_limited" for c in codes)
    assert "remove_chat_message" in [a["action"] for a in audit_lines(gated_server, fac.session)]


async def test_a_promoted_cofacilitator_admits_and_ending_closes_the_session(
    group: Callable[..., Person], gated_server: ServerProcess
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea = group(NAMES[1])
    await admitted(fac, bea)
    assert (await bea.call("admission.admit_all"))["error"]["code"] == "not_permitted"
    await fac.ok("moderate.promote", {"participant_id": bea.id, "role": "cofacilitator"})
    await bea.expect("participant.updated", lambda d: d["participant"]["role"] == "cofacilitator")
    cyd = group(NAMES[2])
    await cyd.join()
    await bea.expect("waiting.updated", lambda d: len(d["waiting"]) == 1)
    await cyd.ok("rules.accept")
    await bea.ok("admission.admit_all")
    await cyd.expect("room.entered")

    await fac.ok("session.end", {"message": "Thank you for today."})
    for person in (bea, cyd):
        assert (await person.expect("session.ended"))["message"] == "Thank you for today."
        assert (await person.expect("session.closed"))["code"] == "session_ended"
    late = group(NAMES[3])
    await late.connect()
    assert (await late.call("join"))["error"]["code"] == "session_ended"
    actions = [a["action"] for a in audit_lines(gated_server, fac.session)]
    assert actions == ["admit", "promote", "admit", "end_session"]


async def test_a_facilitator_of_another_session_controls_nothing_here(
    group: Callable[..., Person], gated_server: ServerProcess, secret: str
) -> None:
    fac = group(NAMES[0], Role.FACILITATOR)
    await fac.join()
    bea = group(NAMES[1])
    await admitted(fac, bea)
    other_session = "other-" + uuid.uuid4().hex[:8]
    stranger = Person(gated_server, tokens.mint(secret, session=other_session, name="X",
                                                role=Role.FACILITATOR), other_session)
    try:
        await stranger.join()
        for event, data in (
            ("moderate.mute", {"participant_id": bea.id, "audio": True}),
            ("moderate.remove", {"participant_id": bea.id, "keep_out": True}),
            ("admission.admit", {"participant_id": bea.id}),
            ("moderate.promote", {"participant_id": bea.id, "role": "cofacilitator"}),
            ("room.spotlight", {"participant_id": bea.id}),
        ):
            ack = await stranger.call(event, data)
            assert not ack["ok"] and ack["error"]["code"] in ("peer_not_in_room", "not_found")
        await bea.never("participant.updated", lambda: bea.ok("hand.raise"), "hands.updated")
        assert audit_lines(gated_server, other_session) == []
    finally:
        await stranger.close()


async def test_an_expired_facilitator_link_gets_nowhere(
    gated_server: ServerProcess, secret: str
) -> None:
    token = tokens.mint(secret, session="any", name="Late", role=Role.FACILITATOR,
                        now=1_000_000.0, ttl_seconds=60)
    client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(gated_server.base_url, transports=["websocket"],
                             auth={"token": token, "session": "any"}, wait_timeout=TIMEOUT)
