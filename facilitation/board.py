"""A whiteboard's rules, as plain functions: what an element may be, what an operation
changes and the step that undoes it, undo that never touches another person's work, the
materialised board, and the board's state hash. `facilitation.whiteboard` runs them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from facilitation.errors import ErrorCode, Refused
from rooms.whiteboard import (
    COLORS,
    DRAWN_FIELDS,
    FILLS,
    KINDS,
    AppliedOp,
    BoardSnapshot,
    Element,
    UndoStep,
    as_points,
)

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
    if isinstance(value, list | tuple):
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
def invalid(why: str) -> Refused:
    return Refused(ErrorCode.INVALID_PAYLOAD, why)


def _number(name: str, v: Any, low: float = -COORD_LIMIT, high: float = COORD_LIMIT) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise invalid(f"{name}: a number")
    if not low <= v <= high:
        raise invalid(f"{name}: between {low:g} and {high:g}")


def check_element(e: Element) -> None:
    """The rules of a drawn element; raises `Refused` with what is wrong."""
    if e.kind not in KINDS:
        raise invalid(f"kind: one of {', '.join(KINDS)}")
    for name in ("x", "y"):
        _number(name, getattr(e, name))
    for name in ("w", "h"):
        _number(name, getattr(e, name), 0.0)
    _number("width", e.width, MIN_WIDTH, MAX_WIDTH)
    if e.color not in COLORS:
        raise invalid("color: one of the board's colours")
    if e.fill is not None and e.fill not in FILLS:
        raise invalid("fill: one of the note colours, or null")
    if not isinstance(e.points, tuple):
        raise invalid("points: a list")
    if len(e.points) > MAX_STROKE_POINTS:
        raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, f"points: at most {MAX_STROKE_POINTS}")
    low, high = POINTS_BY_KIND.get(e.kind, (0, 0))
    if not low <= len(e.points) <= high:
        raise invalid(f"points: {low} to {high} for a {e.kind}")
    for point in e.points:
        if len(point) != 3:
            raise invalid("points: [x, y, pressure] each")
        _number("points", point[0])
        _number("points", point[1])
        _number("points", point[2], 0.0, 1.0)
    if not isinstance(e.text, str):
        raise invalid("text: a string")
    if e.text and e.kind not in WITH_TEXT:
        raise invalid(f"text: only text and notes have text, not a {e.kind}")
    if len(e.text) > MAX_TEXT_CHARS:
        raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, "text: too long")


# ---- a board, materialised ---------------------------------------------------------------------
@dataclass(slots=True)
class Board:
    """A board as its ops left it (as of `seq`), kept by the process serving its room."""

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
    def of(cls, snapshot: BoardSnapshot) -> Board:
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


def plan_add(board: Board, author: str, fields: dict[str, Any]) -> Plan:
    eid = fields.get("id")
    if not isinstance(eid, str) or not eid:
        raise invalid("element.id: required")
    if eid in board.elements:
        raise invalid("element.id: already used on this board")
    if set(fields) != {"id", "kind", *DRAWN_FIELDS}:
        raise invalid(f"element: exactly id, kind, {', '.join(DRAWN_FIELDS)}")
    if board.live >= MAX_LIVE_ELEMENTS or len(board.elements) >= MAX_KEPT_ELEMENTS:
        raise Refused(ErrorCode.WHITEBOARD_FULL)
    e = Element(**fields, author=author, version=1, deleted=False)
    check_element(e)
    return [e], UndoStep("add", {eid: {"deleted": True}}, {eid: {"deleted": False}})


def _live(board: Board, eid: str) -> Element:
    e = board.elements.get(eid)
    if e is None or e.deleted:
        raise Refused(ErrorCode.NOT_FOUND, "That element is not on the board.")
    return e


def plan_update(board: Board, eid: str, changes: dict[str, Any]) -> Plan:
    e = _live(board, eid)
    if not changes or not set(changes) <= set(DRAWN_FIELDS):
        raise invalid(f"changes: some of {', '.join(DRAWN_FIELDS)}")
    changed = replace(e, **changes, version=e.version + 1)
    check_element(changed)
    fields = [f for f in changes if getattr(e, f) != getattr(changed, f)]
    if not fields:
        return [changed], None
    before = {f: getattr(e, f) for f in fields}
    after = {f: getattr(changed, f) for f in fields}
    return [changed], UndoStep("update", {eid: before}, {eid: after})


def deletion(kind: str, doomed: list[Element]) -> Plan:
    if not doomed:
        return [], None
    return (
        [replace(e, deleted=True, version=e.version + 1) for e in doomed],
        UndoStep(kind, {e.id: {"deleted": False} for e in doomed},
                 {e.id: {"deleted": True} for e in doomed}),
    )


def plan_delete(board: Board, ids: list[str]) -> Plan:
    if not 1 <= len(ids) <= MAX_DELETE_IDS:
        raise invalid(f"ids: 1 to {MAX_DELETE_IDS}")
    return deletion("delete", [_live(board, eid) for eid in dict.fromkeys(ids)])


def _holds(e: Element, field_name: str, value: Any) -> bool:
    """Whether the element's field has this value (points compare as the element keeps
    them, whatever form a stored step gives them)."""
    return bool(getattr(e, field_name) == (as_points(value) if field_name == "points" else value))


def plan_revert(
    board: Board, step: UndoStep, who: str
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
            not _holds(e, f, v) or marks.get(f) != who for f, v in expected.items()
        ):
            continue  # someone else changed it since (or deleted it): theirs stays
        changed.append(replace(e, **step.before[eid], version=e.version + 1))
        done.before[eid], done.after[eid] = step.before[eid], expected
    return changed, done


def check_room(board: Board, changed: list[Element]) -> None:
    """Room on the board for what an undo or redo brings back."""
    revived = sum(not e.deleted and board.elements[e.id].deleted for e in changed)
    if revived and board.live + revived > MAX_LIVE_ELEMENTS:
        raise Refused(ErrorCode.WHITEBOARD_FULL)
