"""Signed webhooks to the clinic's system, kept until delivered, in order per session.

`facilitation` decides what happened (`Webhook` deliveries); this sends it. Each event
gets an id (for the receiver's idempotency), is written to the spool directory before
anything else, and is sent as a POST whose `Authorization` header is a JWT (HS256, the
server's secret, `iss` the server's id, `sha256` the base64 SHA-256 of the body), as
LiveKit signs its webhooks; `signaling/webhook_verify.py` checks one. A failed attempt
(no answer, or anything but 2xx) is retried with exponential backoff and jitter, for as
long as it takes; the next event of that session waits, so a session's events arrive in
order. Other sessions go on.

Why a spool directory and never Redis: one code path whatever the state store; an event
is safe once its file is renamed into place, whether Redis persists or not (the
embedded memory store does not at all); and each server process sends the events of the
sessions pinned to it, so it needs no queue shared with others. A server restarted with
the same spool sends what was left. A spool belongs to one process (a lock file says so).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import random
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt

from facilitation import Webhook

log = logging.getLogger("facilitation.webhooks")

SIGNATURE_TTL = 300.0  # seconds a signature is valid; each attempt is signed afresh
FIRST_RETRY = 1.0  # seconds; doubling up to the configured maximum
DEFAULT_MAX_DELAY = 300.0
REQUEST_TIMEOUT = 10.0
CONTENT_TYPE = "application/webhook+json"  # as LiveKit sends
_SPOOLED = re.compile(r"^(\d{12})-([0-9a-f]{32})\.json$")


def sign(body: bytes, secret: str, issuer: str, now: float) -> str:
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    claims = {"iss": issuer, "sha256": digest, "iat": int(now), "nbf": int(now),
              "exp": int(now + SIGNATURE_TTL)}
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass(slots=True)
class _Pending:
    path: Path
    event_id: str
    session_id: str
    body: bytes
    queued_at: float  # wall time it was kept (the spool file's, after a restart)


def _write(path: Path, record: dict[str, Any]) -> None:
    """Write a spool file so that it is either whole or absent, even after a crash."""
    tmp = path.with_name(f".tmp-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class WebhookOutbox:
    def __init__(
        self,
        url: str,
        secret: str,
        issuer: str,
        spool: str | Path,
        *,
        max_delay: float = DEFAULT_MAX_DELAY,
        rng: random.Random | None = None,
    ) -> None:
        self.url, self.secret, self.issuer = url, secret, issuer
        self.spool = Path(spool)
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        self._seq = 0
        self._queues: dict[str, deque[_Pending]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._http: aiohttp.ClientSession | None = None
        self._lock_fd: int | None = None
        # Spool files and queues in the same order, whatever the writes' timing.
        self._sending = asyncio.Lock()
        # What went wrong with each session's event now waiting (for /healthz): one
        # session's success must not hide another's that is still held up.
        self._problems: dict[str, tuple[float, str]] = {}

    # ---- life cycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self.spool.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock_fd = os.open(self.spool / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(
                f"another server process uses the webhook spool {self.spool}"
            ) from None
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        )
        left = await asyncio.to_thread(self._read_spool)
        if left:
            log.info("webhooks: %d undelivered events from the spool", len(left))
        for pending in left:
            self._enqueue(pending)

    def _read_spool(self) -> list[_Pending]:
        found: list[_Pending] = []
        for path in sorted(self.spool.iterdir()):
            if path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)  # a write the crash interrupted: never queued
                continue
            match = _SPOOLED.match(path.name)
            if not match:
                continue
            self._seq = max(self._seq, int(match.group(1)) + 1)
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                found.append(_Pending(path, match.group(2), str(record["session"]),
                                      str(record["body"]).encode(), path.stat().st_mtime))
            except (OSError, ValueError, KeyError):
                log.error("webhooks: unreadable spool file %s set aside", path.name)
                path.rename(path.with_suffix(".broken"))
        return found

    async def close(self) -> None:
        """Stop sending; what is not delivered stays in the spool for the next start."""
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock

    # ---- sending ---------------------------------------------------------------------------
    async def send(self, hook: Webhook) -> None:
        """Keep the event (durably) and queue it behind the session's earlier ones."""
        event_id = uuid.uuid4().hex
        body = json.dumps(
            {"id": event_id, "event": hook.event, "created_at": hook.at,
             "session": hook.session_id, **hook.data},
            separators=(",", ":"),
        ).encode()
        async with self._sending:
            path = self.spool / f"{self._seq:012d}-{event_id}.json"
            self._seq += 1
            try:
                await asyncio.to_thread(_write, path, {"session": hook.session_id,
                                                       "body": body.decode()})
            except OSError:
                # The change has happened; a full disk must not undo or block it. The
                # event is still sent, but would not survive a restart: say so loudly.
                log.exception("webhook %s (session %s) could not be spooled",
                              event_id, hook.session_id)
            self._enqueue(_Pending(path, event_id, hook.session_id, body, time.time()))

    def _enqueue(self, pending: _Pending) -> None:
        self._queues.setdefault(pending.session_id, deque()).append(pending)
        if pending.session_id not in self._workers:
            self._workers[pending.session_id] = asyncio.create_task(
                self._deliver(pending.session_id)
            )

    async def _deliver(self, session_id: str) -> None:
        """Send a session's events one after another, each until it is accepted."""
        queue = self._queues[session_id]
        failures = 0
        while queue:
            head = queue[0]
            outcome = await self._post(head)
            if outcome is None:
                try:
                    await asyncio.to_thread(head.path.unlink, missing_ok=True)
                except OSError:
                    log.exception("webhook %s delivered but still in the spool (it may "
                                  "come again after a restart, with the same id)", head.event_id)
                queue.popleft()
                failures = 0
                self._problems.pop(session_id, None)
                continue
            self._problems[session_id] = (time.time(), outcome)
            delay = self.retry_delay(failures)
            failures += 1
            log.warning("webhook %s (session %s) not delivered: %s; attempt %d, next in %.1fs",
                        head.event_id, session_id, outcome, failures, delay)
            await asyncio.sleep(delay)
        # Nothing awaited since the queue was seen empty: no event can be stranded.
        del self._queues[session_id]
        del self._workers[session_id]

    def status(self) -> dict[str, Any]:
        """The backlog, for an admin's monitoring: how many events wait, how long the
        oldest has waited, and the latest failure among events still held up (None when
        none is). Counts only: no session ids or event contents."""
        waiting = [p for q in self._queues.values() for p in q]
        oldest = min((p.queued_at for p in waiting), default=None)
        latest = max(self._problems.values(), default=None)
        return {
            "pending": len(waiting),
            "oldest_seconds": round(time.time() - oldest, 1) if oldest is not None else None,
            "last_failure": latest[1] if latest else None,
        }

    def retry_delay(self, failures: int) -> float:
        """Exponential backoff with jitter (half fixed, half random), capped."""
        ceiling: float = min(self.max_delay, FIRST_RETRY * 2.0 ** min(failures, 30))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    async def _post(self, pending: _Pending) -> str | None:
        """None when the receiver accepted the event (2xx); else what went wrong."""
        assert self._http is not None
        headers = {
            "Authorization": sign(pending.body, self.secret, self.issuer, time.time()),
            "Content-Type": CONTENT_TYPE,
        }
        try:
            async with self._http.post(self.url, data=pending.body, headers=headers,
                                       allow_redirects=False) as response:
                if 200 <= response.status < 300:
                    return None
                return f"status {response.status}"
        except Exception as exc:  # any failure is one more attempt, never a lost worker
            return type(exc).__name__
