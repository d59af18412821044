"""SFU requests the server refuses: from an observer, for a stale set-up, in a mesh room."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rooms.model import Role
from signaling.python_participant import ParticipantError, PythonParticipant
from tests.sfu.conftest import PeopleFactory
from tests.support.services import ServerProcess

# Refused before any SDP is looked at, so a stand-in will do.
OFFER = {"type": "offer", "sdp": "v=0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\n"}


async def _refused(person: PythonParticipant, event: str, data: dict[str, Any]) -> str:
    with pytest.raises(ParticipantError) as refused:
        await person.request(event, data)
    return refused.value.code


async def test_sfu_requests_are_refused_to_observers_and_for_a_stale_set_up(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    # Nobody sends media here: the requests are what is tested.
    ana = make("Ana", send_audio=False, send_video=False)
    ben = make("Ben", send_audio=False, send_video=False)
    olga = make("Olga", Role.OBSERVER)
    for person in (ana, ben, olga):
        await person.join()
    epoch = await olga.wait_for_media_mode("sfu")

    # Observers see and hear, never publish.
    assert await _refused(olga, "sfu.publish", {"epoch": epoch, "jsep": OFFER}) == "not_permitted"
    # A request for an earlier media set-up.
    stale = epoch - 1
    for event, data in (
        ("sfu.publish", {"jsep": OFFER}),
        ("sfu.subscribe", {}),
        ("sfu.answer", {"jsep": ANSWER}),
        ("sfu.receive", {"tiles": {}, "loss": 0.0}),
    ):
        assert await _refused(ana, event, {"epoch": stale, **data}) == "media_changed", event
    # The current set-up still works for them.
    assert await ana.report_receive({}, 0.0) is False
    await olga.request("sfu.subscribe", {"epoch": epoch})


async def test_sfu_requests_are_refused_in_a_peer_to_peer_room(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    ana = make("Ana", send_audio=False, send_video=False)
    ben = make("Ben", send_audio=False, send_video=False)
    for person in (ana, ben):
        ack = await person.join()
    assert ack["room"]["media"] == {"mode": "mesh", "epoch": 0}

    for event, data in (
        ("sfu.publish", {"jsep": OFFER}),
        ("sfu.subscribe", {}),
        ("sfu.answer", {"jsep": ANSWER}),
        ("sfu.trickle", {"target": "publisher", "candidate": None}),
        ("sfu.receive", {"tiles": {}, "loss": 0.0}),
    ):
        assert await _refused(ana, event, {"epoch": 0, **data}) == "media_changed", event
    # Nothing changed: still peer to peer, nobody left.
    assert ana.media == {"mode": "mesh", "epoch": 0}
    assert ben.participant_id in ana.participants
