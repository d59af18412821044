"""The whiteboard through the real server process, with python-socketio clients: ordering,
catching up, late joiners, locking, clearing, refusals, flooding, breakouts and the SVG
export over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from facilitation.whiteboard import board_hash
from rooms.model import Role
from rooms.whiteboard import Element
from signaling import tokens
from tests.facilitation.test_whiteboard import shape
from tests.signaling.test_facilitator_protocol import TIMEOUT, Person, audit_lines, people_of
from tests.support.services import RedisProcess, ServerProcess

# Names and drawn words: none may reach the audit log or the server's log.
PRIVATE = ["Marta Quintero", "I feel like a burden to my family", "Jonas Weber"]


class Drawer(Person):
    """A person at the board: every `whiteboard.applied` they receive is kept in order."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.applied: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.counter = 0

    async def _on_any(self, event: str, data: Any = None) -> None:
        if event == "whiteboard.applied":
            self.applied.put_nowait(data)
        else:
            await super()._on_any(event, data)

    async def draw(self, op: dict[str, Any]) -> dict[str, Any]:
        self.counter += 1
        return await self.call("whiteboard.op", {"op": op, "client_op_id": f"c-{self.counter}"})

    async def add(self, eid: str, kind: str = "rect", **kw: Any) -> int:
        ack = await self.draw({"type": "add", "element": shape(eid, kind, **kw)})
        assert ack["ok"], ack
        return int(ack["seq"])

    async def next_applied(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.applied.get(), TIMEOUT)

    async def board(self, since: int | None = None) -> dict[str, Any]:
        ack = await self.ok("whiteboard.sync", {"since": since})
        board: dict[str, Any] = ack["board"]
        return board


