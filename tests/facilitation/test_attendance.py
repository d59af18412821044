"""Attendance: the ledger says who came late, dropped and came back, left early, and for
how long each person was there; the clinic's events follow (opaque ids only).

Plain unit tests: a MemoryStore and a fake clock, the session run through the real
commands (waiting room and ground rules on), no transport.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from facilitation import (
    Admission,
    AdmissionPolicy,
    Attendance,
    Audit,
    ErrorCode,
    Identity,
    Moderation,
    Presence,
    Refused,
    Webhook,
)
from facilitation.outbox import Delivery
from rooms.memory_store import MemoryStore
from rooms.model import Role
from tests.facilitation.test_presence import Clock

SESSION = "thursday-group"
START = 1_800_000_000.0  # the scheduled start
MINUTE = 60.0
GRACE = 60.0


def ident(pid: str, role: Role = Role.PARTICIPANT) -> Identity:
    return Identity(pid, f"Name {pid}", SESSION, role, f"jti-{pid}", 9e12)


FACILITATOR = ident("fac", Role.FACILITATOR)


@dataclass
class Group:
    clock: Clock
    store: MemoryStore
    presence: Presence
    admission: Admission
    moderation: Moderation
    attendance: Attendance
    hooks: list[Webhook]

    def at(self, minutes: float) -> None:
        """Set the clock to `minutes` after the scheduled start (negative: before)."""
        self.clock.now = START + minutes * MINUTE

    def keep(self, deliveries: list[Delivery]) -> list[Delivery]:
        self.hooks += [d for d in deliveries if isinstance(d, Webhook)]
        return deliveries

    async def come_in(self, pid: str) -> None:
        """Open the link, accept the rules, be admitted by the facilitator."""
        who = ident(pid)
        self.keep((await self.presence.join(who, f"c-{pid}")).deliveries)
        self.keep(await self.admission.accept_rules(who))
        self.keep(await self.admission.admit(FACILITATOR, pid))

    async def drop(self, pid: str, connection: str | None = None) -> None:
        self.keep(await self.presence.connection_lost(ident(pid), connection or f"c-{pid}"))

    async def rejoin(self, pid: str, connection: str) -> None:
        self.keep((await self.presence.join(ident(pid), connection)).deliveries)

    async def ledger(self) -> dict[str, dict[str, Any]]:
        view, _ = await self.attendance.export(FACILITATOR)
        return {row["participant_id"]: row for row in view["participants"]}

    def events(self) -> list[tuple[str, str | None]]:
        return [(h.event, h.data.get("participant", {}).get("id")) for h in self.hooks]


@pytest.fixture
async def group() -> Group:
    clock = Clock(START - 10 * MINUTE)
    store = MemoryStore()
    presence = Presence(store, grace_seconds=GRACE, clock=clock,
                        admission=AdmissionPolicy(waiting_room=True, ground_rules=True))
    shared: dict[str, Any] = {"locks": presence.locks, "policy": presence.policy,
                              "admission": presence.admission, "clock": clock}
    g = Group(clock, store, presence, Admission(store, **shared), Moderation(store, **shared),
              Attendance(store, **shared), [])
    # The clinic's system scheduled the session ahead: an hour from START.
    await g.admission.configure_ahead(FACILITATOR, scheduled_start=START,
                                      scheduled_end=START + 60 * MINUTE)
    g.keep((await presence.join(FACILITATOR, "c-fac")).deliveries)
    return g


async def test_someone_who_joins_late_is_late_by_whole_minutes(group: Group) -> None:
    group.at(-2)
    await group.come_in("early")
    group.at(0.5)
    await group.come_in("on-time")  # within the first minute: on time
    group.at(7.4)
    await group.come_in("late")

    rows = await group.ledger()
    assert (rows["early"]["late"], rows["early"]["late_by_minutes"]) == (False, 0)
    assert (rows["on-time"]["late"], rows["on-time"]["late_by_minutes"]) == (False, 0)
    assert (rows["late"]["late"], rows["late"]["late_by_minutes"]) == (True, 7)
    assert rows["late"]["arrived_at"] == rows["late"]["admitted_at"] == START + 7.4 * MINUTE


async def test_waiting_to_be_let_in_is_not_being_late(group: Group) -> None:
    group.at(-1)
    await group.presence.join(ident("amy"), "c-amy")
    await group.admission.accept_rules(ident("amy"))
    group.at(6)  # the facilitator lets her in six minutes after the start
    await group.admission.admit(FACILITATOR, "amy")

    row = (await group.ledger())["amy"]
    assert row["late"] is False
    assert row["arrived_at"] == START - MINUTE
    assert row["admitted_at"] == START + 6 * MINUTE
    assert row["rules_accepted_at"] == START - MINUTE


async def test_a_drop_and_reconnect_is_counted_and_the_gap_is_not_time_present(
    group: Group,
) -> None:
    group.at(0)
    await group.come_in("bob")
    group.at(10)
    await group.drop("bob")
    assert (await group.ledger())["bob"]["status"] == "reconnecting"
    group.at(10.5)  # back within the grace period
    await group.rejoin("bob", "c-bob-2")
    group.at(20)
    await group.drop("bob", "c-bob-2")
    group.at(23)
    await group.rejoin("bob", "c-bob-3")
    group.at(30)

    row = (await group.ledger())["bob"]
    assert row["reconnects"] == 2
    assert row["status"] == "present"
    assert row["left_at"] is None
    assert row["minutes_present"] == 30 - 0.5 - 3
    assert row["presence"] == [
        [START, START + 10 * MINUTE],
        [START + 10.5 * MINUTE, START + 20 * MINUTE],
        [START + 23 * MINUTE, None],
    ]
    # The clinic hears of one coming in: drops within the grace period are not departures.
    assert [e for e in group.events() if e[1] == "bob"] == [("participant_joined", "bob")]


async def test_a_connection_that_never_comes_back_left_when_it_dropped(group: Group) -> None:
    group.at(0)
    await group.come_in("cy")
    group.at(15)
    await group.drop("cy")
    group.at(15 + GRACE / MINUTE + 0.1)
    group.keep(await group.presence.expire(ident("cy")))

    row = (await group.ledger())["cy"]
    assert (row["status"], row["left_reason"]) == ("left", "connection_lost")
    assert row["left_at"] == START + 15 * MINUTE
    assert row["minutes_present"] == 15
    assert (row["left_early"], row["left_early_by_minutes"]) == (True, 45)
    (left,) = [h for h in group.hooks if h.event == "participant_left"]
    assert left.data["participant"] == {"id": "cy", "role": "participant",
                                        "reason": "connection_lost",
                                        "left_at": START + 15 * MINUTE}


async def test_leaving_early_against_the_scheduled_end(group: Group) -> None:
    group.at(0)
    await group.come_in("dee")
    await group.come_in("eve")
    group.at(40)
    group.keep(await group.presence.leave(ident("dee")))
    group.at(59.5)
    group.keep(await group.presence.leave(ident("eve")))  # within the last minute

    rows = await group.ledger()
    assert (rows["dee"]["left_early"], rows["dee"]["left_early_by_minutes"]) == (True, 20)
    assert rows["dee"]["left_at"] == START + 40 * MINUTE
    assert (rows["dee"]["status"], rows["dee"]["left_reason"]) == ("left", "left")
    assert rows["eve"]["left_early"] is False


async def test_ending_the_session_closes_the_ledger_and_sends_it_without_names(
    group: Group,
) -> None:
    group.at(0)
    await group.come_in("fay")
    await group.come_in("gus")
    await group.presence.join(ident("hal"), "c-hal")  # still waiting at the end
    group.at(45)
    group.keep(await group.presence.leave(ident("gus")))
    group.at(50)  # the facilitator ends ten minutes before the scheduled end
    group.keep(await group.moderation.end(FACILITATOR))

    # The session's state is gone; its attendance is kept.
    assert await group.store.get_participant(SESSION, "fay") is None
    view, _ = await group.attendance.export_by_token(FACILITATOR)
    rows = {r["participant_id"]: r for r in view["participants"]}
    assert view["ended_at"] == START + 50 * MINUTE
    # Staying to the end the facilitator chose is not leaving early.
    assert (rows["fay"]["left_reason"], rows["fay"]["left_early"]) == ("session_ended", False)
    assert rows["fay"]["minutes_present"] == 50
    assert (rows["gus"]["left_early"], rows["gus"]["left_early_by_minutes"]) == (True, 5)
    assert (rows["hal"]["status"], rows["hal"]["admitted_at"]) == ("not_admitted", None)
    assert rows["hal"]["minutes_present"] == 0
    assert rows["fac"]["role"] == "facilitator"

    assert group.events() == [
        ("participant_joined", "fac"),
        ("participant_joined", "fay"),
        ("participant_joined", "gus"),
        ("participant_left", "gus"),
        ("participant_left", "fac"),
        ("participant_left", "fay"),
        ("session_ended", None),
    ]
    ended = group.hooks[-1]
    assert ended.data["reason"] == "ended"
    sent = ended.data["attendance"]
    assert [r["participant_id"] for r in sent["participants"]] == list(rows)
    assert all("name" not in r for r in sent["participants"])
    assert "Name" not in repr([h.data for h in group.hooks])


async def test_a_session_everyone_left_ends_and_may_start_again(group: Group) -> None:
    group.at(0)
    await group.come_in("ike")
    group.at(20)
    group.keep(await group.presence.leave(ident("ike")))
    group.keep(await group.presence.leave(FACILITATOR))
    assert group.hooks[-1].event == "session_ended"
    assert group.hooks[-1].data["reason"] == "everyone_left"

    group.at(25)
    group.keep((await group.presence.join(FACILITATOR, "c-fac-2")).deliveries)
    await group.come_in("ike")
    rows = await group.ledger()
    assert rows["ike"]["reconnects"] == 1
    assert rows["ike"]["status"] == "present"
    view, _ = await group.attendance.export(FACILITATOR)
    assert view["ended_at"] is None
    # The schedule is the ledger's own: the new session record has none.
    assert view["scheduled_start"] == START


async def test_removed_and_denied_people_are_recorded_as_such(group: Group) -> None:
    group.at(1)
    await group.come_in("jo")
    await group.presence.join(ident("kit"), "c-kit")
    group.at(5)
    group.keep(await group.moderation.remove(FACILITATOR, "jo"))
    await group.admission.deny(FACILITATOR, "kit")

    rows = await group.ledger()
    assert (rows["jo"]["status"], rows["jo"]["left_reason"]) == ("left", "removed")
    assert rows["jo"]["minutes_present"] == 4
    assert (rows["kit"]["status"], rows["kit"]["admitted_at"]) == ("denied", None)


async def test_the_schedule_is_set_by_facilitators_and_must_make_sense(group: Group) -> None:
    await group.admission.configure(FACILITATOR, scheduled_end=START + 90 * MINUTE)
    view, _ = await group.attendance.export(FACILITATOR)
    assert (view["scheduled_start"], view["scheduled_end"]) == (START, START + 90 * MINUTE)

    with pytest.raises(Refused) as info:
        await group.admission.configure(FACILITATOR, scheduled_start=START + 95 * MINUTE)
    assert info.value.code == ErrorCode.INVALID_PAYLOAD
    session = await group.store.get_session(SESSION)
    assert session is not None and session.scheduled_start == START

    await group.come_in("lu")
    with pytest.raises(Refused) as info:
        await group.admission.configure(ident("lu"), scheduled_start=START)
    assert info.value.code == ErrorCode.NOT_PERMITTED


async def test_only_facilitators_export_and_each_export_is_audited(group: Group) -> None:
    await group.come_in("mo")
    with pytest.raises(Refused) as info:
        await group.attendance.export(ident("mo"))
    assert info.value.code == ErrorCode.NOT_PERMITTED
    with pytest.raises(Refused):
        await group.attendance.export_by_token(ident("mo"))

    view, deliveries = await group.attendance.export(FACILITATOR)
    assert [r["name"] for r in view["participants"]] == ["Name fac", "Name mo"]
    (audit,) = deliveries
    assert isinstance(audit, Audit)
    assert (audit.action, audit.actor) == ("export_attendance", "fac")


async def test_nothing_kept_for_a_session_nobody_attended(group: Group) -> None:
    stranger = Identity("clinic", "Clinic", "never-held", Role.FACILITATOR, "jti", 9e12)
    with pytest.raises(Refused) as info:
        await group.attendance.export_by_token(stranger)
    assert info.value.code == ErrorCode.NOT_FOUND
