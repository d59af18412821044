"""What each person receives through the SFU: the simulcast layer that fits each tile,
within what their connection can carry, down to audio only.

Senders publish three layers (0 = low ~160 kb/s, 1 = medium ~500 kb/s, 2 = high
~1.2 Mb/s). A receiver reports the size its tiles are drawn at and how its downlink is
doing (loss, received rate); this module turns that into one layer per tile, or `None`
(video paused) when even the lowest layers would not get through. Steps down are quick
(people on a failing link need relief now); steps up are slow (a link that just
recovered often falls again).
"""

from __future__ import annotations

from dataclasses import dataclass

LAYER_KBPS = (160, 500, 1200)
TOP_LAYER = len(LAYER_KBPS) - 1
# Chromium encodes no third (quarter-size) layer for a 640x360 camera, the size the web
# client captures: asking Janus for layer 0 would wait for a stream that never comes.
LOWEST_LAYER = 1
AUDIO_ONLY = -1

# Loss above this (fraction of packets over the report window) means the link is
# overloaded; below GOOD_LOSS it has room.
BAD_LOSS = 0.08
GOOD_LOSS = 0.02
STEP_DOWN_EVERY = 3.0  # seconds between two steps down
STEP_UP_AFTER = 12.0  # seconds of good reports before a step up


def layer_for_height(height: int) -> int:
    """The layer whose resolution fills a tile drawn `height` device pixels tall
    (layers are 640x360, 320x180, 160x90)."""
    if height >= 270:
        return 2
    if height >= 135:
        return 1
    return max(0, LOWEST_LAYER)


@dataclass(slots=True)
class ReceiveQuality:
    """One receiver's cap: the highest layer its link may carry (AUDIO_ONLY = none)."""

    cap: int = TOP_LAYER
    last_change: float = 0.0
    good_since: float | None = None

    def report(self, loss: float, now: float) -> bool:
        """Take a downlink report; True when the cap changed."""
        if loss > BAD_LOSS:
            self.good_since = None
            if self.cap > AUDIO_ONLY and now - self.last_change >= STEP_DOWN_EVERY:
                self.cap = AUDIO_ONLY if self.cap <= LOWEST_LAYER else self.cap - 1
                self.last_change = now
                return True
            return False
        if loss < GOOD_LOSS:
            if self.good_since is None:
                self.good_since = now
            ready = now - max(self.good_since, self.last_change) >= STEP_UP_AFTER
            if self.cap < TOP_LAYER and ready:
                self.cap = LOWEST_LAYER if self.cap == AUDIO_ONLY else self.cap + 1
                self.last_change = now
                self.good_since = now
                return True
            return False
        self.good_since = None
        return False

    @property
    def video_paused(self) -> bool:
        return self.cap == AUDIO_ONLY

    def plan(self, tiles: dict[str, int]) -> dict[str, int | None]:
        """A layer for each tile (by participant id, from its drawn height), or None for
        every tile when the link can carry audio only."""
        if self.video_paused:
            return dict.fromkeys(tiles)
        return {pid: min(layer_for_height(h), self.cap) for pid, h in tiles.items()}
