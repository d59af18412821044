"""Breakouts opened a second time: a room starts peer to peer again, whatever its media
set-up was the last time it was open (a room keeps the SFU only until it empties)."""

from __future__ import annotations

from rooms.model import Role
from tests.breakouts.conftest import PeopleFactory

QUIET = {"send_audio": False, "send_video": False}


async def test_a_breakout_that_outgrew_peer_to_peer_starts_peer_to_peer_when_reopened(
    people: PeopleFactory,
) -> None:
    fac = people("Gus", role=Role.FACILITATOR, **QUIET)
    await fac.join()
    group = [people(name, **QUIET) for name in ("Ana", "Ben", "Cleo", "Dev", "Eli")]
    for person in group:
        await person.join()
    await fac.create_breakouts(["Everyone"])
    await fac.assign_breakouts({p.participant_id: "breakout-1" for p in group})

    # Five in one breakout: more than the threshold, so through the SFU.
    await fac.open_breakouts()
    for person in group:
        await person.wait_for_room("breakout-1")
    await group[0].wait_for_media_mode("sfu")
    await fac.close_breakouts()
    for person in group:
        await person.wait_for_room("main")

    # The next time, two people: peer to peer, as any room of two starts.
    await fac.assign_breakouts({p.participant_id: "main" for p in group[2:]})
    await fac.open_breakouts()
    pair = group[:2]
    for person in pair:
        await person.wait_for_room("breakout-1")
        assert person.media is not None and person.media["mode"] == "mesh"
