"""A typed layer over Janus's VideoRoom plugin (janus.plugin.videoroom, Janus 1.x multistream).

Three roles, one class each, each over its own plugin handle:
- `RoomAdmin`: the server's control handle: create and destroy rooms, moderate (mute a
  participant's m-line at the SFU), kick, list participants. All synchronous requests.
- `Publisher`: one participant's outgoing PeerConnection: join, publish (offer in, answer
  out), renegotiate, unpublish, leave.
- `Subscriber`: one participant's incoming PeerConnection, carrying any number of
  publishers' streams: join (Janus offers), start (our answer), subscribe, unsubscribe,
  update (each renegotiates: Janus offers again), per-stream configure (simulcast layer,
  send on/off).

Ids. Janus uses integers for rooms and publishers (we keep `string_ids` off). The server
picks both with `new_janus_id()`: random, positive, below 2**53 (exact in JavaScript and
JSON), never derived from anything about a person. A publisher id is fresh for every
publisher handle, so a participant who reconnects never collides with their own stale
feed; the server keeps the map from feed id to participant. The `display` Janus shows to
other handles is the participant's opaque id, never a name.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self, TypedDict

from signaling.janus.client import REQUEST_TIMEOUT, Handle, JanusClient, JanusEvent, Json

PLUGIN = "janus.plugin.videoroom"

# Talking detection (the `talking` / `stopped-talking` events): Janus averages the audio
# level (dBov: 0 = loudest, 127 = silence) the browser reports for each packet over
# `audio_active_packets` packets and calls it talking when the average is louder than
# `audio_level_average`. 50 packets = 1 s (snappier than the default 2 s); 35 dBov
# counts ordinary speech into a laptop microphone (the default, 25, needs a loud voice).
# A first choice, to be tuned with real sessions.
AUDIO_ACTIVE_PACKETS = 50
AUDIO_LEVEL_AVERAGE = 35


def new_janus_id() -> int:
    """A random id for a room or a publisher: 1 <= id < 2**53."""
    return secrets.randbelow(2**53 - 1) + 1


class Jsep(TypedDict):
    type: str  # "offer" | "answer"
    sdp: str


def _jsep(value: Json | None) -> Jsep | None:
    if value is None:
        return None
    return Jsep(type=str(value["type"]), sdp=str(value["sdp"]))


# ---- what Janus reports ---------------------------------------------------------------------
@dataclass(frozen=True)
class PublishedStream:
    """One m-line of a publisher, as Janus lists it."""

    mid: str
    type: str  # "audio" | "video" | "data"
    mindex: int
    codec: str | None = None
    disabled: bool = False
    moderated: bool = False
    simulcast: bool = False
    talking: bool | None = None

    @classmethod
    def parse(cls, raw: Json) -> PublishedStream:
        talking = raw.get("talking")
        return cls(
            mid=str(raw["mid"]),
            type=str(raw["type"]),
            mindex=int(raw["mindex"]),
            codec=raw.get("codec"),
            disabled=bool(raw.get("disabled", False)),
            moderated=bool(raw.get("moderated", False)),
            simulcast=bool(raw.get("simulcast", False)),
            talking=bool(talking) if talking is not None else None,
        )


@dataclass(frozen=True)
class Feed:
    """An active publisher in a room (one of `Joined.publishers`, or of a
    `publishers` event)."""

    id: int
    display: str | None
    streams: tuple[PublishedStream, ...] = ()

    @classmethod
    def parse(cls, raw: Json) -> Feed:
        return cls(
            id=int(raw["id"]),
            display=raw.get("display"),
            streams=tuple(PublishedStream.parse(s) for s in raw.get("streams") or ()),
        )

    def mid(self, kind: Literal["audio", "video"]) -> str | None:
        """The mid of this feed's first enabled stream of `kind` (for moderate)."""
        return next((s.mid for s in self.streams if s.type == kind and not s.disabled), None)


@dataclass(frozen=True)
class Participant:
    """One entry of `listparticipants`."""

    id: int
    display: str | None
    publisher: bool
    talking: bool | None = None


@dataclass(frozen=True)
class Joined:
    room: int
    id: int
    private_id: int
    publishers: tuple[Feed, ...]


@dataclass(frozen=True)
class SubscribedStream:
    """One m-line of a subscription: which publisher stream feeds it."""

    mid: str
    mindex: int
    type: str
    feed_id: int | None
    feed_mid: str | None
    feed_display: str | None
    send: bool
    ready: bool
    active: bool

    @classmethod
    def parse(cls, raw: Json) -> SubscribedStream:
        feed_id = raw.get("feed_id")
        return cls(
            mid=str(raw["mid"]),
            mindex=int(raw["mindex"]),
            type=str(raw["type"]),
            feed_id=int(feed_id) if feed_id is not None else None,
            feed_mid=raw.get("feed_mid"),
            feed_display=raw.get("feed_display"),
            send=bool(raw.get("send", True)),
            ready=bool(raw.get("ready", False)),
            active=bool(raw.get("active", True)),
        )


