"""The authorisation matrix: every command, for every role, is allowed or refused exactly
as the permission table says, and a refused command changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from facilitation import (
    PERMISSIONS,
    ActivityReports,
    Admission,
    AdmissionPolicy,
    Attendance,
    Breakouts,
    Chat,
    CheckIns,
    Command,
    Engagement,
    ErrorCode,
    Hands,
    Identity,
    MediaControl,
    Moderation,
    Mood,
    Presence,
    Reactions,
    Refused,
    Whiteboard,
)
from facilitation.permissions import allowed, require
from facilitation.whiteboard import Add, Clear, Delete
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Role, room_key

SESSION = "perm-group"
NOTE = {"id": "n-1", "kind": "note", "x": 10.0, "y": 10.0, "w": 200.0, "h": 120.0, "points": [],
        "color": "#1f2933", "fill": "#fff3b0", "width": 2.0, "text": "A thought"}


def test_every_command_has_a_rule() -> None:
    assert set(PERMISSIONS) == set(Command)


def test_observers_see_and_hear_but_never_publish() -> None:
    observer_may = {c for c in Command if allowed(Role.OBSERVER, c)}
    assert observer_may == {
        Command.JOIN, Command.LEAVE, Command.SIGNAL, Command.SYNC,
        Command.ACCEPT_RULES, Command.CHAT_FACILITATORS, Command.CALL_FACILITATOR,
    }


def test_facilitators_and_cofacilitators_have_the_same_powers() -> None:
    fac = {c for c in Command if allowed(Role.FACILITATOR, c)}
    cofac = {c for c in Command if allowed(Role.COFACILITATOR, c)}
    assert fac == cofac
    assert fac == set(Command) - {
        Command.ACCEPT_RULES, Command.REQUEST_UNMUTE, Command.CHOOSE_BREAKOUT,
        Command.CALL_FACILITATOR, Command.ANSWER_CHECK_IN, Command.ANSWER_MOOD,
    }


def test_participants_run_nothing_of_the_facilitators() -> None:
    participant_may = {c for c in Command if allowed(Role.PARTICIPANT, c)}
    assert participant_may == {
        Command.JOIN, Command.LEAVE, Command.PUBLISH_AUDIO, Command.PUBLISH_VIDEO,
        Command.SIGNAL, Command.SYNC, Command.ACCEPT_RULES, Command.REQUEST_UNMUTE,
        Command.RAISE_HAND, Command.CHAT_ROOM, Command.CHAT_FACILITATORS,
        Command.CHOOSE_BREAKOUT, Command.CALL_FACILITATOR,
        Command.ANSWER_CHECK_IN, Command.END_CHECK_IN,
        Command.REACT, Command.REPORT_ACTIVITY, Command.ANSWER_MOOD, Command.DRAW,
    }


def test_engagement_is_for_facilitators_only() -> None:
    viewers = {r for r in Role if allowed(r, Command.VIEW_ENGAGEMENT)}
    askers = {r for r in Role if allowed(r, Command.RUN_MOOD_CHECK)}
    assert viewers == askers == {Role.FACILITATOR, Role.COFACILITATOR}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("command", list(Command))
def test_require_follows_the_table(command: Command, role: Role) -> None:
    if role in PERMISSIONS[command]:
        require(role, command)
    else:
        with pytest.raises(Refused) as info:
            require(role, command)
        assert info.value.code == ErrorCode.NOT_PERMITTED


def _identity(pid: str, role: Role) -> Identity:
    return Identity(pid, f"Name {pid}", SESSION, role, f"jti-{pid}", 9e12)


@dataclass
class Group:
    """A session with a facilitator, a participant in the room, someone waiting, a chat
    message; and an actor of the role under test, in the room."""

    presence: Presence
    media: MediaControl
    admission: Admission
    moderation: Moderation
    hands: Hands
    chat: Chat
    breakouts: Breakouts
    checkins: CheckIns
    whiteboard: Whiteboard
    message_id: str


async def _group(role: Role) -> tuple[Group, Identity]:
    store = MemoryStore()
    presence = Presence(store, admission=AdmissionPolicy(waiting_room=True, ground_rules=False))
    shared = {"locks": presence.locks, "policy": presence.policy,
              "admission": presence.admission}
    g = Group(
        presence,
        MediaControl(store, **shared),  # type: ignore[arg-type]
        Admission(store, **shared),  # type: ignore[arg-type]
        Moderation(store, **shared),  # type: ignore[arg-type]
        Hands(store, **shared),  # type: ignore[arg-type]
        Chat(store, **shared),  # type: ignore[arg-type]
        Breakouts(store, **shared),
        CheckIns(store, **shared),  # type: ignore[arg-type]
        Whiteboard(store, **shared),
        "",
    )
    boss = _identity("boss", Role.FACILITATOR)
    await presence.join(boss, "c-boss")
    for pid, r in (("peer", Role.PARTICIPANT), ("actor", role)):
        await presence.join(_identity(pid, r), f"c-{pid}", audio_muted=True)
        if r not in (Role.FACILITATOR, Role.COFACILITATOR):
            await g.admission.admit(boss, pid)
    await presence.join(_identity("waiter", Role.PARTICIPANT), "c-waiter")
    await g.breakouts.create(boss, ["Pairs"])
    await g.breakouts.let_choose(boss, True)
    await Mood(store).start(boss, "ten")
    await g.chat.send(_identity("peer", Role.PARTICIPANT), "room", "hello")
    (message,) = await store.list_chat(room_key(SESSION, MAIN_ROOM))
    g.message_id = message.id
    # Something the peer drew, which only facilitators may delete.
    await g.whiteboard.apply(
        _identity("peer", Role.PARTICIPANT), Add({**NOTE, "id": "n-peer"}), "c-peer"
    )
    return g, _identity("actor", role)


Action = Callable[[Group, Identity], Awaitable[object]]
ACTIONS: dict[Command, Action] = {
    Command.JOIN: lambda g, who: g.presence.join(who, "conn-again"),
    Command.LEAVE: lambda g, who: g.presence.leave(who),
    Command.PUBLISH_AUDIO: lambda g, who: g.presence.set_media(
        who, audio_muted=False, video_off=None
    ),
    Command.PUBLISH_VIDEO: lambda g, who: g.presence.set_media(
        who, audio_muted=None, video_off=False
    ),
    Command.SIGNAL: lambda g, who: g.presence.relay_signal(who, "peer", {"pc": "pc-1"}),
    Command.SYNC: lambda g, who: g.presence.sync(who, room_key(SESSION, MAIN_ROOM), 0),
    Command.MODERATE_MEDIA: lambda g, who: g.media.block(who, "peer", audio=True),
    Command.ACCEPT_RULES: lambda g, who: g.admission.accept_rules(who),
    Command.ADMIT: lambda g, who: g.admission.admit(who, "waiter"),
    Command.CONFIGURE_SESSION: lambda g, who: g.admission.configure(who, locked=True),
    Command.MUTE_OTHERS: lambda g, who: g.moderation.mute(who, "peer", audio=True),
    Command.ASK_TO_UNMUTE: lambda g, who: g.moderation.set_ask_to_unmute(who, True),
    Command.REQUEST_UNMUTE: lambda g, who: g.moderation.request_unmute(who),
    Command.REMOVE: lambda g, who: g.moderation.remove(who, "peer", keep_out=True),
    Command.PROMOTE: lambda g, who: g.moderation.promote(who, "peer", Role.COFACILITATOR),
    Command.SPOTLIGHT: lambda g, who: g.moderation.spotlight(who, "peer"),
    Command.END_SESSION: lambda g, who: g.moderation.end(who, "Thank you all."),
    Command.RAISE_HAND: lambda g, who: g.hands.raise_hand(who),
    Command.MANAGE_HANDS: lambda g, who: g.hands.call_next(who),
    Command.CHAT_ROOM: lambda g, who: g.chat.send(who, "room", "hi all"),
    Command.CHAT_FACILITATORS: lambda g, who: g.chat.send(who, "facilitators", "a word"),
    Command.REMOVE_CHAT: lambda g, who: g.chat.remove(who, g.message_id),
    Command.RUN_BREAKOUTS: lambda g, who: g.breakouts.open(who, 600),
    Command.CHOOSE_BREAKOUT: lambda g, who: g.breakouts.choose(who, "breakout-1"),
    Command.CALL_FACILITATOR: lambda g, who: g.breakouts.call_facilitator(who),
    Command.CHECK_IN: lambda g, who: g.checkins.invite(who, "peer"),
    Command.ANSWER_CHECK_IN: lambda g, who: _answer_check_in(g, who),
    Command.END_CHECK_IN: lambda g, who: g.checkins.end(who),
    Command.EXPORT_ATTENDANCE: lambda g, who: Attendance(g.presence.store).export(who),
    Command.REACT: lambda g, who: Reactions(g.presence.store).send(who, "heart"),
    Command.REPORT_ACTIVITY: lambda g, who: ActivityReports(g.presence.store).report(
        who, visible=False
    ),
    Command.VIEW_ENGAGEMENT: lambda g, who: Engagement(g.presence.store).get(who),
    Command.RUN_MOOD_CHECK: lambda g, who: Mood(g.presence.store).start(who, "faces"),
    Command.ANSWER_MOOD: lambda g, who: Mood(g.presence.store).answer(who, 4),
    Command.DRAW: lambda g, who: g.whiteboard.apply(who, Add(NOTE), "c-1"),
    Command.DRAW_WHEN_LOCKED: lambda g, who: g.whiteboard.apply(who, Add(NOTE), "c-1"),
    Command.DELETE_ANY_DRAWING: lambda g, who: g.whiteboard.apply(who, Delete(["n-peer"]), "c-2"),
    Command.CLEAR_WHITEBOARD: lambda g, who: g.whiteboard.apply(who, Clear(), "c-1"),
    Command.CONFIGURE_WHITEBOARD: lambda g, who: g.whiteboard.configure(who, "locked", ["peer"]),
    Command.EXPORT_WHITEBOARD: lambda g, who: g.whiteboard.export_svg(who, MAIN_ROOM),
}
# Set up by the facilitator before the command under test.
SETUP: dict[Command, Action] = {
    Command.DRAW_WHEN_LOCKED: lambda g, boss: g.whiteboard.configure(boss, "locked", []),
}


def _refusal(command: Command, role: Role) -> ErrorCode:
    """The code a refused command gets: a locked board tells those who could otherwise
    draw that it is locked."""
    if command is Command.DRAW_WHEN_LOCKED and allowed(role, Command.DRAW):
        return ErrorCode.WHITEBOARD_LOCKED
    return ErrorCode.NOT_PERMITTED


async def _answer_check_in(g: Group, who: Identity) -> object:
    """The facilitator invites the actor (which only works for participants), then the
    actor says "not now"."""
    try:
        out = await g.checkins.invite(_identity("boss", Role.FACILITATOR), who.participant_id)
    except Refused:
        out = []
    ids = [d.payload["checkin_id"] for d in out if getattr(d, "name", "") == "checkin.invited"]
    return await g.checkins.answer(who, ids[0] if ids else "none", False)


def test_every_command_is_exercised() -> None:
    assert set(ACTIONS) == set(Command)


async def _state(g: Group) -> object:
    store = g.presence.store
    return (
        await store.get_session(SESSION),
        await store.list_participants(SESSION),
        await store.list_chat(room_key(SESSION, MAIN_ROOM)),
        await store.get_room(SESSION, MAIN_ROOM),
        await store.last_seq(room_key(SESSION, MAIN_ROOM)),
        await store.board_ops_since(room_key(SESSION, MAIN_ROOM), 0),
        await store.get_board_settings(room_key(SESSION, MAIN_ROOM)),
        await store.list_undo_histories(room_key(SESSION, MAIN_ROOM)),
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("command", list(Command))
async def test_commands_follow_the_table(command: Command, role: Role) -> None:
    g, actor = await _group(role)
    if command in SETUP:
        await SETUP[command](g, _identity("boss", Role.FACILITATOR))
    if role in PERMISSIONS[command]:
        await ACTIONS[command](g, actor)
    else:
        before = await _state(g)
        with pytest.raises(Refused) as info:
            await ACTIONS[command](g, actor)
        assert info.value.code == _refusal(command, role)
        assert await _state(g) == before


async def test_a_promoted_cofacilitator_gets_the_powers_at_once() -> None:
    g, actor = await _group(Role.PARTICIPANT)
    with pytest.raises(Refused):
        await g.moderation.mute(actor, "peer", audio=True)
    await g.moderation.promote(_identity("boss", Role.FACILITATOR), "actor", Role.COFACILITATOR)
    # The token still says participant; the session's record decides.
    await g.moderation.mute(actor, "peer", audio=True)
    peer = await g.presence.store.get_participant(SESSION, "peer")
    assert peer is not None and peer.audio_muted


async def test_someone_still_waiting_can_do_nothing_in_the_room() -> None:
    g, _ = await _group(Role.PARTICIPANT)
    waiter = _identity("waiter", Role.PARTICIPANT)
    for attempt in (
        g.chat.send(waiter, "room", "hello?"),
        g.hands.raise_hand(waiter),
        g.whiteboard.apply(waiter, Add(NOTE), "c-w"),
        g.whiteboard.sync(waiter, None),
    ):
        with pytest.raises(Refused) as info:
            await attempt
        assert info.value.code == ErrorCode.WAITING
