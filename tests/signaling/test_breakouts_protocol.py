"""Breakout rooms through the real server: six people split into three rooms hear only
their roommates, cannot negotiate across rooms, get the broadcast, and come back when the
timer ends (the server's own timer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rooms.model import Role
from tests.signaling.test_facilitator_protocol import (  # noqa: F401 (fixtures)
    Person,
    gated_server,
    group,
)

SIX = ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay"]


async def test_six_people_in_three_rooms_and_back_by_the_timer(
    group: Callable[..., Person],  # noqa: F811
) -> None:
    fac = group("Facilitator", Role.FACILITATOR)
    await fac.join()
    people = [group(name) for name in SIX]
    for p in people:
        # The module's server has a waiting room: admit everyone.
        await p.join()
        await p.ok("rules.accept")
        await fac.ok("admission.admit", {"participant_id": p.id})
        await p.expect("room.entered")

    await fac.ok("breakouts.create", {"names": ["One", "Two", "Three"]})
    await fac.ok("breakouts.assign_randomly", {})
    plan = await fac.expect("breakouts.updated", lambda d: len(d["assignments"]) == 6)
    assert sorted(Counter(plan["assignments"].values()).values()) == [2, 2, 2]

    await fac.ok("breakouts.open", {"duration_seconds": 5})
    room_of: dict[str, str] = {}
    for p in people:
        moving = await p.expect("breakout.moving")
        entered = await p.expect("room.entered")
        assert entered["room"]["room"].endswith(moving["room_id"])
        room_of[p.id] = moving["room_id"]
    # Negotiation reaches a roommate, never someone in another room.
    for p in people:
        mate = next(q for q in people if q is not p and room_of[q.id] == room_of[p.id])
        other = next(q for q in people if room_of[q.id] != room_of[p.id])
        ack = await p.call("signal", {"to": other.id, "pc": "pc-1",
                                      "candidate": {"candidate": ""}})
        assert ack["error"]["code"] == "peer_not_in_room"
        assert (await p.call("signal", {"to": mate.id, "pc": "pc-1",
                                        "candidate": {"candidate": ""}}))["ok"]

    await fac.ok("breakouts.broadcast", {"text": "Two minutes left"})
    for p in people:
        assert (await p.expect("breakout.broadcast"))["text"] == "Two minutes left"

    await people[0].ok("breakouts.help")
    helped = await fac.expect("breakout.help")
    assert helped["participant_id"] == people[0].id and helped["room_id"] == room_of[people[0].id]

    # The server's timer closes the rooms: everyone comes back to the main room (the
    # timer counts from the opening; allow for a slow machine).
    for p in people:
        back = await p.expect(
            "room.entered", lambda d: d["room"]["room"].endswith("/main"), wait=20
        )
        assert len(back["room"]["participants"]) >= 1
    main = await fac.expect("participant.joined")
    assert main["participant"]["id"] in {p.id for p in people}
