"""Who is talking, from the SFU's audio levels."""

from __future__ import annotations

from collections.abc import Callable

from rooms.model import Role
from tests.sfu.conftest import PeopleFactory
from tests.support.services import ServerProcess


async def test_a_participants_voice_reaches_the_others_as_speaking_events(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    # Ana speaks (a steady tone); Ben listens with his microphone off; Olga observes.
    ana = make("Ana", send_video=False)
    ben = make("Ben", send_audio=False, send_video=False)
    olga = make("Olga", Role.OBSERVER)
    for person in (ana, ben, olga):
        await person.join()
    await olga.wait_for_media_mode("sfu")

    for listener in (ben, olga):
        await listener.wait_for_speaking(ana.participant_id, True, timeout=15)
        # They hear her through the SFU too; the observer, who never publishes, included.
        await listener.wait_for_peer_media(ana.participant_id, "audio", 25)
    # Nobody else is said to be talking.
    assert {pid for pid, talking in ben.speaking.items() if talking} == {ana.participant_id}
    assert olga.sfu is not None and olga.sfu.publisher is None
