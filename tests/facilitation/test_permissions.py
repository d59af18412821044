"""The permission table: every command, for every role, is allowed or refused as it says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from facilitation import (
    PERMISSIONS,
    Command,
    ErrorCode,
    Identity,
    MediaControl,
    Presence,
    Refused,
)
from facilitation.permissions import allowed, require
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Role, room_key

SESSION = "perm-group"


def test_every_command_has_a_rule() -> None:
    assert set(PERMISSIONS) == set(Command)


def test_observers_see_and_hear_but_never_publish() -> None:
    observer_may = {c for c in Command if allowed(Role.OBSERVER, c)}
    assert observer_may == {Command.JOIN, Command.LEAVE, Command.SIGNAL, Command.SYNC}
    for role in (Role.FACILITATOR, Role.COFACILITATOR):
        assert all(allowed(role, c) for c in Command), role


def test_participants_do_everything_but_moderate_others() -> None:
    participant_may = {c for c in Command if allowed(Role.PARTICIPANT, c)}
    assert participant_may == set(Command) - {Command.MODERATE_MEDIA}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("command", list(Command))
def test_require_follows_the_table(command: Command, role: Role) -> None:
    if role in PERMISSIONS[command]:
        assert allowed(role, command)
        require(role, command)
    else:
        assert not allowed(role, command)
        with pytest.raises(Refused) as info:
            require(role, command)
        assert info.value.code == ErrorCode.NOT_PERMITTED


def _identity(pid: str, role: Role) -> Identity:
    return Identity(pid, f"Name {pid}", SESSION, role, f"jti-{pid}", 9e12)


# How each command is carried out by Presence, for an actor who has already joined.
Action = Callable[[Presence, Identity], Awaitable[object]]
ACTIONS: dict[Command, Action] = {
    Command.JOIN: lambda p, who: p.join(who, "conn-again"),
    Command.LEAVE: lambda p, who: p.leave(who),
    Command.PUBLISH_AUDIO: lambda p, who: p.set_media(who, audio_muted=False, video_off=None),
    Command.PUBLISH_VIDEO: lambda p, who: p.set_media(who, audio_muted=None, video_off=False),
    Command.SIGNAL: lambda p, who: p.relay_signal(who, "peer", {"pc": "pc-1"}),
    Command.SYNC: lambda p, who: p.sync(who, room_key(SESSION, MAIN_ROOM), 0),
    Command.MODERATE_MEDIA: lambda p, who: MediaControl(p.store, locks=p.locks).block(
        who, "peer", audio=True
    ),
}


def test_every_command_is_exercised() -> None:
    assert set(ACTIONS) == set(Command)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("command", list(Command))
async def test_presence_enforces_the_table(command: Command, role: Role) -> None:
    presence = Presence(MemoryStore())
    actor = _identity("actor", role)
    await presence.join(_identity("peer", Role.PARTICIPANT), "conn-peer")
    await presence.join(actor, "conn-actor", audio_muted=True, video_off=True)

    if role in PERMISSIONS[command]:
        await ACTIONS[command](presence, actor)
    else:
        before = await presence.store.list_participants(SESSION)
        with pytest.raises(Refused) as info:
            await ACTIONS[command](presence, actor)
        assert info.value.code == ErrorCode.NOT_PERMITTED
        assert await presence.store.list_participants(SESSION) == before
