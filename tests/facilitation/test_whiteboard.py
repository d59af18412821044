"""The whiteboard's rules: drawing, per-person undo and redo, clearing, locking, limits,
late joiners, compaction, rooms apart, the state hash and the SVG export.

Plain unit tests: a MemoryStore and a fake clock, no transport.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest

from facilitation import (
    AdmissionPolicy,
    Audit,
    Breakouts,
    ErrorCode,
    Identity,
    Moderation,
    Presence,
    Refused,
    ToRoomVolatile,
    Whiteboard,
)
from facilitation import board as rules
from facilitation import whiteboard as wb
from facilitation.outbox import Delivery
from facilitation.whiteboard import Add, Clear, Delete, Op, Update, board_hash
from facilitation.whiteboard_svg import to_svg
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Role, room_key
from rooms.whiteboard import Element
from tests.facilitation.test_presence import SESSION, Clock, ident

MAIN = room_key(SESSION, MAIN_ROOM)
OPEN_DOOR = AdmissionPolicy(waiting_room=False, ground_rules=False)
FAC = ident("fac", Role.FACILITATOR)
ANN, BEN = ident("ann"), ident("ben")
OBS = ident("obs", Role.OBSERVER)
WORDS = "Ich fühle mich <heute> & besser"


def shape(eid: str, kind: str = "rect", **kw: Any) -> dict[str, Any]:
    points: dict[str, list[list[float]]] = {
        "stroke": [[0, 0, 0.5], [10, 4, 0.5], [20, 0, 0.5]],
        "line": [[0, 0, 0.5], [100, 50, 0.5]],
        "arrow": [[0, 0, 0.5], [-40, 80, 0.5]],
    }
    fields: dict[str, Any] = {
        "id": eid, "kind": kind, "x": 100.0, "y": 200.0,
        "w": 0.0 if kind in points else 120.0, "h": 0.0 if kind in points else 80.0,
        "points": points.get(kind, []), "color": "#1f2933",
        "fill": "#fff3b0" if kind == "note" else None, "width": 3.0,
        "text": "a few words" if kind in ("text", "note") else "",
    }
    fields.update(kw)
    return fields


@dataclass
class Board:
    presence: Presence
    wb: Whiteboard
    moderation: Moderation
    breakouts: Breakouts
    clock: Clock

    async def draw(self, who: Identity, op: Op, op_id: str = "c-1") -> tuple[int, dict[str, Any]]:
        seq, out = await self.wb.apply(who, op, op_id)
        return seq, applied(out)

    async def elements(self, who: Identity = FAC) -> dict[str, dict[str, Any]]:
        snapshot = (await self.wb.sync(who, None))["snapshot"]
        return {e["id"]: e for e in snapshot["elements"]}

    async def seq_and_hash(self, who: Identity = FAC) -> tuple[int, str]:
        state = await self.wb.sync(who, None)
        return state["seq"], state["hash"]


def as_sent(element: dict[str, Any]) -> dict[str, Any]:
    """An element as a client receives it (msgpack makes the points' tuples lists)."""
    return {**element, "points": [list(p) for p in element["points"]]}


def applied(out: list[Delivery]) -> dict[str, Any]:
    (event,) = [d for d in out if isinstance(d, ToRoomVolatile)]
    assert event.name == "whiteboard.applied"
    op: dict[str, Any] = event.payload["op"]
    return op


def audits(out: list[Delivery]) -> list[Audit]:
    return [d for d in out if isinstance(d, Audit)]


def make_whiteboard(presence: Presence, clock: Clock, **kw: Any) -> Whiteboard:
    return Whiteboard(presence.store, locks=presence.locks, clock=clock,  # type: ignore[arg-type]
                      admission=OPEN_DOOR, **kw)


@pytest.fixture
async def board() -> Board:
    clock = Clock()
    presence = Presence(MemoryStore(), clock=clock, admission=OPEN_DOOR)
    shared: dict[str, Any] = {"locks": presence.locks, "clock": clock, "admission": OPEN_DOOR}
    b = Board(presence, make_whiteboard(presence, clock), Moderation(presence.store, **shared),
              Breakouts(presence.store, rng=random.Random(3), **shared), clock)
    for who in (FAC, ANN, BEN, OBS):
        await presence.join(who, f"c-{who.participant_id}")
    return b


async def refused(code: ErrorCode, attempt: Any) -> Refused:
    with pytest.raises(Refused) as info:
        await attempt
    assert info.value.code == code, info.value
    return info.value


# ---- drawing ----------------------------------------------------------------------------------
async def test_every_kind_is_drawn_numbered_and_sent_whole_to_the_room(board: Board) -> None:
    for i, kind in enumerate(("stroke", "line", "arrow", "rect", "ellipse", "text", "note")):
        seq, op = await board.draw(ANN, Add(shape(f"e{i}", kind)), f"c-{i}")
        assert seq == op["seq"] == i + 1
        assert op["author"] == "ann" and op["kind"] == "add" and op["client_op_id"] == f"c-{i}"
        (element,) = op["elements"]
        assert as_sent(element) == {**shape(f"e{i}", kind), "author": "ann", "version": 1,
                                    "deleted": False}
    _, out = await board.wb.apply(FAC, Delete(["e0"]), "c-x")
    event = next(d for d in out if isinstance(d, ToRoomVolatile))
    assert event.room == MAIN
    assert len(await board.elements()) == 6


async def test_move_resize_recolour_and_edit_text_change_only_those_fields(board: Board) -> None:
    await board.draw(ANN, Add(shape("n1", "note")))
    _, op = await board.draw(BEN, Update("n1", {"x": 300.0, "w": 240.0, "color": "#c0392b",
                                               "fill": "#d9ecff", "text": WORDS}))
    (note,) = op["elements"]
    assert as_sent(note) == {
        **shape("n1", "note"), "x": 300.0, "w": 240.0, "color": "#c0392b", "fill": "#d9ecff",
        "text": WORDS, "author": "ann", "version": 2, "deleted": False,
    }
    _, op = await board.draw(ANN, Update("n1", {"fill": None}))
    assert op["elements"][0]["fill"] is None and op["elements"][0]["version"] == 3


# ---- undo and redo: your own work only -------------------------------------------------------
async def test_undo_by_one_person_never_removes_anothers_work(board: Board) -> None:
    await board.draw(ANN, Add(shape("a1")))
    await board.draw(BEN, Add(shape("b1", "ellipse")))
    await board.draw(ANN, Add(shape("a2", "stroke")))
    await board.draw(BEN, Add(shape("b2", "note")))

    _, out = await board.wb.undo(ANN)
    assert [(e["id"], e["deleted"]) for e in applied(out)["elements"]] == [("a2", True)]
    assert applied(out)["kind"] == "undo" and applied(out)["author"] == "ann"
    await board.wb.undo(ANN)
    await refused(ErrorCode.NOTHING_TO_UNDO, board.wb.undo(ANN))
    assert set(await board.elements()) == {"b1", "b2"}

    await board.wb.redo(ANN)
    assert set(await board.elements()) == {"a1", "b1", "b2"}
    await board.wb.undo(BEN)
    assert set(await board.elements()) == {"a1", "b1"}


async def test_undoing_a_change_puts_back_only_my_fields(board: Board) -> None:
    await board.draw(ANN, Add(shape("r1")))
    await board.draw(ANN, Update("r1", {"x": 500.0}))
    await board.draw(BEN, Update("r1", {"color": "#2e8540"}))
    await board.wb.undo(ANN)
    r1 = (await board.elements())["r1"]
    assert (r1["x"], r1["color"]) == (100.0, "#2e8540")
    await board.wb.redo(ANN)
    r1 = (await board.elements())["r1"]
    assert (r1["x"], r1["color"]) == (500.0, "#2e8540")


async def test_a_change_someone_else_changed_again_is_not_undone(board: Board) -> None:
    await board.draw(ANN, Add(shape("r1")))
    await board.draw(ANN, Update("r1", {"x": 500.0}))
    await board.draw(BEN, Update("r1", {"x": 650.0}))
    seq_hash = await board.seq_and_hash()
    problem = await refused(ErrorCode.NOTHING_TO_UNDO, board.wb.undo(ANN))
    assert "Someone else" in problem.message
    assert await board.seq_and_hash() == seq_hash
    # That step is spent: the next undo takes back Ann's own rectangle.
    await board.wb.undo(ANN)
    assert "r1" not in await board.elements()


async def test_redo_never_overrides_someone_who_moved_it_back(board: Board) -> None:
    await board.draw(ANN, Add(shape("r1")))
    await board.draw(ANN, Update("r1", {"x": 500.0}))
    await board.wb.undo(ANN)
    await board.draw(BEN, Update("r1", {"x": 300.0}))
    await board.draw(BEN, Update("r1", {"x": 100.0}))  # where Ann's undo had left it
    await refused(ErrorCode.NOTHING_TO_REDO, board.wb.redo(ANN))
    assert (await board.elements())["r1"]["x"] == 100.0


async def test_participants_move_others_drawing_but_delete_only_their_own(
    board: Board,
) -> None:
    await board.draw(ANN, Add(shape("mine")))
    await board.draw(BEN, Update("mine", {"x": 300.0}))  # drawing together: moved
    before = await board.elements()
    await refused(ErrorCode.NOT_PERMITTED, board.wb.apply(BEN, Delete(["mine"]), "c-d"))
    await refused(ErrorCode.NOT_PERMITTED, board.wb.apply(BEN, Delete(["mine", "x"]), "c-e"))
    assert await board.elements() == before
    await board.draw(ANN, Delete(["mine"]))  # one's own, yes
    assert await board.elements() == {}


async def test_what_someone_else_deleted_stays_deleted_by_my_undo(board: Board) -> None:
    await board.draw(ANN, Add(shape("r1")))
    await board.draw(ANN, Update("r1", {"y": 10.0}))
    await board.draw(FAC, Delete(["r1"]))
    await refused(ErrorCode.NOTHING_TO_UNDO, board.wb.undo(ANN))
    await refused(ErrorCode.NOTHING_TO_UNDO, board.wb.undo(ANN))
    assert await board.elements() == {}
    await board.wb.undo(FAC)
    assert (await board.elements())["r1"]["y"] == 10.0


async def test_undoing_a_delete_brings_the_element_back_as_it_was(board: Board) -> None:
    await board.draw(BEN, Add(shape("s1", "stroke")))
    before = (await board.elements())["s1"]
    await board.draw(FAC, Delete(["s1"]))
    seq, out = await board.wb.undo(FAC)
    (back,) = applied(out)["elements"]
    assert back == {**before, "version": 3}
    assert seq == 3


async def test_a_new_operation_of_your_own_empties_your_redo(board: Board) -> None:
    await board.draw(ANN, Add(shape("a1")))
    await board.wb.undo(ANN)
    await board.draw(BEN, Add(shape("b1")))  # someone else's work does not
    await board.wb.redo(ANN)
    await board.wb.undo(ANN)
    await board.draw(ANN, Add(shape("a2")))
    await refused(ErrorCode.NOTHING_TO_REDO, board.wb.redo(ANN))


async def test_undo_history_survives_a_reconnect_and_another_server_process(
    board: Board,
) -> None:
    await board.draw(ANN, Add(shape("a1")))
    await board.draw(ANN, Add(shape("a2")))
    await board.presence.connection_lost(ANN, "c-ann")
    await board.presence.join(ANN, "c-ann-again")
    await board.wb.undo(ANN)
    # A fresh Whiteboard knows nothing but the store (a restart, another process).
    fresh = make_whiteboard(board.presence, board.clock)
    await fresh.undo(ANN)
    assert await board.elements() == {}
    await fresh.redo(ANN)
    assert set(await board.elements()) == {"a1"}


# ---- clearing, locking, who draws -------------------------------------------------------------
async def test_clear_and_undo_clear_bring_back_exactly_what_was_cleared(board: Board) -> None:
    await board.draw(ANN, Add(shape("a1", "note", text=WORDS)))
    await board.draw(BEN, Add(shape("b1", "stroke")))
    await board.draw(BEN, Add(shape("b2")))
    await board.draw(BEN, Delete(["b2"]))  # deleted before the clear: stays deleted
    full = await board.elements()

    _, out = await board.wb.apply(FAC, Clear(), "c-clear")
    assert applied(out)["kind"] == "clear"
    assert {e["id"] for e in applied(out)["elements"]} == {"a1", "b1"}
    assert await board.elements() == {}
    (line,) = audits(out)
    assert (line.action, line.actor, line.room_id) == ("clear_whiteboard", "fac", MAIN_ROOM)
    assert WORDS not in str(line.to_dict())

    # The participants' own undo does not undo the facilitator's clear.
    await refused(ErrorCode.NOTHING_TO_UNDO, board.wb.undo(ANN))
    assert await board.elements() == {}

    _, out = await board.wb.undo(FAC)
    assert [a.action for a in audits(out)] == ["undo_clear_whiteboard"]
    restored = await board.elements()
    assert {k: {**v, "version": 0} for k, v in restored.items()} == {
        k: {**v, "version": 0} for k, v in full.items()
    }
    await board.wb.redo(FAC)
    assert await board.elements() == {}


async def test_participants_cannot_clear(board: Board) -> None:
    await board.draw(ANN, Add(shape("a1")))
    seq_hash = await board.seq_and_hash()
    await refused(ErrorCode.NOT_PERMITTED, board.wb.apply(ANN, Clear(), "c-2"))
    assert await board.seq_and_hash() == seq_hash


async def test_a_locked_board_refuses_participants_except_the_chosen_drawers(
    board: Board,
) -> None:
    await board.draw(ANN, Add(shape("a1")))
    settings, out = await board.wb.configure(FAC, "locked", ["ben", "ben"])
    assert settings == {"mode": "locked", "drawers": ["ben"]}
    event = next(d for d in out if isinstance(d, ToRoomVolatile))
    assert (event.room, event.name, event.payload) == (
        MAIN, "whiteboard.settings", {"settings": settings})
    (line,) = audits(out)
    assert (line.action, line.detail) == ("configure_whiteboard",
                                          {"mode": "locked", "drawers": ["ben"]})

    seq_hash = await board.seq_and_hash()
    for attempt in (
        board.wb.apply(ANN, Add(shape("a2")), "c-2"),
        board.wb.apply(ANN, Update("a1", {"x": 1.0}), "c-3"),
        board.wb.apply(ANN, Delete(["a1"]), "c-4"),
        board.wb.undo(ANN),
    ):
        error = await refused(ErrorCode.WHITEBOARD_LOCKED, attempt)
        assert error.message == "Only the facilitators can draw on this board right now."
    assert await board.seq_and_hash() == seq_hash

    await board.draw(BEN, Add(shape("b1")))
    await board.draw(FAC, Add(shape("f1")))
    await refused(ErrorCode.NOT_PERMITTED, board.wb.configure(ANN, "open", []))
    await board.wb.configure(FAC, "open", [])
    await board.draw(ANN, Add(shape("a3")))


async def test_observers_watch_but_never_draw(board: Board) -> None:
    await refused(ErrorCode.NOT_PERMITTED, board.wb.apply(OBS, Add(shape("o1")), "c-1"))
    await refused(ErrorCode.NOT_PERMITTED, board.wb.cursor(OBS, 10.0, 10.0))
    await board.draw(ANN, Add(shape("a1")))
    assert set(await board.elements(OBS)) == {"a1"}


async def test_cursors_name_the_person_in_their_room(board: Board) -> None:
    room, cursor = await board.wb.cursor(ANN, 812.5, 90.0)
    assert room == MAIN
    assert cursor == {"participant_id": "ann", "name": "Name ann", "x": 812.5, "y": 90.0}


# ---- limits: a clear error and nothing changes ------------------------------------------------
@pytest.mark.parametrize(
    ("op", "code"),
    [
        (Add(shape("x", "line", points=[[0, 0, 0.5]] * 3)), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", "stroke", points=[])), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", "stroke", points=[[0, 0, 0.5]] * 2001)), ErrorCode.PAYLOAD_TOO_LARGE),
        (Add(shape("x", "rect", points=[[0, 0, 0.5]])), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", color="#ff00ff")), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", "note", fill="#000000")), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", width=30.0)), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", x=float("nan"))), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", w=-1.0)), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", "stroke", text="hidden words")), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("x", "note", text="w" * 501)), ErrorCode.PAYLOAD_TOO_LARGE),
        (Add(shape("x", kind="circle")), ErrorCode.INVALID_PAYLOAD),
        (Add(shape("kept")), ErrorCode.INVALID_PAYLOAD),  # an id already used
        (Add({**shape("x"), "author": "ben"}), ErrorCode.INVALID_PAYLOAD),
        (Update("nope", {"x": 1.0}), ErrorCode.NOT_FOUND),
        (Update("gone", {"x": 1.0}), ErrorCode.NOT_FOUND),
        (Update("kept", {}), ErrorCode.INVALID_PAYLOAD),
        (Update("kept", {"kind": "note"}), ErrorCode.INVALID_PAYLOAD),
        (Update("kept", {"points": [[0, 0, 0.5]]}), ErrorCode.INVALID_PAYLOAD),
        (Update("kept", {"text": "w" * 501}), ErrorCode.INVALID_PAYLOAD),
        (Delete(["kept", "nope"]), ErrorCode.NOT_FOUND),
        (Delete(["gone"]), ErrorCode.NOT_FOUND),
        (Delete([]), ErrorCode.INVALID_PAYLOAD),
        (Delete([f"e{i}" for i in range(201)]), ErrorCode.INVALID_PAYLOAD),
    ],
)
async def test_a_bad_operation_is_refused_and_changes_nothing(
    board: Board, op: Op, code: ErrorCode
) -> None:
    await board.draw(ANN, Add(shape("kept")))
    await board.draw(ANN, Add(shape("gone")))
    await board.draw(ANN, Delete(["gone"]))
    before = (await board.seq_and_hash(), await board.wb.sync(FAC, 0))
    await refused(code, board.wb.apply(ANN, op, "c-bad"))
    assert (await board.seq_and_hash(), await board.wb.sync(FAC, 0)) == before
    # Her undo history is as it was too: the delete is what undo takes back.
    await board.wb.undo(ANN)
    assert set(await board.elements()) == {"kept", "gone"}


