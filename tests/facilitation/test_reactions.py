"""Reactions: shown to everyone in the sender's room for a moment, never kept; counted."""

from __future__ import annotations

import pytest

from facilitation import ErrorCode, Presence, Reactions, Refused, ToRoomVolatile
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Role, room_key
from tests.facilitation.test_presence import OPEN_DOOR, SESSION, ident


async def test_a_reaction_reaches_the_room_and_is_not_kept() -> None:
    store = MemoryStore()
    presence = Presence(store, admission=OPEN_DOOR)
    await presence.join(ident("ana"), "c-ana")
    await presence.join(ident("obs", Role.OBSERVER), "c-obs")
    reactions = Reactions(store, locks=presence.locks)
    seq = await store.last_seq(room_key(SESSION, MAIN_ROOM))

    out = await reactions.send(ident("ana"), "thumbs_up")
    assert out == [ToRoomVolatile(room_key(SESSION, MAIN_ROOM), "reaction.shown",
                                  {"participant_id": "ana", "kind": "thumbs_up"})]
    assert await store.last_seq(room_key(SESSION, MAIN_ROOM)) == seq  # not a numbered event

    with pytest.raises(Refused) as info:
        await reactions.send(ident("ana"), "confetti")
    assert info.value.code == ErrorCode.INVALID_PAYLOAD
    with pytest.raises(Refused) as info:
        await reactions.send(ident("obs", Role.OBSERVER), "heart")
    assert info.value.code == ErrorCode.NOT_PERMITTED
    ana = await store.get_participant(SESSION, "ana")
    assert ana is not None and ana.activity.reactions == 1
