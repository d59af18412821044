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

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from facilitation.base import SessionCommands
from facilitation.board import (
    MAX_DRAWERS,
    Add,
    Board,
    Clear,
    Delete,
    Op,
    Update,
    board_hash,
    check_room,
    deletion,
    invalid,
    plan_add,
    plan_delete,
    plan_revert,
    plan_update,
)
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, Delivery, ToRoomVolatile
from facilitation.permissions import Command, allowed, require, require_drawing
from facilitation.whiteboard_svg import to_svg
from rooms.model import MAIN_ROOM, Participant, room_key
from rooms.whiteboard import MODES, AppliedOp, BoardSettings, BoardSnapshot, Element, UndoHistory

APPLIED = "whiteboard.applied"
SETTINGS = "whiteboard.settings"

__all__ = ["Add", "Clear", "Delete", "Op", "Update", "Whiteboard", "board_hash", "to_svg"]

UNDO_DEPTH = 100  # own steps kept per person and board
COMPACT_EVERY = 200
KEEP_OPS = 500
CACHED_BOARDS = 256

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
        self._boards: OrderedDict[str, Board] = OrderedDict()

    # ---- reading a board ------------------------------------------------------------------
    async def _board(self, key: str) -> Board:
        """The board as the store has it: the materialised one if it is up to date, else
        rebuilt from the snapshot and the ops after it."""
        seq = await self.store.board_seq(key)
        board = self._boards.get(key)
        if board is None or board.seq != seq:
            snapshot = await self.store.get_board_snapshot(key) or BoardSnapshot(0, [])
            ops = await self.store.board_ops_since(key, snapshot.seq)
            if ops is None:
                raise RuntimeError("a board's log does not reach back to its snapshot")
            board = Board.of(snapshot)
            for op in ops:
                board.take(op)
            self._boards[key] = board
            while len(self._boards) > CACHED_BOARDS:
                self._boards.popitem(last=False)
        self._boards.move_to_end(key)
        return board

    async def _settings(self, key: str) -> BoardSettings:
        return await self.store.get_board_settings(key) or BoardSettings()

    async def _drawer(
        self, identity: Identity, room: str | None = None
    ) -> tuple[Participant, str]:
        """The person drawing, allowed to on their room's board (still the room the client
        drew for, when it says), and that board's key."""
        p = await self._actor(identity, Command.DRAW)
        self._still_in(p, room)
        key = room_key(p.session_id, p.room_id)
        settings = await self._settings(key)
        require_drawing(p.role, p.id, settings.locked, settings.drawers)
        return p, key

    # ---- writing a board ------------------------------------------------------------------
    async def _commit(
        self,
        key: str,
        board: Board,
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

    async def _compact(self, key: str, board: Board) -> None:
        """Snapshot the board and trim its log. Tombstones no undo or redo can bring back
        any more lose their content (their id and version stay: an id is never reused)."""
        histories = await self.store.list_undo_histories(key)
        needed = set().union(*(h.element_ids() for h in histories.values()))
        for eid, e in board.elements.items():
            if e.deleted and eid not in needed and (e.points or e.text):
                board.elements[eid] = replace(e, points=(), text="")
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

    @staticmethod
    def _may_delete(p: Participant, board: Board, ids: list[str]) -> None:
        """Anyone may move or change what is on the board (drawing together), but only
        facilitators delete what someone else drew: nobody wipes out another's work (and
        a facilitator's clear is audited)."""
        if allowed(p.role, Command.DELETE_ANY_DRAWING):
            return
        for eid in ids:
            e = board.elements.get(eid)
            if e is not None and e.author != p.id:
                raise Refused(ErrorCode.NOT_PERMITTED, "You can delete only what you drew.")

    # ---- commands -------------------------------------------------------------------------
    async def apply(
        self, identity: Identity, op: Op, client_op_id: str | None = None, room: str | None = None
    ) -> tuple[int, list[Delivery]]:
        """Draw: add, change or delete elements, or (facilitators) clear the board.
        Returns the op's seq and what to deliver."""
        async with self._session_lock(identity.session_id):
            p, key = await self._drawer(identity, room)
            board = await self._board(key)
            if isinstance(op, Add):
                kind, (changed, step) = "add", plan_add(board, p.id, op.element)
            elif isinstance(op, Update):
                kind, (changed, step) = "update", plan_update(board, op.id, op.changes)
            elif isinstance(op, Delete):
                self._may_delete(p, board, op.ids)
                kind, (changed, step) = "delete", plan_delete(board, op.ids)
            else:
                require(p.role, Command.CLEAR_WHITEBOARD)
                kind, (changed, step) = "clear", deletion("clear", board.live_elements())
            history = await self.store.get_undo_history(key, p.id) or UndoHistory()
            if step is not None:
                history.undo.append(step)
            history.redo.clear()
            applied = await self._commit(key, board, p, kind, changed, history, client_op_id)
            out: list[Delivery] = [self._applied(key, applied)]
            if kind == "clear":
                out.append(self._audit(p, "clear_whiteboard", elements=len(changed)))
            return applied.seq, out

    async def undo(self, identity: Identity, room: str | None = None) -> tuple[int, list[Delivery]]:
        """Undo your latest own operation that can still be undone."""
        return await self._revert(identity, redo=False, room=room)

    async def redo(self, identity: Identity, room: str | None = None) -> tuple[int, list[Delivery]]:
        """Redo your latest undone operation (a new operation of your own empties this)."""
        return await self._revert(identity, redo=True, room=room)

    async def _revert(
        self, identity: Identity, *, redo: bool, room: str | None = None
    ) -> tuple[int, list[Delivery]]:
        kind = "redo" if redo else "undo"
        async with self._session_lock(identity.session_id):
            p, key = await self._drawer(identity, room)
            board = await self._board(key)
            history = await self.store.get_undo_history(key, p.id) or UndoHistory()
            source, target = (history.redo, history.undo) if redo else (history.undo, history.redo)
            if not source:
                raise Refused(ErrorCode.NOTHING_TO_REDO if redo else ErrorCode.NOTHING_TO_UNDO)
            step = source.pop()
            changed, done = plan_revert(board, step.reversed() if redo else step, p.id)
            if not changed:
                # Others changed all of it since: theirs stays, and this step is spent.
                await self.store.put_undo_history(key, p.id, history)
                raise Refused(
                    ErrorCode.NOTHING_TO_REDO if redo else ErrorCode.NOTHING_TO_UNDO,
                    f"Someone else has changed that since, so there is nothing to {kind}.",
                )
            if step.kind == "clear":
                require(p.role, Command.CLEAR_WHITEBOARD)
            check_room(board, changed)
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
            raise invalid("mode: open or locked")
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

    async def cursor(
        self, identity: Identity, x: float, y: float, room: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Where someone who may draw points on their room's board: the board's key and
        the pointer as others see it. Passing, not kept (the shell batches pointers per
        room); on a locked board only those who may draw point, as only they draw."""
        p, key = await self._drawer(identity, room)
        return key, {"participant_id": p.id, "name": p.name, "x": x, "y": y}

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