async def test_a_full_board_refuses_more_and_so_does_an_undo_that_would_overfill_it(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "MAX_LIVE_ELEMENTS", 3)
    for i in range(3):
        await board.draw(FAC, Add(shape(f"f{i}")))
    seq_hash = await board.seq_and_hash()
    error = await refused(ErrorCode.WHITEBOARD_FULL, board.wb.apply(ANN, Add(shape("a1")), "c"))
    assert "full" in error.message
    assert await board.seq_and_hash() == seq_hash

    await board.draw(FAC, Clear())
    await board.draw(ANN, Add(shape("a1")))
    seq_hash = await board.seq_and_hash()
    # Bringing the three back would make four.
    await refused(ErrorCode.WHITEBOARD_FULL, board.wb.undo(FAC))
    assert await board.seq_and_hash() == seq_hash
    await board.draw(ANN, Delete(["a1"]))
    await board.wb.undo(FAC)
    assert set(await board.elements()) == {"f0", "f1", "f2"}


# ---- late joiners, reconnects and compaction -------------------------------------------------
async def test_late_joiners_get_the_board_and_reconnects_what_they_missed(board: Board) -> None:
    for i in range(5):
        await board.draw(ANN, Add(shape(f"a{i}")))
    await board.draw(FAC, Delete(["a0"]))

    late = await board.wb.sync(BEN, None)
    assert late["seq"] == 6 and late["ops"] == []
    assert late["snapshot"]["seq"] == 6
    assert sorted(e["id"] for e in late["snapshot"]["elements"]) == ["a1", "a2", "a3", "a4"]
    assert late["settings"] == {"mode": "open", "drawers": []}

    missed = await board.wb.sync(BEN, 4)
    assert missed["snapshot"] is None
    assert [op["seq"] for op in missed["ops"]] == [5, 6]
    assert missed["hash"] == late["hash"]
    assert (await board.wb.sync(BEN, 6))["ops"] == []
    # A seq the board never reached (a client from before the session was dropped).
    assert (await board.wb.sync(BEN, 99))["snapshot"]["seq"] == 6


