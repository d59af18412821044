"""The shared whiteboard of each room: who may draw, what an operation may be, the board's
numbered log, each person's undo and redo, and compaction. No transport here.

The server is the authority. Every operation is checked, numbered with the board's next
`seq` and sent to the room as an applied op carrying the full new state of each element it
touched; clients upsert those by id (a higher or equal version wins), so every client that
applies the ops in order ends with the server's board. The board is always the one of
the caller's current room, so breakouts each have their own.

In the store a board is its op log plus, every `compact_every` ops, a snapshot of every
element (tombstones that an undo may still bring back included); the log is then trimmed
to its last `keep_ops` ops, enough for clients catching up after a reconnect. This process
also keeps the materialised board of busy rooms, checked against the store's seq before
each use (a room is pinned to one process, so nobody else writes it meanwhile).

Undo is per person: undoing applies the inverse of your latest own operation as a new
operation. It only ever puts back fields your operation set, and only where they still
hold what you set and nobody else has written them since: another person's change is
never undone. A step of which nothing is left to undo is refused (`nothing_to_undo`) and
dropped, so the next undo goes on with the step before.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, Delivery, ToRoomVolatile
from facilitation.permissions import Command, require, require_drawing
from facilitation.whiteboard_svg import to_svg
from rooms.model import MAIN_ROOM, Participant, room_key
from rooms.whiteboard import (
    COLORS,
    DRAWN_FIELDS,
    FILLS,
    KINDS,
    MODES,
    AppliedOp,
    BoardSettings,
    BoardSnapshot,
    Element,
    UndoHistory,
    UndoStep,
)

APPLIED = "whiteboard.applied"
CURSOR = "whiteboard.cursor"
SETTINGS = "whiteboard.settings"

# Limits: beyond them an operation is refused with a clear code and nothing changes.
MAX_LIVE_ELEMENTS = 2000
# Tombstones included: a board that only ever grows by adding and deleting stops here.
MAX_KEPT_ELEMENTS = 20_000
MAX_STROKE_POINTS = 2000
MAX_TEXT_CHARS = 500
MAX_DELETE_IDS = 200
MAX_DRAWERS = 50
MIN_WIDTH, MAX_WIDTH = 1.0, 24.0
# Coordinates may run somewhat off the 1600 x 1000 board (a shape dragged to the edge).
COORD_LIMIT = 10_000.0

UNDO_DEPTH = 100  # own steps kept per person and board
COMPACT_EVERY = 200
KEEP_OPS = 500
CACHED_BOARDS = 256

# What an operation writes, and undo checks: the drawn fields, and being deleted.
WRITTEN_FIELDS = (*DRAWN_FIELDS, "deleted")
POINTS_BY_KIND = {"stroke": (1, MAX_STROKE_POINTS), "line": (2, 2), "arrow": (2, 2)}
WITH_TEXT = ("text", "note")


# ---- operations, as a client asks for them ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Add:
    element: dict[str, Any]  # id, kind and the drawn fields


@dataclass(frozen=True, slots=True)
class Update:
    id: str
    changes: dict[str, Any]  # some of the drawn fields


@dataclass(frozen=True, slots=True)
class Delete:
    ids: list[str]


@dataclass(frozen=True, slots=True)
class Clear:
    pass


Op = Add | Update | Delete | Clear


# ---- the board's state hash (the same as the web client's) ----------------------------------
def _centi(value: Any) -> Any:
    if isinstance(value, list):
        return [_centi(v) for v in value]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return round(value * 100)
    return value


def board_hash(elements: Iterable[Element]) -> str:
    """sha-256 hex of the canonical JSON of the live elements sorted by id, each as its
    drawn fields with every number replaced by round(v * 100): browsers and the server
    compare boards with it."""
    rows = [
        {k: _centi(v) for k, v in e.drawn().items()}
        for e in sorted((e for e in elements if not e.deleted), key=lambda e: e.id)
    ]
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---- what an element may be ---------------------------------------------------------------------
def _invalid(why: str) -> Refused:
    return Refused(ErrorCode.INVALID_PAYLOAD, why)


def _number(name: str, v: Any, low: float = -COORD_LIMIT, high: float = COORD_LIMIT) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _invalid(f"{name}: a number")
    if not low <= v <= high:
        raise _invalid(f"{name}: between {low:g} and {high:g}")


def check_element(e: Element) -> None:
    """The rules of a drawn element; raises `Refused` with what is wrong."""
    if e.kind not in KINDS:
        raise _invalid(f"kind: one of {', '.join(KINDS)}")
    for name in ("x", "y"):
        _number(name, getattr(e, name))
    for name in ("w", "h"):
        _number(name, getattr(e, name), 0.0)
    _number("width", e.width, MIN_WIDTH, MAX_WIDTH)
    if e.color not in COLORS:
        raise _invalid("color: one of the board's colours")
    if e.fill is not None and e.fill not in FILLS:
        raise _invalid("fill: one of the note colours, or null")
    if not isinstance(e.points, list):
        raise _invalid("points: a list")
    if len(e.points) > MAX_STROKE_POINTS:
        raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, f"points: at most {MAX_STROKE_POINTS}")
    low, high = POINTS_BY_KIND.get(e.kind, (0, 0))
    if not low <= len(e.points) <= high:
        raise _invalid(f"points: {low} to {high} for a {e.kind}")
    for point in e.points:
        if not isinstance(point, list) or len(point) != 3:
            raise _invalid("points: [x, y, pressure] each")
        _number("points", point[0])
        _number("points", point[1])
        _number("points", point[2], 0.0, 1.0)
    if not isinstance(e.text, str):
        raise _invalid("text: a string")
    if e.text and e.kind not in WITH_TEXT:
        raise _invalid(f"text: only text and notes have text, not a {e.kind}")
    if len(e.text) > MAX_TEXT_CHARS:
        raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, "text: too long")


# ---- a board, materialised ---------------------------------------------------------------------
@dataclass(slots=True)
class _Board:
    seq: int = 0
    snapshot_seq: int = 0
    # By id, in drawing order (first added first). Elements are never changed in place:
    # each change is a new record, so ops already handed out stay as they were.
    elements: dict[str, Element] = field(default_factory=dict)
    # Who last changed each field of each element (id -> field -> participant id).
    writers: dict[str, dict[str, str]] = field(default_factory=dict)
    live: int = 0
    _hash: tuple[int, str] = (-1, "")

    @classmethod
    def of(cls, snapshot: BoardSnapshot) -> _Board:
        elements = {e.id: e for e in snapshot.elements}
        writers = {eid: dict(marks) for eid, marks in snapshot.writers.items()}
        live = sum(not e.deleted for e in elements.values())
        return cls(snapshot.seq, snapshot.seq, elements, writers, live)

    def take(self, op: AppliedOp) -> None:
        for e in op.elements:
            old = self.elements.get(e.id)
            marks = self.writers.setdefault(e.id, {})
            for f in WRITTEN_FIELDS:
                if old is None or getattr(old, f) != getattr(e, f):
                    marks[f] = op.author
            self.live += (not e.deleted) - (old is not None and not old.deleted)
            self.elements[e.id] = e
        self.seq = op.seq

    def live_elements(self) -> list[Element]:
        return [e for e in self.elements.values() if not e.deleted]

    def hash(self) -> str:
        if self._hash[0] != self.seq:
            self._hash = (self.seq, board_hash(self.elements.values()))
        return self._hash[1]


# ---- planning an operation: the elements it changes, and the step to undo it ----------------
Plan = tuple[list[Element], UndoStep | None]


def _plan_add(board: _Board, author: str, fields: dict[str, Any]) -> Plan:
    eid = fields.get("id")
    if not isinstance(eid, str) or not eid:
        raise _invalid("element.id: required")
    if eid in board.elements:
        raise _invalid("element.id: already used on this board")
    if set(fields) != {"id", "kind", *DRAWN_FIELDS}:
        raise _invalid(f"element: exactly id, kind, {', '.join(DRAWN_FIELDS)}")
    if board.live >= MAX_LIVE_ELEMENTS or len(board.elements) >= MAX_KEPT_ELEMENTS:
        raise Refused(ErrorCode.WHITEBOARD_FULL)
    e = Element(**fields, author=author, version=1, deleted=False)
    check_element(e)
    return [e], UndoStep("add", {eid: {"deleted": True}}, {eid: {"deleted": False}})


def _live(board: _Board, eid: str) -> Element:
    e = board.elements.get(eid)
    if e is None or e.deleted:
        raise Refused(ErrorCode.NOT_FOUND, "That element is not on the board.")
    return e


def _plan_update(board: _Board, eid: str, changes: dict[str, Any]) -> Plan:
    e = _live(board, eid)
    if not changes or not set(changes) <= set(DRAWN_FIELDS):
        raise _invalid(f"changes: some of {', '.join(DRAWN_FIELDS)}")
    changed = replace(e, **changes, version=e.version + 1)
    check_element(changed)
    fields = [f for f in changes if getattr(e, f) != changes[f]]
    if not fields:
        return [changed], None
    before = {f: getattr(e, f) for f in fields}
    after = {f: changes[f] for f in fields}
    return [changed], UndoStep("update", {eid: before}, {eid: after})


def _deletion(kind: str, doomed: list[Element]) -> Plan:
    if not doomed:
        return [], None
    return (
        [replace(e, deleted=True, version=e.version + 1) for e in doomed],
        UndoStep(kind, {e.id: {"deleted": False} for e in doomed},
                 {e.id: {"deleted": True} for e in doomed}),
    )


def _plan_delete(board: _Board, ids: list[str]) -> Plan:
    if not 1 <= len(ids) <= MAX_DELETE_IDS:
        raise _invalid(f"ids: 1 to {MAX_DELETE_IDS}")
    return _deletion("delete", [_live(board, eid) for eid in dict.fromkeys(ids)])


def _plan_revert(
    board: _Board, step: UndoStep, who: str
) -> tuple[list[Element], UndoStep]:
    """Put back what `who`'s `step` changed (its `before`) on the elements where those
    fields still hold what it set (its `after`), written by `who` last; returns the new
    elements and the part of the step done."""
    changed: list[Element] = []
    done = UndoStep(step.kind, {}, {})
    for eid, expected in step.after.items():
        e = board.elements.get(eid)
        marks = board.writers.get(eid, {})
        if e is None or (step.kind == "update" and e.deleted) or any(
            getattr(e, f) != v or marks.get(f) != who for f, v in expected.items()
        ):
            continue  # someone else changed it since (or deleted it): theirs stays
        changed.append(replace(e, **step.before[eid], version=e.version + 1))
        done.before[eid], done.after[eid] = step.before[eid], expected
    return changed, done


def _check_room(board: _Board, changed: list[Element]) -> None:
    """Room on the board for what an undo or redo brings back."""
    revived = sum(not e.deleted and board.elements[e.id].deleted for e in changed)
    if revived and board.live + revived > MAX_LIVE_ELEMENTS:
        raise Refused(ErrorCode.WHITEBOARD_FULL)


class Whiteboard(SessionCommands):
    def __init__(
        self,
        *args: Any,
        compact_every: int = COMPACT_EVERY,
        keep_ops: int = KEEP_OPS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The log always reaches back to the last snapshot.
        assert keep_ops >= compact_every >= 1
        self.compact_every = compact_every
        self.keep_ops = keep_ops
        self._boards: OrderedDict[str, _Board] = OrderedDict()

    # ---- reading a board ------------------------------------------------------------------
    async def _board(self, key: str) -> _Board:
        """The board as the store has it: the materialised one if it is up to date, else
        rebuilt from the snapshot and the ops after it."""
        seq = await self.store.board_seq(key)
        board = self._boards.get(key)
        if board is None or board.seq != seq:
            snapshot = await self.store.get_board_snapshot(key) or BoardSnapshot(0, [])
            ops = await self.store.board_ops_since(key, snapshot.seq)
            if ops is None:
                raise RuntimeError("a board's log does not reach back to its snapshot")
            board = _Board.of(snapshot)
            for op in ops:
                board.take(op)
            self._boards[key] = board
            while len(self._boards) > CACHED_BOARDS:
                self._boards.popitem(last=False)
        self._boards.move_to_end(key)
        return board

    async def _settings(self, key: str) -> BoardSettings:
        return await self.store.get_board_settings(key) or BoardSettings()

    async def _drawer(self, identity: Identity) -> tuple[Participant, str]:
        """The person drawing, allowed to on their room's board, and that board's key."""
        p = await self._actor(identity, Command.DRAW)
        key = room_key(p.session_id, p.room_id)
        settings = await self._settings(key)
        require_drawing(p.role, p.id, settings.locked, settings.drawers)
        return p, key

    # ---- writing a board ------------------------------------------------------------------
    async def _commit(
        self,
        key: str,
        board: _Board,
        p: Participant,
        kind: str,
        changed: list[Element],
        history: UndoHistory,
        client_op_id: str | None = None,
    ) -> AppliedOp:
        applied = await self.store.append_board_op(
            key, AppliedOp(0, p.id, client_op_id, kind, changed)
        )
        if applied.seq == board.seq + 1:
            board.take(applied)
        else:  # written by someone else meanwhile: read it again next time
            self._boards.pop(key, None)
        del history.undo[:-UNDO_DEPTH]
        del history.redo[:-UNDO_DEPTH]
        await self.store.put_undo_history(key, p.id, history)
        if applied.seq - board.snapshot_seq >= self.compact_every and key in self._boards:
            await self._compact(key, board)
        return applied

    async def _compact(self, key: str, board: _Board) -> None:
        """Snapshot the board and trim its log. Tombstones no undo or redo can bring back
        any more lose their content (their id and version stay: an id is never reused)."""
        histories = await self.store.list_undo_histories(key)
        needed = set().union(*(h.element_ids() for h in histories.values()))
        for eid, e in board.elements.items():
            if e.deleted and eid not in needed and (e.points or e.text):
                board.elements[eid] = replace(e, points=[], text="")
                board.writers.pop(eid, None)
        await self.store.put_board_snapshot(
            key, BoardSnapshot(board.seq, list(board.elements.values()), board.writers)
        )
        if board.seq > self.keep_ops:
            await self.store.trim_board_ops(key, board.seq - self.keep_ops)
        board.snapshot_seq = board.seq

    def _applied(self, key: str, applied: AppliedOp) -> ToRoomVolatile:
        # Numbered by the board's own seq, not the room's event seq: not a `room.event`.
        return ToRoomVolatile(key, APPLIED, {"op": applied.to_dict()})

    # ---- commands -------------------------------------------------------------------------
    async def apply(
        self, identity: Identity, op: Op, client_op_id: str | None = None
    ) -> tuple[int, list[Delivery]]:
        """Draw: add, change or delete elements, or (facilitators) clear the board.
        Returns the op's seq and what to deliver."""
        async with self._session_lock(identity.session_id):
            p, key = await self._drawer(identity)
            board = await self._board(key)
            if isinstance(op, Add):
                kind, (changed, step) = "add", _plan_add(board, p.id, op.element)
            elif isinstance(op, Update):
                kind, (changed, step) = "update", _plan_update(board, op.id, op.changes)
            elif isinstance(op, Delete):
                kind, (changed, step) = "delete", _plan_delete(board, op.ids)
            else:
                require(p.role, Command.CLEAR_WHITEBOARD)
                kind, (changed, step) = "clear", _deletion("clear", board.live_elements())
            history = await self.store.get_undo_history(key, p.id) or UndoHistory()
            if step is not None:
                history.undo.append(step)
            history.redo.clear()
            applied = await self._commit(key, board, p, kind, changed, history, client_op_id)
            out: list[Delivery] = [self._applied(key, applied)]
            if kind == "clear":
                out.append(self._audit(p, "clear_whiteboard", elements=len(changed)))
            return applied.seq, out

    async def undo(self, identity: Identity) -> tuple[int, list[Delivery]]:
        """Undo your latest own operation that can still be undone."""
        return await self._revert(identity, redo=False)

    async def redo(self, identity: Identity) -> tuple[int, list[Delivery]]:
        """Redo your latest undone operation (a new operation of your own empties this)."""
        return await self._revert(identity, redo=True)

    async def _revert(self, identity: Identity, *, redo: bool) -> tuple[int, list[Delivery]]:
        kind = "redo" if redo else "undo"
        async with self._session_lock(identity.session_id):
            p, key = await self._drawer(identity)
            board = await self._board(key)
            history = await self.store.get_undo_history(key, p.id) or UndoHistory()
            source, target = (history.redo, history.undo) if redo else (history.undo, history.redo)
            if not source:
                raise Refused(ErrorCode.NOTHING_TO_REDO if redo else ErrorCode.NOTHING_TO_UNDO)
            step = source.pop()
            changed, done = _plan_revert(board, step.reversed() if redo else step, p.id)
            if not changed:
                # Others changed all of it since: theirs stays, and this step is spent.
                await self.store.put_undo_history(key, p.id, history)
                raise Refused(
                    ErrorCode.NOTHING_TO_REDO if redo else ErrorCode.NOTHING_TO_UNDO,
                    f"Someone else has changed that since, so there is nothing to {kind}.",
                )
            if step.kind == "clear":
                require(p.role, Command.CLEAR_WHITEBOARD)
            _check_room(board, changed)
            target.append(done.reversed() if redo else done)
            applied = await self._commit(key, board, p, kind, changed, history)
            out: list[Delivery] = [self._applied(key, applied)]
            if step.kind == "clear":
                out.append(self._audit(p, f"{kind}_clear_whiteboard", elements=len(changed)))
            return applied.seq, out

    async def sync(self, identity: Identity, since: int | None) -> dict[str, Any]:
        """The board for a client: the ops after `since` when the log still has them all,
        else the whole board (its live elements). Also the settings and the state hash."""
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.SYNC)
            key = room_key(p.session_id, p.room_id)
            board = await self._board(key)
            ops = None if since is None else await self.store.board_ops_since(key, since)
            settings = await self._settings(key)
            return {
                "seq": board.seq,
                "settings": settings.to_dict(),
                "snapshot": None if ops is not None else {
                    "seq": board.seq,
                    "elements": [e.to_dict() for e in board.live_elements()],
                },
                "ops": [op.to_dict() for op in ops or []],
                "hash": board.hash(),
            }

    async def configure(
        self, identity: Identity, mode: str, drawers: list[str]
    ) -> tuple[dict[str, Any], list[Delivery]]:
        """Lock the board (only facilitators and the chosen drawers draw) or open it."""
        if mode not in MODES:
            raise _invalid("mode: open or locked")
        if len(drawers) > MAX_DRAWERS:
            raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, f"drawers: at most {MAX_DRAWERS}")
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.CONFIGURE_WHITEBOARD)
            key = room_key(actor.session_id, actor.room_id)
            settings = BoardSettings(mode, sorted(set(drawers)))
            out: list[Delivery] = [ToRoomVolatile(key, SETTINGS, {"settings": settings.to_dict()})]
            if settings != await self._settings(key):
                await self.store.put_board_settings(key, settings)
                out.append(self._audit(actor, "configure_whiteboard", mode=mode,
                                       drawers=settings.drawers))
            return settings.to_dict(), out

    async def cursor(self, identity: Identity, x: float, y: float) -> ToRoomVolatile:
        """Where someone points on their room's board: passing, so neither kept nor locked."""
        p = await self._actor(identity, Command.DRAW)
        return ToRoomVolatile(
            room_key(p.session_id, p.room_id),
            CURSOR,
            {"participant_id": p.id, "name": p.name, "x": x, "y": y},
        )

    async def export_svg(self, identity: Identity, room_id: str) -> tuple[str, list[Delivery]]:
        """A room's board as SVG, for the clinic's system or a facilitator (HTTP API, with
        a facilitator's token, like the other clinic requests)."""
        require(identity.role, Command.EXPORT_WHITEBOARD)
        async with self._session_lock(identity.session_id):
            session = await self.store.get_session(identity.session_id)
            if session is None:
                raise Refused(ErrorCode.NOT_FOUND, "There is no such session.")
            if session.ended:
                raise Refused(ErrorCode.SESSION_ENDED)
            if room_id != MAIN_ROOM and room_id not in {b["id"] for b in session.breakouts}:
                raise Refused(ErrorCode.NOT_FOUND, "This session has no such room.")
            board = await self._board(room_key(identity.session_id, room_id))
            svg = to_svg(board.elements.values())
        audit = Audit(self.clock(), identity.session_id, room_id, identity.participant_id,
                      "export_whiteboard")
        return svg, [audit]
