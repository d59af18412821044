"""Group rooms through Janus: the server's side of every SFU negotiation.

The browser never talks to Janus. It sends its offers, answers and candidates over the
Socket.IO channel (`sfu.*` requests); `facilitation` checks each one (member of an SFU
room, current media epoch, role may publish), and this module carries it to Janus.

Per room: one Janus VideoRoom, plus a passive "monitor" handle joined to it that hears
which feeds become active and who is talking. Per person: a publisher handle (their
camera and microphone) and a subscriber handle (everyone else's streams, in one
PeerConnection that Janus renegotiates as feeds come and go).

Janus ids are random integers (see `janus.videoroom.new_janus_id`); the map from feed
to participant lives here, and `display` in Janus is the participant's opaque id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from facilitation import (
    Delivery,
    EnforceMedia,
    ErrorCode,
    Identity,
    MediaControl,
    MediaPolicy,
    Refused,
)
from facilitation.receive_quality import ReceiveQuality
from rooms.model import MediaMode, Room, room_key
from signaling.janus.client import JanusClient, JanusConnectionLost, JanusError
from signaling.janus.videoroom import (
    Jsep,
    Publisher,
    RoomAdmin,
    StreamRef,
    SubscribedStream,
    Subscriber,
    new_janus_id,
    room_event,
)

log = logging.getLogger("facilitation.sfu")

Emit = Callable[[str, str, str, dict[str, Any]], Awaitable[None]]
Deliver = Callable[[list[Delivery]], Awaitable[None]]

MAX_PUBLISHERS = 32
# If Janus does not come back within this, rooms fall back to peer to peer.
FALLBACK_AFTER_SECONDS = 10.0


def sdp_mids(sdp: str) -> dict[str, str]:
    """The first mid of each media kind in an SDP: {"audio": "0", "video": "1"}."""
    mids: dict[str, str] = {}
    kind = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=mid:") and kind in ("audio", "video"):
            mids.setdefault(kind, line[6:].strip())
    return mids


@dataclass
class _Peer:
    """One participant's Janus handles in one SFU room."""

    participant_id: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    publisher: Publisher | None = None
    feed_id: int | None = None
    mids: dict[str, str] = field(default_factory=dict)  # kind -> mid of their feed
    subscriber: Subscriber | None = None
    # Subscription m-lines: our mid -> (feed id, kind)
    streams: dict[str, tuple[int, str]] = field(default_factory=dict)
    wants_subscription: bool = False
    quality: ReceiveQuality = field(default_factory=ReceiveQuality)
    tiles: dict[str, int] = field(default_factory=dict)
    # What we last asked Janus for, per subscription mid: None = video not sent.
    applied: dict[str, int | None] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass
class _Room:
    session_id: str
    room_id: str
    epoch: int
    janus_room: int
    monitor: Publisher
    peers: dict[str, _Peer] = field(default_factory=dict)
    feeds: dict[int, str] = field(default_factory=dict)  # feed id -> participant id
    active: dict[int, str] = field(default_factory=dict)  # feeds Janus announced
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def peer(self, participant_id: str) -> _Peer:
        if participant_id not in self.peers:
            self.peers[participant_id] = _Peer(participant_id)
        return self.peers[participant_id]