async def test_compaction_keeps_the_board_and_what_undo_needs(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wb, "UNDO_DEPTH", 2)
    small = make_whiteboard(board.presence, board.clock, compact_every=4, keep_ops=6)
    await small.apply(BEN, Add(shape("old", "note", text=WORDS)), "c-0")
    await small.apply(BEN, Delete(["old"]), "c-1")
    for i in range(12):  # pushes Ben's add and delete out of his undo history
        await small.apply(BEN, Add(shape(f"b{i}", "stroke")), f"c-b{i}")
    await small.apply(ANN, Add(shape("a1", "note", text="mine")), "c-a1")
    await small.apply(ANN, Delete(["a1"]), "c-a2")
    await small.apply(ANN, Add(shape("a2")), "c-a3")
    await small.apply(BEN, Add(shape("b12")), "c-b12")
    state = await small.sync(FAC, None)
    assert state["seq"] == 18

    store = board.presence.store
    snapshot = await store.get_board_snapshot(MAIN)
    assert snapshot is not None and snapshot.seq == 16
    kept = {e.id: e for e in snapshot.elements}
    # A tombstone nobody can bring back keeps no content; one an undo may revive does.
    assert kept["old"].deleted and kept["old"].text == ""
    assert kept["a1"].deleted and kept["a1"].text == "mine"
    # The log keeps the last six ops as of the snapshot, and those after it.
    assert await store.board_ops_since(MAIN, 9) is None
    assert [op.seq for op in await store.board_ops_since(MAIN, 10) or []] == list(range(11, 19))
    # Rebuilt from snapshot + tail (another process): the same board, and undo still works.
    fresh = make_whiteboard(board.presence, board.clock, compact_every=4, keep_ops=6)
    assert (await fresh.sync(FAC, None))["hash"] == state["hash"]
    assert (await fresh.sync(FAC, 2))["snapshot"] is not None
    await fresh.undo(ANN)
    await fresh.undo(ANN)
    assert (await board.elements())["a1"]["text"] == "mine"
    assert "a2" not in await board.elements()


