"""Attendance: who came, when, for how long, who came late and who left early.

Presence, admission and moderation call the recorders below whenever someone's presence
changes (came in, dropped, came back, left, was removed or turned away, the session
ended); what the ledger makes of it (minutes present, late, left early) is decided here,
once. The same calls give the events for the clinic's system as `Webhook` deliveries
(`participant_joined`, `participant_left`, `session_ended`), which carry opaque ids only:
names stay in the facilitator's export.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, Delivery, Webhook
from facilitation.permissions import Command, require
from rooms.model import AttendanceEntry, AttendanceLedger, Participant, Session
from rooms.store import Store

# Arriving within a minute of the scheduled start is on time; leaving within a minute of
# the end is not leaving early.
MARGIN_SECONDS = 60.0

# Webhook events.
JOINED = "participant_joined"
LEFT = "participant_left"
ENDED = "session_ended"

# An entry's status.
WAITING = "waiting"
PRESENT = "present"
RECONNECTING = "reconnecting"
GONE = "left"
DENIED = "denied"
NOT_ADMITTED = "not_admitted"

Change = Callable[[AttendanceLedger], list[Delivery]]


# ---- the rules, on a ledger --------------------------------------------------------------
def _entry(ledger: AttendanceLedger, p: Participant, now: float) -> AttendanceEntry:
    e = ledger.entries.get(p.id)
    if e is None:
        e = ledger.entries[p.id] = AttendanceEntry(p.id, p.name, p.role.value, arrived_at=now)
    e.name, e.role = p.name, p.role.value  # a promotion shows in the record
    if e.rules_accepted_at is None:
        e.rules_accepted_at = p.rules_accepted_at
    return e


def _close(e: AttendanceEntry, now: float) -> None:
    if e.intervals and e.intervals[-1][1] is None:
        e.intervals[-1][1] = now


def _hook(ledger: AttendanceLedger, event: str, now: float, **data: Any) -> Webhook:
    return Webhook(ledger.session_id, event, now, data)


def arrive(ledger: AttendanceLedger, p: Participant, now: float) -> list[Delivery]:
    """Opened their link and waits to be let in (or accepted the ground rules meanwhile)."""
    e = _entry(ledger, p, now)
    if e.status in (GONE, NOT_ADMITTED):
        e.status = WAITING
    return []


def enter(ledger: AttendanceLedger, p: Participant, now: float) -> list[Delivery]:
    """Came into the group: let in, back after a dropped connection, or back after leaving."""
    e = _entry(ledger, p, now)
    if e.status == PRESENT:
        return []
    ledger.ended_at = None  # a session that emptied and starts again
    if e.intervals:
        e.reconnects += 1
    if e.admitted_at is None:
        e.admitted_at = now
    was = e.status
    e.intervals.append([now, None])
    e.status, e.left_reason = PRESENT, None
    if was == RECONNECTING:
        return []  # the same stay goes on: the clinic hears of comings and goings only
    return [_hook(ledger, JOINED, now, participant={"id": e.participant_id, "role": e.role})]


def drop(ledger: AttendanceLedger, p: Participant, now: float) -> list[Delivery]:
    """Their connection dropped: not present, but their seat is held for the grace period."""
    e = ledger.entries.get(p.id)
    if e is not None and e.status == PRESENT:
        _close(e, now)
        e.status = RECONNECTING
    return []


def _gone(ledger: AttendanceLedger, e: AttendanceEntry, now: float, reason: str) -> list[Delivery]:
    if e.status in (PRESENT, RECONNECTING):
        if e.status == RECONNECTING and reason in ("expired", "session_ended", "left"):
            reason = "connection_lost"  # they left when the connection dropped
        _close(e, now)
        e.status, e.left_reason = GONE, reason
        who = {"id": e.participant_id, "role": e.role, "reason": reason,
               "left_at": e.intervals[-1][1]}
        return [_hook(ledger, LEFT, now, participant=who)]
    if e.status == WAITING:
        e.status = DENIED if reason == "denied" else NOT_ADMITTED
        e.left_reason = reason
    return []


def leave(ledger: AttendanceLedger, p: Participant, now: float, reason: str) -> list[Delivery]:
    """Gone for good: left, connection lost past the grace period, removed, turned away."""
    return _gone(ledger, _entry(ledger, p, now), now, reason)


def end(ledger: AttendanceLedger, now: float, reason: str) -> list[Delivery]:
    """The session ended (`reason`: "ended" by a facilitator, or "everyone_left")."""
    out: list[Delivery] = []
    for e in ledger.entries.values():
        out += _gone(ledger, e, now, "session_ended")
    ledger.ended_at = now
    out.append(_hook(ledger, ENDED, now, reason=reason,
                     attendance=view(ledger, now, names=False)))
    return out


# ---- what the ledger says ----------------------------------------------------------------
def _whole_minutes(seconds: float) -> int:
    return max(0, math.floor(seconds / 60))


def _entry_view(
    ledger: AttendanceLedger, e: AttendanceEntry, until: float, names: bool
) -> dict[str, Any]:
    present = sum(((end if end is not None else until) - start)
                  for start, end in e.intervals if start is not None)
    left_at = e.intervals[-1][1] if e.status == GONE and e.intervals else None
    late_by = None
    if ledger.scheduled_start is not None:
        late_by = _whole_minutes(e.arrived_at - ledger.scheduled_start)
    ends = [t for t in (ledger.scheduled_end, ledger.ended_at) if t is not None]
    early_by: int | None = None
    if e.status in (PRESENT, RECONNECTING):
        early_by = 0
    elif left_at is not None and ends:
        early_by = _whole_minutes(min(ends) - left_at)
    view: dict[str, Any] = {"participant_id": e.participant_id}
    if names:
        view["name"] = e.name
    view.update({
        "role": e.role,
        "status": e.status,
        "left_reason": e.left_reason,
        "arrived_at": e.arrived_at,
        "admitted_at": e.admitted_at,
        "left_at": left_at,
        "minutes_present": round(present / 60, 1),
        "late": None if late_by is None else late_by * 60 >= MARGIN_SECONDS,
        "late_by_minutes": late_by,
        "left_early": None if early_by is None else early_by * 60 >= MARGIN_SECONDS,
        "left_early_by_minutes": early_by,
        "reconnects": e.reconnects,
        "rules_accepted_at": e.rules_accepted_at,
        "presence": [list(i) for i in e.intervals],
    })
    return view


def view(ledger: AttendanceLedger, now: float, *, names: bool = True) -> dict[str, Any]:
    """The ledger as exported (times in Unix seconds), in the order people arrived.
    `names=False` for anything that leaves the facilitator's hands (webhooks)."""
    until = ledger.ended_at if ledger.ended_at is not None else now
    entries = sorted(ledger.entries.values(), key=lambda e: (e.arrived_at, e.participant_id))
    return {
        "session": ledger.session_id,
        "scheduled_start": ledger.scheduled_start,
        "scheduled_end": ledger.scheduled_end,
        "ended_at": ledger.ended_at,
        "generated_at": now,
        "participants": [_entry_view(ledger, e, until, names) for e in entries],
    }


