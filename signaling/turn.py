"""Short-lived TURN credentials, handed to each participant at join.

The scheme is the "TURN REST API" one (draft-uberti-behave-turn-rest-00), which coturn
implements as `use-auth-secret` with a `static-auth-secret` shared with this server:

    username   = "<expiry, unix seconds>:<opaque participant id>"
    credential = base64(HMAC-SHA1(shared secret, username))

coturn recomputes the credential from the username and refuses (401) a wrong one or one
whose expiry has passed. Nothing is stored on either side, and a leaked credential is
worth one participant for one session length. The expiry only gates *new* allocations:
a call already relayed keeps going past it, as coturn lets clients refresh allocations
made with a then-valid username.

The username travels in clear inside STUN and coturn may log it, so it holds only the
expiry and the opaque participant id, never a name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A session runs 60 to 90 minutes; credentials outlive a long one with room to spare
# (late joiners, a session that overruns), and no more.
DEFAULT_TTL_SECONDS = 4 * 3600

TURN_SCHEMES = ("turn:", "turns:")
STUN_SCHEMES = ("stun:", "stuns:")


@dataclass(frozen=True, slots=True)
class TurnCredentials:
    username: str
    credential: str
    expires_at: int  # unix seconds


def turn_username(participant_id: str, expires_at: int) -> str:
    """`<expiry>:<participant id>`; the expiry first, as coturn reads the leading digits."""
    if not participant_id or any(ord(c) < 0x21 or ord(c) == 0x7F for c in participant_id):
        raise ValueError("participant id must be non-empty printable text without spaces")
    return f"{int(expires_at)}:{participant_id}"


def turn_password(secret: str, username: str) -> str:
    """base64(HMAC-SHA1(secret, username)), what coturn's `use-auth-secret` expects."""
    if not secret:
        raise ValueError("the TURN shared secret is empty")
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def mint_credentials(
    secret: str,
    participant_id: str,
    *,
    ttl: float = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> TurnCredentials:
    """Credentials valid from `now` (default: the current time) for `ttl` seconds."""
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    expires_at = int((time.time() if now is None else now) + ttl)
    username = turn_username(participant_id, expires_at)
    return TurnCredentials(username, turn_password(secret, username), expires_at)


def ice_servers(
    turn_urls: Iterable[str],
    secret: str | None,
    participant_id: str,
    *,
    stun_urls: Iterable[str] = (),
    ttl: float = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """The RTCIceServer list for one participant's `RTCConfiguration.iceServers`.

    All TURN URLs (`turn:host:3478?transport=udp`, `turns:host:5349?transport=tcp`, ...)
    share one entry with freshly minted credentials; STUN URLs, if any, come first in an
    entry without credentials. No TURN URLs gives just the STUN entry (or nothing).
    """
    turn = list(turn_urls)
    stun = list(stun_urls)
    for url in turn:
        if not url.startswith(TURN_SCHEMES):
            raise ValueError(f"not a turn: or turns: URL: {url!r}")
    for url in stun:
        if not url.startswith(STUN_SCHEMES):
            raise ValueError(f"not a stun: or stuns: URL: {url!r}")
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    if turn:
        if not secret:
            raise ValueError("TURN URLs are configured but no TURN shared secret")
        creds = mint_credentials(secret, participant_id, ttl=ttl, now=now)
        servers.append({"urls": turn, "username": creds.username, "credential": creds.credential})
    return servers
