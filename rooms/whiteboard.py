"""Whiteboard records: elements, a board's settings, applied operations, snapshots and each
person's undo history, with their (msgpack-friendly) dict form.

A room's board is an ordered log of applied operations (numbered by the board's own
sequence) plus, now and then, a snapshot of every element; see `facilitation.whiteboard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The board is this many logical units wide and high; clients scale it to their screen.
BOARD_WIDTH = 1600
BOARD_HEIGHT = 1000

KINDS = ("stroke", "line", "arrow", "rect", "ellipse", "text", "note")
# Ink, and the backgrounds of sticky notes: the only colours the server takes.
COLORS = ("#1f2933", "#c0392b", "#1e6fd9", "#2e8540", "#b7791f", "#7b3fa0")
FILLS = ("#fff3b0", "#d6f5d6", "#d9ecff", "#ffd9e0")

# What a client draws: the fields of an `add`, and the ones an `update` may change.
DRAWN_FIELDS = ("x", "y", "w", "h", "points", "color", "fill", "width", "text")

MODES = ("open", "locked")


@dataclass(slots=True)
class Element:
    """One thing on the board. `points` are [x, y, pressure] relative to (x, y).
    `author`, `version` and `deleted` are the server's: a deleted element stays as a
    tombstone, so that an undo can bring it back."""

    id: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    points: list[list[float]]
    color: str
    fill: str | None
    width: float
    text: str
    author: str = ""
    version: int = 0
    deleted: bool = False

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: that copies every point, and boards hold many. The dict
        # shares `points` with the element; neither is ever changed in place.
        return {
            "id": self.id, "kind": self.kind, "x": self.x, "y": self.y, "w": self.w,
            "h": self.h, "points": self.points, "color": self.color, "fill": self.fill,
            "width": self.width, "text": self.text, "author": self.author,
            "version": self.version, "deleted": self.deleted,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Element:
        return cls(**d)

    def drawn(self) -> dict[str, Any]:
        """What was drawn, without the server's bookkeeping (the board hash's form)."""
        return {"id": self.id, "kind": self.kind, **{f: getattr(self, f) for f in DRAWN_FIELDS}}


@dataclass(slots=True)
class BoardSettings:
    """"open": everyone in the room who may draw does; "locked": only facilitators,
    co-facilitators and the chosen `drawers` (participant ids)."""

    mode: str = "open"
    drawers: list[str] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        return self.mode == "locked"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "drawers": list(self.drawers)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BoardSettings:
        return cls(mode=d["mode"], drawers=list(d["drawers"]))


@dataclass(slots=True, frozen=True)
class AppliedOp:
    """An operation as the server applied it: its number on the board, who made it, and
    the full new state of every element it touched (clients upsert them by id)."""

    seq: int
    author: str
    client_op_id: str | None
    kind: str  # add | update | delete | clear | undo | redo
    elements: list[Element]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "author": self.author,
            "client_op_id": self.client_op_id,
            "kind": self.kind,
            "elements": [e.to_dict() for e in self.elements],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AppliedOp:
        return cls(
            seq=d["seq"],
            author=d["author"],
            client_op_id=d["client_op_id"],
            kind=d["kind"],
            elements=[Element.from_dict(e) for e in d["elements"]],
        )


@dataclass(slots=True)
class BoardSnapshot:
    """Every element (tombstones included) as of operation `seq`, and who last changed
    each field of each element (`writers`: id -> field -> participant id), which undo
    needs and the elements themselves do not carry."""

    seq: int
    elements: list[Element]
    writers: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "elements": [e.to_dict() for e in self.elements],
            "writers": self.writers,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BoardSnapshot:
        return cls(
            seq=d["seq"],
            elements=[Element.from_dict(e) for e in d["elements"]],
            writers=d["writers"],
        )


@dataclass(slots=True)
class UndoStep:
    """One of a person's own operations, as undo and redo need it: for each element it
    touched, the values of the fields it changed before (`before`) and after (`after`).
    `deleted` counts as a field, so adding, deleting and clearing are changes like any."""

    kind: str  # the operation it stands for: add | update | delete | clear
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UndoStep:
        return cls(kind=d["kind"], before=d["before"], after=d["after"])

    def reversed(self) -> UndoStep:
        return UndoStep(self.kind, self.after, self.before)


@dataclass(slots=True)
class UndoHistory:
    """A person's undo and redo stacks on one board (newest last)."""

    undo: list[UndoStep] = field(default_factory=list)
    redo: list[UndoStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"undo": [s.to_dict() for s in self.undo], "redo": [s.to_dict() for s in self.redo]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UndoHistory:
        return cls(
            undo=[UndoStep.from_dict(s) for s in d["undo"]],
            redo=[UndoStep.from_dict(s) for s in d["redo"]],
        )

    def element_ids(self) -> set[str]:
        return {i for step in (*self.undo, *self.redo) for i in step.before}