@dataclass(frozen=True)
class StreamRef:
    """A publisher stream to subscribe to (or unsubscribe from): the whole feed when
    `mid` is None. `sub_mid` names a stream of our own subscription (unsubscribe only)."""

    feed: int | None = None
    mid: str | None = None
    sub_mid: str | None = None
    # Simulcast layers to start with (0 = lowest); Janus picks the highest if unset.
    substream: int | None = None
    temporal: int | None = None

    def json(self) -> Json:
        fields = {
            "feed": self.feed, "mid": self.mid, "sub_mid": self.sub_mid,
            "substream": self.substream, "temporal": self.temporal,
        }
        return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True)
class Subscription:
    """The layout of a subscription after a change, and Janus's offer when the change
    needs a renegotiation (answer it with `Subscriber.start`).

    `postponed`: Janus queued the change because an earlier offer is still unanswered;
    once it is, Janus sends the new offer unasked, as an "updated" `RoomEvent` on the
    subscriber's handle (Janus may fold several queued changes into one offer)."""

    streams: tuple[SubscribedStream, ...]
    offer: Jsep | None
    postponed: bool = False


# ---- unsolicited room events ----------------------------------------------------------------
@dataclass(frozen=True)
class RoomEvent:
    """A VideoRoom event, reduced to what the server acts on. `kind` is one of:
    - "publishers": new feeds became active (`feeds`);
    - "unpublished": a feed stopped publishing (`feed_id`);
    - "leaving": another participant left, or was kicked (`feed_id`, `reason`);
    - "kicked": this handle's participant was kicked (its PeerConnection closes);
    - "talking" / "stopped-talking": audio activity of `feed_id` (`level`, dBov);
    - "moderation": our own stream was muted or unmuted by a moderator (`mid`, `muted`);
    - "slow_link": Janus sees losses on this handle's PeerConnection;
    - "destroyed": the room is gone;
    - "updated": Janus renegotiates a subscription on its own, after a postponed change
      or when a publisher it carries went away (`offer`: answer with `start`);
    - the Janus core events "webrtcup", "media" (`mid`, `receiving`), "slowlink",
      "hangup" (`reason`), "detached";
    - "other": anything else (see `raw`)."""

    kind: str
    room: int | None = None
    feed_id: int | None = None
    feeds: tuple[Feed, ...] = ()
    level: float | None = None
    mid: str | None = None
    muted: bool | None = None
    receiving: bool | None = None
    reason: str | None = None
    offer: Jsep | None = None
    raw: Json = field(default_factory=dict)


def room_event(event: JanusEvent) -> RoomEvent:
    """Classify one of a VideoRoom handle's events (from `Handle.events()`)."""
    data = event.data
    if event.kind != "event":
        return RoomEvent(
            kind=event.kind,
            mid=_opt_str(data.get("mid")),
            receiving=data.get("receiving"),
            reason=_opt_str(data.get("reason")),
            raw=event.raw,
        )
    room = _opt_int(data.get("room"))
    name = data.get("videoroom")
    if name in ("talking", "stopped-talking"):
        return RoomEvent(kind=str(name), room=room, feed_id=_opt_int(data.get("id")),
                         level=data.get("audio-level-dBov-avg"), raw=data)
    if name == "destroyed":
        return RoomEvent(kind="destroyed", room=room, raw=data)
    if name == "slow_link":
        return RoomEvent(kind="slow_link", room=room, raw=data)
    if name == "updated":
        return RoomEvent(kind="updated", room=room, offer=_jsep(event.jsep), raw=data)
    if "publishers" in data:
        feeds = tuple(Feed.parse(p) for p in data["publishers"])
        return RoomEvent(kind="publishers", room=room, feeds=feeds, raw=data)
    if "unpublished" in data and data["unpublished"] != "ok":
        return RoomEvent(kind="unpublished", room=room, feed_id=_opt_int(data["unpublished"]),
                         raw=data)
    if data.get("leaving") == "ok" and data.get("reason") == "kicked":
        return RoomEvent(kind="kicked", room=room, reason="kicked", raw=data)
    if "leaving" in data and data["leaving"] != "ok":
        return RoomEvent(kind="leaving", room=room, feed_id=_opt_int(data["leaving"]),
                         reason=_opt_str(data.get("reason")), raw=data)
    if data.get("moderation") in ("muted", "unmuted"):
        return RoomEvent(kind="moderation", room=room, mid=_opt_str(data.get("mid")),
                         muted=data["moderation"] == "muted", raw=data)
    return RoomEvent(kind="other", room=room, raw=data)


