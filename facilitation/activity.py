"""Keeping each person's activity for the engagement monitor: talk, camera-off and away
time, and what their client reports.

Talk time in SFU rooms comes from Janus's audio levels (`MediaControl.speaking` calls
`spoke`). In peer-to-peer rooms the server hears nothing, so each client measures its own
microphone and reports the seconds it carried speech (`activity.report`). A report is
checked, not trusted: the server credits at most the wall time since the client's
previous report, nothing while the person is muted or stopped by a facilitator, and
nothing in a room on the SFU (Janus measures there). The same report says whether the
page is visible; a hidden page (another tab, the app in the background) counts as away.
"""

from __future__ import annotations

from facilitation.base import SessionCommands
from facilitation.identity import Identity
from facilitation.outbox import Delivery
from facilitation.permissions import Command
from rooms.model import MediaMode, Participant

# Talk stretches are kept for others' silence to be measured against: this far back, at
# most this many (the oldest go first), and two closer than MERGE_GAP are one.
KEEP_TALK_SECONDS = 3 * 3600.0
MAX_TALK_STRETCHES = 400
MERGE_GAP = 1.0
# A receive-loss report is kept when it differs from the last one by this much.
LOSS_STEP = 0.01


def spoke(p: Participant, start: float, end: float) -> None:
    """`p` spoke from `start` to `end` (the caller adds it to their talk time)."""
    if end <= start:
        return
    a = p.activity
    a.last_spoke_at = end
    if a.talk and start - a.talk[-1][1] <= MERGE_GAP:
        a.talk[-1][1] = max(a.talk[-1][1], end)
    else:
        a.talk.append([start, end])
    a.talk = [s for s in a.talk if s[1] >= end - KEEP_TALK_SECONDS][-MAX_TALK_STRETCHES:]


def camera_changed(p: Participant, now: float) -> None:
    """Bring the camera-off time in line with `p.video_off` (call after it may have changed;
    calling it again changes nothing)."""
    a = p.activity
    if p.video_off and a.camera_off_since is None:
        a.camera_off_since = now
    elif not p.video_off and a.camera_off_since is not None:
        a.camera_off_seconds += max(0.0, now - a.camera_off_since)
        a.camera_off_since = None


def set_visible(p: Participant, visible: bool, now: float) -> None:
    a = p.activity
    if not visible and a.away_since is None:
        a.away_since = now
    elif visible and a.away_since is not None:
        a.away_seconds += max(0.0, now - a.away_since)
        a.away_since = None


def credit_talk(p: Participant, seconds: float, now: float) -> float:
    """A client's claim of `seconds` of speech since its last report, capped by the wall
    time since then; returns what was credited."""
    since = p.activity.reported_at if p.activity.reported_at is not None else p.joined_at
    credit = min(seconds, max(0.0, now - since))
    if p.audio_muted or p.audio_blocked or p.audio_held or credit <= 0:
        return 0.0
    p.talk_seconds += credit
    spoke(p, now - credit, now)
    return credit


class ActivityReports(SessionCommands):
    async def report(
        self, identity: Identity, *, visible: bool, speaking_seconds: float | None = None
    ) -> list[Delivery]:
        """A client's report: whether its page is visible, and (peer-to-peer rooms) how
        long its microphone carried speech since its previous report."""
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.REPORT_ACTIVITY)
            now = self.clock()
            if speaking_seconds:
                room = await self._room(p.session_id, p.room_id)
                if room.media_mode is MediaMode.MESH:
                    credit_talk(p, speaking_seconds, now)
            set_visible(p, visible, now)
            camera_changed(p, now)
            p.activity.reported_at = now
            await self.store.put_participant(p)
            return []  # facilitators see it in the next engagement update

    async def receive_loss(self, identity: Identity, loss: float) -> list[Delivery]:
        """The packet loss an SFU receiver reported (`sfu.receive`), for the facilitators'
        view of connection trouble."""
        async with self._session_lock(identity.session_id):
            p = await self._member(identity)
            kept = p.activity.loss
            if kept is None or abs(kept - loss) >= LOSS_STEP:
                p.activity.loss = round(loss, 3)
                await self.store.put_participant(p)
            return []