# ---- rooms apart, and gone with the session -------------------------------------------------
async def test_each_breakout_has_its_own_board(board: Board) -> None:
    await board.draw(FAC, Add(shape("main-1")))
    await board.breakouts.create(FAC, ["Pairs"])
    await board.breakouts.assign(FAC, {"ann": "breakout-1", "ben": "breakout-1"})
    await board.breakouts.open(FAC, 600)

    seq, _ = await board.draw(ANN, Add(shape("pair-1")))
    assert seq == 1
    _, out = await board.wb.apply(BEN, Update("pair-1", {"x": 5.0}), "c-2")
    assert next(d for d in out if isinstance(d, ToRoomVolatile)).room == room_key(
        SESSION, "breakout-1")
    await refused(ErrorCode.NOT_FOUND, board.wb.apply(ANN, Delete(["main-1"]), "c-3"))
    assert set(await board.elements(ANN)) == {"pair-1"}
    assert set(await board.elements(FAC)) == {"main-1"}
    # The facilitator locks the main room's board: the breakout's stays open.
    await board.wb.configure(FAC, "locked", [])
    await board.draw(BEN, Add(shape("pair-2")))
    svg, _ = await board.wb.export_svg(FAC, "breakout-1")
    assert svg.count("<rect") == 3  # the sheet and two rectangles


