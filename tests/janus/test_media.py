"""Media through a real Janus VideoRoom, between aiortc peers, all inside the test netns."""

from __future__ import annotations

import asyncio

from signaling.janus.client import JanusClient
from signaling.janus.videoroom import (
    Publisher,
    RoomAdmin,
    StreamRef,
    Subscriber,
    new_janus_id,
    room_event,
)
from tests.janus.conftest import Peers
from tests.janus.peers import PublishingPeer, SubscribingPeer, until

# About a second of media: more than a first keyframe, little enough to stay quick.
VIDEO_FRAMES = 8  # the synthetic video runs at 10 fps
AUDIO_FRAMES = 40  # 20 ms each
MEDIA_TIMEOUT = 15.0


async def _publish(
    client: JanusClient, room: int, peers: Peers
) -> tuple[Publisher, int, PublishingPeer]:
    publisher = await Publisher.attach(client)
    feed = new_janus_id()
    await publisher.join(room, feed, "participant-" + str(feed)[-6:])
    peer = peers.publishing()
    await peer.publish(publisher)
    return publisher, feed, peer


async def _subscribe(client: JanusClient, room: int, feed: int, peers: Peers) -> SubscribingPeer:
    subscriber = await Subscriber.attach(client)
    peer = peers.subscribing()
    await peer.subscribe(subscriber, room, feed)
    return peer


async def test_subscriber_receives_the_publishers_audio_and_video(
    client: JanusClient, admin: RoomAdmin, room: int, peers: Peers
) -> None:
    _, feed, _ = await _publish(client, room, peers)
    viewer = await _subscribe(client, room, feed, peers)

    async with asyncio.timeout(MEDIA_TIMEOUT):
        await viewer.frames.reach("video", VIDEO_FRAMES)
        await viewer.frames.reach("audio", AUDIO_FRAMES)

    # Janus knows the publisher by its opaque display id only.
    (participant,) = await admin.list_participants(room)
    assert participant.id == feed and participant.publisher
    assert participant.display == "participant-" + str(feed)[-6:]


async def test_moderator_mute_silences_audio_at_the_sfu_and_unmute_restores_it(
    client: JanusClient, admin: RoomAdmin, room: int, peers: Peers
) -> None:
    publisher, feed, speaker = await _publish(client, room, peers)
    listener = await _subscribe(client, room, feed, peers)
    async with asyncio.timeout(MEDIA_TIMEOUT):
        await listener.frames.reach("audio", AUDIO_FRAMES)

    with publisher.handle.events() as events:
        await admin.moderate(room, feed, speaker.mid("audio"), mute=True)
        # The muted participant is told (their client shows "muted by the facilitator").
        notice = room_event(await events.wait_for(lambda e: room_event(e).kind == "moderation", 5))
        assert notice.muted is True and notice.mid == speaker.mid("audio")

    # Packets already on their way may still land; then nothing more, for a second,
    # although the speaker keeps sending and video keeps flowing.
    await asyncio.sleep(0.3)
    heard, seen = await listener.packets_received("audio"), await listener.packets_received("video")
    sent = await speaker.packets_sent("audio")
    await asyncio.sleep(1.0)
    assert await listener.packets_received("audio") == heard
    assert await speaker.packets_sent("audio") >= sent + 25
    assert await listener.packets_received("video") > seen

    await admin.moderate(room, feed, speaker.mid("audio"), mute=False)
    await until(lambda: _grew(listener, heard + 25), 5.0, "audio after unmute")


async def _grew(peer: SubscribingPeer, target: int) -> bool:
    return await peer.packets_received("audio") >= target


async def test_a_talking_publisher_is_reported_as_talking(
    client: JanusClient, room: int, peers: Peers
) -> None:
    # The facilitator's talk-time signal comes from these events.
    publisher = await Publisher.attach(client)
    feed = new_janus_id()
    with publisher.handle.events() as events:
        await publisher.join(room, feed, "speaker")
        await peers.publishing().publish(publisher)
        talking = await events.wait_for(lambda e: room_event(e).kind == "talking", 10)
    assert room_event(talking).feed_id == feed


async def test_subscribing_to_more_streams_renegotiates_and_they_arrive(
    client: JanusClient, room: int, peers: Peers
) -> None:
    _, feed, speaker = await _publish(client, room, peers)
    subscriber = await Subscriber.attach(client)
    viewer = peers.subscribing()

    # Audio only first (as for someone on a weak connection), then the video too.
    first = await subscriber.join(room, [StreamRef(feed=feed, mid=speaker.mid("audio"))])
    assert [s.type for s in first.streams] == ["audio"]
    assert first.offer is not None
    await viewer.answer(subscriber, first.offer)
    async with asyncio.timeout(MEDIA_TIMEOUT):
        await viewer.frames.reach("audio", AUDIO_FRAMES)
    assert viewer.frames.counts["video"] == 0

    more = await subscriber.subscribe([StreamRef(feed=feed, mid=speaker.mid("video"))])
    assert [s.type for s in more.streams] == ["audio", "video"]
    assert more.offer is not None
    await viewer.answer(subscriber, more.offer)
    async with asyncio.timeout(MEDIA_TIMEOUT):
        await viewer.frames.reach("video", VIDEO_FRAMES)
