"""A group room through the SFU: everyone hears and sees everyone."""

from __future__ import annotations

import time
from collections.abc import Callable

from signaling.python_participant import PythonParticipant
from tests.sfu.conftest import PeopleFactory
from tests.sfu.helpers import everyone_receives_everyone, figure
from tests.support.services import ServerProcess

GROUP = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay"]


async def test_six_people_each_receive_everyone_elses_audio_and_video_through_the_sfu(
    sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(sfu_server)
    group: list[PythonParticipant] = [make(name) for name in GROUP]
    for person in group[:4]:
        ack = await person.join()
    # Four people: still peer to peer (these Python peers only answer, so no media yet).
    assert ack["room"]["media"]["mode"] == "mesh"

    started = time.monotonic()
    ack = await group[4].join()  # the fifth: the room moves to the SFU
    assert ack["room"]["media"]["mode"] == "sfu"
    await group[5].join()
    for person in group:
        await person.wait_for_media_mode("sfu")
    await everyone_receives_everyone(group)
    took = time.monotonic() - started
    figure("six people: from the fifth join to everyone receiving everyone", took)

    # Nobody has a peer-to-peer connection; each has one m-line per other person and kind.
    for person in group:
        assert person.links == {}
        assert person.sfu is not None
        carried = sorted(person.sfu.streams.values())
        assert carried == sorted(
            (other.participant_id, kind)
            for other in group
            if other is not person
            for kind in ("audio", "video")
        )
        for other in group:
            if other is not person:
                packets = await person.inbound_packets(other.participant_id)
                assert packets["audio"] > 0 and packets["video"] > 0