async def test_ending_the_session_drops_its_boards(board: Board) -> None:
    await board.draw(ANN, Add(shape("a1")))
    await board.wb.configure(FAC, "locked", ["ann"])
    await board.moderation.end(FAC, "Thank you")
    store = board.presence.store
    assert await store.board_seq(MAIN) == 0
    assert await store.get_board_settings(MAIN) is None
    assert await store.list_undo_histories(MAIN) == {}
    await refused(ErrorCode.SESSION_ENDED, board.wb.export_svg(FAC, MAIN_ROOM))


# ---- the state hash and the SVG ---------------------------------------------------------------
def element(eid: str, kind: str = "rect", **kw: Any) -> Element:
    return Element(**shape(eid, kind, **kw), author="ann", version=1)


def test_board_hash_is_the_specs_canonical_json() -> None:
    import hashlib

    note = element("n", "note", x=0.125, y=-3.005, w=10, text="Grüße")
    canonical = (
        '[{"color":"#1f2933","fill":"#fff3b0","h":8000,"id":"n","kind":"note","points":[],'
        '"text":"Grüße","w":1000,"width":300,"x":12,"y":-300}]'
    )
    assert board_hash([note]) == hashlib.sha256(canonical.encode()).hexdigest()
    # Order, tombstones and the server's bookkeeping do not count.
    a, b = element("a"), element("b", "stroke")
    gone = element("c", deleted=True)
    assert board_hash([b, gone, a]) == board_hash([a, b]) != board_hash([a])
    assert board_hash([a]) == board_hash([Element(**{**a.to_dict(), "version": 7})])