def live(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert board["snapshot"] is not None
    return {e["id"]: e for e in board["snapshot"]["elements"]}


def hash_of(elements: dict[str, dict[str, Any]]) -> str:
    return board_hash(Element.from_dict(e) for e in elements.values())


@pytest.fixture(scope="module")
def redis_backed(redis_server: RedisProcess, secret: str) -> Iterator[ServerProcess]:
    server = ServerProcess(secret=secret, extra_args=["--redis-url", redis_server.url]).start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def any_server(request: pytest.FixtureRequest, server: ServerProcess) -> ServerProcess:
    """The shared server (memory store) and one keeping state in Redis."""
    if request.param == "redis":
        backed: ServerProcess = request.getfixturevalue("redis_backed")
        return backed
    return server


People = Callable[..., Drawer]


@pytest.fixture
async def group(server: ServerProcess, secret: str) -> AsyncIterator[People]:
    async with people_of(server, secret, Drawer, "wb") as person:
        yield person


@pytest.fixture
async def any_group(any_server: ServerProcess, secret: str) -> AsyncIterator[People]:
    async with people_of(any_server, secret, Drawer, "wb") as person:
        yield person


# ---- order and catching up --------------------------------------------------------------------
async def test_everyone_gets_every_op_in_the_order_of_the_acked_seq(any_group: People) -> None:
    people = [any_group("Fac", Role.FACILITATOR), *(any_group(n) for n in ("Ann", "Ben", "Cy"))]
    for p in people:
        await p.join()

    async def scribble(p: Drawer, i: int) -> list[tuple[int, str]]:
        acks = []
        for n in range(10):
            kind = ("stroke", "note", "arrow", "ellipse")[n % 4]
            acks.append((await p.add(f"{p.id}-{n}", kind, x=10.0 * n + i), p.id))
        return acks

    acked = sorted(a for acks in await asyncio.gather(
        *(scribble(p, i) for i, p in enumerate(people))) for a in acks)
    assert [seq for seq, _ in acked] == list(range(1, 41))
    for p in people:
        ops = [(await p.next_applied())["op"] for _ in range(40)]
        assert [op["seq"] for op in ops] == list(range(1, 41))
        assert [(op["seq"], op["author"]) for op in ops] == acked
        elements = {e["id"]: e for op in ops for e in op["elements"]}
        assert hash_of(elements) == (await p.board())["hash"]


async def test_a_late_joiner_gets_the_board_and_a_reconnect_what_it_missed(
    any_group: People,
) -> None:
    ann, ben = any_group("Ann"), any_group("Ben")
    await ann.join()
    for i in range(3):
        await ann.add(f"a{i}", "note", text=PRIVATE[1])
    await ben.join()
    late = await ben.board()
    assert late["seq"] == 3 and late["ops"] == []
    assert sorted(live(late)) == ["a0", "a1", "a2"]
    assert late["settings"] == {"mode": "open", "drawers": []}

    await ben.close()  # his connection drops; Ann draws on
    await ann.add("a3", "stroke")
    assert (await ann.draw({"type": "delete", "ids": ["a0"]}))["ok"]
    again = Drawer(ben.server, ben.token, ben.session)
    try:
        await again.join()
        missed = await again.board(since=3)
        assert missed["snapshot"] is None
        assert [op["seq"] for op in missed["ops"]] == [4, 5]
        board = dict(live(late))
        for op in missed["ops"]:
            board.update({e["id"]: e for e in op["elements"]})
        assert hash_of(board) == missed["hash"] == (await ann.board())["hash"]
    finally:
        await again.close()


# ---- who may draw, clearing, undo -------------------------------------------------------------
async def test_a_locked_board_refuses_a_participant_at_the_server(
    group: People, server: ServerProcess
) -> None:
    fac, ann, ben = group("Fac", Role.FACILITATOR), group(PRIVATE[0]), group(PRIVATE[2])
    for p in (fac, ann, ben):
        await p.join()
    await ann.add("a1")
    ack = await fac.ok("whiteboard.configure", {"mode": "locked", "drawers": [ben.id]})
    assert ack["settings"] == {"mode": "locked", "drawers": [ben.id]}
    for p in (fac, ann, ben):
        told = await p.expect("whiteboard.settings")
        assert told["settings"] == ack["settings"] and told["room"].endswith("/main")

    before = await fac.board()
    for attempt in (
        ann.draw({"type": "add", "element": shape("a2")}),
        ann.draw({"type": "update", "id": "a1", "changes": {"x": 5}}),
        ann.call("whiteboard.undo"),
    ):
        refusal = await attempt
        assert refusal["error"]["code"] == "whiteboard_locked"
    assert await fac.board() == before
    assert (await ann.call("whiteboard.configure", {"mode": "open"}))["error"]["code"] == (
        "not_permitted")
    await ben.add("b1")
    await fac.add("f1")
    assert sorted(live(await ann.board())) == ["a1", "b1", "f1"]
    (line,) = audit_lines(server, fac.session)
    assert line["action"] == "configure_whiteboard" and line["actor"] == fac.id
    assert line["detail"] == {"mode": "locked", "drawers": [ben.id]}


async def test_clear_and_undo_clear_through_the_server(
    group: People, server: ServerProcess
) -> None:
    fac, ann = group("Fac", Role.FACILITATOR), group("Ann")
    await fac.join()
    await ann.join()
    await ann.add("n1", "note", text=PRIVATE[1])
    await ann.add("s1", "stroke")
    assert (await ann.draw({"type": "clear"}))["error"]["code"] == "not_permitted"
    cleared = await fac.draw({"type": "clear"})
    assert cleared["ok"] and live(await ann.board()) == {}
    undone = await fac.ok("whiteboard.undo")
    assert undone["seq"] == cleared["seq"] + 1
    ops = [(await ann.next_applied())["op"] for _ in range(4)]
    assert [op["kind"] for op in ops] == ["add", "add", "clear", "undo"]
    assert {e["id"] for e in ops[-1]["elements"]} == {"n1", "s1"}
    assert live(await ann.board())["n1"]["text"] == PRIVATE[1]
    actions = [x["action"] for x in audit_lines(server, fac.session)]
    assert actions == ["clear_whiteboard", "undo_clear_whiteboard"]
    assert server.audit_log is not None and PRIVATE[1] not in server.audit_log.read_text()
    assert PRIVATE[1] not in server.log()


async def test_undo_by_one_person_never_removes_anothers_work(group: People) -> None:
    ann, ben = group("Ann"), group("Ben")
    await ann.join()
    await ben.join()
    await ann.add("a1")
    await ben.add("b1")
    await ann.ok("whiteboard.undo")
    assert (await ann.call("whiteboard.undo"))["error"]["code"] == "nothing_to_undo"
    assert sorted(live(await ben.board())) == ["b1"]
    await ann.ok("whiteboard.redo")
    assert (await ann.call("whiteboard.redo"))["error"]["code"] == "nothing_to_redo"
    assert sorted(live(await ben.board())) == ["a1", "b1"]


# ---- refusals and flooding -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("request_", "code"),
    [
        ({"op": {"type": "add", "element": shape("x", "stroke", points=[[0, 0, 0.5]] * 2001)},
          "client_op_id": "c-1"}, "payload_too_large"),
        ({"op": {"type": "add", "element": shape("x", kind="circle")}, "client_op_id": "c-1"},
         "invalid_payload"),
        ({"op": {"type": "add", "element": shape("x", color="red")}, "client_op_id": "c-1"},
         "invalid_payload"),
        ({"op": {"type": "add", "element": shape("x", "line")}, "client_op_id": "bad id"},
         "invalid_payload"),
        ({"op": {"type": "add", "element": {**shape("x"), "author": "me"}},
          "client_op_id": "c-1"}, "invalid_payload"),
        ({"op": {"type": "update", "id": "nope", "changes": {"x": 1}}, "client_op_id": "c-1"},
         "not_found"),
        ({"op": {"type": "delete", "ids": ["kept", "nope"]}, "client_op_id": "c-1"},
         "not_found"),
        ({"op": {"type": "erase"}, "client_op_id": "c-1"}, "invalid_payload"),
        ({"op": {"type": "add", "element": shape("x", "note", text="w" * 501)},
          "client_op_id": "c-1"}, "payload_too_large"),
    ],
)
async def test_bad_operations_get_a_clear_code_and_change_nothing(
    group: People, request_: dict[str, Any], code: str
) -> None:
    ann = group("Ann")
    await ann.join()
    await ann.add("kept")
    before = await ann.board()
    refusal = await ann.call("whiteboard.op", request_)
    assert refusal["ok"] is False and refusal["error"]["code"] == code, refusal
    assert refusal["error"]["message"]
    assert await ann.board() == before