def _opt_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


# ---- the roles ------------------------------------------------------------------------------
class _Role:
    def __init__(self, handle: Handle) -> None:
        if handle.plugin != PLUGIN:
            raise ValueError(f"not a VideoRoom handle: {handle.plugin}")
        self.handle = handle

    @classmethod
    async def attach(cls, client: JanusClient) -> Self:
        """A new VideoRoom handle on `client`, in this role."""
        return cls(await client.attach(PLUGIN))

    async def detach(self) -> None:
        await self.handle.detach()


class RoomAdmin(_Role):
    """Room management on a control handle the server keeps for the whole Janus run.
    The API is reachable by our server alone (loopback, API secret), so rooms have no
    secret or PIN of their own."""

    async def create_room(
        self,
        room: int,
        *,
        max_publishers: int,
        bitrate: int | None = None,
        fir_freq: int | None = None,
        audio_active_packets: int = AUDIO_ACTIVE_PACKETS,
        audio_level_average: int = AUDIO_LEVEL_AVERAGE,
    ) -> None:
        body: Json = {
            "request": "create",
            "room": room,
            "description": f"room {room}",  # no meeting names inside Janus
            "is_private": True,  # not in `list`
            "publishers": max_publishers,
            "audiocodec": "opus",
            # VP8: every browser encodes it, and it simulcasts.
            "videocodec": "vp8",
            "audiolevel_ext": True,
            "audiolevel_event": True,
            "audio_active_packets": audio_active_packets,
            "audio_level_average": audio_level_average,
            # Passive joins are the server's business; Janus announces feeds only.
            "notify_joining": False,
            # No recording, and nobody can switch it on per publisher.
            "record": False,
            "lock_record": True,
            "permanent": False,
        }
        if bitrate is not None:
            body["bitrate"] = bitrate  # REMB cap per publisher, bits per second
        if fir_freq is not None:
            body["fir_freq"] = fir_freq  # a keyframe request every N seconds
        await self.handle.request(body)

    async def destroy_room(self, room: int) -> None:
        """Destroy the room; its participants get a `destroyed` event."""
        await self.handle.request({"request": "destroy", "room": room})

    async def exists(self, room: int) -> bool:
        data = await self.handle.request({"request": "exists", "room": room})
        return bool(data.get("exists"))

    async def list_participants(self, room: int) -> list[Participant]:
        data = await self.handle.request({"request": "listparticipants", "room": room})
        return [
            Participant(
                id=int(p["id"]),
                display=p.get("display"),
                publisher=bool(p.get("publisher")),
                talking=p.get("talking"),
            )
            for p in data.get("participants") or ()
        ]

    async def moderate(self, room: int, feed: int, mid: str, *, mute: bool) -> None:
        """Mute (or unmute) one m-line of a publisher at the SFU: Janus stops forwarding
        it to every subscriber, whatever the publisher's client does. Unmuting lifts the
        block only; a stream the participant muted themselves stays muted."""
        await self.handle.request(
            {"request": "moderate", "room": room, "id": feed, "mid": mid, "mute": mute}
        )

    async def kick(self, room: int, feed: int) -> None:
        """End a participant's presence in the room (their PeerConnection closes).
        Subscribers get no event for it: the server must tell the clients itself."""
        await self.handle.request({"request": "kick", "room": room, "id": feed})


class Publisher(_Role):
    """One participant's sending side."""

    async def join(self, room: int, feed_id: int, display_id: str) -> Joined:
        """Join `room` as publisher `feed_id` (see `new_janus_id`); `display_id` is the
        participant's opaque id. Returns the feeds already active in the room."""
        data = await self.handle.request({
            "request": "join", "ptype": "publisher", "room": room,
            "id": feed_id, "display": display_id,
        })
        return Joined(
            room=int(data["room"]),
            id=int(data["id"]),
            private_id=int(data.get("private_id", 0)),
            publishers=tuple(Feed.parse(p) for p in data.get("publishers") or ()),
        )

    async def publish(
        self,
        offer: Jsep,
        *,
        descriptions: dict[str, str] | None = None,
        bitrate: int | None = None,
        timeout: float = REQUEST_TIMEOUT,  # noqa: ASYNC109
    ) -> Jsep:
        """Start publishing: the participant's offer in, Janus's answer out.
        `descriptions` labels streams by mid (e.g. {"1": "camera"}); no names."""
        body: Json = {"request": "publish"}
        if descriptions:
            body["descriptions"] = [{"mid": m, "description": d} for m, d in descriptions.items()]
        if bitrate is not None:
            body["bitrate"] = bitrate
        _, answer = await self.handle.message(body, dict(offer), timeout=timeout)
        if answer is None:
            raise ValueError("Janus accepted the offer but sent no answer")
        return _required(_jsep(answer))

    async def renegotiate(self, offer: Jsep) -> Jsep:
        """A new offer from an already publishing participant (added or removed a
        track, ICE restart): returns Janus's answer."""
        _, answer = await self.handle.message({"request": "configure"}, dict(offer))
        return _required(_jsep(answer))

    async def configure(
        self,
        *,
        mid: str | None = None,
        send: bool | None = None,
        bitrate: int | None = None,
        keyframe: bool | None = None,
    ) -> None:
        """Adjust publishing without renegotiating: stop or resume relaying one mid (the
        participant's own mute, enforced at the SFU), change the bitrate cap, or ask the
        publisher for a keyframe."""
        fields = {"mid": mid, "send": send, "bitrate": bitrate, "keyframe": keyframe}
        body: Json = {"request": "configure"}
        body.update({key: value for key, value in fields.items() if value is not None})
        await self.handle.request(body)

    async def unpublish(self) -> None:
        """Stop publishing (the PeerConnection closes); the handle stays in the room."""
        await self.handle.request({"request": "unpublish"})

    async def leave(self) -> None:
        await self.handle.request({"request": "leave"})


