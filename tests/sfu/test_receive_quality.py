"""A receiver whose connection cannot carry video keeps the audio."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from facilitation.receive_quality import STEP_DOWN_EVERY
from tests.sfu.conftest import PeopleFactory
from tests.sfu.helpers import (
    ENOUGH,
    QUIET,
    SETTLE,
    everyone_receives_everyone,
    figure,
    frames,
    last_growth,
)
from tests.support.services import ServerProcess

# The server steps a lossy receiver down one layer per STEP_DOWN_EVERY seconds, from the
# top layer to audio only: three steps. Reports come every second, as a client's would.
REPORT_EVERY = 1.0
STEPS_TO_AUDIO_ONLY = 3


async def test_a_receiver_reporting_heavy_loss_gets_audio_only(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    ana, ben = make("Ana"), make("Ben")
    # Rae only receives (as on a phone with a failing link).
    rae = make("Rae", send_audio=False, send_video=False)
    group = [ana, ben, rae]
    for person in group:
        await person.join()
    await rae.wait_for_media_mode("sfu")
    await everyone_receives_everyone(group)
    senders = [ana.participant_id, ben.participant_id]
    tiles = dict.fromkeys(senders, 360)

    # Heavy loss, reported again and again: video pauses once the steps are done.
    assert await rae.report_receive(tiles, loss=0.0) is False
    reports = 0
    paused = False
    deadline = (STEPS_TO_AUDIO_ONLY + 1) * STEP_DOWN_EVERY / REPORT_EVERY + 2
    while not paused and reports < deadline:
        paused = await rae.report_receive(tiles, loss=1.0)
        reports += 1
        if not paused:
            await asyncio.sleep(REPORT_EVERY)
    assert paused, f"video still on after {reports} lossy reports"

    paused_at = time.monotonic()
    # Video from both stops (after what was on its way) while their audio goes on.
    watched = await asyncio.gather(*(
        last_growth(frames(rae, sender, "video"), SETTLE + QUIET) for sender in senders
    ))
    for sender, (last, count) in zip(senders, watched, strict=True):
        figure("video paused -> last video frame at the receiver", max(0.0, last - paused_at))
        assert last - paused_at < SETTLE, "video still arrived after the pause settled"
        await rae.wait_for_more_media(sender, "audio", ENOUGH["audio"])
        assert rae.received(sender, "video") == count, "video arrived while paused"
    # The others still see each other: only Rae's video was paused.
    await everyone_receives_everyone([ana, ben], kinds=["video"])
