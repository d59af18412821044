"""`room.entered` also lets people in from the waiting room: a Python participant that
waited sets up media in the room it was let into, like one moved between rooms."""

from __future__ import annotations

from collections.abc import Callable

from rooms.model import Role
from tests.breakouts.conftest import PeopleFactory
from tests.breakouts.helpers import receive_each_other
from tests.support.services import ServerProcess


async def test_people_let_in_from_the_waiting_room_receive_each_other(
    make_server: Callable[..., ServerProcess],
    people_on: Callable[[ServerProcess], PeopleFactory],
) -> None:
    make = people_on(make_server(waiting_room="on", ground_rules="on"))
    fac = make("Gus", role=Role.FACILITATOR, send_audio=False, send_video=False)
    await fac.join()
    ana, ben = make("Ana", offer_to_all=True), make("Ben", offer_to_all=True)
    for person in (ana, ben):
        ack = await person.join()
        assert ack["room"] is None and person.room_id == ""
        assert ack["waiting"]["admitted"] is False
        await person.request("rules.accept")
        await fac.request("admission.admit", {"participant_id": person.participant_id})
        await person.wait_for_room("main")
        assert person.session_settings is not None
        assert person.events_named("waiting.status")
    # Three in the room: peer to peer. Ana was in first, so she offers to Ben.
    assert ana.media == {"mode": "mesh", "epoch": 0}
    await receive_each_other([(ana, ben)])
    assert set(ana.participants) == {fac.participant_id, ben.participant_id}
    assert set(ben.links) == {ana.participant_id}
