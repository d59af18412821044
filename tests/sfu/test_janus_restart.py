"""Janus dies mid-session: the server restarts it and media comes back without anyone
rejoining."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.sfu.conftest import PeopleFactory
from tests.sfu.helpers import everyone_receives_everyone, figure, seats
from tests.support.services import ServerProcess


def janus_child(server: ServerProcess) -> int:
    """The pid of the Janus the server runs (its child process named `janus`)."""
    assert server.proc is not None
    children: list[int] = []
    for task in Path(f"/proc/{server.proc.pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    janus = [pid for pid in children if Path(f"/proc/{pid}/comm").read_text().strip() == "janus"]
    assert len(janus) == 1, f"the server's children: {children}"
    return janus[0]


async def test_media_comes_back_after_janus_is_killed_without_anyone_rejoining(
    sfu_server_factory: Callable[..., ServerProcess],
    people: Callable[[ServerProcess], PeopleFactory],
) -> None:
    server = sfu_server_factory("--sfu-threshold", "2")
    make = people(server)
    group = [make(name) for name in ("Ana", "Ben", "Cleo")]
    for person in group:
        await person.join()
    first = await group[0].wait_for_media_mode("sfu")
    await everyone_receives_everyone(group)
    seats_before = [seats(person) for person in group]
    events_before = [len(person.room_events) for person in group]
    old_janus = janus_child(server)

    os.kill(old_janus, signal.SIGKILL)
    killed_at = time.monotonic()

    # The server restarts Janus and announces a new media set-up to everyone ...
    for person in group:
        assert await person.wait_for_media_mode("sfu", after_epoch=first, timeout=20) > first
    announced = time.monotonic() - killed_at
    # ... and media flows again to everyone, on new connections.
    await everyone_receives_everyone(group)
    figure("Janus killed -> new media set-up announced", announced)
    figure("Janus killed -> everyone receives everyone again", time.monotonic() - killed_at)
    assert janus_child(server) != old_janus

    # Nobody rejoined: same connections, same seats, and the only room events since were
    # media set-ups (no one left or joined).
    for person, before, count in zip(group, seats_before, events_before, strict=True):
        assert person.sio.connected and person.closed_reason is None
        assert seats(person) == before
        since = [event["name"] for event in person.room_events[count:]]
        assert since and set(since) == {"room.media"}, since
        assert person.sfu is not None and person.media is not None
        assert person.sfu.epoch == person.media["epoch"]
