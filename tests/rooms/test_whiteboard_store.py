"""The `Store` contract for whiteboards: every test runs against MemoryStore and RedisStore."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from rooms.model import MAIN_ROOM, room_key
from rooms.redis_store import RedisStore
from rooms.store import Store
from rooms.whiteboard import (
    AppliedOp,
    BoardSettings,
    BoardSnapshot,
    Element,
    UndoHistory,
    UndoStep,
)
from tests.support.services import RedisProcess

S1, S2 = "board-one", "board-two"
MAIN1, MAIN2 = room_key(S1, MAIN_ROOM), room_key(S2, MAIN_ROOM)
BREAKOUT1 = room_key(S1, "breakout-1")


def element(eid: str = "e1", **kw: object) -> Element:
    fields: dict[str, object] = {
        "id": eid, "kind": "stroke", "x": 10.5, "y": 20.0, "w": 0.0, "h": 0.0,
        "points": [[0.0, 0.0, 0.5], [3.25, -4.0, 1.0]], "color": "#1f2933", "fill": None,
        "width": 3.0, "text": "", "author": "p1", "version": 1, "deleted": False,
    }
    fields.update(kw)
    return Element(**fields)  # type: ignore[arg-type]


def op(*elements: Element, kind: str = "add", author: str = "p1") -> AppliedOp:
    return AppliedOp(0, author, f"c-{uuid.uuid4().hex[:6]}", kind, list(elements))


async def test_ops_are_numbered_per_board_and_kept_whole(store: Store) -> None:
    note = element("n1", kind="note", points=[], w=200.0, h=120.0, fill="#fff3b0",
                   text="Ünïcode — and \"quotes\" <b>")
    first = await store.append_board_op(MAIN1, op(element()))
    second = await store.append_board_op(MAIN1, op(note))
    other = await store.append_board_op(BREAKOUT1, op(element()))
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert second.elements == [note] and second.author == "p1" and second.kind == "add"
    assert await store.board_seq(MAIN1) == 2
    assert await store.board_seq(MAIN2) == 0
    assert await store.board_ops_since(MAIN1, 0) == [first, second]


async def test_ops_since_partial_exact_future_and_empty(store: Store) -> None:
    assert await store.board_ops_since(MAIN1, 0) == []
    assert await store.board_ops_since(MAIN1, 1) is None
    ops = [await store.append_board_op(MAIN1, op(element(f"e{i}"))) for i in range(4)]
    assert await store.board_ops_since(MAIN1, 2) == ops[2:]
    assert await store.board_ops_since(MAIN1, 4) == []
    assert await store.board_ops_since(MAIN1, 5) is None


async def test_concurrent_appends_never_share_a_number(store: Store) -> None:
    applied = await asyncio.gather(
        *(store.append_board_op(MAIN1, op(element(f"e{i}"))) for i in range(40))
    )
    assert sorted(o.seq for o in applied) == list(range(1, 41))
    listed = await store.board_ops_since(MAIN1, 0)
    assert listed is not None and [o.seq for o in listed] == list(range(1, 41))


async def test_a_trimmed_log_no_longer_reaches_back(store: Store) -> None:
    ops = [await store.append_board_op(MAIN1, op(element(f"e{i}"))) for i in range(6)]
    await store.trim_board_ops(MAIN1, 4)
    assert await store.board_ops_since(MAIN1, 3) is None
    assert await store.board_ops_since(MAIN1, 0) is None
    assert await store.board_ops_since(MAIN1, 4) == ops[4:]
    assert await store.board_seq(MAIN1) == 6
    # Trimming everything keeps the numbering.
    await store.trim_board_ops(MAIN1, 6)
    assert await store.board_ops_since(MAIN1, 6) == []
    assert await store.board_ops_since(MAIN1, 5) is None
    assert (await store.append_board_op(MAIN1, op(element("e9")))).seq == 7


async def test_snapshot_settings_and_histories_round_trip(store: Store) -> None:
    assert await store.get_board_snapshot(MAIN1) is None
    assert await store.get_board_settings(MAIN1) is None
    assert await store.get_undo_history(MAIN1, "p1") is None
    assert await store.list_undo_histories(MAIN1) == {}

    snapshot = BoardSnapshot(7, [element(), element("gone", deleted=True, version=3)],
                             {"e1": {"x": "p2", "deleted": "p1"}, "gone": {"deleted": "p3"}})
    await store.put_board_snapshot(MAIN1, snapshot)
    settings = BoardSettings("locked", ["p2", "p3"])
    await store.put_board_settings(MAIN1, settings)
    mine = UndoHistory(
        undo=[UndoStep("update", {"e1": {"x": 1.0, "fill": None}},
                       {"e1": {"x": 2.5, "fill": "#fff3b0"}})],
        redo=[UndoStep("add", {"e2": {"deleted": True}}, {"e2": {"deleted": False}})],
    )
    theirs = UndoHistory(undo=[UndoStep("clear", {"e1": {"deleted": False}},
                                        {"e1": {"deleted": True}})])
    await store.put_undo_history(MAIN1, "p1", mine)
    await store.put_undo_history(MAIN1, "p2", theirs)
    await store.put_undo_history(BREAKOUT1, "p1", UndoHistory())

    assert await store.get_board_snapshot(MAIN1) == snapshot
    assert await store.get_board_settings(MAIN1) == settings
    assert await store.get_undo_history(MAIN1, "p1") == mine
    assert await store.list_undo_histories(MAIN1) == {"p1": mine, "p2": theirs}
    assert await store.list_undo_histories(BREAKOUT1) == {"p1": UndoHistory()}
    assert await store.get_board_settings(BREAKOUT1) is None


async def test_changing_returned_or_stored_records_does_not_change_the_store(
    store: Store,
) -> None:
    sent = op(element())
    applied = await store.append_board_op(MAIN1, sent)
    sent.elements[0].points.append([9.0, 9.0, 1.0])
    applied.elements[0].text = "changed"
    snapshot = BoardSnapshot(1, [element()])
    await store.put_board_snapshot(MAIN1, snapshot)
    snapshot.elements[0].deleted = True
    history = UndoHistory([UndoStep("add", {"e1": {"deleted": True}}, {"e1": {"deleted": False}})])
    await store.put_undo_history(MAIN1, "p1", history)
    history.undo.clear()

    listed = await store.board_ops_since(MAIN1, 0)
    assert listed is not None and listed[0].elements == [element()]
    listed[0].elements[0].x = 99.0
    again = await store.board_ops_since(MAIN1, 0)
    assert again is not None and again[0].elements == [element()]
    got = await store.get_board_snapshot(MAIN1)
    assert got is not None and not got.elements[0].deleted
    kept = await store.get_undo_history(MAIN1, "p1")
    assert kept is not None and len(kept.undo) == 1


async def _draw(store: Store, session_id: str) -> None:
    for room in (room_key(session_id, MAIN_ROOM), room_key(session_id, "breakout-1")):
        await store.append_board_op(room, op(element()))
        await store.put_board_snapshot(room, BoardSnapshot(1, [element()]))
        await store.put_board_settings(room, BoardSettings("locked", []))
        await store.put_undo_history(room, "p1", UndoHistory())


async def test_drop_session_forgets_its_boards_only(store: Store) -> None:
    await _draw(store, S1)
    await _draw(store, S2)
    await store.drop_session(S1)
    for room in (MAIN1, BREAKOUT1):
        assert await store.board_seq(room) == 0
        assert await store.board_ops_since(room, 0) == []
        assert await store.get_board_snapshot(room) is None
        assert await store.get_board_settings(room) is None
        assert await store.list_undo_histories(room) == {}
    assert await store.board_seq(MAIN2) == 1
    assert await store.get_board_snapshot(MAIN2) is not None
    assert await store.get_board_settings(room_key(S2, "breakout-1")) is not None
    assert set(await store.list_undo_histories(MAIN2)) == {"p1"}


async def test_redis_drop_session_leaves_no_board_key(redis_server: RedisProcess) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    store = RedisStore(redis_server.url, prefix=prefix)
    raw = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        await _draw(store, S1)
        await _draw(store, S2)
        await store.drop_session(S1)
        keys = sorted(await raw.keys(f"{prefix}:*"))
        assert [k for k in keys if k.startswith(f"{prefix}:wb")], "S2's boards must remain"
        assert not [k for k in keys if S1 in k], keys
    finally:
        await raw.aclose()
        await store.close()