class SfuPlane:
    def __init__(
        self,
        media: MediaControl,
        policy: MediaPolicy,
        emit: Emit,
        deliver: Deliver,
        *,
        clock: Callable[[], float] = time.monotonic,
        fallback_after: float = FALLBACK_AFTER_SECONDS,
    ) -> None:
        self.media = media
        self.policy = policy
        self._emit = emit
        self._deliver = deliver
        self._clock = clock
        self._fallback_after = fallback_after
        self._client: JanusClient | None = None
        self._admin: RoomAdmin | None = None
        self._rooms: dict[str, _Room] = {}
        self._room_locks: dict[str, asyncio.Lock] = {}
        # Rooms that were on the SFU when Janus went away: (session, room).
        self._orphans: set[tuple[str, str]] = set()
        self._fallback: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ---- Janus comes and goes ---------------------------------------------------------
    async def janus_ready(self, client: JanusClient) -> None:
        self._client = client
        self._admin = await RoomAdmin.attach(client)
        self.policy.sfu_available = True
        if self._fallback is not None:
            self._fallback.cancel()
            self._fallback = None
        orphans, self._orphans = self._orphans, set()
        for session_id, room_id in orphans:
            # A fresh room in the new Janus; everyone renegotiates on the new epoch.
            await self._deliver(await self.media.renegotiate(session_id, room_id, MediaMode.SFU))
        log.info("SFU ready; %d rooms renegotiating", len(orphans))

    async def janus_lost(self) -> None:
        self.policy.sfu_available = False
        self._client = None
        self._admin = None
        for room in list(self._rooms.values()):
            self._orphans.add((room.session_id, room.room_id))
            self._drop_room(room)
            await self._stopped_talking(room, list(room.peers))
        self._rooms.clear()
        log.warning("SFU lost; %d rooms wait for it", len(self._orphans))
        loop = asyncio.get_running_loop()
        self._fallback = loop.call_later(self._fallback_after, self._spawn_fallback)

    def _spawn_fallback(self) -> None:
        self._fallback = None
        self._spawn(self._fall_back_to_mesh())

    async def _fall_back_to_mesh(self) -> None:
        orphans, self._orphans = self._orphans, set()
        for session_id, room_id in orphans:
            await self._deliver(await self.media.renegotiate(session_id, room_id, MediaMode.MESH))
        log.warning("SFU still away; %d rooms moved to peer to peer", len(orphans))

    async def close(self) -> None:
        if self._fallback is not None:
            self._fallback.cancel()
        for room in list(self._rooms.values()):
            self._drop_room(room)
        self._rooms.clear()
        for task in list(self._tasks):
            task.cancel()

    # ---- rooms ------------------------------------------------------------------------
    def _janus(self) -> tuple[JanusClient, RoomAdmin]:
        if self._client is None or self._admin is None or self._client.closed:
            raise Refused(ErrorCode.MEDIA_UNAVAILABLE)
        return self._client, self._admin

    async def _room(self, room: Room) -> _Room:
        """The Janus room for this room's current media epoch, made on first need."""
        key = room_key(room.session_id, room.id)
        lock = self._room_locks.setdefault(key, asyncio.Lock())
        async with lock:
            existing = self._rooms.get(key)
            if existing is not None and existing.epoch == room.media_epoch:
                return existing
            if existing is not None:
                await self._destroy(existing)
            client, admin = self._janus()
            janus_room = new_janus_id()
            await admin.create_room(janus_room, max_publishers=MAX_PUBLISHERS)
            monitor = await Publisher.attach(client)
            await monitor.join(janus_room, new_janus_id(), "monitor")
            r = _Room(room.session_id, room.id, room.media_epoch, janus_room, monitor)
            r.tasks.append(asyncio.create_task(self._watch_room(r)))
            self._rooms[key] = r
            return r

    async def _destroy(self, r: _Room) -> None:
        self._drop_room(r)
        self._rooms.pop(room_key(r.session_id, r.room_id), None)
        if self._admin is not None:
            with contextlib.suppress(JanusError, JanusConnectionLost):
                await self._admin.destroy_room(r.janus_room)
        await self._stopped_talking(r, list(r.peers))

    async def _stopped_talking(self, r: _Room, participant_ids: list[str]) -> None:
        """Janus says nothing more of feeds that are gone: whoever was talking on them has
        stopped (their talk time must not run on in the room they moved to)."""
        for pid in participant_ids:
            await self._deliver(await self.media.speaking(r.session_id, pid, False))

    def _drop_room(self, r: _Room) -> None:
        for task in r.tasks:
            task.cancel()
        for peer in r.peers.values():
            self._drop_peer_tasks(peer)
        self._spawn(self._detach_all(r))

    async def _detach_all(self, r: _Room) -> None:
        handles: list[Publisher | Subscriber] = [r.monitor]
        for peer in r.peers.values():
            handles += [h for h in (peer.publisher, peer.subscriber) if h is not None]
        for handle in handles:
            with contextlib.suppress(JanusError, JanusConnectionLost):
                await handle.detach()

    @staticmethod
    def _drop_peer_tasks(peer: _Peer) -> None:
        for task in peer.tasks:
            task.cancel()
        peer.tasks.clear()

    async def topology(self, session_id: str, room_id: str, mode: str, epoch: int) -> None:
        """A room changed its media set-up: make (or drop) its Janus room."""
        key = room_key(session_id, room_id)
        existing = self._rooms.get(key)
        if mode == MediaMode.SFU.value:
            with contextlib.suppress(Refused, JanusError, JanusConnectionLost):
                await self._room(Room(session_id, room_id, MediaMode.SFU, epoch))
        elif existing is not None:
            await self._destroy(existing)
        if mode != MediaMode.SFU.value:
            self._orphans.discard((session_id, room_id))

    # ---- what Janus tells us about a room ---------------------------------------------
    async def _watch_room(self, r: _Room) -> None:
        with r.monitor.handle.events() as events:
            async for raw in events:
                event = room_event(raw)
                try:
                    if event.kind == "publishers":
                        for feed in event.feeds:
                            owner = r.feeds.get(feed.id)
                            if owner is not None and feed.id not in r.active:
                                r.active[feed.id] = owner
                                await self._feed_started(r, feed.id, owner)
                    elif event.kind in ("unpublished", "leaving") and event.feed_id:
                        r.active.pop(event.feed_id, None)
                    elif event.kind in ("talking", "stopped-talking") and event.feed_id:
                        owner = r.feeds.get(event.feed_id)
                        if owner is not None:
                            await self._deliver(await self.media.speaking(
                                r.session_id, owner, event.kind == "talking"
                            ))
                except (JanusError, JanusConnectionLost, Refused) as exc:
                    log.warning("room %s: handling %s failed: %s", r.janus_room, event.kind, exc)

    async def _feed_started(self, r: _Room, feed_id: int, owner: str) -> None:
        """A new feed is live: add it to everyone else's subscription."""
        for peer in list(r.peers.values()):
            if peer.participant_id == owner:
                continue
            async with peer.lock:
                if any(feed == feed_id for feed, _ in peer.streams.values()):
                    # Their subscription began after the feed went live and carries it
                    # already (Janus would add it twice).
                    continue
                if peer.subscriber is not None:
                    sub = await peer.subscriber.subscribe([StreamRef(feed=feed_id)])
                    if sub.offer is not None:
                        self._set_streams(r, peer, sub.streams)
                        await self._send_offer(r, peer, sub.offer)
                elif peer.wants_subscription:
                    offer = await self._start_subscription(r, peer)
                    if offer is not None:
                        await self._send_offer(r, peer, offer)

    async def _watch_subscriber(self, r: _Room, peer: _Peer, sub: Subscriber) -> None:
        with sub.handle.events() as events:
            async for raw in events:
                event = room_event(raw)
                if event.kind == "updated" and event.offer is not None:
                    streams = tuple(
                        SubscribedStream.parse(s) for s in event.raw.get("streams") or ()
                    )
                    async with peer.lock:
                        if peer.subscriber is sub:
                            self._set_streams(r, peer, streams)
                            await self._send_offer(r, peer, event.offer)

    def _set_streams(self, r: _Room, peer: _Peer, streams: tuple[SubscribedStream, ...]) -> None:
        if not streams:
            return
        peer.streams = {
            s.mid: (s.feed_id, s.type)
            for s in streams
            if s.feed_id is not None and s.active and s.type in ("audio", "video")
        }

    def _streams_view(self, r: _Room, peer: _Peer) -> list[dict[str, str]]:
        return [
            {"mid": mid, "participant_id": r.feeds[feed], "kind": kind}
            for mid, (feed, kind) in peer.streams.items()
            if feed in r.feeds
        ]

    async def _send_offer(self, r: _Room, peer: _Peer, offer: Jsep) -> None:
        await self._emit(r.session_id, peer.participant_id, "sfu.offer", {
            "room": room_key(r.session_id, r.room_id),
            "epoch": r.epoch,
            "jsep": dict(offer),
            "streams": self._streams_view(r, peer),
        })

    async def _start_subscription(self, r: _Room, peer: _Peer) -> Jsep | None:
        """Subscribe `peer` to every live feed but their own (call with peer.lock held)."""
        client, _ = self._janus()
        feeds = [f for f, owner in r.active.items() if owner != peer.participant_id]
        if not feeds:
            peer.wants_subscription = True
            return None
        peer.wants_subscription = False
        sub = await Subscriber.attach(client)
        subscription = await sub.join(r.janus_room, [StreamRef(feed=f) for f in feeds])
        peer.subscriber = sub
        peer.applied.clear()
        self._set_streams(r, peer, subscription.streams)
        peer.tasks.append(asyncio.create_task(self._watch_subscriber(r, peer, sub)))
        return subscription.offer

    # ---- requests from participants ---------------------------------------------------
    async def publish(self, identity: Identity, epoch: int, offer: Jsep) -> Jsep:
        p, room = await self.media.sfu_member(identity, epoch, publishing=True)
        r = await self._room(room)
        client, admin = self._janus()
        peer = r.peer(p.id)
        async with peer.lock:
            # A new offer means a new PeerConnection on the client (first publish, a
            # reconnect, a new epoch): start a clean publisher for it.
            await self._unpublish(r, peer)
            publisher = await Publisher.attach(client)
            feed_id = new_janus_id()
            await publisher.join(r.janus_room, feed_id, p.id)
            answer = await publisher.publish(offer)
            peer.publisher, peer.feed_id = publisher, feed_id
            peer.mids = sdp_mids(offer["sdp"])
            r.feeds[feed_id] = p.id
            # A facilitator's mute holds across re-publishing.
            await self._moderate(admin, r, peer, p.audio_blocked, p.video_blocked)
            return answer

    async def _unpublish(self, r: _Room, peer: _Peer) -> None:
        if peer.publisher is None:
            return
        publisher, peer.publisher = peer.publisher, None
        if peer.feed_id is not None:
            r.active.pop(peer.feed_id, None)
            r.feeds.pop(peer.feed_id, None)
            peer.feed_id = None
        with contextlib.suppress(JanusError, JanusConnectionLost):
            await publisher.detach()
        await self._stopped_talking(r, [peer.participant_id])

    async def subscribe(self, identity: Identity, epoch: int) -> dict[str, Any]:
        p, room = await self.media.sfu_member(identity, epoch)
        r = await self._room(room)
        peer = r.peer(p.id)
        async with peer.lock:
            await self._unsubscribe(peer)
            offer = await self._start_subscription(r, peer)
            return {
                "jsep": dict(offer) if offer is not None else None,
                "streams": self._streams_view(r, peer),
            }

    async def _unsubscribe(self, peer: _Peer) -> None:
        self._drop_peer_tasks(peer)
        if peer.subscriber is not None:
            subscriber, peer.subscriber = peer.subscriber, None
            with contextlib.suppress(JanusError, JanusConnectionLost):
                await subscriber.detach()
        peer.streams.clear()

    async def answer(self, identity: Identity, epoch: int, answer: Jsep) -> None:
        p, room = await self.media.sfu_member(identity, epoch)
        r = await self._room(room)
        peer = r.peer(p.id)
        async with peer.lock:
            if peer.subscriber is None:
                raise Refused(ErrorCode.MEDIA_CHANGED, "There is no offer to answer.")
            await peer.subscriber.start(answer)
            await self._apply_receive_plan(r, peer, force=True)

    async def trickle(
        self, identity: Identity, epoch: int, target: str, candidate: dict[str, Any] | None
    ) -> None:
        p, room = await self.media.sfu_member(identity, epoch)
        r = await self._room(room)
        peer = r.peer(p.id)
        async with peer.lock:
            handle = peer.publisher if target == "publisher" else peer.subscriber
            if handle is None:
                raise Refused(ErrorCode.MEDIA_CHANGED, "That connection is not set up.")
            await handle.handle.trickle(candidate)

    async def receive(
        self, identity: Identity, epoch: int, tiles: dict[str, int], loss: float
    ) -> bool:
        """A receiver's report (its tile sizes, its downlink loss): pick the layers it
        gets. Returns whether its video is paused (audio only)."""
        p, room = await self.media.sfu_member(identity, epoch)
        r = await self._room(room)
        peer = r.peer(p.id)
        async with peer.lock:
            peer.tiles = tiles
            peer.quality.report(loss, self._clock())
            await self._apply_receive_plan(r, peer)
            return peer.quality.video_paused

    async def _apply_receive_plan(self, r: _Room, peer: _Peer, force: bool = False) -> None:
        if peer.subscriber is None:
            return
        plan = peer.quality.plan(peer.tiles) if peer.tiles else {}
        for mid, (feed, kind) in peer.streams.items():
            if kind != "video":
                continue
            owner = r.feeds.get(feed)
            if owner is None or (owner not in plan and not peer.quality.video_paused):
                continue
            layer = None if peer.quality.video_paused else plan[owner]
            if not force and peer.applied.get(mid, "unset") == layer:
                continue
            if layer is None:
                await peer.subscriber.configure(mid, send=False)
            else:
                await peer.subscriber.configure(mid, send=True, substream=layer)
            peer.applied[mid] = layer

    # ---- facilitator control and departures -------------------------------------------
    async def enforce(self, order: EnforceMedia) -> None:
        r = self._rooms.get(room_key(order.session_id, order.room_id))
        if r is None or self._admin is None:
            return  # not an SFU room: peers' clients stop playing it
        peer = r.peers.get(order.participant_id)
        if peer is None:
            return
        async with peer.lock:
            await self._moderate(self._admin, r, peer, order.audio_blocked, order.video_blocked)

    async def _moderate(
        self, admin: RoomAdmin, r: _Room, peer: _Peer, audio: bool, video: bool
    ) -> None:
        if peer.feed_id is None:
            return
        for kind, blocked in (("audio", audio), ("video", video)):
            mid = peer.mids.get(kind)
            if mid is not None:
                await admin.moderate(r.janus_room, peer.feed_id, mid, mute=blocked)

    async def release(self, session_id: str, room_id: str, participant_id: str) -> None:
        r = self._rooms.get(room_key(session_id, room_id))
        if r is None:
            return
        peer = r.peers.pop(participant_id, None)
        if peer is None:
            return
        async with peer.lock:
            await self._unpublish(r, peer)
            await self._unsubscribe(peer)

    # ---- helpers ----------------------------------------------------------------------
    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
