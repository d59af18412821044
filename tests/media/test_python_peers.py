"""Two Python participants in one session send each other audio and video."""

from __future__ import annotations

from collections.abc import Callable

from signaling.python_participant import KINDS, PythonParticipant

# Frames to see before calling media "flowing": about a second of video at 15 fps,
# 0.4 s of audio; little enough to stay quick, enough to be more than a first keyframe.
ENOUGH = 15


async def _both_receive(a: PythonParticipant, b: PythonParticipant) -> None:
    for me, other in ((a, b), (b, a)):
        for kind in KINDS:
            await me.wait_for_peer_media(other.participant_id, kind, ENOUGH)


async def test_two_python_participants_receive_each_others_audio_and_video(
    python_participant: Callable[..., PythonParticipant],
) -> None:
    ana, ben = python_participant("Ana"), python_participant("Ben")
    await ana.join()
    await ben.join()
    await ana.wait_for_participant(ben.participant_id)
    assert ana.participant_id in ben.participants

    # Python participants only answer unless told to offer, like here.
    await ben.offer_to(ana.participant_id)
    await _both_receive(ana, ben)

    # Still flowing, and RTP statistics agree with the decoded frames.
    for me, other in ((ana, ben), (ben, ana)):
        for kind in KINDS:
            await me.wait_for_more_media(other.participant_id, kind, ENOUGH)
        packets = await me.inbound_packets(other.participant_id)
        assert packets["audio"] > 0 and packets["video"] > 0


async def test_a_new_connection_from_a_peer_replaces_the_old_one(
    python_participant: Callable[..., PythonParticipant],
) -> None:
    ana, ben = python_participant("Ana"), python_participant("Ben", offer_to_all=True)
    await ben.join()
    await ana.join()  # Ben offers to Ana as she joins
    await _both_receive(ana, ben)
    first = ana.links[ben.participant_id]

    # Ben opens a new connection (as after a reload): Ana drops the old one for it.
    await ben.offer_to(ana.participant_id)
    for kind in KINDS:
        await ana.wait_for_more_media(ben.participant_id, kind, ENOUGH)
        await ben.wait_for_more_media(ana.participant_id, kind, ENOUGH)
    second = ana.links[ben.participant_id]
    assert second is not first
    assert first.pc.connectionState == "closed"
    assert second.remote_pc == ben.links[ana.participant_id].local_pc


async def test_a_participant_who_leaves_is_hung_up_on(
    python_participant: Callable[..., PythonParticipant],
) -> None:
    ana, ben = python_participant("Ana"), python_participant("Ben")
    await ana.join()
    await ben.join()
    await ana.wait_for_participant(ben.participant_id)
    await ben.offer_to(ana.participant_id)
    await _both_receive(ana, ben)
    link = ana.links[ben.participant_id]

    await ben.leave()
    await ana.wait_for_connection(ben.participant_id, "closed")
    assert link.pc.connectionState == "closed"
    assert ben.participant_id not in ana.participants