async def test_observers_and_people_outside_the_session_cannot_draw(group: People) -> None:
    obs = group("Obs", Role.OBSERVER)
    await obs.join()
    refusal = await obs.draw({"type": "add", "element": shape("o1")})
    assert refusal["error"]["code"] == "not_permitted"
    assert live(await obs.board()) == {}
    stranger = group("Zed")
    await stranger.connect()  # connected but not joined
    refusal = await stranger.draw({"type": "add", "element": shape("z1")})
    assert refusal["error"]["code"] == "not_joined"


async def test_flooding_is_refused_and_disturbs_no_other_room(
    group: People, server: ServerProcess, secret: str
) -> None:
    ann, ben = group("Ann"), group("Ben")
    await ann.join()
    await ben.join()
    async with people_of(server, secret, Drawer, "wb-other") as others:
        elsewhere = others("Other room")
        await elsewhere.join()
        acks = await asyncio.gather(
            *(ann.draw({"type": "add", "element": shape(f"f{i}")}) for i in range(150))
        )
        ok = sorted(a["seq"] for a in acks if a["ok"])
        limited = [a for a in acks if not a["ok"]]
        assert limited and {a["error"]["code"] for a in limited} == {"rate_limited"}
        assert ok == list(range(1, len(ok) + 1))
        assert len(live(await ben.board())) == len(ok)
        # Another session's room draws as usual meanwhile.
        assert await elsewhere.add("calm") == 1
        assert (await elsewhere.next_applied())["op"]["elements"][0]["id"] == "calm"


async def test_cursors_reach_the_room_in_batches_throttled(group: People) -> None:
    ann, ben = group("Ann"), group("Ben")
    await ann.join()
    await ben.join()
    for i in range(60):
        await ann.sio.emit("whiteboard.cursor", {"x": float(i), "y": 5.0})
    # Ben gets the room's pointers in a batch: one entry per person, the newest position.
    batches = await cursor_batches(ben)
    entries = [c for b in batches for c in b["cursors"]]
    assert entries and all(c["participant_id"] == ann.id and c["name"] == "Ann" for c in entries)
    assert all(len(b["cursors"]) == 1 for b in batches)
    # Sixty moves sent at once: a few batches (the throttle lets some through), not sixty.
    assert 1 <= len(batches) < 10
    assert entries[-1]["y"] == 5.0 and 0.0 <= entries[-1]["x"] <= 59.0


