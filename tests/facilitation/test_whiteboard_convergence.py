"""Property: any interleaving of valid operations from several authors (drawing, changing,
deleting, clearing, undoing, redoing) converges to the same board on every replica.

Replicas are clients as the spec has them: they apply the server's applied ops in seq
order by upserting elements by id (a version >= theirs wins), lose what is sent while they
are disconnected and catch up with `whiteboard.sync` from their last seq, or from any
earlier seq, or join late with a snapshot. The server compacts every few ops (snapshot and
trim), so catching up goes through both paths, and it is restarted now and then (a new
process rebuilding its boards from the store's snapshot and tail).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitation import AdmissionPolicy, Presence, Refused, ToRoomVolatile, Whiteboard
from facilitation.whiteboard import Add, Clear, Delete, Op, Update, board_hash
from rooms.memory_store import MemoryStore
from rooms.model import Role
from rooms.whiteboard import COLORS, FILLS, KINDS, Element
from tests.facilitation.test_presence import ident

OPEN_DOOR = AdmissionPolicy(waiting_room=False, ground_rules=False)
AUTHORS = [ident("ann"), ident("ben"), ident("cy"), ident("fac", Role.FACILITATOR)]
FAC = AUTHORS[-1]
REPLICAS = 3
WRITTEN = ("x", "y", "w", "h", "points", "color", "fill", "width", "text", "deleted")

# What happens next: who draws what, undoes, redoes; which replica loses its connection,
# catches up, receives what is on its way; a server restart. Drawing weighs most.
NAMES = (
    ["add"] * 5 + ["update"] * 4 + ["delete", "delete_missing", "clear"]
    + ["undo", "redo"] + ["undo_by_last_drawer", "redo_by_last_undoer"] * 2
    + ["deliver"] * 3 + ["drop", "reconnect", "late_join", "resync_from", "restart"]
)


@dataclass(frozen=True)
class Step:
    name: str
    who: int = 0
    # Which live element (modulo how many there are), replica, or seq to resync from.
    target: int = 0
    more_targets: tuple[int, ...] = ()
    kind: str = "rect"
    x: float = 0.0
    y: float = 0.0
    color: str = COLORS[0]
    points: tuple[tuple[float, float, float], ...] = ((0.0, 0.0, 0.5), (1.0, 1.0, 0.5))
    text: str = ""
    # What to change: applied to whatever the target turns out to be, as it allows.
    changes: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


coord = st.floats(min_value=-50, max_value=1700, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord, st.floats(min_value=0, max_value=1))
points = st.lists(point, min_size=2, max_size=6).map(tuple)
steps = st.builds(
    Step,
    name=st.sampled_from(NAMES),
    who=st.integers(0, len(AUTHORS) - 1),
    target=st.integers(0, 99),
    more_targets=st.lists(st.integers(0, 99), max_size=2).map(tuple),
    kind=st.sampled_from(KINDS),
    x=coord,
    y=coord,
    color=st.sampled_from(COLORS),
    points=points,
    text=st.text(max_size=12),
    changes=st.fixed_dictionaries({}, optional={
        "x": coord, "y": coord, "w": st.floats(0, 400), "color": st.sampled_from(COLORS),
        "fill": st.sampled_from([*FILLS, None]), "width": st.floats(1, 24),
        "text": st.text(max_size=12), "points": points,
    }),
    seed=st.integers(0, 2**16),
)


@dataclass
class Replica:
    """A client: the board as it knows it, and what the server sent it not yet applied."""

    elements: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: int = 0
    connected: bool = True
    inbox: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, op: dict[str, Any]) -> None:
        assert op["seq"] == self.seq + 1
        for e in op["elements"]:
            known = self.elements.get(e["id"])
            if known is None or e["version"] >= known["version"]:
                self.elements[e["id"]] = e
        self.seq = op["seq"]

    def receive(self, ops: list[dict[str, Any]]) -> None:
        """Ops in any order: applied in seq order, early ones wait for the gap to fill."""
        self.waiting = sorted(self.waiting + ops, key=lambda op: op["seq"])
        while self.waiting and self.waiting[0]["seq"] <= self.seq + 1:
            op = self.waiting.pop(0)
            if op["seq"] == self.seq + 1:
                self.apply(op)

    def load(self, board: dict[str, Any]) -> None:
        if board["snapshot"] is not None:
            self.elements = {e["id"]: e for e in board["snapshot"]["elements"]}
            self.seq = board["snapshot"]["seq"]
        for op in board["ops"]:
            if op["seq"] > self.seq:
                self.apply(op)
        assert self.seq == board["seq"]

    def live(self) -> dict[str, dict[str, Any]]:
        return {k: e for k, e in self.elements.items() if not e["deleted"]}


class Run:
    def __init__(self) -> None:
        self.presence = Presence(MemoryStore(), admission=OPEN_DOOR)
        self.wb = self._server()
        self.replicas = [Replica() for _ in range(REPLICAS)]
        self.counter = 0
        # Who drew and who undid last: undo and redo are tried where they have work.
        self.last_drawer = self.last_undoer = 0
        # Every element as the ops left it, and who last changed each of its fields.
        self.truth: dict[str, dict[str, Any]] = {}
        self.writers: dict[str, dict[str, str]] = {}

    def _server(self) -> Whiteboard:
        # Compacting every few ops sends catching up through snapshot and trimmed log.
        return Whiteboard(self.presence.store, locks=self.presence.locks,
                          admission=OPEN_DOOR, compact_every=3, keep_ops=5)

    async def start(self) -> None:
        for who in AUTHORS:
            await self.presence.join(who, f"c-{who.participant_id}")

    async def board(self, since: int | None = None) -> dict[str, Any]:
        return await self.wb.sync(FAC, since)

    async def live_ids(self) -> list[str]:
        return sorted(e["id"] for e in (await self.board())["snapshot"]["elements"])

    async def live(self) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in (await self.board())["snapshot"]["elements"]}

    def fan_out(self, out: list[Any]) -> None:
        for d in out:
            if isinstance(d, ToRoomVolatile) and d.name == "whiteboard.applied":
                for r in self.replicas:
                    if r.connected:
                        r.inbox.append(d.payload["op"])

    async def draw(self, who: int, op: Op | str) -> None:
        before = await self.board()
        try:
            if isinstance(op, str):
                _, out = await (self.wb.undo if op == "undo" else self.wb.redo)(AUTHORS[who])
            else:
                self.counter += 1
                _, out = await self.wb.apply(AUTHORS[who], op, f"c-{self.counter}")
        except Refused:
            after = await self.board()
            assert (after["seq"], after["hash"]) == (before["seq"], before["hash"])
            return
        (applied,) = [d.payload["op"] for d in out if isinstance(d, ToRoomVolatile)]
        if op == "undo":
            self.last_undoer = who
        elif op != "redo":
            self.last_drawer = who
        assert applied["seq"] == before["seq"] + 1
        me = AUTHORS[who].participant_id
        for e in applied["elements"]:
            old = self.truth.get(e["id"])
            marks = self.writers.setdefault(e["id"], {})
            written = [f for f in WRITTEN if old is None or old[f] != e[f]]
            if old is not None:
                assert e["version"] > old["version"]
            if op in ("undo", "redo"):
                # Undo and redo never change another person's work: only fields whose
                # last change was this person's; undo never removes another's element.
                assert all(marks[f] == me for f in written), (op, e, old, marks)
                assert op == "redo" or not e["deleted"] or e["author"] == me
            marks.update(dict.fromkeys(written, me))
            self.truth[e["id"]] = e
        self.fan_out(out)

    async def act(self, step: Step) -> None:
        name, who = step.name, step.who
        replica = self.replicas[step.target % REPLICAS]
        if name == "add":
            await self.draw(who, Add(self.new_element(step)))
        elif name == "update":
            ids = await self.live_ids()
            if ids:
                current = (await self.live())[ids[step.target % len(ids)]]
                await self.draw(who, Update(current["id"], fit(current["kind"], step.changes)))
        elif name == "delete":
            ids = await self.live_ids()
            if ids:
                await self.draw(who, Delete([ids[t % len(ids)]
                                             for t in (step.target, *step.more_targets)]))
        elif name == "delete_missing":
            await self.draw(who, Delete(["never-drawn"]))
        elif name == "clear":
            await self.draw(len(AUTHORS) - 1, Clear())
        elif name in ("undo", "redo"):
            await self.draw(who, name)
        elif name == "undo_by_last_drawer":
            await self.draw(self.last_drawer, "undo")
        elif name == "redo_by_last_undoer":
            await self.draw(self.last_undoer, "redo")
        elif name == "deliver":
            count = 1 + step.seed % 6
            batch, replica.inbox = replica.inbox[:count], replica.inbox[count:]
            random.Random(step.seed).shuffle(batch)
            replica.receive(batch)
        elif name == "drop":
            replica.connected, replica.inbox, replica.waiting = False, [], []
        elif name == "reconnect":
            await self.catch_up(replica, None)
        elif name == "resync_from":
            await self.catch_up(replica, step.seed % (replica.seq + 1))
        elif name == "late_join":
            self.replicas[step.target % REPLICAS] = fresh = Replica(connected=False)
            await self.catch_up(fresh, None, fresh=True)
        elif name == "restart":
            self.wb = self._server()

    def new_element(self, step: Step) -> dict[str, Any]:
        self.counter += 1
        kind = step.kind
        pts = [list(p) for p in step.points]
        drawn = kind in ("stroke", "line", "arrow")
        return {
            "id": f"{AUTHORS[step.who].participant_id}-{self.counter}", "kind": kind,
            "x": step.x, "y": step.y, "w": 0.0 if drawn else 90.0, "h": 0.0 if drawn else 60.0,
            "points": pts if kind == "stroke" else pts[:2] if drawn else [],
            "color": step.color, "fill": FILLS[0] if kind == "note" else None, "width": 2.0,
            "text": step.text if kind in ("text", "note") else "",
        }

    async def catch_up(self, r: Replica, since: int | None, fresh: bool = False) -> None:
        """Deliver what is on its way, then sync from its seq (or `since`)."""
        r.receive(r.inbox)
        r.inbox = []
        r.load(await self.board(None if fresh else r.seq if since is None else since))
        r.connected, r.waiting = True, []

    async def settle(self) -> None:
        expected = await self.live()
        expected_hash = (await self.board())["hash"]
        for r in self.replicas:
            await self.catch_up(r, None)
            assert r.live() == expected
            assert board_hash(Element.from_dict(e) for e in r.elements.values()) == expected_hash
        # A new server process rebuilds the same board from snapshot + tail.
        self.wb = self._server()
        assert (await self.board())["hash"] == expected_hash


def fit(kind: str, wanted: dict[str, Any]) -> dict[str, Any]:
    """The changes `wanted` that a `kind` allows."""
    allowed = {"x", "y", "color", "width", "fill"}
    if kind in ("rect", "ellipse", "text", "note"):
        allowed.add("w")
    if kind in ("text", "note"):
        allowed.add("text")
    fitted = {k: v for k, v in wanted.items() if k in allowed}
    if kind in ("stroke", "line", "arrow") and "points" in wanted:
        pts = [list(p) for p in wanted["points"]]
        fitted["points"] = pts if kind == "stroke" else pts[:2]
    return fitted or {"x": 1.0}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=8, max_size=60))
def test_every_replica_converges_to_the_servers_board(plan: list[Step]) -> None:
    async def scenario() -> None:
        run = Run()
        await run.start()
        for step in plan:
            await run.act(step)
        await run.settle()

    asyncio.run(scenario())


def test_a_long_random_session_converges() -> None:
    """One long session (hundreds of ops, many compactions) as a plain seeded run."""
    rnd = random.Random(6)

    async def scenario() -> None:
        run = Run()
        await run.start()
        for _ in range(800):
            pts = tuple((rnd.uniform(0, 100), rnd.uniform(0, 100), 0.5) for _ in range(4))
            await run.act(Step(
                name=rnd.choice(NAMES), who=rnd.randrange(len(AUTHORS)),
                target=rnd.randrange(99), kind=rnd.choice(KINDS), x=rnd.uniform(0, 1500),
                y=rnd.uniform(0, 900), color=rnd.choice(COLORS), points=pts, text="a note",
                changes=rnd.choice([{"x": rnd.uniform(0, 1500)}, {"color": COLORS[2]},
                                    {"points": pts, "width": 5.0}]),
                seed=rnd.randrange(2**16),
            ))
        await run.settle()

    asyncio.run(scenario())