# ---- recording, through the store ----------------------------------------------------------
async def record(store: Store, session_id: str, change: Change) -> list[Delivery]:
    """Apply one change to the session's ledger (made on first use, with the session's
    schedule) and keep it."""
    ledger = await store.get_attendance(session_id)
    if ledger is None:
        session = await store.get_session(session_id)
        ledger = AttendanceLedger(session_id)
        if session is not None:
            ledger.scheduled_start = session.scheduled_start
            ledger.scheduled_end = session.scheduled_end
    out = change(ledger)
    await store.put_attendance(ledger)
    return out


async def arrived(store: Store, p: Participant, now: float) -> list[Delivery]:
    return await record(store, p.session_id, lambda ledger: arrive(ledger, p, now))


async def entered(store: Store, p: Participant, now: float) -> list[Delivery]:
    return await record(store, p.session_id, lambda ledger: enter(ledger, p, now))


async def dropped(store: Store, p: Participant, now: float) -> list[Delivery]:
    return await record(store, p.session_id, lambda ledger: drop(ledger, p, now))


async def left(store: Store, p: Participant, now: float, reason: str) -> list[Delivery]:
    return await record(store, p.session_id, lambda ledger: leave(ledger, p, now, reason))


async def ended(store: Store, session_id: str, now: float, reason: str) -> list[Delivery]:
    return await record(store, session_id, lambda ledger: end(ledger, now, reason))


async def rescheduled(store: Store, session: Session) -> None:
    """The session's schedule changed: an existing ledger follows it."""
    ledger = await store.get_attendance(session.id)
    if ledger is not None:
        ledger.scheduled_start = session.scheduled_start
        ledger.scheduled_end = session.scheduled_end
        await store.put_attendance(ledger)


# ---- the export ------------------------------------------------------------------------------
class Attendance(SessionCommands):
    async def export(self, identity: Identity) -> tuple[dict[str, Any], list[Delivery]]:
        """A facilitator in the session downloads the ledger so far."""
        actor = await self._actor(identity, Command.EXPORT_ATTENDANCE)
        ledger = await self.store.get_attendance(actor.session_id)
        ledger = ledger or AttendanceLedger(actor.session_id)
        return view(ledger, self.clock()), [self._audit(actor, "export_attendance")]

    async def export_by_token(
        self, identity: Identity
    ) -> tuple[dict[str, Any], list[Delivery]]:
        """The clinic's system (or a facilitator) fetches it with a facilitator's token,
        also after the session ended, while the ledger is kept."""
        require(identity.role, Command.EXPORT_ATTENDANCE)
        ledger = await self.store.get_attendance(identity.session_id)
        if ledger is None:
            raise Refused(ErrorCode.NOT_FOUND, "No attendance is kept for this session.")
        now = self.clock()
        audit = Audit(now, identity.session_id, None, identity.participant_id,
                      "export_attendance", None, {"via": "api"})
        return view(ledger, now), [audit]