async def cursor_batches(person: Drawer, quiet: float = 0.5) -> list[Any]:
    """The `whiteboard.cursors` batches the person gets until none came for `quiet` s."""
    batches: list[Any] = []
    while True:
        try:
            event, data = await asyncio.wait_for(person.inbox.get(), quiet if batches else 5.0)
        except TimeoutError:
            return batches
        if event == "whiteboard.cursors":
            batches.append(data)


def received(person: Drawer, name: str) -> list[Any]:
    """The events called `name` waiting in the person's inbox."""
    found = []
    while not person.inbox.empty():
        event, data = person.inbox.get_nowait()
        if event == name:
            found.append(data)
    return found


# ---- rooms apart, the HTTP export --------------------------------------------------------------
async def test_each_breakout_draws_on_its_own_board(group: People) -> None:
    fac, ann, ben, cy = (group("Fac", Role.FACILITATOR), group("Ann"), group("Ben"),
                         group("Cy"))
    for p in (fac, ann, ben, cy):
        await p.join()
    await fac.ok("breakouts.create", {"names": ["Pairs"]})
    await fac.ok("breakouts.assign", {"assignments": {ann.id: "breakout-1", ben.id: "breakout-1"}})
    await fac.ok("breakouts.open", {})
    for p in (ann, ben):
        await p.expect("room.entered", lambda d: d["room"]["room"].endswith("/breakout-1"))

    await ann.add("pair-note", "note")
    got = await ben.next_applied()
    assert got["room"].endswith("/breakout-1") and got["op"]["seq"] == 1
    await fac.add("main-note")
    assert (await cy.next_applied())["op"]["elements"][0]["id"] == "main-note"
    assert cy.applied.empty()
    assert sorted(live(await ben.board())) == ["pair-note"]
    assert sorted(live(await cy.board())) == ["main-note"]
    refusal = await ann.draw({"type": "delete", "ids": ["main-note"]})
    assert refusal["error"]["code"] == "not_found"


async def get_svg(server: ServerProcess, session: str, room: str,
                  token: str | None) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{server.base_url}/api/sessions/{session}/rooms/{room}/whiteboard.svg"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_the_board_as_svg_over_http_for_facilitators_only(
    group: People, server: ServerProcess, secret: str
) -> None:
    fac, ann = group("Fac", Role.FACILITATOR), group("Ann")
    await fac.join()
    await ann.join()
    await ann.add("n1", "note", w=600.0, text="<b>Hi</b> & bye")
    await ann.add("s1", "stroke")
    session = fac.session

    status, kind, svg = await get_svg(server, session, "main", fac.token)
    assert (status, kind) == (200, "image/svg+xml; charset=utf-8")
    assert "&lt;b&gt;Hi&lt;/b&gt; &amp; bye" in svg and "<b>" not in svg
    assert svg.count("<path") == 1 and 'viewBox="0 0 1600 1000"' in svg

    other = tokens.mint(secret, session="another-session", name="F", role=Role.FACILITATOR)
    for token, expected in ((None, (401, "token_missing")), ("nonsense", (401, "token_invalid")),
                            (other, (401, "token_wrong_session")),
                            (ann.token, (403, "not_permitted"))):
        status, _, body = await get_svg(server, session, "main", token)
        assert (status, body.count(expected[1])) == (expected[0], 1), body
    assert (await get_svg(server, session, "breakout-7", fac.token))[0] == 404
    assert (await get_svg(server, session, "no%20such", fac.token))[0] == 400
    nobody = "nobody-" + uuid.uuid4().hex[:6]
    stray = tokens.mint(secret, session=nobody, name="F", role=Role.FACILITATOR)
    assert (await get_svg(server, nobody, "main", stray))[0] == 404

    (line,) = audit_lines(server, session)
    assert (line["action"], line["actor"], line["room"]) == ("export_whiteboard", fac.id, "main")

    await fac.ok("session.end", {})
    assert (await get_svg(server, session, "main", fac.token))[0] == 409