def test_svg_draws_every_kind_and_escapes_text() -> None:
    elements = [
        element("s", "stroke"), element("l", "line"), element("a", "arrow"),
        element("r", "rect", fill="#d6f5d6"), element("e", "ellipse"),
        element("t", "text", w=800.0, text="<script>alert('x')</script> & more"),
        element("n", "note", w=300.0, text='line one\n"line two"'),
        element("gone", "text", text="deleted words", deleted=True),
    ]
    svg = to_svg(elements)
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("viewBox") == "0 0 1600 1000"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "deleted words" not in svg
    stroke = root.find(f"{ns}path")
    assert stroke is not None and "Q" in (stroke.get("d") or "")
    assert len(root.findall(f"{ns}line")) == 2
    assert len(root.findall(f"{ns}path")) == 2  # the stroke and the arrow's head
    assert root.find(f"{ns}ellipse") is not None
    spans = [s.text for s in root.iter(f"{ns}tspan")]
    assert "line one" in spans and '"line two"' in spans
    assert [r.get("fill") for r in root.findall(f"{ns}rect")] == [
        "#ffffff", "#d6f5d6", "#fff3b0"]


async def test_only_facilitators_export_and_it_goes_to_the_audit_log(board: Board) -> None:
    await board.draw(ANN, Add(shape("n1", "note", w=600.0, text=WORDS)))
    svg, out = await board.wb.export_svg(FAC, MAIN_ROOM)
    assert "Ich fühle mich &lt;heute&gt; &amp; besser" in svg
    (line,) = audits(out)
    assert (line.action, line.actor, line.room_id) == ("export_whiteboard", "fac", MAIN_ROOM)
    await refused(ErrorCode.NOT_PERMITTED, board.wb.export_svg(ANN, MAIN_ROOM))
    await refused(ErrorCode.NOT_FOUND, board.wb.export_svg(FAC, "breakout-9"))
    await refused(ErrorCode.NOT_FOUND, board.wb.export_svg(ident("f", Role.FACILITATOR,
                                                                 session="nobody"), MAIN_ROOM))
