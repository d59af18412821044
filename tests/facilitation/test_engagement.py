"""The engagement monitor with a fake clock: who is flagged "may be withdrawn", for what
reasons in plain words, and that only facilitators ever get any of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from facilitation import (
    ActivityReports,
    Admission,
    Audit,
    Chat,
    Engagement,
    ErrorCode,
    Hands,
    MediaControl,
    MediaPolicy,
    Moderation,
    Mood,
    Presence,
    Reactions,
    Refused,
    ToParticipant,
)
from facilitation.engagement import covered, duration_words
from rooms.memory_store import MemoryStore
from rooms.model import Role
from tests.facilitation.test_presence import OPEN_DOOR, SESSION, Clock, ident

MINUTE = 60.0
FAC = ident("fac", Role.FACILITATOR)
ANA = ident("ana")  # talks
BEN = ident("ben")  # stays quiet


@dataclass
class Group:
    clock: Clock
    presence: Presence
    media: MediaControl
    activity: ActivityReports
    engagement: Engagement
    mood: Mood
    moderation: Moderation
    hands: Hands
    chat: Chat
    reactions: Reactions
    admission: Admission
    policy: MediaPolicy

    async def rows(self) -> dict[str, dict[str, Any]]:
        view, _ = await self.engagement.get(FAC)
        return {r["participant_id"]: r for r in view["participants"]}

    async def order(self) -> list[str]:
        view, _ = await self.engagement.get(FAC)
        return [r["participant_id"] for r in view["participants"]]

    async def talk(self, who: str, seconds: float) -> None:
        """`who` speaks for `seconds`, as the SFU hears it."""
        await self.media.speaking(SESSION, who, True)
        self.clock.advance(seconds)
        await self.media.speaking(SESSION, who, False)


@pytest.fixture
async def group() -> Group:
    clock = Clock()
    store = MemoryStore()
    policy = MediaPolicy(sfu_available=False)
    presence = Presence(store, clock=clock, policy=policy, admission=OPEN_DOOR)
    shared: dict[str, Any] = {"locks": presence.locks, "clock": clock, "policy": policy}
    g = Group(
        clock, presence, MediaControl(store, **shared), ActivityReports(store, **shared),
        Engagement(store, **shared), Mood(store, **shared), Moderation(store, **shared),
        Hands(store, **shared), Chat(store, **shared), Reactions(store, **shared),
        Admission(store, **shared), policy,
    )
    await presence.join(FAC, "c-fac")
    await presence.join(ANA, "c-ana")
    await presence.join(BEN, "c-ben", audio_muted=True, video_off=True)
    return g


def flags(row: dict[str, Any]) -> list[str]:
    return list(row["flags"])


async def test_a_silent_participant_with_the_camera_off_who_is_away_is_flagged_with_those_reasons(
    group: Group,
) -> None:
    await group.activity.report(BEN, visible=False)
    # Ana talks for most of eleven minutes; Ben says nothing, camera off, page hidden.
    await group.talk("ana", 8 * MINUTE)
    group.clock.advance(3 * MINUTE)
    rows = await group.rows()
    ben, ana = rows["ben"], rows["ana"]
    assert flags(ben) == ["silent", "camera_off", "away"]
    assert ben["reasons"] == [
        "silent for 11 minutes while others talked",
        "camera off for 11 minutes",
        "away for 11 minutes",
    ]
    assert ben["flagged"] and not ana["flagged"] and ana["reasons"] == []
    # Flagged people come first; the facilitator is not in the list.
    assert await group.order() == ["ben", "ana"]
    assert ana["talk_seconds"] == 8 * MINUTE and ana["talk_share"] == 1.0
    assert ben["talk_seconds"] == 0 and ben["talk_share"] == 0
    assert ben["camera_off"] and ben["away"] and ben["away_for"] == 11 * MINUTE


async def test_someone_talking_right_now_is_not_silent(group: Group) -> None:
    await group.talk("ana", 5 * MINUTE)
    await group.media.speaking(SESSION, "ben", True)
    group.clock.advance(7 * MINUTE)
    ben = (await group.rows())["ben"]
    assert ben["speaking"] and ben["silent_seconds"] == 0 and "silent" not in flags(ben)
    assert ben["talk_seconds"] == 7 * MINUTE


async def test_silence_is_not_flagged_when_the_group_was_quiet_too(group: Group) -> None:
    # Ten minutes in which others talked only two: a quiet group, nobody stands out.
    await group.talk("ana", 2 * MINUTE)
    group.clock.advance(8 * MINUTE)
    assert "silent" not in flags((await group.rows())["ben"])
    # Another minute of talk in the same stretch of Ben's silence: now he does.
    await group.talk("fac", 1 * MINUTE)
    assert "silent" in flags((await group.rows())["ben"])


async def test_people_talking_over_each_other_count_once(group: Group) -> None:
    await group.media.speaking(SESSION, "ana", True)
    await group.media.speaking(SESSION, "fac", True)
    group.clock.advance(2 * MINUTE)
    await group.media.speaking(SESSION, "fac", False)
    await group.media.speaking(SESSION, "ana", False)
    group.clock.advance(9 * MINUTE)
    ben = (await group.rows())["ben"]
    assert ben["others_talked_seconds"] == 2 * MINUTE
    assert "silent" not in flags(ben)


async def test_speaking_again_starts_the_silence_afresh(group: Group) -> None:
    await group.talk("ana", 6 * MINUTE)
    await group.talk("ben", 10)
    await group.talk("ana", 5 * MINUTE)
    ben = (await group.rows())["ben"]
    assert ben["silent_seconds"] == 5 * MINUTE
    assert ben["last_spoke_at"] == group.clock.now - 5 * MINUTE
    assert "silent" not in flags(ben)


async def test_the_thresholds_are_configurable_per_session(group: Group) -> None:
    await group.talk("ana", 40)
    group.clock.advance(30)
    assert (await group.rows())["ben"]["flags"] == []
    out = await group.admission.configure(
        FAC, engagement={"silent_seconds": 60, "group_talk_seconds": 30, "camera_off_seconds": 0}
    )
    # Audited; nobody but the facilitators hears of it (no session.updated to the room):
    # they get the signals under the new thresholds at once.
    audit, *pushed = out
    assert isinstance(audit, Audit)
    assert all(isinstance(d, ToParticipant) and d.name == "engagement.updated" for d in pushed)
    assert {d.participant_id for d in pushed if isinstance(d, ToParticipant)} == {"fac"}
    assert pushed[0].payload["settings"]["silent_seconds"] == 60  # type: ignore[union-attr]
    assert (audit.action, audit.actor) == ("set_engagement_thresholds", "fac")
    assert audit.detail == {"settings": {
        "silent_seconds": 60, "group_talk_seconds": 30, "camera_off_seconds": 0,
    }}
    ben = (await group.rows())["ben"]
    # Camera off is switched off (0); silence after a minute now counts.
    assert ben["flags"] == ["silent"]
    assert ben["reasons"] == ["silent for 1 minute while others talked"]
    view, _ = await group.engagement.get(FAC)
    assert view["settings"]["silent_seconds"] == 60
    # The same values again change nothing.
    assert await group.admission.configure(FAC, engagement={"silent_seconds": 60}) == []


async def test_only_facilitators_set_the_thresholds_and_only_known_ones(group: Group) -> None:
    for who in (ANA, ident("obs", Role.OBSERVER)):
        if who.role is Role.OBSERVER:
            await group.presence.join(who, "c-obs")
        with pytest.raises(Refused) as info:
            await group.admission.configure(who, engagement={"silent_seconds": 5})
        assert info.value.code == ErrorCode.NOT_PERMITTED
    with pytest.raises(Refused) as info:
        await group.admission.configure(FAC, engagement={"shoe_size": 5})
    assert info.value.code == ErrorCode.INVALID_PAYLOAD
    assert (await group.rows())["ben"]["flags"] == []
    view, _ = await group.engagement.get(FAC)
    assert view["settings"] == {
        "silent_seconds": 600, "group_talk_seconds": 180, "camera_off_seconds": 300,
        "away_seconds": 120, "mood_low": 3,
    }


async def test_a_low_mood_answer_flags_the_person(group: Group) -> None:
    await group.mood.start(FAC, "ten")
    await group.mood.answer(BEN, 2, "tired")
    await group.mood.answer(ANA, 8)
    rows = await group.rows()
    assert rows["ben"]["flags"] == ["mood_low"] and rows["ben"]["reasons"] == ["mood 2/10"]
    assert rows["ben"]["mood"]["word"] == "tired"
    assert rows["ana"]["flags"] == []
    # On the faces scale the lowest face is low; the next one is not.
    await group.mood.start(FAC, "faces")
    await group.mood.answer(BEN, 1)
    await group.mood.answer(ANA, 2)
    rows = await group.rows()
    assert rows["ben"]["reasons"] == ["mood 1/5 (very low)"]
    assert rows["ana"]["flags"] == []


async def test_peer_to_peer_talk_reports_are_checked_against_wall_time(group: Group) -> None:
    await group.activity.report(ANA, visible=True)
    group.clock.advance(5)
    # Claiming a minute of speech five seconds after the last report: five are credited.
    await group.activity.report(ANA, visible=True, speaking_seconds=60)
    ana = (await group.rows())["ana"]
    assert ana["talk_seconds"] == 5 and ana["last_spoke_at"] == group.clock.now
    # Ben is muted: his client's claims count for nothing.
    group.clock.advance(5)
    await group.activity.report(BEN, visible=True, speaking_seconds=4)
    assert (await group.rows())["ben"]["talk_seconds"] == 0


async def test_in_an_sfu_room_the_clients_talk_reports_are_ignored(group: Group) -> None:
    group.policy.sfu_available = True
    for pid in "xyz":  # the room outgrows the mesh
        await group.presence.join(ident(pid), f"c-{pid}")
    group.clock.advance(10)
    await group.activity.report(ANA, visible=True, speaking_seconds=8)
    assert (await group.rows())["ana"]["talk_seconds"] == 0


async def test_camera_off_and_away_times_add_up_and_the_current_stretch_is_what_flags(
    group: Group,
) -> None:
    await group.presence.set_media(ANA, audio_muted=None, video_off=True)
    group.clock.advance(4 * MINUTE)
    await group.presence.set_media(ANA, audio_muted=None, video_off=False)
    group.clock.advance(1 * MINUTE)
    await group.presence.set_media(ANA, audio_muted=None, video_off=True)
    await group.activity.report(ANA, visible=False)
    group.clock.advance(90)
    await group.activity.report(ANA, visible=True)
    group.clock.advance(150)
    await group.activity.report(ANA, visible=False)
    group.clock.advance(60)
    ana = (await group.rows())["ana"]
    assert ana["camera_off_for"] == 5 * MINUTE and ana["camera_off_seconds"] == 9 * MINUTE
    assert ana["away_for"] == 60 and ana["away_seconds"] == 150
    assert ana["flags"] == ["camera_off"]
    # A facilitator stopping the camera counts as camera off too.
    await group.presence.set_media(ANA, audio_muted=None, video_off=False)
    assert not (await group.rows())["ana"]["camera_off"]
    await group.moderation.mute(FAC, "ana", video=True)
    assert (await group.rows())["ana"]["camera_off"]


async def test_hands_chat_reactions_and_reconnects_are_counted(group: Group) -> None:
    await group.hands.raise_hand(ANA)
    await group.hands.lower_hand(ANA)
    await group.hands.raise_hand(ANA)
    await group.chat.send(ANA, "room", "hello")
    await group.chat.send(ANA, "facilitators", "a word")
    await group.reactions.send(ANA, "heart")
    await group.presence.connection_lost(ANA, "c-ana")
    await group.presence.join(ANA, "c-ana-2")
    ana = (await group.rows())["ana"]
    assert (ana["hand_raises"], ana["chat_messages"], ana["reactions"], ana["reconnects"]) == (
        2, 2, 1, 1,
    )


async def test_engagement_goes_to_facilitators_only(group: Group) -> None:
    await group.presence.join(ident("cof", Role.COFACILITATOR), "c-cof")
    await group.presence.join(ident("obs", Role.OBSERVER), "c-obs")
    out = await group.engagement.tick(SESSION)
    assert {d.participant_id for d in out if isinstance(d, ToParticipant)} == {"fac", "cof"}
    assert all(isinstance(d, ToParticipant) and d.name == "engagement.updated" for d in out)
    # Observers and facilitators are not in the list: participants only.
    listed = {r["participant_id"] for r in out[0].payload["participants"]}  # type: ignore[union-attr]
    assert listed == {"ana", "ben"}
    for who in (ANA, ident("obs", Role.OBSERVER)):
        with pytest.raises(Refused) as info:
            await group.engagement.get(who)
        assert info.value.code == ErrorCode.NOT_PERMITTED


async def test_without_a_facilitator_in_the_room_there_is_nothing_to_push(group: Group) -> None:
    await group.presence.leave(FAC)
    assert await group.engagement.tick(SESSION) == []
    assert await group.engagement.tick("no-such-session") == []


async def test_viewing_is_audited_without_content(group: Group) -> None:
    _, out = await group.engagement.get(FAC)
    (audit,) = out
    assert isinstance(audit, Audit)
    assert (audit.action, audit.actor, audit.target, audit.detail) == (
        "view_engagement", "fac", None, None,
    )


def test_durations_in_plain_words() -> None:
    assert duration_words(0) == "0 seconds"
    assert duration_words(1) == "1 second"
    assert duration_words(59.9) == "59 seconds"
    assert duration_words(60) == "1 minute"
    assert duration_words(12 * 60 + 30) == "12 minutes"
    assert duration_words(3600) == "1 hour"
    assert duration_words(3600 + 5 * 60) == "1 hour 5 minutes"


def test_overlapping_talk_is_measured_once_within_the_window() -> None:
    assert covered([(0, 10), (5, 15), (20, 30)], 0, 100) == 25
    assert covered([(0, 10), (5, 15), (20, 30)], 12, 25) == 8
    assert covered([], 0, 10) == 0



async def test_while_a_mood_check_in_is_open_its_summary_follows_who_is_here(
    group: Group,
) -> None:
    def moods(out: list[Any]) -> list[dict[str, Any]]:
        return [d.payload["summary"] for d in out
                if isinstance(d, ToParticipant) and d.name == "mood.updated"]

    assert moods(await group.engagement.tick(SESSION)) == []  # no check-in: nothing more
    await group.mood.start(FAC, "ten")
    await group.mood.answer(ANA, 6)
    assert [s["asked"] for s in moods(await group.engagement.tick(SESSION))] == [2]
    await group.presence.join(ident("cyd"), "c-cyd")  # someone comes in: asked too
    summaries = moods(await group.engagement.tick(SESSION))
    assert [(s["count"], s["asked"]) for s in summaries] == [(1, 3)]
    await group.mood.end(FAC)
    assert moods(await group.engagement.tick(SESSION)) == []
