"""The issue's test: scripted aiortc participants in an SFU room. One stays silent (sends
no audio) with the camera off; the other talks (a tone loud enough for Janus's talking
events). With short thresholds the silent one is flagged, with those reasons, and the
talker is not; neither participant's client ever receives a signal."""

from __future__ import annotations

from typing import Any

from rooms.model import Role
from tests.support.participants import PeopleFactory

FACILITATORS_ONLY = ("engagement.updated", "mood.updated")


def row(view: dict[str, Any], pid: str) -> dict[str, Any]:
    (found,) = [r for r in view["participants"] if r["participant_id"] == pid]
    return found


async def test_the_silent_participant_with_the_camera_off_is_flagged_and_the_talker_is_not(
    people: PeopleFactory,
) -> None:
    fac = people("Dr Ines Fac", Role.FACILITATOR, send_audio=False, send_video=False)
    ana = people("Ana Talks")  # a steady tone and a camera
    ben = people("Ben Quiet", send_audio=False, send_video=False)
    await fac.join()
    await ana.join()
    await ben.join(audio_muted=True, video_off=True)
    await fac.wait_for_media_mode("sfu")
    await fac.set_engagement_thresholds(
        silent_seconds=4, group_talk_seconds=2, camera_off_seconds=4
    )

    # Janus hears Ana: her talk time comes from the SFU's audio levels.
    await fac.wait_for_speaking(ana.participant_id, True, timeout=30)
    update = await fac.wait_for_event(
        "engagement.updated", lambda d: row(d, ben.participant_id)["flagged"], timeout=40
    )
    quiet, talker = row(update, ben.participant_id), row(update, ana.participant_id)
    assert quiet["flags"] == ["silent", "camera_off"]
    assert quiet["reasons"][0].startswith("silent for ")
    assert quiet["reasons"][0].endswith(" while others talked")
    assert quiet["reasons"][1].startswith("camera off for ")
    assert quiet["talk_seconds"] == 0 and quiet["camera_off"]
    assert talker["flagged"] is False and talker["reasons"] == []
    assert talker["speaking"] and talker["talk_seconds"] > 0 and not talker["camera_off"]
    # Flagged first.
    assert [r["participant_id"] for r in update["participants"]] == [
        ben.participant_id, ana.participant_id,
    ]

    # A room message after several updates: anything sent to the participants' connections
    # before it would have arrived by then too. Nothing did.
    await fac.send_chat("Thank you both.")
    for person in (ana, ben):
        await person.wait_for_event("chat.message")
        for name in FACILITATORS_ONLY:
            assert person.events_named(name) == []


async def test_a_talker_moved_to_a_breakout_no_longer_counts_as_talking(
    people: PeopleFactory,
) -> None:
    fac = people("Dr Ines Fac", Role.FACILITATOR, send_audio=False, send_video=False)
    ana = people("Ana Talks", send_video=False)
    ben = people("Ben Quiet", send_audio=False, send_video=False)
    for person in (fac, ana, ben):
        await person.join()
    await fac.wait_for_speaking(ana.participant_id, True, timeout=30)
    await fac.wait_for_event(
        "engagement.updated", lambda d: row(d, ana.participant_id)["speaking"], timeout=20
    )

    # Ana goes to a breakout room of her own while she talks: the SFU of the main room no
    # longer hears her, so her talk time must not run on there (nor count as the group's).
    await fac.create_breakouts(["Pair"])
    await fac.assign_breakouts({ana.participant_id: "breakout-1"})
    mark = fac.mark()
    await fac.open_breakouts()
    await ana.wait_for_room("breakout-1")
    moved = await fac.wait_for_event(
        "engagement.updated",
        lambda d: row(d, ana.participant_id)["room_id"] == "breakout-1",
        since=mark, timeout=20,
    )
    assert row(moved, ana.participant_id)["speaking"] is False
    talked = row(moved, ana.participant_id)["talk_seconds"]
    later = await fac.wait_for_event(
        "engagement.updated", lambda d: d["now"] >= moved["now"] + 2, since=mark, timeout=20
    )
    assert row(later, ana.participant_id)["talk_seconds"] == talked