class Subscriber(_Role):
    """One participant's receiving side: a single PeerConnection for all the streams it
    receives. Every change of what it receives is a renegotiation that Janus starts."""

    async def join(
        self, room: int, streams: Sequence[StreamRef], *, private_id: int | None = None
    ) -> Subscription:
        """Subscribe to `streams`; returns the layout and Janus's offer."""
        body: Json = {
            "request": "join", "ptype": "subscriber", "room": room,
            "streams": [s.json() for s in streams],
        }
        if private_id is not None:
            body["private_id"] = private_id
        data, offer = await self.handle.message(body)
        return Subscription(_streams(data), _required(_jsep(offer)))

    async def start(self, answer: Jsep) -> None:
        """Our answer to Janus's latest offer (after join or a renegotiation)."""
        await self.handle.message({"request": "start"}, dict(answer))

    async def subscribe(self, streams: Sequence[StreamRef]) -> Subscription:
        return await self._renegotiate({"request": "subscribe",
                                        "streams": [s.json() for s in streams]})

    async def unsubscribe(self, streams: Sequence[StreamRef]) -> Subscription:
        return await self._renegotiate({"request": "unsubscribe",
                                        "streams": [s.json() for s in streams]})

    async def update(
        self, *, subscribe: Sequence[StreamRef] = (), unsubscribe: Sequence[StreamRef] = ()
    ) -> Subscription:
        """Add and remove streams in one renegotiation."""
        body: Json = {"request": "update"}
        if subscribe:
            body["subscribe"] = [s.json() for s in subscribe]
        if unsubscribe:
            body["unsubscribe"] = [s.json() for s in unsubscribe]
        return await self._renegotiate(body)

    async def _renegotiate(self, body: Json) -> Subscription:
        data, offer = await self.handle.message(body)
        if data.get("videoroom") == "updating":
            # Janus postponed the change: a previous offer is still unanswered. Its
            # offer for this one comes after our `start`, as an "updated" event.
            return Subscription(streams=(), offer=None, postponed=True)
        return Subscription(_streams(data), _jsep(offer))

    async def configure(
        self,
        mid: str,
        *,
        substream: int | None = None,
        temporal: int | None = None,
        send: bool | None = None,
    ) -> None:
        """Per received stream: pick the simulcast layer (`substream` 0-2, low to high;
        `temporal` 0-2) or stop/resume relaying it (`send`), e.g. video off for someone
        on a weak connection, or only the active speaker in high quality."""
        fields = {"substream": substream, "temporal": temporal, "send": send}
        body: Json = {"request": "configure", "mid": mid}
        body.update({key: value for key, value in fields.items() if value is not None})
        await self.handle.request(body)

    async def restart_ice(self) -> Jsep:
        """Ask Janus for an ICE-restart offer (the participant's network changed)."""
        _, offer = await self.handle.message({"request": "configure", "restart": True})
        return _required(_jsep(offer))

    async def pause(self) -> None:
        await self.handle.request({"request": "pause"})

    async def resume(self) -> None:
        await self.handle.request({"request": "start"})

    async def leave(self) -> None:
        await self.handle.request({"request": "leave"})


def _streams(data: Json) -> tuple[SubscribedStream, ...]:
    return tuple(SubscribedStream.parse(s) for s in data.get("streams") or ())


def _required(jsep: Jsep | None) -> Jsep:
    if jsep is None:
        raise ValueError("Janus sent no SDP where one was expected")
    return jsep
