"""Join tokens: JWTs (HS256) a clinic's system mints with the shared secret."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from typing import Any

import jwt

from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from rooms.model import Role
from signaling.protocol import ID_PATTERN

REQUIRED_CLAIMS = ("sub", "name", "session", "role", "exp", "nbf", "iat", "jti")
# Registered claims a minting system may add; anything else is refused as unknown.
OPTIONAL_CLAIMS = ("iss", "aud")
LEEWAY_SECONDS = 10
MIN_SECRET_BYTES = 32


def generate_secret() -> str:
    return secrets.token_urlsafe(48)


def mint(
    secret: str,
    *,
    session: str,
    name: str,
    role: Role,
    participant_id: str | None = None,
    ttl_seconds: int = 4 * 3600,
    not_before: float | None = None,
    now: float | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": participant_id or uuid.uuid4().hex[:16],
        "name": name,
        "session": session,
        "role": role.value,
        "iat": issued,
        "nbf": int(not_before) if not_before is not None else issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    claims.update(extra or {})
    return jwt.encode(claims, secret, algorithm="HS256")


def _text(claims: dict[str, Any], key: str, limit: int) -> str:
    value = claims.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Refused(ErrorCode.TOKEN_CLAIMS, f"This join link has a bad '{key}'.")
    if any(ord(c) < 32 for c in value):
        raise Refused(ErrorCode.TOKEN_CLAIMS, f"This join link has a bad '{key}'.")
    return value.strip()


def verify(secret: str, token: str, *, session: str | None = None) -> Identity:
    """Check a join token; raise `Refused` with the reason it cannot be used."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS), "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise Refused(ErrorCode.TOKEN_EXPIRED) from None
    except jwt.ImmatureSignatureError:
        raise Refused(ErrorCode.TOKEN_NOT_YET_VALID) from None
    except (
        jwt.MissingRequiredClaimError,
        jwt.exceptions.InvalidSubjectError,
        jwt.exceptions.InvalidJTIError,
    ):
        raise Refused(ErrorCode.TOKEN_CLAIMS) from None
    except jwt.InvalidTokenError:
        raise Refused(ErrorCode.TOKEN_INVALID) from None

    unknown = set(claims) - set(REQUIRED_CLAIMS) - set(OPTIONAL_CLAIMS)
    if unknown:
        raise Refused(ErrorCode.TOKEN_CLAIMS, "This join link carries unknown information.")
    try:
        role = Role(claims["role"])
    except ValueError:
        raise Refused(ErrorCode.TOKEN_CLAIMS, "This join link has an unknown role.") from None
    participant_id = _text(claims, "sub", 64)
    session_id = _text(claims, "session", 64)
    if not re.match(ID_PATTERN, participant_id) or not re.match(ID_PATTERN, session_id):
        raise Refused(ErrorCode.TOKEN_CLAIMS, "This join link has a malformed id.")
    if session is not None and session_id != session:
        raise Refused(ErrorCode.TOKEN_WRONG_SESSION)
    return Identity(
        participant_id=participant_id,
        name=_text(claims, "name", 64),
        session_id=session_id,
        role=role,
        token_id=str(claims["jti"]),
        expires_at=float(claims["exp"]),
    )
