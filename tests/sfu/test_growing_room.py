"""A room that outgrows peer to peer moves to the SFU, without anyone rejoining."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from signaling.python_participant import KINDS, PythonParticipant
from tests.sfu.conftest import PeopleFactory
from tests.sfu.helpers import everyone_receives_everyone, figure, seats, until
from tests.support.services import ServerProcess


def _hung_up(person: PythonParticipant) -> Callable[[], bool]:
    return lambda: not person.links


async def test_a_fourth_person_moves_a_peer_to_peer_room_to_the_sfu(
    sfu_server_factory: Callable[..., ServerProcess],
    people: Callable[[ServerProcess], PeopleFactory],
) -> None:
    # Three people fit peer to peer; the fourth makes the room move to the SFU.
    server = sfu_server_factory("--sfu-threshold", "3")
    make = people(server)
    # Python participants only answer unless told to offer: these offer to later joiners.
    first_three = [make(name, offer_to_all=True) for name in ("Ana", "Ben", "Cleo")]
    for person in first_three:
        ack = await person.join()
        assert ack["room"]["media"] == {"mode": "mesh", "epoch": 0}
    await everyone_receives_everyone(first_three)
    for person in first_three:
        assert person.media == {"mode": "mesh", "epoch": 0}
        assert person.sfu is None
        others = [o.participant_id for o in first_three if o is not person]
        assert {person.connection_state(other) for other in others} == {"connected"}
    p2p = [link.pc for person in first_three for link in person.links.values()]
    seats_before = [seats(person) for person in first_three]
    events_before = [len(person.room_events) for person in first_three]

    dev = make("Dev", offer_to_all=True)
    joining = time.monotonic()
    ack = await dev.join()
    assert ack["room"]["media"]["mode"] == "sfu"
    # The newcomer's first frames, through the SFU.
    firsts = await asyncio.gather(*(
        dev.wait_for_peer_media(other.participant_id, kind, 1, timeout=30)
        for other in first_three
        for kind in KINDS
    ))
    assert all(firsts)
    figure("fourth person's join -> their first frame from everyone", time.monotonic() - joining)

    # The others close their peer-to-peer connections and receive through the SFU.
    group = [*first_three, dev]
    for person in first_three:
        await person.wait_for_media_mode("sfu")
        await until(_hung_up(person), 10, "peer-to-peer connections closed")
    assert {pc.connectionState for pc in p2p} == {"closed"}
    await everyone_receives_everyone(group)
    figure("fourth person's join -> everyone receives everyone through the SFU",
           time.monotonic() - joining)

    # Nobody rejoined: same connections, same seats; the only room events were the
    # newcomer's arrival and the new media set-up.
    for person, before, count in zip(first_three, seats_before, events_before, strict=True):
        assert person.sio.connected and person.closed_reason is None
        assert seats(person) == {**before, dev.participant_id: int(dev.me["seat"])}
        since = [(e["name"], e["payload"]) for e in person.room_events[count:]]
        assert [name for name, _ in since] == ["participant.joined", "room.media"]
        assert since[0][1]["participant"]["id"] == dev.participant_id
        assert since[1][1] == {"mode": "sfu", "epoch": 1}
        assert person.sfu is not None and person.sfu.epoch == 1
